"""TensorFlow's matrix helpers of ``tf.linalg``: matmul with its flags, matvec, trace, diag, diag_part,
band_part, matrix_transpose.

All are thin rows over recorded ops (their derivatives are those ops'): the flags of
``matmul`` transpose an operand before the product (real matrices: ``adjoint`` is the
transpose); ``diag_part`` gathers the main diagonal of the last two axes, ``diag`` builds
diagonal matrices by multiplying with the identity, ``band_part`` multiplies by a constant
0/1 band, ``trace`` sums ``diag_part``, ``matvec`` is ``matmul`` with ``b`` as a one-column matrix. Everything is batched over leading axes, as
TensorFlow.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .linalg import matmul_reference, matmul as nt_matmul
from .linalg_base import diag_embed, mT, masked, operand
from .shape import reshape
from .primitives import gather_flat
from .reduce import reduce_sum
from .registry import Case, composite


@composite(namespace="linalg", name="matmul", reference=matmul_reference,
           cases=(Case(((2, 3), (3, 4))), Case(((3, 2), (3, 4)), dict(transpose_a=True)),
                  Case(((2, 3), (4, 3)), dict(transpose_b=True)), Case(((3, 2), (4, 3)), dict(adjoint_a=True,
                                                                                               adjoint_b=True)),
                  Case(((2, 2, 3), (2, 4, 3)), dict(transpose_b=True))),
           convention="bilinear; adjoint_a/adjoint_b are transposes (real matrices); transpose and adjoint of "
                      "the same operand together raise ValueError, as TensorFlow")
def matmul(a: TensorLike, b: TensorLike, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type: Any = None, name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.matmul``: ``op(a) @ op(b)`` with batch axes broadcast."""
    ta, tb = operand(a, "linalg.matmul"), operand(b, "linalg.matmul")
    if (transpose_a and adjoint_a) or (transpose_b and adjoint_b):
        raise op_value_error("linalg.matmul", "only one of transpose and adjoint may be set for an operand", ta, tb)
    if output_type is not None:
        raise op_value_error("linalg.matmul", "output_type is not supported", ta, tb)
    return nt_matmul(ta, tb, transpose_a=transpose_a, transpose_b=transpose_b, adjoint_a=adjoint_a,
                     adjoint_b=adjoint_b)


def _matvec_reference(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False) -> Any:
    return matmul_reference(a, b[..., None], transpose_a=transpose_a or adjoint_a)[..., 0]


@composite(namespace="linalg", name="matvec", reference=_matvec_reference,
           cases=(Case(((2, 3), (3,))), Case(((3, 2), (3,)), dict(transpose_a=True)),
                  Case(((2, 2, 3), (2, 3))), Case(((2, 3, 2), (3,)), dict(adjoint_a=True))),
           convention="bilinear (matmul's); adjoint_a is the transpose (real matrices)")
