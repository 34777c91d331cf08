"""Exceptions raised by corridor-twin.

Every error the package raises on purpose derives from :class:`CorridorError`,
so callers can catch one class. The tree::

    CorridorError
    ├── DataError                 bad input data (files, records, values)
    │   ├── NetworkFileError      a network file cannot be read or parsed
    │   └── ValidationError       a network breaks one or more validation rules
    ├── NotFoundError             a looked-up object does not exist
    │   └── UnknownNodeError      a node name or id matches nothing
    ├── RoutingError
    │   └── NoRouteError          no feasible route for the request
    └── OptionError               an option value is out of its allowed set

Error messages say what is wrong, where (file, line, record id, field) and,
when it helps, what to do.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CorridorError",
    "DataError",
    "NetworkFileError",
    "NoRouteError",
    "NotFoundError",
    "OptionError",
    "RoutingError",
    "UnknownNodeError",
    "ValidationError",
]


class CorridorError(Exception):
    """Base class of every error raised by corridor-twin."""


class DataError(CorridorError, ValueError):
    """Input data is malformed or inconsistent."""


class NetworkFileError(DataError):
    """A network file cannot be read, parsed or understood.

    Parameters
    ----------
    message
        What is wrong.
    path
        The file, if known.
    line
        1-based line number in the file, if known.
    field
        The record field concerned, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = path or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        prefix = f"{where}: " if where else ""
        suffix = f" (field '{field}')" if field and f"'{field}'" not in message else ""
        super().__init__(f"{prefix}{message}{suffix}")


class ValidationError(DataError):
    """A network breaks validation rules; ``issues`` lists each finding."""

    def __init__(self, message: str, issues: Sequence[object] = ()) -> None:
        self.issues = tuple(issues)
        super().__init__(message)


class NotFoundError(CorridorError, LookupError):
    """Something looked up by name or id does not exist."""


class UnknownNodeError(NotFoundError):
    """A node name or id matches no node; ``suggestions`` holds near matches."""

    def __init__(self, query: str, suggestions: Sequence[str] = ()) -> None:
        self.query = query
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown node {query!r}{hint}")


class RoutingError(CorridorError):
    """A routing request cannot be answered."""


class NoRouteError(RoutingError):
    """No feasible route exists under the request's cargo, modes and restrictions."""


class OptionError(CorridorError, ValueError):
    """An option value is outside its allowed set or range."""
