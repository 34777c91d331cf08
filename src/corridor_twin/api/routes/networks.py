"""Stored networks: versions, nodes and links (read and edit), ownership, audit."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from corridor_twin.api import editing
from corridor_twin.api.deps import AccountDep, StoreDep, VersionQuery, require_role
from corridor_twin.api.schemas import ErrorOut
from corridor_twin.api.schemas.history import RecordHistoryOut, RevertIn, SourceOut
from corridor_twin.api.schemas.store import (
    AuditOut,
    EditOut,
    GrantIn,
    NetworkOut,
    RecordOut,
    RecordPatch,
    RuleOut,
    VersionOut,
)
from corridor_twin.errors import NotFoundError
from corridor_twin.io.yaml_io import load_yaml

router = APIRouter(
    prefix="/networks",
    tags=["networks"],
    responses={
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)

NamePath = Annotated[str, Path(min_length=1, max_length=100, description="Network name.")]
IdPath = Annotated[str, Path(min_length=1, max_length=200, description="Record id.")]
Table = Literal["nodes", "links"]
IfMatch = Annotated[
    str | None,
    Header(max_length=40, description="The version edited, instead of `expected_version`."),
]


@router.get("")
def list_networks(store: StoreDep) -> list[NetworkOut]:
    """Every stored network with its newest version."""
    return [NetworkOut.model_validate(n, from_attributes=True) for n in store.networks()]


@router.get("/{name}/versions")
def list_versions(name: NamePath, store: StoreDep) -> list[VersionOut]:
    """Every version of a network, oldest first."""
    return [VersionOut.model_validate(v, from_attributes=True) for v in store.versions(name)]


@router.get(
    "/{name}/versions/{version}",
    responses={200: {"content": {"application/yaml": {}, "application/json": {}}}},
)
def get_version(
    name: NamePath,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    store: StoreDep,
    format: Annotated[Literal["yaml", "json"], Query()] = "yaml",
) -> Response:
    """One version as its network file: canonical YAML (default) or the same as JSON.

    A version stored before the input boundary with ``.inf`` capacities is
    served as read: those capacities left out (unlimited), so the JSON is strict.
    """
    text = store.network_text(name, version)
    headers = {"ETag": f'"{version}"'}
    if format == "yaml":
        return Response(text, media_type="application/yaml", headers=headers)
    return Response(
        json.dumps(load_yaml(text), default=str, allow_nan=False, ensure_ascii=False),
        media_type="application/json",
        headers=headers,
    )


def _invalidate(request: Request) -> None:
    """This process's provider forgets the latest version, so the edit shows at once."""
    invalidate = getattr(request.app.state.provider, "invalidate", None)
    if invalidate is not None:
        invalidate()


def _get(table: Table):  # type: ignore[no-untyped-def]
    # On the event loop: one short read (no lock: SQLite readers in WAL mode and PostgreSQL
    # readers never wait for writers), cheaper than a threadpool round trip under load.
    async def get_record(
        name: NamePath,
        record_id: IdPath,
        store: StoreDep,
        account: AccountDep,
        response: Response,
        version: VersionQuery = None,
    ) -> RecordOut:
        out = editing.record(store, account, name, table, record_id, version)
        response.headers["ETag"] = f'"{out.version}"'
        return out

    get_record.__doc__ = (
        f"One of the network's {table} (of ``version``, default latest), "
        "its owners and whether the caller may edit it; `ETag` is the version."
    )
    return get_record


def _patch(table: Table):  # type: ignore[no-untyped-def]
    def patch_record(
        name: NamePath,
        record_id: IdPath,
        patch: RecordPatch,
        store: StoreDep,
        account: AccountDep,
        request: Request,
        if_match: IfMatch = None,
    ) -> EditOut:
        try:
            return editing.patch_record(store, account, name, table, record_id, patch, if_match)
        finally:
            _invalidate(request)

    patch_record.__doc__ = (
        f"Edit attributes of one of the network's {table}: a new version. 409 if the "
        "expected version is stale, 403 if the caller's organisation does not own the "
        "record (or is a viewer), 422 with the field path if a value is invalid."
    )
    return patch_record


