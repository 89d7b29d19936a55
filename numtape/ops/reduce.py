"""Reductions over axes: sum, mean, prod, max, min, logsumexp and the Euclidean norm.

A reduction over a set of axes is split into runs of adjacent axes; each run is one
``reduce_sum_3`` (the tensor seen as (outer, mid, inner), summed over mid). Max and
min first move the reduced axes together (a transpose) so that ties are shared
equally among all tied elements, as TensorFlow does. ``reduce_prod`` is a tree of
multiplications, so its derivatives are exact even where elements are zero.
``reduce_logsumexp`` subtracts the (constant) maximum first, so it never overflows.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .._state import state
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .elementwise import exp, float_operand, log, multiply, sqrt
from .primitives import reduce_extreme, reduce_sum_3, where, window
from .shape import normalize_axes, reshape, transpose
from .tf_signature import SAMPLE_MATRIX, tf_signature

Axis = Optional[Union[int, Sequence[int]]]


def _size(shape: Sequence[int]) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def _axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    items = list(axis) if isinstance(axis, (list, tuple, np.ndarray)) else [axis]
    if ndim == 0:
        if any(a not in (0, -1) for a in items):
            raise op_type_error(op, f"axis {axis} is invalid for a 0-d tensor")
        return ()
    return tuple(sorted(normalize_axes(items, ndim, op)))


def _out_shape(shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _runs(axes: tuple[int, ...]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for a in axes:
        if runs and runs[-1][1] == a:
            runs[-1] = (runs[-1][0], a + 1)
        else:
            runs.append((a, a + 1))
    return runs


@tf_signature("reduce_sum(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("", "math"),
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.sum(input_tensor, axis, keepdims=keepdims))
def reduce_sum(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (all axes when None)."""
    t = float_operand(x, "reduce_sum")
    if axis is None and not keepdims:  # the common case, without the axis bookkeeping
        v = t._v
        if type(v) is float or v.ndim == 0:
            return t
        return reduce_sum_3(t, 1, v.size, 1, ())
    axes = _axes(axis, t.ndim, "reduce_sum")
    final = _out_shape(t.shape, axes, keepdims)
    if not axes:
        return t
    shape = t.shape
    result = t
    runs = _runs(axes)
    for k, (a, b) in enumerate(reversed(runs)):
        new_shape = shape[:a] + shape[b:]
        last = k == len(runs) - 1
        result = reduce_sum_3(result, _size(shape[:a]), _size(shape[a:b]), _size(shape[b:]),
                              final if last else new_shape)
        shape = new_shape
    return result


@tf_signature("reduce_mean(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("", "math"),
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.mean(input_tensor, axis, keepdims=keepdims))
def reduce_mean(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes when None)."""
    t = float_operand(x, "reduce_mean")
    axes = _axes(axis, t.ndim, "reduce_mean")
    count = _size(t.shape[a] for a in axes)
    return reduce_sum(t, axes, keepdims) / float(count)


def _grouped(t: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, int, int, int]:
    """``t`` with the reduced axes adjacent, and its (outer, mid, inner) view."""
    shape = t.shape
    a, b = axes[0], axes[-1] + 1
    if b - a == len(axes):  # already adjacent
        return t, _size(shape[:a]), _size(shape[a:b]), _size(shape[b:])
    kept = [i for i in range(t.ndim) if i not in axes]
    moved = transpose(t, kept + list(axes))
    return moved, _size(shape[i] for i in kept), _size(shape[i] for i in axes), 1


def _extreme(x: TensorLike, axis: Axis, keepdims: bool, is_max: bool, op: str) -> Tensor:
    t = float_operand(x, op)
    axes = _axes(axis, t.ndim, op)
    if not axes:
        return t
    if any(t.shape[a] == 0 for a in axes):
        raise op_value_error(op, f"cannot reduce an empty axis of a tensor of shape {t.shape}")
    grouped, outer, mid, inner = _grouped(t, axes)
    return reduce_extreme(grouped, outer, mid, inner, _out_shape(t.shape, axes, keepdims), is_max)


@tf_signature("reduce_max(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("", "math"),
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.max(input_tensor, axis, keepdims=keepdims))
def reduce_max(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``; NaN propagates; tied maxima share the gradient equally."""
    return _extreme(x, axis, keepdims, True, "reduce_max")


