"""matplotlib for the chart writers, without a display, or a one-line install hint.

Examples
--------
>>> plt = pyplot()
>>> plt.get_backend().lower()
'agg'
"""

from __future__ import annotations

import types

from corridor_twin.errors import OptionError

__all__ = ["pyplot"]


def pyplot() -> types.ModuleType:
    """``matplotlib.pyplot`` on the non-interactive Agg backend.

    Raises
    ------
    OptionError
        If matplotlib is not installed (the ``[plot]`` extra).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise OptionError("charts need matplotlib: pip install 'corridor-twin[plot]'") from None
    return plt