def matvec(a: TensorLike, b: TensorLike, transpose_a: bool = False, adjoint_a: bool = False,
           a_is_sparse: bool = False, b_is_sparse: bool = False, name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.matvec``: ``op(a) @ b`` for matrices (..., m, n) and vectors (..., n),
    batch axes broadcast (the sparsity flags are hints, as in TensorFlow)."""
    ta, tb = operand(a, "linalg.matvec"), operand(b, "linalg.matvec", 1)
    if transpose_a and adjoint_a:
        raise op_value_error("linalg.matvec", "only one of transpose_a and adjoint_a may be set", ta, tb)
    column = reshape(tb, tb.shape + (1,))
    product = nt_matmul(ta, column, transpose_a=transpose_a, adjoint_a=adjoint_a)
    return reshape(product, product.shape[:-1])


def diagonal_of(t: Tensor) -> Tensor:
    """The main diagonals (..., min(m, n)) of the matrices (..., m, n) in the last two axes."""
    positions = np.arange(t.size, dtype=np.int64).reshape(t.shape)
    index = np.diagonal(positions, axis1=-2, axis2=-1)
    return gather_flat(t, np.ascontiguousarray(index), index.shape)


def _no_offsets(op: str, k: Any, **others: Any) -> None:
    if k != 0 or any(others.values()):
        raise op_value_error(op, f"only the main diagonal (k=0, default num_rows/num_cols/padding/align) is "
                             f"supported, got k={k!r}, {others}")


@composite(namespace="linalg", name="diag_part", reference=lambda x: np.diagonal(x, axis1=-2, axis2=-1),
           cases=(Case(((3, 3),)), Case(((2, 3, 4),)), Case(((4, 2),))),
           convention="a gather: the cotangent goes to the diagonal, the other entries get 0")
def diag_part(input: TensorLike, name: Optional[str] = None, k: int = 0, padding_value: Any = 0,
              align: str = "RIGHT_LEFT") -> Tensor:
    """TensorFlow's ``tf.linalg.diag_part``: the main diagonals of the last two axes."""
    t = operand(input, "linalg.diag_part")
    _no_offsets("linalg.diag_part", k, padding_value=padding_value != 0)
    return diagonal_of(t)


def _diag_reference(v: Any) -> Any:
    return v[..., :, None] * np.eye(v.shape[-1])


@composite(namespace="linalg", name="diag", reference=_diag_reference, cases=(Case(((3,),)), Case(((2, 4),))),
           convention="linear: the diagonal's cotangent is the diagonal of the matrix's")
def diag(diagonal: TensorLike, name: Optional[str] = None, k: int = 0, num_rows: int = -1, num_cols: int = -1,
         padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """TensorFlow's ``tf.linalg.diag``: batched diagonal matrices (..., n, n) from (..., n)."""
    t = operand(diagonal, "linalg.diag", 1)
    _no_offsets("linalg.diag", k, num_rows=num_rows != -1, num_cols=num_cols != -1,
                padding_value=padding_value != 0)
    return diag_embed(t)


def _band(m: int, n: int, num_lower: int, num_upper: int) -> np.ndarray:
    i, j = np.arange(m)[:, None], np.arange(n)[None, :]
    keep = np.ones((m, n), bool)
    if num_lower >= 0:
        keep &= i - j <= num_lower
    if num_upper >= 0:
        keep &= j - i <= num_upper
    return keep.astype(np.float64)


def _band_reference(x: Any, num_lower: int, num_upper: int) -> Any:
    return x * _band(x.shape[-2], x.shape[-1], num_lower, num_upper)


@composite(namespace="linalg", name="band_part", reference=_band_reference,
           cases=(Case(((4, 4),), dict(num_lower=1, num_upper=0)), Case(((2, 3, 5),), dict(num_lower=-1, num_upper=1)),
                  Case(((4, 3),), dict(num_lower=0, num_upper=-1))),
           convention="a constant 0/1 mask: the cotangent is masked the same way")
def band_part(input: TensorLike, num_lower: int, num_upper: int, name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.band_part``: keep ``num_lower`` subdiagonals and ``num_upper`` superdiagonals
    (negative: all of them), zero the rest."""
    t = operand(input, "linalg.band_part")
    for label, value in (("num_lower", num_lower), ("num_upper", num_upper)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise op_value_error("linalg.band_part", f"{label} must be an integer, got {value!r}", t)
    return masked(t, _band(t.shape[-2], t.shape[-1], int(num_lower), int(num_upper)))


@composite(namespace="linalg", name="matrix_transpose", reference=lambda a: np.swapaxes(a, -1, -2),
           cases=(Case(((2, 3),)), Case(((2, 3, 4),))), convention="a permutation of the entries")
def matrix_transpose(a: TensorLike, name: Optional[str] = None, conjugate: bool = False) -> Tensor:
    """TensorFlow's ``tf.linalg.matrix_transpose``: swap the last two axes (real: conjugate changes nothing)."""
    return mT(operand(a, "linalg.matrix_transpose"))


@composite(namespace="linalg", name="trace", reference=lambda x: np.trace(x, axis1=-2, axis2=-1),
           cases=(Case(((3, 3),)), Case(((2, 3, 4),))),
           convention="linear: the cotangent goes to the main diagonal")
def trace(x: TensorLike, name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.trace``: the sum of the main diagonal of the last two axes (batched)."""
    return reduce_sum(diagonal_of(operand(x, "linalg.trace")), axis=-1)
