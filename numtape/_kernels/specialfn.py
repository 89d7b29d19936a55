"""Special functions for the compiled formulas (``SF.name`` in a row's formula).

Numba's ``math`` has erf and erfc; the rest is here, as plain Python that Numba compiles
(and that the scalar fast path runs as is). The modified Bessel functions ``i0``, ``i1``
and their scaled forms are Cephes' (public domain, as SciPy's ``xsf`` carries them:
Chebyshev series on [0, 8] and in 8/x), coefficient for coefficient, so that a derivative
computed here (i0' = i1) equals the one the recorded path gets from ``scipy.special`` bit
for bit. The inverses (``erfinv``, ``erfcinv``, ``ndtri``) start from a series or the
Abramowitz-Stegun 26.2.23 guess and take Halley steps on erf, or Newton steps on
log(erfc) in the tail (no underflow down to the smallest doubles). ``erfcx`` is
exp(x*x) * erfc(x) with x*x split exactly (Dekker) below 25, its asymptotic series above.
``log_ndtr``, ``logit``, ``log_expit``, ``entr``, ``xlogy``, ``xlog1py`` and ``rel_entr``
are SciPy's formulas.
"""
from __future__ import annotations

import math

import numpy as np

from .jit import inline_kernel, kernel

_MAXLOG = 7.09782712893383996843e2
_SQRT1_2 = 0.70710678118654752440
_TWO_OVER_SQRTPI = 1.1283791670955126
_SQRTPI = 1.7724538509055160

_I0_A = np.array([
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1])
_I0_B = np.array([
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1])
_I1_A = np.array([
    2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
    -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
    3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
    -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
    9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
    -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
    4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
    -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
    2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
    -1.76416518357834055153E-1, 2.52587186443633654823E-1])
_I1_B = np.array([
    7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
    -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
    -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
    4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
    -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
    3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
    -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
    -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
    7.78576235018280120474E-1])


@kernel
def chbevl(x, coef):
    b0 = coef[0]
    b1 = 0.0
    b2 = 0.0
    for i in range(1, len(coef)):
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + coef[i]
    return 0.5 * (b0 - b2)


# ---------------------------------------------------------------------------
# Modified Bessel functions of order 0 and 1 (Cephes)
# ---------------------------------------------------------------------------
@kernel
def i0e(x):
    x = abs(x)
    if x <= 8.0:
        return chbevl(x / 2.0 - 2.0, _I0_A)
    return chbevl(32.0 / x - 2.0, _I0_B) / math.sqrt(x)


@kernel
def i0(x):
    x = abs(x)
    if x <= 8.0:
        return math.exp(x) * chbevl(x / 2.0 - 2.0, _I0_A)
    if x > _MAXLOG:  # exp(x) overflows before i0 does: two halves
        e = math.exp(x / 2.0) if x < 1400.0 else np.inf
        return e * chbevl(32.0 / x - 2.0, _I0_B) / math.sqrt(x) * e
    return math.exp(x) * chbevl(32.0 / x - 2.0, _I0_B) / math.sqrt(x)


@kernel
def i1e(x):
    z = abs(x)
    if z <= 8.0:
        z = chbevl(z / 2.0 - 2.0, _I1_A) * z
    else:
        z = chbevl(32.0 / z - 2.0, _I1_B) / math.sqrt(z)
    return -z if x < 0.0 else z


@kernel
def i1(x):
    z = abs(x)
    if z <= 8.0:
        z = chbevl(z / 2.0 - 2.0, _I1_A) * z * math.exp(z)
    elif z > _MAXLOG:
        e = math.exp(z / 2.0) if z < 1400.0 else np.inf
        z = e * chbevl(32.0 / z - 2.0, _I1_B) / math.sqrt(z) * e
    else:
        z = math.exp(z) * chbevl(32.0 / z - 2.0, _I1_B) / math.sqrt(z)
    return -z if x < 0.0 else z


