"""The distribution functions of ``nt.stats`` that are incomplete beta functions: ``t``, ``beta`` and
``binom`` ``cdf``/``sf``/``logcdf``/``logsf``, as rows with ``scipy.stats``' signatures, written over ``betainc``.

* ``t``: the lower tail ``P(T < -|z|)`` is ``I_t(df/2, 1/2) / 2`` with ``t = df/(df + z^2)``; where
  ``z^2 < df`` it is computed as ``(1 - I_w(1/2, df/2)) / 2`` with ``w = z^2/(df + z^2)``, accurate
  near the centre. ``cdf`` is that tail or its complement by the sign of z, ``sf(z) = cdf(-z)``;
  ``df = inf`` is the normal distribution. At ``z = 0`` exactly the row is ``1/2 + z pdf(0)``: its
  value and first two x-derivatives are exact there, where the betainc branch would give
  ``inf * 0`` (``I_w(1/2, .)`` grows as ``sqrt(w)``).
* ``beta``: ``I_z(a, b)`` and ``I_{1-z}(b, a)`` at the standardized point, 0 and 1 outside [0, 1].
* ``binom``: ``cdf(k) = I_{1-p}(n - k, k + 1)`` and ``sf(k) = I_p(k + 1, n - k)`` at ``k = floor(k -
  loc)``, 0 or 1 beyond ``0 <= k < n``; the counts are data (gradient None), p is differentiable.

The log versions are ``log(cdf)`` below 1/2 and ``log1p(-sf)`` above (accurate near 1; SciPy's
default is ``log(cdf)``); like SciPy's, they are ``-inf`` where the probability underflows.
Every row is differentiable in x (or p) to every order and in the shape parameters (df, a, b) to second
order: a third derivative in them raises ValueError (betainc's). Invalid parameters give NaN, as
SciPy; before the formula runs they are replaced by harmless values (:func:`.stats_base.safe`).
"""
from __future__ import annotations

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import equal, exp, floor, greater_equal, isfinite, less, log, log1p
from .incomplete_beta import incomplete_beta, tracked
from .primitives import where
from .registry import Case, composite
from .shape import broadcast_to
from .special_functions import ndtr
from .stats_base import (
    both, data, either, nonnegative, not_integer, operands, positive, positive_sample, safe, scipy_conventions,
    scipy_reference, unit_interval,
)
from .stats_continuous import _standardize, _t_logpdf_z


def _betainc(a: Tensor, b: Tensor, x: Tensor, shape_gradients: bool = True) -> Tensor:
    """``betainc`` of operands broadcast to one shape (recorded, so the gradients sum back)."""
    try:
        shape = np.broadcast_shapes(a.shape, b.shape, x.shape)
    except ValueError:
        raise op_value_error("betainc", "the operands do not broadcast together", a, b, x) from None
    a, b, x = (t if t.shape == shape else broadcast_to(t, shape) for t in (a, b, x))
    return incomplete_beta(a, b, x, shape_gradients)


def _log_probability(p: Tensor, q: Tensor) -> Tensor:
    """``log p`` where ``p + q = 1``: ``log(p)`` below 1/2, else ``log1p(-q)`` (no cancellation near 1).
    Each branch gets a harmless argument where it is not taken, so no ``0 * inf`` reaches a gradient."""
    lower = less(p, 0.5)
    return where(lower, log(safe(lower, p, 0.5)), log1p(-safe(1.0 - lower, q, 0.5)))


# -- t -----------------------------------------------------------------------------------------
def _t_cdf_z(z: Tensor, df: Tensor, df_gradient: bool = True) -> Tensor:
    """Student's t CDF at the standardized point (df > 0 and finite, or inf: the normal CDF);
    ``df_gradient=False`` when df is a NumPy value (never differentiated)."""
    finite = isfinite(df)
    d = safe(finite, df)
    square = z * z
    centre = less(square, d)  # w = z^2/(df + z^2) < 1/2
    at_zero = equal(z, 0.0)
    w = safe(both(centre, 1.0 - at_zero), square / (d + square), 0.25)
    t = safe(1.0 - centre, d / (d + square), 0.25)
    half = 0.5 + 0.0 * d
    tail = where(centre, 0.5 - 0.5 * _betainc(half, 0.5 * d, w, df_gradient),
                 0.5 * _betainc(0.5 * d, half, t, df_gradient))
    student = where(less(z, 0.0), tail, 1.0 - tail)
    student = where(at_zero, 0.5 + z * exp(_t_logpdf_z(z, d)), student)
    return where(finite, student, ndtr(z))




def _centred(x: TensorLike, *rest: TensorLike) -> tuple:
    """Samples in (0.5, 3) with x moved to (-4, 5): both tails and both branches of t's CDF."""
    return (x * 3.6 - 5.8, *rest)


