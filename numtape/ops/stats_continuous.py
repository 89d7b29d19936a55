"""Univariate continuous distributions of ``nt.stats``: ``norm``, ``t``, ``gamma``, ``beta``, as rows
``stats.<distribution>_<method>`` with ``scipy.stats``' signatures (``loc``/``scale`` last).

Each log density is written on the standardized point ``z = (x - loc) / scale`` minus
``log(scale)``, in stable forms: ``norm.logcdf`` is ``log_ndtr(z)`` (finite and accurate far in the
lower tail, where ``log(ndtr(z))`` underflows to ``-inf``), ``0 * log 0`` terms use ``xlogy`` and
``xlog1py``, ``t`` uses ``gammaln`` differences and ``log1p``. Densities are ``exp`` of the log
densities. Every row is differentiable in ``x`` and in every parameter. Invalid parameters give
NaN and points outside the support ``-inf`` (log) or 0, as SciPy (see :mod:`.stats_base`).

``t`` and ``beta`` ``cdf``/``sf``/``logcdf``/``logsf`` are incomplete beta functions: :mod:`.stats_incomplete_beta`;
``gamma``/``chi2`` ``cdf``/``sf`` are incomplete gamma functions: :mod:`.stats_incomplete_gamma`.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, TensorLike
from .elementwise import exp, isfinite, log, log1p
from .registry import Case, composite
from .special_functions import betaln, gammaln, log_ndtr, ndtr, xlog1py, xlogy
from .stats_base import (
    LOG_2PI, both, operands, outside_interval, positive, positive_sample, safe, scipy_conventions, scipy_reference,
)
from .primitives import where

_LOCATION_SCALE = (Case(((5,), (5,), (5,))), Case(((2, 3), (3,), ())), Case(((4,),)), Case(((), (3,), (2, 1))))


def _standardize(op: str, x: TensorLike, loc: TensorLike, scale: TensorLike, *shapes: TensorLike
                 ) -> tuple[Tensor, Tensor, Tensor, list[Tensor]]:
    """``(z, scale, valid, shapes)``: the standardized point, a safe scale, the mask scale > 0."""
    tx, tloc, tscale, *tshapes = operands(op, x, loc, scale, *shapes)
    valid = positive(tscale)
    s = safe(valid, tscale)
    return (tx - tloc) / s, s, valid, tshapes


# -- norm --------------------------------------------------------------------------------------
def _norm_logpdf_z(z: Tensor) -> Tensor:
    return -0.5 * (z * z) - 0.5 * LOG_2PI


@composite(namespace="stats", reference=scipy_reference("norm", "logpdf"), cases=_LOCATION_SCALE,
           sample=positive_sample(0.5, 2.5),
           convention="smooth in x, loc, scale; scale <= 0 (or NaN) gives NaN, as SciPy")
def norm_logpdf(x: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.norm.logpdf``: ``-z**2/2 - log(scale) - log(2 pi)/2`` with ``z = (x - loc)/scale``."""
    z, s, valid, _ = _standardize("stats.norm_logpdf", x, loc, scale)
    return scipy_conventions(_norm_logpdf_z(z) - log(s), valid)


@composite(namespace="stats", reference=scipy_reference("norm", "pdf"), cases=_LOCATION_SCALE,
           sample=positive_sample(0.5, 2.5), convention="exp of norm.logpdf; scale <= 0 gives NaN, as SciPy")
