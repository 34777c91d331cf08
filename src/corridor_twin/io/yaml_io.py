"""Read and write networks as one human-editable YAML file.

The format is described in ``docs/data-format.md``; the attributes come from
:mod:`corridor_twin.network.schema`. Reading reports the file, line and field
of anything it cannot understand; writing gives stable, diff-friendly text, and
a network read then written reads back equal.

Examples
--------
>>> from corridor_twin.io import dumps_network, loads_network
>>> text = '''
... sources: {me: {title: My survey}}
... nodes:
...   - {id: A, name: Alpha, kind: city, country: KZ, lat: 43.2, lon: 76.9, source: me, year: 2024}
...   - {id: B, name: Beta, kind: seaport, country: KZ, lat: 43.6, lon: 51.2,
...      source: me, year: 2024}
... links:
...   - {id: A-B, from: A, to: B, mode: rail, gauge_mm: 1520, length_km: 3000,
...      speed_kmh: {value: 40, source: me, year: 2024, estimate: true}, source: me, year: 2024}
... '''
>>> net = loads_network(text)
>>> net.link("A-B").speed_kmh, net.link("A-B").provenance_of("speed_kmh").estimate
(40.0, True)
>>> loads_network(dumps_network(net)) == net
True
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from corridor_twin import _input
from corridor_twin._files import read_text_file
from corridor_twin.errors import NetworkFileError
from corridor_twin.network.model import TABLES, Meta, Network, Provenance, Source
from corridor_twin.network.schema import Attribute, attributes

__all__ = [
    "NetworkOrigin",
    "dumps_network",
    "line_of",
    "load_yaml",
    "loads_network",
    "parse_record",
    "read_network",
    "record_to_dict",
    "write_network",
]

_PROV_KEYS = ("source", "year", "estimate", "derived", "note")
_RECORD_PROV_KEYS = ("source", "year", "estimate", "derived", "note")
_TOP_KEYS = ("meta", "sources", *TABLES)


@dataclass(frozen=True)
class NetworkOrigin:
    """Where a network's records were read from (for error messages)."""

    path: str | None
    record_lines: Mapping[tuple[str, str], int] = field(default_factory=dict)
    field_lines: Mapping[tuple[str, str, str], int] = field(default_factory=dict)

    def line_of(self, table: str, record_id: str, attribute: str | None = None) -> int | None:
        """Line of a record's field (or of the record) in the file."""
        if attribute is not None:
            line = self.field_lines.get((table, record_id, attribute))
            if line is not None:
                return line
        return self.record_lines.get((table, record_id))


def _line(obj: Any, key: str | None = None) -> int | None:
    return _input.line_of(obj, key)


def _shown(value: Any) -> str:
    """A value for a message: short, printable, never an unserialisable repr."""
    return _input.safe_text(repr(value), 60)


