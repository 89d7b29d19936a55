"""Factorizations and the solves that use them: cholesky, cho_factor, cho_solve, lu_factor, lu_solve,
qr, and TensorFlow's cholesky_solve and logdet.

``cholesky`` and ``lu_factor`` and ``qr`` are NumPy/SciPy hand-offs (:mod:`numtape.ops.handoff`)
whose VJPs are written in numtape ops with triangular solves (never an inverse):

* cholesky (Iain Murray's rule, arXiv:1602.07527, as autograd's ``grad_cholesky``):
  ``S = L^-T Phi(L^T g) L^-1`` with ``Phi`` the lower triangle with a halved diagonal;
  ``(S + S^T)/2`` is the gradient for symmetric perturbations. LAPACK reads only the lower
  triangle (``upper=True``: the upper), so the rule returns the gradient of that function:
  the strict lower triangle gets ``S + S^T`` and the diagonal ``S`` (the other triangle 0).
* lu_factor (JAX's ``_lu_jvp_rule``, transposed): with ``P^T A = L U``,
  ``X = tril(L^T gL, -1) + triu(gU U^T)`` and ``A_bar = P L^-T X U^-T``.
* qr, reduced, m >= n (the transpose of JAX's ``qr_jvp_rule``): with
  ``N = gR R^T - Q^T gQ`` and ``K = triu(N) + tril(N^T, -1)``, ``A_bar = (gQ + Q K) R^-T``.

``cho_factor``, ``cho_solve``, ``lu_solve``, ``cholesky_solve`` and ``logdet`` are composed of
those and of triangular solves, so their derivatives are the composition's.

Conditions: cholesky needs a symmetric positive definite matrix (otherwise LAPACK's
LinAlgError becomes a ValueError naming the function); lu needs a non-singular matrix for
its derivative (an exactly singular U raises in the triangular solve); qr's derivative needs
full column rank and m >= n (m < n, and mode='complete' with m > n, raise ValueError: the
extra columns of Q are not unique). The pivots of ``lu_factor`` are returned as a float
Tensor of integer values (SciPy: int32) so that ``nt.function`` replays recompute them.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .elementwise import log
from .handoff import handoff
from .linalg import matmul
from .linalg_base import (
    check_rhs, diag_part, eye_like, lapack, mT, masked, operand, spd, square, tril_mask, triangular, triu_mask,
    vector_rhs, well_conditioned,
)
from .linalg_solve import triangular_solve_raw
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import broadcast_to
from .tf_signature import SPD_SAMPLE, tf_signature

QRResult = namedtuple("QRResult", ["Q", "R"])


# -- cholesky ---------------------------------------------------------------------------------
def cholesky_lower(a: Tensor, op: str = "linalg.cholesky") -> Tensor:
    """The lower Cholesky factor of the symmetric matrix read from ``a``'s lower triangle."""

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        return (lapack(op, lambda: np.linalg.cholesky(values[0]), a),)

    return handoff("linalg.cholesky", forward, _cholesky_vjp, [a])[0]


def _cholesky_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    (g,), (a,), (low,) = upstream, inputs, outputs
    n = a.shape[-1]
    phi = masked(matmul(mT(low), g), tril_mask(n) - 0.5 * np.eye(n))
    left = triangular_solve_raw(low, mT(phi), 1, True, False)  # L^-T Phi^T
    s = triangular_solve_raw(low, mT(left), 1, True, False)  # L^-T Phi L^-1
    return [masked(s + mT(s), tril_mask(n, -1)) + masked(s, np.eye(n))]


@composite(namespace="linalg", numpy=(np.linalg.cholesky,), sample=spd,
           cases=(Case(((3, 3),)), Case(((2, 4, 4),)), Case(((3, 3),), dict(upper=True)), Case(((1, 1),))),
           convention="a must be symmetric positive definite, else ValueError (LAPACK's LinAlgError). Only the "
                      "lower triangle is read (upper=True: the upper), as NumPy and TensorFlow, so the gradient "
                      "is that function's: zero on the other triangle (TensorFlow's own gradient symmetrizes "
                      "instead). Rule: Murray's Phi form with triangular solves")
@tf_signature("cholesky(input, name=None)", namespaces=("linalg",), rename={"input": "a"},
              example=dict(input=SPD_SAMPLE), reference=lambda input: np.linalg.cholesky(input))
def cholesky(a: TensorLike, upper: bool = False, name: Optional[str] = None) -> Tensor:
    """The Cholesky factor ``L`` (``a = L L^T``; ``upper=True``: ``U``, ``a = U^T U``), batched."""
    t = square(a, "linalg.cholesky")
    if upper:
        return mT(cholesky_lower(mT(t)))
    return cholesky_lower(t)


