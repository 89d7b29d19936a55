"""Modified Bessel functions I_v, K_v of real order v, plain and scaled (``BI.name`` in a row's formula).

Temme's method, as Numerical Recipes' ``bessik`` gives it (Temme 1975, Press et al. 6.7):
for x > 0 and v >= 0 write v = mu + n with |mu| <= 1/2. Steed's continued fraction CF1
gives the ratio I_v'/I_v; a downward recurrence (rescaled so that it never overflows)
carries it to order mu. K_mu and K_mu+1 come from Temme's series for x < 2 (with the
gamma terms 1/Gamma(1 -+ mu) from the Taylor series of 1/Gamma, A&S 6.1.34) and from
Steed's CF2 above, which gives exp(x) K directly; the Wronskian I K' - I' K = -1/x then
fixes I_mu, and K is carried up to order v by its (stable) forward recurrence. Every
quantity is kept scaled (I exp(-x), K exp(x)) so that ive and kve stay finite where I and
K overflow. CF1 needs about x iterations, so above x = 1e4 (when v**2 < x) the
large-argument expansion DLMF 10.40.1-2 is used instead; beyond both the value is NaN, as it is
for orders above 1e5 unless the bound DLMF 10.14.4 shows that I underflows (K overflows).
Negative orders: K_-v = K_v and I_-v = I_v + (2/pi) sin(pi v) K_v (DLMF 10.27.2-3).
x < 0: I_n(-x) = (-1)**n I_n(x) for integer n, NaN otherwise (the value is complex), and
K is NaN. Derivatives (the rows' partials and VJPs, the same expressions): the recurrences
I_v' = (I_v-1 + I_v+1)/2, K_v' = -(K_v-1 + K_v+1)/2 (DLMF 10.29.1); second derivatives
from the modified Bessel equation w'' = -w'/x + (1 + v**2/x**2) w, and for I below |x| = 1
from (I_v-2 + 2 I_v + I_v+2)/4 (DLMF 10.29.5), where the equation cancels.

Compile time: the thin wrappers (the public functions over ik_scaled and ive, kve, the second-derivative
helpers) and the one-line helpers are ``inline_kernel`` (see :mod:`.jit`): as dispatchers of
their own each would re-link and re-generate the whole code below it; the shared cores stay
dispatchers, compiled once.
"""
from __future__ import annotations

import math

import numpy as np

from .jit import inline_kernel, kernel

_EPS = 1e-16
_FPMIN = 1e-300
_RESCALE = 1e250
_MAXIT = 100000
_X_SERIES = 2.0  # Temme's series below, CF2 above
_X_ASYMPTOTIC = 1e4
_V_MAX = 1e5  # above, only the orders where I underflows (K overflows) have a value here
_PI = math.pi

#: 1/Gamma(z) = sum_k A[k] z**(k+1), A&S 6.1.34 (|z| <= 1; ~1e-16 absolute).
_RGAMMA = np.array([1.0, 0.5772156649015329, -0.6558780715202538, -0.0420026350340952, 0.1665386113822915,
                    -0.0421977345555443, -0.0096219715278770, 0.0072189432466630, -0.0011651675918591,
                    -0.0002152416741149, 0.0001280502823882, -0.0000201348547807, -0.0000012504934821,
                    0.0000011330272320, -0.0000002056338417, 0.0000000061160950, 0.0000000050020075,
                    -0.0000000011812746, 0.0000000001043427, 0.0000000000077823, -0.0000000000036968,
                    0.0000000000005100, -0.0000000000000206, -0.0000000000000054, 0.0000000000000014,
                    0.0000000000000001])


@kernel
def gamma_terms(mu):
    """Temme's (gam1, gam2, 1/Gamma(1 + mu), 1/Gamma(1 - mu)), |mu| <= 1/2: gam1 =
    (1/Gamma(1 - mu) - 1/Gamma(1 + mu)) / (2 mu) (its limit at mu = 0), gam2 their mean."""
    z = mu * mu
    gam1 = 0.0
    gam2 = 0.0
    power = 1.0
    for j in range(13):  # 1/Gamma(1 + mu) = sum_k A[k] mu**k: even k give gam2, odd k -gam1
        gam2 += _RGAMMA[2 * j] * power
        gam1 -= _RGAMMA[2 * j + 1] * power
        power *= z
    return gam1, gam2, gam2 - mu * gam1, gam2 + mu * gam1