def norm_pdf(x: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.norm.pdf``: ``exp(norm.logpdf(x, loc, scale))``."""
    return exp(norm_logpdf(x, loc, scale))


@composite(namespace="stats", reference=scipy_reference("norm", "logcdf"), cases=_LOCATION_SCALE,
           sample=positive_sample(0.5, 2.5),
           convention="log_ndtr(z): finite and accurate in the lower tail (z = -40 gives -804.6); "
                      "scale <= 0 gives NaN, as SciPy")
def norm_logcdf(x: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.norm.logcdf``: ``log_ndtr((x - loc)/scale)``."""
    z, _, valid, _ = _standardize("stats.norm_logcdf", x, loc, scale)
    return scipy_conventions(log_ndtr(z), valid)


@composite(namespace="stats", reference=scipy_reference("norm", "cdf"), cases=_LOCATION_SCALE,
           sample=positive_sample(0.5, 2.5), convention="ndtr(z); scale <= 0 gives NaN, as SciPy")
def norm_cdf(x: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.norm.cdf``: ``ndtr((x - loc)/scale)``."""
    z, _, valid, _ = _standardize("stats.norm_cdf", x, loc, scale)
    return scipy_conventions(ndtr(z), valid)


@composite(namespace="stats", reference=scipy_reference("norm", "logsf"), cases=_LOCATION_SCALE,
           sample=positive_sample(0.5, 2.5), convention="log_ndtr(-z): accurate in the upper tail; "
                                                           "scale <= 0 gives NaN, as SciPy")
def norm_logsf(x: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.norm.logsf``: ``log_ndtr(-(x - loc)/scale)``."""
    z, _, valid, _ = _standardize("stats.norm_logsf", x, loc, scale)
    return scipy_conventions(log_ndtr(-z), valid)


@composite(namespace="stats", reference=scipy_reference("norm", "sf"), cases=_LOCATION_SCALE,
           sample=positive_sample(0.5, 2.5), convention="ndtr(-z); scale <= 0 gives NaN, as SciPy")
def norm_sf(x: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.norm.sf``: ``ndtr(-(x - loc)/scale)``, the upper tail ``1 - cdf`` without cancellation."""
    z, _, valid, _ = _standardize("stats.norm_sf", x, loc, scale)
    return scipy_conventions(ndtr(-z), valid)


# -- t -----------------------------------------------------------------------------------------
_SHAPED = (Case(((5,), (5,), (5,), (5,))), Case(((2, 3), (3,), (), (2, 1))), Case(((4,), (4,))))


def _t_logpdf_z(z: Tensor, df: Tensor) -> Tensor:
    finite = isfinite(df)
    d = safe(finite, df)
    half = 0.5 * d
    student = gammaln(half + 0.5) - gammaln(half) - 0.5 * log(d * np.pi) - (half + 0.5) * log1p(z * z / d)
    return where(finite, student, _norm_logpdf_z(z))


@composite(namespace="stats", reference=scipy_reference("t", "logpdf"), cases=_SHAPED, sample=positive_sample(),
           convention="smooth in x, df, loc, scale; df = inf is the normal density (derivative in df 0 there); "
                      "df <= 0 or scale <= 0 gives NaN, as SciPy. The gammaln difference loses absolute "
                      "accuracy ~1e-16 * df log(df) for very large df (SciPy uses poch)")
def t_logpdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.t.logpdf``: Student's t log density with ``df`` degrees of freedom."""
    z, s, valid, (tdf,) = _standardize("stats.t_logpdf", x, loc, scale, df)
    valid = both(valid, positive(tdf))
    return scipy_conventions(_t_logpdf_z(z, safe(valid, tdf)) - log(s), valid)


@composite(namespace="stats", reference=scipy_reference("t", "pdf"), cases=_SHAPED, sample=positive_sample(),
           convention="exp of t.logpdf; df <= 0 or scale <= 0 gives NaN, as SciPy")
def t_pdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.t.pdf``: ``exp(t.logpdf(x, df, loc, scale))``."""
    return exp(t_logpdf(x, df, loc, scale))


# -- gamma -------------------------------------------------------------------------------------
# loc - 3 keeps z = (x - loc)/scale > 0 for samples in (0.5, 3)
_GAMMA = (Case(((5,), (5,))), Case(((2, 3), (3,))), Case(((4,), (), (4,), (4,)), pack=lambda x, a, loc, scale: (
    x, a, loc - 3.0, scale)), Case(((2, 1), (3,), (), (2, 3)), pack=lambda x, a, loc, scale: (x, a, loc - 3.0, scale)))


@composite(namespace="stats", reference=scipy_reference("gamma", "logpdf"), cases=_GAMMA, sample=positive_sample(),
           convention="smooth in x > loc, a, loc, scale; x < loc gives -inf (gradient 0); at x = loc the "
                      "value is SciPy's (inf for a < 1) and the derivative infinite; a <= 0 or scale <= 0 "
                      "gives NaN, as SciPy")
def gamma_logpdf(x: TensorLike, a: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.gamma.logpdf``: ``xlogy(a - 1, z) - z - gammaln(a) - log(scale)``."""
    z, s, valid, (ta,) = _standardize("stats.gamma_logpdf", x, loc, scale, a)
    valid = both(valid, positive(ta))
    outside = outside_interval(z, 0.0, np.inf)
    zs, aa = safe(1.0 - outside, z), safe(valid, ta)
    return scipy_conventions(xlogy(aa - 1.0, zs) - zs - gammaln(aa) - log(s), valid, outside)


@composite(namespace="stats", reference=scipy_reference("gamma", "pdf"), cases=_GAMMA, sample=positive_sample(),
           convention="exp of gamma.logpdf (0 for x < loc); a <= 0 or scale <= 0 gives NaN, as SciPy")
def gamma_pdf(x: TensorLike, a: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.gamma.pdf``: ``exp(gamma.logpdf(x, a, loc, scale))``."""
    return exp(gamma_logpdf(x, a, loc, scale))


_CHI2 = (Case(((5,), (5,))), Case(((2, 3), (3,))))


@composite(namespace="stats", reference=scipy_reference("chi2", "logpdf"), cases=_CHI2, sample=positive_sample(),
           convention="gamma.logpdf(x, df/2, loc, 2 scale): the same conventions")
def chi2_logpdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.chi2.logpdf``: the gamma density with shape ``df/2`` and scale ``2 scale``."""
    tdf, tscale = operands("stats.chi2_logpdf", df, scale)
    return gamma_logpdf(x, tdf * 0.5, loc, tscale * 2.0)


@composite(namespace="stats", reference=scipy_reference("chi2", "pdf"), cases=_CHI2, sample=positive_sample(),
           convention="exp of chi2.logpdf")
def chi2_pdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.chi2.pdf``."""
    return exp(chi2_logpdf(x, df, loc, scale))


# -- beta --------------------------------------------------------------------------------------
# loc - 1 and scale + 2 keep z = (x - loc)/scale inside (0, 1) for samples in (0.15, 0.85)
_BETA = (Case(((5,), (5,), (5,))), Case(((2, 3), (3,), (2, 1))), Case(((4,), (), ())),
         Case(((3,), (3,), (3,), (3,), (3,)), pack=lambda x, a, b, loc, scale: (x, a, b, loc - 1.0, scale + 2.0)))


@composite(namespace="stats", reference=scipy_reference("beta", "logpdf"), cases=_BETA,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="smooth in 0 < z < 1, a, b, loc, scale; outside [0, 1] gives -inf (gradient 0); at the "
                      "edges the value is SciPy's and the derivative may be infinite; a <= 0, b <= 0 or "
                      "scale <= 0 gives NaN, as SciPy")
def beta_logpdf(x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.beta.logpdf``: ``xlogy(a - 1, z) + xlog1py(b - 1, -z) - betaln(a, b) - log(scale)``."""
    z, s, valid, (ta, tb) = _standardize("stats.beta_logpdf", x, loc, scale, a, b)
    valid = both(valid, positive(ta), positive(tb))
    outside = outside_interval(z, 0.0, 1.0)
    zs, aa, bb = safe(1.0 - outside, z, 0.5), safe(valid, ta), safe(valid, tb)
    density = xlogy(aa - 1.0, zs) + xlog1py(bb - 1.0, -zs) - betaln(aa, bb) - log(s)
    return scipy_conventions(density, valid, outside)


@composite(namespace="stats", reference=scipy_reference("beta", "pdf"), cases=_BETA,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="exp of beta.logpdf (0 outside [0, 1]); invalid parameters give NaN, as SciPy")
def beta_pdf(x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.beta.pdf``: ``exp(beta.logpdf(x, a, b, loc, scale))``."""
    return exp(beta_logpdf(x, a, b, loc, scale))
