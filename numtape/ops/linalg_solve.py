"""Linear systems and determinants: solve, inv, det, slogdet, solve_triangular (and TF's names).

Each is a NumPy/SciPy hand-off (:mod:`numtape.ops.handoff`): LAPACK computes the value,
and the VJP is written in numtape ops, so it records for higher orders. The rules solve
with the matrix instead of forming an inverse: for ``x = solve(A, b)``,
``b_bar = solve(A^T, g)`` and ``A_bar = -b_bar x^T``; for ``log|det A|``,
``A_bar = g inv(A)^T`` computed as ``solve(A^T, I)``; ``det`` is
``g det(A) inv(A)^T``; ``inv`` is ``-X^T g X^T``. A triangular solve reads only its
triangle (and not the diagonal when ``unit_diagonal``), so its rule masks the
cotangent the same way. These are the rules of autograd (``autograd/numpy/linalg.py``:
grad_solve, grad_inv, det, slogdet) and JAX (``triangular_solve`` transpose rule), with
``solve`` in place of ``inv`` and the triangle mask for SciPy's semantics.

Conditions: the matrix must be non-singular. A singular matrix makes ``solve``/``inv``
raise (ValueError naming the function, from LAPACK's LinAlgError); ``det`` of a singular
matrix is 0 and ``slogdet`` gives (0, -inf), as NumPy, but their gradient (the adjugate;
inv(A)^T for slogdet, which is infinite) raises the same ValueError instead of giving a
number. Near-singular matrices give large, correct derivatives (the math).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .handoff import handoff
from .linalg import matmul
from .linalg_base import (
    check_rhs, lapack, mT, masked, operand, outer_last, scalar_to_matrix, square, sum_to, tril_mask,
    triangular, triu_mask, vector_rhs, well_conditioned,
)
from .registry import Case, composite
from .shape import expand_dims, squeeze
from .tf_signature import SPD_SAMPLE, tf_signature

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])

_SQUARE = (Case(((3, 3),)), Case(((2, 4, 4),)))


def _solve_reference(a: Any, b: Any, adjoint: bool = False) -> Any:
    return np.linalg.solve(np.swapaxes(a, -1, -2) if adjoint else a, b)


def _inv_reference(a: Any, adjoint: bool = False) -> Any:
    return np.linalg.inv(np.swapaxes(a, -1, -2) if adjoint else a)


def _identity(a: Tensor) -> Tensor:
    return wrap(np.eye(a.shape[-1], dtype=a.dtype))


def columnwise(solver: Any, g: Tensor) -> Tensor:
    """``solver(g)`` for a right-hand side that was one vector: a batch of vectors (..., n) is solved
    as columns (..., n, 1), since a right-hand side of rank > 1 means (..., n, k)."""
    if g.ndim == 1:
        return solver(g)
    return squeeze(solver(expand_dims(g, -1)), -1)


def solve_with(a: Tensor, b: Tensor, op: str) -> Tensor:
    """``solve(a, b)`` whose LinAlgError names ``op`` (the public function whose rule needs it)."""

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        return (lapack(op, lambda: np.linalg.solve(values[0], values[1]), a, b),)

    return handoff("linalg.solve", forward, _solve_vjp, [a, b])[0]


def _solve_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    (g,), (a, b), (x,) = upstream, inputs, outputs
    if not vector_rhs(b):
        gb = solve_with(mT(a), g, "linalg.solve")
    else:
        gb = columnwise(lambda rhs: solve_with(mT(a), rhs, "linalg.solve"), g)
    ga = -(outer_last(gb, x) if vector_rhs(b) else matmul(gb, mT(x)))
    return [sum_to(ga, a.shape), sum_to(gb, b.shape)]


@composite(namespace="linalg", numpy=(np.linalg.solve,), reference=_solve_reference,
           sample=well_conditioned,
           cases=(Case(((3, 3), (3,))), Case(((3, 3), (3, 2))), Case(((2, 3, 3), (2, 3, 1))),
                  Case(((2, 1, 3, 3), (4, 3, 2)), orders=1), Case(((2, 3, 3), (3,))),
                  Case(((3, 3), (3, 2)), dict(adjoint=True))),
           convention="a must be non-singular: a singular matrix raises ValueError (LinAlgError's text). "
                      "b is a vector only when 1-d (NumPy 2); batch axes broadcast. Rule: b_bar = solve(a^T, g), "
                      "a_bar = -b_bar x^T")
@tf_signature("solve(matrix, rhs, adjoint=False, name=None)", namespaces=("linalg",),
              rename={"matrix": "a", "rhs": "b"}, example=dict(matrix=SPD_SAMPLE, rhs=((0.4,), (-1.1,), (0.6,)), adjoint=True),
              reference=lambda matrix, rhs, adjoint: np.linalg.solve(np.transpose(matrix), rhs))
def solve(a: TensorLike, b: TensorLike, adjoint: bool = False, name: Optional[str] = None) -> Tensor:
    """The solution ``x`` of ``a @ x = b`` (batched), as ``np.linalg.solve``; ``adjoint=True`` solves
    ``a^T x = b`` (TensorFlow's ``tf.linalg.solve(matrix, rhs, adjoint)``)."""
    ta, tb = square(a, "linalg.solve"), operand(b, "linalg.solve", 1)
    check_rhs("linalg.solve", ta, tb)
    return solve_with(mT(ta) if adjoint else ta, tb, "linalg.solve")


def _inv_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    xt = mT(outputs[0])
    return [-matmul(matmul(xt, upstream[0]), xt)]


@composite(namespace="linalg", numpy=(np.linalg.inv,), reference=_inv_reference,
           sample=well_conditioned,
           cases=_SQUARE + (Case(((3, 3),), dict(adjoint=True)),),
           convention="a must be non-singular: a singular matrix raises ValueError. Rule: -X^T g X^T, X = inv(a)")
@tf_signature("inv(input, adjoint=False, name=None)", namespaces=("linalg",), rename={"input": "a"},
              example=dict(input=SPD_SAMPLE), reference=lambda input: np.linalg.inv(input))
def inv(a: TensorLike, adjoint: bool = False, name: Optional[str] = None) -> Tensor:
    """The inverse of square matrices (batched), as ``np.linalg.inv``; ``adjoint=True`` inverts the
    transpose (TensorFlow's ``tf.linalg.inv(input, adjoint)``)."""
    t = square(a, "linalg.inv")
    t = mT(t) if adjoint else t

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        return (lapack("linalg.inv", lambda: np.linalg.inv(values[0]), t),)

    return handoff("linalg.inv", forward, _inv_vjp, [t])[0]


def inverse_transpose(a: Tensor, op: str) -> Tensor:
    """``inv(a)^T`` as ``solve(a^T, I)``; a singular ``a`` raises a ValueError naming ``op``."""
    return solve_with(mT(a), _identity(a), op)


def _det_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    (g,), (a,), (d,) = upstream, inputs, outputs
    return [scalar_to_matrix(g * d) * inverse_transpose(a, "linalg.det (its gradient at a singular matrix)")]


@composite(namespace="linalg", numpy=(np.linalg.det,), sample=well_conditioned,
           cases=_SQUARE + (Case(((1, 1),)),),
           convention="gradient det(a) inv(a)^T (computed by solve): at a singular matrix the value is 0 but the "
                      "gradient (the adjugate) raises ValueError instead of being computed")
@tf_signature("det(input, name=None)", namespaces=("linalg",), rename={"input": "a"},
              example=dict(input=SPD_SAMPLE), reference=lambda input: np.linalg.det(input))
def det(a: TensorLike) -> Tensor:
    """The determinant of square matrices (batched), as ``np.linalg.det``."""
    t = square(a, "linalg.det")

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        return (np.linalg.det(values[0]),)

    return handoff("linalg.det", forward, _det_vjp, [t])[0]


def _slogdet_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Any]:
    g = upstream[1]  # the sign is piecewise constant: its cotangent does not matter
    if g is None:
        return [None]
    return [scalar_to_matrix(g) * inverse_transpose(inputs[0], "linalg.slogdet (its gradient at a singular matrix)")]


