"""Vector products with NumPy's rules: ``outer inner vdot kron cross``.

Each lowers to ops whose derivatives are known: ``outer`` and ``kron`` are a
broadcast ``multiply`` of reshaped operands (``kron`` interleaves the axes:
``a`` as (a0, 1, a1, 1, ...), ``b`` as (1, b0, 1, b1, ...), the product reshaped to
(a0*b0, a1*b1, ...)); ``inner`` is a ``tensordot`` over the last axes and ``vdot`` a
``matmul`` of the flattened operands (real input: no conjugate); ``cross`` moves the
vector axes (``axisa``, ``axisb``) last with a transpose, takes the components and
combines them with multiply/subtract and a ``stack``, then moves the result's vector
axis to ``axisc``; argument errors are NumPy's (checked in NumPy's order). All are bilinear, so smooth, at every order.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, multiply
from .linalg import matmul, tensordot
from .registry import Case, composite
from .shape import getitem, reshape, stack, transpose

_BILINEAR = "bilinear: smooth everywhere"


@composite(numpy=(np.outer,), convention=_BILINEAR,
           cases=(Case(((3,), (4,))), Case(((2, 2), (3,))), Case(((), (2,)))))
def outer(a: TensorLike, b: TensorLike, out: None = None) -> Tensor:
    """Outer product of the flattened operands, NumPy's ``outer``: ``out[i, j] = a.flat[i] * b.flat[j]``."""
    x, y = float_operand(a, "outer"), float_operand(b, "outer")
    if out is not None:
        raise op_value_error("outer", "out= is not supported on Tensors", x, y)
    return multiply(reshape(x, (-1, 1)), reshape(y, (1, -1)))


@composite(numpy=(np.inner,), convention=_BILINEAR,
           cases=(Case(((3,), (3,))), Case(((2, 3), (4, 3))), Case(((2, 2, 3), (3,))), Case(((), (2, 3)))))
def inner(a: TensorLike, b: TensorLike) -> Tensor:
    """Inner product over the last axes, NumPy's ``inner`` (a scalar operand multiplies)."""
    x, y = float_operand(a, "inner"), float_operand(b, "inner")
    if x.ndim == 0 or y.ndim == 0:
        return multiply(x, y)
    if x.shape[-1] != y.shape[-1]:
        raise op_value_error("inner", f"last dimensions differ: {x.shape} and {y.shape}", x, y)
    return tensordot(x, y, ([x.ndim - 1], [y.ndim - 1]))


@composite(numpy=(np.vdot,), convention=_BILINEAR, cases=(Case(((4,), (4,))), Case(((2, 3), (3, 2)))))
def vdot(a: TensorLike, b: TensorLike) -> Tensor:
    """Dot product of the flattened operands, NumPy's ``vdot`` (real input: nothing to conjugate)."""
    x, y = float_operand(a, "vdot"), float_operand(b, "vdot")
    if x.size != y.size:
        raise op_value_error("vdot", f"sizes differ: {x.shape} and {y.shape}", x, y)
    return matmul(reshape(x, (-1,)), reshape(y, (-1,)))


@composite(numpy=(np.kron,), convention=_BILINEAR,
           cases=(Case(((2,), (3,))), Case(((2, 2), (2, 3))), Case(((3,), (2, 2))), Case(((2, 1, 2), (2, 2)))))
def kron(a: TensorLike, b: TensorLike) -> Tensor:
    """Kronecker product, NumPy's ``kron`` (the operand of lower rank gets leading axes of size 1)."""
    x, y = float_operand(a, "kron"), float_operand(b, "kron")
    n = max(x.ndim, y.ndim)
    xs = (1,) * (n - x.ndim) + x.shape
    ys = (1,) * (n - y.ndim) + y.shape
    interleaved_x = tuple(d for pair in zip(xs, (1,) * n) for d in pair)
    interleaved_y = tuple(d for pair in zip((1,) * n, ys) for d in pair)
    product = multiply(reshape(x, interleaved_x), reshape(y, interleaved_y))
    return reshape(product, tuple(p * q for p, q in zip(xs, ys)))


def _component(t: Tensor, k: int) -> Tensor:
    return getitem(t, (Ellipsis, k))


