"""Order statistics with NumPy's signatures: ``quantile percentile median`` (``method="linear"``).

The reduced axes are moved to the end and flattened into one of length n. Every
element's rank in its slice is counted with recorded comparisons,
``rank_i = #{j: x_j < x_i} + #{j < i: x_j == x_i}`` (ties broken by position, so the
ranks are 0..n-1 exactly once), and the order statistic of rank k is
``sum_i where(rank_i == k, x_i, 0)``. No data-dependent gather is recorded, so a
compiled replay at new inputs ranks them again; the price is n*n comparisons per
slice. ``quantile(q)`` with the linear method is
``(1 - f) * x_(lo) + f * x_(lo+1)`` for ``q * (n - 1) = lo + f``; its gradient goes to
those two elements (weights 1 - f and f), the ones NumPy's value is computed from.
A slice holding a NaN gives NaN, as NumPy.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import equal, float_operand, less, multiply, not_equal
from .numpy_reductions import refuse_numpy_options
from .primitives import where
from .reduce import Axis, _axes, reduce_max, reduce_sum
from .registry import Case, composite
from .shape import reshape, stack, transpose


def _size(shape: Any) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def _slices(t: Tensor, axes: tuple[int, ...]) -> tuple[Tensor, tuple[int, ...]]:
    """``t`` as (..kept.., n) with the reduced axes last, flattened, and the kept shape."""
    kept = [i for i in range(t.ndim) if i not in axes]
    moved = transpose(t, kept + list(axes))
    kept_shape = tuple(t.shape[i] for i in kept)
    return reshape(moved, kept_shape + (_size(t.shape[i] for i in axes),)), kept_shape


def _ranks(x: Tensor) -> Tensor:
    """The rank of each element of the last axis (0..n-1, ties broken by position), as floats."""
    n = x.shape[-1]
    mine = reshape(x, x.shape + (1,))  # [..., i, 1]
    others = reshape(x, x.shape[:-1] + (1, n))  # [..., 1, j]
    earlier = np.tril(np.ones((n, n), x.dtype), -1)  # j < i
    below = less(others, mine) + multiply(equal(others, mine), earlier)
    return reduce_sum(below, axis=-1)


def _order_statistic(x: Tensor, ranks: Tensor, k: int) -> Tensor:
    return reduce_sum(where(equal(ranks, float(k)), x, 0.0), axis=-1)


def _linear(x: Tensor, ranks: Tensor, q: float) -> Tensor:
    n = x.shape[-1]
    position = q * (n - 1)
    lo = min(int(math.floor(position)), n - 1)
    fraction = position - lo
    low = _order_statistic(x, ranks, lo)
    if fraction == 0.0:
        return low
    high = _order_statistic(x, ranks, lo + 1)
    if fraction >= 0.5:  # NumPy's lerp: from the upper end for the upper half (exact at f = 1)
        return high - (high - low) * (1.0 - fraction)
    return low + (high - low) * fraction


def _quantile(op: str, a: TensorLike, q: Any, axis: Axis, out: Any, overwrite_input: bool, method: str,
              keepdims: bool, scale: float) -> Tensor:
    t = float_operand(a, op)
    refuse_numpy_options(op, t, out=out)
    if method != "linear":
        raise op_value_error(op, f"only method='linear' is supported on Tensors, got {method!r}", t)
    if isinstance(q, Tensor):
        q = q.numpy()
    qs = np.asarray(q, np.float64) / scale
    if qs.ndim > 1 or not np.all((qs >= 0.0) & (qs <= 1.0)):
        raise op_value_error(op, f"q must be a scalar or 1-d, within [0, {scale:g}], got {q!r}", t)
    axes = _axes(axis, t.ndim, op)
    x, kept_shape = _slices(t, axes)
    if x.shape[-1] == 0:
        raise op_value_error(op, f"cannot take a quantile over an empty axis of a tensor of shape {t.shape}", t)
    ranks = _ranks(x)
    has_nan = reduce_max(not_equal(x, x), axis=-1)
    shape = tuple(1 if i in axes else d for i, d in enumerate(t.shape)) if keepdims else kept_shape
    results = [reshape(where(has_nan, np.nan, _linear(x, ranks, float(v))), shape) for v in qs.reshape(-1)]
    return results[0] if qs.ndim == 0 else stack(results, 0)


_CONVENTION = ("linear method: the gradient goes to the two order statistics the value interpolates, weights "
               "1 - f and f; tied elements are ranked by position (the earlier one is the lower statistic)")
_CASES = (Case(((5,),)), Case(((3, 4),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(0, 2), keepdims=True)),
          Case(((6,),)), Case(((4, 3),), dict(axis=0, keepdims=True)))


@composite(numpy=(np.quantile,), convention=_CONVENTION,
           cases=(Case(((5,),), dict(q=0.3)), Case(((3, 4),), dict(q=[0.0, 0.25, 0.9, 1.0], axis=1)),
                  Case(((2, 3, 4),), dict(q=0.6, axis=(0, 2), keepdims=True)), Case(((7,),), dict(q=0.5))))
def quantile(a: TensorLike, q: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False) -> Tensor:
    """The q-th quantile(s) over ``axis``, NumPy's ``quantile`` with the linear method."""
    return _quantile("quantile", a, q, axis, out, overwrite_input, method, keepdims, 1.0)


@composite(numpy=(np.percentile,), convention=_CONVENTION,
           cases=(Case(((5,),), dict(q=30.0)), Case(((3, 4),), dict(q=[10.0, 50.0, 100.0], axis=0))))
def percentile(a: TensorLike, q: Any, axis: Axis = None, out: None = None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False) -> Tensor:
    """The q-th percentile(s) over ``axis``, NumPy's ``percentile`` with the linear method."""
    return _quantile("percentile", a, q, axis, out, overwrite_input, method, keepdims, 100.0)


@composite(numpy=(np.median,), convention=_CONVENTION, cases=_CASES)
def median(a: TensorLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Tensor:
    """Median over ``axis``, NumPy's ``median`` (the mean of the two middle elements for even n)."""
    return _quantile("median", a, 0.5, axis, out, overwrite_input, "linear", keepdims, 1.0)
