"""Named corridor presets: the competing ways between China, Central Asia and the West.

A *corridor preset* says which part of the network a route may use to count
as one of the competing corridors of the Middle Corridor market:

============  ==============================================================
preset        route
============  ==============================================================
``middle``    across the Caspian (Aktau, Kuryk, Turkmenbashi -> Alat), then
              Azerbaijan-Georgia; never Russia, Belarus or Iran
``northern``  through Russia (to the EU via Belarus, or south via Derbent)
``southern``  through Turkmenistan and Iran
``road``      trucks over the Upper Lars pass (Russia -> Georgia)
``sea_suez``  by deep sea from Shanghai to Rotterdam via Suez
``sea_cape``  the same string round the Cape of Good Hope (``sea`` is an
              alias of ``sea_suez``)
============  ==============================================================

The presets are data (``corridor_twin/data/corridors.yaml``): each names the
countries, links, services and modes it excludes (or the only countries it
may use) and what a route must pass to belong to it (``via_links_any``,
``via_countries_any``). A variant (``base:``) takes its base's rules and adds
time and money to every route (``adjust``).

:func:`corridor_mask` gives the edges of a
:class:`~corridor_twin.network.CompiledNetwork` a preset allows;
:func:`corridor_objective` turns it into an objective for
:func:`~corridor_twin.routing.route` and :func:`~corridor_twin.routing.k_routes`;
:func:`avoid_countries` gives the country part alone for the
``avoid_countries=`` option of the routing functions; :func:`classify_path`
names the corridor of a route.

Examples
--------
>>> from corridor_twin.data import load_corridor
>>> from corridor_twin.routing import route
>>> from corridor_twin.routing.corridors import CORRIDORS, classify_path, corridor_objective
>>> net = load_corridor()
>>> r = route(net, "Almaty", "Istanbul", cargo="container",
...           optimize=corridor_objective(net.compiled(), "middle", "time"))
>>> sorted({n[:2] for n in r.nodes} & {"RU", "IR"}), "KZ_AKT" in r.nodes or "KZ_KUR" in r.nodes
([], True)
>>> classify_path(net.compiled(), r.edges)
'middle'
>>> sorted(CORRIDORS)
['middle', 'northern', 'road', 'sea_cape', 'sea_suez', 'southern']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml

from corridor_twin._typing import BoolArray, FloatArray
from corridor_twin.errors import DataError, OptionError
from corridor_twin.network.compile import CompiledNetwork
from corridor_twin.network.schema import MODES
from corridor_twin.routing.costs import OBJECTIVES, EdgeCosts, GeneralizedCost

__all__ = [
    "CLASSIFY_ORDER",
    "CORRIDORS",
    "CORRIDOR_ALIASES",
    "Corridor",
    "avoid_countries",
    "classify_path",
    "corridor_mask",
    "corridor_objective",
    "get_corridor",
    "load_corridors",
    "path_in_corridor",
]

CORRIDORS_FILE = "corridors.yaml"
CORRIDOR_ALIASES: Mapping[str, str] = MappingProxyType({"sea": "sea_suez"})
"""Other names accepted for a preset."""


@dataclass(frozen=True)
class Corridor:
    """One corridor preset (see the module docstring).

    Parameters
    ----------
    id
        Preset name, e.g. ``middle``.
    label, description
        Human texts.
    exclude_countries
        ISO codes a route may not touch.
    only_countries
        If set, the only countries a route may touch.
    exclude_links, exclude_services
        Link / service ids a route may not use (both directions).
    exclude_modes
        Modes a route may not use.
    via_links_any, via_countries_any
        A route belongs to the corridor only if it uses one of these links /
        touches one of these countries (empty: no requirement).
    base
        The preset a variant was derived from (``None`` for a base preset).
    extra_time_h, extra_cost_usd_per_teu, extra_cost_usd_per_t
        Added to every route of the corridor (variants such as ``sea_cape``).
    """

    id: str
    label: str = ""
    description: str = ""
    exclude_countries: tuple[str, ...] = ()
    only_countries: tuple[str, ...] = ()
    exclude_links: tuple[str, ...] = ()
    exclude_services: tuple[str, ...] = ()
    exclude_modes: tuple[str, ...] = ()
    via_links_any: tuple[str, ...] = ()
    via_countries_any: tuple[str, ...] = ()
    base: str | None = None
    extra_time_h: float = 0.0
    extra_cost_usd_per_teu: float = 0.0
    extra_cost_usd_per_t: float = 0.0
    sources: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        bad = set(self.exclude_modes) - set(MODES)
        if bad:
            raise DataError(f"corridor {self.id}: unknown mode(s) {sorted(bad)}")
        for name in ("extra_time_h", "extra_cost_usd_per_teu", "extra_cost_usd_per_t"):
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise DataError(f"corridor {self.id}: {name} must be a number >= 0")

    def extra_cost_usd_per_unit(self, unit: str) -> float:
        """The variant's extra money cost per TEU or per tonne."""
        return self.extra_cost_usd_per_teu if unit == "teu" else self.extra_cost_usd_per_t


