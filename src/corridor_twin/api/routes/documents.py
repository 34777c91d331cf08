"""Stored scenarios and demand tables: read any version, save a new one (editors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from corridor_twin.api.deps import AccountDep, StoreDep
from corridor_twin.api.errors import RecordError
from corridor_twin.api.schemas import ErrorOut
from corridor_twin.api.schemas.store import DocumentIn, DocumentOut
from corridor_twin.errors import DataError
from corridor_twin.scenarios.io import loads_scenario
from corridor_twin.store import DocumentInfo

router = APIRouter(
    tags=["documents"],
    responses={
        401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut},
        409: {"model": ErrorOut}, 422: {"model": ErrorOut},
    },
)

DocName = Annotated[str, Path(min_length=1, max_length=200)]
DocVersion = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _out(doc: DocumentInfo, text: str | None = None) -> DocumentOut:
    return DocumentOut.model_validate({**vars(doc), "text": text})


def _invalidate(request: Request) -> None:
    invalidate = getattr(request.app.state.provider, "invalidate", None)
    if invalidate is not None:
        invalidate()


def _text_error(exc: DataError) -> RecordError:
    return RecordError(
        [{"loc": ["body", "text"], "msg": str(exc), "type": type(exc).__name__}], str(exc)
    )


@router.get("/scenarios/{name}")
def get_scenario(name: DocName, store: StoreDep, version: DocVersion = None) -> DocumentOut:
    """A stored scenario's text (latest version unless ``version``)."""
    doc = store.document("scenario", name, version)
    return _out(doc.info, doc.text)


@router.get("/scenarios/{name}/versions")
def scenario_versions(name: DocName, store: StoreDep) -> list[DocumentOut]:
    """Every version of a stored scenario, oldest first."""
    return [_out(d) for d in store.document_versions("scenario", name)]


@router.put("/scenarios/{name}")
def put_scenario(
    name: DocName, doc: DocumentIn, store: StoreDep, account: AccountDep, request: Request
) -> DocumentOut:
    """Save a scenario's next version (editors; the text's ``name`` must be ``name``)."""
    if doc.fmt == "csv":
        raise RecordError([{"loc": ["body", "fmt"], "msg": "a scenario is yaml or json",
                            "type": "value_error"}], "a scenario is yaml or json")
    try:
        parsed = loads_scenario(doc.text)
    except DataError as exc:
        raise _text_error(exc) from exc
    if parsed.name != name:
        msg = f"the scenario in the text is named {parsed.name!r}, not {name!r}"
        raise RecordError([{"loc": ["body", "text"], "msg": msg, "type": "value_error"}], msg)
    info = store.save_scenario(doc.text, by=account, fmt=doc.fmt,
                               expected_version=doc.expected_version)
    _invalidate(request)
    return _out(info)


@router.get("/demand")
def list_demand(store: StoreDep) -> list[DocumentOut]:
    """The stored demand tables (latest versions)."""
    return [_out(d) for d in store.documents("demand")]


@router.get("/demand/{name}")
def get_demand(name: DocName, store: StoreDep, version: DocVersion = None) -> DocumentOut:
    """A stored demand table's text (latest version unless ``version``)."""
    doc = store.document("demand", name, version)
    return _out(doc.info, doc.text)


@router.get("/demand/{name}/versions")
def demand_versions(name: DocName, store: StoreDep) -> list[DocumentOut]:
    """Every version of a stored demand table, oldest first."""
    return [_out(d) for d in store.document_versions("demand", name)]


@router.put("/demand/{name}")
def put_demand(
    name: DocName, doc: DocumentIn, store: StoreDep, account: AccountDep, request: Request
) -> DocumentOut:
    """Save a demand table's next version (editors), as yaml, json or csv text."""
    try:
        info = store.save_demand(doc.text, by=account, fmt=doc.fmt, name=name,
                                 expected_version=doc.expected_version)
    except DataError as exc:
        raise _text_error(exc) from exc
    _invalidate(request)
    return _out(info)
