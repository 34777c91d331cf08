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

from corridor_twin.io.yaml_io import (
    NetworkOrigin,
    _Dumper,
    _record_dict,
    load_yaml,
    loads_network,
    parse_record,
)
from corridor_twin.network.model import TABLES, Network

__all__ = ["changed_records_round_trip", "dumps_canonical", "loads_canonical"]

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


_parsed: OrderedDict[tuple[str, str], Any] = OrderedDict()
_TABLE_HEADS = {f"{t}:\n": t for t in TABLES}


def _split(text: str) -> tuple[str, list[tuple[str, int, str]]] | None:
    """The head (meta, sources) and each record's ``(table, line, fragment)`` of a canonical text.

    ``None`` if the text is not laid out as :func:`dumps_canonical` writes it.
    """
    lines = text.splitlines(keepends=True)
    head: list[str] = []
    frags: list[tuple[str, int, str]] = []
    table: str | None = None
    current: list[str] = []
    start = 0
    for no, line in enumerate(lines, start=1):
        if line in _TABLE_HEADS:
            if current:
                assert table is not None
                frags.append((table, start, "".join(current)))
                current = []
            table = _TABLE_HEADS[line]
        elif table is None:
            head.append(line)
        elif line.startswith("  - "):
            if current:
                frags.append((table, start, "".join(current)))
            current, start = [line], no
        elif line.startswith("    ") and current:
            current.append(line)
        else:
            return None
    if current:
        assert table is not None
        frags.append((table, start, "".join(current)))
    return "".join(head), frags


def _parse_fragment(table: str, fragment: str, path: str) -> Any:
    key = (table, fragment)
    with _lock:
        rec = _parsed.get(key)
        if rec is not None:
            _parsed.move_to_end(key)
            _fragments.setdefault((table, rec), fragment)
            return rec
    doc = load_yaml(fragment, path=path)
    if not isinstance(doc, list) or len(doc) != 1:
        raise ValueError("not one record")
    rec = parse_record(table, doc[0], path=path)
    with _lock:
        _parsed[key] = rec
        _fragments[(table, rec)] = fragment
        while len(_parsed) > _MAX_FRAGMENTS:
            _parsed.popitem(last=False)
    return rec


def loads_canonical(text: str, *, path: str) -> Network:
    """A network from the canonical text of a stored version, reusing unchanged records.

    Each record's fragment is parsed once per process (a new version shares
    all but the edited records with the one before, so reading it costs the
    edited records, not the whole file); the result is checked to write back
    to exactly ``text``, and any text not in the canonical layout is read by
    :func:`~corridor_twin.io.loads_network`.
    """
    split = _split(text)
    if split is None:
        return loads_network(text, path=path)
    head, frags = split
    try:
        head_net = loads_network(head, path=path)
        tables: dict[str, list[Any]] = {t: [] for t in TABLES}
        record_lines: dict[tuple[str, str], int] = {}
        for table, line, fragment in frags:
            rec = _parse_fragment(table, fragment, path)
            tables[table].append(rec)
            record_lines[(table, rec.id)] = line
    except (ValueError, LookupError):
        return loads_network(text, path=path)
    net = Network(
        meta=head_net.meta,
        sources=head_net.sources,
        origin=NetworkOrigin(path, record_lines, {}),
        **{t: tuple(v) for t, v in tables.items()},
    )
    if dumps_canonical(net) != text:  # pragma: no cover - a layout the split misread
        return loads_network(text, path=path)
    return net
