"""Scalar helpers that the op rows' compiled formulas call (``M.name`` in a row's formula).

A formula in a row is one expression; what needs a domain check, a branch or a
shared temporary is written here once. Each helper does exactly the float
operations of the row's NumPy/``math`` forward and its VJP in numtape ops, so the
compiled path and the recorded path agree bit for bit. They also run as plain
Python under ``NUMBA_DISABLE_JIT=1``, where ``math.log(0.0)`` would raise: hence
the explicit domain checks.
"""
from __future__ import annotations

import math

import numpy as np

from .jit import kernel
from .layout import F32


@kernel
def sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@kernel
def sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    if x == 0.0:
        return 0.0
    return x  # NaN


@kernel
def log(x):
    if x == 0.0:
        return -np.inf
    if x < 0.0:
        return np.nan
    return math.log(x)


@kernel
def log1p(x):
    if x == -1.0:
        return -np.inf
    if x < -1.0:
        return np.nan
    return math.log1p(x)


@kernel
def sqrt(x):
    if x < 0.0:
        return np.nan
    return math.sqrt(x)


@kernel
def asin(x):
    if abs(x) > 1.0:
        return np.nan
    return math.asin(x)


@kernel
def acos(x):
    if abs(x) > 1.0:
        return np.nan
    return math.acos(x)


@kernel
def maximum(a, b):
    """NumPy's rule: NaN if either is NaN, else the second operand on a tie (maximum(-0.0, 0.0) is 0.0)."""
    if a != a or a > b:
        return a
    return b


@kernel
def minimum(a, b):
    """NumPy's rule: NaN if either is NaN, else the second operand on a tie (minimum(0.0, -0.0) is -0.0)."""
    if a != a or a < b:
        return a
    return b


@kernel
def floor_divide(a, b):
    """NumPy's (and Python's) floor division, exact: 1 // 0.1 is 9.0, not floor(1 / 0.1) = 10.0."""
    if b == 0.0:
        return a / b
    mod = np.fmod(a, b)
    div = (a - mod) / b
    if mod != 0.0:
        if (b < 0.0) != (mod < 0.0):
            div -= 1.0
    if div != 0.0:
        floor_div = np.floor(div)
        if div - floor_div > 0.5:
            floor_div += 1.0
        return floor_div
    return np.copysign(0.0, a / b)


@kernel
def mod(a, b):
    """NumPy's remainder: the result has the divisor's sign, a zero too (mod(0.0, -1.0) is -0.0)."""
    if b == 0.0 or a != a or b != b or a == np.inf or a == -np.inf:
        return np.nan
    if b == np.inf or b == -np.inf:
        if a == 0.0:
            return math.copysign(0.0, b)
        if (a > 0.0) == (b > 0.0):
            return a
        return b
    r = np.fmod(a, b)
    if r == 0.0:
        return math.copysign(0.0, b)
    if (r < 0.0) != (b < 0.0):
        r += b
    return r


@kernel
def pow_partials(a, b, z):
    """pow's partials; d/db is 0 where the base is not positive (TensorFlow's convention)."""
    log_a = 0.0
    if a > 0.0:
        log_a = math.log(a)
    if b == 0.0:  # x**0 is 1 everywhere: d/dx is 0, also at x = 0 (JAX, autograd; not 0 * inf)
        return 0.0, z * log_a
    return b * a ** (b - 1.0), z * log_a


@kernel
def pow_second(a, b, z, da, db):
    """pow's second derivatives as the recorded rules give them: the mixed terms differ
    where a <= 0, because there d/db is the constant 0."""
    log_a = 0.0
    if a > 0.0:
        log_a = math.log(a)
    lower = a ** (b - 1.0)
    haa = b * (b - 1.0) * a ** (b - 2.0)
    hab = lower + b * lower * log_a
    if b == 0.0:  # d/dx is the constant 0 there (pow_partials), so are its derivatives
        haa = 0.0
        hab = 0.0
    hba = 0.0
    if a > 0.0:
        hba = da * log_a + z / a
    return haa, hab, hba, db * log_a


@kernel
def div_second(a, b):
    inv = 1.0 / b
    return 0.0, -(inv * inv), -(inv * inv), 2.0 * a * inv * inv * inv


