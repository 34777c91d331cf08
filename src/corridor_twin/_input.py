"""The input boundary: limits every file and request body passes before a parser sees it.

One place decides what malformed input is, so that the network, scenario,
demand and shipment readers and the web service refuse it alike, with one
line naming the file and line (or the JSON path) and never echoing a value
that cannot be printed or serialised:

========================  =================================================
limit                     value
========================  =================================================
nesting depth             :data:`MAX_DEPTH` levels of mappings and lists
text of one value         :data:`MAX_FIELD_CHARS` characters
whole text                :data:`MAX_TEXT_CHARS` characters
integers                  at most :data:`MAX_INT_DIGITS` digits
floats                    finite (no ``.inf``, ``.nan``, ``1e999``)
text                      no NUL byte, no lone surrogate (not Unicode)
YAML aliases              at most :data:`MAX_ALIASES`
YAML dates                kept as text (``2024-13-45`` cannot crash a reader)
========================  =================================================

An unlimited capacity is written by leaving the field out (or ``null``),
never as ``.inf``.

Examples
--------
>>> load_yaml("when: 2024-13-45\\nn: 3\\n")
{'when': '2024-13-45', 'n': 3}
>>> load_yaml("capacity: .inf\\n")
Traceback (most recent call last):
...
corridor_twin.errors.NetworkFileError: line 1: invalid YAML: '.inf' is not a finite number; \
leave an unlimited capacity out (or null)
>>> check_value({"values": {"length_km": float("inf")}})
Traceback (most recent call last):
...
corridor_twin.errors.InputError: body.values.length_km: not a finite number; \
leave an unlimited capacity out (or null)
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from corridor_twin.errors import DataError, InputError, NetworkFileError

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FIELD_CHARS",
    "MAX_INT_DIGITS",
    "MAX_TEXT_CHARS",
    "NAME_PATTERN",
    "Lines",
    "SafeLoader",
    "check_name",
    "check_text",
    "check_value",
    "csv_rows",
    "finite_float",
    "line_of",
    "load_yaml",
    "loads_json",
    "one_line",
    "safe_text",
]

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists in a file or body (a network needs 4)."""
MAX_FIELD_CHARS = 100_000
"""Longest text of one value (one YAML scalar, JSON string or CSV field)."""
MAX_TEXT_CHARS = 64_000_000
"""Longest whole file."""
MAX_INT_DIGITS = 18
"""Most digits of an integer (any figure of the model fits in 15)."""
MAX_ALIASES = 100
"""Most YAML aliases (``*name``) in one file: expansion bombs stop here."""
_UNLIMITED = "leave an unlimited capacity out (or null)"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def one_line(text: str) -> str:
    """Collapse whitespace runs (line breaks included) to single spaces."""
    return " ".join(str(text).split())


def safe_text(text: str, limit: int = 80) -> str:
    """``text`` shortened and made printable and serialisable (for messages).

    Examples
    --------
    >>> safe_text("a\\ud800b\\x00")
    'a\\\\ud800b\\\\x00'
    """
    out = text.encode("utf-8", "backslashreplace").decode("utf-8")
    out = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in out)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _text_problem(text: str) -> tuple[str, int] | None:
    """What is wrong with a text (NUL, lone surrogate), and at which character."""
    nul = text.find("\x00")
    if nul >= 0:
        return "a NUL byte (\\x00) is not allowed in text", nul
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return "a lone surrogate (invalid Unicode) is not allowed in text", exc.start
    return None


def check_text(text: str, *, path: str | None = None, field: str | None = None) -> str:
    """``text`` if it is valid, bounded Unicode without NUL bytes, else raise.

    Raises
    ------
    InputError
        Naming the file and line of the first NUL byte or lone surrogate, or
        the size limit.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"text longer than {MAX_TEXT_CHARS:,} characters", path=path, field=field)
    problem = _text_problem(text)
    if problem is not None:
        message, pos = problem
        raise InputError(message, path=path, line=_line_at(text, pos), field=field)
    return text


NAME_PATTERN = r"^\w[\w .()+-]{0,199}$"
"""Names of networks, scenarios and demand tables: a letter, digit or ``_`` first, then
letters, digits, spaces and ``_ . ( ) + -`` (so never ``..``, a path or a control byte)."""
_NAME = re.compile(NAME_PATTERN)


def check_name(name: str, *, what: str = "name") -> str:
    """``name`` if it matches :data:`NAME_PATTERN`, else raise :class:`InputError`.

    Examples
    --------
    >>> check_name("year-2025")
    'year-2025'
    >>> check_name("..", what="demand table name")
    Traceback (most recent call last):
    ...
    corridor_twin.errors.InputError: demand table name: '..' is not allowed; use letters, \
