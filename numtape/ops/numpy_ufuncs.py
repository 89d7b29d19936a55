"""NumPy's other real ufuncs, one :class:`~numtape.ops.registry.Elementwise` row each.

The rows follow ``elementwise.py`` (the pattern, the VJP argument order and the rule that
the compiled formulas do the VJP's float operations are explained there); they live here
to keep that file short. Their public names are NumPy's (``nt.arcsinh``, not TensorFlow's
``asinh``: a row has one name). Derivatives at kinks and singular points follow
TensorFlow/JAX, and each row's docstring states its own:

* ``fmax``/``fmin`` pass the gradient like ``maximum``/``minimum`` (a tie to the first
  operand) and, where one operand is NaN, wholly to the other (the one returned);
* ``copysign(x, y) = |x|`` with the sign bit of y: d/dx is sign(x) (taken as +1 at
  x = +-0, the kink of |x|) times the sign that y gives, d/dy is 0;
* ``hypot``'s gradient and second derivatives are 0 at the origin (JAX's);
* ``cbrt``, ``arccosh`` and ``arctanh`` give the infinite derivatives the math gives at
  0, 1 and +-1;
* ``sinc`` is NumPy's normalized sin(pi x)/(pi x); near 0 its derivatives are Taylor
  series (``mathfn.SINC_*``), so they stay accurate where the closed form cancels.

``ceil``, ``trunc``, ``rint`` and ``heaviside`` are recorded as data and never
differentiated (their gradient is None), like ``floor``.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .._kernels import mathfn as M
from ..tensor import Tensor
from .elementwise import (
    OPS, _binary, _select, _unary, absolute, cos, equal, greater_equal, less, less_equal, not_equal, sigmoid, sign,
    sqrt,
)
from .primitives import where
from .registry import LINEAR
from .ufunc import binary_op, unary_op

_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046
_LOG2E = 1.4426950408889634
_DEG = math.pi / 180.0  # NumPy's deg2rad multiplies by this constant: the same bits
_RAD = 180.0 / math.pi


# ---------------------------------------------------------------------------
# Python-float forwards (the ``math`` fast path; NumPy's and the kernels' formulas)
# ---------------------------------------------------------------------------
def _py_sinc(x: float) -> float:
    if x == 0.0:
        return 1.0
    y = math.pi * x
    return math.sin(y) / y  # raises for infinite y: the ufunc then gives NaN


def _py_logaddexp(a: float, b: float) -> float:
    if a == b:
        return a + _LN2
    d = a - b
    if d > 0.0:
        return a + math.log1p(math.exp(-d))
    if d <= 0.0:
        return b + math.log1p(math.exp(d))
    return d


def _py_logaddexp2(a: float, b: float) -> float:
    if a == b:
        return a + 1.0
    d = a - b
    if d > 0.0:
        return a + _LOG2E * math.log1p(math.exp2(-d))
    if d <= 0.0:
        return b + _LOG2E * math.log1p(math.exp2(d))
    return d


def _py_fmax(a: float, b: float) -> float:
    return a if (a >= b or b != b) else b


def _py_fmin(a: float, b: float) -> float:
    return a if (a <= b or b != b) else b


def _py_heaviside(a: float, b: float) -> float:
    return 0.0 if a < 0.0 else (b if a == 0.0 else (1.0 if a > 0.0 else a))


def _rounding(to_integer: Callable[[float], Any]) -> Callable[[float], float]:
    """A Python-float rounding with NumPy's signed zeros (ceil(-0.5) is -0.0); raises on inf/NaN."""
    return lambda x: math.copysign(float(to_integer(x)), x)


# ---------------------------------------------------------------------------
# VJPs (cotangent, output, input[s]) in numtape ops
# ---------------------------------------------------------------------------
def _horner(coefficients: tuple[float, ...], z: Tensor) -> Tensor:
    p: Any = coefficients[-1]
    for c in coefficients[-2::-1]:
        p = c + z * p
    return p


