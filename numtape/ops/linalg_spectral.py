"""Spectral decompositions: eigh, eigvalsh, svd (NumPy's and TensorFlow's), pinv, lstsq.

``eigh`` and ``svd`` are LAPACK hand-offs (:mod:`numtape.ops.handoff`) with VJPs in numtape
ops (autograd's ``grad_eigh`` and ``grad_svd``, autograd/numpy/linalg.py):

* eigh: ``M = V (diag(gw) + F o (V^T gV)) V^T`` with ``F_ij = 1 / (w_j - w_i)`` off the
  diagonal and 0 on it. LAPACK reads only the lower triangle (``UPLO='U'``: the upper), so
  the gradient is that function's: ``tril(M) + tril(M^T, -1)``.
* svd, reduced (``k = min(m, n)``): ``U [F o (U^T gU - gU^T U) S + diag(gs) + S F o (V^T gV -
  gV^T V)] V^T`` with ``F_ij = 1 / (s_j^2 - s_i^2)`` off the diagonal, plus the terms of
  the complements, ``(I - U U^T) gU S^-1 V^T`` (m > n) and ``U S^-1 gV^T (I - V V^T)`` (m < n).

An output nobody uses has no term (its cotangent reaches the rule as None), so a loss of
the eigenvalues (singular values) alone has a finite gradient at degenerate eigenvalues.
Conditions: the eigenvector (singular vector) terms need distinct eigenvalues (singular
values, and nonzero ones when m != n); where two are equal ``F`` is infinite and the gradient
inf/NaN (the math: the vectors are not unique there), never a finite wrong number; nearly
equal ones give large, correct derivatives. At equal eigenvalues the eigenvalues themselves
have a kink: the rule then gives the derivative in the basis LAPACK returned. ``pinv`` (and
``lstsq``, which is ``pinv(a) @ b``) need full rank for a derivative: pinv jumps where the rank
changes, so a rank-deficient matrix raises ValueError in the backward pass.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .elementwise import reciprocal, square
from .handoff import handoff
from .linalg import matmul
from .linalg_base import (
    distinct_singular, eye_like, mT, masked, operand, square as square_operand, symmetric_distinct, tril_mask,
    triu_mask, well_conditioned,
)
from .linalg_solve import solve_with
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import expand_dims, getitem
from .tf_signature import SPD_SAMPLE, tf_signature

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
LstsqResult = namedtuple("LstsqResult", ["x", "residuals", "rank", "s"])


def _off_diagonal_reciprocal(d: Tensor) -> Tensor:
    """``1 / d`` off the diagonal and 0 on it, for square ``d`` whose diagonal is 0."""
    n = d.shape[-1]
    eye = eye_like(d, n)
    return masked(reciprocal(d + eye), 1.0 - eye)


# -- eigh ---------------------------------------------------------------------------------------
def _eigh_vjp(lower: bool) -> Any:
    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (gw, gv), (a,), (w, v) = upstream, inputs, outputs
        inner = 0.0
        if gw is not None:
            inner = expand_dims(gw, -2) * eye_like(w, w.shape[-1])
        if gv is not None:
            f = _off_diagonal_reciprocal(expand_dims(w, -2) - expand_dims(w, -1))  # F_ij = 1/(w_j - w_i)
            inner = inner + f * matmul(mT(v), gv)
        m = matmul(matmul(v, inner), mT(v))
        n = a.shape[-1]
        if lower:
            return [masked(m, tril_mask(n)) + masked(mT(m), tril_mask(n, -1))]
        return [masked(m, triu_mask(n)) + masked(mT(m), triu_mask(n, 1))]

    return vjp


def _eigh_both(t: Tensor, uplo: str, op: str) -> list[Tensor]:
    if uplo not in ("L", "U"):
        raise op_value_error(op, f"UPLO must be 'L' or 'U', got {uplo!r}", t)

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        w, v = np.linalg.eigh(values[0], UPLO=uplo)
        return w, v

    return handoff("linalg.eigh", forward, _eigh_vjp(uplo == "L"), [t])


_EIGH_CONVENTION = ("only the lower triangle is read (UPLO='U': the upper), so the other triangle's gradient is 0; "
                    "eigenvector gradients need distinct eigenvalues (equal ones give inf/NaN, the vectors are not "
                    "unique); the gradient does not depend on the eigenvectors' signs")


@composite(namespace="linalg", numpy=(np.linalg.eigh,), sample=symmetric_distinct,
           cases=(Case(((3, 3),)), Case(((2, 4, 4),)), Case(((3, 3),), dict(UPLO="U"))),
           convention=_EIGH_CONVENTION)
@tf_signature("eigh(tensor, name=None)", namespaces=("linalg",), rename={"tensor": "a"}, reads_positions=True,
              differentiable=False, example=dict(tensor=SPD_SAMPLE),
              reference=lambda tensor: tuple(np.linalg.eigh(tensor)))
def eigh(a: TensorLike, UPLO: str = "L", name: Optional[str] = None) -> EighResult:
    """``EighResult(eigenvalues, eigenvectors)`` of symmetric matrices (ascending), as ``np.linalg.eigh``."""
    w, v = _eigh_both(square_operand(a, "linalg.eigh"), UPLO, "linalg.eigh")
    return EighResult(w, v)


@composite(namespace="linalg", numpy=(np.linalg.eigvalsh,),
           sample=symmetric_distinct, cases=(Case(((3, 3),)), Case(((2, 4, 4),)), Case(((3, 3),), dict(UPLO="U"))),
           convention="V diag(g) V^T on the triangle eigh reads; finite also at equal eigenvalues, where the "
                      "eigenvalues have a kink (the rule gives the derivative in LAPACK's eigenbasis)")
def eigvalsh(a: TensorLike, UPLO: str = "L", name: Optional[str] = None) -> Tensor:
    """The eigenvalues of symmetric matrices (ascending), as ``np.linalg.eigvalsh``."""
    return _eigh_both(square_operand(a, "linalg.eigvalsh"), UPLO, "linalg.eigvalsh")[0]


# -- svd ----------------------------------------------------------------------------------------
def _svd_vjp(full: bool) -> Any:
    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (gu, gs, gvh), (a,), (u, s, vh) = upstream, inputs, outputs
        m, n = a.shape[-2:]
        k = min(m, n)
        if full and m != n:
            if gu is not None or gvh is not None:
                raise op_value_error("linalg.svd", f"U and Vh of full_matrices=True for a non-square matrix "
                                     f"{a.shape} have no derivative (their extra columns are any basis); use "
                                     "full_matrices=False", a)
            u, vh = getitem(u, (Ellipsis, slice(None), slice(0, k))), getitem(vh, (Ellipsis, slice(0, k), slice(None)))
        v = mT(vh)
        gv = None if gvh is None else mT(gvh)
        eye = eye_like(s, k)
        inner = 0.0 if gs is None else expand_dims(gs, -2) * eye
        if gu is not None or gv is not None:
            s2 = square(s)
            f = _off_diagonal_reciprocal(expand_dims(s2, -2) - expand_dims(s2, -1))  # 1/(s_j^2 - s_i^2)
        if gu is not None:
            utgu = matmul(mT(u), gu)
            inner = inner + f * (utgu - mT(utgu)) * expand_dims(s, -2)
        if gv is not None:
            vtgv = matmul(mT(v), gv)
            inner = inner + expand_dims(s, -1) * (f * (vtgv - mT(vtgv)))
        grad = matmul(matmul(u, inner), vh)
        if gu is not None and m > n:
            grad = grad + matmul((gu - matmul(u, matmul(mT(u), gu))) * expand_dims(reciprocal(s), -2), vh)
        if gv is not None and m < n:
            grad = grad + matmul(u * expand_dims(reciprocal(s), -2), mT(gv - matmul(v, matmul(vh, gv))))
        return [grad]

    return vjp


def _svd_all(t: Tensor, full: bool) -> list[Tensor]:
    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        u, s, vh = np.linalg.svd(values[0], full_matrices=full)
        return u, s, vh

    return handoff("linalg.svd", forward, _svd_vjp(full), [t])


_SVD_CASES = (Case(((3, 3),)), Case(((4, 2),), dict(full_matrices=False)), Case(((2, 4),), dict(full_matrices=False)),
              Case(((2, 3, 2),), dict(full_matrices=False)), Case(((4, 3),), dict(compute_uv=False)),
              Case(((2, 3),), dict(compute_uv=False)))
_SVD_CONVENTION = ("singular vectors need distinct nonzero singular values (equal ones give inf/NaN: the vectors are "
                   "not unique), the singular values alone have a finite gradient U diag(g) V^T; U and Vh of "
                   "full_matrices=True for a non-square matrix have no derivative (ValueError)")


@composite("svd", namespace="numpy.linalg", numpy=(np.linalg.svd,), sample=distinct_singular, cases=_SVD_CASES,
           convention=_SVD_CONVENTION)
def numpy_svd(a: TensorLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """``SVDResult(U, S, Vh)`` (``compute_uv=False``: ``S``), as ``np.linalg.svd``."""
    t = operand(a, "linalg.svd")
    if hermitian:
        raise op_value_error("linalg.svd", "hermitian=True is not supported on Tensors", t)
    u, s, vh = _svd_all(t, bool(full_matrices) and bool(compute_uv))
    return SVDResult(u, s, vh) if compute_uv else s


def _tf_svd_reference(a: Any, full_matrices: bool = False, compute_uv: bool = True) -> Any:
    if not compute_uv:
        return np.linalg.svd(a, compute_uv=False)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return s, u, np.swapaxes(vh, -1, -2)


@composite("svd", namespace="linalg", reference=_tf_svd_reference,
           sample=distinct_singular,
           cases=(Case(((3, 3),)), Case(((4, 2),)), Case(((2, 2, 3),)), Case(((3, 2),), dict(compute_uv=False))),
           convention="TensorFlow's order and v: returns (s, u, v) with a = u diag(s) v^T (v, not v^H). "
                      + _SVD_CONVENTION)
def svd(tensor: TensorLike, full_matrices: bool = False, compute_uv: bool = True, name: Optional[str] = None) -> Any:
    """TensorFlow's ``tf.linalg.svd``: ``(s, u, v)`` with ``tensor = u @ diag(s) @ v^T`` (``s`` alone
    when ``compute_uv=False``)."""
    t = operand(tensor, "linalg.svd")
    u, s, vh = _svd_all(t, bool(full_matrices) and bool(compute_uv))
    return (s, u, mT(vh)) if compute_uv else s


# -- pinv and lstsq -------------------------------------------------------------------------------
def _cutoff(rcond: Any) -> Any:
    """NumPy's rcond of pinv: the default 1e-15, else an array broadcasting over the batch."""
    return 1e-15 if rcond is None else np.asarray(rcond, np.float64)


