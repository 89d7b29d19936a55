"""Gamma-family functions for the compiled formulas (``GF.name`` in a row's formula), after Cephes.

Numba's ``math`` has lgamma and gamma; digamma, Hurwitz zeta, polygamma and beta are here,
as plain Python that Numba compiles (and that the scalar fast path runs as is). The
algorithms are Cephes' (public domain, as SciPy's ``xsf`` carries them), coefficient for
coefficient, so that a derivative computed here (digamma, trigamma) equals the one the
recorded path gets from ``scipy.special`` bit for bit: ``psi`` moves x into [1, 2] by the
recurrence psi(x + 1) = psi(x) + 1/x and uses a rational approximation there, the
asymptotic series above 10 and the reflection formula below 0; SciPy's ``digamma`` adds a
zeta series around the negative root; ``zeta`` is Euler-Maclaurin summation; ``beta``
divides gammas, or subtracts lgammas for large arguments, or uses the asymptotic series
of log beta when one argument is a million times the other.
"""
from __future__ import annotations

import math

import numpy as np

from .jit import inline_kernel, kernel

_EULER = 0.57721566490153286061
_MACHEP = 1.11022302462515654042e-16
_MAXGAM = 171.624376956302725
_MAXLOG = 7.09782712893383996843e2

_PSI_A = np.array([8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                   -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                   8.33333333333333333333E-2])
_PSI_P = np.array([-0.0020713321167745952, -0.045251321448739056, -0.28919126444774784,
                   -0.65031853770896507, -0.32555031186804491, 0.25479851061131551])
_PSI_Q = np.array([-0.55789841321675513e-6, 0.0021284987017821144, 0.054151797245674225,
                   0.43593529692665969, 1.4606242909763515, 2.0767117023730469, 1.0])
_PSI_Y = 0.99558162689208984  # a float32 constant in Boost/Cephes: exactly representable
_PSI_ROOT1 = 1569415565.0 / 1073741824.0
_PSI_ROOT2 = (381566830.0 / 1073741824.0) / 1073741824.0
_PSI_ROOT3 = 0.9016312093258695918615325266959189453125e-19
_NEGROOT = -0.504083008264455409
_NEGROOTVAL = 7.2897639029768949e-17
_GAMMA_A = np.array([8.11614167470508450300E-4, -5.95061904284301438324E-4, 7.93650340457716943945E-4,
                     -2.77777777730099687205E-3, 8.33333333333331927722E-2])
_GAMMA_B = np.array([-1.37825152569120859100E3, -3.88016315134637840924E4, -3.31612992738871184744E5,
                     -1.16237097492762307383E6, -1.72173700820839662146E6, -8.53555664245765465627E5])
_GAMMA_C = np.array([-3.51815701436523470549E2, -1.70642106651881159223E4, -2.20528590553854454839E5,
                     -1.13933444367982507207E6, -2.53252307177582951285E6, -2.01889141433532773231E6])
_LS2PI = 0.91893853320467274178
_LOGPI = 1.14472988584940017414
_ZETA_A = np.array([12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                    1.8152105401943546773e17, -7.1661652561756670113e18])
@kernel
def polevl(x, coef):
    ans = coef[0]
    for i in range(1, len(coef)):
        ans = ans * x + coef[i]
    return ans


@kernel
def p1evl(x, coef):
    """polevl with a leading coefficient 1 not stored."""
    ans = x + coef[0]
    for i in range(1, len(coef)):
        ans = ans * x + coef[i]
    return ans


# ---------------------------------------------------------------------------
# digamma, Hurwitz zeta, polygamma
# ---------------------------------------------------------------------------
@kernel
def psi(x):
    """Cephes' psi (digamma)."""
    y = 0.0
    if x != x or x == np.inf:
        return x
    if x == -np.inf:
        return np.nan
    if x == 0.0:
        return -np.inf if math.copysign(1.0, x) > 0.0 else np.inf
    if x < 0.0:
        r = x - np.trunc(x)
        if r == 0.0:
            return np.nan
        y = -math.pi / math.tan(math.pi * r)
        x = 1.0 - x
    if x <= 10.0 and x == math.floor(x):
        n = int(x)
        for i in range(1, n):
            y += 1.0 / i
        return y - _EULER
    if x < 1.0:
        y -= 1.0 / x
        x += 1.0
    elif x < 10.0:
        while x > 2.0:
            x -= 1.0
            y += 1.0 / x
    if 1.0 <= x <= 2.0:
        g = x - _PSI_ROOT1
        g -= _PSI_ROOT2
        g -= _PSI_ROOT3
        r = polevl(x - 1.0, _PSI_P) / polevl(x - 1.0, _PSI_Q)
        return y + (g * _PSI_Y + g * r)
    if x < 1.0e17:
        z = 1.0 / (x * x)
        tail = z * polevl(z, _PSI_A)
    else:
        tail = 0.0
    return y + (math.log(x) - (0.5 / x) - tail)


