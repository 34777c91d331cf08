"""The bundled Middle Corridor (TITR) dataset, loaded offline from the package.

Examples
--------
>>> net = load_corridor()
>>> net.find_node("Aktau").id
'KZ_AKT'
"""

from __future__ import annotations

from importlib import resources

from corridor_twin.io.yaml_io import loads_network
from corridor_twin.network.model import Network

__all__ = ["CORRIDOR_FILE", "corridor_text", "load_corridor"]

CORRIDOR_FILE = "titr.yaml"
_cache: dict[str, Network] = {}


def corridor_text() -> str:
    """The bundled network file's text."""
    return resources.files(__package__).joinpath(CORRIDOR_FILE).read_text(encoding="utf-8")


def load_corridor() -> Network:
    """The bundled Trans-Caspian corridor network (immutable; parsed once per process)."""
    net = _cache.get(CORRIDOR_FILE)
    if net is None:
        net = loads_network(corridor_text(), path=f"<bundled {CORRIDOR_FILE}>")
        _cache[CORRIDOR_FILE] = net
    return net