def _pinv_vjp(rcond: Any) -> Any:
    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (g,), (a,), (x,) = upstream, inputs, outputs
        s = np.linalg.svd(np.asarray(a._v, np.float64), compute_uv=False)
        if s.shape[-1] and np.any(s <= np.asarray(rcond)[..., None] * s[..., :1]):
            raise op_value_error("linalg.pinv", f"the matrix of shape {a.shape} is rank-deficient: pinv jumps where "
                                 "the rank changes, so it has no derivative there", a)
        m, n = a.shape[-2:]
        eye_m, eye_n = eye_like(x, m), eye_like(x, n)
        grad = -matmul(matmul(x, mT(g)), x) + matmul(matmul(matmul(x, mT(x)), g), eye_m - matmul(a, x)) \
            + matmul(matmul(matmul(eye_n - matmul(x, a), g), mT(x)), x)
        return [mT(grad)]

    return vjp


def pinv_raw(t: Tensor, rcond: Any) -> Tensor:
    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        return (np.linalg.pinv(values[0], rcond=rcond),)

    return handoff("linalg.pinv", forward, _pinv_vjp(rcond), [t])[0]


@composite(namespace="linalg", numpy=(np.linalg.pinv,), sample=distinct_singular,
           cases=(Case(((3, 3),)), Case(((4, 2),)), Case(((2, 4),)), Case(((2, 3, 2),))),
           convention="needs full rank for a derivative (the rule of Golub and Pereyra, as autograd): at a "
                      "rank-deficient matrix pinv is discontinuous and the backward pass raises ValueError")
