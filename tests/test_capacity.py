"""Annual capacities: the table, unit conversion, service-derived figures, edge arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from corridor_twin.data import load_corridor
from corridor_twin.errors import OptionError
from corridor_twin.flow import capacity_table, edge_capacity, node_capacity
from corridor_twin.network.compile import EDGE_KINDS
from corridor_twin.network.model import Network

K = {k: i for i, k in enumerate(EDGE_KINDS)}


def test_table_covers_every_record_per_direction(mini: Network) -> None:
    table = capacity_table(mini, unit="teu")
    two_way_links = sum(2 if lk.bidirectional else 1 for lk in mini.links)
    two_way_services = sum(2 if s.bidirectional else 1 for s in mini.services)
    assert len(table) == (
        two_way_links + two_way_services + len(mini.transfers) + len(mini.borders) + len(mini.nodes)
    )
    ferry = table.get("service", "ferry")
    assert [(x.from_node, x.to_node) for x in ferry] == [("KZ_P", "AZ_P"), ("AZ_P", "KZ_P")]
    assert ferry[0].capacity == pytest.approx(7 * 52 * 50)
    assert ferry[0].basis == "derived"
    assert ferry[0].note == "7/week x 52 x 50 TEU x availability 1 x load factor 1"
    link = table.get("link", "A-B")[0]
    assert math.isinf(link.capacity)
    assert (link.basis, link.figure, link.source) == ("unlimited", None, None)


def test_more_sailings_raise_service_capacity(mini: Network) -> None:
    comp = mini.compiled()
    more = mini.update_record("services", "ferry", sailings_per_week=10)
    ride = comp.edge.kind == K["ride"]
    before = edge_capacity(comp, "teu")[ride]
    after = edge_capacity(more.compiled(), "teu")[more.compiled().edge.kind == K["ride"]]
    assert np.all(after == pytest.approx(before * 10 / 7))
    assert (
        capacity_table(more, unit="teu").get("service", "ferry")[0].capacity
        > capacity_table(mini, unit="teu").get("service", "ferry")[0].capacity
    )


def test_lower_availability_or_load_factor_lowers_capacity(mini: Network) -> None:
    worse = mini.update_record("services", "ferry", availability=0.5, load_factor=0.8)
    assert capacity_table(worse, unit="teu").get("service", "ferry")[0].capacity == pytest.approx(
        7 * 52 * 50 * 0.4
    )


def test_unit_conversion_and_given_figures_win() -> None:
    net = load_corridor()
    teu = capacity_table(net, unit="teu")
    t = capacity_table(net, unit="t")
    # Kuryk port gives tonnes only: converted at the container loading of 10 t/TEU.
    kur = teu.get("node", "KZ_KUR")[0]
    assert (kur.capacity, kur.basis, kur.figure) == (600_000.0, "converted", "capacity_t_per_year")
    assert kur.note is not None
    assert kur.note.startswith("converted at 10 t/TEU")
    # Alat gives both: each unit uses its own figure (15 Mt bulk vs 100,000 TEU boxes).
    assert teu.get("node", "AZ_ALAT")[0].capacity == 100_000.0
    assert t.get("node", "AZ_ALAT")[0].capacity == 15_000_000.0
    assert teu.get("node", "AZ_ALAT")[0].source == "azernews-2025-01"
    assert teu.get("node", "AZ_ALAT")[0].year == 2024
    # No conversion: records rated only in the other unit are unlimited.
    comp = net.compiled()
    strict = node_capacity(comp, "teu", convert=False)
    assert math.isinf(strict[comp.node_index("KZ_KUR")])
    assert node_capacity(comp, "teu", t_per_teu=20.0)[comp.node_index("KZ_KUR")] == 300_000.0


def test_edge_capacity_combines_link_service_transfer_and_border(mini: Network) -> None:
    net = (
        mini.update_link("P-P", capacity_t_per_year=100_000.0)  # 10,000 TEU: below the ferry
        .update_record("transfers", "AP-ferry", capacity_teu_per_year=5_000.0)
        .update_record("borders", "AP-entry", capacity_teu_per_year=3_000.0)
    )
    comp = net.compiled()
    cap = edge_capacity(comp, "teu")
    kind = comp.edge.kind
    ride = np.flatnonzero(kind == K["ride"])
    entering_az = ride[comp.edge.node_to[ride] == comp.node_index("AZ_P")]
    leaving_az = ride[comp.edge.node_from[ride] == comp.node_index("AZ_P")]
    assert np.all(cap[entering_az] == 3_000.0)  # the entry border binds
    assert np.all(cap[leaving_az] == 10_000.0)  # the link (in t, converted) binds
    no_border = edge_capacity(comp, "teu", borders=False)
    assert np.all(no_border[entering_az] == 10_000.0)
    tr = np.flatnonzero(comp.edge.transfer == net.index_of("transfers", "AP-ferry"))
    assert np.all(cap[tr] == 5_000.0)
    other = ~np.isin(kind, [K["link"], K["ride"], K["transfer"], K["gauge"]])
    assert np.all(np.isinf(cap[other]))
    assert not cap.flags.writeable


def test_bundled_corridor_caspian_figures() -> None:
    table = capacity_table(load_corridor(), unit="teu")
    caps = {x.id: x.capacity for x in table.limited() if x.kind == "service"}
    # Fleet-based frequencies since issue 15 (5 and 6 vessels x 1.88 sailings a week),
    # and the 2024 load on the Turkmenbashi line (0.72; 2025's low water is a scenario).
    assert caps["S_ASCO_KUR_ALAT"] == pytest.approx(9.4 * 52 * 108 * 0.85 * 0.72)
    assert caps["S_ASCO_TMB_ALAT"] == pytest.approx(11.3 * 52 * 108 * 0.85 * 0.72)
    assert "limited" in repr(table)
    frame = table.to_frame()
    assert {"kind", "id", "capacity", "unit", "basis", "source", "year"} <= set(frame.columns)
    assert set(frame["unit"]) == {"teu"}


def test_unknown_unit_is_an_option_error(mini: Network) -> None:
    with pytest.raises(OptionError, match="unknown unit"):
        capacity_table(mini, unit="kg")
    with pytest.raises(OptionError, match="t_per_teu"):
        edge_capacity(mini.compiled(), "t", t_per_teu=0.0)
