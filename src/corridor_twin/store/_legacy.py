"""Stored versions written before the input boundary: non-finite capacities.

Older code stored ``.inf`` for a capacity that was meant to be unlimited
(a ``PATCH`` with ``1e999``, or a file with ``.inf``). The boundary now
refuses non-finite numbers everywhere, and an unlimited capacity is the
field left out (``None``), so such a version no longer parses. Versions are
immutable history, so the text stays as it was stored; this module reads it:

* :func:`is_legacy` says cheaply whether a stored text may hold a
  non-finite number (most texts skip everything below);
* :func:`loads_legacy` parses such a text, maps every ``+.inf`` capacity
  (a field ``capacity_*`` that may be left out) to unlimited and returns the
  network with the list of :class:`~corridor_twin.store.records.LegacyFix`
  it made. Any other non-finite number (``.nan``, ``-.inf``, an infinite
  length) has no meaning to map to and is a :class:`StoreError` naming the
  version, record and field.

:meth:`Store.repair_versions <corridor_twin.store.Store.repair_versions>`
writes the repaired latest version as a new one.

Examples
--------
>>> text = "nodes:\\n  - {id: A, name: A, kind: port, country: KZ, lat: 43.0, lon: 51.0, "
>>> text += "capacity_teu_per_year: .inf}\\n"
>>> is_legacy(text)
True
>>> net, fixes = loads_legacy(text, network="demo", version=2)
>>> net.node("A").capacity_teu_per_year is None, fixes[0].field, fixes[0].old
(True, 'capacity_teu_per_year', '.inf')
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

import yaml

from corridor_twin.errors import StoreError
from corridor_twin.io.yaml_io import loads_network
from corridor_twin.network.model import TABLES, Network
from corridor_twin.network.schema import attributes
from corridor_twin.store.records import LegacyFix

__all__ = ["is_legacy", "loads_legacy"]

# YAML 1.1 spellings of the non-finite floats, unquoted (a quoted ".inf" is text); the
# pattern starts with its literal dot so the engine skips ahead (a look-behind first would
# make it try every position of a 340 kB text: 20 ms), the character before is checked after
_CANDIDATE = re.compile(r"\.(?:inf|Inf|INF|nan|NaN|NAN)(?![\w'\"])")


_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader, dates kept as text (as the boundary's loader keeps them)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


def is_legacy(text: str) -> bool:
    """Whether a stored text may hold a non-finite number (a quick scan, no parse)."""
    for match in _CANDIDATE.finditer(text):
        start = match.start()
        if start > 0 and text[start - 1] in "+-":
            start -= 1
        before = text[start - 1] if start > 0 else " "
        if not (before.isalnum() or before in "_.'\""):
            return True
    return False


@cache
def _unlimited(table: str) -> frozenset[str]:
    """File keys of the fields of ``table`` where leaving the value out means unlimited."""
    return frozenset(
        a.file_name or a.name
        for a in attributes(TABLES[table], table)
        if a.name.startswith("capacity") and not a.required and a.default is None
    )


def _shown(value: float) -> str:
    return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")


def _non_finite(value: Any) -> float | None:
    """The non-finite number of a field (plain or ``{value: ...}`` figure form), if any."""
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, float) and not math.isfinite(value):
        return value
    return None


def _walk(doc: Any, network: str, version: int) -> list[LegacyFix]:
    """Drop the infinite capacities of ``doc`` in place; raise on any other non-finite number."""
    fixes: list[LegacyFix] = []
    if not isinstance(doc, dict):
        return fixes
    for table in TABLES:
        records = doc.get(table)
        if not isinstance(records, list):
            continue
        for rec in records:
            if not isinstance(rec, dict):
                continue
            for key in list(rec):
                bad = _non_finite(rec[key])
                if bad is None:
                    continue
                where = f"network {network!r} version {version}: {table} {rec.get('id')!r} {key}"
                if key in _unlimited(table) and bad > 0:
                    fixes.append(LegacyFix(version, table, str(rec.get("id")), str(key), ".inf"))
                    del rec[key]
                    continue
                raise StoreError(
                    f"{where} is {_shown(bad)}, which no number or 'unlimited' stands for; "
                    "only a capacity may be unlimited (left out): repair this version by hand"
                )
    for key, value in (doc.get("meta") or {}).items():
        if _non_finite(value) is not None:
            raise StoreError(f"network {network!r} version {version}: meta {key} is not finite")
    return fixes


def loads_legacy(text: str, *, network: str, version: int) -> tuple[Network, list[LegacyFix]]:
    """The network of a legacy version text, infinite capacities read as unlimited.

    Returns the network (not validated, as any parsed text) and the fields
    that were mapped, in file order.

    Raises
    ------
    StoreError
        If the text holds a non-finite number that is not a capacity (or is
        ``.nan`` or ``-.inf``), or does not parse once mapped.
    """
    path = f"<store {network} v{version}>"
    try:
        doc = yaml.load(text, Loader=_Loader)  # a safe loader subclass
    except yaml.YAMLError as exc:
        raise StoreError(f"{path}: stored text does not parse: {exc}") from None
    fixes = _walk(doc, network, version)
    if not fixes:
        return loads_network(text, path=path), []
    mapped = yaml.dump(doc, Dumper=_SafeDumper, sort_keys=False, allow_unicode=True)
    return loads_network(mapped, path=path), fixes