@inline_kernel
def mod2(v):
    """v modulo 2, in [0, 2) (Numba has no math.fmod; its math.floor returns an int64)."""
    return v - 2.0 * np.floor(0.5 * v)


@inline_kernel
def sinpi(v):
    """sin(pi v), exactly 0 at the integers."""
    r = mod2(v)
    if r == np.floor(r):
        return 0.0
    return math.sin(_PI * r)


@kernel
def _cf1_ratio(v, x):
    """I_v'/I_v by Steed's continued fraction (modified Lentz); NaN when it does not converge."""
    xi2 = 2.0 / x
    h = max(v / x, _FPMIN)
    b = xi2 * v
    d = 0.0
    c = h
    for _ in range(_MAXIT):
        b += xi2
        d = 1.0 / (b + d)
        c = b + 1.0 / c
        delta = c * d
        h = delta * h
        if abs(delta - 1.0) < _EPS:
            return h
    return np.nan


@kernel
def _k_series(mu, x):
    """(K_mu, K_mu+1) by Temme's series, 0 < x < 2."""
    x2 = 0.5 * x
    pimu = _PI * mu
    fact = 1.0 if abs(pimu) < _EPS else pimu / math.sin(pimu)
    d = -math.log(x2)
    e = mu * d
    fact2 = 1.0 if abs(e) < _EPS else math.sinh(e) / e
    gam1, gam2, gampl, gammi = gamma_terms(mu)
    ff = fact * (gam1 * math.cosh(e) + gam2 * fact2 * d)
    total = ff
    e = math.exp(e)
    p = 0.5 * e / gampl
    q = 0.5 / (e * gammi)
    c = 1.0
    d = x2 * x2
    total1 = p
    for i in range(1, _MAXIT):
        ff = (i * ff + p + q) / (i * i - mu * mu)
        c *= d / i
        p /= i - mu
        q /= i + mu
        delta = c * ff
        total += delta
        total1 += c * (p - i * ff)
        if abs(delta) < abs(total) * _EPS:
            break
    return total, total1 * 2.0 / x


@kernel
def _k_cf2_scaled(mu, x):
    """(exp(x) K_mu, exp(x) K_mu+1) by Steed's CF2, x >= 2."""
    b = 2.0 * (1.0 + x)
    d = 1.0 / b
    h = d
    delh = d
    q1 = 0.0
    q2 = 1.0
    a1 = 0.25 - mu * mu
    q = a1
    c = a1
    a = -a1
    s = 1.0 + q * delh
    for i in range(2, _MAXIT):
        a -= 2 * (i - 1)
        c = -a * c / i
        qnew = (q1 - b * q2) / a
        q1 = q2
        q2 = qnew
        q += c * qnew
        b += 2.0
        d = 1.0 / (b + a * d)
        delh = (b * d - 1.0) * delh
        h += delh
        dels = q * delh
        s += dels
        if abs(dels / s) < _EPS:
            break
    h = a1 * h
    kmu = math.sqrt(_PI / (2.0 * x)) / s
    return kmu, kmu * (mu + x + 0.5 - h) / x


@kernel
def _asymptotic(v, x, sign):
    """sum_k sign**k a_k(v) / x**k, a_k(v) = prod_j<=k (4v**2 - (2j-1)**2) / (k! 8**k) (DLMF 10.40);
    NaN when its terms stop decreasing before they reach the rounding error."""
    mu4 = 4.0 * v * v
    term = 1.0
    total = 1.0
    for k in range(1, 200):
        new = term * sign * (mu4 - (2 * k - 1) ** 2) / (8.0 * k * x)
        if abs(new) > abs(term):
            return np.nan
        term = new
        total += term
        if abs(term) < _EPS * abs(total):
            return total
    return np.nan


