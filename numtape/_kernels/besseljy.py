"""Bessel functions J_v, Y_v of real order v and Y_n of integer order (``BJ.name`` in a row's formula).

J_v and Y_v, x > 0, v >= 0: Temme's method as Numerical Recipes' ``bessjy`` gives it (Temme
1976, Press et al. 6.7). Steed's continued fraction CF1 gives J_v'/J_v; a downward
recurrence (rescaled so that it never overflows) carries it to an order mu = v - n with
|mu| <= 1/2 (x < 2) or mu about x (x >= 2). Y_mu and Y_mu+1 come from Temme's series
(x < 2; the gamma terms are besselik's) or from Steed's complex CF2 p + iq (x >= 2); the
Wronskian J Y' - J' Y = 2/(pi x) then fixes J_mu, and Y is carried up to order v by its
(stable) forward recurrence. Below x = 2 with mu < 0 the Wronskian is taken at order mu + 1
instead (J_mu, mostly Y there, would cancel). CF1 needs about x iterations and loses digits over
them: for x > 25 and v < x the Hankel expansion DLMF 10.17.3-4 gives the orders mu, mu + 1
(mu the fraction of v; its phase x - (mu/2 + 1/4) pi formed from libm's cos x and sin x,
since x is exact and x - phase would not be) and the forward recurrence, stable there for
both kinds, climbs to v. Where CF1 does not converge the value is NaN, as it is for orders
above 1e5 unless the bound DLMF 10.14.4 shows that J underflows. Negative orders by DLMF 10.4.7-8 (J_-v = cos(pi v) J_v - sin(pi v) Y_v, ...);
x < 0: J_n(-x) = (-1)**n J_n(x) for integer n, NaN otherwise; Y is NaN there.

Y_n (``yn``): Cephes' forward recurrence Y_k+1 = (2k/x) Y_k - Y_k-1 from besselfn's y0, y1 (a
non-integer n is truncated, as SciPy does), -inf at 0.

Derivatives (the rows' partials and VJPs, the same expressions): the recurrence J_v' =
(J_v-1 - J_v+1)/2 (DLMF 10.6.1), likewise for Y; second derivatives from Bessel's equation
w'' = -w'/x - (1 - v**2/x**2) w, and for J below |x| = 1 from (J_v-2 - 2 J_v + J_v+2)/4
(DLMF 10.6.7), where the equation cancels.

Compile time: the thin wrappers (the public functions over jy_any, the second-derivative
helpers) and the one-line helpers are ``inline_kernel`` (see :mod:`.jit`): as dispatchers of
their own each would re-link and re-generate the whole code below it; the shared cores stay
dispatchers, compiled once.
"""
from __future__ import annotations

import math

import numpy as np

from . import besselfn as BF
from . import besselik as BI
from .jit import inline_kernel, kernel

_EPS = 1e-16
_FPMIN = 1e-300
_RESCALE = 1e250
_MAXIT = 100000
_X_SERIES = 2.0
_V_MAX = 1e5  # above, only the orders where J underflows have a value here
_X_ASYMPTOTIC = 25.0  # the Hankel expansion at orders below 2 reaches 1e-16 above
_PI = math.pi


@inline_kernel
def cospi(v):
    """cos(pi v), exactly 0 at the half-integers and +-1 at the integers."""
    r = BI.mod2(v)
    if r == 0.5 or r == 1.5:
        return 0.0
    if r == np.floor(r):
        return 1.0 if r == 0.0 else -1.0
    return math.cos(_PI * r)


@kernel
def _cf1_ratio(v, x):
    """(J_v'/J_v, sign of J_v relative to the recurrence's start) by Steed's CF1 (Lentz)."""
    xi2 = 2.0 / x
    h = max(v / x, _FPMIN)
    b = xi2 * v
    d = 0.0
    c = h
    sign = 1.0
    for _ in range(_MAXIT):
        b += xi2
        d = b - d
        if abs(d) < _FPMIN:
            d = _FPMIN
        c = b - 1.0 / c
        if abs(c) < _FPMIN:
            c = _FPMIN
        d = 1.0 / d
        delta = c * d
        h = delta * h
        if d < 0.0:
            sign = -sign
        if abs(delta - 1.0) < _EPS:
            return h, sign
    return np.nan, sign