@inline_kernel
def i1_partial(x, y):
    """i1'(x) = i0(x) - i1(x)/x, 1/2 at 0 (y = i1(x))."""
    if x == 0.0:
        return 0.5
    return i0(x) - y / x


@inline_kernel
def i1e_partial(x, y):
    """i1e'(x) = i0e(x) - i1e(x)/x - sign(x) i1e(x), 1/2 at 0 (y = i1e(x))."""
    if x == 0.0:
        return 0.5
    return i0e(x) - y / x - math.copysign(1.0, x) * y


@kernel
def _i1_curvature(x, e0, e1, scale):
    """scale * i1''(x), given scale * i0(x) and scale * i1(x): the power series below |x| = 1,
    where i1 - i0/x + 2 i1/x**2 would cancel."""
    if abs(x) < 1.0:
        h = x / 2.0
        q = h * h
        term = h / 2.0  # k = 1: 3 * 2 / 4 * (x/2) / (1! 2!)
        total = 0.0
        for k in range(1, 30):
            total += (2.0 * k + 1.0) * (2.0 * k) / 4.0 * term
            term *= q / ((k + 1.0) * (k + 2.0))
            if abs(term) < 1e-17 * abs(total):
                break
        return scale * total
    return e1 - (e0 - 2.0 * e1 / x) / x


@inline_kernel
def i1_second(x, y):
    return _i1_curvature(x, i0(x), y, 1.0)


@inline_kernel
def i0e_second(x, y):
    """i0e'' = 2 i0e - i1e/x - 2 sign(x) i1e; 3/2 at 0 (the limit from both sides)."""
    if x == 0.0:
        return 1.5
    e1 = i1e(x)
    return 2.0 * y - e1 / x - 2.0 * math.copysign(1.0, x) * e1


@inline_kernel
def i1e_second(x, y):
    """i1e'' = exp(-|x|) i1'' - 2 sign(x) exp(-|x|) i1' + i1e; 0 at 0 (it jumps there)."""
    if x == 0.0:
        return 0.0
    e0 = i0e(x)
    s = math.copysign(1.0, x)
    return _i1_curvature(x, e0, y, math.exp(-abs(x))) - 2.0 * s * (e0 - y / x) + y


# ---------------------------------------------------------------------------
# The error function family and the normal distribution
# ---------------------------------------------------------------------------
@kernel
def erfcx(x):
    """exp(x**2) erfc(x) without overflow or cancellation."""
    if x != x:
        return x
    if x < 25.0:
        if x < -26.7:
            return np.inf
        hi = x * x  # exp(x*x) exactly: x*x = hi + lo (Dekker's product), exp(lo) = 1 + lo
        c = 134217729.0 * x
        xh = c - (c - x)
        xl = x - xh
        lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
        return math.exp(hi) * (1.0 + lo) * math.erfc(x)
    if x > 1e9:
        return 1.0 / (x * _SQRTPI)
    r = 1.0 / (2.0 * x * x)
    term = 1.0
    total = 1.0
    for k in range(1, 40):
        term *= -(2.0 * k - 1.0) * r
        total += term
        if abs(term) < 1e-17:
            break
    return total / (x * _SQRTPI)


@kernel
def ndtr(a):
    """Cephes' normal CDF."""
    if a != a:
        return a
    x = a * _SQRT1_2
    z = abs(x)
    if z < _SQRT1_2:
        return 0.5 + 0.5 * math.erf(x)
    y = 0.5 * math.erfc(z)
    return 1.0 - y if x > 0.0 else y


@kernel
def log_ndtr(x):
    """SciPy's log of the normal CDF: through erfcx in the lower tail."""
    t = x * _SQRT1_2
    if x < -1.0:
        e = erfcx(-t)
        if e == 0.0:
            return -np.inf
        return math.log(e / 2.0) - t * t
    return math.log1p(-math.erfc(t) / 2.0)