def _scipy(name: str) -> Any:
    import scipy.linalg

    return getattr(scipy.linalg, name)


@composite(namespace="linalg", reference=lambda a, **kw: _scipy("cho_factor")(a, **kw), sample=spd,
           cases=(Case(((3, 3),)), Case(((3, 3),), dict(lower=True)), Case(((4, 4),), dict(lower=True))),
           convention="scipy.linalg.cho_factor: returns (c, lower), the factor in c's lower (lower=True) or upper "
                      "triangle and a's own entries in the other, as SciPy (so their gradient passes through to a)")
def cho_factor(a: TensorLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
               ) -> tuple[Tensor, bool]:
    """``(c, lower)``: the Cholesky factor of ``a`` in one triangle of ``c``, as ``scipy.linalg.cho_factor``."""
    t = square(a, "linalg.cho_factor")
    n = t.shape[-1]
    if lower:
        return masked(cholesky_lower(t, "linalg.cho_factor"), tril_mask(n)) + masked(t, triu_mask(n, 1)), True
    factor = mT(cholesky_lower(mT(t), "linalg.cho_factor"))
    return masked(factor, triu_mask(n)) + masked(t, tril_mask(n, -1)), False


def _factor_solve(c: Tensor, b: Tensor, lower: bool) -> Tensor:
    """``A^-1 b`` for ``A = L L^T`` (``L`` the lower triangle of ``c``) or ``U^T U`` (the upper)."""
    if lower:
        return triangular_solve_raw(c, triangular_solve_raw(c, b, 0, True, False), 1, True, False)
    return triangular_solve_raw(c, triangular_solve_raw(c, b, 1, False, False), 0, False, False)


def _cho_solve_reference(c_and_lower: Any, b: Any, **kwargs: Any) -> Any:
    return _scipy("cho_solve")(c_and_lower, b, **kwargs)


@composite(namespace="linalg", reference=_cho_solve_reference, sample=triangular(lower=False),
           cases=(Case(((3, 3), (3,)), pack=lambda c, b: ((c, False), b)),
                  Case(((3, 3), (3, 2)), pack=lambda c, b: ((c, True), b), sample=triangular(lower=True)),
                  Case(((2, 3, 3), (2, 3, 2)), pack=lambda c, b: ((c, False), b))),
           convention="scipy.linalg.cho_solve((c, lower), b): two triangular solves with c's triangle; the "
                      "other triangle of c is not read (zero gradient)")
def cho_solve(c_and_lower: Any, b: TensorLike, overwrite_b: bool = False, check_finite: bool = True) -> Tensor:
    """The solution of ``A x = b`` from ``cho_factor``'s ``(c, lower)``, as ``scipy.linalg.cho_solve``."""
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError) as error:
        raise op_value_error("linalg.cho_solve", "the first argument must be the pair (c, lower) of cho_factor") \
            from error
    tc, tb = square(c, "linalg.cho_solve"), operand(b, "linalg.cho_solve", 1)
    check_rhs("linalg.cho_solve", tc, tb)
    return _factor_solve(tc, tb, bool(lower))


@composite(namespace="linalg", name="cholesky_solve", sample=triangular(lower=True),
           reference=lambda chol, rhs: _scipy("cho_solve")((chol, True), rhs),
           cases=(Case(((3, 3), (3, 2))), Case(((2, 3, 3), (2, 3, 1)))),
           convention="TensorFlow's tf.linalg.cholesky_solve(chol, rhs): chol is the lower factor (its upper "
                      "triangle is not read), rhs (..., M, K)")
def cholesky_solve(chol: TensorLike, rhs: TensorLike, name: Optional[str] = None) -> Tensor:
    """The solution of ``A x = rhs`` for ``A = chol chol^T`` (TensorFlow's ``cholesky_solve``)."""
    tc, tb = square(chol, "linalg.cholesky_solve"), operand(rhs, "linalg.cholesky_solve")
    check_rhs("linalg.cholesky_solve", tc, tb)
    return _factor_solve(tc, tb, True)


@composite(namespace="linalg", name="logdet", sample=spd, reference=lambda a: np.linalg.slogdet(a)[1],
           cases=(Case(((3, 3),)), Case(((2, 4, 4),))),
           convention="TensorFlow's tf.linalg.logdet of a symmetric positive definite matrix: "
                      "2 sum(log(diag(cholesky(a)))); only the lower triangle is read; not positive definite "
                      "raises ValueError")
def logdet(matrix: TensorLike, name: Optional[str] = None) -> Tensor:
    """``log(det(matrix))`` of symmetric positive definite matrices, through the Cholesky factor."""
    t = square(matrix, "linalg.logdet")
    return 2.0 * reduce_sum(log(diag_part(cholesky_lower(t, "linalg.logdet"))), axis=-1)


