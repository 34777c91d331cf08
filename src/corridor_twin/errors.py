"""Exceptions raised by corridor-twin.

Every error the package raises on purpose derives from :class:`CorridorError`,
so callers can catch one class. The tree::

    CorridorError
    ├── DataError                 bad input data (files, records, values)
    │   ├── NetworkFileError      a network file cannot be read or parsed
    │   ├── ValidationError       a network breaks one or more validation rules
    │   ├── ScenarioError         a scenario cannot be read or applied
    │   ├── DemandError           a demand table cannot be read or does not fit
    │   └── InputError            a file or request body breaks an input limit
    ├── NotFoundError             a looked-up object does not exist
    │   └── UnknownNodeError      a node name or id matches nothing
    ├── RoutingError
    │   └── NoRouteError          no feasible route for the request
    ├── OptionError               an option value is out of its allowed set
    ├── StoreError                the persistent store cannot do what was asked
    │   └── ConflictError         a stale version or state: reload and retry
    ├── AuthenticationError       an API token is missing, unknown or revoked
    └── PermissionDeniedError     the caller's role or organisation may not do this

Error messages say what is wrong, where (file, line, record id, field) and,
when it helps, what to do.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "CorridorError",
    "DataError",
    "DemandError",
    "InputError",
    "NetworkFileError",
    "NoRouteError",
    "NotFoundError",
    "OptionError",
    "PermissionDeniedError",
    "RoutingError",
    "ScenarioError",
    "StoreError",
    "UnknownNodeError",
    "ValidationError",
]


class CorridorError(Exception):
    """Base class of every error raised by corridor-twin."""


class DataError(CorridorError, ValueError):
    """Input data is malformed or inconsistent."""


def _where(path: str | None, line: int | None) -> str:
    where = path or ""
    if line is not None:
        where = f"{where}:{line}" if where else f"line {line}"
    return f"{where}: " if where else ""


class _LocatedError(DataError):
    """A data error that can say where it is: file, line and field."""

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
        suffix = f" (field '{field}')" if field and f"'{field}'" not in message else ""
        super().__init__(f"{_where(path, line)}{message}{suffix}")


class NetworkFileError(_LocatedError):
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


class ValidationError(DataError):
    """A network breaks validation rules; ``issues`` lists each finding."""

    def __init__(self, message: str, issues: Sequence[object] = ()) -> None:
        self.issues = tuple(issues)
        super().__init__(message)


class ScenarioError(DataError):
    """A scenario cannot be read, or one of its changes cannot be applied.

    The message names the scenario, the change (its index in the scenario's
    ``changes`` or ``demand_changes`` list and its kind), the field and, when
    the scenario was read from a file, the file and line.

    Parameters
    ----------
    message
        What is wrong (and what to do).
    scenario
        Name of the scenario, if known.
    change
        Index of the change in its list, if the error concerns one change.
    kind
        Kind of that change (``close_link``, ``scale_capacity``, ...).
    field
        The field of the change concerned, if known.
    path, line
        File and 1-based line, when read from a file.
    demand
        True when ``change`` indexes ``demand_changes`` rather than ``changes``.
    """

    def __init__(
        self,
        message: str,
        *,
        scenario: str | None = None,
        change: int | None = None,
        kind: str | None = None,
        field: str | None = None,
        path: str | None = None,
        line: int | None = None,
        demand: bool = False,
    ) -> None:
        self.reason = message
        self.scenario = scenario
        self.change = change
        self.kind = kind
        self.field = field
        self.path = path
        self.line = line
        self.demand = demand
        parts = []
        if scenario is not None:
            parts.append(f"scenario {scenario!r}")
        if change is not None:
            label = "demand_changes" if demand else "changes"
            parts.append(f"{label}[{change}]" + (f" ({kind})" if kind else ""))
        elif kind is not None:
            parts.append(f"change {kind!r}")
        head = ", ".join(parts)
        suffix = f" (field '{field}')" if field and f"'{field}'" not in message else ""
        text = f"{head}: {message}{suffix}" if head else f"{message}{suffix}"
        super().__init__(f"{_where(path, line)}{text}")

    def located(
        self,
        *,
        scenario: str | None = None,
        change: int | None = None,
        kind: str | None = None,
        field: str | None = None,
        path: str | None = None,
        line: int | None = None,
        demand: bool | None = None,
    ) -> ScenarioError:
        """A copy with the context it lacks (scenario, change, field, file, line) filled in."""
        new = ScenarioError(
            self.reason,
            scenario=self.scenario if self.scenario is not None else scenario,
            change=self.change if self.change is not None else change,
            kind=self.kind if self.kind is not None else kind,
            field=self.field if self.field is not None else field,
            path=self.path if self.path is not None else path,
            line=self.line if self.line is not None else line,
            demand=self.demand if demand is None else demand,
        )
        new.__cause__ = self.__cause__
        return new


class DemandError(_LocatedError):
    """A demand table cannot be read, or names nodes or commodities the network lacks.

    Parameters
    ----------
    message
        What is wrong.
    path, line
        File and 1-based line, when read from a file.
    field
        The column or key concerned, if known.
    """


class InputError(_LocatedError):
    """A file or request body breaks a limit of the input boundary.

    Too deep, too large, a number that is not finite or too big, text with a
    NUL byte or a lone surrogate (see :mod:`corridor_twin._input`).

    Parameters
    ----------
    message
        What is wrong; never the offending value itself when it cannot be
        printed or serialised.
    path, line
        File and 1-based line, when read from a file.
    field
        The field or JSON path concerned (``body.values.length_km``), put
        before the message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = message
        super().__init__(f"{field}: {message}" if field else message, path=path, line=line)
        self.field = field


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


class StoreError(CorridorError):
    """The persistent store cannot do what was asked (bad URL, missing driver, database error)."""


class ConflictError(StoreError):
    """An edit was based on a stale version, or an object is not in the state it needs.

    Attributes
    ----------
    expected, actual
        The version (or state) the caller expected and the one stored, when known.
    """

    def __init__(self, message: str, *, expected: object = None, actual: object = None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(message)


class AuthenticationError(CorridorError):
    """An API token is missing, unknown or revoked (who are you?)."""


class PermissionDeniedError(CorridorError):
    """The caller is known but its role or organisation may not do this."""
