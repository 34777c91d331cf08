"""The installed package's version, read once from its metadata (``pyproject.toml``).

A base module (it imports nothing of the package), so every layer can name the
version without importing :mod:`corridor_twin` itself.

Examples
--------
>>> from importlib.metadata import version
>>> __version__ == version("corridor-twin")
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("corridor-twin")
except PackageNotFoundError:  # pragma: no cover - running from a source tree not installed
    __version__ = "0+unknown"
