"""Reading and writing networks: YAML source files and GeoJSON export."""

from corridor_twin.io.geojson import to_geojson, write_geojson
from corridor_twin.io.yaml_io import (
    NetworkOrigin,
    dumps_network,
    loads_network,
    read_network,
    write_network,
)

__all__ = [
    "NetworkOrigin",
    "dumps_network",
    "loads_network",
    "read_network",
    "to_geojson",
    "write_geojson",
    "write_network",
]
