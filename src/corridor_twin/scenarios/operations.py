"""Changes to how the network runs: service frequencies and fleets, load factors, speeds.

Gathered with the other kinds in :mod:`corridor_twin.scenarios.changes`.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.scenarios import SetSpeed
>>> net = load_corridor()
>>> SetSpeed(ids=("KZ_DOS-KZ_MOY",), speed_kmh=62.5).apply(net).link("KZ_DOS-KZ_MOY").speed_kmh
62.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from corridor_twin.errors import ScenarioError
from corridor_twin.network.model import Network, Provenance, Service
from corridor_twin.network.schema import MODES
from corridor_twin.scenarios._base import (
    Change,
    Event,
    as_ids,
    check_number,
    derive,
    fmt,
    require,
    update,
)

__all__ = ["AddFerry", "AddSailings", "ScaleSpeed", "SetLoadFactor", "SetSpeed"]


# -- services ----------------------------------------------------------------------
def _frequency_service(net: Network, rid: str) -> Service:
    s = net.service(rid)
    if s.sailings_per_week is None:
        raise ScenarioError(
            f"service {rid!r} runs to a departures timetable; sailings can only be added "
            "to a service given by sailings_per_week",
            field="ids",
        )
    return s


@dataclass(frozen=True, kw_only=True)
class AddSailings(Change):
    """Change the weekly frequency of services, by a delta or a factor.

    Parameters
    ----------
    ids
        Service ids (frequency services, not timetabled ones).
    delta
        Sailings per week to add (negative to cut); or
    factor
        Multiplier of ``sailings_per_week`` (> 0).

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> AddSailings(ids=("S_ASCO_KUR_ALAT",), delta=2).apply(net).service(
    ...     "S_ASCO_KUR_ALAT").sailings_per_week
    11.4
    """

    kind: ClassVar[str] = "add_sailings"
    ids: tuple[str, ...]
    delta: float | None = None
    factor: float | None = None

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind))
        if (self.delta is None) == (self.factor is None):
            raise ScenarioError("give 'delta' or 'factor', not both", kind=self.kind, field="delta")
        if self.factor is not None:
            self._set("factor", check_number(self.factor, self.kind, "factor", positive=True))
        elif isinstance(self.delta, bool) or not isinstance(self.delta, (int, float)):
            raise ScenarioError(
                f"'delta' must be a number, got {self.delta!r}", kind=self.kind, field="delta"
            )
        else:
            self._set("delta", float(self.delta))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, "services", self.ids, self.kind)
        for rid in self.ids:
            old = float(_frequency_service(net, rid).sailings_per_week or 0.0)
            if self.factor is not None:
                new, how = old * self.factor, f"x{self.factor:g}"
            else:
                delta = float(self.delta or 0.0)
                new, how = old + delta, f"{delta:+g} a week"
            if new <= 0:
                raise ScenarioError(
                    f"would leave service {rid!r} with {new:g} sailings a week; "
                    "close it instead (close_service)",
                    field="delta" if self.factor is None else "factor",
                )
            p = derive(prov, f"scenario: {how} (was {fmt(old)})")
            net = update(net, "services", rid, {"sailings_per_week": new}, p)
        return net


@dataclass(frozen=True, kw_only=True)
class AddFerry(Change):
    """Put more vessels on frequency services.

    Parameters
    ----------
    ids
        Service ids.
    vessels
        Number of vessels added (>= 1).
    sailings_per_week_per_vessel
        Departures per week (per direction, for two-way services) one vessel
        adds (> 0), e.g. the fleet's average.

    Notes
    -----
    Each vessel adds ``sailings_per_week_per_vessel`` to ``sailings_per_week``;
    the capacity per departure is unchanged, so the vessels should be like the
    line's (else add a service with :class:`AddRecord`).
    """

    kind: ClassVar[str] = "add_ferry"
    ids: tuple[str, ...]
    sailings_per_week_per_vessel: float
    vessels: int = 1

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind))
        if isinstance(self.vessels, bool) or not isinstance(self.vessels, int) or self.vessels < 1:
            raise ScenarioError(
                f"'vessels' must be a whole number >= 1, got {self.vessels!r}",
                kind=self.kind,
                field="vessels",
            )
        rate = check_number(
            self.sailings_per_week_per_vessel,
            self.kind,
            "sailings_per_week_per_vessel",
            positive=True,
        )
        self._set("sailings_per_week_per_vessel", rate)

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, "services", self.ids, self.kind)
        add = self.vessels * self.sailings_per_week_per_vessel
        for rid in self.ids:
            old = float(_frequency_service(net, rid).sailings_per_week or 0.0)
            how = (
                f"scenario: {self.vessels} vessel(s) x {self.sailings_per_week_per_vessel:g} "
                f"sailings/week each (was {fmt(old)})"
            )
            net = update(net, "services", rid, {"sailings_per_week": old + add}, derive(prov, how))
        return net


@dataclass(frozen=True, kw_only=True)
class SetLoadFactor(Event):
    """Set the usable share of service capacity (e.g. draft limits at low water).

    Parameters
    ----------
    ids
        Service ids.
    load_factor
        Share in (0, 1].
    start, end
        Optional window (low water for a season); see
        :class:`~corridor_twin.scenarios.Event`. With a window and
        ``events="annual"`` the load factor becomes the year's average,
        ``old + (new - old) * s``; the simulation applies it only in the window.
    """

    kind: ClassVar[str] = "set_load_factor"
    ids: tuple[str, ...]
    load_factor: float

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind))
        lf = check_number(self.load_factor, self.kind, "load_factor", positive=True, maximum=1.0)
        self._set("load_factor", lf)

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, "services", self.ids, self.kind)
        for rid in self.ids:
            new = self.load_factor
            p = prov
            if self.is_event and events == "annual":
                old = net.service(rid).load_factor
                new = old + (self.load_factor - old) * self.share_of_year
                p = derive(
                    prov,
                    f"{self.load_factor:g} during {self.window_text()}: "
                    f"year average {new:.4g} (was {old:g})",
                )
            net = update(net, "services", rid, {"load_factor": new}, p)
        return net


# -- speeds ------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ScaleSpeed(Change):
    """Multiply link speeds by a factor (line modernisation); running times shrink to match.

    Parameters
    ----------
    ids
        Link ids; or select by
    mode, country
        Links of this mode and/or with both ends in this country (ISO alpha-2).
    factor
        Multiplier of ``speed_kmh`` (> 0); a given ``duration_h`` is divided
        by it.

    Notes
    -----
    Every selected link must give its own speed or duration (links on the
    mode default have none to scale). Service running times (a service's own
    ``duration_h``) are not changed.

    Examples
    --------
    >>> from corridor_twin import load_corridor
    >>> net = load_corridor()
    >>> fast = ScaleSpeed(ids=("TR_IST-TR_KAP",), factor=2.0).apply(net)
    >>> fast.link("TR_IST-TR_KAP").speed_kmh
    60.0
    """

    kind: ClassVar[str] = "scale_speed"
    factor: float
    ids: tuple[str, ...] = ()
    mode: str | None = None
    country: str | None = None

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind, required=False))
        self._set("factor", check_number(self.factor, self.kind, "factor", positive=True))
        if self.mode is not None and self.mode not in MODES:
            raise ScenarioError(
                f"'mode' must be one of {{{', '.join(MODES)}}}, got {self.mode!r}",
                kind=self.kind,
                field="mode",
            )
        if self.country is not None and not (
            isinstance(self.country, str) and len(self.country) == 2 and self.country.isupper()
        ):
            raise ScenarioError(
                f"'country' must be an ISO 3166 alpha-2 code like KZ, got {self.country!r}",
                kind=self.kind,
                field="country",
            )
        by_filter = self.mode is not None or self.country is not None
        if bool(self.ids) == by_filter:
            raise ScenarioError(
                "give link 'ids', or 'mode' and/or 'country', not both", kind=self.kind, field="ids"
            )

    def selected(self, net: Network) -> tuple[str, ...]:
        """Ids of the links the change acts on."""
        if self.ids:
            require(net, "links", self.ids, self.kind)
            return self.ids
        country = {n.id: n.country for n in net.nodes}
        hits = tuple(
            lk.id
            for lk in net.links
            if self.mode in (None, lk.mode)
            and (
                self.country is None
                or country.get(lk.from_node) == country.get(lk.to_node) == self.country
            )
        )
        if not hits:
            raise ScenarioError(
                f"no link has mode {self.mode!r} and both ends in {self.country!r}", field="mode"
            )
        return hits

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        for rid in self.selected(net):
            lk = net.link(rid)
            if lk.speed_kmh is None and lk.duration_h is None:
                raise ScenarioError(
                    f"link {rid!r} uses the mode's default speed; give it one with set_speed",
                    field="ids",
                )
            values: dict[str, Any] = {}
            if lk.speed_kmh is not None:
                values["speed_kmh"] = lk.speed_kmh * self.factor
            if lk.duration_h is not None:
                values["duration_h"] = lk.duration_h / self.factor
            old = ", ".join(f"{k} {fmt(getattr(lk, k))}" for k in values)
            net = update(
                net, "links", rid, values, derive(prov, f"speed x{self.factor:g} (was {old})")
            )
        return net


@dataclass(frozen=True, kw_only=True)
class SetSpeed(Change):
    """Set the commercial speed of links.

    Parameters
    ----------
    ids
        Link ids.
    speed_kmh
        New speed in km/h (> 0). A link's ``duration_h`` (which would
        override the speed) is removed.
    """

    kind: ClassVar[str] = "set_speed"
    ids: tuple[str, ...]
    speed_kmh: float

    def _check(self) -> None:
        self._set("ids", as_ids(self.ids, self.kind))
        self._set("speed_kmh", check_number(self.speed_kmh, self.kind, "speed_kmh", positive=True))

    def _apply(self, net: Network, prov: Provenance, events: str) -> Network:
        require(net, "links", self.ids, self.kind)
        for rid in self.ids:
            values: dict[str, Any] = {"speed_kmh": self.speed_kmh}
            if net.link(rid).duration_h is not None:
                values["duration_h"] = None
            net = update(net, "links", rid, values, prov)
        return net
