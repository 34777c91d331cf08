"""Shipments for the discrete-event simulation: generated from annual demand or replayed.

A shipment is one load unit of a commodity between two nodes, released at a
time: a 40-ft container on a flat wagon (2 TEU) for container demand, a wagon
load (60 t) for bulk and general cargo, a 1,000 t parcel for crude oil (all
three sizes are assumptions; pass ``shipment_size`` to change them). The
simulation clock is in hours from the run's start date.

:func:`shipments_from_demand` draws releases from an annual
:class:`~corridor_twin.scenarios.DemandTable` as a Poisson process whose rate
follows a monthly seasonality (flat by default: no sourced seasonality);
:func:`read_shipments_csv` replays a shipment list.

Examples
--------
>>> import datetime
>>> from corridor_twin.scenarios import load_bundled_demand
>>> from corridor_twin import load_corridor
>>> sh = shipments_from_demand(load_corridor(), load_bundled_demand(), days=30, seed=1)
>>> sh.n > 10_000, bool((sh.release_h < 30 * 24).all())
(True, True)
"""

from __future__ import annotations

import datetime
import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corridor_twin._input import csv_rows, finite_float, one_line, safe_text
from corridor_twin._typing import FloatArray, Int32Array
from corridor_twin.errors import DemandError, OptionError, UnknownNodeError
from corridor_twin.network.model import Network
from corridor_twin.routing.corridors import CORRIDOR_ALIASES, CORRIDORS
from corridor_twin.routing.places import resolve_cargo

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_SHIPMENT_SIZE",
    "OD",
    "Shipments",
    "read_shipments_csv",
    "shipments_from_demand",
]

DEFAULT_SHIPMENT_SIZE: Mapping[str, float] = {"teu": 2.0, "t": 60.0, "crude_oil": 1000.0}
"""Size of one shipment (assumptions): 2 TEU (a 40-ft container on a wagon) for
TEU demand, 60 t (one wagon) for tonnes, 1,000 t (a parcel) for crude oil. Keys
are units or commodity ids (a commodity id wins)."""

T_PER_WAGON = 60.0
"""Net tonnes of one wagon load (assumption), to count wagon slots of bulk cargo."""
TEU_PER_WAGON = 2.0
"""TEU on one flat wagon, and the TEU slot a bulk wagon takes on a vessel (assumption)."""


ROUTING_LABELS: tuple[str, ...] = (
    "titr",
    *(c for c, p in CORRIDORS.items() if p.base is None),
    *CORRIDOR_ALIASES,
)
"""Corridor labels a shipment list may give (``titr`` = the Middle Corridor's old name)."""


@dataclass(frozen=True)
class OD:
    """An origin-destination-commodity flow; ``corridor`` selects a routing rule."""

    origin: str
    destination: str
    commodity: str
    corridor: str | None = None


@dataclass(frozen=True, eq=False)
class Shipments:
    """Shipments sorted by release time.

    Attributes
    ----------
    ods
        The flows; ``od`` indexes them.
    od
        Flow of each shipment.
    release_h
        Release time, hours from the start.
    teu, t, wagons
        Size of each shipment in TEU, tonnes and wagon slots.
    """

    ods: tuple[OD, ...]
    od: Int32Array
    release_h: FloatArray
    teu: FloatArray
    t: FloatArray
    wagons: FloatArray

    @property
    def n(self) -> int:
        """Number of shipments."""
        return int(self.od.shape[0])

    def to_frame(self) -> pd.DataFrame:
        """One row per shipment."""
        import pandas as pd

        return pd.DataFrame(
            {
                "shipment": np.arange(self.n),
                "origin": [self.ods[i].origin for i in self.od.tolist()],
                "destination": [self.ods[i].destination for i in self.od.tolist()],
                "commodity": [self.ods[i].commodity for i in self.od.tolist()],
                "release_h": self.release_h,
                "teu": self.teu,
                "t": self.t,
                "wagons": self.wagons,
            }
        )

    def digest(self) -> str:
        """SHA-256 of the shipments (for the run manifest)."""
        import hashlib

        h = hashlib.sha256(repr(self.ods).encode())
        for arr in (self.od, self.release_h, self.teu, self.t, self.wagons):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