class _Reader:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self.record_lines: dict[tuple[str, str], int] = {}
        self.field_lines: dict[tuple[str, str, str], int] = {}

    def fail(self, message: str, obj: Any = None, key: str | None = None) -> NetworkFileError:
        return NetworkFileError(message, path=self.path, line=_line(obj, key), field=key)

    def coerce(self, a: Attribute, value: Any, rec: Any, key: str) -> Any:
        if value is None:
            if a.required:
                raise self.fail(f"'{key}' is required and may not be empty", rec, key)
            return None
        what = f"'{key}' must be"
        if a.dtype == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.fail(f"{what} a number, got {_shown(value)}", rec, key)
            try:
                return _input.finite_float(value)
            except ValueError as exc:
                raise self.fail(f"{what} a finite number: {exc}", rec, key) from None
        if a.dtype == "int":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.fail(f"{what} a whole number, got {_shown(value)}", rec, key)
            try:
                _input.finite_float(value)
            except ValueError as exc:
                raise self.fail(f"{what} a whole number: {exc}", rec, key) from None
            if float(value) != int(value):
                raise self.fail(f"{what} a whole number, got {_shown(value)}", rec, key)
            return int(value)
        if a.dtype == "bool":
            if not isinstance(value, bool):
                raise self.fail(f"{what} true or false, got {_shown(value)}", rec, key)
            return value
        if a.dtype == "list[str]":
            if isinstance(value, str) or not isinstance(value, list):
                raise self.fail(f"{what} a list, got {_shown(value)}", rec, key)
            if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
                raise self.fail(f"{what} a list of names, got {_shown(value)}", rec, key)
            return tuple(str(v) for v in value)
        if isinstance(value, (dict, list)):
            raise self.fail(f"{what} text, got {_shown(value)}", rec, key)
        return str(value)

    def provenance(self, raw: Mapping[str, Any], rec: Any, keys: tuple[str, ...]) -> Provenance:
        values: dict[str, Any] = {}
        for k in keys:
            if k not in raw or raw[k] is None:
                continue
            v = raw[k]
            if k == "year":
                if isinstance(v, bool) or not isinstance(v, int):
                    raise self.fail(f"'year' must be a year like 2024, got {v!r}", raw, k)
            elif k in ("estimate", "derived"):
                if not isinstance(v, bool):
                    raise self.fail(f"'{k}' must be true or false, got {v!r}", raw, k)
            else:
                v = str(v)
            values[k] = v
        return Provenance(**values)

    def record(self, table: str, raw: Any, position: int, container: Any) -> Any:
        if not isinstance(raw, dict):
            raise self.fail(
                f"{table}[{position}] must be a mapping of attributes, got {raw!r}", container
            )
        cls = TABLES[table]
        schema = {a.key: a for a in attributes(cls, table)}
        id_key = next(a.key for a in schema.values() if a.name == "id")
        rid = raw.get(id_key)
        if rid is None or isinstance(rid, (dict, list)):
            raise self.fail(f"{table}[{position}] has no '{id_key}'", raw)
        rid = str(rid)
        line = _line(raw)
        if line is not None:
            self.record_lines[(table, rid)] = line
        kwargs: dict[str, Any] = {}
        figure_prov: list[tuple[str, Provenance]] = []
        for key, value in raw.items():
            key = str(key)
            if key in _RECORD_PROV_KEYS:
                continue
            a = schema.get(key)
            if a is None:
                close = difflib.get_close_matches(key, [*schema, *_RECORD_PROV_KEYS], n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(f"{table} '{rid}': unknown attribute '{key}'{hint}", raw, key)
            kline = _line(raw, key)
            if kline is not None:
                self.field_lines[(table, rid, a.name)] = kline
                self.field_lines[(table, rid, a.key)] = kline
            if isinstance(value, dict) and "value" in value:
                if not a.figure:
                    raise self.fail(
                        f"{table} '{rid}': '{key}' is not a sourced figure; give a plain value",
                        raw,
                        key,
                    )
                extra = set(map(str, value)) - {"value", *_PROV_KEYS}
                if extra:
                    raise self.fail(
                        f"{table} '{rid}': '{key}' has unknown keys {sorted(extra)}; "
                        f"allowed: value, {', '.join(_PROV_KEYS)}",
                        value,
                    )
                figure_prov.append((a.name, self.provenance(value, value, _PROV_KEYS)))
                value = value["value"]
            kwargs[a.name] = self.coerce(a, value, raw, key)
        missing = [k for k, a in schema.items() if a.required and a.name not in kwargs]
        if missing:
            raise self.fail(
                f"{table} '{rid}': missing required {', '.join(map(repr, missing))}", raw
            )
        return cls(
            provenance=self.provenance(raw, raw, _RECORD_PROV_KEYS),
            figure_provenance=tuple(figure_prov),
            **kwargs,
        )


def loads_network(text: str, *, path: str | os.PathLike[str] | None = None) -> Network:
    """Parse a network from YAML text.

    Parameters
    ----------
    text
        The YAML document.
    path
        File name used in error messages.

    Returns
    -------
    Network
        The network, not yet validated (see :func:`corridor_twin.validate`).

    Raises
    ------
    NetworkFileError
        On YAML syntax errors, unknown tables or attributes, wrong types or
        missing required attributes; the message names file, line and field.
    """
    spath = None if path is None else str(path)
    reader = _Reader(spath)
    doc = load_yaml(text, path=spath)
    if doc is None:
        raise NetworkFileError(
            "the file holds no network (it is empty or only comments); "
            "a network needs at least a 'nodes' list",
            path=spath,
            line=1,
        )
    if not isinstance(doc, dict):
        raise NetworkFileError("a network file must be a mapping of tables", path=spath, line=1)

    unknown = [str(k) for k in doc if k not in _TOP_KEYS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], _TOP_KEYS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(_TOP_KEYS)}"
        raise reader.fail(f"unknown table '{unknown[0]}'{hint}", doc, unknown[0])

    meta_raw = doc.get("meta") or {}
    if not isinstance(meta_raw, dict):
        raise reader.fail("'meta' must be a mapping", doc, "meta")
    meta_fields = {f.name for f in dataclasses.fields(Meta)}
    bad = [k for k in meta_raw if k not in meta_fields]
    if bad:
        raise reader.fail(f"unknown meta attribute '{bad[0]}'", meta_raw, str(bad[0]))
    meta_values: dict[str, Any] = {}
    for k, v in meta_raw.items():
        if v is None:
            continue
        if k == "price_year":
            if isinstance(v, bool) or not isinstance(v, int) or not 1000 <= v <= 9999:
                raise reader.fail(
                    f"'price_year' must be a year like 2024, got {_shown(v)}",
                    meta_raw,
                    "price_year",
                )
        elif isinstance(v, (dict, list)):
            raise reader.fail(f"meta '{k}' must be text, got {_shown(v)}", meta_raw, str(k))
        else:
            v = str(v)
        meta_values[str(k)] = v
    meta = Meta(**meta_values)

    src_raw = doc.get("sources") or {}
    if not isinstance(src_raw, dict):
        raise reader.fail("'sources' must be a mapping of key -> citation", doc, "sources")
    sources = []
    src_fields = {f.name for f in dataclasses.fields(Source)} - {"key"}
    for key, cite in src_raw.items():
        if isinstance(cite, str):
            cite = {"title": cite}
        if not isinstance(cite, dict) or "title" not in cite:
            raise reader.fail(f"source '{key}' needs at least a title", src_raw, str(key))
        bad = [k for k in cite if k not in src_fields]
        if bad:
            raise reader.fail(f"source '{key}': unknown attribute '{bad[0]}'", cite, str(bad[0]))
        sources.append(Source(key=str(key), **{str(k): str(v) for k, v in cite.items()}))

    tables: dict[str, tuple[Any, ...]] = {}
    for table in TABLES:
        raw_list = doc.get(table) or []
        if not isinstance(raw_list, list):
            raise reader.fail(f"'{table}' must be a list of records", doc, table)
        tables[table] = tuple(
            reader.record(table, raw, i, raw_list) for i, raw in enumerate(raw_list)
        )
    origin = NetworkOrigin(spath, reader.record_lines, reader.field_lines)
    return Network(meta=meta, sources=tuple(sources), origin=origin, **tables)