@kernel
def _downward(v, x, start, h, steps):
    """(J_w, J_w', J_v, J_v') up to a common factor, w = v - steps, by the downward recurrence
    from (start, h start); rescaled so that it never overflows."""
    j_l = start
    jp_l = h * j_l
    j_top = j_l
    jp_top = jp_l
    for k in range(steps):  # (v - k)/x afresh each step: a running sum of -1/x would drift
        j_next = (v - k) / x * j_l + jp_l
        jp_l = (v - k - 1.0) / x * j_next - j_l
        j_l = j_next
        if abs(j_l) > _RESCALE:
            j_l /= _RESCALE
            jp_l /= _RESCALE
            j_top /= _RESCALE
            jp_top /= _RESCALE
    if j_l == 0.0:
        j_l = _EPS
    return j_l, jp_l, j_top, jp_top


@kernel
def _y_series(mu, x):
    """(Y_mu, Y_mu+1) by Temme's series, 0 < x < 2, |mu| <= 1/2."""
    x2 = 0.5 * x
    pimu = _PI * mu
    fact = 1.0 if abs(pimu) < _EPS else pimu / math.sin(pimu)
    d = -math.log(x2)
    e = mu * d
    fact2 = 1.0 if abs(e) < _EPS else math.sinh(e) / e
    gam1, gam2, gampl, gammi = BI.gamma_terms(mu)
    ff = 2.0 / _PI * fact * (gam1 * math.cosh(e) + gam2 * fact2 * d)
    e = math.exp(e)
    p = e / (gampl * _PI)
    q = 1.0 / (e * _PI * gammi)
    pimu2 = 0.5 * pimu
    fact3 = 1.0 if abs(pimu2) < _EPS else math.sin(pimu2) / pimu2
    r = _PI * pimu2 * fact3 * fact3
    c = 1.0
    d = -x2 * x2
    total = ff + r * q
    total1 = p
    for i in range(1, _MAXIT):
        ff = (i * ff + p + q) / (i * i - mu * mu)
        c *= d / i
        p /= i - mu
        q /= i + mu
        delta = c * (ff + r * q)
        total += delta
        total1 += c * p - i * delta
        if abs(delta) < (1.0 + abs(total)) * _EPS:
            break
    return -total, -total1 * 2.0 / x


@kernel
def _cf2(mu, x):
    """p + iq = (J_mu' + i Y_mu')/(J_mu + i Y_mu) by Steed's complex CF2, x >= 2."""
    a = 0.25 - mu * mu
    p = -0.5 / x
    q = 1.0
    br = 2.0 * x
    bi = 2.0
    fact = a / x / (p * p + q * q)
    cr = br + q * fact
    ci = bi + p * fact
    den = br * br + bi * bi
    dr = br / den
    di = -bi / den
    dlr = cr * dr - ci * di
    dli = cr * di + ci * dr
    temp = p * dlr - q * dli
    q = p * dli + q * dlr
    p = temp
    for i in range(2, _MAXIT):
        a += 2 * (i - 1)
        bi += 2.0
        dr = a * dr + br
        di = a * di + bi
        if abs(dr) + abs(di) < _FPMIN:
            dr = _FPMIN
        fact = a / (cr * cr + ci * ci)
        cr = br + cr * fact
        ci = bi - ci * fact
        if abs(cr) + abs(ci) < _FPMIN:
            cr = _FPMIN
        den = dr * dr + di * di
        dr /= den
        di /= -den
        dlr = cr * dr - ci * di
        dli = cr * di + ci * dr
        temp = p * dlr - q * dli
        q = p * dli + q * dlr
        p = temp
        if abs(dlr - 1.0) + abs(dli) < _EPS:
            break
    return p, q


