"""NumPy's NaN-ignoring reductions: ``nanmax nanmin nanprod nanvar nanstd nanmedian`` (differentiable)
and ``nanargmax nanargmin`` (data), with NumPy's signatures, values and warnings.

Every row starts from the recorded NaN mask ``x != x`` (``without_nans``), so a compiled
replay at new inputs finds the NaNs again and nothing data-dependent is frozen into the
tape. The NaNs are replaced by the reduction's neutral element with a recorded ``where``
(-inf for ``nanmax``, +inf for ``nanmin``, 1 for ``nanprod``, 0 for the sums of
``nanvar``), so they take no part in the value and get a zero gradient. ``nanmax``/
``nanmin`` are ``reduce_max``/``reduce_min`` of the replaced tensor (tied extremes
share the gradient, g/k each); an all-NaN slice is set to NaN by a ``where`` on
``reduce_min(mask)``. ``nanvar`` is NumPy's two-pass formula on the counts of non-NaN
elements: ``sum(where(nan, 0, x - mean)**2) / (count - ddof)``; a slice with
``count <= ddof`` is NaN, NumPy replacing its ``ss / dof`` explicitly (also in an array
without NaNs, unlike ``np.var``'s inf): a constant, derivative 0.
``nanstd`` is its square root; a slice with exactly one element (ddof 0) has std 0
identically, and derivative 0 (not sqrt's inf times 0). ``nanmedian`` ranks the
elements of each slice with recorded comparisons (order_statistics.py: no
data-dependent gather), NaNs replaced by +inf so they rank last, and averages the
order statistics of ranks ``floor((c - 1) / 2)`` and ``floor(c / 2)`` for the
recorded count ``c`` of each slice, as NumPy's ``(low + high) / 2``.

Warnings: NumPy's RuntimeWarnings ("All-NaN slice encountered", "Degrees of freedom <= 0
for slice.") are raised eagerly, from the values; an ``nt.function`` replay gives the
same values without warning again.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, constant, wrap
from .elementwise import equal, float_operand, floor, greater, sqrt, square
from .numpy_reductions import refuse_numpy_options, without_nans
from .order_statistics import _ranks, _slices
from .primitives import where as _where
from .reduce import Axis, _axes, reduce_max, reduce_min, reduce_prod, reduce_sum
from .registry import Case, composite
from .shape import normalize_axis, reshape
from .tf_data import read_value


def fixed_nans(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal samples with NaN where the index sum is 1 mod 3: no slice of length >= 2 along any
    axis is all NaN (consecutive index sums), so every case has finite values and derivatives."""
    x = rng.standard_normal(shape)
    index_sum = np.indices(shape).sum(axis=0) if shape else np.zeros(())
    return np.where(index_sum % 3 == 1, np.nan, x)