_T = (Case(((5,), (5,), (5,), (5,)), pack=_centred), Case(((2, 3), (3,), (), (2, 1)), pack=_centred),
      Case(((4,), (4,)), pack=_centred),
      Case(((6,),), kwargs=dict(df=3.5, loc=0.3, scale=1.7), pack=_centred))


def _t_method(op: str, x: TensorLike, df: TensorLike, loc: TensorLike, scale: TensorLike, upper: bool) -> Tensor:
    z, _, valid, (tdf,) = _standardize(op, x, loc, scale, df)
    valid = both(valid, positive(tdf))
    return scipy_conventions(_t_cdf_z(-z if upper else z, safe(valid, tdf), tracked(df)), valid)


_T_CONVENTION = ("smooth in x and loc, scale to every order (x = loc exactly: value and first two derivatives "
                 "exact, higher ones 0); to second order in df (betainc's derivatives in a, b); df = inf is the normal "
                 "CDF; df <= 0 or scale <= 0 gives NaN, as SciPy")


@composite(namespace="stats", reference=scipy_reference("t", "cdf"), cases=_T, sample=positive_sample(),
           convention=_T_CONVENTION)
def t_cdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.t.cdf``: Student's t distribution function, via betainc."""
    return _t_method("stats.t_cdf", x, df, loc, scale, upper=False)


@composite(namespace="stats", reference=scipy_reference("t", "sf"), cases=_T, sample=positive_sample(),
           convention=_T_CONVENTION)
def t_sf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.t.sf``: ``1 - t.cdf``, computed as ``t.cdf`` at ``-z`` (no cancellation)."""
    return _t_method("stats.t_sf", x, df, loc, scale, upper=True)


@composite(namespace="stats", reference=scipy_reference("t", "logcdf"), cases=_T, sample=positive_sample(),
           convention="log of t.cdf, as log1p(-sf) above 1/2 (accurate near 1); " + _T_CONVENTION)
def t_logcdf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.t.logcdf``: ``log(t.cdf)``, or ``log1p(-t.sf)`` where the CDF is above 1/2."""
    op = "stats.t_logcdf"
    return _log_probability(_t_method(op, x, df, loc, scale, False), _t_method(op, x, df, loc, scale, True))


@composite(namespace="stats", reference=scipy_reference("t", "logsf"), cases=_T, sample=positive_sample(),
           convention="log of t.sf, as log1p(-cdf) above 1/2; " + _T_CONVENTION)