@kernel
def _hankel(v, x):
    """(J_v, Y_v) by the Hankel expansion, x large against v**2; NaN if its terms stop decreasing
    before the rounding error."""
    mu4 = 4.0 * v * v
    p = 1.0
    q = 0.0
    term = 1.0
    for k in range(1, 400):
        new = term * (mu4 - (2 * k - 1) ** 2) / (8.0 * k * x)
        if abs(new) > abs(term):
            return np.nan, np.nan
        term = new
        if k % 4 == 1:
            q += term
        elif k % 4 == 2:
            p -= term
        elif k % 4 == 3:
            q -= term
        else:
            p += term
        if abs(term) < _EPS * min(abs(p), 1.0):
            break
    phase = 0.5 * v + 0.25
    c_phase = cospi(phase)
    s_phase = BI.sinpi(phase)
    cos_x = math.cos(x)
    sin_x = math.sin(x)
    cos_chi = cos_x * c_phase + sin_x * s_phase
    sin_chi = sin_x * c_phase - cos_x * s_phase
    amplitude = math.sqrt(2.0 / (_PI * x))
    return amplitude * (p * cos_chi - q * sin_chi), amplitude * (p * sin_chi + q * cos_chi)


@kernel
def _hankel_recurrence(v, x):
    """(J_v, J_v', Y_v, Y_v') for v < x, x > 25: the Hankel expansion at the orders mu, mu + 1
    (mu the fraction of v), then the forward recurrence, stable for J below order x and for Y."""
    mu = v - np.floor(v)
    j_lo, y_lo = _hankel(mu, x)
    j_hi, y_hi = _hankel(mu + 1.0, x)
    order = mu + 1.0
    while order < v + 0.5:  # up to (J_v+1, Y_v+1): the derivative needs them
        j_lo, j_hi = j_hi, 2.0 * order / x * j_hi - j_lo
        y_lo, y_hi = y_hi, 2.0 * order / x * y_hi - y_lo
        order += 1.0
    return j_lo, v / x * j_lo - j_hi, y_lo, v / x * y_lo - y_hi  # DLMF 10.6.2


@kernel
def jy(v, x):
    """(J_v, J_v', Y_v, Y_v') for v >= 0, 0 < x < inf."""
    if v > _V_MAX:  # |J_v| <= (x/2)**v / Gamma(v+1): 0 where that underflows
        if v * math.log(0.5 * x) - math.lgamma(v + 1.0) < -746.0:
            return 0.0, 0.0, -np.inf, np.inf
        return np.nan, np.nan, np.nan, np.nan
    if x > _X_ASYMPTOTIC and v < x:
        return _hankel_recurrence(v, x)
    n = int(v + 0.5) if x < _X_SERIES else max(0, int(v - x + 1.5))
    mu = v - n
    f, sign = _cf1_ratio(v, x)
    if f != f:
        return np.nan, np.nan, np.nan, np.nan
    w = 2.0 / (_PI * x)
    if x < _X_SERIES:
        steps = n if mu >= 0.0 else n - 1
        j_w, jp_w, j_top, jp_top = _downward(v, x, sign * 1e-30, f, steps)
        ymu, y1 = _y_series(mu, x)
        if mu >= 0.0:
            y_w, yp_w = ymu, mu / x * ymu - y1
        else:
            y_w, yp_w = y1, ymu - (mu + 1.0) / x * y1  # DLMF 10.6.2
        jw = w / (yp_w - jp_w / j_w * y_w)
    else:
        j_w, jp_w, j_top, jp_top = _downward(v, x, sign * 1e-30, f, n)
        f_mu = jp_w / j_w
        p, q = _cf2(mu, x)
        gam = (p - f_mu) / q
        jw = math.copysign(math.sqrt(w / ((p - f_mu) * gam + q)), j_w)
        ymu = jw * gam
        y1 = mu / x * ymu - ymu * (p + q / gam)
    scale = jw / j_w
    for j in range(1, n + 1):
        y_next = (mu + j) * 2.0 / x * y1 - ymu
        ymu = y1
        y1 = y_next
        if abs(y1) == np.inf and j < n:  # |Y| grows with the order from here on: Y_v overflows too
            return j_top * scale, jp_top * scale, y1, np.nan
    return j_top * scale, jp_top * scale, ymu, v / x * ymu - y1


@inline_kernel
def _jy_at_zero(v):
    """(J_v(0), Y_v(0)); the limits of DLMF 10.4.7-8 for a negative v."""
    if v == 0.0:
        return 1.0, -np.inf
    if v > 0.0:
        return 0.0, -np.inf
    if v == np.floor(v):
        return 0.0, np.inf if BI.mod2(v) != 0.0 else -np.inf
    c = cospi(v)
    return (np.inf if BI.sinpi(-v) > 0.0 else -np.inf), (0.0 if c == 0.0 else -np.inf * c)


