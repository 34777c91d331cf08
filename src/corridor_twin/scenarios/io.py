"""Read and write scenarios as YAML or JSON.

A scenario file::

    name: baku-port-phase-2
    description: Baku port (Alat) phase 2 ...
    base: titr
    year: 2025
    source: {key: trend-2025-12-18, title: "...", publisher: Trend, date: "2025-12-18"}
    changes:
      - {kind: set_capacity, table: nodes, id: AZ_ALAT, t_per_year: 25000000,
         teu_per_year: 500000}
    demand_changes: []

``source`` is a key of the base network's bibliography, or a citation with a
``key`` (added to the result's bibliography); ``sources`` may bring more
citations for changes to cite. Each change has a ``kind`` (see
:data:`~corridor_twin.scenarios.CHANGE_KINDS`) and its fields; ``id`` may stand
for a one-element ``ids``, ``node`` for ``nodes``. Records (``link``, ``node``,
``record``, ``restrictions``, demand ``rows``) are written as in network and
demand files. Errors name the file, line, scenario, change and field.

Examples
--------
>>> s = loads_scenario('''
... name: storm
... source: trend-2025-06-03
... year: 2025
... changes:
...   - kind: close_link
...     id: KZ_AKT-AZ_ALAT-FERRY
...     start: 2026-01-12
...     end: 2026-01-19
... ''')
>>> s.changes[0].ids, s.changes[0].share_of_year * 52
(('KZ_AKT-AZ_ALAT-FERRY',), 1.0)
>>> loads_scenario(dumps_scenario(s)) == s
True
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import functools
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from corridor_twin._files import read_text_file
from corridor_twin.errors import DemandError, NetworkFileError, OptionError, ScenarioError
from corridor_twin.io.yaml_io import line_of, load_yaml, parse_record, record_to_dict
from corridor_twin.network.model import Source
from corridor_twin.scenarios._base import Change, Cited
from corridor_twin.scenarios.changes import CHANGE_KINDS
from corridor_twin.scenarios.demand import (
    DEMAND_CHANGE_KINDS,
    DemandChange,
    DemandRow,
    parse_demand_row,
)
from corridor_twin.scenarios.model import Scenario, ScenarioOrigin

__all__ = [
    "dumps_scenario",
    "load_scenario",
    "load_scenarios",
    "loads_scenario",
    "read_scenario",
    "scenario_to_dict",
]

_TOP_KEYS = (
    "name",
    "description",
    "base",
    "year",
    "source",
    "sources",
    "changes",
    "demand_changes",
)
_ALIASES = {"id": "ids", "node": "nodes", "restriction": "restrictions", "row": "rows"}
# (kind, field) -> table of the record(s) it holds ("*" = the change's `table`, "demand").
_RECORD_FIELDS = {
    ("add_node", "node"): "nodes",
    ("add_link", "link"): "links",
    ("add_record", "record"): "*",
    ("impose_restriction", "restrictions"): "restrictions",
    ("add_demand", "rows"): "demand",
}
_SOURCE_KEYS = ("title", "publisher", "date", "url")


class _Parser:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self.name: str | None = None
        self.lines: dict[tuple[str, int, str | None], int] = {}

    def fail(
        self,
        message: str,
        obj: Any = None,
        key: str | None = None,
        *,
        index: int | None = None,
        kind: str | None = None,
        demand: bool = False,
    ) -> ScenarioError:
        return ScenarioError(
            message,
            scenario=self.name,
            change=index,
            kind=kind,
            field=key,
            path=self.path,
            line=line_of(obj, key) if obj is not None else None,
            demand=demand,
        )

    def sources(self, raw: Any, doc: Any) -> tuple[Source, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            raise self.fail("'sources' must be a mapping of key -> citation", doc, "sources")
        return tuple(self.citation(str(k), v, raw, str(k)) for k, v in raw.items())

    def citation(self, key: str, cite: Any, parent: Any, at: str) -> Source:
        if isinstance(cite, str):
            cite = {"title": cite}
        if not isinstance(cite, dict) or "title" not in cite:
            raise self.fail(f"source {key!r} needs at least a title", parent, at)
        bad = [str(k) for k in cite if k not in _SOURCE_KEYS]
        if bad:
            raise self.fail(
                f"source {key!r}: unknown attribute '{bad[0]}'; allowed: {', '.join(_SOURCE_KEYS)}",
                cite,
                bad[0],
            )
        return Source(key=key, **{str(k): str(v) for k, v in cite.items()})

    def change(self, raw: Any, index: int, demand: bool, container: Any) -> Cited:
        lst = "demand_changes" if demand else "changes"
        registry: Mapping[str, type[Cited]] = DEMAND_CHANGE_KINDS if demand else CHANGE_KINDS
        if not isinstance(raw, dict):
            raise self.fail(
                f"{lst}[{index}] must be a mapping with a 'kind'",
                container,
                index=index,
                demand=demand,
            )
        self.lines[(lst, index, None)] = line_of(raw) or 0
        for k in raw:
            kl = line_of(raw, str(k))
            if kl is not None:
                self.lines[(lst, index, _ALIASES.get(str(k), str(k)))] = kl
                self.lines[(lst, index, str(k))] = kl
        kind = raw.get("kind")
        if not isinstance(kind, str) or kind not in registry:
            other = CHANGE_KINDS if demand else DEMAND_CHANGE_KINDS
            if isinstance(kind, str) and kind in other:
                where = "changes" if demand else "demand_changes"
                hint = f"; {kind} belongs in '{where}'"
            else:
                close = difflib.get_close_matches(str(kind), list(registry), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = "has no 'kind'" if kind is None else f"unknown kind {kind!r}{hint}"
            raise self.fail(
                f"{msg}; known: {', '.join(registry)}", raw, "kind", index=index, demand=demand
            )
        cls = registry[kind]
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            key = str(key)
            if key == "kind":
                continue
            name = _ALIASES.get(key, key) if _ALIASES.get(key) in fields else key
            if name not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(
                    f"unknown field '{key}'{hint}; {kind} takes {', '.join(fields)}",
                    raw,
                    key,
                    index=index,
                    kind=kind,
                    demand=demand,
                )
            if name in kwargs:
                raise self.fail(
                    f"'{key}' given twice", raw, key, index=index, kind=kind, demand=demand
                )
            kwargs[name] = self.value(kind, name, value, raw, key)
        missing = [
            n
            for n, f in fields.items()
            if n not in kwargs
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise self.fail(
                f"missing required {', '.join(map(repr, missing))}",
                raw,
                index=index,
                kind=kind,
                demand=demand,
            )
        return cls(**kwargs)

    def value(self, kind: str, name: str, value: Any, raw: Any, key: str) -> Any:
        table = _RECORD_FIELDS.get((kind, name))
        if table is None:
            return value
        if table == "*":
            table = raw.get("table")
            if not isinstance(table, str):
                raise ScenarioError("give the record's 'table'", field="table")
        many = isinstance(value, list)
        items = value if many else [value]
        try:
            if table == "demand":
                out: list[Any] = [
                    parse_demand_row(
                        r if isinstance(r, dict) else {},
                        path=self.path,
                        line=line_of(r),
                        key_line=functools.partial(line_of, r),
                    )
                    for r in items
                ]
            else:
                out = [
                    parse_record(table, r, path=self.path, position=i) for i, r in enumerate(items)
                ]
        except (NetworkFileError, DemandError) as exc:
            raise ScenarioError(_reason(exc), field=key, line=exc.line) from None
        if name in ("restrictions", "rows"):
            return tuple(out)
        if many:
            raise ScenarioError(f"'{key}' must be one record, not a list", field=key)
        return out[0]

    def scenario(self, text: str) -> Scenario:
        try:
            doc = load_yaml(text, path=self.path)
        except NetworkFileError as exc:
            context, context_line = _yaml_context(text)
            name, lst, index = _guess_location(text, context_line or exc.line)
            started = f" ({context} started on line {context_line})" if context_line else ""
            raise ScenarioError(
                _reason(exc) + started,
                scenario=name,
                change=index,
                path=self.path,
                line=exc.line,
                demand=lst == "demand_changes",
            ) from None
        if not isinstance(doc, dict):
            raise self.fail("a scenario must be a mapping with a 'name' and 'changes'")
        name = doc.get("name")
        if isinstance(name, str) or (isinstance(name, int) and not isinstance(name, bool)):
            self.name = str(name)
        for key in doc:
            kl = line_of(doc, str(key))
            if kl is not None:
                self.lines[("", 0, str(key))] = kl
        unknown = [str(k) for k in doc if k not in _TOP_KEYS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], _TOP_KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(_TOP_KEYS)}"
            raise self.fail(f"unknown key '{unknown[0]}'{hint}", doc, unknown[0])
        if self.name is None:
            raise self.fail("a scenario needs a 'name'", doc, "name")
        sources = list(self.sources(doc.get("sources"), doc))
        src = doc.get("source")
        if isinstance(src, dict):
            if "key" not in src:
                raise self.fail("a 'source' citation needs a 'key'", doc, "source")
            cite = {k: v for k, v in src.items() if k != "key"}
            sources.insert(0, self.citation(str(src["key"]), cite, doc, "source"))
            src = str(src["key"])
        elif src is not None and not isinstance(src, str):
            raise self.fail("'source' must be a source key or a citation", doc, "source")
        year = doc.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise self.fail(f"'year' must be a year like 2025, got {year!r}", doc, "year")
        changes: list[Change] = []
        demand_changes: list[DemandChange] = []
        for lst in ("changes", "demand_changes"):
            raw_list = doc.get(lst) or []
            if not isinstance(raw_list, list):
                raise self.fail(f"'{lst}' must be a list of changes", doc, lst)
            demand = lst == "demand_changes"
            for i, raw in enumerate(raw_list):
                try:
                    change = self.change(raw, i, demand, raw_list)
                except ScenarioError as exc:
                    line = self.lines.get((lst, i, exc.field), self.lines.get((lst, i, None)))
                    kind = raw.get("kind") if isinstance(raw, dict) else None
                    raise exc.located(
                        scenario=self.name,
                        change=i,
                        path=self.path,
                        line=line,
                        demand=demand,
                        kind=kind if isinstance(kind, str) else None,
                    ) from None
                if isinstance(change, Change):
                    changes.append(change)
                elif isinstance(change, DemandChange):
                    demand_changes.append(change)
        description = doc.get("description") or ""
        base = doc.get("base") or "titr"
        origin = ScenarioOrigin(self.path, 1, dict(self.lines))
        return Scenario(
            name=self.name,
            description=str(description),
            base=str(base),
            changes=tuple(changes),
            source=src,
            year=year,
            demand_changes=tuple(demand_changes),
            sources=tuple(sources),
            origin=origin,
        )


_YAML_NAME = re.compile(r"""^name:\s*["']?([^"'#\n]+?)["']?\s*(?:#.*)?$""")
_JSON_NAME = re.compile(r'"name"\s*:\s*"([^"]+)"')


def _guess_location(text: str, line: int | None) -> tuple[str | None, str | None, int | None]:
    """Scenario name, list and change index near ``line`` of text that does not parse.

    A best effort for syntax errors: the name from a top-level ``name:`` (or
    the first JSON ``"name"``), the change from counting list items of a
    block-style ``changes:`` / ``demand_changes:`` up to the line.
    """
    name = None
    json_name = _JSON_NAME.search(text) if text.lstrip().startswith("{") else None
    if json_name:
        name = json_name.group(1)
    section: str | None = None
    index, item_indent = -1, -1
    found: tuple[str | None, int] = (None, -1)
    for no, raw in enumerate(text.splitlines(), start=1):
        if raw and not raw[0].isspace() and not raw.startswith(("#", "-")):
            m = _YAML_NAME.match(raw)
            if m and name is None:
                name = m.group(1).strip()
            key = raw.split(":", 1)[0].strip()
            section = key if key in ("changes", "demand_changes") else None
            index, item_indent = -1, -1
        elif section is not None:
            stripped = raw.lstrip()
            if stripped.startswith("- ") or stripped == "-":
                indent = len(raw) - len(stripped)
                if item_indent < 0:
                    item_indent = indent
                if indent == item_indent:
                    index += 1
        if line is not None and no <= line:
            found = (section, index)
    lst, idx = found
    return name, lst, idx if lst is not None and idx >= 0 else None


def _yaml_context(text: str) -> tuple[str | None, int | None]:
    """What the YAML parser was inside when it failed, and the line it started on."""
    try:  # the event stream: no recursion, so a deep document cannot overflow the stack
        for _ in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark
        if mark is not None and exc.problem_mark is not None and mark.line != exc.problem_mark.line:
            return exc.context, mark.line + 1
    except (yaml.YAMLError, RecursionError):
        pass
    return None, None


def _reason(exc: Exception) -> str:
    """An error's message without its ``path:line:`` prefix (it is re-added)."""
    text = str(exc)
    path, line = getattr(exc, "path", None), getattr(exc, "line", None)
    for prefix in (f"{path}:{line}: ", f"{path}: ", f"line {line}: "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def loads_scenario(text: str, *, path: str | os.PathLike[str] | None = None) -> Scenario:
    """Parse a scenario from YAML or JSON text.

    Raises
    ------
    ScenarioError
        On syntax errors, unknown keys or kinds, missing or bad fields; the
        message names the file, line, scenario, change and field.
    """
    return _Parser(None if path is None else str(path)).scenario(text)


def read_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file (``.yaml``, ``.yml`` or ``.json``)."""
    p, text = read_text_file(path, ScenarioError)
    return loads_scenario(text, path=p)


def load_scenario(path_or_text: str | os.PathLike[str]) -> Scenario:
    """Read a scenario from a file path, or parse it from text.

    A ``str`` with a line break, or starting with ``{``, is text; any other
    ``str`` or path-like is a file path.
    """
    if isinstance(path_or_text, str) and (
        "\n" in path_or_text or path_or_text.lstrip().startswith("{")
    ):
        return loads_scenario(path_or_text)
    return read_scenario(path_or_text)


def load_scenarios(directory: str | os.PathLike[str]) -> dict[str, Scenario]:
    """Every scenario file in a directory (``*.yaml``, ``*.yml``, ``*.json``), by name.

    Files holding a demand table (a top-level ``demand`` list) are skipped.

    Raises
    ------
    ScenarioError
        If a file is malformed, or two files define the same scenario name.
    """
    d = Path(directory)
    if not d.is_dir():
        raise ScenarioError("not a directory", path=str(d))
    out: dict[str, Scenario] = {}
    where: dict[str, str] = {}
    for p in sorted(d.iterdir()):
        if p.suffix.lower() not in (".yaml", ".yml", ".json") or not p.is_file():
            continue
        _, text = read_text_file(p, ScenarioError)
        try:
            doc = load_yaml(text, path=p)
        except NetworkFileError as exc:
            raise ScenarioError(_reason(exc), path=str(p), line=exc.line) from None
        if isinstance(doc, dict) and "demand" in doc:
            continue
        s = loads_scenario(text, path=p)
        if s.name in out:
            raise ScenarioError(
                f"scenario {s.name!r} is also defined in {where[s.name]}", path=str(p), line=1
            )
        out[s.name], where[s.name] = s, str(p)
    return out


# -- writing -----------------------------------------------------------------------
def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _row_dict(row: DemandRow) -> dict[str, Any]:
    out = {
        f.name: _plain(getattr(row, f.name))
        for f in dataclasses.fields(row)
        if f.name != "provenance" and getattr(row, f.name) is not None
    }
    prov = row.provenance
    out.update(
        {
            k: getattr(prov, k)
            for k in ("source", "year", "estimate", "derived", "note")
            if getattr(prov, k) not in (None, False)
        }
    )
    return out


def _change_dict(change: Cited) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": change.kind}
    common = ("start", "end", "source", "year", "estimate", "note")
    # Kind-specific fields first (in declared order), then the window and provenance.
    order = {name: i for i, name in enumerate(common)}
    for f in sorted(dataclasses.fields(change), key=lambda f: order.get(f.name, -1)):
        value = getattr(change, f.name)
        default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
        if value == default:
            continue
        table = _RECORD_FIELDS.get((change.kind, f.name))
        if table == "demand":
            out[f.name] = [_row_dict(r) for r in value]
        elif table is not None:
            tbl = getattr(change, "table", None) if table == "*" else table
            out[f.name] = (
                [record_to_dict(str(tbl), r) for r in value]
                if isinstance(value, tuple)
                else record_to_dict(str(tbl), value)
            )
        else:
            out[f.name] = _plain(value)
    return out


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """A scenario as plain data (what :func:`dumps_scenario` writes)."""
    out: dict[str, Any] = {"name": scenario.name}
    if scenario.description:
        out["description"] = scenario.description
    out["base"] = scenario.base
    if scenario.year is not None:
        out["year"] = scenario.year
    if scenario.source is not None:
        out["source"] = scenario.source
    if scenario.sources:
        out["sources"] = {
            s.key: {k: getattr(s, k) for k in _SOURCE_KEYS if getattr(s, k) is not None}
            for s in scenario.sources
        }
    out["changes"] = [_change_dict(c) for c in scenario.changes]
    if scenario.demand_changes:
        out["demand_changes"] = [_change_dict(c) for c in scenario.demand_changes]
    return out


def dumps_scenario(scenario: Scenario, *, fmt: str = "yaml") -> str:
    """A scenario as text, ``fmt`` one of {yaml, json}; it reads back equal."""
    data = scenario_to_dict(scenario)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise OptionError(f"fmt must be one of {{yaml, json}}, got {fmt!r}")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
