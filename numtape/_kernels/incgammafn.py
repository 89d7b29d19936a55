"""Regularized incomplete gamma functions P(a, x), Q(a, x) and their derivatives (``IG.name`` in a
row's formula), after Cephes and SciPy's ``igam.c``.

Values take SciPy's branches (Cephes with SciPy's 2016 changes): P by the power series
P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)) (DLMF 8.11.4); Q by Cephes'
continued fraction recurrence (DLMF 8.9.2, rescaled against overflow) for x > 1.1 and x >= a, by
DLMF 8.7.3 for x <= 1.1 and small a (so that a small Q does not come from 1 - P); the other
function is 1 minus that one. Two departures: the prefactor x^a e^-x / Gamma(a) is Stirling's
series for a >= 10, a log(x/a) - (x - a) with log1pmx = log(1 + t) - t near x = a (SciPy
cancels a log x - x - lgamma(a) there, ~1e-12 relative for a ~ 1e3, or uses a Lanczos sum), and where SciPy switches to
Temme's uniform asymptotic expansion (a > 20, x near a) the series and the fraction simply run
longer (about 9 sqrt(a) terms; SciPy's 2000-term cap truncates them between 4.5 and 9 sqrt(a)
from a when a > ~5e4), up to a = 1e7 (the long sums lose ~1e-13 there); above, where
|x - a| < 0.3 a, two terms of Temme's expansion are exact to rounding. Past ``_TERM_LIMIT`` terms a sum gives NaN, never a truncated value: the
a-derivatives for a > ~7e9 with x near a.

Derivatives in a (TensorFlow and JAX differentiate igamma in a too) are truncated Taylor
arithmetic in d: the coefficients of P(a + d, x) up to order K, carried through the same
series (each term t_n = t_{n-1} x / (a + n + d), a geometric series in d) or through the
fraction's recurrence (pk, qk are polynomials in d, their ratio a truncated division), with the
prefactor x^(a+d) e^-x / Gamma(a + d + 1) = exp(l(d)), l' = log x - digamma(a + 1),
l^(j) = -polygamma(j - 1, a + 1). The series is used for x <= max(a, 1), the fraction
(Q = (a + d) t_0 CF, dP = -dQ) above. Sums stop when every coefficient's new term is below
machine epsilon times the sum of the magnitudes of its terms (its rounding error). The x
derivatives are closed forms: dP/dx = x^(a-1) e^-x / Gamma(a).

Compile time: the Taylor buffers are written element by element (no ``np.abs(array)``,
``out[:] = ...``: Numba types and lowers each array expression as a loop nest of its own), and
the single-caller helpers and thin wrappers are ``inline_kernel`` (see :mod:`.jit`): a dispatcher
of their own would re-link and re-generate the whole series/fraction code below it.
"""
from __future__ import annotations

import math

import numpy as np

from . import gammafn as GF
from .jit import inline_kernel, kernel

_MACHEP = 1.11022302462515654042e-16
_EULER = 0.57721566490153286061
_HALF_LOG_2PI = 0.91893853320467274178
_BIG = 4.503599627370496e15
_BIGINV = 2.22044604925031308085e-16
_TERM_LIMIT = 1_000_000
# lgamma(a) - ((a - 1/2) log a - a + log(2 pi)/2) = sum_k B_2k / (2k (2k - 1) a^(2k - 1))
_STIRLING = np.array([-3617.0 / 122400.0, 1.0 / 156.0, -691.0 / 360360.0, 1.0 / 1188.0, -1.0 / 1680.0,
                      1.0 / 1260.0, -1.0 / 360.0, 1.0 / 12.0])
# zeta(k) for k = 2..61, the Taylor coefficients of lgamma(1 + a) at 0 (computed once, at import)
_ZETA = np.array([GF.zeta(float(k), 1.0) for k in range(2, 62)])