# -- LU -----------------------------------------------------------------------------------------
def _permutations(piv: np.ndarray) -> np.ndarray:
    """Row orders ``perm`` (..., n) with ``A[perm] = L U`` from LAPACK's 0-based row interchanges."""
    piv = np.asarray(piv).astype(np.int64)
    flat = piv.reshape(-1, piv.shape[-1])
    perms = np.tile(np.arange(piv.shape[-1]), (len(flat), 1))
    for row, swaps in zip(perms, flat):
        for i, j in enumerate(swaps):
            row[i], row[j] = row[j], row[i]
    return perms.reshape(piv.shape)


def pivot_rows(x: Tensor, piv: Tensor, inverse: bool, vector: bool) -> Tensor:
    """``x``'s rows (axis -2; -1 for a vector right-hand side) in the order of the pivots ``piv``
    (``A[perm]``; ``inverse``: undone). A hand-off, so that a replayed trace reads its pivots."""

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        v, perm = values[0], _permutations(values[1])
        if inverse:
            perm = np.argsort(perm, axis=-1)
        if vector:
            return (np.take_along_axis(v, np.broadcast_to(perm, v.shape), axis=-1),)
        order = np.broadcast_to(perm[..., :, None], v.shape[:-2] + (v.shape[-2], 1))
        return (np.take_along_axis(v, np.broadcast_to(order, v.shape), axis=-2),)

    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Any]:
        return [pivot_rows(upstream[0], inputs[1], not inverse, vector), None]  # type: ignore[arg-type]

    return handoff("linalg.lu_pivots", forward, vjp, [x, piv], data=1)[0]


def _lu_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    g, (a,), (lu, piv) = upstream[0], inputs, outputs
    if g is None:  # only the pivots were used: piecewise constant
        return [None]  # type: ignore[list-item]
    n = a.shape[-1]
    low = masked(lu, tril_mask(n, -1)) + eye_like(lu, n)
    up = masked(lu, triu_mask(n))
    x = masked(matmul(mT(low), masked(g, tril_mask(n, -1))), tril_mask(n, -1)) \
        + masked(matmul(masked(g, triu_mask(n)), mT(up)), triu_mask(n))
    left = triangular_solve_raw(lu, x, 1, True, True)  # L^-T X
    b_bar = mT(triangular_solve_raw(lu, mT(left), 0, False, False))  # L^-T X U^-T
    return [pivot_rows(b_bar, piv, True, False)]


