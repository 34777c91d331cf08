"""Stored scenarios and demand tables: read any version, save a new one (editors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from corridor_twin._input import NAME_PATTERN
from corridor_twin.api.deps import AccountDep, StoreDep
from corridor_twin.api.errors import RecordError
from corridor_twin.api.schemas import ErrorOut
from corridor_twin.api.schemas.store import DocumentIn, DocumentOut
from corridor_twin.errors import DataError
from corridor_twin.scenarios.demand import check_demand, loads_demand, loads_demand_csv
from corridor_twin.scenarios.io import loads_scenario
from corridor_twin.scenarios.model import apply_scenario
from corridor_twin.store import DocumentInfo

router = APIRouter(
    tags=["documents"],
    responses={
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
        422: {"model": ErrorOut},
    },
)

DocName = Annotated[str, Path(min_length=1, max_length=200, pattern=NAME_PATTERN)]
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


def _base_network(request: Request) -> Any:
    return request.app.state.provider.network(None)


def _check_scenario(request: Request, parsed: Any) -> None:
    """The scenario must apply to the stored network (unknown links, nodes: 422)."""
    names = {"titr", request.app.state.settings.network_name}
    if parsed.base not in names:
        msg = (
            f"unknown base {parsed.base!r}: a stored scenario applies to the stored network "
            f"({' or '.join(sorted(map(repr, names)))})"
        )
        raise RecordError([{"loc": ["body", "text"], "msg": msg, "type": "value_error"}], msg)
    try:
        apply_scenario(_base_network(request), parsed)
    except DataError as exc:
        raise _text_error(exc) from exc


def _check_demand(request: Request, doc: DocumentIn) -> None:
    """The demand table must fit the stored network (nodes, commodities, units: 422)."""
    fmt = doc.fmt or ("json" if doc.text.lstrip().startswith("{") else "yaml")
    try:
        table = loads_demand_csv(doc.text) if fmt == "csv" else loads_demand(doc.text)
    except DataError as exc:
        raise _text_error(exc) from exc
    problems = check_demand(table, _base_network(request))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        msg = f"{problems[0]}{more}"
        raise RecordError([{"loc": ["body", "text"], "msg": msg, "type": "DemandError"}], msg)


# Reads of one document run on the event loop (a short query; readers never wait for
# writers), cheaper than a threadpool round trip under load; saves stay in the threadpool.
@router.get("/scenarios/{name}")
async def get_scenario(name: DocName, store: StoreDep, version: DocVersion = None) -> DocumentOut:
    """A stored scenario's text (latest version unless ``version``)."""
    doc = store.document("scenario", name, version)
    return _out(doc.info, doc.text)


@router.get("/scenarios/{name}/versions")
async def scenario_versions(name: DocName, store: StoreDep) -> list[DocumentOut]:
    """Every version of a stored scenario, oldest first."""
    return [_out(d) for d in store.document_versions("scenario", name)]


@router.put("/scenarios/{name}")
def put_scenario(
    name: DocName, doc: DocumentIn, store: StoreDep, account: AccountDep, request: Request
) -> DocumentOut:
    """Save a scenario's next version (editors; the text's ``name`` must be ``name``)."""
    if doc.fmt == "csv":
        raise RecordError(
            [{"loc": ["body", "fmt"], "msg": "a scenario is yaml or json", "type": "value_error"}],
            "a scenario is yaml or json",
        )
    try:
        parsed = loads_scenario(doc.text)
    except DataError as exc:
        raise _text_error(exc) from exc
    if parsed.name != name:
        msg = f"the scenario in the text is named {parsed.name!r}, not {name!r}"
        raise RecordError([{"loc": ["body", "text"], "msg": msg, "type": "value_error"}], msg)
    _check_scenario(request, parsed)
    info = store.save_scenario(
        doc.text, by=account, fmt=doc.fmt, expected_version=doc.expected_version
    )
    _invalidate(request)
    return _out(info)


@router.get("/demand")
async def list_demand(store: StoreDep) -> list[DocumentOut]:
    """The stored demand tables (latest versions)."""
    return [_out(d) for d in store.documents("demand")]


@router.get("/demand/{name}")
async def get_demand(name: DocName, store: StoreDep, version: DocVersion = None) -> DocumentOut:
    """A stored demand table's text (latest version unless ``version``)."""
    doc = store.document("demand", name, version)
    return _out(doc.info, doc.text)


@router.get("/demand/{name}/versions")
async def demand_versions(name: DocName, store: StoreDep) -> list[DocumentOut]:
    """Every version of a stored demand table, oldest first."""
    return [_out(d) for d in store.document_versions("demand", name)]


@router.put("/demand/{name}")
def put_demand(
    name: DocName, doc: DocumentIn, store: StoreDep, account: AccountDep, request: Request
) -> DocumentOut:
    """Save a demand table's next version (editors), as yaml, json or csv text."""
    _check_demand(request, doc)
    try:
        info = store.save_demand(
            doc.text, by=account, fmt=doc.fmt, name=name, expected_version=doc.expected_version
        )
    except DataError as exc:
        raise _text_error(exc) from exc
    _invalidate(request)
    return _out(info)
