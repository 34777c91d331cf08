"""Progress on the terminal for steps that take more than a moment (rich, on stderr).

On a terminal a spinner with the elapsed time shows what runs; when stderr is
not a terminal (a pipe, a log, the tests) nothing is drawn, so outputs stay clean.

Examples
--------
>>> with working("compiling"):
...     pass
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

__all__ = ["working"]


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner with ``message`` and the elapsed seconds while the block runs."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with console.status(f"{message} ...", spinner="dots"):
        yield