def _numpy_cross(a: Any, b: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():  # NumPy 2 deprecates 2-element vectors; the result is still defined
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.cross(a, b, **kwargs)


def _cross_axis(axis: Any, ndim: int, which: str, x: Tensor, y: Tensor) -> int:
    """``axis`` in ``range(ndim)``, or the error np.cross raises (TypeError / ValueError) naming it."""
    try:
        k = operator.index(axis)
    except TypeError:
        raise op_type_error("cross", f"{which} must be an integer, got {axis!r}, as np.cross requires", x,
                            y) from None
    if not -ndim <= k < ndim:
        raise op_value_error("cross", f"{which} {k} is out of bounds for an array of dimension {ndim} (np.cross "
                                      "raises AxisError here)", x, y)
    return k % ndim


def _to_last(t: Tensor, axis: int) -> Tensor:
    """``np.moveaxis(t, axis, -1)``."""
    if axis == t.ndim - 1:
        return t
    return transpose(t, [k for k in range(t.ndim) if k != axis] + [axis])


@composite(numpy=(np.cross,), reference=_numpy_cross, convention=_BILINEAR,
           cases=(Case(((3,), (3,))), Case(((4, 3), (4, 3))), Case(((2, 1, 3), (4, 3))), Case(((2,), (2,))),
                  Case(((3, 2), (3, 2))), Case(((2,), (3,))), Case(((3,), (2, 2))),
                  Case(((3, 4), (3, 4)), dict(axis=0)), Case(((4, 3), (3, 4)), dict(axisa=1, axisb=0, axisc=0)),
                  Case(((2, 5), (5, 3)), dict(axisa=0, axisc=-2)),
                  Case(((3, 2, 1), (4, 3)), dict(axisa=0, axisb=-1, axisc=1)),
                  Case(((2, 3), (3, 2)), dict(axisa=0, axisb=1, axisc=7)),  # 2 x 2: NumPy ignores axisc
                  Case(((2, 4), (3,)), dict(axisa=-2)), Case(((3, 1, 2), (2, 3)), dict(axisb=0, axisc=0))))
def cross(a: TensorLike, b: TensorLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: Any = None) -> Tensor:
    """Cross product of 3- (or 2-) vectors, NumPy's ``cross``: the vectors lie along ``axisa`` of
    ``a`` and ``axisb`` of ``b`` (the other axes broadcast), the result's along ``axisc``;
    ``axis`` sets all three.

    Two 2-vectors give the z component (a scalar per pair; ``axisc`` is then unused, as in
    NumPy); a 2-vector with a 3-vector is taken with z = 0.
    """
    x, y = float_operand(a, "cross"), float_operand(b, "cross")
    if axis is not None:
        axisa = axisb = axisc = axis
    if x.ndim == 0 or y.ndim == 0:
        raise op_value_error("cross", f"at least one array has zero dimension (shapes {x.shape} and {y.shape}), "
                                      "as np.cross refuses", x, y)
    x = _to_last(x, _cross_axis(axisa, x.ndim, "axisa", x, y))
    y = _to_last(y, _cross_axis(axisb, y.ndim, "axisb", x, y))
    if x.shape[-1] not in (2, 3) or y.shape[-1] not in (2, 3):
        raise op_value_error("cross", f"incompatible dimensions for cross product: the vector axes must have 2 or "
                                      f"3 elements, got shapes {x.shape} and {y.shape} with the vectors last "
                                      "(np.cross raises here)", x, y)
    try:
        batch = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    except ValueError as error:
        raise op_value_error("cross", f"shapes {x.shape} and {y.shape} (vectors last) do not broadcast, as np.cross "
                                      "requires", x, y) from error
    ax, ay = [_component(x, k) for k in range(x.shape[-1])], [_component(y, k) for k in range(y.shape[-1])]
    if len(ax) == len(ay) == 2:
        return ax[0] * ay[1] - ax[1] * ay[0]
    out = _cross_axis(axisc, len(batch) + 1, "axisc", x, y)
    if len(ax) == 2:
        c = stack([ax[1] * ay[2], -ax[0] * ay[2], ax[0] * ay[1] - ax[1] * ay[0]], -1)
    elif len(ay) == 2:
        c = stack([-ax[2] * ay[1], ax[2] * ay[0], ax[0] * ay[1] - ax[1] * ay[0]], -1)
    else:
        c = stack([ax[1] * ay[2] - ax[2] * ay[1], ax[2] * ay[0] - ax[0] * ay[2], ax[0] * ay[1] - ax[1] * ay[0]], -1)
    if out == c.ndim - 1:
        return c
    return transpose(c, list(range(out)) + [c.ndim - 1] + list(range(out, c.ndim - 1)))