def read_network(path: str | os.PathLike[str]) -> Network:
    """Read a network file (see :func:`loads_network`).

    Raises
    ------
    NetworkFileError
        If the file is missing, unreadable or malformed.
    """
    p, text = read_text_file(path, NetworkFileError)
    return loads_network(text, path=p)


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _prov_dict(prov: Provenance, keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        v = getattr(prov, k)
        if v not in (None, False):
            out[k] = v
    return out


def _record_dict(table: str, rec: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fig = dict(rec.figure_provenance)
    for a in attributes(type(rec), table):
        value = getattr(rec, a.name)
        key = a.key
        if not a.required and value == a.default and a.name not in fig:
            continue
        if a.name in fig:
            out[key] = {"value": _plain(value), **_prov_dict(fig[a.name], _PROV_KEYS)}
        else:
            out[key] = _plain(value)
    out.update(_prov_dict(rec.provenance, _RECORD_PROV_KEYS))
    return out


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # YAML reads NEL and the Unicode line/paragraph separators as line breaks;
    # double quotes make the emitter escape them, so they survive a round trip.
    if any(ch in text for ch in "\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
    return dumper.represent_str(text)


_Dumper.add_representer(str, _represent_str)


def dumps_network(net: Network) -> str:
    """The network as YAML text (stable order, defaults omitted)."""
    doc: dict[str, Any] = {}
    meta = {k: v for k, v in dataclasses.asdict(net.meta).items() if v is not None}
    doc["meta"] = meta
    if net.sources:
        doc["sources"] = {
            s.key: {k: v for k, v in dataclasses.asdict(s).items() if k != "key" and v is not None}
            for s in net.sources
        }
    for table in TABLES:
        records = getattr(net, table)
        if records:
            doc[table] = [_record_dict(table, r) for r in records]
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )


def write_network(net: Network, path: str | os.PathLike[str]) -> None:
    """Write a network file atomically (a temporary file renamed into place)."""
    p = Path(path)
    text = dumps_network(net)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)


# -- helpers shared with other file formats (scenarios, demand tables) --------------
def load_yaml(text: str, *, path: str | os.PathLike[str] | None = None) -> Any:
    """Parse YAML (or JSON) text, remembering the line of every mapping and key.

    Mappings in the result are ``dict`` subclasses that :func:`line_of` can
    ask for the line of the mapping or of one of its keys.

    Raises
    ------
    NetworkFileError
        On a syntax error, naming the file and line.
    InputError
        On text or values beyond the input boundary's limits
        (:mod:`corridor_twin._input`).

    Examples
    --------
    >>> doc = load_yaml("a: 1\\nb:\\n  c: 2\\n")
    >>> line_of(doc, "b"), line_of(doc["b"], "c")
    (2, 3)
    """
    return _input.load_yaml(text, path=None if path is None else str(path))


def line_of(obj: Any, key: str | None = None) -> int | None:
    """Line of a mapping parsed by :func:`load_yaml` (or of one of its keys)."""
    return _line(obj, key)


def parse_record(
    table: str, raw: Any, *, path: str | os.PathLike[str] | None = None, position: int = 0
) -> Any:
    """Build one record of ``table`` from its file form (as in a network file).

    Parameters
    ----------
    table
        Table name, one of the keys of :data:`~corridor_twin.network.model.TABLES`.
    raw
        The record as a mapping (``from``/``to`` for links, per-figure
        provenance mappings allowed).
    path
        File name for error messages.
    position
        Index of the record in its list, for error messages.

    Raises
    ------
    NetworkFileError
        On unknown attributes, wrong types or missing required attributes.

    Examples
    --------
    >>> rec = parse_record("links", {"id": "A-B", "from": "A", "to": "B", "mode": "road",
    ...                              "length_km": 12})
    >>> rec.from_node, rec.length_km
    ('A', 12.0)
    """
    if table not in TABLES:
        raise NetworkFileError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
    return _Reader(None if path is None else str(path)).record(table, raw, position, raw)


def record_to_dict(table: str, rec: Any) -> dict[str, Any]:
    """A record in its file form (defaults omitted), as :func:`dumps_network` writes it."""
    return _record_dict(table, rec)