def _sinc_vjp(g: Tensor, y: Tensor, x: Tensor) -> Tensor:
    small = less(absolute(x), M.SINC_SERIES_BELOW)
    near = where(small, x, 0.0)  # each branch sees inputs where it is finite, so the other
    far = where(small, 1.0, x)   # branch's zero cotangent never meets an inf (0 * inf = NaN)
    px = math.pi * near
    series = (math.pi * px) * _horner(M.SINC_SLOPE_SERIES, px * px)
    closed = (cos(math.pi * far) - y) / far
    return g * where(small, series, closed)


def _hypot_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    origin = equal(z, 0.0)
    safe = where(origin, 1.0, z)
    return g * where(origin, 0.0, a / safe), g * where(origin, 0.0, b / safe)


def _copysign_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    slope = (sign(a) + equal(a, 0.0)) * copysign(1.0, b)
    return g * slope, g * 0.0  # g * 0, as the compiled sweep computes it


def _fmax_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    first = greater_equal(a, b) + not_equal(b, b)  # b is NaN: a was returned
    return _select(first, g), _select(1.0 - first, g)


def _fmin_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    first = less_equal(a, b) + not_equal(b, b)
    return _select(first, g), _select(1.0 - first, g)


def _no_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[None, None]:
    return None, None


# ---------------------------------------------------------------------------
# Unary rows
# ---------------------------------------------------------------------------
_UNARY_ROWS = [
    _unary(25, "log10", math.log10, np.log10, lambda g, y, x: g * (1.0 / (x * _LN10)),
           "Elementwise base-10 logarithm (-inf at 0, NaN below). Derivative: 1/(x ln 10).",
           kernel="-np.inf if x == 0.0 else (np.nan if x < 0.0 else math.log10(x))",
           partial="1.0 / (x * 2.302585092994046)", second="-(d * d) * 2.302585092994046", domain=(0.1, 3.0),
           numpy_replay=True, numpy=(np.log10,), float32_numpy=True),
    _unary(26, "exp2", math.exp2, np.exp2, lambda g, y, x: g * (y * _LN2),
           "Elementwise 2**x. Derivative: 2**x ln 2.",
           kernel="np.exp2(x)", partial="y * 0.6931471805599453", second="d * 0.6931471805599453",
           numpy_replay=True, numpy=(np.exp2,), float32_numpy=True),
    _unary(27, "cbrt", math.cbrt, np.cbrt, lambda g, y, x: g * (1.0 / (3.0 * (y * y))),
           "Elementwise real cube root (negative for x < 0). Derivative: 1/(3 cbrt(x)**2), inf at 0 as the "
           "math gives (the second derivative there is -inf at +0, +inf at -0).",
           kernel="np.cbrt(x)", partial="1.0 / (3.0 * (y * y))", second="-2.0 * d * d / y",
           nondifferentiable_at=(0.0,), numpy_replay=True, numpy=(np.cbrt,), float32_numpy=True),
    _unary(28, "arcsinh", math.asinh, np.arcsinh, lambda g, y, x: g * (1.0 / sqrt(x * x + 1.0)),
           "Elementwise inverse hyperbolic sine (TensorFlow's asinh). Derivative: 1/sqrt(x**2 + 1) (JAX's "
           "formula: for |x| > 1e154, where it is below 1e-154, it underflows to 0).",
           kernel="math.asinh(x)", partial="1.0 / math.sqrt(x * x + 1.0)", second="-x * d * d * d",
           numpy_replay=True, numpy=(np.arcsinh,), float32_numpy=True),
    _unary(29, "arccosh", math.acosh, np.arccosh, lambda g, y, x: g * (1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0))),
           "Elementwise inverse hyperbolic cosine (TensorFlow's acosh; NaN below 1). "
           "Derivative: 1/sqrt((x - 1)(x + 1)), inf at 1.",
           kernel="np.nan if x < 1.0 else math.acosh(x)", partial="1.0 / (M.sqrt(x - 1.0) * M.sqrt(x + 1.0))",
           second="-x * d * d * d", domain=(1.1, 3.0), numpy_replay=True, numpy=(np.arccosh,), float32_numpy=True),
    _unary(33, "arctanh", math.atanh, np.arctanh, lambda g, y, x: g * (1.0 / ((1.0 - x) * (1.0 + x))),
           "Elementwise inverse hyperbolic tangent (TensorFlow's atanh; +-inf at +-1, NaN outside). "
           "Derivative: 1/((1 - x)(1 + x)), inf at +-1.",
           kernel="M.atanh(x)", partial="1.0 / ((1.0 - x) * (1.0 + x))", second="2.0 * x * d * d",
           domain=(-0.9, 0.9), numpy_replay=True, numpy=(np.arctanh,), float32_numpy=True),
    _unary(34, "deg2rad", lambda x: x * _DEG, np.deg2rad, lambda g, y, x: g * _DEG,
           "Elementwise degrees to radians, x pi/180 (np.radians too). Derivative: pi/180.",
           kernel="x * 0.017453292519943295", partial="0.017453292519943295", second=LINEAR,
           numpy=(np.deg2rad, np.radians), float32_numpy=True),
    _unary(35, "rad2deg", lambda x: x * _RAD, np.rad2deg, lambda g, y, x: g * _RAD,
           "Elementwise radians to degrees, x 180/pi (np.degrees too). Derivative: 180/pi.",
           kernel="x * 57.29577951308232", partial="57.29577951308232", second=LINEAR,
           numpy=(np.rad2deg, np.degrees), float32_numpy=True),
    _unary(36, "sinc", _py_sinc, np.sinc, _sinc_vjp,
           "Elementwise normalized sinc, sin(pi x)/(pi x) as NumPy's (1 at 0). Derivative: "
           "(cos(pi x) - sinc(x))/x, 0 at 0 (second derivative -pi**2/3 there), a Taylor series for "
           "|x| < 0.1.",
           kernel="M.sinc(x)", partial="M.sinc_partial(x, y)", second="M.sinc_second(x, y, d)",
           numpy=(np.sinc,), float32_numpy=True),
    # recorded as data, never differentiated: the gradient through them is None
    _unary(37, "ceil", _rounding(math.ceil), np.ceil, lambda g, y, x: None,
           "Elementwise ceiling. Not differentiable: no gradient flows through it (None, as in TensorFlow).",
           kernel="np.ceil(x)", differentiable=False, numpy=(np.ceil,)),
    _unary(38, "trunc", _rounding(math.trunc), np.trunc, lambda g, y, x: None,
           "Elementwise rounding towards 0. Not differentiable: no gradient flows through it (None).",
           kernel="np.trunc(x)", differentiable=False, numpy=(np.trunc,)),
    _unary(39, "rint", _rounding(round), np.rint, lambda g, y, x: None,
           "Elementwise rounding to the nearest integer, halves to even. Not differentiable: no gradient "
           "flows through it (None).",
           kernel="np.rint(x)", differentiable=False, numpy=(np.rint,)),
]

