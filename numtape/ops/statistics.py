"""Moments along axes: ``var`` and ``std`` (NumPy's names and ``ddof``), as composite rows.

``var`` is the mean of squared deviations from the mean, divided by ``n - ddof``;
the mean is subtracted before squaring (two passes, as NumPy), so a large common
offset does not cancel the variance away. ``std`` is its square root, whose
derivative is infinite where the variance is 0 (a constant slice): that NaN/inf is
the math, as in NumPy-based autodiff tools; TensorFlow's ``reduce_std`` gives the same.
"""
from __future__ import annotations

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, sqrt, square
from .reduce import Axis, _axes, reduce_mean, reduce_sum
from .registry import Case, composite

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


@composite(numpy=(np.var,), aliases=("math.reduce_variance",), cases=_CASES,
           convention="divides by n - ddof; n <= ddof gives inf or NaN, as NumPy (with a RuntimeWarning "
                      "suppressed)")
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


@composite(numpy=(np.std,), aliases=("math.reduce_std",), cases=_CASES,
           convention="sqrt of var; where the variance is 0 the derivative is inf/NaN (the math)")
def std(x: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, ddof: int = 0,
        keepdims: bool = False) -> Tensor:
    """Standard deviation along ``axis``: ``sqrt(var(x, axis, ddof=ddof))``."""
    return sqrt(var(x, axis, dtype, out, ddof, keepdims))
