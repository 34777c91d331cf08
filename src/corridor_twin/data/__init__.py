"""The bundled Middle Corridor (TITR) dataset, loaded offline from the package.

Examples
--------
>>> net = load_corridor()
>>> net.find_node("Aktau").id
'KZ_AKT'
"""

from __future__ import annotations

import functools
from importlib import resources

from corridor_twin.io.yaml_io import loads_network
from corridor_twin.network.model import Network

__all__ = ["CORRIDOR_FILE", "corridor_text", "load_corridor"]

CORRIDOR_FILE = "titr.yaml"


def corridor_text() -> str:
    """The bundled network file's text."""
    return resources.files(__package__).joinpath(CORRIDOR_FILE).read_text(encoding="utf-8")


@functools.cache
def load_corridor() -> Network:
    """The bundled Trans-Caspian corridor network.

    The network is immutable, so it is parsed once and the same object is
    returned on later calls (what-if edits make new networks).
    """
    return loads_network(corridor_text(), path=f"<bundled {CORRIDOR_FILE}>")