def pinv(a: TensorLike, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (batched), as ``np.linalg.pinv``."""
    t = operand(a, "linalg.pinv")
    if hermitian or rtol is not None:
        raise op_value_error("linalg.pinv", "hermitian and rtol are not supported on Tensors (use rcond)", t)
    return pinv_raw(t, _cutoff(rcond))


@composite("lstsq", namespace="numpy.linalg", numpy=(np.linalg.lstsq,), sample=distinct_singular,
           cases=(Case(((4, 2), (4,))), Case(((4, 3), (4, 2))), Case(((3, 3), (3, 2))), Case(((2, 3), (2,)))),
           convention="x = pinv(a) b with NumPy's rcond (machine precision times max(m, n) by default); residuals "
                      "(when m > n and a has full rank), rank (data) and singular values as NumPy. The derivative "
                      "needs full rank (a rank-deficient matrix raises ValueError in the backward pass)")
def numpy_lstsq(a: TensorLike, b: TensorLike, rcond: Any = None) -> LstsqResult:
    """``(x, residuals, rank, s)`` of the least-squares problem ``min ||a x - b||``, as ``np.linalg.lstsq``."""
    ta, tb = operand(a, "linalg.lstsq"), operand(b, "linalg.lstsq", 1)
    if ta.ndim != 2 or tb.ndim > 2 or tb.shape[0] != ta.shape[0]:
        raise op_value_error("linalg.lstsq", f"needs a of shape (m, n) and b of shape (m,) or (m, k), got {ta.shape} "
                             f"and {tb.shape}", ta, tb)
    m, n = ta.shape
    cutoff = np.finfo(np.float64).eps * max(m, n) if rcond is None else float(rcond)
    x = matmul(pinv_raw(ta, cutoff), tb)
    s = _svd_all(ta, False)[1]
    sv = np.asarray(s._v)
    rank = int(np.sum(sv > cutoff * sv[0])) if sv.size else 0
    if rank == n and m > n:
        residuals = reduce_sum(square(matmul(ta, x) - tb), axis=0)
        residuals = residuals if tb.ndim == 2 else expand_dims(residuals, 0)
    else:
        residuals = wrap(np.zeros((0,), ta.dtype))
    return LstsqResult(x, residuals, np.int32(rank), s)


def _tf_lstsq_reference(matrix: Any, rhs: Any, l2_regularizer: float = 0.0, fast: bool = True) -> Any:
    m, n = matrix.shape[-2:]
    at = np.swapaxes(matrix, -1, -2)
    if m >= n:
        return np.linalg.solve(at @ matrix + l2_regularizer * np.eye(n), at @ rhs)
    return at @ np.linalg.solve(matrix @ at + l2_regularizer * np.eye(m), rhs)


@composite("lstsq", namespace="linalg", reference=_tf_lstsq_reference, sample=well_conditioned,
           cases=(Case(((4, 2), (4, 3))), Case(((2, 4, 3), (2, 4, 1))), Case(((2, 3), (2, 2))),
                  Case(((4, 2), (4, 1)), dict(l2_regularizer=0.5))),
           convention="TensorFlow's tf.linalg.lstsq (fast=True): the normal equations (a^T a + l2 I) x = a^T rhs "
                      "(m >= n) or x = a^T (a a^T + l2 I)^-1 rhs (m < n), solved with solve; needs full rank "
                      "(or l2_regularizer > 0), else ValueError")
def lstsq(matrix: TensorLike, rhs: TensorLike, l2_regularizer: float = 0.0, fast: bool = True,
          name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.lstsq``: the (regularized) least-squares solution, batched, rhs (..., M, K)."""
    ta, tb = operand(matrix, "linalg.lstsq"), operand(rhs, "linalg.lstsq")
    m, n = ta.shape[-2:]
    if tb.shape[-2] != m:
        raise op_value_error("linalg.lstsq", f"rhs of shape {tb.shape} does not fit matrix of shape {ta.shape}",
                             ta, tb)
    at = mT(ta)
    reg = np.asarray(l2_regularizer, ta.dtype)
    if m >= n:
        return solve_with(matmul(at, ta) + reg * eye_like(ta, n), matmul(at, tb), "linalg.lstsq")
    return matmul(at, solve_with(matmul(ta, at) + reg * eye_like(ta, m), tb, "linalg.lstsq"))
