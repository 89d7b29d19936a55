"""Functions given by samples: ``gradient`` (finite differences) and ``interp`` (piecewise linear).

``gradient`` follows ``np.gradient`` with ``edge_order=1``: along each axis, central
differences ``(f[i+1] - f[i-1]) / 2h`` inside and one-sided ``(f[1] - f[0]) / h``,
``(f[-1] - f[-2]) / h`` at the ends, joined with ``concat``; the spacing ``h`` is a
scalar per axis (a number, or a 0-d Tensor, which is differentiated too).

``interp(x, xp, fp)`` is written without a data-dependent gather, so that a compiled
replay at new inputs picks the segments again: for every segment k a recorded mask
``xp[k] <= x < xp[k+1]`` selects ``fp[k] + slope[k] * (x - xp[k])`` (a ``where``;
the masks are comparisons the replay recomputes), and ``where`` chains give ``left``
below ``xp[0]``, ``fp[-1]`` at ``xp[-1]`` and ``right`` above it. It costs
size(x) * len(xp) elementwise work. The derivative in x is the slope of the segment
x lies in; at a knot it is the right segment's slope (0 at and beyond the last knot,
and below the first); fp and xp are differentiated as well (where the value depends
on them).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._state import state
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import equal, float_operand, greater, greater_equal, less, multiply, not_equal
from .primitives import where
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import concat, getitem, normalize_axis, reshape


def _along(t: Tensor, axis: int, piece: slice) -> Tensor:
    return getitem(t, (slice(None),) * axis + (piece,))


def _spacings(varargs: tuple, axes: list[int], t: Tensor) -> list[Any]:
    if len(varargs) == 0:
        return [1.0] * len(axes)
    if len(varargs) == 1:
        varargs = varargs * len(axes)
    if len(varargs) != len(axes):
        raise op_type_error("gradient", f"{len(varargs)} spacings given for {len(axes)} axes", t)
    for h in varargs:
        if np.ndim(h) != 0:
            raise op_value_error("gradient", "only scalar spacings are supported on Tensors (no coordinate arrays)", t)
    return [h if isinstance(h, Tensor) else float(h) for h in varargs]


def _difference(t: Tensor, axis: int, h: Any) -> Tensor:
    n = t.shape[axis]
    first = (_along(t, axis, slice(1, 2)) - _along(t, axis, slice(0, 1))) / h
    last = (_along(t, axis, slice(n - 1, n)) - _along(t, axis, slice(n - 2, n - 1))) / h
    if n == 2:
        return concat([first, last], axis)
    middle = (_along(t, axis, slice(2, None)) - _along(t, axis, slice(0, n - 2))) / (2.0 * h)
    return concat([first, middle, last], axis)


def _positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape)


@composite(numpy=(np.gradient,), sample=_positive,
           cases=(Case(((6,),)), Case(((2,),)), Case(((3, 4),)), Case(((3, 4),), dict(axis=1)),
                  Case(((5,), ())), Case(((3, 4), ()), dict(axis=0)), Case(((2, 3, 4),), dict(axis=(0, 2)))),
           convention="linear in f; 1/h in a Tensor spacing h")
def gradient(f: TensorLike, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Finite-difference gradient, NumPy's ``gradient`` with ``edge_order=1`` and scalar spacings.

    Returns a Tensor for one axis, a tuple of Tensors (one per axis) otherwise.
    """
    t = float_operand(f, "gradient")
    if edge_order != 1:
        raise op_value_error("gradient", f"only edge_order=1 is supported on Tensors, got {edge_order!r}", t)
    if axis is None:
        axes = list(range(t.ndim))
    else:
        axes = [normalize_axis(a, t.ndim, "gradient") for a in (axis if isinstance(axis, (tuple, list)) else [axis])]
    spacings = _spacings(varargs, axes, t)
    for a in axes:
        if t.shape[a] < 2:
            raise op_value_error("gradient", f"axis {a} of shape {t.shape} is too short: at least 2 samples "
                                             "(edge_order + 1) are required", t)
    results = tuple(_difference(t, a, h) for a, h in zip(axes, spacings))
    return results[0] if len(results) == 1 else results


def _knots(xp: Tensor, fp: Tensor, x: Tensor) -> None:
    if xp.ndim != 1 or fp.ndim != 1 or xp.shape != fp.shape or xp.size == 0:
        raise op_value_error("interp", f"xp and fp must be 1-d of the same non-zero length, got {xp.shape} and "
                                       f"{fp.shape}", x, xp, fp)
    if state.trace is None and np.any(np.diff(np.asarray(xp._v)) < 0):  # NumPy does not check; a replay cannot
        raise op_value_error("interp", "xp must be increasing", x, xp, fp)


def _segments(x: Tensor, xp: Tensor, fp: Tensor) -> Tensor:
    """Per element of x: the linear piece of the segment it lies in, 0 outside [xp[0], xp[-1])."""
    n = xp.shape[0]
    lo_x, hi_x = getitem(xp, slice(0, n - 1)), getitem(xp, slice(1, n))
    lo_f, hi_f = getitem(fp, slice(0, n - 1)), getitem(fp, slice(1, n))
    width = hi_x - lo_x
    width = where(equal(width, 0.0), 1.0, width)  # a repeated knot: an empty segment, never selected
    column = reshape(x, x.shape + (1,))
    inside = multiply(greater_equal(column, lo_x), less(column, hi_x))
    column = where(inside, column, lo_x)  # unselected pieces stay finite (x = inf or NaN): no 0 * inf in the VJP
    pieces = lo_f + (hi_f - lo_f) / width * (column - lo_x)
    return reduce_sum(where(inside, pieces, 0.0), axis=-1)


def _bound(v: Any) -> Any:
    return v if isinstance(v, Tensor) else float(v)


def _sorted(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Increasing along the last axis (the knots xp must be; x and fp may be anything)."""
    values = rng.uniform(-2.0, 2.0, shape)
    return np.sort(values, axis=-1) if values.ndim else values


@composite(numpy=(np.interp,), sample=_sorted,
           cases=(Case(((7,), (5,), (5,))), Case(((2, 6), (4,), (4,))), Case(((), (3,), (3,))),
                  Case(((9,), (6,), (6,)), dict(left=-3.0, right=4.0))),
           convention="derivative in x: the slope of x's segment; at a knot the right segment's slope "
                      "(0 at and beyond the last knot); differentiable in fp and xp too")
def interp(x: TensorLike, xp: TensorLike, fp: TensorLike, left: Any = None, right: Any = None,
           period: None = None) -> Tensor:
    """Piecewise-linear interpolation, NumPy's ``interp`` (``xp`` increasing; ``left``/``right``
    default to ``fp[0]``/``fp[-1]``)."""
    tx, txp, tfp = float_operand(x, "interp"), float_operand(xp, "interp"), float_operand(fp, "interp")
    if period is not None:
        raise op_value_error("interp", "period= is not supported on Tensors", tx, txp, tfp)
    _knots(txp, tfp, tx)
    n = txp.shape[0]
    first, last = getitem(txp, 0), getitem(txp, n - 1)
    f_last = getitem(tfp, n - 1)
    inner = _segments(tx, txp, tfp) if n > 1 else f_last
    value = where(equal(tx, last), f_last, inner)
    value = where(greater(tx, last), f_last if right is None else _bound(right), value)
    value = where(less(tx, first), getitem(tfp, 0) if left is None else _bound(left), value)
    return where(not_equal(tx, tx), tx - tx, value)  # NaN in, NaN out (with a zero derivative)
