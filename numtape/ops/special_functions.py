"""SciPy's special functions as elementwise rows (``nt.erf``, ``nt.gammaln``, ``nt.i0``, ...).

Each function is an :class:`~numtape.ops.registry.Elementwise` row like those of
``elementwise.py``: the scalar fast path runs the compiled helpers of
``numtape/_kernels/specialfn.py`` / ``gammafn.py`` as plain Python, NumPy arrays go to
``scipy.special`` (imported on first use, never by ``import numtape``), the compiled
tape uses the helpers. ``scipy.special.<name>(tensor)`` records the row (the ``scipy=``
names; see ``numpy_dispatch``). Derivatives are written with other rows (gammaln' =
digamma, digamma' = polygamma(1, .), i0' = i1, ...), so every order is recorded.

Conventions: ``polygamma(n, x)`` takes the order n as data (integers; the gradient in n
is None, as in TensorFlow); ``scipy.special.polygamma`` is a Python function, not a
ufunc, so call ``nt.polygamma`` on Tensors. ``loggamma`` is real: log Gamma(x) for x > 0,
inf at 0, NaN below (SciPy's real loggamma; its complex branch is not offered), while
``gammaln`` is log|Gamma(x)| on the whole line. ``xlogy``/``xlog1py`` are 0 where x == 0
and take JAX's derivatives (log y and x/y even there). ``beta``/``betaln`` are Cephes'
algorithm over libm's gamma/lgamma: ~1e-15 relative, ~1e-15 absolute near betaln's zeros.
``gammasgn`` (code 254, taken from the top of the free codes so that branches adding rows
upwards do not collide) is SciPy's sign of Gamma bit for bit, NaN at the poles; piecewise
constant, its derivative is 0 everywhere, as sign's.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .._kernels import besselfn as BF
from .._kernels import gammafn as GF
from .._kernels import specialfn as SF
from ..tensor import Tensor, TensorLike
from ..variable import Variable
from .elementwise import (
    OPS, ROW_OPS, _binary, _unary, _zeros_like, absolute, equal, exp, greater, greater_equal, less, log, log1p, multiply, sigmoid, sign,
    stop_gradient_op,
)
from .registry import LINEAR
from .tf_signature import tf_signature
from .ufunc import binary_op, unary_op

_2_SQRTPI = 1.1283791670955126  # 2/sqrt(pi): erf'
_SQRTPI_2 = 0.886226925452758  # sqrt(pi)/2: erfinv'
_SQRT_2PI = 2.5066282746310002  # sqrt(2 pi): ndtri'
_1_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2 pi): ndtr'


def _scipy(name: str) -> Callable[..., Any]:
    """``scipy.special.<name>``, imported on first call."""
    def call(*args: Any) -> Any:
        import scipy.special

        out = getattr(scipy.special, name)(*args)
        # SciPy's binary ufuncs promote float32 with a Python float to float64; NumPy's rule
        # (NEP 50: the Python number is weak) keeps float32, as every other numtape op does
        wanted = np.result_type(*args)
        if wanted.kind == "f" and getattr(out, "dtype", wanted) != wanted:
            out = out.astype(wanted)
        return out

    call.__name__ = name
    return call


def _py(kernel_name: str, module: Any = SF) -> Callable[..., float]:
    """The scalar fast path: the kernel helper on Python floats (compiled once numtape compiles)."""
    def scalar(*args: float) -> float:
        return float(getattr(module, kernel_name)(*args))

    scalar.__name__ = kernel_name
    return scalar


def _where(mask: Tensor, a: Any, b: Any) -> Tensor:
    from .primitives import where

    return where(mask, a, b)


def _nonzero_or_one(x: Tensor) -> Tensor:
    """x with its zeros replaced by 1 (a branch that where() does not select stays finite)."""
    return _where(equal(x, 0.0), 1.0, x)


def _i1_slope(x: Tensor, y: Tensor) -> Tensor:
    return _where(equal(x, 0.0), 0.5, i0(x) - y / _nonzero_or_one(x))


def _bessel1_slope(order0: Callable[..., Tensor], x: Tensor, y: Tensor) -> Tensor:
    """J1' = J0 - J1/x (DLMF 10.6.2); below |x| = 0.1 its Taylor polynomial, whose derivatives
    (recorded for the higher orders) do not cancel as those of J1/x do near 0."""
    small = less(absolute(x), 0.1)
    z = x * x
    series = 0.5 + z * (-3.0 / 16.0 + z * (5.0 / 384.0 + z * (-7.0 / 18432.0 + z * (9.0 / 1474560.0))))
    return _where(small, series, order0(x) - y / _where(small, 1.0, x))


def _i1e_slope(x: Tensor, y: Tensor) -> Tensor:
    return _where(equal(x, 0.0), 0.5, i0e(x) - y / _nonzero_or_one(x) - sign(x) * y)


_UNARY_ROWS = [
    _unary(96, "erf", math.erf, _scipy("erf"), lambda g, y, x: g * (exp(-(x * x)) * _2_SQRTPI),
           "Elementwise error function. Derivative: 2/sqrt(pi) exp(-x**2).",
           kernel="math.erf(x)", partial=f"math.exp(-(x * x)) * {_2_SQRTPI!r}", second="-2.0 * x * d",
           scipy=("erf",)),
    _unary(97, "erfc", math.erfc, _scipy("erfc"), lambda g, y, x: g * (exp(-(x * x)) * -_2_SQRTPI),
           "Elementwise complementary error function 1 - erf(x). Derivative: -2/sqrt(pi) exp(-x**2).",
           kernel="math.erfc(x)", partial=f"math.exp(-(x * x)) * {-_2_SQRTPI!r}", second="-2.0 * x * d",
           scipy=("erfc",)),
    _unary(98, "erfinv", _py("erfinv"), _scipy("erfinv"), lambda g, y, x: g * (exp(y * y) * _SQRTPI_2),
           "Elementwise inverse error function on [-1, 1] (+-inf at +-1, NaN outside). "
           "Derivative: sqrt(pi)/2 exp(erfinv(x)**2) (inf at +-1).",
           kernel="SF.erfinv(x)", partial=f"math.exp(y * y) * {_SQRTPI_2!r}", second="2.0 * y * d * d",
           domain=(-0.9, 0.9), scipy=("erfinv",), float32_numpy=True),
    _unary(99, "erfcinv", _py("erfcinv"), _scipy("erfcinv"), lambda g, y, x: g * (exp(y * y) * -_SQRTPI_2),
           "Elementwise inverse of erfc on [0, 2] (inf at 0, -inf at 2, NaN outside). "
           "Derivative: -sqrt(pi)/2 exp(erfcinv(x)**2).",
           kernel="SF.erfcinv(x)", partial=f"math.exp(y * y) * {-_SQRTPI_2!r}", second="2.0 * y * d * d",
           domain=(0.1, 1.9), scipy=("erfcinv",), float32_numpy=True),
    _unary(100, "erfcx", _py("erfcx"), _scipy("erfcx"), lambda g, y, x: g * (2.0 * x * y - _2_SQRTPI),
           "Elementwise scaled complementary error function exp(x**2) erfc(x), finite for large x "
           "(inf below about -26.6). Derivative: 2x erfcx(x) - 2/sqrt(pi).",
           kernel="SF.erfcx(x)", partial=f"2.0 * x * y - {_2_SQRTPI!r}", second="2.0 * y + 2.0 * x * d",
           domain=(-2.0, 3.0), scipy=("erfcx",)),
    _unary(101, "ndtr", _py("ndtr"), _scipy("ndtr"), lambda g, y, x: g * (exp(-0.5 * x * x) * _1_SQRT_2PI),
           "Elementwise standard normal CDF. Derivative: the normal density exp(-x**2/2)/sqrt(2 pi).",
           kernel="SF.ndtr(x)", partial=f"math.exp(-0.5 * x * x) * {_1_SQRT_2PI!r}", second="-x * d",
           scipy=("ndtr",)),
    _unary(102, "log_ndtr", _py("log_ndtr"), _scipy("log_ndtr"),
           lambda g, y, x: g * (exp(-0.5 * x * x - y) * _1_SQRT_2PI),
           "Elementwise log of the standard normal CDF, accurate in both tails. "
           "Derivative: density/CDF = exp(-x**2/2 - log_ndtr(x))/sqrt(2 pi) (NaN at -inf).",
           kernel="SF.log_ndtr(x)", partial=f"math.exp(-0.5 * x * x - y) * {_1_SQRT_2PI!r}",
           second="-d * (x + d)", domain=(-6.0, 3.0), scipy=("log_ndtr",)),
    _unary(103, "ndtri", _py("ndtri"), _scipy("ndtri"), lambda g, y, x: g * (exp(0.5 * y * y) * _SQRT_2PI),
           "Elementwise standard normal quantile, the inverse of ndtr on [0, 1] (-inf at 0, inf at 1). "
           "Derivative: sqrt(2 pi) exp(ndtri(x)**2/2).",
           kernel="SF.ndtri(x)", partial=f"math.exp(0.5 * y * y) * {_SQRT_2PI!r}", second="y * d * d",
           domain=(0.05, 0.95), scipy=("ndtri",), float32_numpy=True),
    _unary(104, "gammaln", _py("gammaln", GF), _scipy("gammaln"), lambda g, y, x: g * digamma(x),
           "Elementwise log|Gamma(x)| (inf at 0 and the negative integers). Derivative: digamma(x) "
           "(infinite or NaN at the poles).",
           kernel="GF.gammaln(x)", partial="GF.digamma(x)", second="GF.polygamma(1.0, x)", domain=(0.2, 6.0),
           scipy=("gammaln",), float32_numpy=True),
    _unary(105, "loggamma", _py("loggamma", GF), _scipy("loggamma"),
           lambda g, y, x: g * _where(greater(x, 0.0), digamma(x), np.nan),
           "Elementwise log(Gamma(x)) for real x > 0 (inf at 0, NaN below: SciPy's loggamma is complex "
           "there; gammaln gives log|Gamma|). Derivative: digamma(x) for x > 0, NaN elsewhere.",
           kernel="GF.loggamma(x)", partial="GF.digamma(x) if x > 0.0 else np.nan",
           second="GF.polygamma(1.0, x) if x > 0.0 else np.nan", domain=(0.2, 6.0), scipy=("loggamma",)),
    _unary(106, "gamma", _py("gamma", GF), _scipy("gamma"), lambda g, y, x: g * (y * digamma(x)),
           "Elementwise Gamma function (+-inf at +-0, NaN at the negative integers, inf above 171.6). "
           "Derivative: Gamma(x) digamma(x).",
           kernel="GF.gamma(x)", partial="y * GF.digamma(x)", second="d * GF.digamma(x) + y * GF.polygamma(1.0, x)",
           domain=(0.3, 4.0), scipy=("gamma",)),
    _unary(254, "gammasgn", _py("gammasgn", GF), _scipy("gammasgn"), lambda g, y, x: _zeros_like(x),
           "Elementwise sign of the Gamma function, as SciPy's gammasgn (1 for x > 0 and at +0, -1 at -0, "
           "-1 where x < 0 and floor(x) is odd, else 1; NaN at NaN, -inf and the negative integers). "
           "Derivative: 0 everywhere (piecewise constant; 0 also at the poles and jumps, as sign' = 0).",
           kernel="GF.gammasgn(x)", partial="0.0", second=LINEAR, select=True, domain=(-2.9, 3.0),
           nondifferentiable_at=(0.0, -1.0, -2.0), scipy=("gammasgn",)),
    _unary(107, "digamma", _py("digamma", GF), _scipy("digamma"), lambda g, y, x: g * polygamma(1.0, x),
           "Elementwise digamma (psi) function, Gamma'/Gamma (-inf at +0, NaN at the negative integers). "
           "Derivative: polygamma(1, x).",
           kernel="GF.digamma(x)", partial="GF.polygamma(1.0, x)", second="GF.polygamma(2.0, x)",
           domain=(0.2, 6.0), scipy=("digamma", "psi")),
    _unary(108, "logit", _py("logit"), _scipy("logit"), lambda g, y, x: g * (1.0 / (x * (1.0 - x))),
           "Elementwise log(p/(1 - p)) on [0, 1] (-inf at 0, inf at 1, NaN outside), the inverse of "
           "sigmoid. Derivative: 1/(p(1 - p)).",
           kernel="SF.logit(x)", partial="1.0 / (x * (1.0 - x))", second="d * d * (2.0 * x - 1.0)",
           domain=(0.05, 0.95), scipy=("logit",), float32_numpy=True),
    _unary(109, "log_expit", _py("log_expit"), _scipy("log_expit"), lambda g, y, x: g * sigmoid(-x),
           "Elementwise log(sigmoid(x)), without overflow. Derivative: sigmoid(-x).",
           kernel="SF.log_expit(x)", partial="M.sigmoid(-x)", second="d * (d - 1.0)", scipy=("log_expit",), float32_numpy=True),
    _unary(110, "entr", _py("entr"), _scipy("entr"), lambda g, y, x: g * (-log(x) - 1.0),
           "Elementwise entropy term -x log(x) (0 at 0, -inf for x < 0). Derivative: -log(x) - 1 "
           "(inf at 0, NaN below).",
           kernel="SF.entr(x)", partial="-M.log(x) - 1.0", second="-1.0 / x", domain=(0.1, 3.0),
           scipy=("entr",)),
    _unary(111, "i0", _py("i0"), _scipy("i0"), lambda g, y, x: g * i1(x),
           "Elementwise modified Bessel function of the first kind, order 0. Derivative: i1(x).",
           kernel="SF.i0(x)", partial="SF.i1(x)", second="0.5 if x == 0.0 else y - d / x",
           domain=(-3.0, 3.0), scipy=("i0",)),
    _unary(112, "i0e", _py("i0e"), _scipy("i0e"), lambda g, y, x: g * (i1e(x) - sign(x) * y),
           "Elementwise exponentially scaled i0: exp(-|x|) i0(x). Derivative: i1e(x) - sign(x) i0e(x) "
           "(a kink at 0, where the subgradient is 0).",
           kernel="SF.i0e(x)", partial="SF.i1e(x) - M.sign(x) * y", second="SF.i0e_second(x, y)",
           domain=(-3.0, 3.0), nondifferentiable_at=(0.0,), scipy=("i0e",)),
    _unary(113, "i1", _py("i1"), _scipy("i1"), lambda g, y, x: g * _i1_slope(x, y),
           "Elementwise modified Bessel function of the first kind, order 1. Derivative: "
           "i0(x) - i1(x)/x (1/2 at 0).",
           kernel="SF.i1(x)", partial="SF.i1_partial(x, y)", second="SF.i1_second(x, y)", domain=(-3.0, 3.0),
           scipy=("i1",)),
    _unary(114, "i1e", _py("i1e"), _scipy("i1e"), lambda g, y, x: g * _i1e_slope(x, y),
           "Elementwise exponentially scaled i1: exp(-|x|) i1(x). Derivative: i0e(x) - i1e(x)/x - "
           "sign(x) i1e(x) (1/2 at 0, where the second derivative jumps).",
           kernel="SF.i1e(x)", partial="SF.i1e_partial(x, y)", second="SF.i1e_second(x, y)",
           domain=(-3.0, 3.0), nondifferentiable_at=(0.0,), scipy=("i1e",)),
    _unary(126, "j0", _py("j0", BF), _scipy("j0"), lambda g, y, x: g * -j1(x),
           "Elementwise Bessel function of the first kind, order 0 (Cephes). Derivative: -j1(x).",
           kernel="BF.j0(x)", partial="-BF.j1(x)", second="BF.j0_second(x, y)", domain=(-8.0, 8.0),
           scipy=("j0",)),
    _unary(125, "j1", _py("j1", BF), _scipy("j1"), lambda g, y, x: g * _bessel1_slope(j0, x, y),
           "Elementwise Bessel function of the first kind, order 1 (Cephes). Derivative: "
           "j0(x) - j1(x)/x (1/2 at 0).",
           kernel="BF.j1(x)", partial="BF.j1_partial(x, y)", second="BF.j1_second(x, y, d)",
           domain=(-8.0, 8.0), scipy=("j1",)),
    _unary(124, "y0", _py("y0", BF), _scipy("y0"), lambda g, y, x: g * -y1(x),
           "Elementwise Bessel function of the second kind, order 0, for x > 0 (Cephes; -inf at 0, "
           "NaN below). Derivative: -y1(x).",
           kernel="BF.y0(x)", partial="-BF.y1(x)", second="BF.y0_second(x, y)", domain=(0.3, 8.0),
           scipy=("y0",)),
    _unary(123, "y1", _py("y1", BF), _scipy("y1"), lambda g, y, x: g * (y0(x) - y / x),
           "Elementwise Bessel function of the second kind, order 1, for x > 0 (Cephes; -inf at 0, "
           "NaN below). Derivative: y0(x) - y1(x)/x.",
           kernel="BF.y1(x)", partial="BF.y1_partial(x, y)", second="BF.y1_second(x, y, d)",
           domain=(0.3, 8.0), scipy=("y1",)),
]
OPS.update((spec.name, unary_op(spec)) for spec in _UNARY_ROWS)
erf, erfc, erfinv, erfcinv, erfcx = (OPS[n] for n in ("erf", "erfc", "erfinv", "erfcinv", "erfcx"))
ndtr, log_ndtr, ndtri = OPS["ndtr"], OPS["log_ndtr"], OPS["ndtri"]
gammaln, loggamma, gamma, digamma = OPS["gammaln"], OPS["loggamma"], OPS["gamma"], OPS["digamma"]
gammasgn = OPS["gammasgn"]
logit, log_expit, entr = OPS["logit"], OPS["log_expit"], OPS["entr"]
i0, i0e, i1, i1e = OPS["i0"], OPS["i0e"], OPS["i1"], OPS["i1e"]
j0, j1, y0, y1 = OPS["j0"], OPS["j1"], OPS["y0"], OPS["y1"]


def _rel_entr_vjp(g: Tensor, z: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    valid = multiply(greater_equal(x, 0.0), greater(y, 0.0))
    r = x / _where(valid, y, 1.0)
    return g * _where(valid, log(r) + 1.0, np.nan), g * _where(valid, -r, np.nan)


def _beta_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    p = digamma(a + b)
    return g * (z * (digamma(a) - p)), g * (z * (digamma(b) - p))


def _betaln_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    p = digamma(a + b)
    return g * (digamma(a) - p), g * (digamma(b) - p)


_BINARY_ROWS = [
    _binary(115, "polygamma", _py("polygamma", GF), _scipy("polygamma"),
            lambda g, z, n, x: (None, g * polygamma(n + 1.0, x)),
            "Elementwise polygamma(n, x), the n-th derivative of digamma (digamma for n = 0; NaN for a "
            "non-integer or negative n). The order n is data: its gradient is None, as in TensorFlow. "
            "Derivative in x: polygamma(n + 1, x).",
            kernel="GF.polygamma(a, b)", partial="(0.0, GF.polygamma(a + 1.0, b))",
            second="(0.0, 0.0, 0.0, GF.polygamma(a + 2.0, b))", domains=((0.0, 3.0), (0.3, 4.0)),
            integer_operands=(0,), public=False, float32_numpy=True),  # nt.polygamma is polygamma() below
    _binary(116, "xlogy", _py("xlogy"), _scipy("xlogy"), lambda g, z, x, y: (g * log(y), g * (x / y)),
            "Elementwise x log(y), 0 where x == 0 (unless y is NaN). Derivatives (JAX's): log(y), x/y.",
            kernel="SF.xlogy(a, b)", partial="(M.log(b), a / b)", second="(0.0, 1.0 / b, 1.0 / b, -a / (b * b))",
            domains=((-2.0, 2.0), (0.2, 3.0)), scipy=("xlogy",),
            partials=(lambda g, z, x, y: g * log(y), lambda g, z, x, y: g * (x / y)), float32_numpy=True),
    _binary(117, "xlog1py", _py("xlog1py"), _scipy("xlog1py"),
            lambda g, z, x, y: (g * log1p(y), g * (x / (1.0 + y))),
            "Elementwise x log(1 + y), 0 where x == 0 (unless y is NaN). Derivatives (JAX's): log1p(y), "
            "x/(1 + y).",
            kernel="SF.xlog1py(a, b)", partial="(M.log1p(b), a / (1.0 + b))",
            second="(0.0, 1.0 / (1.0 + b), 1.0 / (1.0 + b), -a / ((1.0 + b) * (1.0 + b)))",
            domains=((-2.0, 2.0), (-0.8, 3.0)), scipy=("xlog1py",), float32_numpy=True),
    _binary(118, "rel_entr", _py("rel_entr"), _scipy("rel_entr"), _rel_entr_vjp,
            "Elementwise relative entropy term x log(x/y) (0 at x == 0 <= y, inf where x < 0 or y <= 0 < x). "
            "Derivatives: log(x/y) + 1, -x/y (NaN where the value is inf).",
            kernel="SF.rel_entr(a, b)", partial="SF.rel_entr_partials(a, b)",
            second="(1.0 / a, -1.0 / b, -1.0 / b, a / (b * b))", domain=(0.2, 3.0), scipy=("rel_entr",)),
    _binary(119, "beta", _py("beta", GF), _scipy("beta"), _beta_vjp,
            "Elementwise beta function Gamma(a) Gamma(b) / Gamma(a + b). Derivatives: "
            "beta(a, b) (digamma(a) - digamma(a + b)) and likewise in b.",
            kernel="GF.beta(a, b)", partial="GF.beta_partials(a, b, z)", second="GF.beta_second(a, b, z, da, db)",
            domain=(0.3, 4.0), scipy=("beta",), float32_numpy=True),
    _binary(120, "betaln", _py("betaln", GF), _scipy("betaln"), _betaln_vjp,
            "Elementwise log|beta(a, b)|. Derivatives: digamma(a) - digamma(a + b), and likewise in b.",
            kernel="GF.betaln(a, b)", partial="GF.betaln_partials(a, b)", second="GF.betaln_second(a, b)",
            domain=(0.3, 4.0), scipy=("betaln",), float32_numpy=True),
]
OPS.update((spec.name, binary_op(spec)) for spec in _BINARY_ROWS)
_polygamma = OPS["polygamma"]
xlogy, xlog1py, rel_entr, beta, betaln = (OPS[n] for n in ("xlogy", "xlog1py", "rel_entr", "beta", "betaln"))


def _scipy_polygamma(a: Any, x: Any) -> Any:
    import scipy.special

    return scipy.special.polygamma(a, x)


@tf_signature("polygamma(a, x, name=None)", rename={"a": "n"}, namespaces=("", "math"),
              example=dict(a=2, x=(0.5, 1.3, 2.7)), reference=_scipy_polygamma)
def polygamma(n: TensorLike, x: TensorLike) -> Tensor:
    """The n-th derivative of digamma at x (SciPy's ``polygamma(n, x)``, TensorFlow's
    ``polygamma(a, x)``); the order is data."""
    if type(n) is Variable:
        n = n._read()
    if isinstance(n, Tensor):
        n = stop_gradient_op(n) if n.dtype.kind == "f" else _float_order(n._v, x)
    elif type(n) is not float:
        n = _float_order(n, x)
    return _polygamma(n, x)


def _float_order(n: Any, x: Any) -> Any:
    """An order given as integers, as floats of x's precision (a Python int as a Python float)."""
    if type(n) is int:
        return float(n)
    value = np.asarray(n)
    if value.dtype.kind not in "iub":
        return n
    x_dtype = getattr(x, "dtype", None)
    return value.astype(np.float32 if x_dtype == np.float32 else np.float64)


polygamma.__doc__ = _polygamma.__doc__
OPS["polygamma"] = polygamma
ROW_OPS.update({spec.name: OPS[spec.name] for spec in (*_UNARY_ROWS, *_BINARY_ROWS)})
ROW_OPS["psi"] = digamma
ROW_OPS["expit"] = sigmoid
