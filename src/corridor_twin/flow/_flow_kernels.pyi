"""Type stubs of the compiled max-flow kernel (see ``_flow_kernels.pyx``)."""

import numpy as np
import numpy.typing as npt

_A = npt.ArrayLike

def dinic(
    n: int,
    tails: _A,
    heads: _A,
    capacity: _A,
    source: int,
    sink: int,
    tol: float = ...,
) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...
def push_relabel(
    n: int,
    tails: _A,
    heads: _A,
    capacity: _A,
    source: int,
    sink: int,
    tol: float = ...,
) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...
def cancel_cycles(
    n: int, tails: _A, heads: _A, flow: _A, tol: float = ...
) -> npt.NDArray[np.float64]: ...