CASES = (Case(((5,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(0, 2), keepdims=True)),
         Case(((3, 4),), dict(axis=-1)), Case(((3, 4),), dict(axis=0, keepdims=True)))
_NAN_CASES = tuple(Case(c.shapes, c.kwargs, sample=fixed_nans) for c in CASES)
_ALL_NAN = "All-NaN slice encountered"


def _warn_if(condition: Tensor, message: str) -> None:
    """NumPy's RuntimeWarning when any element of the (recorded) mask ``condition`` is set."""
    if np.any(np.asarray(condition._v) != 0):
        warnings.warn(message, RuntimeWarning, stacklevel=4)


def _nanextreme(op: str, a: TensorLike, axis: Axis, out: Any, keepdims: bool, initial: Any, where_: Any,
                is_max: bool) -> Tensor:
    t = float_operand(a, op)
    refuse_numpy_options(op, t, out=out, initial=initial, where=where_)
    axes = _axes(axis, t.ndim, op)
    if any(t.shape[k] == 0 for k in axes) or (t.size == 0 and axis is None):
        raise op_value_error(op, f"cannot reduce an empty axis of a tensor of shape {t.shape}", t)
    nan = without_nans(t)[1]
    filled = _where(nan, -np.inf if is_max else np.inf, t)
    extreme = (reduce_max if is_max else reduce_min)(filled, axes, bool(keepdims))
    all_nan = reduce_min(nan, axes, bool(keepdims))
    _warn_if(all_nan, _ALL_NAN)
    return _where(all_nan, np.nan, extreme)


_EXTREME = ("NaNs are ignored and get a zero gradient; tied extremes share the gradient equally (k ties get g/k "
            "each, as reduce_max); an all-NaN slice is NaN with a RuntimeWarning; an empty axis raises")


@composite("nanmax", numpy=(np.nanmax,), cases=_NAN_CASES, convention=_EXTREME)
def nanmax(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: None = None,
           where: Any = None) -> Tensor:
    """Maximum over ``axis`` ignoring NaNs, NumPy's ``nanmax``."""
    return _nanextreme("nanmax", a, axis, out, keepdims, initial, where, True)


@composite("nanmin", numpy=(np.nanmin,), cases=_NAN_CASES, convention=_EXTREME)
def nanmin(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: None = None,
           where: Any = None) -> Tensor:
    """Minimum over ``axis`` ignoring NaNs, NumPy's ``nanmin``."""
    return _nanextreme("nanmin", a, axis, out, keepdims, initial, where, False)


@composite("nanprod", numpy=(np.nanprod,), cases=_NAN_CASES,
           convention="NaNs count as 1: no contribution to the value, a zero gradient; a tree of products "
                      "(exact derivatives at zeros); an all-NaN slice is 1, as NumPy")
def nanprod(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, keepdims: bool = False,
            initial: Any = None, where: Any = None) -> Tensor:
    """Product over ``axis`` treating NaNs as one, NumPy's ``nanprod``; ``initial`` multiplies it."""
    t = float_operand(a, "nanprod")
    refuse_numpy_options("nanprod", t, dtype=dtype, out=out, where=where)
    nan = without_nans(t)[1]
    product = reduce_prod(_where(nan, 1.0, t), axis, bool(keepdims))
    return product if initial is None else product * initial


def _ddof(op: str, t: Tensor, ddof: Any, correction: Any) -> int:
    if correction is not None:
        if ddof != 0:
            raise op_value_error(op, "ddof and correction can't be provided simultaneously.", t)
        ddof = correction
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer, float, np.floating)) or ddof != int(ddof):
        raise op_type_error(op, f"ddof must be an integer, got {ddof!r}", t)
    return int(ddof)


def _nanvar(op: str, a: TensorLike, axis: Axis, dtype: Any, out: Any, ddof: Any, keepdims: bool, where_: Any,
            mean: Any, correction: Any) -> tuple[Tensor, Tensor, int]:
    """(variance, count of non-NaN elements in the variance's shape, ddof)."""
    t = float_operand(a, op)
    refuse_numpy_options(op, t, dtype=dtype, out=out, where=where_, mean=mean)
    ddof = _ddof(op, t, ddof, correction)
    axes = _axes(axis, t.ndim, op)
    clean, nan = without_nans(t)
    count = reduce_sum(1.0 - nan, axes, keepdims=True)
    nonempty = greater(count, 0.0)
    average = reduce_sum(clean, axes, keepdims=True) / _where(nonempty, count, 1.0)
    squares = reduce_sum(square(_where(nan, 0.0, t - average)), axes, keepdims=bool(keepdims))
    if not keepdims:
        count = reshape(count, squares.shape)
    dof = count - float(ddof)
    positive = greater(dof, 0.0)
    _warn_if(1.0 - positive, "Degrees of freedom <= 0 for slice.")
    return _where(positive, squares / _where(positive, dof, 1.0), np.array(np.nan, t.dtype)), count, ddof


_VAR = ("NaNs are left out of the mean, the sum and the count, and get a zero gradient; count - ddof <= 0 "
        "gives NaN (also without NaNs, unlike var's inf), a constant (derivative 0), with a RuntimeWarning")


@composite("nanvar", numpy=(np.nanvar,), cases=_NAN_CASES + (Case(((3, 4),), dict(axis=0, ddof=1), sample=fixed_nans),),
           convention=_VAR)
def nanvar(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, ddof: int = 0,
           keepdims: bool = False, *, where: Any = None, mean: None = None, correction: Any = None) -> Tensor:
    """Variance over ``axis`` ignoring NaNs, NumPy's ``nanvar``: ``sum((x - mean)**2) / (count - ddof)``."""
    return _nanvar("nanvar", a, axis, dtype, out, ddof, keepdims, where, mean, correction)[0]


@composite("nanstd", numpy=(np.nanstd,), cases=_NAN_CASES + (Case(((3, 4),), dict(axis=0, ddof=1), sample=fixed_nans),),
           convention="sqrt of nanvar; a slice of one non-NaN element (ddof 0) is 0 with derivative 0; where the "
                      "variance is 0 over several elements the derivative is inf/NaN (a kink); " + _VAR)
