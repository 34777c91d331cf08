"""ASGI middleware: the request boundary (body size 413, malformed input 422).

:class:`InputBoundary` reads the whole body first (at most ``max_bytes``,
whether or not it came with a ``Content-Length``: a chunked body over the
limit is a 413 before any handler runs), then checks JSON bodies, the path and
the query string with :mod:`corridor_twin._input`: ``NaN``, ``Infinity``,
``1e999``, integers over 18 digits, NUL bytes, lone surrogates, nesting over
32 levels and values over 100,000 characters are a 422 naming the JSON path,
in FastAPI's shape (``detail: [{loc, msg, type}]``), never echoing the value.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor_twin._input import check_value, loads_json
from corridor_twin.errors import InputError

__all__ = ["InputBoundary"]

_JSON_TYPES = (b"application/json",)


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return True  # FastAPI reads a body without a content type as JSON
    main = content_type.split(b";", 1)[0].strip().lower()
    return main in _JSON_TYPES or main.endswith(b"+json")


async def _send_json(send: Send, status: int, doc: object) -> None:
    body = json.dumps(doc, ensure_ascii=True).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _loc(where: str | None) -> list[str | int]:
    """``body.values[2].x`` as FastAPI's ``["body", "values", 2, "x"]``."""
    out: list[str | int] = []
    for part in (where or "body").replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            out.append(int(part[1:-1]))
        elif part:
            out.append(part)
    return out


class InputBoundary:
    """Buffer the body (413 over ``max_bytes``) and refuse malformed JSON, path or query (422).

    Parameters
    ----------
    app
        The wrapped ASGI app.
    max_bytes
        Largest body accepted.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Send) -> None:
        await _send_json(
            send,
            413,
            {
                "detail": f"request body larger than {self.max_bytes} bytes",
                "error": "PayloadTooLarge",
            },
        )

    async def _invalid(self, send: Send, exc: InputError) -> None:
        where = exc.field or "body"
        detail = [{"loc": _loc(where), "msg": exc.reason, "type": "value_error"}]
        await _send_json(send, 422, {"detail": detail, "error": "InputError"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._too_large(send)
                return
        try:
            check_value(scope.get("path", ""), where="path")
            query = scope.get("query_string", b"").decode("latin-1")
            for key, value in parse_qsl(query, keep_blank_values=True):
                check_value(value, where=f"query.{key}")
        except InputError as exc:
            await self._invalid(send, exc)
            return
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(headers.get(b"content-type")):
            try:
                loads_json(body)
            except InputError as exc:
                await self._invalid(send, exc)
                return
        done = False

        async def replay() -> Message:
            nonlocal done
            if not done:
                done = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
