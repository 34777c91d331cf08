"""Reading the TNTP test-network format (Bar-Gera's transportation networks for research).

A TNTP network comes as text files: ``*_net.tntp`` (links), ``*_trips.tntp``
(demand), ``*_flow.tntp`` (a published equilibrium: from, to, volume, cost)
and ``*_node.tntp`` (coordinates), next to a ``*_README.md`` with the units and
the generalized-cost weights. Each file may open with metadata lines
``<KEY> value`` closed by ``<END OF METADATA>``; ``~`` starts a comment and
``;`` ends a record.

Net files give per link: init node, term node, capacity, length, free-flow
time, BPR B, BPR power, speed, toll, link type. ``<FIRST THRU NODE>`` marks
nodes below it as zones that flows may not pass through. The generalized
cost weights come from ``<TOLL FACTOR>`` / ``<DISTANCE FACTOR>`` metadata
where the file has them, else from the README's "Generalized Cost Weights"
section (Chicago Sketch: 0.02 min/cent and 0.04 min/mile), else 0.

Malformed input raises :class:`~corridor_twin.errors.NetworkFileError` (net,
flow and node files) or :class:`~corridor_twin.errors.DemandError` (trips)
naming the file and line.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "Tiny_net.tntp").write_text(
...     "<NUMBER OF NODES> 3\\n<NUMBER OF LINKS> 2\\n<FIRST THRU NODE> 1\\n<END OF METADATA>\\n"
...     "~ init term cap len fft b power speed toll type ;\\n"
...     "1 2 100 1 1 0.15 4 0 0 1 ;\\n2 3 100 1 1 0.15 4 0 0 1 ;\\n")
>>> net = read_tntp_network(d / "Tiny_net.tntp")
>>> net
<LinkNetwork 'Tiny' 3 nodes, 2 links, first thru node 1>
>>> _ = (d / "Tiny_trips.tntp").write_text(
...     "<NUMBER OF ZONES> 3\\n<END OF METADATA>\\nOrigin 1\\n  3 : 50.0; 2 : 10.0;\\n")
>>> read_tntp_trips(d / "Tiny_trips.tntp").total
60.0
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from corridor_twin.errors import DataError, DemandError, NetworkFileError
from corridor_twin.flow.linknet import LinkNetwork, TripTable

__all__ = [
    "TntpWeights",
    "read_tntp_flow",
    "read_tntp_network",
    "read_tntp_nodes",
    "read_tntp_readme",
    "read_tntp_trips",
]

_META = re.compile(r"^\s*<([^>]+)>\s*(.*?)\s*$")
_NET_COLUMNS = (
    "init_node",
    "term_node",
    "capacity",
    "length",
    "free_flow_time",
    "b",
    "power",
    "speed",
    "toll",
    "link_type",
)


def _read_text(path: Path, error: type[NetworkFileError] | type[DemandError]) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc


def _lines(
    text: str, path: Path, error: type[NetworkFileError] | type[DemandError]
) -> tuple[dict[str, str], Iterator[tuple[int, str]]]:
    """Metadata and the data lines (number, text without comment) after it."""
    raw = text.splitlines()
    meta: dict[str, str] = {}
    start = 0
    has_end = any(line.strip().upper().startswith("<END OF METADATA>") for line in raw)
    if has_end:
        for i, line in enumerate(raw):
            body = line.split("~", 1)[0] if not line.lstrip().startswith("<") else line
            m = _META.match(body)
            if m:
                key = m.group(1).strip().upper()
                if key == "END OF METADATA":
                    start = i + 1
                    break
                meta[key] = m.group(2).split("~", 1)[0].strip()
            elif body.strip():
                raise error(
                    f"expected a metadata line '<KEY> value' before <END OF METADATA>, "
                    f"got {line.strip()[:40]!r}",
                    path=str(path),
                    line=i + 1,
                )

    def data() -> Iterator[tuple[int, str]]:
        for i in range(start, len(raw)):
            body = raw[i].split("~", 1)[0].strip()
            if body:
                yield i + 1, body

    return meta, data()


def _meta_number(meta: dict[str, str], key: str, path: Path, kind: type = int) -> Any:
    if key not in meta:
        return None
    text = meta[key].split()[0] if meta[key].split() else ""
    try:
        return kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise NetworkFileError(
            f"metadata <{key}> must be a number, got {meta[key]!r}", path=str(path)
        ) from None


@dataclass(frozen=True)
class TntpWeights:
    """Generalized-cost weights and units from a TNTP README.

    ``toll_factor`` and ``distance_factor`` are time units per toll unit and
    per distance unit (None where the README does not give them); ``units``
    maps time, distance, speed, cost to the README's words.
    """

    toll_factor: float | None
    distance_factor: float | None
    units: dict[str, str]


def _number_in(text: str) -> float | None:
    m = re.search(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text)
    return float(m.group(0)) if m else None


def read_tntp_readme(path: str | PathLike[str]) -> TntpWeights:
    """The "Units" and "Generalized Cost Weights" sections of a TNTP ``*_README.md``."""
    p = Path(path)
    text = _read_text(p, NetworkFileError)
    section = ""
    weights: dict[str, float | None] = {}
    units: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            section = s.lstrip("#").strip().lower()
            continue
        if ":" not in s:
            continue
        key, _, value = s.partition(":")
        key = key.strip().lower()
        value = value.strip()
        if section.startswith("generalized cost weight") and key in ("toll", "distance"):
            weights[key] = _number_in(value) if value else None
        elif section == "units" and value:
            units[key] = value
    return TntpWeights(weights.get("toll"), weights.get("distance"), units)


def _readme_for(net_path: Path) -> Path | None:
    stem = re.sub(r"_net$", "", net_path.stem, flags=re.IGNORECASE)
    for cand in (net_path.with_name(f"{stem}_README.md"), net_path.with_name("README.md")):
        if cand.is_file():
            return cand
    return None


def _fields(
    body: str, path: Path, line: int, error: type[NetworkFileError] | type[DemandError]
) -> list[str]:
    if not body.endswith(";"):
        raise error("record does not end with ';'", path=str(path), line=line)
    return body[:-1].split()


def read_tntp_network(
    path: str | PathLike[str], *, readme: str | PathLike[str] | None = None, use_readme: bool = True
) -> LinkNetwork:
    """Read a TNTP ``*_net.tntp`` file into a :class:`~corridor_twin.flow.linknet.LinkNetwork`.

    Parameters
    ----------
    path
        The net file.
    readme
        The README with units and cost weights (default: ``<name>_README.md``
        next to the net file, if there is one).
    use_readme
        Read the README at all (False: weights only from metadata, else 0).

    Raises
    ------
    NetworkFileError
        The file cannot be read, a record is malformed (wrong number of
        fields, a non-number, no ``;``), or the link count differs from
        ``<NUMBER OF LINKS>``; the message names the file and line.
    """
    p = Path(path)
    meta, data = _lines(_read_text(p, NetworkFileError), p, NetworkFileError)
    rows: list[list[float]] = []
    lines: list[int] = []
    for no, body in data:
        parts = _fields(body, p, no, NetworkFileError)
        if len(parts) < 5:
            raise NetworkFileError(
                f"a link needs at least 5 fields (init node, term node, "
                f"capacity, length, free-flow time), got {len(parts)}",
                path=str(p),
                line=no,
            )
        if len(parts) > len(_NET_COLUMNS):
            raise NetworkFileError(
                f"a link has at most {len(_NET_COLUMNS)} fields, got {len(parts)}",
                path=str(p),
                line=no,
            )
        try:
            vals = [float(x) for x in parts]
        except ValueError:
            word = next(x for x in parts if not _is_float(x))
            raise NetworkFileError(
                f"field {parts.index(word) + 1} is not a number: {word!r}", path=str(p), line=no
            ) from None
        defaults = [0.0, 0.0, 0.0, 0.0, 0.0, 0.15, 4.0, 0.0, 0.0, 1.0]
        rows.append(vals + defaults[len(vals) :])
        lines.append(no)
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, len(_NET_COLUMNS))
    declared = _meta_number(meta, "NUMBER OF LINKS", p)
    if declared is not None and declared != len(rows):
        raise NetworkFileError(
            f"<NUMBER OF LINKS> says {declared} but the file has {len(rows)} links", path=str(p)
        )
    for col in (0, 1):
        frac = arr[:, col] != np.round(arr[:, col])
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise NetworkFileError(
                f"node id {arr[i, col]:g} is not an integer", path=str(p), line=lines[i]
            )
    for col, name, strict in (
        (2, "capacity", True),
        (3, "length", False),
        (4, "free-flow time", False),
        (5, "B", False),
        (6, "power", False),
        (8, "toll", False),
    ):
        bad = (arr[:, col] <= 0) if strict else (arr[:, col] < 0)
        bad |= ~np.isfinite(arr[:, col])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            rel = "> 0" if strict else ">= 0"
            raise NetworkFileError(
                f"{name} must be {rel}, got {arr[i, col]:g}", path=str(p), line=lines[i]
            )
    weights = TntpWeights(None, None, {})
    if use_readme:
        rp = Path(readme) if readme is not None else _readme_for(p)
        if rp is not None:
            weights = read_tntp_readme(rp)
    tf = _meta_number(meta, "TOLL FACTOR", p, float)
    df = _meta_number(meta, "DISTANCE FACTOR", p, float)
    tf = tf if tf is not None else (weights.toll_factor or 0.0)
    df = df if df is not None else (weights.distance_factor or 0.0)
    first_thru = _meta_number(meta, "FIRST THRU NODE", p) or 1
    n_nodes = _meta_number(meta, "NUMBER OF NODES", p)
    ids = arr[:, :2].astype(np.int64)
    nodes = np.union1d(ids[:, 0], ids[:, 1])
    if n_nodes is not None and nodes.size and nodes.max() <= n_nodes and nodes.min() >= 1:
        nodes = np.arange(1, n_nodes + 1, dtype=np.int64)
    name = re.sub(r"_net$", "", p.stem, flags=re.IGNORECASE)
    try:
        return LinkNetwork(
            from_node=ids[:, 0],
            to_node=ids[:, 1],
            capacity=arr[:, 2],
            length=arr[:, 3],
            free_flow_time=arr[:, 4],
            b=arr[:, 5],
            power=arr[:, 6],
            toll=arr[:, 8],
            link_type=arr[:, 9].astype(np.int64),
            first_thru_node=first_thru,
            toll_factor=tf,
            distance_factor=df,
            nodes=nodes,
            name=name,
            units=weights.units,
        )
    except DataError as exc:
        raise NetworkFileError(str(exc), path=str(p)) from exc


def _is_float(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True


def read_tntp_trips(path: str | PathLike[str]) -> TripTable:
    """Read a TNTP ``*_trips.tntp`` file (``Origin o`` blocks of ``dest : trips;``).

    Raises
    ------
    DemandError
        A pair comes before any ``Origin`` line, is not ``dest : number``, or
        the total differs from ``<TOTAL OD FLOW>`` by more than 1e-6 of it;
        the message names the file and line.
    """
    p = Path(path)
    meta, data = _lines(_read_text(p, DemandError), p, DemandError)
    o_list: list[int] = []
    d_list: list[int] = []
    v_list: list[float] = []
    origin: int | None = None
    for no, body in data:
        head = body.split(None, 1)
        if head[0].lower() == "origin":
            if len(head) < 2 or not head[1].strip().rstrip(";").strip().isdigit():
                raise DemandError(
                    f"expected 'Origin <node id>', got {body[:40]!r}", path=str(p), line=no
                )
            origin = int(head[1].strip().rstrip(";").strip())
            continue
        if origin is None:
            raise DemandError("a demand record before any 'Origin' line", path=str(p), line=no)
        for rec in body.split(";"):
            rec = rec.strip()
            if not rec:
                continue
            dest, colon, value = rec.partition(":")
            try:
                if not colon:
                    raise ValueError
                d_id = int(dest.strip())
                amount = float(value.strip())
            except ValueError:
                raise DemandError(
                    f"expected 'destination : trips', got {rec[:40]!r}", path=str(p), line=no
                ) from None
            if not np.isfinite(amount) or amount < 0:
                raise DemandError(
                    f"trips must be a number >= 0, got {value.strip()!r}", path=str(p), line=no
                )
            o_list.append(origin)
            d_list.append(d_id)
            v_list.append(amount)
    total = sum(v_list)
    declared = meta.get("TOTAL OD FLOW")
    if declared is not None:
        try:
            want = float(declared.split()[0])
        except (ValueError, IndexError):
            raise DemandError(
                f"metadata <TOTAL OD FLOW> must be a number, got {declared!r}", path=str(p)
            ) from None
        if abs(total - want) > 1e-6 * max(abs(want), 1.0):
            raise DemandError(
                f"<TOTAL OD FLOW> says {want:g} but the pairs sum to {total:g}", path=str(p)
            )
    return TripTable(
        origin=np.asarray(o_list, dtype=np.int64),
        destination=np.asarray(d_list, dtype=np.int64),
        demand=np.asarray(v_list, dtype=np.float64),
    )


def _table(path: Path, columns: tuple[str, ...], header_word: str) -> tuple[Any, list[int]]:
    _, data = _lines(_read_text(path, NetworkFileError), path, NetworkFileError)
    rows: list[list[float]] = []
    lines: list[int] = []
    for no, body in data:
        parts = body.rstrip(";").split()
        if parts and parts[0].lower() == header_word and not rows:
            continue
        if len(parts) != len(columns):
            raise NetworkFileError(
                f"expected {len(columns)} fields ({', '.join(columns)}), got {len(parts)}",
                path=str(path),
                line=no,
            )
        try:
            rows.append([float(x) for x in parts])
        except ValueError:
            bad = next(x for x in parts if not _is_float(x))
            raise NetworkFileError(f"not a number: {bad!r}", path=str(path), line=no) from None
        lines.append(no)
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(columns)), lines


def read_tntp_flow(path: str | PathLike[str]) -> Any:
    """Read a TNTP ``*_flow.tntp`` solution: a frame with columns from, to, volume, cost."""
    import pandas as pd

    arr, _ = _table(Path(path), ("from", "to", "volume", "cost"), "from")
    return pd.DataFrame(
        {
            "from": arr[:, 0].astype(np.int64),
            "to": arr[:, 1].astype(np.int64),
            "volume": arr[:, 2],
            "cost": arr[:, 3],
        }
    )


def read_tntp_nodes(path: str | PathLike[str]) -> Any:
    """Read a TNTP ``*_node.tntp`` file: a frame with columns node, x, y."""
    import pandas as pd

    arr, _ = _table(Path(path), ("node", "x", "y"), "node")
    return pd.DataFrame({"node": arr[:, 0].astype(np.int64), "x": arr[:, 1], "y": arr[:, 2]})
