"""Reading a text file with one clear error when it cannot be read.

A base module: the readers of networks, scenarios and demand tables all use
:func:`read_text_file`, each with its own error class, so a missing or
unreadable file says the same thing whichever kind of file it is.

Examples
--------
>>> from corridor_twin.errors import ScenarioError
>>> try:
...     read_text_file("no/such/file.yaml", ScenarioError)
... except ScenarioError as exc:
...     print(exc)
no/such/file.yaml: no such file
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from corridor_twin.errors import CorridorError

__all__ = ["FileErrorClass", "read_text_file"]


class FileErrorClass(Protocol):
    """An error class taking a message and the file's ``path`` (as the located errors do)."""

    def __call__(self, message: str, *, path: str | None = None) -> CorridorError: ...


def read_text_file(path: str | os.PathLike[str], error: FileErrorClass) -> tuple[Path, str]:
    """The path and UTF-8 text of a file.

    Raises
    ------
    CorridorError
        ``error("no such file", path=...)`` if it does not exist,
        ``error("cannot read file: ...", path=...)`` if it cannot be read or
        is not UTF-8.
    """
    p = Path(path)
    try:
        return p, p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("no such file", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read file: {exc}", path=str(p)) from None
