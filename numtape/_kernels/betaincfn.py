"""The regularized incomplete beta function I_x(a, b) with its derivatives in a and b.

The algorithm is Cephes' ``incbet`` (the one SciPy used before Boost): for ``b x <= 1`` and
``x <= 0.95`` the power series of DLMF 8.17.7, ``I = x^a / B(a, b) * sum_n (1 - b)_n x^n /
(n! (a + n))``; otherwise, with ``x`` above the mean ``a / (a + b)`` swapped to the upper tail by
``I_x(a, b) = 1 - I_{1-x}(b, a)``, one of two continued fractions (DLMF 8.17.22 in ``x``, or its
twin in ``x / (1 - x)``, whichever converges faster), times the prefactor ``x^a (1 - x)^b /
(a B(a, b))``, by powers and gammas when they cannot overflow, else in logarithms.

Each quantity is carried as a triple (value, d/da, d/db): forward-mode differentiation of the
same series, continued-fraction recurrences (Boik & Robison-Cox 1998 differentiate the
convergents the same way) and prefactor, whose log-derivatives are ``log x - 1/a - psi(a) +
psi(a + b)`` and ``log(1 - x) - psi(b) + psi(a + b)``. A loop stops when the value and both
derivatives have converged. The derivative in x is closed form (the beta density) and is not
computed here. SciPy's edge conventions are ``betainc``'s (``limits``).
"""
from __future__ import annotations

import math

import numpy as np

from . import gammafn as GF
from .jit import kernel

_MACHEP = 1.11022302462515654042e-16
_MAXLOG = 7.09782712893383996843e2
_BIG = 4.503599627370496e15
_BIGINV = 2.22044604925031308085e-16
_CF_TOLERANCE = 3.0 * _MACHEP
_MAX_TERMS = 2000


@kernel
def _changed(old, new):
    """The relative change from ``old`` to ``new`` (0 when both are 0)."""
    if new == old:
        return 0.0
    if new == 0.0:
        return 1.0
    return abs((new - old) / new)

_1_SQRT_2PI = 0.3989422804014327
_STIRLING = np.array([-3617.0 / 122400.0, 1.0 / 156.0, -691.0 / 360360.0, 1.0 / 1188.0, -1.0 / 1680.0, 1.0 / 1260.0,
                      -1.0 / 360.0, 1.0 / 12.0])


@kernel
def _power(x, xc, exact, e):
    """``x**e`` where ``x = 1 - xc``: by pow when ``x`` is an exact input, else from ``log1p(-xc)``
    (a rounded 1 - xc raised to a large power would lose ``e`` ulps)."""
    if exact:
        return x ** e
    return math.exp(e * math.log1p(-xc))


@kernel
def _stirling_correction(x):
    """log Gamma(x) - ((x - 1/2) log x - x + log(2 pi)/2), for x >= 8 (error below 1e-16)."""
    w = 1.0 / (x * x)
    return GF.polevl(w, _STIRLING) / x


@kernel
def _rlog1(e):
    """e - log(1 + e), without cancellation for small |e|."""
    if abs(e) > 0.1:
        return e - math.log1p(e)
    term, total, k = -e, 0.0, 2.0
    while True:
        term = -term * e
        step = term / k
        total += step
        if abs(step) <= 1e-17 * abs(total):
            return total
        k += 1.0


@kernel
def _power_terms(a, b, x, xc, x_exact):
    """``x^a (1 - x)^b / B(a, b)`` (``xc = 1 - x``, ``x_exact``: which of the two is exact).

    For a, b >= 8 as TOMS 708's ``brcomp``: Stirling's formula for 1/B leaves
    ``(x/x0)^a (xc/y0)^b`` with ``x0 = a/(a + b)``, computed as ``exp(-(a rlog1(-l/a) + b rlog1(l/b)))``
    with ``l = a - (a + b) x``, whose error is ``eps |l|`` rather than ``eps a |log x|``.
    """
    if a >= 8.0 and b >= 8.0:
        x0 = a / (a + b)
        lam = a - (a + b) * x if x_exact else (a + b) * xc - b
        e = -lam / a
        u = e - math.log(x / x0) if abs(e) > 0.6 else _rlog1(e)
        e = lam / b
        v = e - math.log(xc / (1.0 - x0)) if abs(e) > 0.6 else _rlog1(e)
        correction = _stirling_correction(a) + _stirling_correction(b) - _stirling_correction(a + b)
        return _1_SQRT_2PI * math.sqrt(b * x0) * math.exp(-(a * u + b * v) - correction)
    log_x = math.log(x) if x_exact else math.log1p(-xc)
    log_xc = math.log1p(-x) if x_exact else math.log(xc)
    if a < 8.0 and b < 8.0:
        if abs(a * log_x) < _MAXLOG and abs(b * log_xc) < _MAXLOG:
            return _power(x, xc, x_exact, a) * _power(xc, x, not x_exact, b) / GF.beta(a, b)
        return math.exp(a * log_x + b * log_xc - GF.betaln(a, b))
    # one parameter >= 8: 1/B(a, b) = Gamma(big + small) / Gamma(big) / Gamma(small), the ratio by Stirling
    big, small = (a, b) if a >= 8.0 else (b, a)
    log_inv_beta = (small * math.log(big + small) + (big - 0.5) * math.log1p(small / big) - small
                    + _stirling_correction(big + small) - _stirling_correction(big) - math.lgamma(small))
    if abs(a * log_x) < _MAXLOG and abs(b * log_xc) < _MAXLOG and abs(log_inv_beta) < _MAXLOG:
        return _power(x, xc, x_exact, a) * _power(xc, x, not x_exact, b) * math.exp(log_inv_beta)
    return math.exp(a * log_x + b * log_xc + log_inv_beta)


