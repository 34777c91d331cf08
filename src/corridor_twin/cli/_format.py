"""Human tables for the terminal: thousands separators, units in headers, no NaN, no reprs.

Machine formats (``--format json|csv``) keep exact numbers; only these tables round.

Examples
--------
>>> print(table([["Alat", 100000.0, None]], ["place", "TEU/year", "note"]))
place  TEU/year  note
-----  --------  ----
Alat    100,000
>>> number(4639800.0), number(12.345), number(float("nan")), number(1.445304e9)
('4,639,800', '12.3', '', '1,445,304,000')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["frame_table", "number", "table", "unit_label"]


def unit_label(unit: str) -> str:
    """``TEU`` for TEU, ``t`` for tonnes (as written in figures)."""
    return "TEU" if unit.lower() == "teu" else unit


def number(v: Any, digits: int | None = None) -> str:
    """A number as people read it: ``1,234,567``, ``12.3``; blank for NaN/None."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float) or hasattr(v, "__float__"):
        try:
            x = float(v)
        except (TypeError, ValueError):
            return str(v)
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "unlimited" if x > 0 else "-inf"
        if digits is None:
            digits = 0 if abs(x) >= 1000 or (x == int(x) and abs(x) >= 100) else 1
            if 0 < abs(x) < 0.1:
                digits = 3
        return f"{x:,.{digits}f}"
    return str(v)


def _is_num(v: Any) -> bool:
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, (int, float)):
        return True
    return hasattr(v, "__float__") and not isinstance(v, str)


def table(rows: list[list[Any]], header: list[str], *, digits: dict[int, int] | None = None) -> str:
    """Aligned text table: numbers right-aligned with separators, text left-aligned.

    ``digits`` fixes the decimals of some columns (by index).
    """
    digits = digits or {}
    cells = [header, *[[_cell(v, digits.get(i)) for i, v in enumerate(r)] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    numeric = [
        bool(rows) and all(_is_num(r[i]) or r[i] is None for r in rows) for i in range(len(header))
    ]
    lines = []
    for j, row in enumerate(cells):
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(v: Any, digits: int | None) -> str:
    if _is_num(v):
        return number(v, digits)
    if isinstance(v, float) and math.isnan(v):
        return ""
    return "" if v is None else str(v)


def frame_table(
    frame: Any, columns: dict[str, str], *, digits: dict[str, int] | None = None
) -> str:
    """A table of some columns of a DataFrame, renamed (``{column: header}``)."""
    import pandas as pd

    digits = digits or {}
    cols = [c for c in columns if c in frame.columns]
    rows = [
        [None if (not isinstance(v, str) and pd.isna(v)) else v for v in rec]
        for rec in frame[cols].itertuples(index=False, name=None)
    ]
    return table(
        rows,
        [columns[c] for c in cols],
        digits={i: digits[c] for i, c in enumerate(cols) if c in digits},
    )
