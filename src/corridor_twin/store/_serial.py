"""The canonical network text, written record by record (what an edit costs).

:func:`~corridor_twin.io.dumps_network` emits the whole network through
PyYAML's pure-Python emitter: about half a second for the bundled corridor,
which a store paid inside the write transaction of every one-field edit.
Each record of that text is an independent block (``  - {...}`` under its
table's key, always at the same column), so the text is the concatenation of
per-record fragments, and a record that did not change has the fragment it
had in the previous version. :func:`dumps_canonical` keeps the fragments of
recently seen records (records are immutable values) and emits only the new
ones; the result is byte-for-byte :func:`~corridor_twin.io.dumps_network`
(the store tests compare both on the bundled corridor and random networks).

:func:`changed_records_round_trip` checks that the records an edit changed
read back equal from their fragments: the part of a whole-network round trip
that an edit can break.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.io import dumps_network
>>> net = load_corridor()
>>> dumps_canonical(net) == dumps_network(net)
True
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import yaml

from corridor_twin.io.yaml_io import _Dumper, _record_dict, load_yaml, parse_record
from corridor_twin.network.model import TABLES, Network

__all__ = ["changed_records_round_trip", "dumps_canonical"]

_MAX_FRAGMENTS = 200_000
_fragments: OrderedDict[tuple[str, Any], str] = OrderedDict()
_lock = threading.Lock()


def _dump(doc: dict[str, Any]) -> str:
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )


def _fragment(table: str, rec: Any) -> str:
    key = (table, rec)
    with _lock:
        text = _fragments.get(key)
        if text is not None:
            _fragments.move_to_end(key)
            return text
    head = f"{table}:\n"
    full = _dump({table: [_record_dict(table, rec)]})
    if not full.startswith(head):  # pragma: no cover - the emitter always starts so
        raise AssertionError(f"unexpected fragment for {table} {rec.id!r}")
    text = full[len(head) :]
    with _lock:
        _fragments[key] = text
        while len(_fragments) > _MAX_FRAGMENTS:
            _fragments.popitem(last=False)
    return text


def _head(net: Network) -> str:
    key = ("", (net.meta, net.sources))
    with _lock:
        text = _fragments.get(key)
    if text is not None:
        return text
    head: dict[str, Any] = {}
    head["meta"] = {k: v for k, v in dataclasses.asdict(net.meta).items() if v is not None}
    if net.sources:
        head["sources"] = {
            s.key: {k: v for k, v in dataclasses.asdict(s).items() if k != "key" and v is not None}
            for s in net.sources
        }
    text = _dump(head)
    with _lock:
        _fragments[key] = text
    return text


def dumps_canonical(net: Network) -> str:
    """:func:`~corridor_twin.io.dumps_network`, reusing the text of unchanged records."""
    parts = [_head(net)]
    for table in TABLES:
        records = getattr(net, table)
        if records:
            parts.append(f"{table}:\n")
            parts.extend(_fragment(table, r) for r in records)
    return "".join(parts)


def changed_records_round_trip(table_records: Iterable[tuple[str, Any]]) -> bool:
    """Whether each ``(table, record)`` reads back equal from its fragment."""
    for table, rec in table_records:
        doc = load_yaml(_fragment(table, rec))
        if not isinstance(doc, list) or len(doc) != 1:
            return False
        if parse_record(table, doc[0]) != rec:
            return False
    return True
