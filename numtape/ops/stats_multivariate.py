"""The multivariate normal of ``nt.stats``: ``multivariate_normal.logpdf``/``pdf`` as rows with
``scipy.stats.multivariate_normal``'s signature ``(x, mean=None, cov=1, allow_singular=False)``.

The log density is computed with the Cholesky factor ``cov = L L^T``: the Mahalanobis term is
``|L^-1 (x - mean)|^2`` (a triangular solve, never an inverse) and ``log det cov = 2 sum(log
diag L)``. It is differentiable in ``x``, ``mean`` and ``cov``; like LAPACK (and SciPy's ``eigh``)
only the lower triangle of ``cov`` is read, so the gradient is that function's (zero above the
diagonal); for a symmetric perturbation it is ``(S^-1 d d^T S^-1 - S^-1)/2`` summed over points.
The arguments are read as SciPy reads them: ``mean=None`` is zeros, a scalar ``cov`` is
``cov * I``, a vector ``cov`` a diagonal; ``x`` of shape ``(..., d)`` gives ``(...)`` (a vector of
length ``d`` one point, and for ``d = 1`` a vector is points); the result is squeezed as SciPy
squeezes it. A covariance that is not positive definite raises ValueError (SciPy: LinAlgError or
ValueError); ``allow_singular=True`` is refused (a pseudo-determinant is not computed).

``multivariate_normal.entropy(mean, cov)`` is ``0.5 (d (1 + log 2 pi) + log det cov)`` from the same
Cholesky factor. Not here: ``multivariate_normal.cdf``/``logcdf`` (SciPy integrates numerically, Genz's method).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import exp, log
from .linalg_base import diag_embed, diag_part, spd
from .linalg_factor import cholesky_lower
from .linalg_solve import triangular_solve_raw
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import reshape, transpose
from .stats_base import LOG_2PI, operands, scipy_reference


def _parameters(op: str, x: TensorLike, mean: Optional[TensorLike], cov: TensorLike
                ) -> tuple[Tensor, Tensor, Tensor]:
    """``(x, mean, cov)`` as SciPy reads them: points (..., d), a mean (d,), a matrix (d, d)."""
    tx, tmean, tcov = operands(op, x, 0.0 if mean is None else mean, cov)
    if tcov.ndim > 2:
        raise op_value_error(op, f"cov must be at most two-dimensional, got shape {tcov.shape}", tcov)
    dim = tmean.size if mean is not None else (tcov.shape[0] if tcov.ndim == 2 else 1)  # SciPy's rule
    if mean is None:
        tmean = tmean * np.zeros(dim, tmean.dtype)
    if tmean.ndim > 1 or tmean.size != dim:
        raise op_value_error(op, f"mean must be a vector of length {dim}, got shape {tmean.shape}", tmean)
    tmean = reshape(tmean, (dim,))
    if tcov.ndim < 2:
        if tcov.ndim == 1 and tcov.shape[0] != dim:
            raise op_value_error(op, f"a vector cov must have length {dim}, got shape {tcov.shape}", tcov)
        tcov = diag_embed(tcov * np.ones(dim, tcov.dtype))
    if tcov.shape != (dim, dim):
        raise op_value_error(op, f"cov must be ({dim}, {dim}) for a mean of length {dim}, got {tcov.shape}", tcov)
    if tx.ndim == 0:
        tx = reshape(tx, (1,))
    if tx.ndim == 1:
        tx = reshape(tx, (tx.shape[0], 1) if dim == 1 else (1, tx.shape[0]))
    if tx.shape[-1] != dim:
        raise op_value_error(op, f"x of shape {tx.shape} does not have {dim} components on its last axis", tx)
    return tx, tmean, tcov


def _logpdf(op: str, x: TensorLike, mean: Optional[TensorLike], cov: TensorLike, allow_singular: bool) -> Tensor:
    if allow_singular:
        raise op_value_error(op, "allow_singular=True is not supported (no pseudo-determinant); pass a "
                                 "positive definite cov")
    tx, tmean, tcov = _parameters(op, x, mean, cov)
    dim, batch = tmean.shape[0], tx.shape[:-1]
    low = cholesky_lower(tcov, op)
    deviations = transpose(reshape(tx - tmean, (-1, dim)), (1, 0))  # (d, points)
    whitened = triangular_solve_raw(low, deviations, 0, True, False)
    mahalanobis = reshape(reduce_sum(whitened * whitened, 0), batch)
    log_det = 2.0 * reduce_sum(log(diag_part(low)))
    out = -0.5 * (mahalanobis + (log_det + dim * LOG_2PI))
    return reshape(out, tuple(s for s in out.shape if s != 1))  # SciPy's _squeeze_output


def _spd_or_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> Any:
    return spd(rng, shape) if len(shape) == 2 and shape[0] == shape[1] else rng.standard_normal(shape)


_CASES = (Case(((5, 3), (3,), (3, 3))), Case(((3,), (3,), (3, 3))), Case(((2, 4, 2), (2,), (2, 2))),
          Case(((4, 1), (1,), (1, 1))), Case(((4, 3), (3,)), pack=lambda x, m: (x, m, 2.0)),
          Case(((4, 3), (3, 3)), pack=lambda x, c: (x, None, c)),
          Case(((4, 3), (3,), (3,)), pack=lambda x, m, c: (x, m, c * c + 0.5)))


@composite(namespace="stats", reference=scipy_reference("multivariate_normal", "logpdf"), cases=_CASES,
           sample=_spd_or_normal,
           convention="smooth in x, mean and cov (positive definite, else ValueError); only cov's lower triangle "
                      "is read (Cholesky), so the gradient above the diagonal is 0: symmetrize it "
                      "(G + G^T - diag G) for the gradient of a symmetric perturbation")
def multivariate_normal_logpdf(x: TensorLike, mean: Optional[TensorLike] = None, cov: TensorLike = 1,
                               allow_singular: bool = False) -> Tensor:
    """``scipy.stats.multivariate_normal.logpdf``: ``-(|L^-1 (x - mean)|^2 + log det cov + d log 2 pi)/2``."""
    return _logpdf("stats.multivariate_normal_logpdf", x, mean, cov, allow_singular)


@composite(namespace="stats", reference=scipy_reference("multivariate_normal", "pdf"), cases=_CASES,
           sample=_spd_or_normal, convention="exp of multivariate_normal.logpdf")
def multivariate_normal_pdf(x: TensorLike, mean: Optional[TensorLike] = None, cov: TensorLike = 1,
                            allow_singular: bool = False) -> Tensor:
    """``scipy.stats.multivariate_normal.pdf``: ``exp(multivariate_normal.logpdf(x, mean, cov))``."""
    return exp(_logpdf("stats.multivariate_normal_pdf", x, mean, cov, allow_singular))


def _entropy_reference(mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    from scipy import stats

    return stats.multivariate_normal.entropy(mean, cov)


@composite(namespace="stats", reference=_entropy_reference, sample=_spd_or_normal,
           cases=(Case(((3,), (3, 3))), Case(((1,), (1, 1))), Case(((3, 3),), pack=lambda c: (None, c)),
                  Case(((2,), (2,)), pack=lambda m, c: (m, c * c + 0.5))),
           convention="0.5 log det(2 pi e cov): smooth in cov (positive definite, else ValueError), independent "
                      "of mean (gradient 0); only cov's lower triangle is read (Cholesky), as in logpdf")
def multivariate_normal_entropy(mean: Optional[TensorLike] = None, cov: TensorLike = 1,
                                allow_singular: bool = False) -> Tensor:
    """``scipy.stats.multivariate_normal.entropy``: ``0.5 (d (1 + log 2 pi) + log det cov)``."""
    op = "stats.multivariate_normal.entropy"
    if allow_singular:
        raise op_value_error(op, "allow_singular=True is not supported (no pseudo-determinant); pass a "
                                 "positive definite cov")
    points = mean if mean is not None else (np.zeros(np.shape(cov)[0]) if np.ndim(cov) == 2 else 0.0)
    _, tmean, tcov = _parameters(op, points, mean, cov)
    dim = tmean.shape[0]
    log_det = 2.0 * reduce_sum(log(diag_part(cholesky_lower(tcov, op))))
    return 0.5 * (log_det + dim * (1.0 + LOG_2PI))
