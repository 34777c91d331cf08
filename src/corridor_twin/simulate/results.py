"""Results of a simulation run: tidy tables, a manifest, export.

A :class:`SimulationResult` keeps what the run recorded as compact arrays
(per shipment, per vehicle group, per group step) and derives tidy frames on
demand: shipments, per-shipment timeline, transit-time distribution per OD
and route, waits by place, queue lengths and utilisation over time,
throughput per link and month, and the backlog left at the end. Times are in
hours from the run's start date.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_twin._typing import FloatArray, Int32Array
from corridor_twin.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TABLES", "SimulationResult"]

TABLES = (
    "shipments",
    "transit",
    "waits",
    "breakdown",
    "queues",
    "utilisation",
    "sailings",
    "throughput",
    "backlog",
)
"""Tables :meth:`SimulationResult.write` exports (the timeline only on request)."""


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one simulation run recorded (hours from ``start_date``).

    Attributes
    ----------
    manifest
        Package version, input hashes, scenario, options, seed: enough to
        reproduce the run exactly.
    days, start_date
        Simulated period.
    events
        Events the engine ran.
    wall_s
        Wall-clock time of the run, seconds (not part of the manifest).
    flows
        ``(origin, destination, commodity)`` of each flow.
    routes
        Per flow, the candidate routes as ``(via, route_time_h)``.
    route_legs
        Per flow and route, the leg ids in order.
    od, route, release_h, delivered_h, teu, t
        Per released shipment (``delivered_h`` NaN if still on its way).
    ready_h, group
        Per shipment and leg: when it was ready to leave, and the vehicle group
        that took it (-1: still waiting).
    legs
        Per leg id: ``(label, vehicle, steps)``, each step ``(kind, place, links)``.
    group_leg, group_created_h, group_size
        Per group: its leg, departure time and number of shipments.
    step_group, step_index, step_enter_h, step_start_h, step_end_h
        Every step a group finished: the wait is ``start - enter``, the
        service or running time ``end - start``.
    stations
        ``(place, kind, servers, served, busy_h)`` of each station.
    sailings
        ``(place, service, rule, departures, cancelled, waiting)`` of each vessel line.
    samples
        ``(time_h, place, kind, waiting, units, busy)`` queue samples.
    """

    manifest: dict[str, Any]
    days: float
    start_date: datetime.date
    events: int
    flows: tuple[tuple[str, str, str], ...]
    routes: tuple[tuple[tuple[str, float], ...], ...]
    route_legs: tuple[tuple[tuple[int, ...], ...], ...]
    od: Int32Array
    route: Int32Array
    release_h: FloatArray
    delivered_h: FloatArray
    teu: FloatArray
    t: FloatArray
    ready_h: FloatArray
    group: Int32Array
    legs: tuple[tuple[str, str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...]
    group_leg: Int32Array
    group_created_h: FloatArray
    group_size: Int32Array
    step_group: Int32Array
    step_index: Int32Array
    step_enter_h: FloatArray
    step_start_h: FloatArray
    step_end_h: FloatArray
    stations: tuple[tuple[str, str, int | None, int, float], ...]
    sailings: tuple[tuple[str, str, str, int, int, int], ...]
    samples: tuple[tuple[float, str, str, int, float, int], ...]
    wall_s: float = field(default=0.0, compare=False)

    # -- basics -------------------------------------------------------------------------
    @property
    def n_released(self) -> int:
        """Shipments released during the run."""
        return int(self.od.shape[0])

    @property
    def n_delivered(self) -> int:
        """Shipments delivered by the end."""
        return int(np.count_nonzero(~np.isnan(self.delivered_h)))

    @property
    def transit_h(self) -> FloatArray:
        """Door-to-door time of each shipment (NaN if not delivered)."""
        return self.delivered_h - self.release_h

    def __repr__(self) -> str:
        return (
            f"<SimulationResult {self.days:g} days, {self.n_released:,} shipments released, "
            f"{self.n_delivered:,} delivered, {self.events:,} events, seed={self.manifest['seed']}>"
        )

    def _flow_cols(self) -> dict[str, Any]:
        f = self.flows
        od = self.od
        return {
            "origin": np.array([x[0] for x in f], dtype=object)[od],
            "destination": np.array([x[1] for x in f], dtype=object)[od],
            "commodity": np.array([x[2] for x in f], dtype=object)[od],
        }

    def _via(self) -> Any:
        vias = {(i, j): v for i, rs in enumerate(self.routes) for j, (v, _) in enumerate(rs)}
        return np.array(
            [vias.get((i, j), "") for i, j in zip(self.od, self.route, strict=True)], dtype=object
        )

    # -- tables ---------------------------------------------------------------------------
    def shipments(self) -> pd.DataFrame:
        """One row per released shipment: flow, route, release, delivery, transit."""
        import pandas as pd

        return pd.DataFrame(
            {
                "shipment": np.arange(self.n_released),
                **self._flow_cols(),
                "route": self.route,
                "via": self._via(),
                "teu": self.teu,
                "t": self.t,
                "release_h": self.release_h,
                "delivered_h": self.delivered_h,
                "transit_h": self.transit_h,
                "status": np.where(np.isnan(self.delivered_h), "in_system", "delivered"),
            }
        )

    to_frame = shipments

    def transit(self) -> pd.DataFrame:
        """Transit-time distribution per flow and route (delivered shipments), hours and days."""
        df = self.shipments()
        df = df[df["status"] == "delivered"]
        keys = ["origin", "destination", "commodity", "route", "via"]
        g = df.groupby(keys, sort=True)["transit_h"]
        out = g.agg(
            shipments="size",
            mean_h="mean",
            p50_h=lambda x: float(np.quantile(x, 0.5)),
            p90_h=lambda x: float(np.quantile(x, 0.9)),
            p95_h=lambda x: float(np.quantile(x, 0.95)),
        ).reset_index()
        for q in ("mean", "p50", "p90", "p95"):
            out[f"{q}_days"] = out[f"{q}_h"] / 24.0
        return out

    def _step_frame(self) -> pd.DataFrame:
        import pandas as pd

        kinds: dict[tuple[int, int], tuple[str, str]] = {}
        for lid, (_, _, steps) in enumerate(self.legs):
            for i, (kind, place, _) in enumerate(steps):
                kinds[(lid, i)] = (kind, place)
        leg = self.group_leg[self.step_group]
        kp = [kinds[(int(a), int(b))] for a, b in zip(leg, self.step_index, strict=True)]
        return pd.DataFrame(
            {
                "group": self.step_group,
                "leg": leg,
                "step": self.step_index,
                "kind": [k for k, _ in kp],
                "place": [p for _, p in kp],
                "shipments": self.group_size[self.step_group],
                "enter_h": self.step_enter_h,
                "start_h": self.step_start_h,
                "end_h": self.step_end_h,
            }
        )

    def _formation_frame(self) -> pd.DataFrame:
        import pandas as pd

        s, li = np.nonzero(self.group >= 0)
        g = self.group[s, li]
        leg = self.group_leg[g]
        vehicle = np.array([v for _, v, _ in self.legs], dtype=object)[leg]
        # Only trains and vessels make shipments wait to form; others leave at once.
        keep = (vehicle == "vessel") | (vehicle == "train")
        s, li, g, leg, vehicle = s[keep], li[keep], g[keep], leg[keep], vehicle[keep]
        label = np.array([lb for lb, _, _ in self.legs], dtype=object)[leg]
        kind = np.where(vehicle == "vessel", "sailing", "consolidation")
        return pd.DataFrame(
            {
                "shipment": s,
                "leg_index": li,
                "group": g,
                "kind": kind,
                "place": label,
                "enter_h": self.ready_h[s, li],
                "start_h": self.group_created_h[g],
            }
        )

    def timeline(self) -> pd.DataFrame:
        """Per shipment, every wait and step in order: kind, place, enter, start, end (hours)."""
        import pandas as pd

        f = self._formation_frame()
        f["end_h"] = f["start_h"]
        f["step"] = -1
        st = self._step_frame()[["group", "step", "kind", "place", "enter_h", "start_h", "end_h"]]
        s, li = np.nonzero(self.group >= 0)
        pairs = pd.DataFrame({"shipment": s, "leg_index": li, "group": self.group[s, li]})
        m = pairs.merge(st, on="group")
        out = pd.concat([f[m.columns.tolist()], m], ignore_index=True).sort_values(
            ["shipment", "leg_index", "step"], kind="stable"
        )
        out["wait_h"] = out["start_h"] - out["enter_h"]
        out["busy_h"] = out["end_h"] - out["start_h"]
        return out.reset_index(drop=True)

    def waits(self) -> pd.DataFrame:
        """Waits and service times by kind and place, per shipment passage (hours).

        ``mean_wait_h`` is the mean time a shipment waited there (to depart, for
        a server, for a port or link to reopen); ``total_wait_h`` is summed over
        shipments; ``mean_busy_h`` is the mean running or service time.
        """
        import pandas as pd

        f = self._formation_frame()
        f["wait_h"] = f["start_h"] - f["enter_h"]
        a = f.groupby(["kind", "place"]).agg(
            shipments=("wait_h", "size"),
            mean_wait_h=("wait_h", "mean"),
            p90_wait_h=("wait_h", lambda x: float(np.quantile(x, 0.9))),
            max_wait_h=("wait_h", "max"),
            total_wait_h=("wait_h", "sum"),
        )
        a["mean_busy_h"] = 0.0
        st = self._step_frame()
        st["w"] = (st["start_h"] - st["enter_h"]) * st["shipments"]
        st["b"] = (st["end_h"] - st["start_h"]) * st["shipments"]
        st["wmax"] = st["start_h"] - st["enter_h"]
        g = st.groupby(["kind", "place"])
        b = pd.DataFrame(
            {
                "shipments": g["shipments"].sum(),
                "total_wait_h": g["w"].sum(),
                "max_wait_h": g["wmax"].max(),
                "busy": g["b"].sum(),
            }
        )
        b["mean_wait_h"] = b["total_wait_h"] / b["shipments"]
        b["p90_wait_h"] = np.nan
        b["mean_busy_h"] = b.pop("busy") / b["shipments"]
        out = pd.concat([a, b[a.columns]]).reset_index()
        return out.sort_values("total_wait_h", ascending=False, kind="stable").reset_index(
            drop=True
        )

    def breakdown(self) -> pd.DataFrame:
        """Where the time goes: mean hours per delivered shipment of each flow, by activity.

        Activities are the step kinds (``travel``, ``border``, ``gauge``,
        ``transfer``, ``dwell``: running or service time) and their waits
        (``... wait``: queueing, closures), plus ``sailing wait`` and
        ``consolidation wait`` (waiting for a vessel or a train to leave).
        """
        import pandas as pd

        done = ~np.isnan(self.delivered_h)
        n_od = np.bincount(self.od[done], minlength=len(self.flows))
        f = self._formation_frame()
        f = f[done[f["shipment"].to_numpy()]]
        f["od"] = self.od[f["shipment"].to_numpy()]
        f["hours"] = f["start_h"] - f["enter_h"]
        f["activity"] = f["kind"].astype(str) + " wait"
        parts = [f[["od", "activity", "hours"]]]
        s, li = np.nonzero((self.group >= 0) & done[:, None])
        pairs = pd.DataFrame({"group": self.group[s, li], "od": self.od[s]})
        counts = pairs.value_counts().rename("n").reset_index()
        st = self._step_frame().merge(counts, on="group")
        for col, suffix in (("wait", " wait"), ("busy", "")):
            h = (st["start_h"] - st["enter_h"]) if col == "wait" else (st["end_h"] - st["start_h"])
            parts.append(
                pd.DataFrame(
                    {
                        "od": st["od"],
                        "activity": st["kind"].astype(str) + suffix,
                        "hours": h * st["n"],
                    }
                )
            )
        allp = pd.concat(parts, ignore_index=True)
        out = allp.groupby(["od", "activity"])["hours"].sum().reset_index()
        out["mean_h"] = out["hours"] / n_od[out["od"].to_numpy()]
        out = out[(out["mean_h"] > 0) & np.isfinite(out["mean_h"])]
        for i, name in enumerate(("origin", "destination", "commodity")):
            out[name] = [self.flows[k][i] for k in out["od"]]
        cols = ["origin", "destination", "commodity", "activity", "mean_h"]
        result: pd.DataFrame = out[cols].reset_index(drop=True)
        return result

    def queues(self) -> pd.DataFrame:
        """Queue samples over time: waiting vehicles/shipments, units, busy servers."""
        import pandas as pd

        df = pd.DataFrame(
            list(self.samples), columns=["time_h", "place", "kind", "waiting", "units", "busy"]
        )
        df["date"] = pd.Timestamp(self.start_date) + pd.to_timedelta(df["time_h"], unit="h")
        return df

    def utilisation(self) -> pd.DataFrame:
        """Stations: servers, vehicles served, busy hours and utilisation over the run."""
        import pandas as pd

        df = pd.DataFrame(
            list(self.stations), columns=["place", "kind", "servers", "served", "busy_h"]
        )
        horizon = self.days * 24.0
        df["utilisation"] = df["busy_h"] / (df["servers"].astype(float) * horizon)
        return df

    def sailings_frame(self) -> pd.DataFrame:
        """Vessel lines: departures, sailings lost, shipments left waiting at the end."""
        import pandas as pd

        return pd.DataFrame(
            list(self.sailings),
            columns=["place", "service", "rule", "departures", "cancelled", "waiting"],
        )

    def throughput(self) -> pd.DataFrame:
        """Shipments, TEU and tonnes per link and calendar month (by departure on the link)."""
        import pandas as pd

        st = self._step_frame()
        st = st[st["kind"] == "travel"]
        links = {
            (lid, i): lk
            for lid, (_, _, steps) in enumerate(self.legs)
            for i, (_, _, lk) in enumerate(steps)
        }
        teu = np.bincount(
            self.group.ravel()[self.group.ravel() >= 0],
            weights=np.repeat(self.teu, self.group.shape[1])[self.group.ravel() >= 0],
            minlength=len(self.group_leg),
        )
        tt = np.bincount(
            self.group.ravel()[self.group.ravel() >= 0],
            weights=np.repeat(self.t, self.group.shape[1])[self.group.ravel() >= 0],
            minlength=len(self.group_leg),
        )
        month = (
            pd.Timestamp(self.start_date) + pd.to_timedelta(st["start_h"].to_numpy(), unit="h")
        ).strftime("%Y-%m")
        rows = pd.DataFrame(
            {
                "month": month,
                "links": [
                    links[(int(a), int(b))] for a, b in zip(st["leg"], st["step"], strict=True)
                ],
                "vehicles": 1,
                "shipments": st["shipments"].to_numpy(),
                "teu": teu[st["group"].to_numpy()],
                "t": tt[st["group"].to_numpy()],
            }
        ).explode("links")
        out = rows.groupby(["links", "month"], sort=True)[
            ["vehicles", "shipments", "teu", "t"]
        ].sum()
        return out.reset_index().rename(columns={"links": "link"})

    def backlog(self) -> pd.DataFrame:
        """Shipments still in the system at the end, by flow and where they are."""
        import pandas as pd

        left = np.flatnonzero(np.isnan(self.delivered_h))
        cols = {k: v[left] for k, v in self._flow_cols().items()}
        ready = self.ready_h[left]
        li = np.where(np.isnan(ready), -1, np.arange(ready.shape[1])).max(axis=1)
        labels = [lb for lb, _, _ in self.legs]
        od, rt = self.od[left].tolist(), self.route[left].tolist()
        place = [
            labels[self.route_legs[o][r][k]] for o, r, k in zip(od, rt, li.tolist(), strict=True)
        ]
        where = np.where(self.group[left, li] < 0, "waiting", "moving")
        df = pd.DataFrame(
            {**cols, "state": where, "leg": place, "teu": self.teu[left], "t": self.t[left]}
        )
        out = df.groupby(["origin", "destination", "commodity", "state", "leg"]).agg(
            shipments=("teu", "size"), teu=("teu", "sum"), t=("t", "sum")
        )
        return out.reset_index()

    def table(self, name: str) -> pd.DataFrame:
        """One of :data:`TABLES` (or ``timeline``) by name."""
        if name == "sailings":
            return self.sailings_frame()
        if name not in (*TABLES, "timeline"):
            raise OptionError(f"unknown table {name!r}; one of {{{', '.join(TABLES)}, timeline}}")
        frame: pd.DataFrame = getattr(self, name)()
        return frame

    def write(
        self,
        directory: str | os.PathLike[str],
        *,
        format: str = "csv",
        tables: tuple[str, ...] = TABLES,
    ) -> list[Path]:
        """Write tables and ``manifest.json`` to a directory; returns the files written.

        Parameters
        ----------
        directory
            Created if missing.
        format
            {csv, parquet}; parquet needs pyarrow.
        tables
            Names from :data:`TABLES`, plus ``timeline`` if wanted (large).
        """
        if format not in ("csv", "parquet"):
            raise OptionError(f"format must be one of {{csv, parquet}}, got {format!r}")
        if format == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise OptionError(
                    "parquet export needs pyarrow: pip install pyarrow (or use format='csv')"
                ) from None
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in tables:
            df = self.table(name)
            path = out / f"{name}.{format}"
            if format == "csv":
                df.to_csv(path, index=False)
            else:
                df.to_parquet(path, index=False)
            written.append(path)
        path = out / "manifest.json"
        path.write_text(json.dumps(self.manifest, indent=2, default=str) + "\n", encoding="utf-8")
        written.append(path)
        return written