# ---------------------------------------------------------------------------
# helpers: log1pmx, lgamma(1 + a), the prefactor x^a e^-x / Gamma(a)
# ---------------------------------------------------------------------------
@kernel
def log1pmx(t):
    """log(1 + t) - t, accurate near 0 (2 atanh(s) - t with s = t / (2 + t))."""
    if abs(t) >= 0.5:
        return math.log1p(t) - t
    s = t / (2.0 + t)
    s2 = s * s
    power = s * s2
    total = 0.0
    k = 3.0
    while True:
        piece = power / k
        total += piece
        if abs(piece) <= _MACHEP * abs(total):
            break
        power *= s2
        k += 2.0
    return 2.0 * total - t * t / (2.0 + t)


@kernel
def _lgam1p_taylor(a):
    """lgamma(1 + a) for |a| <= 0.5: -euler a + sum_k (-1)^k zeta(k) a^k / k."""
    if a == 0.0:
        return 0.0
    total = -_EULER * a
    power = -a
    for i in range(len(_ZETA)):
        power *= -a
        term = _ZETA[i] * power / (i + 2.0)
        total += term
        if abs(term) < _MACHEP * abs(total):
            break
    return total


@kernel
def lgam1p(a):
    """lgamma(1 + a), accurate for small |a| (and near a = 1, where lgamma(2) = 0)."""
    if abs(a) <= 0.5:
        return _lgam1p_taylor(a)
    if abs(a - 1.0) < 0.5:
        return math.log(a) + _lgam1p_taylor(a - 1.0)
    return math.lgamma(a + 1.0)


@inline_kernel
def _stirling_correction(a):
    z = 1.0 / (a * a)
    return GF.polevl(z, _STIRLING) / a


@kernel
def igam_fac(a, x):
    """x^a e^-x / Gamma(a); for a >= 10 by Stirling's series, a log(x/a) - (x - a) (log1pmx near
    x = a) + log(a / 2 pi)/2 - correction(a), without the cancellation of a log x - x - lgamma(a)."""
    if a < 1.0:  # a / Gamma(a + 1): exp(-lgamma(a)) would lose |lgamma(a)| eps for tiny a
        return a * math.exp(a * math.log(x) - x - lgam1p(a))
    if a < 10.0:
        return math.exp(a * math.log(x) - x - math.lgamma(a))
    t = (x - a) / a
    core = a * log1pmx(t) if abs(t) < 0.5 else a * math.log(x / a) - (x - a)
    return math.exp(core + 0.5 * math.log(a) - _HALF_LOG_2PI - _stirling_correction(a))


@kernel
def _series_prefactor(a, x):
    """x^a e^-x / Gamma(a + 1) (e^-x at a = 0)."""
    if a < 1.0:
        return math.exp(a * math.log(x) - x - lgam1p(a)) if a > 0.0 else math.exp(-x)
    return igam_fac(a, x) / a


@inline_kernel
def _term_limit(a):
    return min(2000.0 + 12.0 * math.sqrt(a), _TERM_LIMIT)


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------
@kernel
def igam_series(a, x):
    """P(a, x) by DLMF 8.11.4; NaN if it has not converged within the term limit."""
    fac = igam_fac(a, x)
    if fac == 0.0:
        return 0.0
    r = a
    c = 1.0
    total = 1.0
    limit = _term_limit(a)
    n = 0.0
    while n < limit:
        n += 1.0
        r += 1.0
        c *= x / r
        total += c
        if c <= _MACHEP * total:
            return total * fac / a
    return np.nan


@kernel
def igamc_series(a, x):
    """Q(a, x) for small x by DLMF 8.7.3: no cancellation when Q is small."""
    fac = 1.0
    total = 0.0
    for n in range(1, 2000):
        fac *= -x / n
        term = fac / (a + n)
        total += term
        if abs(term) <= _MACHEP * abs(total):
            break
    logx = math.log(x)
    return -math.expm1(a * logx - lgam1p(a)) - math.exp(a * logx - math.lgamma(a)) * total


