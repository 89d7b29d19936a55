"""Jacobians for ``GradientTape.jacobian`` and ``batch_jacobian``: one seeded sweep per row.

TensorFlow computes a Jacobian as a loop over the target's elements (``pfor`` or a
while loop), each iteration a ``gradient`` call; its answers, which these functions
reproduce:

* ``jacobian``: one result per source, ``target.shape + source.shape``, or None for
  a source the target does not reach (zeros with ``unconnected_gradients="zero"``).
  A zero-size target still gives ``target.shape + source.shape`` (empty) for a source
  it reaches: reachability is decided from the tape, not from the (absent) rows.
* ``batch_jacobian``: ``target.shape + source.shape[1:]``; a source the target does
  not reach gives zeros in the *target's* dtype whatever ``unconnected_gradients``
  says (TensorFlow keeps that for compatibility), and a reached one the gradients in
  the source's dtype.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._kernels import sweep as K
from ..tape.recorder import Tape
from ..tensor import Tensor, wrap
from . import compute_gradients
from .rules import Source


def connected(tape: Tape, target: Tensor, sources: Sequence[Source]) -> list[bool]:
    """For each source, whether ``target`` depends on it along differentiable edges."""
    slot = tape.slot_of(target)
    if slot < 0:
        return [False] * len(sources)
    K.ensure_compiled()
    code, arg0, arg1, _, aux, _, iarena = tape.buffers.views()
    source_slots = np.array([s for slots, _, _ in sources for s in slots], np.int64)
    live, _ = K.mark_live(code, arg0, arg1, aux, iarena, np.array([slot], np.int64), source_slots)
    return [any(bool(live[s]) for s in slots) for slots, _, _ in sources]


def _one_hot(shape: tuple[int, ...], dtype: np.dtype, positions: Sequence[int]) -> Any:
    seed = np.zeros(int(np.prod(shape)), dtype)
    seed[list(positions)] = 1
    return seed.reshape(shape) if shape else dtype.type(seed[0])


def _rows(tape: Tape, target: Tensor, sources: Sequence[Source], recorded: bool, n_rows: int,
          seed_for: Callable[[int], Any]) -> list[list[Any]]:
    """For each row, the gradients of the seeded target with respect to every source."""
    slot = tape.slot_of(target)
    if slot < 0:
        return [[None] * len(sources) for _ in range(n_rows)]
    rows = []
    for i in range(n_rows):
        seed = seed_for(i)
        rows.append(compute_gradients(tape, [(slot, wrap(seed) if recorded else seed)], sources, recorded))
    return rows


def _stacked(column: list[Any], zero: np.ndarray, dtype: np.dtype, axis: int, shape: tuple[int, ...],
             recorded: bool) -> Tensor:
    """The rows' gradients (None for zeros) stacked along ``axis`` and reshaped to ``shape``."""
    if recorded:
        from ..ops.shape import reshape, stack

        return reshape(stack([c if c is not None else wrap(zero) for c in column], axis=axis), shape)
    stacked = np.stack([np.asarray(c, dtype) if c is not None else zero for c in column], axis=axis)
    return wrap(stacked.reshape(shape))


def jacobian(tape: Tape, target: Tensor, sources: Sequence[Source], recorded: bool,
             zero_unconnected: bool) -> list[Optional[Tensor]]:
    """The full Jacobian of ``target`` with respect to each source (None when unconnected)."""
    tshape = target.shape
    if target.size == 0:
        links = connected(tape, target, sources)
        return [wrap(np.zeros(tshape + shape, dtype)) if linked or zero_unconnected else None
                for linked, (_, dtype, shape) in zip(links, sources)]
    rows = _rows(tape, target, sources, recorded, target.size, lambda i: _one_hot(tshape, target.dtype, [i]))
    results: list[Optional[Tensor]] = []
    for k, (_, dtype, shape) in enumerate(sources):
        column = [row[k] for row in rows]
        if all(c is None for c in column):
            results.append(wrap(np.zeros(tshape + shape, dtype)) if zero_unconnected else None)
        else:
            results.append(_stacked(column, np.zeros(shape, dtype), dtype, 0, tshape + shape, recorded))
    return results


def batch_jacobian(tape: Tape, target: Tensor, source: Source, recorded: bool) -> Tensor:
    """Per-example Jacobians ``d target[b] / d source[b]``: ``target.shape + source.shape[1:]``."""
    _, dtype, shape = source
    tshape = target.shape
    out_shape = tshape + shape[1:]
    batch = tshape[0]
    inner = target.size // batch if batch else 0
    if inner == 0:  # no rows to seed (a zero-size target): the answer is empty, in the dtype TF gives
        linked = connected(tape, target, [source])[0]
        return wrap(np.zeros(out_shape, dtype if linked else target.dtype))
    rows = _rows(tape, target, [source], recorded, inner,
                 lambda j: _one_hot(tshape, target.dtype, [b * inner + j for b in range(batch)]))
    column = [row[0] for row in rows]
    if all(c is None for c in column):
        return wrap(np.zeros(out_shape, target.dtype))
    return _stacked(column, np.zeros(shape, dtype), dtype, 1, out_shape, recorded)