@kernel
def _downward(v, x, f, steps):
    """(I_w, I_w', I_v, I_v') up to a common factor, w = v - steps, by the downward recurrence
    started at (tiny, f tiny), f = I_v'/I_v; rescaled so that it never overflows (I_v becomes 0
    where it underflows)."""
    i_l = 1e-30
    ip_l = f * i_l
    i_top = i_l
    ip_top = ip_l
    for k in range(steps):  # (v - k)/x afresh each step: a running sum of -1/x would drift
        i_next = (v - k) / x * i_l + ip_l
        ip_l = (v - k - 1.0) / x * i_next + i_l
        i_l = i_next
        if abs(i_l) > _RESCALE:
            i_l /= _RESCALE
            ip_l /= _RESCALE
            i_top /= _RESCALE
            ip_top /= _RESCALE
    return i_l, ip_l, i_top, ip_top


@kernel
def ik_scaled(v, x):
    """(exp(-x) I_v, exp(-x) I_v', exp(x) K_v, exp(x) K_v') for v >= 0, x > 0."""
    if v > _V_MAX:  # I_v <= (x/2)**v exp(x**2/(4(v+1))) / Gamma(v+1): 0 where that underflows
        if v * math.log(0.5 * x) - math.lgamma(v + 1.0) + x * x / (4.0 * (v + 1.0)) - x < -746.0:
            return 0.0, 0.0, np.inf, -np.inf
        return np.nan, np.nan, np.nan, np.nan
    if x > _X_ASYMPTOTIC and v * v < x:
        i_v = _asymptotic(v, x, -1.0) / math.sqrt(2.0 * _PI * x)
        i_up = _asymptotic(v + 1.0, x, -1.0) / math.sqrt(2.0 * _PI * x)
        k_v = _asymptotic(v, x, 1.0) * math.sqrt(_PI / (2.0 * x))
        k_up = _asymptotic(v + 1.0, x, 1.0) * math.sqrt(_PI / (2.0 * x))
        return i_v, i_up + v / x * i_v, k_v, v / x * k_v - k_up  # DLMF 10.29.2
    n = int(v + 0.5)
    mu = v - n
    f = _cf1_ratio(v, x)
    if f != f:
        return np.nan, np.nan, np.nan, np.nan
    # The Wronskian fixes I at order w = mu, or mu + 1 when mu < 0: there I_mu, nearly
    # (2/pi) sin(pi |mu|) K_|mu| for small x, would cancel against K in the Wronskian.
    steps = n if mu >= 0.0 else n - 1
    i_w, ip_w, i_top, ip_top = _downward(v, x, f, steps)
    if x < _X_SERIES:
        kmu, k1 = _k_series(mu, x)
        scale = math.exp(x)
        kmu *= scale
        k1 *= scale
    else:
        kmu, k1 = _k_cf2_scaled(mu, x)
    if mu >= 0.0:
        k_w, kp_w = kmu, mu / x * kmu - k1
    else:
        k_w, kp_w = k1, -kmu - (mu + 1.0) / x * k1  # DLMF 10.29.2
    iw = 1.0 / (x * (ip_w / i_w * k_w - kp_w))  # the Wronskian I K' - I' K = -1/x, scaled: exp(-x) I_w
    i_v = iw * i_top / i_w
    ip_v = iw * ip_top / i_w
    for j in range(1, n + 1):
        k_next = (mu + j) * 2.0 / x * k1 + kmu
        kmu = k1
        k1 = k_next
    return i_v, ip_v, kmu, v / x * kmu - k1


@kernel
def _ik_any_order(v, x):
    """ik_scaled with the reflection for v < 0 (x > 0)."""
    if v >= 0.0:
        return ik_scaled(v, x)
    i_v, ip_v, k_v, kp_v = ik_scaled(-v, x)
    s = 2.0 / _PI * sinpi(-v) * math.exp(-2.0 * x)
    return i_v + s * k_v, ip_v + s * kp_v, k_v, kp_v