@composite(namespace="linalg", numpy=(np.linalg.slogdet,), sample=well_conditioned,
           cases=_SQUARE,
           convention="returns (sign, logabsdet); sign is piecewise constant (no gradient); d logabsdet = "
                      "inv(a)^T, computed as solve(a^T, I). A singular matrix gives (0, -inf) as NumPy, and its "
                      "gradient (infinite) raises ValueError")
@tf_signature("slogdet(input, name=None)", namespaces=("linalg",), rename={"input": "a"}, differentiable=False,
              example=dict(input=SPD_SAMPLE), reference=lambda input: tuple(np.linalg.slogdet(input)))
def slogdet(a: TensorLike) -> SlogdetResult:
    """``(sign, log|det a|)`` of square matrices (batched), as ``np.linalg.slogdet``."""
    t = square(a, "linalg.slogdet")

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        sign, logabsdet = np.linalg.slogdet(values[0])
        return sign, logabsdet

    return SlogdetResult(*handoff("linalg.slogdet", forward, _slogdet_vjp, [t]))


def _trans(trans: Any) -> int:
    codes = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}  # real matrices: the conjugate transpose is the transpose
    if isinstance(trans, (bool, float)) or trans not in codes:
        raise op_value_error("linalg.solve_triangular", f"trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    return codes[trans]


def _triangle(n: int, lower: bool, unit_diagonal: bool) -> np.ndarray:
    k = -1 if unit_diagonal else 0
    return tril_mask(n, k) if lower else triu_mask(n, -k)


def triangular_solve_raw(a: Tensor, b: Tensor, trans: int, lower: bool, unit_diagonal: bool) -> Tensor:
    """``op(a)^-1 b`` reading only ``a``'s triangle (SciPy's ``solve_triangular``), recorded."""

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        from scipy.linalg import solve_triangular as scipy_solve

        return (lapack("linalg.solve_triangular", lambda: scipy_solve(values[0], values[1], trans=trans,
                                                                        lower=lower, unit_diagonal=unit_diagonal),
                       a, b),)

    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (g,), (ta, tb), (x,) = upstream, inputs, outputs
        if not vector_rhs(tb):
            gb = triangular_solve_raw(ta, g, 1 - trans, lower, unit_diagonal)
        else:
            gb = columnwise(lambda rhs: triangular_solve_raw(ta, rhs, 1 - trans, lower, unit_diagonal), g)
        gm = -(outer_last(gb, x) if vector_rhs(tb) else matmul(gb, mT(x)))
        ga = masked(gm if trans == 0 else mT(gm), _triangle(ta.shape[-1], lower, unit_diagonal))
        return [sum_to(ga, ta.shape), sum_to(gb, tb.shape)]

    return handoff("linalg.solve_triangular", forward, vjp, [a, b])[0]


def _scipy_solve_triangular(a: Any, b: Any, **kwargs: Any) -> Any:
    from scipy.linalg import solve_triangular as scipy_solve

    return scipy_solve(a, b, **kwargs)


@composite(namespace="linalg", reference=_scipy_solve_triangular, sample=triangular(lower=False),
           cases=(Case(((3, 3), (3,))), Case(((3, 3), (3, 2)), dict(lower=True), sample=triangular(lower=True)),
                  Case(((3, 3), (3, 2)), dict(trans="T")), Case(((3, 3), (3,)), dict(trans=1, unit_diagonal=True)),
                  Case(((2, 3, 3), (2, 3, 2)), dict(lower=True, trans=2), sample=triangular(lower=True))),
           convention="scipy.linalg.solve_triangular: reads only the lower (lower=True) or upper triangle of a "
                      "(not the diagonal when unit_diagonal), so the other entries get a zero gradient; a zero "
                      "diagonal entry raises ValueError. Batch axes broadcast (SciPy >= 1.15)")
def solve_triangular(a: TensorLike, b: TensorLike, trans: Any = 0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, check_finite: bool = True) -> Tensor:
    """The solution ``x`` of ``op(a) @ x = b`` for triangular ``a``, as ``scipy.linalg.solve_triangular``."""
    ta, tb = square(a, "linalg.solve_triangular"), operand(b, "linalg.solve_triangular", 1)
    check_rhs("linalg.solve_triangular", ta, tb)
    if check_finite and not (np.all(np.isfinite(ta._v)) and np.all(np.isfinite(tb._v))):
        raise op_value_error("linalg.solve_triangular", "array must not contain infs or NaNs", ta, tb)
    return triangular_solve_raw(ta, tb, _trans(trans), bool(lower), bool(unit_diagonal))


def _tf_triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False) -> Any:
    return _scipy_solve_triangular(matrix, rhs, lower=lower, trans=1 if adjoint else 0)


@composite(namespace="linalg", name="triangular_solve", reference=_tf_triangular_solve,
           sample=triangular(lower=True),
           cases=(Case(((3, 3), (3, 2))), Case(((2, 3, 3), (2, 3, 1)), dict(adjoint=True)),
                  Case(((3, 3), (3, 2)), dict(lower=False), sample=triangular(lower=False))),
           convention="TensorFlow's tf.linalg.triangular_solve: rhs is (..., M, K); reads only the lower "
                      "(lower=True) or upper triangle; adjoint solves with the transpose (real matrices)")
def triangular_solve(matrix: TensorLike, rhs: TensorLike, lower: bool = True, adjoint: bool = False,
                     name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.triangular_solve(matrix, rhs, lower=True, adjoint=False)``."""
    ta, tb = square(matrix, "linalg.triangular_solve"), operand(rhs, "linalg.triangular_solve")
    check_rhs("linalg.triangular_solve", ta, tb)
    return triangular_solve_raw(ta, tb, 1 if adjoint else 0, bool(lower), False)
