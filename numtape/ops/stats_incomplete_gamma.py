"""Distribution functions of ``nt.stats`` that are regularized incomplete gamma functions, as rows
with ``scipy.stats``' signatures: ``gamma`` and ``chi2`` ``cdf``/``sf`` (and ``gamma``'s
``logcdf``/``logsf``), ``poisson`` ``cdf``/``logcdf``/``sf``.

``gamma.cdf(x, a, loc, scale) = gammainc(a, z)`` with ``z = (x - loc) / scale`` and ``sf`` is
``gammaincc(a, z)``, accurate in the upper tail; the log forms are log(cdf) where the cdf is below
1/2 and log1p(-sf) above, as SciPy's gamma (``poisson.logcdf`` is log(cdf), as SciPy's). ``chi2`` is ``gamma`` with shape ``df/2`` and scale
``2 scale``. The discrete ``poisson.cdf(k, mu, loc) = gammaincc(floor(k - loc) + 1, mu)`` and
``sf = gammainc(floor(k - loc) + 1, mu)``: differentiable in ``mu`` (the derivative of the cdf is
``-pmf(floor(k), mu)``), the count ``k`` and ``loc`` are data. Outside the support (``z < 0``,
``k - loc < 0``) the cdf is 0 and the sf 1; invalid parameters (``a <= 0``, ``scale <= 0``,
``mu < 0``, NaN) give NaN, as SciPy (see :mod:`.stats_base`). The shape ``a`` is differentiable
too: the derivatives in a of gammainc (numtape/ops/incomplete_gamma.py).
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, TensorLike
from .elementwise import floor, greater, log, log1p
from .incomplete_gamma import gammainc, gammaincc
from .primitives import where
from .registry import Case, composite
from .stats_base import (
    both, data, nonnegative, operands, outside_interval, positive, positive_sample, safe, scipy_conventions,
    scipy_reference,
)

# loc - 3 keeps z = (x - loc)/scale > 0 for samples in (0.5, 3)
_GAMMA = (Case(((5,), (5,))), Case(((2, 3), (3,))), Case(((4,), (), (4,), (4,)), pack=lambda x, a, loc, scale: (
    x, a, loc - 3.0, scale)), Case(((2, 1), (3,), (), (2, 3)), pack=lambda x, a, loc, scale: (x, a, loc - 3.0, scale)))
_CHI2 = (Case(((5,), (5,))), Case(((2, 3), (3,))))


def _gamma_tail(op: str, lower: bool, take_log: bool, x: TensorLike, a: TensorLike, loc: TensorLike,
                scale: TensorLike) -> Tensor:
    tx, ta, tloc, tscale = operands(op, x, a, loc, scale)
    valid = both(positive(ta), positive(tscale))
    s = safe(valid, tscale)
    z = (tx - tloc) / s
    outside = outside_interval(z, 0.0, np.inf)
    zs, aa = safe(1.0 - outside, z), safe(valid, ta)
    p, q = (gammainc(aa, zs), gammaincc(aa, zs)) if lower else (gammaincc(aa, zs), gammainc(aa, zs))
    if take_log:
        return scipy_conventions(_log_of(p, q), valid, outside, -np.inf if lower else 0.0)
    return scipy_conventions(p, valid, outside, 0.0 if lower else 1.0)


def _log_of(p: Tensor, q: Tensor) -> Tensor:
    """log(p) for p = 1 - q: log1p(-q) where p > 1/2 (as SciPy's gamma.logcdf: -1e-134 where the
    cdf rounds to 1), each branch fed a safe value so that the other's derivative stays finite."""
    big = greater(p, 0.5)
    return where(big, log1p(-where(big, q, 0.0)), log(where(big, 1.0, p)))


_GAMMA_CONVENTION = ("smooth in x > loc, a, loc, scale (derivatives of gammainc in both arguments); "
                     "x < loc gives SciPy's edge value (gradient 0); a <= 0 or scale <= 0 gives NaN, as SciPy")


@composite(namespace="stats", reference=scipy_reference("gamma", "cdf"), cases=_GAMMA, sample=positive_sample(),
           convention=_GAMMA_CONVENTION)