def _row_swapped(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Well-conditioned matrices with their rows reversed: LU must interchange rows."""
    return well_conditioned(rng, shape)[..., ::-1, :]


@composite(namespace="linalg", reference=lambda a, **kw: _scipy("lu_factor")(a, **kw), sample=well_conditioned,
           cases=(Case(((3, 3),)), Case(((4, 4),), sample=_row_swapped), Case(((2, 3, 3),), sample=_row_swapped)),
           convention="scipy.linalg.lu_factor: (lu, piv), L's strict lower triangle and U in lu; piv is returned "
                      "as a float Tensor of LAPACK's 0-based row interchanges (SciPy: int32) so that nt.function "
                      "replays recompute it. The pivots are piecewise constant; lu's derivative holds between "
                      "pivot changes and needs a non-singular matrix (a zero pivot raises ValueError)")
def lu_factor(a: TensorLike, overwrite_a: bool = False, check_finite: bool = True) -> tuple[Tensor, Tensor]:
    """``(lu, piv)``: the pivoted LU factorization of square matrices, as ``scipy.linalg.lu_factor``."""
    t = square(a, "linalg.lu_factor")

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SciPy warns of an exactly singular U; the derivative raises
            lu, piv = _scipy("lu_factor")(values[0])
        return lu, piv.astype(np.float64)

    lu, piv = handoff("linalg.lu_factor", forward, _lu_vjp, [t])
    return lu, piv


def _lu_solve_reference(lu_and_piv: Any, b: Any, **kwargs: Any) -> Any:
    lu, piv = lu_and_piv
    return _scipy("lu_solve")((lu, np.asarray(piv).astype(np.int32)), b, **kwargs)


_PIVOTS = np.array([2, 1, 2])


@composite(namespace="linalg", reference=_lu_solve_reference, sample=well_conditioned,
           cases=(Case(((3, 3), (3,)), pack=lambda lu, b: ((lu, _PIVOTS), b)),
                  Case(((3, 3), (3, 2)), dict(trans=1), pack=lambda lu, b: ((lu, _PIVOTS), b)),
                  Case(((3, 3), (3, 2)), pack=lambda lu, b: ((lu, np.arange(3)), b))),
           convention="scipy.linalg.lu_solve((lu, piv), b, trans): row interchanges, then triangular solves "
                      "with lu's unit lower and upper triangles; piv is data (no gradient)")
def lu_solve(lu_and_piv: Any, b: TensorLike, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Tensor:
    """The solution of ``A x = b`` (``trans=1``: ``A^T x = b``) from ``lu_factor``'s ``(lu, piv)``."""
    try:
        lu, piv = lu_and_piv
    except (TypeError, ValueError) as error:
        raise op_value_error("linalg.lu_solve", "the first argument must be the pair (lu, piv) of lu_factor") \
            from error
    tl, tb = square(lu, "linalg.lu_solve"), operand(b, "linalg.lu_solve", 1)
    check_rhs("linalg.lu_solve", tl, tb)
    pivots = piv if isinstance(piv, Tensor) else wrap(np.asarray(piv, np.float64))
    if pivots.shape != tl.shape[:-1]:
        raise op_value_error("linalg.lu_solve", f"piv of shape {pivots.shape} does not fit lu of shape {tl.shape}")
    vector = vector_rhs(tb)
    core = tb.shape[-1:] if vector else tb.shape[-2:]
    batch = tuple(np.broadcast_shapes(tl.shape[:-2], tb.shape[:-len(core)]))
    if tb.shape != batch + core:  # the row interchanges are per matrix of the batch
        tb = broadcast_to(tb, batch + core)
    if trans in (0, "N"):
        y = triangular_solve_raw(tl, pivot_rows(tb, pivots, False, vector), 0, True, True)
        return triangular_solve_raw(tl, y, 0, False, False)
    if trans not in (1, 2, "T", "C"):
        raise op_value_error("linalg.lu_solve", f"trans must be 0, 1 or 2, got {trans!r}")
    w = triangular_solve_raw(tl, triangular_solve_raw(tl, tb, 1, False, False), 1, True, True)
    return pivot_rows(w, pivots, True, vector)


# -- QR -----------------------------------------------------------------------------------------
def _qr_vjp(mode: str) -> Any:
    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (gq, gr), (a,), (q, r) = upstream, inputs, outputs
        m, n = a.shape[-2:]
        if m < n or (mode == "complete" and m > n):
            raise op_value_error("linalg.qr", f"the derivative needs m >= n and mode='reduced' (or 'r'); got shape "
                                 f"{a.shape} with mode={mode!r}: the extra columns of Q are not unique", a)
        n_mat = 0.0
        if gr is not None:
            n_mat = matmul(gr, mT(r))
        if gq is not None:
            n_mat = n_mat - matmul(mT(q), gq)
        k = masked(n_mat, triu_mask(n)) + masked(mT(n_mat), tril_mask(n, -1))
        y = matmul(q, k) if gq is None else gq + matmul(q, k)
        return [mT(triangular_solve_raw(r, mT(y), 0, False, False))]  # (gQ + Q K) R^-T

    return vjp


@composite(namespace="linalg", numpy=(np.linalg.qr,), sample=well_conditioned,
           cases=(Case(((3, 3),)), Case(((5, 3),)), Case(((2, 4, 2),)), Case(((4, 3),), dict(mode="r")),
                  Case(((3, 3),), dict(mode="complete"))),
           convention="Q R with R's diagonal signs as LAPACK gives them. The derivative needs full column rank "
                      "(else the triangular solve with R raises ValueError) and m >= n with mode 'reduced' or 'r' "
                      "(m < n and mode='complete' with m > n raise ValueError). TensorFlow's full_matrices=False/"
                      "True is accepted in place of mode ('reduced'/'complete')")
def qr(a: TensorLike, mode: Any = "reduced", full_matrices: Optional[bool] = None,
       name: Optional[str] = None) -> Any:
    """``QRResult(Q, R)`` (``mode='r'``: ``R``), as ``np.linalg.qr``; ``qr(x, full_matrices)`` as TensorFlow."""
    t = operand(a, "linalg.qr")
    if isinstance(mode, (bool, np.bool_)) or full_matrices is not None:  # TensorFlow's signature
        mode = "complete" if (full_matrices if full_matrices is not None else mode) else "reduced"
    if mode not in ("reduced", "complete", "r"):
        raise op_value_error("linalg.qr", f"mode must be 'reduced', 'complete' or 'r' (differentiable), got {mode!r}",
                             t)

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        q, r = np.linalg.qr(values[0], mode="complete" if mode == "complete" else "reduced")
        return q, r

    q, r = handoff("linalg.qr", forward, _qr_vjp(mode), [t])
    return r if mode == "r" else QRResult(q, r)