def nanstd(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, ddof: int = 0,
           keepdims: bool = False, *, where: Any = None, mean: None = None, correction: Any = None) -> Tensor:
    """Standard deviation over ``axis`` ignoring NaNs, NumPy's ``nanstd``: ``sqrt(nanvar(...))``."""
    variance, count, ddof = _nanvar("nanstd", a, axis, dtype, out, ddof, keepdims, where, mean, correction)
    if ddof != 0:
        return sqrt(variance)
    single = equal(count, 1.0)  # std is identically 0 there (and so is its derivative)
    return _where(single, variance, sqrt(_where(single, 1.0, variance)))


@composite("nanmedian", numpy=(np.nanmedian,), cases=_NAN_CASES + (Case(((4, 6),), dict(axis=1), sample=fixed_nans),),
           convention="NaNs rank last and are left out; the gradient goes to the middle element (odd count) or half "
                      "to each of the two middle ones (even count), ties ranked by position; an all-NaN slice is NaN "
                      "with a RuntimeWarning; an empty axis gives NaN with a RuntimeWarning, as NumPy")
def nanmedian(a: TensorLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Tensor:
    """Median over ``axis`` ignoring NaNs, NumPy's ``nanmedian``."""
    t = float_operand(a, "nanmedian")
    refuse_numpy_options("nanmedian", t, out=out)
    axes = _axes(axis, t.ndim, "nanmedian")
    x, kept_shape = _slices(t, axes)
    shape = tuple(1 if i in axes else d for i, d in enumerate(t.shape)) if keepdims else kept_shape
    if x.shape[-1] == 0:  # NumPy: NaN, warning of the mean of an empty slice
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)
        return constant(np.full(shape, np.nan, t.dtype))
    nan = without_nans(x)[1]
    filled = _where(nan, np.inf, x)  # NaNs rank last
    ranks = _ranks(filled)
    count = reduce_sum(1.0 - nan, axis=-1, keepdims=True)

    def statistic(rank: Tensor) -> Tensor:
        return reduce_sum(_where(equal(ranks, rank), filled, 0.0), axis=-1)

    middle = (statistic(floor((count - 1.0) * 0.5)) + statistic(floor(count * 0.5))) * 0.5
    all_nan = reduce_min(nan, axis=-1)
    _warn_if(all_nan, _ALL_NAN)
    return reshape(_where(all_nan, np.nan, middle), shape)


def _nanarg(op: str, a: TensorLike, axis: Any, out: Any, keepdims: bool, np_fn: Any) -> Tensor:
    v = read_value(a, op)
    if out is not None:
        raise op_value_error(op, f"out= is not supported on Tensors (got {out!r})", a)
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise op_type_error(op, f"axis must be an int or None, got {axis!r}", a)
        axis = normalize_axis(axis, v.ndim, op)
    if v.size == 0 or (axis is not None and v.shape[axis] == 0):
        raise op_value_error(op, f"attempt to get {op[3:]} of an empty sequence (shape {v.shape})", a)
    if np.any(np.all(np.isnan(v), axis=axis)):
        raise op_value_error(op, f"{_ALL_NAN} (shape {v.shape}, axis={axis})", a)
    return wrap(np.asarray(np_fn(v, axis=axis, keepdims=bool(keepdims))))


_ARG_CASES = (Case(((5,),), sample=fixed_nans), Case(((2, 3),), dict(axis=1), sample=fixed_nans),
              Case(((3, 4),), dict(axis=0, keepdims=True), sample=fixed_nans))


@composite("nanargmax", numpy=(np.nanargmax,), cases=_ARG_CASES, differentiable=False,
           convention="data: the first maximum's index ignoring NaNs (int64); an all-NaN slice raises, as NumPy")
def nanargmax(a: TensorLike, axis: Any = None, out: None = None, *, keepdims: bool = False) -> Tensor:
    """Index of the largest non-NaN value (over the flattened tensor when ``axis`` is None), NumPy's ``nanargmax``."""
    return _nanarg("nanargmax", a, axis, out, keepdims, np.nanargmax)


@composite("nanargmin", numpy=(np.nanargmin,), cases=_ARG_CASES, differentiable=False,
           convention="data: the first minimum's index ignoring NaNs (int64); an all-NaN slice raises, as NumPy")
def nanargmin(a: TensorLike, axis: Any = None, out: None = None, *, keepdims: bool = False) -> Tensor:
    """Index of the smallest non-NaN value (over the flattened tensor when ``axis`` is None), NumPy's ``nanargmin``."""
    return _nanarg("nanargmin", a, axis, out, keepdims, np.nanargmin)