@inline_kernel
def _iv_at_zero(v):
    if v == 0.0:
        return 1.0
    if v > 0.0 or v == np.floor(v):
        return 0.0
    return np.inf


@inline_kernel
def _odd_integer_sign(v):
    """(-1)**v for an integer v; NaN for a non-integer (I_v of a negative x is complex)."""
    if v != np.floor(v):
        return np.nan
    return -1.0 if mod2(v) != 0.0 else 1.0


@kernel
def ive(v, x):
    """exp(-|x|) I_v(x), any real v and x."""
    if x == 0.0:
        return _iv_at_zero(v)
    if x != x or v != v:
        return np.nan
    if abs(x) == np.inf:
        return 0.0 if x > 0.0 or v == np.floor(v) else np.nan
    sign = 1.0 if x > 0.0 else _odd_integer_sign(v)
    return sign * _ik_any_order(v, abs(x))[0]


@inline_kernel
def iv(v, x):
    """I_v(x) (inf where it overflows)."""
    value = ive(v, x)
    return value if value == 0.0 else value * math.exp(abs(x))


@kernel
def kve(v, x):
    """exp(x) K_v(x): inf at 0, NaN below."""
    if x == 0.0:
        return np.inf
    if not x > 0.0 or v != v:
        return np.nan
    if x == np.inf:
        return 0.0
    return ik_scaled(abs(v), x)[2]


@inline_kernel
def kv(v, x):
    """K_v(x) (0 where it underflows)."""
    value = kve(v, x)
    return value * math.exp(-x) if value != np.inf else value


# ---------------------------------------------------------------------------
# Derivatives in x (the order is data: its partial is 0)
# ---------------------------------------------------------------------------
@inline_kernel
def modified_second(v, x, y, d):
    """(0, 0, 0, w'') by the modified Bessel equation w'' = -w'/x + (1 + v**2/x**2) w (w = y, w' = d)."""
    return 0.0, 0.0, 0.0, -d / x + (1.0 + v * v / (x * x)) * y


@inline_kernel
def iv_second(v, x, y, d):
    """I_v'' : (I_v-2 + 2 I_v + I_v+2)/4 (DLMF 10.29.5) below |x| = 1, where the equation cancels."""
    if abs(x) < 1.0:
        return 0.0, 0.0, 0.0, 0.25 * (iv(v - 2.0, x) + 2.0 * y + iv(v + 2.0, x))
    return modified_second(v, x, y, d)


@inline_kernel
def ive_second(v, x, y, d):
    """ive'' = (I'' - 2 sign(x) I' + I) exp(-|x|), with I' exp(-|x|) = d + sign(x) y."""
    s = 1.0 if x > 0.0 else -1.0
    ip = d + s * y
    if abs(x) < 1.0:
        ipp = 0.25 * (ive(v - 2.0, x) + 2.0 * y + ive(v + 2.0, x))
    else:
        ipp = -ip / x + (1.0 + v * v / (x * x)) * y
    return 0.0, 0.0, 0.0, ipp - 2.0 * s * ip + y


@inline_kernel
def kve_second(v, x, y, d):
    """kve'' = (K'' + 2 K' + K) exp(x), with K' exp(x) = d - y."""
    kp = d - y
    kpp = -kp / x + (1.0 + v * v / (x * x)) * y
    return 0.0, 0.0, 0.0, kpp + 2.0 * kp + y


@kernel
def ik_array(kind, v, x, out):
    """out = iv (kind 0), ive (1), kv (2) or kve (3) of flat arrays of one size: the rows' NumPy
    path, so that eager arrays, scalars and compiled tapes compute the same numbers."""
    for k in range(out.size):
        if kind == 0:
            out[k] = iv(v[k], x[k])
        elif kind == 1:
            out[k] = ive(v[k], x[k])
        elif kind == 2:
            out[k] = kv(v[k], x[k])
        else:
            out[k] = kve(v[k], x[k])
