"""NumPy's reductions with NumPy's signatures: ``sum prod max min amax amin ptp nansum``.

Each row checks NumPy's extra arguments (``dtype``, ``out``, ``initial``, ``where``)
and refuses those a Tensor cannot honour, then lowers to the TensorFlow-named
reductions of ``reduce.py`` (``reduce_sum``, ``reduce_prod`` as a tree of products,
``reduce_max``/``reduce_min``), so their derivatives, to any order, are those
reductions'. ``max``/``min`` share the gradient equally among tied extremes (the
rule of ``reduce_max``: each of k tied elements gets g/k); ``ptp`` is their
difference. ``nansum`` replaces NaNs by 0 with a recorded ``where`` (the mask is
``x != x``, recomputed by replays), so a NaN contributes nothing to the value and
gets a zero gradient.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, not_equal
from .primitives import where
from .reduce import Axis, _axes, reduce_max, reduce_min, reduce_prod, reduce_sum
from .registry import Case, composite

CASES = (Case(((5,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(0, 2), keepdims=True)),
         Case(((3, 4),), dict(axis=-1)), Case(((3, 4),), dict(axis=0, keepdims=True)))


def refuse_numpy_options(op: str, t: Tensor, **given: Any) -> None:
    """A ValueError naming ``op`` for each NumPy option given that a Tensor reduction does not support."""
    for name, value in given.items():
        if name == "where" and (value is None or value is True):
            continue
        if value is not None:
            raise op_value_error(op, f"{name}= is not supported on Tensors (got {value!r})", t)


def _with_zeros(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape) * (rng.random(shape) > 0.3)


def with_nans(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.where(rng.random(shape) < 0.25, np.nan, rng.standard_normal(shape))


@composite("sum", numpy=(np.sum,), cases=CASES, convention="smooth (linear)")
def sum_(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Tensor:
    """Sum over ``axis`` (all axes by default), NumPy's ``sum``; ``initial`` is added."""
    t = float_operand(a, "sum")
    refuse_numpy_options("sum", t, dtype=dtype, out=out, where=where)
    total = reduce_sum(t, axis, bool(keepdims))
    return total if initial is None else total + initial


@composite("prod", numpy=(np.prod,), cases=CASES + (Case(((3, 5),), dict(axis=1), sample=_with_zeros),),
           convention="a tree of products: derivatives exact where elements are 0 (no division)")
def prod(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Tensor:
    """Product over ``axis`` (all axes by default), NumPy's ``prod``; ``initial`` multiplies it."""
    t = float_operand(a, "prod")
    refuse_numpy_options("prod", t, dtype=dtype, out=out, where=where)
    product = reduce_prod(t, axis, bool(keepdims))
    return product if initial is None else product * initial


_TIES = "ties share the gradient equally (k tied extremes get g/k each); NaN propagates; an empty axis raises"


def _extreme(op: str, a: TensorLike, axis: Axis, out: Any, keepdims: bool, initial: Any, where: Any,
             is_max: bool) -> Tensor:
    t = float_operand(a, op)
    refuse_numpy_options(op, t, out=out, initial=initial, where=where)
    if any(t.shape[k] == 0 for k in _axes(axis, t.ndim, op)):
        raise op_value_error(op, f"cannot reduce an empty axis of a tensor of shape {t.shape}", t)
    return (reduce_max if is_max else reduce_min)(t, axis, bool(keepdims))


@composite("max", numpy=(np.max,), cases=CASES, convention=_TIES)
def max_(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: None = None,
         where: Any = None) -> Tensor:
    """Maximum over ``axis`` (all axes by default), NumPy's ``max``."""
    return _extreme("max", a, axis, out, keepdims, initial, where, True)


@composite("amax", numpy=(np.amax,), cases=CASES[:2], convention=_TIES)
def amax(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: None = None,
         where: Any = None) -> Tensor:
    """Maximum over ``axis``: NumPy's ``amax``, the same as ``max``."""
    return _extreme("amax", a, axis, out, keepdims, initial, where, True)


@composite("min", numpy=(np.min,), cases=CASES, convention=_TIES)
def min_(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: None = None,
         where: Any = None) -> Tensor:
    """Minimum over ``axis`` (all axes by default), NumPy's ``min``."""
    return _extreme("min", a, axis, out, keepdims, initial, where, False)


@composite("amin", numpy=(np.amin,), cases=CASES[:2], convention=_TIES)
def amin(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False, initial: None = None,
         where: Any = None) -> Tensor:
    """Minimum over ``axis``: NumPy's ``amin``, the same as ``min``."""
    return _extreme("amin", a, axis, out, keepdims, initial, where, False)


@composite("ptp", numpy=(np.ptp,), cases=CASES, convention="max - min; " + _TIES)
def ptp(a: TensorLike, axis: Axis = None, out: None = None, keepdims: bool = False) -> Tensor:
    """Peak to peak, ``max - min`` over ``axis``, NumPy's ``ptp``."""
    t = float_operand(a, "ptp")
    refuse_numpy_options("ptp", t, out=out)
    if any(t.shape[k] == 0 for k in _axes(axis, t.ndim, "ptp")):
        raise op_value_error("ptp", f"cannot reduce an empty axis of a tensor of shape {t.shape}", t)
    return reduce_max(t, axis, bool(keepdims)) - reduce_min(t, axis, bool(keepdims))


def without_nans(t: Tensor) -> tuple[Tensor, Tensor]:
    """(``t`` with NaNs replaced by 0, the recorded NaN mask (1.0 where NaN)): replays recompute both."""
    nan = not_equal(t, t)
    return where(nan, 0.0, t), nan


@composite("nansum", numpy=(np.nansum,), cases=tuple(Case(c.shapes, c.kwargs, sample=with_nans) for c in CASES),
           convention="NaNs count as 0: no contribution to the value, a zero gradient")
def nansum(a: TensorLike, axis: Axis = None, dtype: None = None, out: None = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Tensor:
    """Sum over ``axis`` treating NaNs as zero, NumPy's ``nansum``."""
    t = float_operand(a, "nansum")
    refuse_numpy_options("nansum", t, dtype=dtype, out=out, where=where)
    total = reduce_sum(without_nans(t)[0], axis, bool(keepdims))
    return total if initial is None else total + initial


for _fn, _name in ((sum_, "sum"), (max_, "max"), (min_, "min")):  # nt.sum's name, not the module's sum_
    _fn.__name__ = _fn.__qualname__ = _name