#: The op of every row here, by name; ``elementwise.OPS`` (the op of every row) gets them too.
UFUNC_OPS: dict[str, Callable[..., Tensor]] = {spec.name: unary_op(spec) for spec in _UNARY_ROWS}


# ---------------------------------------------------------------------------
# Binary rows
# ---------------------------------------------------------------------------
_BINARY_ROWS = [
    _binary(49, "hypot", math.hypot, np.hypot, _hypot_vjp,
            "Elementwise sqrt(x**2 + y**2) without overflow. Derivatives: x/hypot, y/hypot; 0 at the "
            "origin, as JAX (the second derivatives too).",
            kernel="math.hypot(a, b)", partial="M.hypot_partials(a, b, z)", second="M.hypot_second(a, b, z)",
            numpy=(np.hypot,)),
    _binary(57, "logaddexp", _py_logaddexp, np.logaddexp, lambda g, z, a, b: (g * sigmoid(a - b),
                                                                              g * sigmoid(b - a)),
            "Elementwise log(e**x + e**y) without overflow. Derivatives: sigmoid(x - y), sigmoid(y - x) "
            "(NaN where both are the same infinity, as nt.reduce_logsumexp).",
            kernel="M.logaddexp(a, b)", partial="(M.sigmoid(a - b), M.sigmoid(b - a))",
            second="(da * db, -(da * db), -(da * db), da * db)", numpy=(np.logaddexp,), float32_numpy=True),
    _binary(58, "logaddexp2", _py_logaddexp2, np.logaddexp2,
            lambda g, z, a, b: (g * sigmoid((a - b) * _LN2), g * sigmoid((b - a) * _LN2)),
            "Elementwise log2(2**x + 2**y) without overflow. Derivatives: sigmoid((x - y) ln 2), "
            "sigmoid((y - x) ln 2) (NaN where both are the same infinity).",
            kernel="M.logaddexp2(a, b)",
            partial="(M.sigmoid((a - b) * 0.6931471805599453), M.sigmoid((b - a) * 0.6931471805599453))",
            second="(da * db * 0.6931471805599453, -(da * db * 0.6931471805599453), "
                   "-(da * db * 0.6931471805599453), da * db * 0.6931471805599453)",
            numpy=(np.logaddexp2,), float32_numpy=True),
    _binary(59, "copysign", math.copysign, np.copysign, _copysign_vjp,
            "Elementwise |x| with the sign (bit) of y. Derivatives: sign(x) (+1 at x = +-0) times the sign "
            "y gives, and 0 for y.",
            kernel="math.copysign(a, b)",
            partial="((M.sign(a) + (1.0 if a == 0.0 else 0.0)) * math.copysign(1.0, b), 0.0)", second=LINEAR,
            numpy=(np.copysign,)),
    _binary(61, "fmax", _py_fmax, np.fmax, _fmax_vjp,
            "Elementwise max ignoring NaN (NaN only where both are). The gradient goes to x where x >= y or "
            "y is NaN, else to y.",
            tangent="dx if (a >= b or b != b) else dy",
            kernel="M.fmax(a, b)", partial="(1.0, 0.0) if (a >= b or b != b) else (0.0, 1.0)", second=LINEAR,
            select=True, integer_safe=True, numpy=(np.fmax,), float32_numpy=True),
    _binary(62, "fmin", _py_fmin, np.fmin, _fmin_vjp,
            "Elementwise min ignoring NaN (NaN only where both are). The gradient goes to x where x <= y or "
            "y is NaN, else to y.",
            tangent="dx if (a <= b or b != b) else dy",
            kernel="M.fmin(a, b)", partial="(1.0, 0.0) if (a <= b or b != b) else (0.0, 1.0)", second=LINEAR,
            select=True, integer_safe=True, numpy=(np.fmin,), float32_numpy=True),
    _binary(63, "heaviside", _py_heaviside, np.heaviside, _no_vjp,
            "Elementwise step: 0 for x < 0, y at x == 0, 1 for x > 0. Not differentiable: its gradient is "
            "None.",
            kernel="0.0 if a < 0.0 else (b if a == 0.0 else (1.0 if a > 0.0 else a))", differentiable=False,
            numpy=(np.heaviside,)),
]
UFUNC_OPS.update((spec.name, binary_op(spec)) for spec in _BINARY_ROWS)
OPS.update(UFUNC_OPS)
copysign = UFUNC_OPS["copysign"]  # used by its own VJP

#: The public op of every row here (``numtape.ops`` exports them with elementwise's ROW_OPS).
ROW_OPS = {spec.name: UFUNC_OPS[spec.name] for spec in (*_UNARY_ROWS, *_BINARY_ROWS) if spec.public}
