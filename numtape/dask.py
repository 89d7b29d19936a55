"""Parameter sweeps on Dask: many value-and-gradient evaluations of one compiled tape.

``map_value_and_grad(g, xs)`` evaluates ``g.value_and_grad`` at every row of ``xs``
(a NumPy or Dask array, examples on the leading axis) on Dask's workers:

1. the client traces ``g`` once, at ``xs[0]``, and freezes the trace into a
   :class:`~numtape.CompiledTape` (plain arrays: it pickles);
2. the tape goes to each worker once (``client.scatter(..., broadcast=True)``; with no
   distributed client, Dask's local scheduler shares it in memory), and each chunk of
   rows becomes one task replaying it with the compiled batch kernel (on one thread:
   the workers are the parallelism, and threads in each would oversubscribe the cores); a worker loads
   (or compiles) numtape's kernels once, on its first task, from the kernels shipped
   with the package or its Numba cache;
3. a row that takes another branch than the trace (a guard fails) is recomputed on the
   client by ``g.value_and_grad``, which traces that branch, so the results are exactly
   those of a local loop.

Requires the optional extra ``pip install "numtape[dask]"``; ``import numtape`` does not
import Dask.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .function import Function
from .function.replay import CompiledTape


def _chunk_value_and_grad(tape: CompiledTape, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, gradients, status) of one chunk of rows; status -1 where the trace held."""
    chunk = np.asarray(chunk)
    if len(chunk) == 0:
        return np.zeros(0), np.zeros(chunk.shape), np.zeros(0, np.int64)
    return tape.batch_value_and_gradient([chunk], 0, parallel=False)  # the workers are the parallelism


def worker_compiles() -> dict:
    """This process's kernel compilations (or cache loads), by kernel and argument types."""
    from ._kernels import cache

    return dict(cache.COMPILES)


def map_value_and_grad(g: Any, xs: Any, client: Any = None, chunk_size: Optional[int] = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """``(values, gradients)`` of ``g`` at every row of ``xs``, computed on Dask workers.

    ``g`` is an ``nt.function`` of one array argument with a scalar output; ``xs`` a
    NumPy array or a Dask array whose leading axis indexes the examples (a Dask array
    keeps its chunks; a NumPy array is cut into ``chunk_size`` rows, by default about
    two chunks per worker). ``client``: a ``distributed.Client``, the current one if
    None, or Dask's local scheduler if there is none. Results equal a local loop of
    ``g.value_and_grad(x)`` over the rows.
    """
    import dask
    import dask.array as da

    if not isinstance(g, Function):
        raise TypeError(f"numtape.dask.map_value_and_grad: g must be an nt.function, got {type(g).__name__}")
    client = _client(client)
    lazy = isinstance(xs, da.Array)
    n = xs.shape[0]
    if n == 0:
        raise ValueError("numtape.dask.map_value_and_grad: xs has no rows")
    first = np.asarray(xs[0].compute() if lazy else xs[0])
    if first.dtype.kind != "f":
        raise TypeError(f"numtape.dask.map_value_and_grad: xs must hold floats, got {first.dtype}")
    tape = g.get_compiled(first)
    if tape.custom or len(tape.inputs) != 1 or not isinstance(tape.outputs[0], tuple) or tape.outputs[0][1]:
        raise TypeError("numtape.dask.map_value_and_grad needs an nt.function of one array argument with a scalar "
                        "Tensor output and no custom gradients")
    if lazy:
        blocks = list(xs.rechunk({i: -1 for i in range(1, xs.ndim)}).to_delayed().ravel())
    else:
        xs = np.asarray(xs)
        size = chunk_size or max(1, -(-n // (2 * _n_workers(client))))
        blocks = [xs[i : i + size] for i in range(0, n, size)]
    if client is not None:
        if lazy:  # the blocks as futures, computed where Dask puts them; submit resolves futures
            blocks = client.compute(blocks)
        shared = client.scatter(tape, broadcast=True, hash=False)  # hash=True keys equal tapes alike: a
        # previous call releasing its future would then delete this one's data ("lost dependencies")
        futures = [client.submit(_chunk_value_and_grad, shared, block, pure=False) for block in blocks]
        parts = client.gather(futures)
    else:
        shared = dask.delayed(tape)
        parts = dask.compute(*[dask.delayed(_chunk_value_and_grad)(shared, block) for block in blocks])
    values = np.concatenate([p[0] for p in parts])
    grads = np.concatenate([p[1] for p in parts])
    status = np.concatenate([p[2] for p in parts])
    for i in np.flatnonzero(status != -1):  # another branch: the client traces it
        x = np.asarray(xs[i].compute() if lazy else xs[i])
        values[i], grads[i] = g.value_and_grad(x)
    return values, grads


def _client(client: Any) -> Any:
    if client is not None:
        return client
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:  # no client: Dask's local scheduler
        return None


def _n_workers(client: Any) -> int:
    if client is None:
        return 1
    return max(1, len(client.scheduler_info().get("workers", {})))