def gamma_cdf(x: TensorLike, a: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.gamma.cdf``: ``gammainc(a, (x - loc) / scale)``."""
    return _gamma_tail("stats.gamma_cdf", True, False, x, a, loc, scale)


@composite(namespace="stats", reference=scipy_reference("gamma", "logcdf"), cases=_GAMMA, sample=positive_sample(),
           convention=_GAMMA_CONVENTION + "; log(cdf), or log1p(-sf) where cdf > 1/2, as SciPy")
def gamma_logcdf(x: TensorLike, a: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.gamma.logcdf``: ``log(gammainc(a, (x - loc) / scale))``."""
    return _gamma_tail("stats.gamma_logcdf", True, True, x, a, loc, scale)


@composite(namespace="stats", reference=scipy_reference("gamma", "sf"), cases=_GAMMA, sample=positive_sample(),
           convention=_GAMMA_CONVENTION + "; gammaincc, accurate in the upper tail")
def gamma_sf(x: TensorLike, a: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.gamma.sf``: ``gammaincc(a, (x - loc) / scale)``."""
    return _gamma_tail("stats.gamma_sf", False, False, x, a, loc, scale)


@composite(namespace="stats", reference=scipy_reference("gamma", "logsf"), cases=_GAMMA, sample=positive_sample(),
           convention=_GAMMA_CONVENTION + "; log(sf), or log1p(-cdf) where sf > 1/2")
def gamma_logsf(x: TensorLike, a: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.gamma.logsf``: ``log(gammaincc(a, (x - loc) / scale))``."""
    return _gamma_tail("stats.gamma_logsf", False, True, x, a, loc, scale)


@composite(namespace="stats", reference=scipy_reference("chi2", "cdf"), cases=_CHI2, sample=positive_sample(),
           convention="gamma.cdf(x, df/2, loc, 2 scale): the same conventions")
def chi2_cdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.chi2.cdf``: the gamma cdf with shape ``df/2`` and scale ``2 scale``."""
    tdf, tscale = operands("stats.chi2_cdf", df, scale)
    return _gamma_tail("stats.chi2_cdf", True, False, x, tdf * 0.5, loc, tscale * 2.0)


@composite(namespace="stats", reference=scipy_reference("chi2", "sf"), cases=_CHI2, sample=positive_sample(),
           convention="gamma.sf(x, df/2, loc, 2 scale): the same conventions")
def chi2_sf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.chi2.sf``: the gamma sf with shape ``df/2`` and scale ``2 scale``."""
    tdf, tscale = operands("stats.chi2_sf", df, scale)
    return _gamma_tail("stats.chi2_sf", False, False, x, tdf * 0.5, loc, tscale * 2.0)


# -- poisson -----------------------------------------------------------------------------------
_COUNTS = np.array([0, 1, 2, 5, 3])
_POISSON = (Case(((5,),), const=(_COUNTS,)), Case(((3, 1),), const=(_COUNTS,)), Case(((),), const=(np.array(4),)),
            Case(((5,),), const=(_COUNTS + 2,), kwargs=dict(loc=1.5)))  # k - loc = counts + 0.5: floored
_POISSON_CONVENTION = ("smooth in mu > 0 (the derivative of the cdf is -pmf(floor(k), mu)); k and loc are data "
                       "(k is floored, as SciPy); k - loc < 0 gives SciPy's edge value; mu < 0 gives NaN")


def _poisson_tail(op: str, lower: bool, take_log: bool, k: TensorLike, mu: TensorLike, loc: TensorLike) -> Tensor:
    tk, tmu, tloc = operands(op, k, mu, loc)
    count = data(floor(tk - tloc))
    valid = nonnegative(tmu)
    outside = outside_interval(count, 0.0, np.inf)
    kk, m = safe(1.0 - outside, count, 0.0), safe(valid, tmu)
    value = gammaincc(kk + 1.0, m) if lower else gammainc(kk + 1.0, m)
    edge = 0.0 if lower else 1.0
    if take_log:
        value, edge = log(value), -np.inf
    return scipy_conventions(value, valid, outside, edge)


@composite(namespace="stats", reference=scipy_reference("poisson", "cdf"), cases=_POISSON,
           sample=lambda rng, shape: rng.uniform(0.5, 4.0, shape), convention=_POISSON_CONVENTION)
def poisson_cdf(k: TensorLike, mu: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.poisson.cdf``: ``gammaincc(floor(k - loc) + 1, mu)``."""
    return _poisson_tail("stats.poisson_cdf", True, False, k, mu, loc)


@composite(namespace="stats", reference=scipy_reference("poisson", "logcdf"), cases=_POISSON,
           sample=lambda rng, shape: rng.uniform(0.5, 4.0, shape), convention=_POISSON_CONVENTION + "; log(cdf)")
def poisson_logcdf(k: TensorLike, mu: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.poisson.logcdf``: ``log(gammaincc(floor(k - loc) + 1, mu))``."""
    return _poisson_tail("stats.poisson_logcdf", True, True, k, mu, loc)


@composite(namespace="stats", reference=scipy_reference("poisson", "sf"), cases=_POISSON,
           sample=lambda rng, shape: rng.uniform(0.5, 4.0, shape), convention=_POISSON_CONVENTION)
def poisson_sf(k: TensorLike, mu: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.poisson.sf``: ``gammainc(floor(k - loc) + 1, mu)``, the upper tail without cancellation."""
    return _poisson_tail("stats.poisson_sf", False, False, k, mu, loc)