digits, spaces and _ . ( ) + - (up to 200 characters, not starting with a symbol)
    """
    if not isinstance(name, str) or not _NAME.match(name) or name != name.strip():
        shown = safe_text(name, 60) if isinstance(name, str) else type(name).__name__
        raise InputError(
            f"{shown!r} is not allowed; use letters, digits, spaces and _ . ( ) + - "
            "(up to 200 characters, not starting with a symbol)",
            field=what,
        )
    return name


def finite_float(value: Any) -> float:
    """``value`` as a finite float; :class:`ValueError` if it is not one.

    Handles what :func:`float` does not: integers too large for a float
    (``OverflowError``) and decimal strings beyond the float range (``inf``).

    Examples
    --------
    >>> finite_float("12.5"), finite_float(3)
    (12.5, 3.0)
    >>> finite_float(10**400)
    Traceback (most recent call last):
    ...
    ValueError: a number too large (more than 18 digits)
    """
    if isinstance(value, bool):
        raise ValueError("true/false is not a number")
    if isinstance(value, int) and abs(value) >= 10**MAX_INT_DIGITS:
        raise ValueError(f"a number too large (more than {MAX_INT_DIGITS} digits)")
    if isinstance(value, str) and len(value) > 64:
        raise ValueError("a number longer than 64 characters")
    try:
        out = float(value)
    except OverflowError:
        raise ValueError(f"a number too large (more than {MAX_INT_DIGITS} digits)") from None
    except (TypeError, ValueError):
        shown = safe_text(value, 30) if isinstance(value, str) else type(value).__name__
        raise ValueError(f"not a number: {shown!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"not a finite number; {_UNLIMITED}")
    return out


# -- YAML ------------------------------------------------------------------------------
class Lines(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


def line_of(obj: Any, key: str | None = None) -> int | None:
    """Line of a mapping parsed by :func:`load_yaml` (or of one of its keys)."""
    if isinstance(obj, Lines):
        if key is not None and key in obj.key_lines:
            return obj.key_lines[key]
        return obj.line
    return None


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader with the boundary's rules.

    Dates stay text; integers over :data:`MAX_INT_DIGITS` digits and
    non-finite floats are errors naming their line; every mapping is a
    :class:`Lines` remembering the lines of its keys.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConstructorError(
                    None, None, "a mapping key must be plain text", key_node.start_mark
                )
        mapping = super().construct_mapping(node, deep=deep)
        out = Lines(mapping)
        out.line = node.start_mark.line + 1
        out.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return out


SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def _construct_int(loader: SafeLoader, node: yaml.ScalarNode) -> int:
    digits = sum(ch.isdigit() for ch in node.value)
    if digits > MAX_INT_DIGITS:
        raise ConstructorError(
            None,
            None,
            f"a number with {digits} digits is too large (at most {MAX_INT_DIGITS})",
            node.start_mark,
        )
    value: int = SafeConstructor.construct_yaml_int(loader, node)
    return value


def _construct_float(loader: SafeLoader, node: yaml.ScalarNode) -> float:
    if len(node.value) > 64:
        raise ConstructorError(None, None, "a number longer than 64 characters", node.start_mark)
    value: float = SafeConstructor.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise ConstructorError(
            None,
            None,
            f"{safe_text(node.value, 20)!r} is not a finite number; {_UNLIMITED}",
            node.start_mark,
        )
    return value


SafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
SafeLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
SafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def _mark_line(event: yaml.Event) -> int | None:
    mark = event.start_mark
    return None if mark is None else mark.line + 1


def _scan(text: str, path: str | None) -> None:
    """Depth, scalar sizes and aliases from the event stream (no recursion)."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(
                    f"nested deeper than {MAX_DEPTH} levels",
                    path=path,
                    line=_mark_line(event),
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent):
            if len(event.value) > MAX_FIELD_CHARS:
                raise InputError(
                    f"a value longer than {MAX_FIELD_CHARS:,} characters",
                    path=path,
                    line=_mark_line(event),
                )
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise InputError(
                    f"more than {MAX_ALIASES} YAML aliases",
                    path=path,
                    line=_mark_line(event),
                )


def _yaml_error(exc: yaml.YAMLError, path: str | None) -> NetworkFileError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = one_line(exc.problem or exc.context or "syntax error")
        return NetworkFileError(f"invalid YAML: {what}", path=path, line=line)
    reason = getattr(exc, "reason", None)
    if reason is not None:  # a ReaderError: an unacceptable character
        return NetworkFileError(f"invalid YAML: {one_line(str(reason))}", path=path)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return NetworkFileError(f"invalid YAML: {one_line(first)}", path=path)


def load_yaml(text: str, *, path: str | None = None) -> Any:
    """Parse YAML (or JSON) text within the boundary's limits.

    Mappings in the result are :class:`Lines` (see :func:`line_of`).

    Raises
    ------
    InputError
        If the text breaks a limit (NUL, lone surrogate, depth, size).
    NetworkFileError
        On a syntax error or a number out of range, naming file and line.

    Examples
    --------
    >>> doc = load_yaml("a: 1\\nb:\\n  c: 2\\n")
    >>> line_of(doc, "b"), line_of(doc["b"], "c")
    (2, 3)
    """
    check_text(text, path=path)
    try:
        _scan(text, path)
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from None
    except RecursionError:  # pragma: no cover - the scan bounds the depth first
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", path=path) from None


