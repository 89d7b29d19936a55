"""Linear algebra: matmul, dot, tensordot and trace, lowered to ``matmul_raw``.

``matmul`` follows NumPy's rules: 1-d operands are promoted to a row (left) or a
column (right) and the extra axis is dropped afterwards; batch axes broadcast. A
batch of one is shared without copying (a flag of the primitive); any other
broadcast of the batch axes is made explicit with ``broadcast_to``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .._kernels import sweep as K
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, multiply
from .primitives import gather_flat, matmul_raw
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import broadcast_to, normalize_axis, reshape, transpose
from .tf_signature import SAMPLE_MATRIX, tf_signature


def _size(shape: Sequence[int]) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


_PRODUCT = "bilinear: smooth everywhere"


def matmul_reference(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
                      adjoint_a: bool = False, adjoint_b: bool = False) -> Any:
    a = np.swapaxes(a, -1, -2) if transpose_a or adjoint_a else a
    b = np.swapaxes(b, -1, -2) if transpose_b or adjoint_b else b
    return np.matmul(a, b)


@composite(numpy=(np.matmul,), convention=_PRODUCT, reference=matmul_reference,
           cases=(Case(((2, 3), (3, 4))), Case(((3,), (3, 2))), Case(((2, 3), (3,))), Case(((4,), (4,))),
                  Case(((2, 2, 3), (2, 3, 4))), Case(((2, 2, 3), (3, 4))), Case(((2, 1, 2, 3), (3, 3, 2))),
                  Case(((3, 2), (4, 3)), dict(transpose_a=True, transpose_b=True)),
                  Case(((2, 3, 2), (3, 4)), dict(adjoint_a=True))))
@tf_signature("matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False, "
              "b_is_sparse=False, output_type=None, name=None)",
              example=dict(a=SAMPLE_MATRIX, b=((0.9, -0.6, 0.1), (1.7, 0.2, -0.3)), transpose_b=True),
              reference=lambda a, b, transpose_b: np.matmul(a, np.swapaxes(b, -1, -2)))
def matmul(a: TensorLike, b: TensorLike, *, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, name: Optional[str] = None) -> Tensor:
    """Matrix product with NumPy's ``matmul`` rules (batched, 1-d promotion); TensorFlow's
    ``transpose_a/b`` and ``adjoint_a/b`` (the transpose, for real matrices) swap an operand's
    last two axes first."""
    x = float_operand(a, "matmul")
    y = float_operand(b, "matmul")
    x = _flipped(x, transpose_a, adjoint_a, "a", y)
    y = _flipped(y, transpose_b, adjoint_b, "b", x)
    if x.ndim == 0 or y.ndim == 0:
        raise op_value_error("matmul", "operands must be at least 1-d (use multiply for scalars)", x, y)
    x_shape = (1,) + x.shape if x.ndim == 1 else x.shape
    y_shape = y.shape + (1,) if y.ndim == 1 else y.shape
    m, k = x_shape[-2:]
    k2, n = y_shape[-2:]
    if k != k2:  # every check before the first recorded op (the 1-d promotion below)
        raise op_value_error("matmul", f"inner dimensions differ: {x.shape} @ {y.shape}", x, y)
    try:
        batch = tuple(np.broadcast_shapes(x_shape[:-2], y_shape[:-2]))
    except ValueError as error:
        raise op_value_error("matmul", f"batch shapes of {x.shape} and {y.shape} do not broadcast", x, y) from error
    x2 = reshape(x, x_shape) if x.ndim == 1 else x
    y2 = reshape(y, y_shape) if y.ndim == 1 else y
    flags = 0
    x2, shared = _batched(x2, batch)
    flags |= K.MM_BROADCAST_A if shared else 0
    y2, shared = _batched(y2, batch)
    flags |= K.MM_BROADCAST_B if shared else 0
    shape = batch + (m, n)
    if x.ndim == 1:
        shape = shape[:-2] + (n,)
    if y.ndim == 1:
        shape = shape[:-1]
    return matmul_raw(x2, y2, flags, _size(batch), m, k, n, shape)


def _flipped(t: Tensor, swap: bool, adjoint: bool, which: str, other: Tensor) -> Tensor:
    """``t`` with its last two axes swapped when TensorFlow's flag for operand ``which`` is set."""
    if not (swap or adjoint):
        return t
    if swap and adjoint:
        raise op_value_error("matmul", f"only one of transpose_{which} and adjoint_{which} may be set", t, other)
    if t.ndim < 2:
        raise op_value_error("matmul", f"transpose_{which}/adjoint_{which} need a matrix, got shape {t.shape}",
                             t, other)
    return transpose(t, tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2))


