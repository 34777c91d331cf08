"""The OpenAPI document lists every status an operation can answer.

Routers declare what their handlers raise; some answers come from layers
every operation passes through, and are added here to each operation they
apply to:

======  ===========================================================  ==========================
status  from                                                         operations
======  ===========================================================  ==========================
401     the token check (missing, unknown or revoked token)          all but the public ones
403     a role guard or ownership                                    all but the public ones
404     an unknown network, version, record, document, run, scenario  path, ``version`` or
                                                                     ``scenario`` parameters
409     a stale version, a duplicate, a finished run                 all but GET
413     :class:`~corridor_twin.api.middleware.InputBoundary`          those with a request body
422     the input boundary and request validation                    all
503     the store cannot answer (database down)                      all but the public ones
======  ===========================================================  ==========================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

__all__ = ["PUBLIC_PATHS", "install_openapi_statuses"]

PUBLIC_PATHS = frozenset({"/api/v1/health"})
"""Operations that need no token (besides the OpenAPI document and the docs page)."""

_DESCRIPTIONS = {
    "401": "No valid API token (`Authorization: Bearer <token>`).",
    "403": "The caller's role or organisation may not do this.",
    "404": "Not found.",
    "409": "Conflict: a stale version, a duplicate name, or a state that does not allow it.",
    "413": "Request body larger than the limit (64 KiB by default).",
    "422": "Malformed input: the `loc` of each item is the field path.",
    "503": "The store cannot answer (database unavailable).",
}
_METHODS = ("get", "put", "post", "delete", "patch")


def _add(op: dict[str, Any], status: str) -> None:
    responses = op.setdefault("responses", {})
    if status not in responses:
        responses[status] = {
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }


def install_openapi_statuses(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so that every operation documents the statuses above."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = build()
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                if method not in _METHODS:
                    continue
                _add(op, "422")
                if path not in PUBLIC_PATHS:
                    for status in ("401", "403", "503"):
                        _add(op, status)
                names = {p.get("name") for p in op.get("parameters", [])}
                if "{" in path or names & {"version", "scenario"}:
                    _add(op, "404")
                if method != "get":
                    _add(op, "409")
                if "requestBody" in op:
                    _add(op, "413")
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