@kernel
def zeta(x, q):
    """Cephes' Hurwitz zeta function sum_k (k + q)**-x, x >= 1."""
    if x == 1.0:
        return np.inf
    if not x >= 1.0:
        return np.nan
    if q <= 0.0:
        if q == math.floor(q):
            return np.inf
        if x != math.floor(x):
            return np.nan
    if q > 1e8:
        return (1.0 / (x - 1.0) + 1.0 / (2.0 * q)) * q ** (1.0 - x)
    s = q ** -x
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if abs(b / s) < _MACHEP:
            return s
    w = a
    s += b * w / (x - 1.0)
    s -= 0.5 * b
    a = 1.0
    k = 0.0
    for j in range(12):
        a *= x + k
        b /= w
        t = a * b / _ZETA_A[j]
        s = s + t
        if abs(t / s) < _MACHEP:
            return s
        k += 1.0
        a *= x + k
        b /= w
        k += 1.0
    return s


@kernel
def digamma(x):
    """SciPy's digamma: psi, with a zeta series around the negative root -0.504..."""
    if abs(x - _NEGROOT) < 0.3:
        res = _NEGROOTVAL
        coeff = -1.0
        z = x - _NEGROOT
        for n in range(1, 100):
            coeff *= -z
            term = coeff * zeta(n + 1.0, _NEGROOT)
            res += term
            if abs(term) < 2.220446049250313e-16 * abs(res):
                break
        return res
    return psi(x)


@kernel
def gamma(x):
    """Gamma with SciPy's values at the poles: +-inf at +-0, NaN at negative integers and -inf."""
    if x != x or x == np.inf:
        return x
    if x == -np.inf:
        return np.nan
    if x == 0.0:
        return math.copysign(np.inf, x)
    if x < 0.0 and x == math.floor(x):
        return np.nan
    if x > 171.61447887182298:
        return np.inf
    return math.gamma(x)


@kernel
def gammasgn(x):
    """The sign of Gamma(x), as SciPy's gammasgn: 1 for x > 0 (+inf too) and at +0, -1 at -0, NaN at
    NaN, -inf and the negative integers; for other x < 0, -1 where floor(x) is odd. A float below
    -2**52 is an integer, so the parity of floor(x) is only read where it is exact."""
    if x != x:
        return x
    if x > 0.0:
        return 1.0
    if x == 0.0:
        return math.copysign(1.0, x)
    if x == -np.inf:
        return np.nan
    fx = np.floor(x)
    if fx == x:
        return np.nan
    return -1.0 if np.fmod(fx, 2.0) != 0.0 else 1.0


@kernel
def _lgam_positive_large(x):
    """Cephes' Stirling series for log Gamma(x), x >= 13."""
    if x > 2.556348e305:
        return np.inf
    q = (x - 0.5) * math.log(x) - x + _LS2PI
    if x >= 1000.0:
        if x > 1.0e8:
            return q
        p = 1.0 / (x * x)
        return q + ((7.9365079365079365079365e-4 * p - 2.7777777777777777777778e-3) * p
                    + 0.0833333333333333333333) / x
    p = 1.0 / (x * x)
    return q + polevl(p, _GAMMA_A) / x


@kernel
def lgam_sgn(x):
    """Cephes' (log|Gamma(x)|, sign of Gamma(x))."""
    if x != x or x == np.inf or x == -np.inf:
        return x, 1.0
    if x < -34.0:
        q = -x
        w = _lgam_positive_large(q)
        p = math.floor(q)
        if p == q:
            return np.inf, 1.0
        sign = -1.0 if np.fmod(p, 2.0) == 0.0 else 1.0
        z = q - p
        if z > 0.5:
            p += 1.0
            z = p - q
        z = q * (math.sin(math.pi * z) if z < 0.5 else -math.sin(math.pi * (z - 1.0)))
        if z == 0.0:
            return np.inf, sign
        return _LOGPI - math.log(z) - w, sign
    if x < 13.0:
        z = 1.0
        p = 0.0
        u = x
        while u >= 3.0:
            p -= 1.0
            u = x + p
            z *= u
        while u < 2.0:
            if u == 0.0:
                return np.inf, 1.0
            z /= u
            p += 1.0
            u = x + p
        sign = 1.0
        if z < 0.0:
            sign = -1.0
            z = -z
        if u == 2.0:
            return math.log(z), sign
        p -= 2.0
        x = x + p
        return math.log(z) + x * polevl(x, _GAMMA_B) / p1evl(x, _GAMMA_C), sign
    return _lgam_positive_large(x), 1.0


@inline_kernel
def gammaln(x):
    """log|Gamma(x)| (Cephes' lgam, as SciPy: inf at the poles, inf at +inf and -inf at -inf)."""
    return lgam_sgn(x)[0]


