"""Means and moments along axes: ``mean average nanmean var std`` (NumPy's names, ``ddof``,
``weights``), as composite rows.

``mean`` is ``reduce_sum`` divided by the count; ``average`` with weights is
``sum(w * x) / sum(w)`` with the weights broadcast along ``axis`` as NumPy does, so
it is differentiable in the weights too; ``nanmean`` sums with NaNs replaced by 0
(a recorded mask) and divides by the count of the others.

``var`` is the mean of squared deviations from the mean, divided by ``n - ddof``;
the mean is subtracted before squaring (two passes, as NumPy), so a large common
offset does not cancel the variance away. ``std`` is its square root, whose
derivative is infinite where the variance is 0 (a constant slice): that NaN/inf is
the math, as in NumPy-based autodiff tools; TensorFlow's ``reduce_std`` gives the same.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike, constant
from .elementwise import float_operand, sqrt, square
from .numpy_reductions import CASES as _REDUCTION_CASES
from .numpy_reductions import refuse_numpy_options, with_nans, without_nans
from .reduce import Axis, _axes, reduce_mean, reduce_sum
from .registry import Case, composite
from .shape import broadcast_to, reshape
from .tf_signature import SAMPLE_MATRIX, tf_signature

_CASES = (Case(((5,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(0, 2), keepdims=True)),
          Case(((3, 4),), dict(axis=0, ddof=1)))


def _moment_axes(t: Tensor, axis: Axis, ddof: int, op: str) -> tuple[tuple[int, ...], int]:
    axes = _axes(axis, t.ndim, op)
    n = 1
    for a in axes:
        n *= t.shape[a]
    if not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise op_value_error(op, f"ddof must be a non-negative integer, got {ddof!r}", t)
    return axes, n


@composite(numpy=(np.var,), cases=_CASES,
           convention="divides by n - ddof; n <= ddof gives inf or NaN, as NumPy (with a RuntimeWarning "
                      "suppressed)")
@tf_signature("reduce_variance(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("math",), alias=True,
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=1, keepdims=True),
              reference=lambda input_tensor, axis, keepdims: np.var(input_tensor, axis, keepdims=keepdims))
def var(x: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, ddof: int = 0,
        keepdims: bool = False) -> Tensor:
    """Variance along ``axis`` (all axes by default), ``sum((x - mean)**2) / (n - ddof)``."""
    t = float_operand(x, "var")
    if dtype is not None or out is not None:
        raise op_value_error("var", "dtype and out are not supported on Tensors", t)
    axes, n = _moment_axes(t, axis, ddof, "var")
    deviations = t - reduce_mean(t, axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.array(1.0 / (n - ddof) if n > ddof else np.inf, t.dtype)
    return reduce_sum(square(deviations), axes, keepdims=bool(keepdims)) * scale


@composite(numpy=(np.std,), cases=_CASES,
           convention="sqrt of var; where the variance is 0 over several elements the derivative is inf/NaN "
                      "(a kink); over one element std is identically 0, with derivative 0")
@tf_signature("reduce_std(input_tensor, axis=None, keepdims=False, name=None)", namespaces=("math",), alias=True,
              rename={"input_tensor": "x"}, example=dict(input_tensor=SAMPLE_MATRIX, axis=0),
              reference=lambda input_tensor, axis: np.std(input_tensor, axis))
def std(x: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, ddof: int = 0,
        keepdims: bool = False) -> Tensor:
    """Standard deviation along ``axis``: ``sqrt(var(x, axis, ddof=ddof))``."""
    t = float_operand(x, "std")
    axes, n = _moment_axes(t, axis, ddof, "std")
    if n == 1 and ddof == 0:  # one element per slice: std is identically 0, and so is its derivative
        return var(t, axis, dtype, out, ddof, keepdims)  # (0, with the zero gradient of x - mean(x))
    return sqrt(var(t, axis, dtype, out, ddof, keepdims))


@composite("mean", numpy=(np.mean,), cases=_REDUCTION_CASES, convention="smooth (linear); an empty slice is NaN")
def mean(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, keepdims: bool = False,
         where: Any = None) -> Tensor:
    """Arithmetic mean over ``axis`` (all axes by default), NumPy's ``mean``."""
    t = float_operand(a, "mean")
    refuse_numpy_options("mean", t, dtype=dtype, out=out, where=where)
    axes, n = _moment_axes(t, axis, 0, "mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.array(1.0 / n if n else np.nan, t.dtype)
    return reduce_sum(t, axes, keepdims=bool(keepdims)) * scale


def _average_weights(t: Tensor, w: Tensor, axis: Axis) -> Tensor:
    """The weights in ``t``'s shape (NumPy's rule: equal shapes, or 1-d along an int ``axis``)."""
    if w.shape == t.shape:
        return w
    if axis is None:
        raise op_value_error("average", f"axis must be given when the shapes of a {t.shape} and weights "
                                        f"{w.shape} differ", t, w)
    if not isinstance(axis, (int, np.integer)) or w.ndim != 1:
        raise op_value_error("average", f"weights of shape {w.shape} must be 1-d along one int axis "
                                        f"(got axis={axis!r}) for a of shape {t.shape}", t, w)
    k = _axes(axis, t.ndim, "average")[0]
    if w.shape[0] != t.shape[k]:
        raise op_value_error("average", f"weights of length {w.shape[0]} differ from axis {k} of a {t.shape}", t, w)
    return broadcast_to(reshape(w, (1,) * k + w.shape + (1,) * (t.ndim - k - 1)), t.shape)


@composite("average", numpy=(np.average,),
           cases=(Case(((5,),)), Case(((2, 3),), dict(axis=1)), Case(((3, 4),), dict(axis=0, returned=True)),
                  Case(((2, 3, 4),), dict(axis=(0, 2), keepdims=True))),
           convention="sum(w x) / sum(w), differentiable in a and in the weights; sum(w) = 0 gives inf/NaN")
def average(a: TensorLike, axis: Axis = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """Weighted average over ``axis``, NumPy's ``average``; ``returned=True`` adds the sum of the weights."""
    t = float_operand(a, "average")
    if weights is None:
        axes, n = _moment_axes(t, axis, 0, "average")
        result = mean(t, axes, keepdims=keepdims)
        total = np.full(result.shape, float(n), result.dtype)
        return (result, constant(total)) if returned else result
    w = _average_weights(t, float_operand(weights, "average"), axis)
    axes = _axes(axis, t.ndim, "average")
    total = reduce_sum(w, axes, keepdims=bool(keepdims))
    result = reduce_sum(t * w, axes, keepdims=bool(keepdims)) / total
    return (result, total) if returned else result


@composite("nanmean", numpy=(np.nanmean,),
           cases=tuple(Case(c.shapes, c.kwargs, sample=with_nans) for c in _REDUCTION_CASES),
           convention="NaNs are left out of the sum and the count; they get a zero gradient; an all-NaN slice is NaN "
                      "with a RuntimeWarning, as NumPy")
def nanmean(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, keepdims: bool = False,
            where: Any = None) -> Tensor:
    """Mean over ``axis`` ignoring NaNs, NumPy's ``nanmean``."""
    t = float_operand(a, "nanmean")
    refuse_numpy_options("nanmean", t, dtype=dtype, out=out, where=where)
    axes = _axes(axis, t.ndim, "nanmean")
    clean, nan = without_nans(t)
    count = reduce_sum(1.0 - nan, axes, keepdims=bool(keepdims))
    if np.any(np.asarray(count._v) == 0):  # NumPy's warning (eager; a replay gives the NaN silently)
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)
    return reduce_sum(clean, axes, keepdims=bool(keepdims)) / count
