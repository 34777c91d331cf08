"""How library errors become HTTP responses.

================================  ======  =====================================
error                             status  body
================================  ======  =====================================
:class:`FieldError`               422     ``detail: [{loc, msg, type}]``
(a bad node name in a field)
request validation (pydantic)     422     ``detail: [{loc, msg, type, ...}]``
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
================================  ======  =====================================

Every body also has ``error``, the error's class name.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

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
            {k: v if v is None or isinstance(v, int | str) else str(v)
             for k, v in (("expected", exc.expected), ("actual", exc.actual))}
        )
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`~corridor_twin.errors.CorridorError` to a 4xx response."""
    app.add_exception_handler(CorridorError, _corridor_error)
