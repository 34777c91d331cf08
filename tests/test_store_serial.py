"""The record-by-record canonical text of stored versions equals the whole-file writer."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings

from corridor_twin.data import load_corridor
from corridor_twin.io import dumps_network, loads_network
from corridor_twin.store import UpdateRecord, apply_edits
from corridor_twin.store._serial import (
    changed_records_round_trip,
    dumps_canonical,
    loads_canonical,
)
from strategies import rail_cases

MINI = Path(__file__).parent / "data" / "mini.yaml"


def test_bundled_corridor_text_and_an_edit() -> None:
    net = load_corridor()
    assert dumps_canonical(net) == dumps_network(net)
    new, changes = apply_edits(
        net, [UpdateRecord("nodes", net.nodes[3].id, {"transit_dwell_h": 7.5, "notes": "x: 'y'"})]
    )
    text = dumps_canonical(new)
    assert text == dumps_network(new)
    assert changed_records_round_trip([(c.table, c.new_record) for c in changes])
    back = loads_canonical(text, path="<v2>")
    assert back == new
    assert back.origin.line_of("nodes", net.nodes[3].id) is not None


def test_mini_network_round_trips() -> None:
    net = loads_network(MINI.read_text(encoding="utf-8"))
    text = dumps_canonical(net)
    assert text == dumps_network(net)
    assert loads_canonical(text, path="<mini>") == net


def test_text_not_in_the_canonical_layout_is_read_whole() -> None:
    text = MINI.read_text(encoding="utf-8")  # hand-written: comments, flow style
    assert loads_canonical(text, path="<mini>") == loads_network(text)


@settings(max_examples=40, deadline=None)
@given(rail_cases(with_dwell=True, with_countries=True, with_costs=True))
def test_random_networks(case) -> None:  # type: ignore[no-untyped-def]
    text = dumps_canonical(case.net)
    assert text == dumps_network(case.net)
    assert loads_canonical(text, path="<random>") == case.net
