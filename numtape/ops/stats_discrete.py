"""Discrete distributions of ``nt.stats``: ``poisson`` and ``binom``, as rows
``stats.<distribution>_<method>`` with ``scipy.stats``' signatures.

The log mass functions are SciPy's formulas: ``poisson.logpmf = xlogy(k, mu) - gammaln(k + 1) - mu``
and ``binom.logpmf = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + xlogy(k, p) +
xlog1py(n - k, -p)`` (``xlogy`` gives ``0 * log 0 = 0``: ``p = 0`` or ``p = 1`` are exact). They are
differentiable in the continuous parameter (``mu``, ``p``); the counts ``k``, ``n`` and the shift
``loc`` are data (recorded through stop_gradient: their gradient is None). As SciPy: ``k - loc``
outside the support or not an integer gives ``-inf``; ``mu < 0``, ``p`` outside ``[0, 1]``, ``n``
negative or not an integer give NaN. The mass functions are ``exp`` of the log mass functions.

``binom.cdf``/``sf``/``logcdf``/``logsf`` are incomplete beta functions: :mod:`.stats_incomplete_beta`;
``poisson.cdf``/``logcdf``/``sf`` are incomplete gamma functions: :mod:`.stats_incomplete_gamma`.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, TensorLike
from .elementwise import exp, greater
from .registry import Case, composite
from .special_functions import gammaln, xlog1py, xlogy
from .stats_base import (
    both, data, either, nonnegative, not_integer, operands, outside_interval, safe, scipy_conventions,
    scipy_reference, unit_interval,
)

_COUNTS = np.array([0, 1, 2, 5, 3])
_POISSON = (Case(((5,),), const=(_COUNTS,)), Case(((3, 1),), const=(_COUNTS,)), Case(((),), const=(np.array(4),)),
            Case(((5,),), const=(_COUNTS + 2,), kwargs=dict(loc=2)))


def _poisson_logpmf(op: str, k: TensorLike, mu: TensorLike, loc: TensorLike) -> Tensor:
    tk, tmu, tloc = operands(op, k, mu, loc)
    count = data(tk - tloc)
    valid = nonnegative(tmu)
    outside = either(outside_interval(count, 0.0, np.inf), not_integer(count))
    kk, m = safe(1.0 - outside, count, 0.0), safe(valid, tmu)
    return scipy_conventions(xlogy(kk, m) - gammaln(kk + 1.0) - m, valid, outside)


@composite(namespace="stats", reference=scipy_reference("poisson", "logpmf"), cases=_POISSON,
           sample=lambda rng, shape: rng.uniform(0.5, 4.0, shape),
           convention="smooth in mu > 0 (derivative k/mu - 1); k and loc are data; at mu = 0 the value is "
                      "SciPy's (0 for k = 0) and the derivative infinite; mu < 0 gives NaN, as SciPy")
def poisson_logpmf(k: TensorLike, mu: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.poisson.logpmf``: ``xlogy(k, mu) - gammaln(k + 1) - mu`` at ``k - loc``."""
    return _poisson_logpmf("stats.poisson_logpmf", k, mu, loc)


@composite(namespace="stats", reference=scipy_reference("poisson", "pmf"), cases=_POISSON,
           sample=lambda rng, shape: rng.uniform(0.5, 4.0, shape),
           convention="exp of poisson.logpmf; k and loc are data; mu < 0 gives NaN, as SciPy")
def poisson_pmf(k: TensorLike, mu: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.poisson.pmf``: ``exp(poisson.logpmf(k, mu, loc))``."""
    return exp(_poisson_logpmf("stats.poisson_pmf", k, mu, loc))


_BINOM = (Case(((5,),), const=(_COUNTS, np.array(6))), Case(((3, 1),), const=(_COUNTS, np.array([5, 7, 9, 6, 8]))),
          Case(((),), const=(np.array(2), np.array(10))), Case(((5,),), const=(_COUNTS + 1, 8), kwargs=dict(loc=1)))


def _binom_logpmf(op: str, k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike) -> Tensor:
    tk, tn, tp, tloc = operands(op, k, n, p, loc)
    count, trials = data(tk - tloc), data(tn)
    valid = both(nonnegative(trials), 1.0 - not_integer(trials), unit_interval(tp))
    outside = either(outside_interval(count, 0.0, np.inf), greater(count, trials), not_integer(count))
    nn, pp = safe(valid, trials), safe(valid, tp, 0.5)
    kk = safe(1.0 - outside, count, 0.0)
    combinations = gammaln(nn + 1.0) - gammaln(kk + 1.0) - gammaln(nn - kk + 1.0)
    return scipy_conventions(combinations + xlogy(kk, pp) + xlog1py(nn - kk, -pp), valid, outside)


@composite(namespace="stats", reference=scipy_reference("binom", "logpmf"), cases=_BINOM,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="smooth in 0 < p < 1 (derivative k/p - (n - k)/(1 - p)); k, n and loc are data; "
                      "p = 0 or 1 give SciPy's values (xlogy) with an infinite derivative; p outside [0, 1] "
                      "or n not a non-negative integer gives NaN, as SciPy")
def binom_logpmf(k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.binom.logpmf``: ``log C(n, k) + k log p + (n - k) log(1 - p)`` at ``k - loc``."""
    return _binom_logpmf("stats.binom_logpmf", k, n, p, loc)


@composite(namespace="stats", reference=scipy_reference("binom", "pmf"), cases=_BINOM,
           sample=lambda rng, shape: rng.uniform(0.15, 0.85, shape),
           convention="exp of binom.logpmf; k, n and loc are data; invalid parameters give NaN, as SciPy")
def binom_pmf(k: TensorLike, n: TensorLike, p: TensorLike, loc: TensorLike = 0) -> Tensor:
    """``scipy.stats.binom.pmf``: ``exp(binom.logpmf(k, n, p, loc))``."""
    return exp(_binom_logpmf("stats.binom_pmf", k, n, p, loc))