@kernel
def igamc_fraction(a, x):
    """Q(a, x) by Cephes' continued fraction recurrence; NaN if it has not converged."""
    fac = igam_fac(a, x)
    if fac == 0.0:
        return 0.0
    y = 1.0 - a
    z = x + y + 1.0
    c = 0.0
    pkm2, qkm2, pkm1, qkm1 = 1.0, x, x + 1.0, z * x
    ans = pkm1 / qkm1
    limit = _term_limit(max(a, x))
    while c < limit:
        c += 1.0
        y += 1.0
        z += 2.0
        yc = y * c
        pk = pkm1 * z - pkm2 * yc
        qk = qkm1 * z - qkm2 * yc
        t = 1.0
        if qk != 0.0:
            r = pk / qk
            t = abs((ans - r) / r)
            ans = r
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        if abs(pk) > _BIG:
            pkm2 *= _BIGINV
            pkm1 *= _BIGINV
            qkm2 *= _BIGINV
            qkm1 *= _BIGINV
        if t <= _MACHEP:
            return ans * fac
    return np.nan


@kernel
def _temme(a, x, lower):
    """P (lower) or Q for a > 1e7 and |x - a| < 0.3 a: Temme's uniform expansion (DLMF 8.12.3-4),
    0.5 erfc(-+eta sqrt(a/2)) -+ exp(-a eta^2/2) / sqrt(2 pi a) (c0(eta) + c1(eta) / a). The next
    term, c2 / a^2 < 1e-17 of R, is below rounding; c1 / a needs only ~1e-4 of c1."""
    sigma = (x - a) / a
    eta = math.sqrt(-2.0 * log1pmx(sigma))
    if sigma < 0.0:
        eta = -eta
    if abs(eta) < 1e-3:  # 1/sigma - 1/eta cancels: its series in eta
        c0 = -1.0 / 3.0 + eta * (1.0 / 12.0 - eta * (2.0 / 135.0 - eta / 864.0))
        c1 = -1.0 / 540.0 - eta / 288.0
    else:
        c0 = 1.0 / sigma - 1.0 / eta
        c1 = 1.0 / eta ** 3 - 1.0 / sigma ** 3 - 1.0 / sigma ** 2 - 1.0 / (12.0 * sigma)
    sign = -1.0 if lower else 1.0
    tail = math.exp(-0.5 * a * eta * eta) * (c0 + c1 / a) / math.sqrt(2.0 * math.pi * a)
    return 0.5 * math.erfc(sign * eta * math.sqrt(0.5 * a)) + sign * tail


@inline_kernel
def _edge(a, x, lower):
    """P (lower) or Q at SciPy's special arguments; 2.0 where none applies."""
    if a != a or x != x or a < 0.0 or x < 0.0:
        return np.nan
    if a == 0.0:
        return np.nan if x == 0.0 else (1.0 if lower else 0.0)
    if x == 0.0:
        return 0.0 if lower else 1.0
    if a == np.inf:
        return np.nan if x == np.inf else (0.0 if lower else 1.0)
    if x == np.inf:
        return 1.0 if lower else 0.0
    return 2.0


@kernel
def gammaincc(a, x):
    """Q(a, x) = Gamma(a, x) / Gamma(a), SciPy's gammaincc."""
    edge = _edge(a, x, np.bool_(False))  # np.bool_, np.int64 below: not literals, one compiled version each
    if edge != 2.0:
        return edge
    if a > 1e7 and abs(x - a) < 0.3 * a:
        return _temme(a, x, np.bool_(False))
    if x > 1.1:
        value = 1.0 - igam_series(a, x) if x < a else igamc_fraction(a, x)
    elif x <= 0.5:
        value = 1.0 - igam_series(a, x) if -0.4 / math.log(x) < a else igamc_series(a, x)
    else:
        value = 1.0 - igam_series(a, x) if x * 1.1 < a else igamc_series(a, x)
    return 1.0 if value > 1.0 else value  # a sum rounded up by an ulp (NaN passes)


@kernel
def gammainc(a, x):
    """P(a, x) = gamma(a, x) / Gamma(a), SciPy's gammainc."""
    edge = _edge(a, x, np.bool_(True))
    if edge != 2.0:
        return edge
    if a > 1e7 and abs(x - a) < 0.3 * a:
        return _temme(a, x, np.bool_(True))
    if x > 1.0 and x > a:
        return 1.0 - gammaincc(a, x)
    value = igam_series(a, x)
    return 1.0 if value > 1.0 else value