@kernel
def _pseries(a, b, x, xc, x_exact):
    """I_x(a, b) and its a-, b-derivatives by the power series (b x <= 1, x <= 0.95); ``xc = 1 - x``
    and ``x_exact`` as in ``_power_terms``."""
    s = 1.0 / a
    sa = -1.0 / (a * a)
    sb = 0.0
    t = 1.0  # (1 - b)_n x^n / n!
    tb = 0.0
    n = 1.0
    while n < _MAX_TERMS:
        u = (n - b) * x / n
        tb = tb * u - t * x / n
        t = t * u
        v, va, vb = t / (a + n), -t / ((a + n) * (a + n)), tb / (a + n)
        s += v
        sa += va
        sb += vb
        if abs(v) <= _MACHEP * abs(s) and abs(va) <= _MACHEP * abs(sa) and abs(vb) <= _MACHEP * abs(sb):
            break
        n += 1.0
    psi_ab = GF.digamma(a + b)
    la = (math.log(x) if x_exact else math.log1p(-xc)) - GF.digamma(a) + psi_ab
    lb = psi_ab - GF.digamma(b)
    prefactor = _power_terms(a, b, x, xc, x_exact) / _power(xc, x, not x_exact, b)  # x^a / B(a, b)
    value = prefactor * s
    return value, value * la + prefactor * sa, value * lb + prefactor * sb


@kernel
def _term(c, p, pa, pb, q, qa, qb, r, s):
    """``c p q / (r s)`` and its derivatives, where r and s have slope 1 in a and 0 in b."""
    t = c * p * q / (r * s)
    ta = c * (pa * q + p * qa) / (r * s) - t * (1.0 / r + 1.0 / s)
    tb = c * (pb * q + p * qb) / (r * s)
    return t, ta, tb


@kernel
def _continued_fraction(a, b, x, second):
    """Cephes' ``incbcf`` (``second`` False: terms in x) or ``incbd`` (True: in x/(1 - x)), with
    the convergents' derivatives carried through the three-term recurrence."""
    z = x / (1.0 - x) if second else x
    # the convergent p/q and the two before it, each with d/da and d/db
    p2, p2a, p2b, q2, q2a, q2b = 0.0, 0.0, 0.0, 1.0, 0.0, 0.0
    p1, p1a, p1b, q1, q1a, q1b = 1.0, 0.0, 0.0, 1.0, 0.0, 0.0
    ans, ansa, ansb = 1.0, 0.0, 0.0
    n = 0.0
    for _ in range(_MAX_TERMS):
        for half in range(2):
            if half == 0:  # -(z k1 k2) / (k3 k4)
                if second:
                    xk, xka, xkb = _term(-z, a + n, 1.0, 0.0, b - 1.0 - n, 0.0, 1.0, a + 2.0 * n, a + 2.0 * n + 1.0)
                else:
                    xk, xka, xkb = _term(-z, a + n, 1.0, 0.0, a + b + n, 1.0, 1.0, a + 2.0 * n, a + 2.0 * n + 1.0)
            else:  # (z k5 k6) / (k7 k8)
                if second:
                    xk, xka, xkb = _term(z, 1.0 + n, 0.0, 0.0, a + b + n, 1.0, 1.0, a + 2.0 * n + 1.0,
                                         a + 2.0 * n + 2.0)
                else:
                    xk, xka, xkb = _term(z, 1.0 + n, 0.0, 0.0, b - 1.0 - n, 0.0, 1.0, a + 2.0 * n + 1.0,
                                         a + 2.0 * n + 2.0)
            p, pa, pb = p1 + p2 * xk, p1a + p2a * xk + p2 * xka, p1b + p2b * xk + p2 * xkb
            q, qa, qb = q1 + q2 * xk, q1a + q2a * xk + q2 * xka, q1b + q2b * xk + q2 * xkb
            p2, p2a, p2b, q2, q2a, q2b = p1, p1a, p1b, q1, q1a, q1b
            p1, p1a, p1b, q1, q1a, q1b = p, pa, pb, q, qa, qb
        if q != 0.0:
            r = p / q
            ra, rb = (pa - r * qa) / q, (pb - r * qb) / q
            converged = (_changed(ans, r) < _CF_TOLERANCE and _changed(ansa, ra) < _CF_TOLERANCE
                         and _changed(ansb, rb) < _CF_TOLERANCE)
            ans, ansa, ansb = r, ra, rb
            if converged:
                break
        n += 1.0
        scale = 1.0
        if abs(q) + abs(p) > _BIG:
            scale = _BIGINV
        elif abs(q) < _BIGINV or abs(p) < _BIGINV:
            scale = _BIG
        if scale != 1.0:
            p2, p2a, p2b, q2, q2a, q2b = p2 * scale, p2a * scale, p2b * scale, q2 * scale, q2a * scale, q2b * scale
            p1, p1a, p1b, q1, q1a, q1b = p1 * scale, p1a * scale, p1b * scale, q1 * scale, q1a * scale, q1b * scale
    return ans, ansa, ansb