@kernel
def atan2_partials(a, b):
    den = a * a + b * b
    return b / den, -a / den


@kernel
def atan2_second(a, b):
    den = a * a + b * b
    den2 = den * den
    return -2.0 * a * b / den2, (a * a - b * b) / den2, (a * a - b * b) / den2, 2.0 * a * b / den2


# --- the rows of numtape/ops/numpy_ufuncs.py ---------------------------------------------

#: sinc near 0 (|x| < SINC_SERIES_BELOW, z = (pi x)**2): sinc'(x) = pi**2 x P(z) and
#: sinc''(x) = pi**2 Q(z), Taylor coefficients of P and Q from z**0 up (the next terms are
#: below 1e-16 relatively); cos(pi x) - sinc(x) would cancel there. The VJP uses these too.
SINC_SERIES_BELOW = 0.1
SINC_SLOPE_SERIES = (-1.0 / 3.0, 1.0 / 30.0, -1.0 / 840.0, 1.0 / 45360.0, -1.0 / 3991680.0, 1.0 / 518918400.0)
SINC_CURVATURE_SERIES = (-1.0 / 3.0, 1.0 / 10.0, -1.0 / 168.0, 1.0 / 6480.0, -1.0 / 443520.0, 1.0 / 47174400.0)


@kernel
def atanh(x):
    if abs(x) > 1.0:
        return np.nan
    if abs(x) == 1.0:
        return math.copysign(np.inf, x)
    return math.atanh(x)


@kernel
def sinc(x):
    """NumPy's normalized sinc, sin(pi x)/(pi x), 1 at 0."""
    if x == 0.0:
        return 1.0
    y = math.pi * x
    return math.sin(y) / y


@kernel
def horner(coefficients, z):
    """sum(c_k z**k), evaluated as the sinc VJP does: c_0 + z (c_1 + z (c_2 + ...))."""
    p = coefficients[len(coefficients) - 1]
    for k in range(len(coefficients) - 2, -1, -1):
        p = coefficients[k] + z * p
    return p


@kernel
def sinc_partial(x, y):
    if abs(x) < SINC_SERIES_BELOW:
        px = math.pi * x
        return (math.pi * px) * horner(SINC_SLOPE_SERIES, px * px)
    return (math.cos(math.pi * x) - y) / x


@kernel
def sinc_second(x, y, d):
    if abs(x) < SINC_SERIES_BELOW:
        px = math.pi * x
        return (math.pi * math.pi) * horner(SINC_CURVATURE_SERIES, px * px)
    return -(math.pi * math.pi) * y - 2.0 * d / x


@kernel
def hypot_partials(a, b, z):
    """a/z, b/z; 0 at the origin (the only zero of hypot), as JAX."""
    if z == 0.0:
        return 0.0, 0.0
    return a / z, b / z


@kernel
def hypot_second(a, b, z):
    if z == 0.0:
        return 0.0, 0.0, 0.0, 0.0
    u = a / z
    v = b / z
    return v * v / z, -(u * v) / z, -(u * v) / z, u * u / z


@kernel
def logaddexp(a, b):
    """NumPy's log(e**a + e**b): exact at equal infinities, no overflow for large arguments."""
    if a == b:
        return a + 0.6931471805599453
    d = a - b
    if d > 0.0:
        return a + math.log1p(math.exp(-d))
    if d <= 0.0:
        return b + math.log1p(math.exp(d))
    return d  # NaN


@kernel
def logaddexp2(a, b):
    """NumPy's log2(2**a + 2**b), the same way."""
    if a == b:
        return a + 1.0
    d = a - b
    if d > 0.0:
        return a + 1.4426950408889634 * math.log1p(np.exp2(-d))
    if d <= 0.0:
        return b + 1.4426950408889634 * math.log1p(np.exp2(d))
    return d  # NaN


@kernel
def fmax(a, b):
    """NumPy's fmax: the other operand where one is NaN."""
    if a >= b or b != b:
        return a
    return b


@kernel
def fmin(a, b):
    if a <= b or b != b:
        return a
    return b


@kernel
def round_if_f32(code, x):
    if code & F32:
        return np.float64(np.float32(x))
    return x