@kernel
def loggamma(x):
    """log(Gamma(x)) on the real line: x > 0 (inf at 0, NaN below, as SciPy's real loggamma)."""
    if x == 0.0 or x == np.inf:
        return np.inf
    if not x > 0.0:
        return np.nan
    return lgam_sgn(x)[0]


@kernel
def _neg_one_pow(m):
    """(-1.0) ** m as NumPy computes it (1 at +-inf, NaN for a non-integer)."""
    if m == np.inf or m == -np.inf:
        return 1.0
    if m != math.floor(m):
        return np.nan
    return 1.0 if np.fmod(m, 2.0) == 0.0 else -1.0


@kernel
def polygamma(n, x):
    """SciPy's polygamma: digamma for n == 0, else (-1)**(n+1) n! zeta(n + 1, x)."""
    if n == 0.0:
        return digamma(x)
    m = n + 1.0
    return _neg_one_pow(m) * gamma(m) * zeta(m, x)


# ---------------------------------------------------------------------------
# beta and log|beta| (Cephes' algorithm; gamma and lgamma from libm)
# ---------------------------------------------------------------------------
@kernel
def _lbeta_asymp(a, b):
    r, sign = lgam_sgn(b)
    r -= b * math.log(a)
    r += b * (1.0 - b) / (2.0 * a)
    r += b * (1.0 - b) * (1.0 - 2.0 * b) / (12.0 * a * a)
    r += -b * b * (1.0 - b) * (1.0 - b) / (12.0 * a * a * a)
    return r, sign


@inline_kernel
def _nonpositive_integer(a):
    return a <= 0.0 and a == math.floor(a)


@kernel
def _beta_core(a, b):
    """(beta(a, b), log|beta(a, b)|) for a, b not non-positive integers."""
    if abs(a) < abs(b):
        a, b = b, a
    if abs(a) > 1e6 * abs(b) and a > 1e6:  # lgamma(a + b) - lgamma(a) would lose the digits
        y, s = _lbeta_asymp(a, b)
        return s * math.exp(y), y
    y = a + b
    if abs(y) > _MAXGAM or abs(a) > _MAXGAM or abs(b) > _MAXGAM:
        ly, sy = lgam_sgn(y)
        lb, sb = lgam_sgn(b)
        la, sa = lgam_sgn(a)
        y = la + (lb - ly)
        sign = sy * sb * sa
        return (sign * np.inf if y > _MAXLOG else sign * math.exp(y)), y
    ry = 1.0 / gamma(y)
    ga = gamma(a)
    gb = gamma(b)
    if ry == np.inf or ry == -np.inf:
        return np.inf, np.inf
    if abs(abs(ga * ry) - 1.0) > abs(abs(gb * ry) - 1.0):
        v = gb * ry * ga
    else:
        v = ga * ry * gb
    return v, (math.log(abs(v)) if v != 0.0 else -np.inf)


@kernel
def _beta_pair(a, b):
    """(beta(a, b), log|beta(a, b)|), Cephes' cases."""
    if a != a or b != b:
        return np.nan, np.nan
    if _nonpositive_integer(b) and not _nonpositive_integer(a):
        a, b = b, a
    if not _nonpositive_integer(a):
        return _beta_core(a, b)
    # Cephes' beta_negint: beta(a, b) = (-1)**b beta(1 - a - b, b) for integers a <= 0, b < 1 - a
    if abs(a) < 2.0**31 and b == math.floor(b) and abs(b) < 2.0**31 and 1.0 - a - b > 0.0:
        if _nonpositive_integer(b):
            return np.inf, np.inf
        v, log_v = _beta_core(1.0 - a - b, b)
        return (1.0 if np.fmod(b, 2.0) == 0.0 else -1.0) * v, log_v
    return np.inf, np.inf


@inline_kernel
def beta(a, b):
    return _beta_pair(a, b)[0]


@inline_kernel
def betaln(a, b):
    return _beta_pair(a, b)[1]


@inline_kernel
def beta_partials(a, b, z):
    p = digamma(a + b)
    return z * (digamma(a) - p), z * (digamma(b) - p)


@inline_kernel
def beta_second(a, b, z, da, db):
    p = digamma(a + b)
    t = polygamma(1.0, a + b)
    pa = digamma(a) - p
    pb = digamma(b) - p
    return (da * pa + z * (polygamma(1.0, a) - t), db * pa - z * t, da * pb - z * t,
            db * pb + z * (polygamma(1.0, b) - t))


@inline_kernel
def betaln_partials(a, b):
    p = digamma(a + b)
    return digamma(a) - p, digamma(b) - p


@inline_kernel
def betaln_second(a, b):
    t = polygamma(1.0, a + b)
    return polygamma(1.0, a) - t, -t, -t, polygamma(1.0, b) - t