@kernel
def _lower(a, b, x, xc, x_exact):
    """I_x(a, b) and its derivatives below the mean (or where the series applies), xc = 1 - x."""
    if b * x <= 1.0 and x <= 0.95:
        return _pseries(a, b, x, xc, x_exact)
    if x * (a + b - 2.0) - (a - 1.0) < 0.0:
        w, wa, wb = _continued_fraction(a, b, x, False)
    else:
        w, wa, wb = _continued_fraction(a, b, x, True)
        w, wa, wb = w / xc, wa / xc, wb / xc
    psi_ab = GF.digamma(a + b)
    la = (math.log(x) if x_exact else math.log1p(-xc)) - 1.0 / a - GF.digamma(a) + psi_ab
    lb = (math.log1p(-x) if x_exact else math.log(xc)) - GF.digamma(b) + psi_ab
    prefactor = _power_terms(a, b, x, xc, x_exact) / a
    value = prefactor * w
    return value, value * la + prefactor * wa, value * lb + prefactor * wb


@kernel
def limits(a, b, x):
    """SciPy's value where the algorithm does not apply, or NaN where it does (``betainc``'s
    conventions: NaN operands, a or b < 0, x outside [0, 1] give NaN; (a, b) = (0, 0) or
    (inf, inf) NaN; a = 0 or b = inf is the point mass at 0; a = inf or b = 0 that at 1)."""
    if math.isnan(a) or math.isnan(b) or math.isnan(x) or a < 0.0 or b < 0.0 or x < 0.0 or x > 1.0:
        return np.nan
    if (a == 0.0 and b == 0.0) or (math.isinf(a) and math.isinf(b)):
        return np.nan
    if a == 0.0 or math.isinf(b):
        return 1.0 if x > 0.0 else 0.0
    if math.isinf(a) or b == 0.0:
        return 0.0 if x < 1.0 else 1.0
    if x == 0.0:
        return 0.0
    if x == 1.0:
        return 1.0
    return np.nan


@kernel
def betainc_partials(a, b, x):
    """(I_x(a, b), dI/da, dI/db). At x = 0 or 1 the derivatives are 0 (I is constant there);
    at SciPy's limits a = 0, b = 0 or an infinite parameter they are NaN (a one-sided limit)."""
    if not (a > 0.0 and b > 0.0 and x > 0.0 and x < 1.0 and a < np.inf and b < np.inf):
        edge = limits(a, b, x)
        inside = a > 0.0 and b > 0.0 and a < np.inf and b < np.inf
        slope = 0.0 if inside and not math.isnan(edge) else np.nan
        return edge, slope, slope
    xc = 1.0 - x  # exact when x >= 1/2
    if b * x <= 1.0 and x <= 0.95:
        return _pseries(a, b, x, xc, True)
    if x > a / (a + b):  # the upper tail: I_x(a, b) = 1 - I_{1-x}(b, a)
        v, vb, va = _lower(b, a, xc, x, x >= 0.5)
        return 1.0 - v, -va, -vb
    return _lower(a, b, x, xc, True)


@kernel
def betainc_arrays(a, b, x, value, da, db):
    """``betainc_partials`` over flat arrays of one size (the derivatives only when ``da`` has
    that size; pass empty arrays for values alone)."""
    with_partials = da.size == value.size
    for i in range(value.size):
        v, va, vb = betainc_partials(a[i], b[i], x[i])
        value[i] = v
        if with_partials:
            da[i] = va
            db[i] = vb