def _value(raw: Any, where: str) -> tuple[float, str | None]:
    if isinstance(raw, dict):
        if "value" not in raw:
            raise DataError(f"{where}: a sourced figure needs a value")
        return float(raw["value"]), raw.get("source")
    return float(raw), None


def load_corridors(text: str | None = None) -> dict[str, Corridor]:
    """Parse corridor presets from YAML text (default: the bundled file).

    Parameters
    ----------
    text
        YAML with ``groups`` (named lists of link ids), ``corridors`` (id ->
        rules) and optional ``classify_order``.

    Returns
    -------
    dict
        Preset id -> :class:`Corridor`, in file order.

    Raises
    ------
    DataError
        On an unknown key, an unknown base or a malformed figure.
    """
    if text is None:
        text = resources.files("corridor_twin.data").joinpath(CORRIDORS_FILE).read_text("utf-8")
    doc = yaml.safe_load(text) or {}
    if not isinstance(doc, dict) or not isinstance(doc.get("corridors"), dict):
        raise DataError("corridor presets: the file needs a 'corridors:' mapping")
    groups: dict[str, list[str]] = {k: list(v) for k, v in (doc.get("groups") or {}).items()}

    def ids(raw: Any) -> tuple[str, ...]:
        out: list[str] = []
        for x in raw or ():
            out.extend(groups.get(str(x), [str(x)]))
        return tuple(out)

    keys = {
        "label",
        "description",
        "exclude_countries",
        "only_countries",
        "exclude_links",
        "exclude_services",
        "exclude_modes",
        "via_links_any",
        "via_countries_any",
        "base",
        "adjust",
    }
    raw_all: dict[str, dict[str, Any]] = doc["corridors"]
    out: dict[str, Corridor] = {}
    for cid, spec in raw_all.items():
        where = f"corridor presets: {cid}"
        spec = dict(spec or {})
        unknown = set(spec) - keys
        if unknown:
            raise DataError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(keys)}")
        base_id = spec.get("base")
        merged: dict[str, Any] = {}
        if base_id is not None:
            if base_id not in raw_all or raw_all[base_id].get("base"):
                raise DataError(f"{where}: base {base_id!r} is not a base preset")
            merged.update({k: v for k, v in raw_all[base_id].items() if k != "adjust"})
        merged.update(spec)
        adjust = merged.get("adjust") or {}
        extras: dict[str, float] = {}
        sources: list[str] = []
        for name in ("extra_time_h", "extra_cost_usd_per_teu", "extra_cost_usd_per_t"):
            if name in adjust:
                extras[name], src = _value(adjust[name], f"{where}.adjust.{name}")
                if src:
                    sources.append(src)
        out[cid] = Corridor(
            id=str(cid),
            label=str(merged.get("label", cid)),
            description=str(merged.get("description", "")),
            exclude_countries=tuple(merged.get("exclude_countries") or ()),
            only_countries=tuple(merged.get("only_countries") or ()),
            exclude_links=ids(merged.get("exclude_links")),
            exclude_services=tuple(merged.get("exclude_services") or ()),
            exclude_modes=tuple(merged.get("exclude_modes") or ()),
            via_links_any=ids(merged.get("via_links_any")),
            via_countries_any=tuple(merged.get("via_countries_any") or ()),
            base=base_id,
            sources=tuple(sources),
            **extras,
        )
    order = doc.get("classify_order") or list(out)
    unknown_order = [c for c in order if c not in out]
    if unknown_order:
        raise DataError(f"corridor presets: classify_order names unknown {unknown_order}")
    return {k: out[k] for k in [*order, *[c for c in out if c not in order]]}


CORRIDORS: Mapping[str, Corridor] = MappingProxyType(dict(sorted(load_corridors().items())))
"""The bundled presets: id -> :class:`Corridor`."""

CLASSIFY_ORDER: tuple[str, ...] = tuple(c for c in load_corridors() if CORRIDORS[c].base is None)
"""Base presets in the order :func:`classify_path` tries them."""


def get_corridor(corridor: str | Corridor) -> Corridor:
    """A preset by name (aliases accepted) or the preset itself.

    Raises
    ------
    OptionError
        For an unknown name (the message lists the known ones).
    """
    if isinstance(corridor, Corridor):
        return corridor
    name = CORRIDOR_ALIASES.get(corridor, corridor)
    try:
        return CORRIDORS[name]
    except KeyError:
        known = ", ".join([*CORRIDORS, *CORRIDOR_ALIASES])
        raise OptionError(f"unknown corridor {corridor!r}; choose from {{{known}}}") from None


def avoid_countries(corridor: str | Corridor) -> tuple[str, ...]:
    """The countries a preset excludes, for the routing functions' ``avoid_countries=``.

    Only the country part of the preset: links, services, modes, an
    ``only_countries`` list and the ``via`` requirements need
    :func:`corridor_mask` / :func:`corridor_objective`.

    Examples
    --------
    >>> avoid_countries("middle")
    ('RU', 'BY', 'IR')
    """
    return get_corridor(corridor).exclude_countries