def t_logsf(x: TensorLike, df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.t.logsf``: ``log(t.sf)``, or ``log1p(-t.cdf)`` where the survival is above 1/2."""
    op = "stats.t_logsf"
    return _log_probability(_t_method(op, x, df, loc, scale, True), _t_method(op, x, df, loc, scale, False))


# -- beta --------------------------------------------------------------------------------------
# loc - 1 and scale + 2 keep z = (x - loc)/scale inside (0, 1) for samples in (0.15, 0.85)
_BETA = (Case(((5,), (5,), (5,))), Case(((2, 3), (3,), (2, 1))),
         Case(((4,),), const=(), kwargs=dict(a=2.5, b=0.7)),
         Case(((3,), (3,), (3,), (3,), (3,)),
              pack=lambda x, a, b, loc, scale: (x, a, b, loc - 1.0, scale + 2.0)))


def _beta_method(op: str, x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike, scale: TensorLike,
                 upper: bool) -> Tensor:
    z, _, valid, (ta, tb) = _standardize(op, x, loc, scale, a, b)
    valid = both(valid, positive(ta), positive(tb))
    below, above = less(z, 0.0), greater_equal(z, 1.0)
    zs, aa, bb = safe(1.0 - either(below, above), z, 0.5), safe(valid, ta), safe(valid, tb)
    shapes = tracked(a, b)
    if upper:
        value = where(below, 1.0, where(above, 0.0, _betainc(bb, aa, 1.0 - zs, shapes)))
    else:
        value = where(below, 0.0, where(above, 1.0, _betainc(aa, bb, zs, shapes)))
    return scipy_conventions(value, valid)


_BETA_CONVENTION = ("smooth in 0 < z < 1 (x, loc, scale) to every order, to second order in a and b; 0 or 1 outside "
                    "[0, 1] (gradient 0); a <= 0, b <= 0 or scale <= 0 gives NaN, as SciPy")


@composite(namespace="stats", reference=scipy_reference("beta", "cdf"), cases=_BETA,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape), convention=_BETA_CONVENTION)
def beta_cdf(x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.beta.cdf``: ``betainc(a, b, (x - loc)/scale)``."""
    return _beta_method("stats.beta_cdf", x, a, b, loc, scale, upper=False)


@composite(namespace="stats", reference=scipy_reference("beta", "sf"), cases=_BETA,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape), convention=_BETA_CONVENTION)
def beta_sf(x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.beta.sf``: ``betainc(b, a, 1 - (x - loc)/scale)``."""
    return _beta_method("stats.beta_sf", x, a, b, loc, scale, upper=True)


@composite(namespace="stats", reference=scipy_reference("beta", "logcdf"), cases=_BETA,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="log of beta.cdf (log1p(-sf) above 1/2; -inf below the support); " + _BETA_CONVENTION)
def beta_logcdf(x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.beta.logcdf``: ``log(beta.cdf)``, or ``log1p(-beta.sf)`` above 1/2."""
    op = "stats.beta_logcdf"
    return _log_probability(_beta_method(op, x, a, b, loc, scale, False), _beta_method(op, x, a, b, loc, scale, True))


@composite(namespace="stats", reference=scipy_reference("beta", "logsf"), cases=_BETA,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="log of beta.sf (log1p(-cdf) above 1/2; -inf above the support); " + _BETA_CONVENTION)
def beta_logsf(x: TensorLike, a: TensorLike, b: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1) -> Tensor:
    """``scipy.stats.beta.logsf``: ``log(beta.sf)``, or ``log1p(-beta.cdf)`` above 1/2."""
    op = "stats.beta_logsf"
    return _log_probability(_beta_method(op, x, a, b, loc, scale, True), _beta_method(op, x, a, b, loc, scale, False))


# -- binom -------------------------------------------------------------------------------------
_COUNTS = np.array([0, 1, 2, 5, 3])
_BINOM = (Case(((5,),), const=(_COUNTS, np.array(6))), Case(((3, 1),), const=(_COUNTS, np.array([5, 7, 9, 6, 8]))),
          Case(((),), const=(np.array(2), np.array(10))), Case(((5,),), const=(_COUNTS + 1, 8), kwargs=dict(loc=1)),
          Case(((4,),), const=(np.array([-1, 2, 6, 9]), np.array(6))))


def _binom_method(op: str, k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike, upper: bool) -> Tensor:
    tk, tn, tp, tloc = operands(op, k, n, p, loc)
    count, trials = data(floor(tk - tloc)), data(tn)
    valid = both(nonnegative(trials), 1.0 - not_integer(trials), unit_interval(tp))
    below, above = less(count, 0.0), greater_equal(count, trials)
    inside = 1.0 - either(below, above)
    nn, pp = safe(valid, trials, 2.0), safe(valid, tp, 0.5)
    kk = safe(inside, count, 0.0)
    nn = safe(inside, nn, 2.0)
    if upper:
        value = where(below, 1.0, where(above, 0.0, _betainc(kk + 1.0, nn - kk, pp, False)))
    else:
        value = where(below, 0.0, where(above, 1.0, _betainc(nn - kk, kk + 1.0, 1.0 - pp, False)))
    return scipy_conventions(value, valid)


_BINOM_CONVENTION = ("smooth in 0 < p < 1 to every order; k, n and loc are data (k is floored, as SciPy); 0 or 1 "
                     "for k - loc < 0 or >= n; p outside [0, 1] or n not a non-negative integer gives NaN, as SciPy")


@composite(namespace="stats", reference=scipy_reference("binom", "cdf"), cases=_BINOM,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape), convention=_BINOM_CONVENTION)
def binom_cdf(k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.binom.cdf``: ``P(K <= k) = betainc(n - k, k + 1, 1 - p)``."""
    return _binom_method("stats.binom_cdf", k, n, p, loc, upper=False)


@composite(namespace="stats", reference=scipy_reference("binom", "sf"), cases=_BINOM,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape), convention=_BINOM_CONVENTION)
def binom_sf(k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.binom.sf``: ``P(K > k) = betainc(k + 1, n - k, p)``."""
    return _binom_method("stats.binom_sf", k, n, p, loc, upper=True)


# the last case's counts lie outside 0 <= k < n, where the logs are -inf (no finite differences there)
@composite(namespace="stats", reference=scipy_reference("binom", "logcdf"), cases=_BINOM[:-1],
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="log of binom.cdf (log1p(-sf) above 1/2; -inf for k - loc < 0); " + _BINOM_CONVENTION)
def binom_logcdf(k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.binom.logcdf``: ``log(binom.cdf)``, or ``log1p(-binom.sf)`` above 1/2."""
    op = "stats.binom_logcdf"
    return _log_probability(_binom_method(op, k, n, p, loc, False), _binom_method(op, k, n, p, loc, True))


@composite(namespace="stats", reference=scipy_reference("binom", "logsf"), cases=_BINOM[:-1],
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="log of binom.sf (log1p(-cdf) above 1/2; -inf for k - loc >= n); " + _BINOM_CONVENTION)
def binom_logsf(k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.binom.logsf``: ``log(binom.sf)``, or ``log1p(-binom.cdf)`` above 1/2."""
    op = "stats.binom_logsf"
    return _log_probability(_binom_method(op, k, n, p, loc, True), _binom_method(op, k, n, p, loc, False))