def _batched(t: Tensor, batch: tuple[int, ...]) -> tuple[Tensor, bool]:
    """(t with the full batch, False), or (t, True) when its batch is a single shared matrix."""
    own = t.shape[:-2]
    if (1,) * (len(batch) - len(own)) + own == batch:
        return t, False
    if _size(own) == 1:
        return t, True
    return broadcast_to(t, batch + t.shape[-2:]), False


@composite(numpy=(np.dot,), convention=_PRODUCT,
           cases=(Case(((2, 3), (3, 4))), Case(((3,), (3,))), Case(((), (2, 3))), Case(((2, 3, 4), (4,))),
                  Case(((2, 3), (4, 3, 2)))))
def dot(a: TensorLike, b: TensorLike) -> Tensor:
    """Dot product with NumPy's ``dot`` rules."""
    x = float_operand(a, "dot")
    y = float_operand(b, "dot")
    if x.ndim == 0 or y.ndim == 0:
        return multiply(x, y)
    contracted = y.shape[-2] if y.ndim >= 2 else y.shape[0]
    if x.shape[-1] != contracted:  # named as dot, not as the matmul/tensordot it lowers to
        raise op_value_error("dot", f"shapes {x.shape} and {y.shape} are not aligned: {x.shape[-1]} != {contracted}",
                             x, y)
    if y.ndim <= 2:
        return matmul(x, y) if x.ndim <= 2 or y.ndim == 1 else tensordot(x, y, ([x.ndim - 1], [0]))
    return tensordot(x, y, ([x.ndim - 1], [y.ndim - 2]))


@composite(numpy=(np.tensordot,), convention=_PRODUCT,
           cases=(Case(((2, 3, 4), (3, 4, 2))), Case(((2, 3), (3, 4)), dict(axes=1)), Case(((2, 3), (4,)), dict(axes=0)),
                  Case(((2, 3, 4), (4, 2, 3)), dict(axes=([1, 2], [2, 0])))))
def tensordot(a: TensorLike, b: TensorLike, axes: Union[int, Sequence[Any]] = 2) -> Tensor:
    """Sum of products over the given axes, as NumPy's ``tensordot``."""
    x = float_operand(a, "tensordot")
    y = float_operand(b, "tensordot")
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(x.ndim, y.ndim):
            raise op_value_error("tensordot", f"axes={n} is invalid for shapes {x.shape} and {y.shape}")
        ax = list(range(x.ndim - n, x.ndim))
        ay = list(range(n))
    else:
        try:
            ax_raw, ay_raw = axes
        except (TypeError, ValueError) as error:
            raise op_type_error("tensordot", f"axes must be an int or a pair of axis lists, got {axes!r}") from error
        ax_raw = [ax_raw] if isinstance(ax_raw, (int, np.integer)) else list(ax_raw)
        ay_raw = [ay_raw] if isinstance(ay_raw, (int, np.integer)) else list(ay_raw)
        ax = [normalize_axis(i, x.ndim, "tensordot") for i in ax_raw]
        ay = [normalize_axis(i, y.ndim, "tensordot") for i in ay_raw]
    if len(ax) != len(ay) or any(x.shape[i] != y.shape[j] for i, j in zip(ax, ay)):
        raise op_value_error("tensordot", f"contracted axes {ax} of {x.shape} and {ay} of {y.shape} do not match")
    free_x = [i for i in range(x.ndim) if i not in ax]
    free_y = [j for j in range(y.ndim) if j not in ay]
    k = _size(x.shape[i] for i in ax)
    xm = reshape(transpose(x, free_x + ax), (_size(x.shape[i] for i in free_x), k))
    ym = reshape(transpose(y, ay + free_y), (k, _size(y.shape[j] for j in free_y)))
    shape = tuple(x.shape[i] for i in free_x) + tuple(y.shape[j] for j in free_y)
    return reshape(matmul(xm, ym), shape)


def trace(x: TensorLike) -> Tensor:
    """Sum of the main diagonal of the last two axes (batched, as TensorFlow's ``trace``)."""
    t = float_operand(x, "trace")
    if t.ndim < 2:
        raise op_value_error("trace", f"needs a tensor of rank >= 2, got shape {t.shape}")
    positions = np.arange(t.size, dtype=np.int64).reshape(t.shape)
    diagonal = np.diagonal(positions, axis1=-2, axis2=-1)
    return reduce_sum(gather_flat(t, diagonal, diagonal.shape), axis=-1)