def _sizes(net: Network, commodity: str, unit: str, amount: float) -> tuple[float, float, float]:
    c = next((x for x in net.commodities if x.id == commodity), None)
    t_per_teu = (c.t_per_teu if c is not None else None) or 10.0
    if unit == "teu":
        return amount, amount * t_per_teu, amount / TEU_PER_WAGON
    wagons = amount / T_PER_WAGON
    return wagons * TEU_PER_WAGON, amount, wagons


def _build(
    net: Network,
    ods: list[OD],
    od: list[int],
    release: list[float],
    amount: list[float],
    unit: list[str],
) -> Shipments:
    order = np.argsort(np.asarray(release, dtype=np.float64), kind="stable")
    sizes = np.array(
        [_sizes(net, ods[o].commodity, u, a) for o, u, a in zip(od, unit, amount, strict=True)],
        dtype=np.float64,
    ).reshape(-1, 3)
    return Shipments(
        ods=tuple(ods),
        od=np.asarray(od, dtype=np.int32)[order],
        release_h=np.asarray(release, dtype=np.float64)[order],
        teu=sizes[order, 0].copy(),
        t=sizes[order, 1].copy(),
        wagons=sizes[order, 2].copy(),
    )


def _month_edges_h(start_date: datetime.date, horizon_h: float) -> list[tuple[float, float, int]]:
    out: list[tuple[float, float, int]] = []
    t0 = datetime.datetime.combine(start_date, datetime.time())
    cur = t0
    while True:
        a = (cur - t0).total_seconds() / 3600
        if a >= horizon_h:
            return out
        nxt = datetime.datetime(cur.year + (cur.month == 12), cur.month % 12 + 1, 1)
        b = min((nxt - t0).total_seconds() / 3600, horizon_h)
        out.append((a, b, cur.month))
        cur = nxt


def shipments_from_demand(
    net: Network,
    demand: object,
    *,
    days: float = 365.0,
    seed: int | np.random.Generator | None = None,
    start_date: datetime.date = datetime.date(2026, 1, 1),
    seasonality: Sequence[float] | None = None,
    shipment_size: Mapping[str, float] | None = None,
) -> Shipments:
    """Draw shipment releases from an annual demand table.

    Parameters
    ----------
    net
        The network (commodity loadings, for sizes).
    demand
        A :class:`~corridor_twin.scenarios.DemandTable`.
    days
        Length of the release period, days (> 0).
    seed
        Seed or generator; each demand row uses its own spawned child.
    start_date
        Day of hour 0 (sets the month of each hour for the seasonality).
    seasonality
        Twelve monthly factors (January first) of the release rate, rescaled to
        mean 1; default flat.
    shipment_size
        Shipment size by commodity id or unit (see :data:`DEFAULT_SHIPMENT_SIZE`).

    Returns
    -------
    Shipments
    """
    if not (days > 0 and math.isfinite(days)):
        raise OptionError(f"days must be positive, got {days}")
    season = np.ones(12) if seasonality is None else np.asarray(seasonality, dtype=np.float64)
    if season.shape != (12,) or not np.all(season >= 0) or season.sum() <= 0:
        raise OptionError("seasonality needs 12 non-negative monthly factors")
    season = season * 12.0 / season.sum()
    sizes = {**DEFAULT_SHIPMENT_SIZE, **(shipment_size or {})}
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    rows = list(getattr(demand, "rows", ()))
    children = rng.spawn(len(rows))
    months = _month_edges_h(start_date, days * 24.0)
    ods: list[OD] = []
    od: list[int] = []
    release: list[float] = []
    amount: list[float] = []
    unit: list[str] = []
    for row, child in zip(rows, children, strict=True):
        size = sizes.get(row.commodity, sizes.get(row.unit))
        if size is None or not size > 0:
            raise OptionError(f"no positive shipment size for {row.commodity!r} ({row.unit})")
        per_h = row.amount_per_year / size / (365.0 * 24.0)
        k = len(ods)
        ods.append(OD(row.origin, row.destination, row.commodity, row.corridor))
        for a, b, m in months:
            n = int(child.poisson(per_h * season[m - 1] * (b - a)))
            release.extend(child.uniform(a, b, n).tolist())
            od.extend([k] * n)
            amount.extend([size] * n)
            unit.extend([row.unit] * n)
    return _build(net, ods, od, release, amount, unit)


