"""How library errors become HTTP responses.

================================  ======  =====================================
error                             status  body
================================  ======  =====================================
:class:`FieldError`               422     ``detail: [{loc, msg, type}]``
(a bad node name in a field)
request validation (pydantic)     422     ``detail: [{loc, msg, type}]`` (no ``input``)
malformed JSON, NUL, NaN, depth   422     ``detail: [{loc, msg, type}]`` (middleware)
``UnknownNodeError``              422     ``detail: message``
``NotFoundError`` (scenario ...)  404     ``detail: message``
``NoRouteError``                  422     ``detail: message``
``OptionError``                   400     ``detail: message``
``AuthenticationError``           401     ``detail: message`` (+ ``WWW-Authenticate``)
``PermissionDeniedError``         403     ``detail: message``
``ConflictError`` (stale version) 409     ``detail: message``, ``expected``, ``actual``
:class:`RecordError`              422     ``detail: [{loc, msg, type}]`` per finding
``DataError``, other library      422     ``detail: message``
other ``StoreError``              503     ``detail: message``
body larger than the limit        413     ``detail: message``
a method the path does not serve  405     ``detail: message`` (+ ``Allow``)
================================  ======  =====================================

Every body also has ``error``, the error's class name. FastAPI's own 422
handler echoes each offending ``input`` (and ``ctx``); when that is ``NaN``,
``1e999`` or a lone surrogate, writing the response fails (a 500), so the
handler here keeps only ``loc``, ``msg`` and ``type``, made serialisable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor_twin._input import safe_text
from corridor_twin.errors import (
    AuthenticationError,
    ConflictError,
    CorridorError,
    NotFoundError,
    OptionError,
    PermissionDeniedError,
    StoreError,
    UnknownNodeError,
)

__all__ = ["FieldError", "RecordError", "install_error_handlers", "status_of"]


class FieldError(CorridorError):
    """A request field whose value the library rejected (e.g. an unknown node).

    Parameters
    ----------
    loc
        Path of the field, e.g. ``("body", "origin")``.
    cause
        The library error.
    """

    def __init__(self, loc: Sequence[str | int], cause: CorridorError) -> None:
        self.loc = list(loc)
        self.cause = cause
        super().__init__(str(cause))


class RecordError(CorridorError):
    """A rejected record edit: one ``{loc, msg, type}`` item per finding.

    Parameters
    ----------
    items
        The findings, ``loc`` being the field path (e.g. ``["body", "values",
        "capacity_t_per_year"]``) and ``type`` the rule or error class.
    message
        A one-line summary.
    """

    def __init__(self, items: Sequence[dict[str, object]], message: str) -> None:
        self.items = list(items)
        super().__init__(message)


def status_of(exc: CorridorError) -> int:
    """HTTP status for a library error.

    Examples
    --------
    >>> from corridor_twin.errors import NoRouteError
    >>> status_of(NoRouteError("no route")), status_of(OptionError("bad"))
    (422, 400)
    """
    if isinstance(exc, UnknownNodeError):
        return 422
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, OptionError):
        return 400
    return 422


async def _corridor_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CorridorError)
    if isinstance(exc, FieldError):
        kind = type(exc.cause).__name__
        detail = [{"loc": exc.loc, "msg": str(exc.cause), "type": kind}]
        return JSONResponse({"detail": detail, "error": kind}, status_code=422)
    if isinstance(exc, RecordError):
        return JSONResponse(
            {"detail": exc.items, "error": "ValidationError", "message": str(exc)}, status_code=422
        )
    body: dict[str, object] = {"detail": str(exc), "error": type(exc).__name__}
    headers = None
    if isinstance(exc, AuthenticationError):
        headers = {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, ConflictError):
        body.update(
            {
                k: v if v is None or isinstance(v, int | str) else str(v)
                for k, v in (("expected", exc.expected), ("actual", exc.actual))
            }
        )
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


def _plain(value: object) -> str | int:
    return value if isinstance(value, int) else safe_text(str(value), 200)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "loc": [_plain(x) for x in err.get("loc", ())],
            "msg": safe_text(str(err.get("msg", "")), 300),
            "type": safe_text(str(err.get("type", "value_error")), 60),
        }
        for err in exc.errors()
    ]
    return JSONResponse({"detail": detail, "error": "RequestValidationError"}, status_code=422)


def _path_patterns(app: FastAPI) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    found = getattr(app.state, "allow_patterns", None)
    if found is None:
        found = []
        for path, ops in app.openapi().get("paths", {}).items():
            rx = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            found.append((re.compile(f"^{rx}$"), frozenset(m.upper() for m in ops)))
        app.state.allow_patterns = found
    return list(found)


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents at the request's path (plus ``OPTIONS``)."""
    path = request.url.path
    methods: set[str] = set()
    for rx, ops in _path_patterns(request.app):
        if rx.match(path):
            methods |= ops
    if methods:
        methods |= {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allow = allowed_methods(request)
        if request.method == "OPTIONS" and allow:
            return Response(status_code=204, headers={"Allow": ", ".join(allow)})
        headers["Allow"] = ", ".join(allow)
    body = {"detail": safe_text(str(exc.detail), 300), "error": "HTTPException"}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`~corridor_twin.errors.CorridorError` to a 4xx response.

    Also replaces FastAPI's request-validation handler (no echoed input) and
    its HTTP-error handler (405 with the ``Allow`` of every route at the path;
    ``OPTIONS`` answered 200 with ``Allow``).
    """
    app.add_exception_handler(CorridorError, _corridor_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