@kernel
def jy_any(v, x):
    """(J_v, J_v', Y_v, Y_v') for any real v and x (NaN where the value is complex or not reached)."""
    if v != v or x != x:
        return np.nan, np.nan, np.nan, np.nan
    if x == 0.0:
        j0, y0 = _jy_at_zero(v)
        return j0, np.nan, y0, np.nan
    if abs(x) == np.inf:
        return 0.0, 0.0, (0.0 if x > 0.0 else np.nan), (0.0 if x > 0.0 else np.nan)
    j_v, jp_v, y_v, yp_v = jy(abs(v), abs(x))
    if v < 0.0:
        c = cospi(v)
        s = BI.sinpi(-v)
        j_v, jp_v, y_v, yp_v = c * j_v - s * y_v, c * jp_v - s * yp_v, s * j_v + c * y_v, s * jp_v + c * yp_v
    if x > 0.0:
        return j_v, jp_v, y_v, yp_v
    if v != np.floor(v):
        return np.nan, np.nan, np.nan, np.nan
    sign = -1.0 if BI.mod2(v) != 0.0 else 1.0  # J_n(-x) = (-1)**n J_n(x): slope (-1)**(n+1) J_n'
    return sign * j_v, -sign * jp_v, np.nan, np.nan


@inline_kernel
def jv(v, x):
    """J_v(x)."""
    return jy_any(v, x)[0]


@inline_kernel
def yv(v, x):
    """Y_v(x)."""
    return jy_any(v, x)[2]


@kernel
def yn(n, x):
    """Cephes' yn: Y_n(x) for integer n (truncated, as SciPy), -inf at 0, NaN below."""
    if n != n:
        return np.nan
    order = np.floor(abs(n))
    sign = -1.0 if (n < 0.0 and BI.mod2(order) == 1.0) else 1.0  # Y_-n = (-1)**n Y_n
    if order == 0.0:
        return BF.y0(x)
    if order == 1.0:
        return sign * BF.y1(x)
    if x == 0.0:
        return -np.inf * sign
    if not x > 0.0:
        return np.nan
    if order > _V_MAX:  # Y_n(x) ~ -(n-1)! (2/x)**n / pi for n >> x: it overflows
        return -np.inf * sign if x < 1e-2 * order else np.nan
    previous = BF.y0(x)
    current = BF.y1(x)
    for k in range(1, int(order)):
        following = 2.0 * k / x * current - previous
        previous = current
        current = following
        if abs(current) == np.inf:
            break
    return sign * current


# ---------------------------------------------------------------------------
# Derivatives in x (the order is data: its partial is 0)
# ---------------------------------------------------------------------------
@inline_kernel
def bessel_second(v, x, y, d):
    """(0, 0, 0, w'') by Bessel's equation w'' = -w'/x - (1 - v**2/x**2) w (w = y, w' = d)."""
    return 0.0, 0.0, 0.0, -d / x - (1.0 - v * v / (x * x)) * y


@inline_kernel
def jv_second(v, x, y, d):
    """J_v'': (J_v-2 - 2 J_v + J_v+2)/4 below |x| = 1, where Bessel's equation cancels."""
    if abs(x) < 1.0:
        return 0.0, 0.0, 0.0, 0.25 * (jv(v - 2.0, x) - 2.0 * y + jv(v + 2.0, x))
    return bessel_second(v, x, y, d)


@inline_kernel
def yn_second(n, x, y, d):
    """Y_n'' by Bessel's equation, in the truncated order."""
    m = np.trunc(n)
    return bessel_second(m, x, y, d)


@kernel
def jy_array(kind, v, x, out):
    """out = jv (kind 0), yv (1) or yn (2) of flat arrays of one size: the rows' NumPy path, so that
    eager arrays, scalars and compiled tapes compute the same numbers."""
    for k in range(out.size):
        if kind == 0:
            out[k] = jv(v[k], x[k])
        elif kind == 1:
            out[k] = yv(v[k], x[k])
        else:
            out[k] = yn(v[k], x[k])