_CSV_REQUIRED = ("origin", "destination", "commodity", "amount", "unit")


def read_shipments_csv(
    path: str | os.PathLike[str],
    net: Network,
    *,
    start_date: datetime.date = datetime.date(2026, 1, 1),
) -> Shipments:
    """Replay a shipment list from CSV.

    Columns: ``origin, destination`` (node ids, names or aliases, any case),
    ``commodity`` (id, any case), ``amount``, ``unit`` ({teu, t}) and either
    ``release_h`` (hours from the start) or ``release`` (an ISO date or
    date-time, UTC); optional ``corridor``: a corridor preset the shipment
    keeps to ({middle, northern, southern, road, sea, sea_suez}, see
    :mod:`corridor_twin.routing.corridors`; ``titr`` is the older name of
    ``middle``: avoid Russia, Belarus and Iran), empty for the best route.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corridor_twin import load_corridor
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "shipments.csv"
    >>> _ = f.write_text("origin,destination,commodity,amount,unit,release_h,corridor\\n"
    ...                  "Almaty,Istanbul,Container,2,teu,0,middle\\n")
    >>> read_shipments_csv(f, load_corridor()).n
    1

    Raises
    ------
    DemandError
        For a missing column or a bad value; the message gives file and line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DemandError("no such file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DemandError(f"cannot read file: {one_line(str(exc))}", path=str(path)) from None
    rows = csv_rows(text, required=_CSV_REQUIRED, path=str(path), error=DemandError)
    first = next(rows, None)
    cols = set() if first is None else set(first[1])
    if first is not None and "release_h" not in cols and "release" not in cols:
        raise DemandError("needs a 'release_h' or a 'release' column", path=str(path), line=1)
    t0 = datetime.datetime.combine(start_date, datetime.time())
    index: dict[OD, int] = {}
    od: list[int] = []
    release: list[float] = []
    amount: list[float] = []
    unit: list[str] = []
    for lineno, rec in itertools.chain([] if first is None else [first], rows):
        try:
            if rec.get("release_h") not in (None, ""):
                r = finite_float(rec["release_h"])
            else:
                stamp = datetime.datetime.fromisoformat(rec.get("release") or "")
                r = (stamp.replace(tzinfo=None) - t0).total_seconds() / 3600
            a = finite_float(rec["amount"])
        except (TypeError, ValueError, OverflowError) as exc:
            reason = safe_text(one_line(str(exc)), 100)
            raise DemandError(
                f"bad number or date: {reason}", path=str(path), line=lineno
            ) from None
        if not (math.isfinite(r) and r >= 0 and math.isfinite(a) and a > 0):
            raise DemandError("release must be >= 0 and amount > 0", path=str(path), line=lineno)
        if rec["unit"] not in ("teu", "t"):
            raise DemandError(
                f"unit must be one of {{teu, t}}, got {rec['unit']!r}",
                path=str(path),
                line=lineno,
                field="unit",
            )
        ids = {}
        for key in ("origin", "destination"):
            try:
                ids[key] = net.find_node(str(rec[key] or "")).id
            except UnknownNodeError as exc:
                raise DemandError(str(exc), path=str(path), line=lineno, field=key) from None
        try:
            commodity = resolve_cargo(net, str(rec["commodity"] or ""))
        except OptionError:
            raise DemandError(
                f"unknown commodity {rec['commodity']!r}; known: "
                + ", ".join(c.id for c in net.commodities),
                path=str(path),
                line=lineno,
                field="commodity",
            ) from None
        label = (rec.get("corridor") or "").strip().lower() or None
        if label is not None and label not in ROUTING_LABELS:
            raise DemandError(
                f"unknown corridor {rec['corridor']!r}; one of {', '.join(ROUTING_LABELS)}",
                path=str(path),
                line=lineno,
                field="corridor",
            )
        key_od = OD(ids["origin"], ids["destination"], commodity, label)
        od.append(index.setdefault(key_od, len(index)))
        release.append(r)
        amount.append(a)
        unit.append(rec["unit"])
    return _build(net, list(index), od, release, amount, unit)
