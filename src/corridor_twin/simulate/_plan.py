"""Cut a route into legs (one vehicle each) and steps, for the discrete-event model.

A route's compiled edges become *legs*: a train or truck run on land (links,
with the border crossings, gauge changes, dwells and transfers on the way), a
pipeline run, a sailing (boarding a service, riding it, alighting), or a batch
of handling steps right after a sailing (the vessel's cargo handled together at
the port). Each leg is a list of :class:`StepSpec` (running or a station).
Times in hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corridor_twin.network.compile import EDGE_KINDS, CompiledNetwork
from corridor_twin.network.schema import MODES

__all__ = ["LegSpec", "StepSpec", "route_legs"]

_K = {k: i for i, k in enumerate(EDGE_KINDS)}
_LAND = {"rail": "train", "road": "truck", "pipeline": "pipe"}
_VESSEL = ("ferry", "sea")


@dataclass
class StepSpec:
    """One step of a leg.

    ``kind`` is ``travel`` or a station kind {border, gauge, transfer, dwell};
    ``place`` names the link run or the station; ``mean_h`` is the mean
    duration (running time or service time). ``berth`` is False for loading
    a land vehicle's cargo onto a ship (place ``transfer:<node>:load``): that
    happens during the call of the ship it boards, whose berth the sailing's
    own batch at that port holds, so by default it takes no berth of its own.
    """

    kind: str
    place: str
    node: str
    mode: str
    mean_h: float
    links: list[str] = field(default_factory=list)
    closure_keys: list[tuple[str, str]] = field(default_factory=list)
    borders: list[tuple[str, float]] = field(default_factory=list)
    length_km: float = 0.0
    berth: bool = True


@dataclass
class LegSpec:
    """A run of steps made by one vehicle (or one handled batch)."""

    vehicle: str  # train, truck, pipe, vessel, batch
    mode: str
    node_from: str
    edges: list[int] = field(default_factory=list)
    steps: list[StepSpec] = field(default_factory=list)
    node_to: str = ""
    service: int = -1
    run: int = -1
    open_for_links: bool = True

    @property
    def key(self) -> tuple[object, ...]:
        """Legs with the same key are the same leg (shared by plans)."""
        return (self.vehicle, tuple(self.edges))


def _border_parts(comp: CompiledNetwork, e: int) -> list[tuple[str, float]]:
    net = comp.network
    out = []
    for col in (comp.edge.border_from, comp.edge.border_to):
        b = int(col[e])
        if b >= 0:
            rec = net.borders[b]
            out.append((rec.id, float(rec.dwell_h)))
    return out


def route_legs(comp: CompiledNetwork, edges: list[int]) -> list[LegSpec]:
    """The legs of a route given as compiled edge ids."""
    ed = comp.edge
    net = comp.network
    nid = comp.node_ids
    legs: list[LegSpec] = []
    cur: LegSpec | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.steps:
            cur.node_to = cur.steps[-1].node
            legs.append(cur)
        cur = None

    def travel(leg: LegSpec, e: int, mode: str) -> None:
        a, b = nid[ed.node_from[e]], nid[ed.node_to[e]]
        link = net.links[int(ed.link[e])].id
        last = leg.steps[-1] if leg.steps else None
        if last is not None and last.kind == "travel" and last.mode == mode and mode != "pipeline":
            last.mean_h += float(ed.travel_h[e])
            last.length_km += float(ed.length_km[e])
            last.links.append(link)
            last.closure_keys.append(("links", link))
            last.place = f"{last.place.split('>')[0]}>{b}"
            last.node = b
        else:
            leg.steps.append(
                StepSpec(
                    kind="travel",
                    place=f"{mode}:{a}>{b}",
                    node=b,
                    mode=mode,
                    mean_h=float(ed.travel_h[e]),
                    links=[link],
                    closure_keys=[("links", link)],
                    length_km=float(ed.length_km[e]),
                )
            )
        dwell = float(ed.wait_border_h[e])
        if dwell > 0:
            leg.steps.append(
                StepSpec(
                    kind="border",
                    place=f"border:{a}>{b}",
                    node=b,
                    mode=mode,
                    mean_h=dwell,
                    closure_keys=[("nodes", a), ("nodes", b)],
                    borders=_border_parts(comp, e),
                )
            )

    for e in edges:
        k = EDGE_KINDS[int(ed.kind[e])]
        if k in ("load", "unload"):
            continue
        mode = MODES[int(ed.mode[e])]
        node = nid[ed.node_from[e]]
        if k == "board":
            close()
            svc = int(ed.service[e])
            cur = LegSpec(
                vehicle="vessel",
                mode=mode,
                node_from=node,
                service=svc,
                run=int(ed.run[e]),
                open_for_links=False,
            )
            cur.edges.append(e)
        elif k == "ride":
            assert cur is not None
            cur.edges.append(e)
            travel(cur, e, mode)
            cur.steps[-1 if cur.steps[-1].kind == "travel" else -2].closure_keys.append(
                ("services", net.services[int(ed.service[e])].id)
            )
        elif k == "alight":
            assert cur is not None
            cur.edges.append(e)
            close()
        elif k == "link":
            if cur is None or not cur.open_for_links or cur.mode != mode or cur.vehicle == "batch":
                close()
                cur = LegSpec(vehicle=_LAND.get(mode, "truck"), mode=mode, node_from=node)
            cur.edges.append(e)
            travel(cur, e, mode)
        else:  # transfer, gauge, transit
            if cur is None:
                cur = LegSpec(vehicle="batch", mode=mode, node_from=node)
            cur.edges.append(e)
            kind = {"transit": "dwell"}.get(k, k)
            mean = float(ed.float_column(f"wait_{kind}_h")[e])
            keys = [("nodes", node)]
            t = int(ed.transfer[e])
            if t >= 0:
                keys.append(("transfers", net.transfers[t].id))
            from_mode = MODES[int(comp.vertex_class[comp.tail[e]]) // 10000]
            # A port's ship berths (container, bulk) are not its ferry berths.
            sea = k == "transfer" and "sea" in (mode, from_mode)
            # One berth occupation per ship call: a train's or truck's cargo is
            # loaded during the call of the ship it boards, not in a call of its own.
            load = k == "transfer" and mode in _VESSEL and from_mode not in _VESSEL
            place = f"{kind}:{node}" + (":sea" if sea else "") + (":load" if load else "")
            cur.steps.append(
                StepSpec(
                    kind=kind,
                    place=place,
                    node=node,
                    mode=mode,
                    mean_h=mean,
                    closure_keys=keys,
                    berth=not load,
                )
            )
            if k == "transfer" and from_mode != mode:
                cur.open_for_links = False
    close()
    return legs
