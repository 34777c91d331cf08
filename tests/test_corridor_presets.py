"""Corridor presets: each keeps routes inside its corridor, on the bundled network."""

from __future__ import annotations

import numpy as np
import pytest

from corridor_twin.data import load_corridor
from corridor_twin.errors import DataError, OptionError
from corridor_twin.network.compile import CompiledNetwork
from corridor_twin.routing import Route, k_routes, route
from corridor_twin.routing.corridors import (
    CLASSIFY_ORDER,
    CORRIDORS,
    avoid_countries,
    classify_path,
    corridor_mask,
    corridor_objective,
    get_corridor,
    load_corridors,
    path_in_corridor,
)

CASPIAN = {"KZ_AKT", "KZ_KUR", "TM_TMB"}


@pytest.fixture(scope="module")
def comp() -> CompiledNetwork:
    return load_corridor().compiled()


def _countries(r: Route) -> set[str]:
    net = load_corridor()
    return {net.node(n).country for n in r.nodes}


def test_middle_crosses_the_caspian_and_avoids_russia_and_iran(comp: CompiledNetwork) -> None:
    for objective in ("time", "cost", "generalized"):
        r = route(
            comp,
            "Almaty",
            "Istanbul",
            cargo="container",
            optimize=corridor_objective(comp, "middle", objective),
        )
        assert not _countries(r) & {"RU", "BY", "IR"}
        assert CASPIAN & set(r.nodes)
        assert "AZ_ALAT" in r.nodes
        assert path_in_corridor(comp, r.edges, "middle")
        assert classify_path(comp, r.edges) == "middle"


@pytest.mark.parametrize(
    ("corridor", "origin", "destination", "cargo", "must_touch"),
    [
        ("northern", "Xi'an", "Duisburg", "container", {"RU", "BY", "PL"}),
        ("southern", "Almaty", "Istanbul", "container", {"TM", "IR"}),
        ("sea_suez", "Xi'an", "Duisburg", "container", {"CN", "NL"}),
        ("road", "Kostanay", "Yerevan", "grain", {"RU", "GE", "AM"}),
    ],
)
def test_each_preset_routes_inside_itself(
    comp: CompiledNetwork,
    corridor: str,
    origin: str,
    destination: str,
    cargo: str,
    must_touch: set[str],
) -> None:
    r = route(
        comp, origin, destination, cargo=cargo, optimize=corridor_objective(comp, corridor, "time")
    )
    assert must_touch <= _countries(r)
    assert not _countries(r) & set(get_corridor(corridor).exclude_countries)
    assert path_in_corridor(comp, r.edges, corridor)
    assert classify_path(comp, r.edges) == corridor


def test_road_uses_upper_lars(comp: CompiledNetwork) -> None:
    r = route(
        comp,
        "Kostanay",
        "Yerevan",
        cargo="grain",
        optimize=corridor_objective(comp, "road", "cost"),
    )
    assert "RU_LAR" in r.nodes
    assert "GE_DAR" in r.nodes


def test_k_routes_stay_inside_the_mask(comp: CompiledNetwork) -> None:
    rs = k_routes(
        comp,
        "Almaty",
        "Istanbul",
        k=4,
        cargo="container",
        optimize=corridor_objective(comp, "middle", "generalized"),
    )
    mask = corridor_mask(comp, "middle")
    for r in rs:
        assert mask[r.edges].all()


def test_every_preset_id_names_a_bundled_element() -> None:
    net = load_corridor()
    links = {lk.id for lk in net.links}
    services = {s.id for s in net.services}
    countries = {n.country for n in net.nodes}
    for c in CORRIDORS.values():
        assert set(c.exclude_links) <= links, c.id
        assert set(c.via_links_any) <= links, c.id
        assert set(c.exclude_services) <= services, c.id
        assert set(c.exclude_countries) | set(c.via_countries_any) <= countries, c.id


def test_variants_inherit_and_adjust() -> None:
    cape, suez = CORRIDORS["sea_cape"], CORRIDORS["sea_suez"]
    assert cape.base == "sea_suez"
    assert cape.only_countries == suez.only_countries
    assert cape.extra_time_h > 0
    assert suez.extra_time_h == 0
    assert get_corridor("sea") is suez
    assert "sea_cape" not in CLASSIFY_ORDER


def test_masks_are_cached_and_read_only(comp: CompiledNetwork) -> None:
    m = corridor_mask(comp, "northern")
    assert corridor_mask(comp, "northern") is m
    with pytest.raises(ValueError, match="read-only"):
        m[0] = False


def test_avoid_sets_match_the_existing_kernels(comp: CompiledNetwork) -> None:
    r = route(
        comp, "Almaty", "Istanbul", cargo="container", avoid_countries=avoid_countries("middle")
    )
    assert not _countries(r) & {"RU", "BY", "IR"}


def test_bad_names_and_files_are_one_clear_error(comp: CompiledNetwork) -> None:
    with pytest.raises(OptionError, match="unknown corridor 'arctic'"):
        get_corridor("arctic")
    with pytest.raises(OptionError, match="unknown objective"):
        corridor_objective(comp, "middle", "speed")
    with pytest.raises(DataError, match="unknown key"):
        load_corridors("corridors:\n  x: {exclude_contries: [RU]}\n")
    with pytest.raises(DataError, match="base"):
        load_corridors("corridors:\n  x: {base: y}\n")
    with pytest.raises(DataError, match="corridors"):
        load_corridors("[]")


def test_classify_none_for_a_local_route(comp: CompiledNetwork) -> None:
    r = route(comp, "Baku", "Tbilisi", cargo="container", optimize="time")
    assert classify_path(comp, r.edges) is None
    assert not path_in_corridor(comp, np.empty(0, dtype=np.int64), "middle")
