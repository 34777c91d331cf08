"""Type stubs of the compiled user-equilibrium kernels (see ``_ue_kernels.pyx``)."""

from typing import Any

import numpy as np
import numpy.typing as npt

_A = npt.ArrayLike
_F = npt.NDArray[np.float64]

class _Arrays:
    def __init__(
        self,
        indptr: _A,
        head: _A,
        tail: _A,
        through: _A,
        fft: _A,
        cap: _A,
        b: _A,
        power: _A,
        fixed: _A,
    ) -> None: ...

def all_or_nothing(
    arr: _Arrays,
    cost: _A,
    origin: _A,
    od_indptr: _A,
    od_dest: _A,
    od_demand: _A,
    want_load: bool = ...,
    want_od_cost: bool = ...,
) -> tuple[_F | None, float, _F | None]: ...
def link_costs(arr: _Arrays, volume: _A) -> _F: ...
def link_derivatives(arr: _Arrays, volume: _A) -> _F: ...
def gradient_projection(
    arr: _Arrays,
    origin: _A,
    od_indptr: _A,
    od_dest: _A,
    od_demand: _A,
    target_gap: float,
    max_iterations: int,
    time_limit_s: float,
    inner_passes: int = ...,
    keep_paths: bool = ...,
    origin_passes: int = ...,
    estimate_factor: float = ...,
    global_rounds: int = ...,
) -> tuple[_F, _F, _F, npt.NDArray[np.int64], Any]: ...
def set_potentials(arr: _Arrays, potentials: _A | None, group_row: _A | None) -> None: ...
def distances(arr: _Arrays, cost: _A, source: int) -> _F: ...