for _table in ("nodes", "links"):
    router.add_api_route(
        f"/{{name}}/{_table}/{{record_id}}",
        _get(_table),
        methods=["GET"],
        response_model=RecordOut,
        name=f"get_{_table[:-1]}",
    )
    router.add_api_route(
        f"/{{name}}/{_table}/{{record_id}}",
        _patch(_table),
        methods=["PATCH"],
        response_model=EditOut,
        name=f"patch_{_table[:-1]}",
        responses={409: {"model": ErrorOut}},
    )


@router.get("/{name}/audit")
def audit_log(
    name: NamePath,
    store: StoreDep,
    record_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[AuditOut]:
    """The network's audit log, oldest first: who changed which field when, old and new."""
    store.version(name)  # 404 for an unknown network
    entries = store.audit_log(
        object_kind="network", object_name=name, record_id=record_id, limit=limit
    )
    return [AuditOut.model_validate(a, from_attributes=True) for a in entries]


@router.get("/{name}/ownership")
def ownership(name: NamePath, store: StoreDep) -> list[RuleOut]:
    """The network's ownership rules: which organisation edits which records."""
    return [RuleOut.model_validate(r, from_attributes=True) for r in store.ownership(name)]


@router.post("/{name}/ownership", status_code=201, dependencies=[Depends(require_role("admin"))])
def grant(name: NamePath, rule: GrantIn, store: StoreDep, account: AccountDep) -> RuleOut:
    """Add an ownership rule (admins)."""
    out = store.grant(name, rule.table, rule.pattern, rule.organisation, by=account)
    return RuleOut.model_validate(out, from_attributes=True)


@router.delete(
    "/{name}/ownership/{rule_id}",
    status_code=204,
    dependencies=[Depends(require_role("admin"))],
)
def revoke(
    name: NamePath,
    rule_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    store: StoreDep,
    account: AccountDep,
) -> Response:
    """Remove an ownership rule (admins)."""
    if rule_id not in {r.id for r in store.ownership(name)}:
        raise NotFoundError(f"network {name!r} has no ownership rule {rule_id}")
    store.revoke(rule_id, by=account)
    return Response(status_code=204)


def _history(table: Table):  # type: ignore[no-untyped-def]
    def record_history(name: NamePath, record_id: IdPath, store: StoreDep) -> RecordHistoryOut:
        store.version(name)  # 404 for an unknown network
        return editing.history(store, name, table, record_id)

    record_history.__doc__ = (
        f"The versions that changed one of the network's {table}, "
        "oldest first: who, when, the note and each field's old and new value."
    )
    return record_history


def _revert(table: Table):  # type: ignore[no-untyped-def]
    def revert_record(
        name: NamePath,
        record_id: IdPath,
        body: RevertIn,
        store: StoreDep,
        account: AccountDep,
        request: Request,
        if_match: IfMatch = None,
    ) -> EditOut:
        try:
            return editing.revert_record(store, account, name, table, record_id, body, if_match)
        finally:
            _invalidate(request)

    revert_record.__doc__ = (
        f"Give one of the network's {table} back the values it had in `to_version`: a new "
        "version (the history keeps the old ones), audited like an edit; 409 if the "
        "expected version is stale, 403 as for an edit."
    )
    return revert_record


_TABLES: tuple[Table, ...] = ("nodes", "links")
for _table in _TABLES:
    router.add_api_route(
        f"/{{name}}/{_table}/{{record_id}}/history",
        _history(_table),
        methods=["GET"],
        response_model=RecordHistoryOut,
        name=f"history_{_table[:-1]}",
    )
    router.add_api_route(
        f"/{{name}}/{_table}/{{record_id}}/revert",
        _revert(_table),
        methods=["POST"],
        response_model=EditOut,
        name=f"revert_{_table[:-1]}",
        responses={409: {"model": ErrorOut}},
    )


@router.get("/{name}/sources")
def list_sources(name: NamePath, store: StoreDep) -> list[SourceOut]:
    """The network's bibliography: the keys a figure's `source` may cite."""
    store.version(name)
    return editing.sources(store, name)