# ---------------------------------------------------------------------------
# derivatives in a: Taylor coefficients of P(a + d, x) in d, to order K
# ---------------------------------------------------------------------------
@kernel
def _prefactor_taylor(a, x, order, out):
    """x^(a+d) e^-x / Gamma(a + d + 1) = exp(l(d)): out[k] = its k-th Taylor coefficient."""
    slope = np.empty(order + 1)
    slope[0] = 0.0
    factorial = 1.0
    for j in range(1, order + 1):
        factorial *= j
        slope[j] = j * (-GF.polygamma(j - 1.0, a + 1.0) / factorial)  # j l_j
    slope[1] += math.log(x)
    out[0] = _series_prefactor(a, x)
    for k in range(1, order + 1):
        total = 0.0
        for j in range(1, k + 1):
            total += slope[j] * out[k - j]
        out[k] = total / k


@inline_kernel
def _series_taylor(a, x, order, out):
    """P(a + d, x) by DLMF 8.11.4 in Taylor arithmetic; False if it did not converge."""
    term = np.empty(order + 1)
    _prefactor_taylor(a, x, order, term)
    magnitude = np.empty(order + 1)
    for k in range(order + 1):
        out[k] = term[k]
        magnitude[k] = abs(term[k])
    limit = _term_limit(a)
    n = 0.0
    while n < limit:
        n += 1.0
        r = a + n
        ratio = x / r
        previous = 0.0
        converged = True
        for k in range(order + 1):  # term * x / (r + d): u_k = ratio t_k - u_(k-1) / r
            term[k] = ratio * term[k] - previous / r
            previous = term[k]
            out[k] += term[k]
            magnitude[k] += abs(term[k])
            if abs(term[k]) > _MACHEP * magnitude[k]:
                converged = False
        if converged:
            return True
    return False


@inline_kernel
def _divide_taylor(p, q, out):
    for k in range(len(p)):
        total = p[k]
        for i in range(1, k + 1):
            total -= q[i] * out[k - i]
        out[k] = total / q[0]


@inline_kernel
def _fraction_taylor(a, x, order, out):
    """Q(a + d, x) = (a + d) t_0(d) CF(d), Cephes' recurrence with every pk, qk a polynomial in d
    (y and z of the recurrence are y - d and z - d); False if it did not converge."""
    size = order + 1
    pkm2, qkm2, pkm1, qkm1 = np.zeros(size), np.zeros(size), np.zeros(size), np.zeros(size)
    pk, qk, ratio, previous = np.zeros(size), np.zeros(size), np.zeros(size), np.zeros(size)
    y = 1.0 - a
    z = x + y + 1.0
    c = 0.0
    pkm2[0], qkm2[0], pkm1[0], qkm1[0] = 1.0, x, x + 1.0, z * x
    if order >= 1:
        qkm1[1] = -x
    _divide_taylor(pkm1, qkm1, previous)
    limit = _term_limit(max(a, x))
    converged = False
    while c < limit and not converged:
        c += 1.0
        y += 1.0
        z += 2.0
        for k in range(size):
            pk[k] = z * pkm1[k] - c * y * pkm2[k]
            qk[k] = z * qkm1[k] - c * y * qkm2[k]
            if k >= 1:
                pk[k] += c * pkm2[k - 1] - pkm1[k - 1]
                qk[k] += c * qkm2[k - 1] - qkm1[k - 1]
        if qk[0] != 0.0:
            _divide_taylor(pk, qk, ratio)
            converged = True
            for k in range(size):
                if abs(ratio[k] - previous[k]) > _MACHEP * (abs(ratio[k]) + abs(ratio[0])):
                    converged = False
                previous[k] = ratio[k]
        scale = _BIGINV if abs(pk[0]) > _BIG else 1.0
        for k in range(size):
            pkm2[k], pkm1[k], qkm2[k], qkm1[k] = pkm1[k] * scale, pk[k] * scale, qkm1[k] * scale, qk[k] * scale
    prefactor = np.empty(size)
    _prefactor_taylor(a, x, order, prefactor)
    for k in range(size):  # (a + d) t_0(d), times the fraction
        scaled = a * prefactor[k] + (prefactor[k - 1] if k >= 1 else 0.0)
        ratio[k] = scaled
    for k in range(size):
        total = 0.0
        for i in range(k + 1):
            total += ratio[i] * previous[k - i]
        out[k] = total
    return converged