@kernel
def _erf_solve(y):
    """x with erf(x) = y, |y| <= 1/2: a series guess, then Halley steps."""
    q = y * y
    x = 0.886226925452758 * y * (1.0 + q * (0.2617993877991494 + q * 0.14393173084921979))
    for _ in range(4):
        u = (math.erf(x) - y) / (_TWO_OVER_SQRTPI * math.exp(-x * x))
        if u == 0.0:
            break
        x = x - u / (1.0 + x * u)
    return x


@kernel
def _erfc_solve(z):
    """x with erfc(x) = z, 0 < z <= 1/2: Abramowitz-Stegun 26.2.23, then Newton steps on
    log(erfc(x)) = log(erfcx(x)) - x**2, which neither underflows nor cancels."""
    t = math.sqrt(-2.0 * (math.log(z) - 0.6931471805599453))
    xp = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)))
    x = xp * _SQRT1_2
    log_z = math.log(z)
    for _ in range(8):
        e = erfcx(x)
        step = (math.log(e) - x * x - log_z) * (_SQRTPI / 2.0) * e
        x = x + step
        if abs(step) <= 1e-17 * x:
            break
    return x


@kernel
def erfinv(y):
    if y != y or abs(y) > 1.0:
        return np.nan
    if abs(y) == 1.0:
        return math.copysign(np.inf, y)
    if abs(y) <= 0.5:
        return _erf_solve(y)
    x = _erfc_solve(1.0 - abs(y))
    return -x if y < 0.0 else x


@kernel
def erfcinv(z):
    if z != z or z < 0.0 or z > 2.0:
        return np.nan
    if z == 0.0:
        return np.inf
    if z == 2.0:
        return -np.inf
    if 0.5 <= z <= 1.5:
        return _erf_solve(1.0 - z)
    if z < 0.5:
        return _erfc_solve(z)
    return -_erfc_solve(2.0 - z)


@inline_kernel
def ndtri(p):
    """The normal quantile: -sqrt(2) erfcinv(2p) (2p is exact)."""
    return -1.4142135623730951 * erfcinv(2.0 * p)


# ---------------------------------------------------------------------------
# Logistic and entropy functions (SciPy's formulas)
# ---------------------------------------------------------------------------
@kernel
def logit(x):
    if x < 0.3 or x > 0.65:
        if x == 0.0:
            return -np.inf
        if x == 1.0:
            return np.inf
        if not 0.0 < x < 1.0:
            return np.nan
        return math.log(x / (1.0 - x))
    s = 2.0 * (x - 0.5)
    return math.log1p(s) - math.log1p(-s)


@kernel
def log_expit(x):
    if x < 0.0:
        return x - math.log1p(math.exp(x))
    if x != x:
        return x
    return -math.log1p(math.exp(-x))


@kernel
def entr(x):
    if x != x:
        return x
    if x > 0.0:
        if x == np.inf:
            return -np.inf
        return -x * math.log(x)
    if x == 0.0:
        return 0.0
    return -np.inf


@kernel
def xlogy(x, y):
    if x == 0.0 and y == y:
        return 0.0
    if y == 0.0:
        return x * -np.inf
    if y < 0.0:
        return np.nan
    return x * math.log(y)


@kernel
def xlog1py(x, y):
    if x == 0.0 and y == y:
        return 0.0
    if y == -1.0:
        return x * -np.inf
    if y < -1.0:
        return np.nan
    return x * math.log1p(y)


@kernel
def rel_entr(x, y):
    if x != x or y != y:
        return np.nan
    if x > 0.0 and y > 0.0:
        return x * math.log(x / y)  # NaN at inf / inf, as SciPy
    if x == 0.0 and y >= 0.0:
        return 0.0
    return np.inf


@kernel
def rel_entr_partials(x, y):
    """(log(x/y) + 1, -x/y) where x >= 0 and y > 0; NaN where rel_entr is inf or undefined."""
    if x >= 0.0 and y > 0.0:
        r = x / y
        return (math.log(r) if r > 0.0 else -np.inf) + 1.0, -r
    return np.nan, np.nan