@tf_signature("reduce_min(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("", "math"),
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.min(input_tensor, axis, keepdims=keepdims))
def reduce_min(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``; NaN propagates; tied minima share the gradient equally."""
    return _extreme(x, axis, keepdims, False, "reduce_min")


@tf_signature("reduce_prod(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("", "math"),
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.prod(input_tensor, axis, keepdims=keepdims))
def reduce_prod(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Product over ``axis``, as a tree of multiplications (exact derivatives at zeros)."""
    t = float_operand(x, "reduce_prod")
    axes = _axes(axis, t.ndim, "reduce_prod")
    final = _out_shape(t.shape, axes, keepdims)
    if not axes:
        return t
    grouped, outer, mid, inner = _grouped(t, axes)
    if mid == 0:
        from .creation import ones

        return ones(final, dtype=t.dtype)
    current = reshape(grouped, (outer, mid, inner))
    leftovers = []
    while mid > 1:
        half = mid // 2
        row = mid * inner
        first = window(current, outer, row, 0, half * inner, (outer, half, inner))
        second = window(current, outer, row, half * inner, half * inner, (outer, half, inner))
        if mid % 2:
            leftovers.append(window(current, outer, row, (mid - 1) * inner, inner, (outer, 1, inner)))
        current = multiply(first, second)
        mid = half
    for leftover in leftovers:
        current = multiply(current, leftover)
    return reshape(current, final)


@tf_signature("reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("", "math"),
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.log(np.sum(np.exp(input_tensor), axis, keepdims=keepdims)))
def reduce_logsumexp(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis``, computed stably (the maximum is subtracted first)."""
    t = float_operand(x, "reduce_logsumexp")
    axes = _axes(axis, t.ndim, "reduce_logsumexp")
    if not axes:
        return t
    shift = max_shift(t, axes)
    total = reduce_sum(exp(t - shift), axes, keepdims)
    return log(total) + (shift if keepdims else reshape(shift, total.shape))


def max_shift(t: Tensor, axes: Any) -> Tensor:
    """The maximum over ``axes`` (kept), or 0 where it is not finite: a constant shift.

    No gradient flows through it, at any order, so to a tape it is a constant and an
    eager recording computes it in NumPy (four entries fewer). Inside an nt.function
    trace it is recorded (through stop_gradient) so that a replay recomputes it from
    its own inputs.
    """
    from .elementwise import isfinite, stop_gradient_op

    if t.size == 0 or any(t.shape[a] == 0 for a in axes):
        return wrap(np.zeros(_out_shape(t.shape, axes, True), t.dtype))
    if state.trace is None:
        v = np.asarray(t._v)
        top = np.max(v, axis=axes, keepdims=True)
        return wrap(np.where(np.isfinite(top), top, 0.0).astype(v.dtype))
    top = stop_gradient_op(reduce_max(t, axes, keepdims=True))
    return where(isfinite(top), top, 0.0)


def euclidean_norm(x: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Euclidean norm over ``axis`` (all axes when None).

    Its gradient x/norm(x) is replaced by 0 where the norm is 0 (a subgradient).
    """
    from .elementwise import greater

    t = float_operand(x, "norm")
    axes = _axes(axis, t.ndim, "norm")  # checked before t * t is recorded
    squares = reduce_sum(t * t, axes if axis is not None else None, keepdims)
    positive = greater(squares, 0.0)
    safe = where(positive, squares, 1.0)  # keeps sqrt's derivative finite where it is not selected
    return where(positive, sqrt(safe), 0.0)


#: ``nt.norm``: the Euclidean norm, also under TensorFlow's ``norm(tensor, ord, axis, keepdims)``.
norm = tf_signature("norm(tensor, ord='euclidean', axis=None, keepdims=None, name=None)", rename={"tensor": "x"},
              example=dict(tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda tensor, axis, keepdims: np.linalg.norm(tensor, axis=axis, keepdims=keepdims))(euclidean_norm)
