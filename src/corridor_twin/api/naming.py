"""Short names of places and routes, as the page and tables show them.

A route is named by its key places: the ports at either end of a ferry or
sea leg and the crossing where it enters each new country ("via Khorgos,
Aktau, Alat, Poti"), so alternatives that use the same modes can be told
apart.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.routing import route
>>> net = load_corridor()
>>> short_name(net.node("AZ_ALAT")), short_name(net.node("KZ_ALA"))
('Alat', 'Almaty')
>>> r = route(net, "Almaty", "Istanbul", avoid_countries=["RU", "IR"])
>>> route_name(r, net)
'via Kuryk, Alat, Boyuk Kesik, Kartsakhi'
"""

from __future__ import annotations

from corridor_twin.network.model import Network, Node
from corridor_twin.routing import Route

__all__ = ["MAX_PLACES", "key_places", "route_name", "short_name"]

MAX_PLACES = 6
"""At most this many places in a route's name."""

_SUFFIXES = (" port", " seaport", " sea port")


def short_name(node: Node) -> str:
    """A node's name without the parenthesis, the part after " / " and a "port" suffix;
    the shortest alias if that is still longer than 18 characters."""
    name = node.name.split(" (")[0].split(" / ")[0].strip()
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    if len(name) > 18:
        aliases = sorted((a for a in node.aliases if len(a) >= 3), key=len)
        if aliases:
            name = aliases[0]
    return name


def key_places(r: Route, net: Network) -> list[str]:
    """Node ids of a route's key places, in order (origin and destination left out).

    Ports of ferry and sea legs come first when there are more than
    :data:`MAX_PLACES`; then country entries, in route order.
    """
    ports: list[str] = []
    entries: list[str] = []
    order: list[str] = []
    for leg in r.legs:
        a, b = net.node(leg.from_node), net.node(leg.to_node)
        if leg.mode in ("ferry", "sea"):
            ports += [a.id, b.id]
            order += [a.id, b.id]
        elif a.country != b.country:
            place = a.id if a.kind == "border_crossing" else b.id
            entries.append(place)
            order.append(place)
    ends = {r.origin, r.destination}
    order = [n for n in dict.fromkeys(order) if n not in ends]
    if len(order) <= MAX_PLACES:
        return order
    keep = [n for n in dict.fromkeys(ports) if n not in ends][:MAX_PLACES]
    for n in order:
        if len(keep) >= MAX_PLACES:
            break
        if n not in keep:
            keep.append(n)
    return [n for n in order if n in keep]


def route_name(r: Route, net: Network) -> str:
    """The route's name: "via A, B, C" from its key places, else "direct by <modes>"."""
    places = key_places(r, net)
    if not places:
        return "direct by " + "/".join(r.modes)
    return "via " + ", ".join(short_name(net.node(n)) for n in places)