# -- JSON ------------------------------------------------------------------------------
def _no_constant(name: str) -> Any:
    raise InputError(f"{name} is not a finite number; {_UNLIMITED}")


def loads_json(data: bytes | str, *, where: str = "body") -> Any:
    """Parse a JSON document and :func:`check_value` it.

    Raises
    ------
    InputError
        On invalid JSON (with the position), ``NaN``/``Infinity``, or a
        value that breaks a limit; the message names the JSON path.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", field=where) from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", field=where
        ) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels", field=where) from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise InputError(f"invalid JSON: {one_line(str(exc))[:120]}", field=where) from None
    except InputError as exc:
        raise InputError(str(exc), field=where) from None
    check_value(value, where=where)
    return value


def _join(where: str, key: object) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{safe_text(str(key), 40)}"


def check_value(value: Any, *, where: str = "body") -> None:
    """Check a parsed document (JSON or YAML) against the boundary's limits.

    Walks without recursion, so any depth is reported, never a
    :class:`RecursionError`.

    Raises
    ------
    InputError
        With ``field`` the JSON path of the first offending value.
    """
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        v, at, depth = stack.pop()
        if isinstance(v, (dict, list)):
            if depth >= MAX_DEPTH:
                raise InputError(f"nested deeper than {MAX_DEPTH} levels", field=at)
            items = v.items() if isinstance(v, dict) else enumerate(v)
            for k, x in items:
                if isinstance(k, str):
                    _check_str(k, at, key=True)
                stack.append((x, _join(at, k), depth + 1))
        elif isinstance(v, str):
            _check_str(v, at)
        elif isinstance(v, bool) or v is None:
            continue
        elif isinstance(v, int):
            if abs(v) >= 10**MAX_INT_DIGITS:
                raise InputError(
                    f"a number too large (more than {MAX_INT_DIGITS} digits)", field=at
                )
        elif isinstance(v, float) and not math.isfinite(v):
            raise InputError(f"not a finite number; {_UNLIMITED}", field=at)


def _check_str(s: str, at: str, *, key: bool = False) -> None:
    what = "a key" if key else "text"
    if len(s) > MAX_FIELD_CHARS:
        raise InputError(f"{what} longer than {MAX_FIELD_CHARS:,} characters", field=at)
    problem = _text_problem(s)
    if problem is not None:
        raise InputError(problem[0].replace("in text", f"in {what}"), field=at)


# -- CSV -------------------------------------------------------------------------------
def csv_rows(
    text: str,
    *,
    required: Sequence[str],
    path: str | None = None,
    error: Callable[..., DataError] = InputError,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV text with a header, as ``(line, {column: stripped text})``.

    Every required column must be in the header and every row must have as
    many fields as the header (a short row names its line); fields are at
    most :data:`MAX_FIELD_CHARS` characters; the text is checked by
    :func:`check_text` first.

    Parameters
    ----------
    text
        The CSV text.
    required
        Columns the header must have.
    path
        File name for messages.
    error
        The error class to raise (``InputError`` or a reader's own class
        taking ``message, path=, line=, field=``).

    Examples
    --------
    >>> list(csv_rows("a,b\\n1,2\\n", required=["a"]))
    [(2, {'a': '1', 'b': '2'})]
    >>> list(csv_rows("a,b\\n1\\n", required=["a"]))
    Traceback (most recent call last):
    ...
    corridor_twin.errors.InputError: line 2: 1 value(s) for 2 columns (a, b)
    """
    problem = _text_problem(text)
    if problem is not None:
        raise error(problem[0], path=path, line=_line_at(text, problem[1]))
    if len(text) > MAX_TEXT_CHARS:
        raise error(f"text longer than {MAX_TEXT_CHARS:,} characters", path=path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        if not header or missing:
            what = f"missing column {missing[0]!r}" if missing else "no header row"
            raise error(
                f"{what}; expected {', '.join(required)}",
                path=path,
                line=1,
                field=missing[0] if missing else None,
            )
        for fields in reader:
            line = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(header):
                raise error(
                    f"{len(fields)} value(s) for {len(header)} columns ({', '.join(header)})",
                    path=path,
                    line=line,
                )
            for col, value in zip(header, fields, strict=True):
                if len(value) > MAX_FIELD_CHARS:
                    raise error(
                        f"a field longer than {MAX_FIELD_CHARS:,} characters",
                        path=path,
                        line=line,
                        field=col,
                    )
            yield line, {h: v.strip() for h, v in zip(header, fields, strict=True)}
    except csv.Error as exc:
        raise error(
            f"malformed CSV: {one_line(str(exc))}", path=path, line=reader.line_num or None
        ) from None
