"""Type stubs of the compiled shortest-path kernels (see ``_kernels.pyx``)."""

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.float64]
_I = npt.NDArray[np.int32]
_L = npt.NDArray[np.int64]
_A = npt.ArrayLike

def sssp(indptr: _A, indices: _A, weights: _A, source: int, target: int = -1) -> tuple[_F, _I]: ...
def reverse_sssp(
    rev_indptr: _A, rev_edges: _A, tail: _A, weights: _A, target: int
) -> tuple[_F, _I]: ...

class Workspace:
    n: int
    def __init__(self, n: int) -> None: ...

def bidirectional(
    indptr: _A,
    indices: _A,
    rev_indptr: _A,
    rev_edges: _A,
    tail: _A,
    weights: _A,
    s: int,
    t: int,
    workspace: Workspace | None = None,
) -> tuple[float, _I]: ...
def k_shortest(
    indptr: _A,
    indices: _A,
    rev_indptr: _A,
    rev_edges: _A,
    tail: _A,
    weights: _A,
    s: int,
    t: int,
    k: int,
) -> list[tuple[float, _I]]: ...
def skim(
    indptr: _A, indices: _A, tail: _A, weights: _A, sources: _A, targets: _A, components: _A
) -> npt.NDArray[np.float64]: ...
def earliest_arrival(
    indptr: _A,
    indices: _A,
    static_h: _A,
    run: _A,
    board_offset_h: _A,
    dep_ptr: _A,
    dep_h: _A,
    expected_wait_h: _A,
    source: int,
    t0_h: float,
    target: int,
) -> tuple[_F, _I]: ...
def pareto(
    indptr: _A,
    indices: _A,
    tail: _A,
    w0: _A,
    w1: _A,
    w2: _A,
    s: int,
    t: int,
    max_labels: int = ...,
) -> tuple[_F, list[_I], bool]: ...