def corridor_mask(comp: CompiledNetwork, corridor: str | Corridor) -> BoolArray:
    """Which edges of a compiled network a preset allows (read-only, cached).

    An edge is forbidden when it touches a node in an excluded country (or
    outside ``only_countries``), runs on an excluded link or service, or
    uses an excluded mode. Ids the network does not have are ignored, so one
    preset file serves edited networks too.

    Examples
    --------
    >>> from corridor_twin.data import load_corridor
    >>> comp = load_corridor().compiled()
    >>> m = corridor_mask(comp, "middle")
    >>> m.shape == (comp.n_edges,), bool(m.all()), bool(m.any())
    (True, False, True)
    """
    c = get_corridor(corridor)
    return comp.memo(("corridor_mask", c), lambda: _mask(comp, c))  # type: ignore[no-any-return]


def _mask(comp: CompiledNetwork, c: Corridor) -> BoolArray:
    net = comp.network
    e = comp.edge
    countries = comp.country_array
    bad_node = np.isin(countries, list(c.exclude_countries))
    if c.only_countries:
        bad_node |= ~np.isin(countries, list(c.only_countries))
    link_ids = [lk.id for lk in net.links]
    bad_link = np.isin(np.asarray(link_ids, dtype=object), list(c.exclude_links))
    svc_ids = [s.id for s in net.services]
    bad_svc = np.isin(np.asarray(svc_ids, dtype=object), list(c.exclude_services))
    banned = np.zeros(comp.n_edges, dtype=bool)
    for key, table in (
        ("node_from", bad_node),
        ("node_to", bad_node),
        ("link", bad_link),
        ("service", bad_svc),
    ):
        idx = e[key]
        has = idx >= 0
        if table.any() and has.any():
            banned[has] |= table[idx[has]]
    if c.exclude_modes:
        banned |= np.isin(e["mode"], [MODES.index(m) for m in c.exclude_modes])
    out: BoolArray = ~banned
    out.setflags(write=False)
    return out


def corridor_objective(
    comp: CompiledNetwork, corridor: str | Corridor, objective: str = "generalized"
) -> Callable[[EdgeCosts, GeneralizedCost], FloatArray]:
    """An objective for the routing functions that keeps a route inside a preset.

    Pass it as ``optimize=`` to :func:`~corridor_twin.routing.route` or
    :func:`~corridor_twin.routing.k_routes` on the same compiled network: the
    weights of the named objective (see :data:`~corridor_twin.routing.OBJECTIVES`)
    on the edges the preset allows, ``inf`` elsewhere. The ``via`` requirement
    is not a mask; check it with :func:`path_in_corridor`.
    """
    c = get_corridor(corridor)
    try:
        base = OBJECTIVES[objective]
    except KeyError:
        raise OptionError(
            f"unknown objective {objective!r}; choose from {{{', '.join(OBJECTIVES)}}}"
        ) from None
    mask = corridor_mask(comp, c)

    def weights(costs: EdgeCosts, g: GeneralizedCost) -> FloatArray:
        if costs.usable.shape != mask.shape:
            raise OptionError("corridor_objective was made for another compiled network")
        return np.where(mask, np.asarray(base(costs, g), dtype=np.float64), np.inf)

    weights.__name__ = f"{objective}@{c.id}"
    return weights


def path_in_corridor(comp: CompiledNetwork, edges: Iterable[int], corridor: str | Corridor) -> bool:
    """Whether a route (its compiled edge ids) belongs to a preset.

    Every edge must be allowed by :func:`corridor_mask` and the route must
    meet the ``via`` requirements.
    """
    c = get_corridor(corridor)
    path = np.asarray(list(edges), dtype=np.int64)
    if path.size == 0:
        return False
    if not corridor_mask(comp, c)[path].all():
        return False
    net = comp.network
    if c.via_links_any:
        links = comp.edge["link"][path]
        used = {net.links[i].id for i in links[links >= 0].tolist()}
        if not used & set(c.via_links_any):
            return False
    if c.via_countries_any:
        nodes = np.concatenate([comp.edge["node_from"][path], comp.edge["node_to"][path]])
        touched = {comp.node_country[i] for i in nodes[nodes >= 0].tolist()}
        if not touched & set(c.via_countries_any):
            return False
    return True


def classify_path(comp: CompiledNetwork, edges: Iterable[int]) -> str | None:
    """The base preset a route belongs to (first match in :data:`CLASSIFY_ORDER`).

    ``None`` when it belongs to none (e.g. a route inside the Caucasus that
    crosses neither the Caspian nor Russia nor Iran).
    """
    path = list(edges)
    for cid in CLASSIFY_ORDER:
        if path_in_corridor(comp, path, cid):
            return cid
    return None
