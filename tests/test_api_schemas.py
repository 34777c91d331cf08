"""API response schemas stay in step with the domain results they carry.

Each response model that mirrors a domain dataclass must have exactly its
fields (and the public properties it chooses to carry), apart from the renames
and omissions listed here with their reason. A field added to a domain result
and not to its schema (or the reverse) fails this test.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import datetime
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel

from corridor_twin.api.schemas import LegOut, RouteOut
from corridor_twin.api.schemas.flow import CutItemOut
from corridor_twin.api.schemas.network import NodeOut
from corridor_twin.api.schemas.reliability import TransitStatsOut
from corridor_twin.api.schemas.routing import Mode as ApiMode
from corridor_twin.api.schemas.store import (
    AuditOut,
    DocumentOut,
    NetworkOut,
    OrganisationOut,
    RunOut,
    TokenOut,
    UserOut,
    VersionOut,
)
from corridor_twin.flow import CutItem
from corridor_twin.network.records import Node
from corridor_twin.network.schema import MODES
from corridor_twin.routing import Leg, Route
from corridor_twin.simulate.reliability import TransitStats
from corridor_twin.store import (
    AuditEntry,
    DocumentInfo,
    NetworkInfo,
    OrganisationInfo,
    RunInfo,
    TokenInfo,
    UserInfo,
    VersionInfo,
)


@dataclasses.dataclass(frozen=True)
class Pair:
    schema: type[BaseModel]
    domain: type
    carried: frozenset[str] = frozenset()  # domain properties the schema carries as fields
    renamed: tuple[tuple[str, str], ...] = ()  # (schema field, domain field)
    omitted: frozenset[str] = frozenset()  # domain fields the schema leaves out, on purpose
    added: frozenset[str] = frozenset()  # schema fields the domain has no field for

    def __str__(self) -> str:
        return f"{self.schema.__name__}~{self.domain.__name__}"


PAIRS = [
    Pair(LegOut, Leg, carried=frozenset({"wait_h", "time_h"})),
    Pair(
        RouteOut,
        Route,
        carried=frozenset(
            {
                "length_km",
                "time_h",
                "time_days",
                "travel_h",
                "wait_h",
                "cost_usd",
                "co2e_kg",
                "wtt_kg",
                "ttw_kg",
                "nodes",
                "modes",
                "legs",
                "key_nodes",
                "via",
            }
        ),
        # the per-leg columns and compiled edge ids are internal; the waits are spelled out
        omitted=frozenset({"data", "edges"}),
        added=frozenset(
            {
                "wait_service_h",
                "wait_border_h",
                "wait_transfer_h",
                "wait_gauge_h",
                "wait_dwell_h",
                "coordinates_lonlat",
            }
        ),
    ),
    Pair(TransitStatsOut, TransitStats),
    Pair(AuditOut, AuditEntry),
    # the API names every annual figure by its period
    Pair(CutItemOut, CutItem, renamed=(("capacity_per_year", "capacity"),)),
    Pair(NetworkOut, NetworkInfo),
    Pair(VersionOut, VersionInfo),
    Pair(OrganisationOut, OrganisationInfo),
    Pair(UserOut, UserInfo),
    Pair(TokenOut, TokenInfo),
    # the worker's host and process id are for the store's own crash recovery
    Pair(RunOut, RunInfo, omitted=frozenset({"host", "pid"})),
    # the text only when one document is fetched
    Pair(DocumentOut, DocumentInfo, added=frozenset({"text"})),
    # the map's node summary: identity and place, not the figures
    Pair(
        NodeOut,
        Node,
        omitted=frozenset(
            {
                "provenance",
                "figure_provenance",
                "transit_dwell_h",
                "transit_cost_usd_per_teu",
                "transit_cost_usd_per_t",
                "capacity_t_per_year",
                "capacity_teu_per_year",
                "operator",
                "status",
                "notes",
            }
        ),
    ),
]


def _properties(cls: type) -> set[str]:
    return {
        n
        for klass in cls.__mro__
        for n, v in vars(klass).items()
        if isinstance(v, (property, functools.cached_property)) and not n.startswith("_")
    }


def _scalar(tp: Any) -> set[type]:
    """The scalar types an annotation admits (None dropped, containers to their items)."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_scalar(a) for a in get_args(tp) if a is not type(None)))
    if origin in (list, tuple):
        return set().union(*(_scalar(a) for a in get_args(tp) if a is not Ellipsis))
    if origin is typing.Annotated:
        return _scalar(get_args(tp)[0])
    if origin is Literal:
        return {type(a) for a in get_args(tp)}
    if tp is Any or origin is not None or not isinstance(tp, type):
        return {object}
    return {tp}


@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_schema_fields_match_the_domain_result(pair: Pair) -> None:
    domain = {f.name for f in dataclasses.fields(pair.domain)}
    props = _properties(pair.domain)
    assert pair.carried <= props, f"not properties of {pair.domain.__name__}"
    renamed = dict(pair.renamed)
    expected = (
        (domain - pair.omitted - set(renamed.values())) | pair.carried | set(renamed) | pair.added
    )
    got = set(pair.schema.model_fields)
    assert got == expected, (
        f"{pair}: schema lacks {sorted(expected - got)}, has extra {sorted(got - expected)}"
    )


@pytest.mark.parametrize("pair", PAIRS, ids=str)
def test_schema_field_types_match_the_domain_result(pair: Pair) -> None:
    hints = typing.get_type_hints(pair.domain)
    renamed = dict(pair.renamed)
    for name, info in pair.schema.model_fields.items():
        source = renamed.get(name, name)
        if source not in hints or name in pair.added:
            continue
        want, have = _scalar(hints[source]), _scalar(info.annotation)
        if object in want or object in have:
            continue
        # ints are valid floats; datetimes stay datetimes
        have_n = {float if t is int else t for t in have}
        want_n = {float if t is int else t for t in want}
        assert want_n <= have_n | ({datetime} if datetime in want_n else set()), (
            f"{pair}.{name}: domain {hints[source]} vs schema {info.annotation}"
        )


def test_api_mode_literal_is_the_network_modes() -> None:
    assert get_args(ApiMode) == MODES