@kernel
def a_derivatives(a, x, order, out):
    """out[k] = d^k P(a, x) / da^k for k = 1..order (out[0] unused); NaN where the sums do not converge
    and at a < 0, x < 0, NaN; 0 where P is constant in a (x = 0, x = inf, a = inf)."""
    nan = a != a or x != x or a < 0.0 or x < 0.0
    for k in range(order + 1):
        out[k] = np.nan if nan else 0.0
    if nan:
        return
    if x == 0.0 or x == np.inf or a == np.inf:
        return
    if x <= max(a, 1.0):
        ok = _series_taylor(a, x, order, out)
        sign = 1.0
    else:
        ok = _fraction_taylor(a, x, order, out)
        sign = -1.0
    factorial = 1.0
    for k in range(1, order + 1):
        factorial *= k
        out[k] = sign * factorial * out[k] if ok else np.nan


@kernel
def density(a, x):
    """dP/dx = x^(a-1) e^-x / Gamma(a) (SciPy's limits at x = 0: inf, 1, 0 for a <, =, > 1)."""
    if a != a or x != x or a < 0.0 or x < 0.0:
        return np.nan
    if x == 0.0:
        return np.inf if a < 1.0 else (1.0 if a == 1.0 else 0.0)
    if x == np.inf or a == 0.0:
        return 0.0
    if a >= 10.0:
        return igam_fac(a, x) / x
    return math.exp((a - 1.0) * math.log(x) - x - math.lgamma(a))


@inline_kernel
def _density_da(a, x):
    """d^2 P / da dx = x^(a-1) e^-x / Gamma(a) (log x - digamma(a)), e^-x / x at a = 0."""
    if x == 0.0:
        return 0.0 if a > 1.0 else (np.nan if a == 1.0 else -np.inf)
    if x == np.inf:
        return 0.0
    return _series_prefactor(a, x) / x * (1.0 + a * (math.log(x) - GF.digamma(a + 1.0)))


@inline_kernel
def _density_dx(a, x, d):
    """d^2 P / dx^2 = dP/dx ((a - 1)/x - 1)."""
    if d == 0.0:
        return 0.0
    return d * ((a - 1.0) / x - 1.0)


@kernel
def gammainc_partials(a, x):
    work = np.empty(2)
    a_derivatives(a, x, np.int64(1), work)
    return work[1], density(a, x)


@kernel
def gammainc_second(a, x):
    work = np.empty(3)
    a_derivatives(a, x, np.int64(2), work)
    mixed = _density_da(a, x)
    return work[2], mixed, mixed, _density_dx(a, x, density(a, x))


@inline_kernel
def gammaincc_partials(a, x):
    da, dx = gammainc_partials(a, x)
    return -da, -dx


@inline_kernel
def gammaincc_second(a, x):
    aa, ax, xa, xx = gammainc_second(a, x)
    return -aa, -ax, -xa, -xx


@kernel
def a_derivative_array(a, x, order):
    """d^order P / da^order elementwise over two flat arrays of one size (the hand-off's forward)."""
    out = np.empty(a.size)
    work = np.empty(order + 1)
    for i in range(a.size):
        a_derivatives(a[i], x[i], order, work)
        out[i] = work[order]
    return out


@kernel
def density_array(a, x):
    """dP/dx elementwise over two flat arrays of one size (the hand-off's forward)."""
    out = np.empty(a.size)
    for i in range(a.size):
        out[i] = density(a[i], x[i])
    return out
