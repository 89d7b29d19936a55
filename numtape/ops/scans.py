"""Scans: ``cumsum`` and ``cumprod``, with TensorFlow's signature (``axis=0``, ``exclusive``,
``reverse``: ``nt.cumsum``, ``nt.math.cumsum``) and with NumPy's (``axis=None`` flattens:
the rows ``numpy.cumsum``/``numpy.cumprod`` that ``np.cumsum(t)`` records).

A scan along an axis of length n is a Hillis-Steele prefix scan: ceil(log2 n) steps,
step k combining every element with the one 2**k places before it. The tensor is
seen as (outer, n, inner) rows; "2**k places before" is a ``window`` of the rows
``pad``-ded back to full length (zeros in the vacated places; a product adds a
constant 1 there), so each step is three array entries and the work is n log n.
``exclusive`` shifts the result one place; ``reverse`` shifts the other way. Only
additions and multiplications are recorded, so ``cumprod``'s derivatives are exact
with zeros in the input (no division by x), at every order.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from ..tensor import Tensor, TensorLike
from .elementwise import add, float_operand, multiply
from .numpy_reductions import refuse_numpy_options
from .primitives import pad, window
from .registry import Case, composite
from .shape import normalize_axis, reshape


def _size(shape: Any) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def _shifted(y: Tensor, s: int, n: int, inner: int, reverse: bool, fill: Optional[float]) -> Tensor:
    """``y`` moved ``s`` places along the scanned axis (towards the end, or the start if ``reverse``)."""
    shape = y.shape
    outer = y.size // (n * inner)
    row, width = n * inner, (n - s) * inner
    source, target = (s * inner, 0) if reverse else (0, s * inner)
    moved = pad(window(y, outer, row, source, width, (outer, width)), outer, row, target, width, shape)
    if fill is None:
        return moved
    vacated = np.zeros((outer, n, inner), y.dtype)
    if reverse:
        vacated[:, n - s:] = fill
    else:
        vacated[:, :s] = fill
    return moved + vacated.reshape(shape)


def scan(t: Tensor, axis: int, exclusive: bool, reverse: bool, combine: Callable[[Tensor, Tensor], Tensor],
         fill: Optional[float]) -> Tensor:
    """The inclusive (or exclusive) scan of ``combine`` along ``axis``; ``fill`` is its identity (None: 0)."""
    n = t.shape[axis]
    if t.size == 0:
        return t
    inner = _size(t.shape[axis + 1:])
    y = t
    s = 1
    while s < n:
        y = combine(y, _shifted(y, s, n, inner, reverse, fill))
        s *= 2
    if exclusive:
        y = _shifted(y, 1, n, inner, reverse, fill)
    return y


def _tf_scan(x: TensorLike, axis: Any, exclusive: bool, reverse: bool, op: str, combine: Any,
             fill: Optional[float]) -> Tensor:
    t = float_operand(x, op)
    if t.ndim == 0:
        t = reshape(t, (1,))
        return reshape(scan(t, 0, bool(exclusive), bool(reverse), combine, fill), ())
    return scan(t, normalize_axis(axis, t.ndim, op), bool(exclusive), bool(reverse), combine, fill)


def _numpy_scan(a: TensorLike, axis: Any, dtype: Any, out: Any, op: str, combine: Any,
                fill: Optional[float]) -> Tensor:
    t = float_operand(a, op)
    refuse_numpy_options(op, t, dtype=dtype, out=out)
    if axis is None or t.ndim == 0:
        t = reshape(t, (-1,))
        axis = 0
    return scan(t, normalize_axis(axis, t.ndim, op), False, False, combine, fill)


def _tf_reference(np_scan: Any, identity: float) -> Callable[..., np.ndarray]:
    """TensorFlow's cumsum/cumprod in NumPy (exclusive: the identity first; reverse: from the end)."""

    def reference(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim == 0:
            return reference(x.reshape(1), 0, exclusive, reverse).reshape(())
        y = np.flip(x, axis) if reverse else x
        y = np_scan(y, axis=axis)
        if exclusive:
            head = np.full_like(np.take(y, [0], axis=axis), identity)
            y = np.concatenate([head, np.take(y, np.arange(y.shape[axis] - 1), axis=axis)], axis=axis)
        return np.flip(y, axis) if reverse else y

    return reference


def _zeros_inside(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal with about a third of the entries exactly 0."""
    return rng.standard_normal(shape) * (rng.random(shape) > 0.35)


_TF_CASES = (Case(((5,),)), Case(((3, 4),)), Case(((3, 4),), dict(axis=1)), Case(((2, 5, 3),), dict(axis=1)),
             Case(((6,),), dict(exclusive=True)), Case(((6,),), dict(reverse=True)),
             Case(((3, 7),), dict(axis=-1, exclusive=True, reverse=True)), Case(((1, 3),), dict(exclusive=True)))
_NUMPY_CASES = (Case(((5,),)), Case(((3, 4),)), Case(((3, 4),), dict(axis=0)), Case(((2, 5, 3),), dict(axis=-2)),
                Case(((9,),)))


@composite("cumsum", aliases=("math.cumsum",), cases=_TF_CASES, reference=_tf_reference(np.cumsum, 0.0),
           convention="linear")
def cumsum(x: TensorLike, axis: int = 0, exclusive: bool = False, reverse: bool = False, name: Any = None) -> Tensor:
    """Cumulative sum along ``axis`` (TensorFlow's ``cumsum``: ``exclusive`` leaves each element
    out of its own sum, ``reverse`` sums from the end)."""
    return _tf_scan(x, axis, exclusive, reverse, "cumsum", add, None)


@composite("cumprod", aliases=("math.cumprod",), reference=_tf_reference(np.cumprod, 1.0),
           cases=_TF_CASES + (Case(((4, 6),), dict(axis=1), sample=_zeros_inside),
                              Case(((7,),), dict(exclusive=True, reverse=True), sample=_zeros_inside)),
           convention="products only: derivatives exact where elements are 0 (no division by x)")
def cumprod(x: TensorLike, axis: int = 0, exclusive: bool = False, reverse: bool = False,
            name: Any = None) -> Tensor:
    """Cumulative product along ``axis`` (TensorFlow's ``cumprod``, ``exclusive`` and ``reverse``
    as for ``cumsum``)."""
    return _tf_scan(x, axis, exclusive, reverse, "cumprod", multiply, 1.0)


@composite("cumsum", namespace="numpy", numpy=(np.cumsum,), cases=_NUMPY_CASES, convention="linear")
def numpy_cumsum(a: TensorLike, axis: Any = None, dtype: None = None, out: None = None) -> Tensor:
    """Cumulative sum with NumPy's signature: ``axis=None`` scans the flattened tensor."""
    return _numpy_scan(a, axis, dtype, out, "cumsum", add, None)


@composite("cumprod", namespace="numpy", numpy=(np.cumprod,),
           cases=_NUMPY_CASES + (Case(((3, 5),), dict(axis=1), sample=_zeros_inside),),
           convention="products only: derivatives exact where elements are 0 (no division by x)")
def numpy_cumprod(a: TensorLike, axis: Any = None, dtype: None = None, out: None = None) -> Tensor:
    """Cumulative product with NumPy's signature: ``axis=None`` scans the flattened tensor."""
    return _numpy_scan(a, axis, dtype, out, "cumprod", multiply, 1.0)
