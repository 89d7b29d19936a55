"""Elementwise ops: one :class:`~numtape.ops.registry.Elementwise` row per function, and its public op.

A row is the single home of a function: its code, forward (``math`` fast path and
NumPy ufunc), VJP in numtape ops (so outer tapes record it), compiled formulas
(``kernel``, ``partial``, ``second``: generated into ``numtape/_kernels/scalar.py``
by ``python -m numtape._codegen``, where they must do the same float operations
in the same order as the VJP), properties and docstring. ``ufunc.py`` turns a row
into an op.

Subgradient conventions (TensorFlow's): ``abs'(0) = 0``, ``relu'(0) = 0``,
``sign' = 0``; ``maximum``/``minimum`` give a tie's gradient to the first operand;
``pow``'s derivative in the exponent is 0 where the base is not positive;
``sqrt'(0) = inf``. ``floor_divide`` (``//``), ``floor``, comparisons and
``stop_gradient`` are recorded as data (so replays recompute them) but never
differentiated: their gradient is None, as in TensorFlow.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from ..tensor import Tensor, TensorLike, wrap
from .registry import LINEAR, Elementwise, register_elementwise
from .ufunc import (  # noqa: F401  (re-exported: other ops import them from here)
    _broadcast_layout, _full_or_single, _is_integer, _raw_operand, binary_op, float_operand, record_elementwise,
    unary_op,
)
from ..errors import op_type_error, op_value_error
from .tf_signature import SAMPLE_MATRIX, tf_signature

# ---------------------------------------------------------------------------
# Scalar (Python float) implementations: the same formulas as the kernels
# ---------------------------------------------------------------------------
def _py_sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _np_sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + e), e / (1 + e))


def _py_softplus(x: float) -> float:
    return math.log1p(math.exp(-abs(x))) + (x if x > 0.0 else 0.0)


def _np_softplus(x: Any) -> Any:
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _py_relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x


def _py_sign(x: float) -> float:
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return 0.0 if x == 0.0 else x


def _py_maximum(a: float, b: float) -> float:
    return a if (a != a or a > b) else b  # a tie gives b, as np.maximum: maximum(-0.0, 0.0) is 0.0


def _py_minimum(a: float, b: float) -> float:
    return a if (a != a or a < b) else b  # a tie gives b, as np.minimum


def _identity(x: Any) -> Any:
    return x


# ---------------------------------------------------------------------------
# Unary rows (VJP argument order: cotangent, output, input)
# ---------------------------------------------------------------------------
def _zeros_like(x: Tensor) -> Tensor:
    return wrap(np.zeros_like(x._v) if isinstance(x._v, np.ndarray) else type(x._v)(0.0))


def _select(mask: Tensor, g: Tensor) -> Tensor:
    """g where ``mask`` (a recorded 0/1 Tensor) is 1, else 0: a select, so an inf in g
    never becomes 0 * inf = NaN, and replays recompute the mask from their own inputs."""
    from .primitives import where

    return where(mask, g, 0.0)




def _unary(code: int, name: str, scalar: Callable[..., Any], ufunc: Any, vjp: Callable[..., Any], doc: str,
           **row: Any) -> Elementwise:
    return register_elementwise(Elementwise(code, name, 1, scalar, ufunc, vjp, doc, **row))


def _binary(code: int, name: str, scalar: Callable[..., Any], ufunc: Any, vjp: Callable[..., Any], doc: str,
            **row: Any) -> Elementwise:
    return register_elementwise(Elementwise(code, name, 2, scalar, ufunc, vjp, doc, **row))


# ---------------------------------------------------------------------------
# Unary rows (VJP argument order: cotangent, output, input)
# ---------------------------------------------------------------------------
_UNARY_ROWS = [
    _unary(1, "negative", operator.neg, np.negative, lambda g, y, x: -g,
           "Elementwise -x. Derivative: -1.",
           short="neg", kernel="-x", partial="-1.0", second=LINEAR, numpy=(np.negative,)),
    _unary(2, "square", lambda x: x * x, np.square, lambda g, y, x: g * (2.0 * x),
           "Elementwise x**2. Derivative: 2x.",
           kernel="x * x", partial="2.0 * x", second="2.0", numpy=(np.square,)),
    _unary(3, "sqrt", math.sqrt, np.sqrt, lambda g, y, x: g * (0.5 / y),
           "Elementwise square root. Derivative: 0.5/sqrt(x) (inf at 0; NaN for x < 0).",
           kernel="M.sqrt(x)", partial="0.5 / y", second="-0.25 / (y * y * y)", domain=(0.1, 3.0),
           numpy=(np.sqrt,)),
    _unary(4, "reciprocal", lambda x: 1.0 / x, np.reciprocal, lambda g, y, x: g * -(y * y),
           "Elementwise 1/x. Derivative: -1/x**2.",
           kernel="1.0 / x", partial="-(y * y)", second="2.0 * y * y * y", domain=(0.2, 3.0),
           numpy=(np.reciprocal,)),
    _unary(5, "abs", abs, np.abs, lambda g, y, x: g * sign(x),
           "Elementwise |x|. Derivative: sign(x); the subgradient at 0 is 0.",
           kernel="abs(x)", partial="M.sign(x)", second=LINEAR, nondifferentiable_at=(0.0,),
           numpy=(np.absolute, np.fabs)),
    _unary(6, "sign", _py_sign, np.sign, lambda g, y, x: _zeros_like(x),
           "Elementwise sign (-1, 0 or 1; NaN stays NaN). Derivative: 0 everywhere.",
           kernel="M.sign(x)", partial="0.0", second=LINEAR, select=True, nondifferentiable_at=(0.0,),
           numpy=(np.sign,)),
    _unary(7, "exp", math.exp, np.exp, lambda g, y, x: g * y,
           "Elementwise e**x. Derivative: e**x.",
           kernel="math.exp(x)", partial="y", second="y", numpy_replay=True, numpy=(np.exp,), float32_numpy=True),
    _unary(8, "expm1", math.expm1, np.expm1, lambda g, y, x: g * (y + 1.0),
           "Elementwise e**x - 1, accurate near 0. Derivative: e**x.",
           kernel="math.expm1(x)", partial="y + 1.0", second="y + 1.0", numpy_replay=True, numpy=(np.expm1,), float32_numpy=True),
    _unary(9, "log", math.log, np.log, lambda g, y, x: g * (1.0 / x),
           "Elementwise natural logarithm (-inf at 0, NaN below). Derivative: 1/x.",
           kernel="M.log(x)", partial="1.0 / x", second="-(d * d)", domain=(0.1, 3.0), numpy_replay=True,
           numpy=(np.log,), float32_numpy=True),
    _unary(10, "log1p", math.log1p, np.log1p, lambda g, y, x: g * (1.0 / (1.0 + x)),
           "Elementwise log(1 + x), accurate near 0. Derivative: 1/(1 + x).",
           kernel="M.log1p(x)", partial="1.0 / (1.0 + x)", second="-(d * d)", domain=(-0.9, 3.0),
           numpy_replay=True, numpy=(np.log1p,), float32_numpy=True),
    _unary(11, "sin", math.sin, np.sin, lambda g, y, x: g * cos(x),
           "Elementwise sine. Derivative: cos(x).",
           kernel="math.sin(x)", partial="math.cos(x)", second="-y", numpy=(np.sin,), float32_numpy=True),
    _unary(12, "cos", math.cos, np.cos, lambda g, y, x: g * -sin(x),
           "Elementwise cosine. Derivative: -sin(x).",
           kernel="math.cos(x)", partial="-math.sin(x)", second="-y", numpy=(np.cos,), float32_numpy=True),
    _unary(13, "tan", math.tan, np.tan, lambda g, y, x: g * (1.0 + y * y),
           "Elementwise tangent. Derivative: 1 + tan(x)**2.",
           kernel="math.tan(x)", partial="1.0 + y * y", second="2.0 * y * d", domain=(-1.2, 1.2),
           numpy_replay=True, numpy=(np.tan,), float32_numpy=True),
    _unary(14, "asin", math.asin, np.arcsin, lambda g, y, x: g * (1.0 / sqrt(1.0 - x * x)),
           "Elementwise arcsine (NaN outside [-1, 1]). Derivative: 1/sqrt(1 - x**2).",
           kernel="M.asin(x)", partial="1.0 / math.sqrt(1.0 - x * x)", second="x * d * d * d",
           domain=(-0.9, 0.9), numpy_replay=True, numpy=(np.arcsin,), float32_numpy=True),
    # d = -(1 - x^2)^(-1/2), so d(d)/dx = -x (1 - x^2)^(-3/2) = x d^3, as asin's
    _unary(15, "acos", math.acos, np.arccos, lambda g, y, x: g * (-1.0 / sqrt(1.0 - x * x)),
           "Elementwise arccosine (NaN outside [-1, 1]). Derivative: -1/sqrt(1 - x**2).",
           kernel="M.acos(x)", partial="-1.0 / math.sqrt(1.0 - x * x)", second="x * d * d * d",
           domain=(-0.9, 0.9), numpy_replay=True, numpy=(np.arccos,), float32_numpy=True),
    _unary(16, "atan", math.atan, np.arctan, lambda g, y, x: g * (1.0 / (1.0 + x * x)),
           "Elementwise arctangent. Derivative: 1/(1 + x**2).",
           kernel="math.atan(x)", partial="1.0 / (1.0 + x * x)", second="-2.0 * x * d * d", numpy_replay=True,
           numpy=(np.arctan,), float32_numpy=True),
    _unary(17, "sinh", math.sinh, np.sinh, lambda g, y, x: g * cosh(x),
           "Elementwise hyperbolic sine. Derivative: cosh(x).",
           kernel="math.sinh(x)", partial="math.cosh(x)", second="y", numpy_replay=True, numpy=(np.sinh,), float32_numpy=True),
    _unary(18, "cosh", math.cosh, np.cosh, lambda g, y, x: g * sinh(x),
           "Elementwise hyperbolic cosine. Derivative: sinh(x).",
           kernel="math.cosh(x)", partial="math.sinh(x)", second="y", numpy_replay=True, numpy=(np.cosh,), float32_numpy=True),
    _unary(19, "tanh", math.tanh, np.tanh, lambda g, y, x: g * (1.0 - y * y),
           "Elementwise hyperbolic tangent. Derivative: 1 - tanh(x)**2.",
           kernel="math.tanh(x)", partial="1.0 - y * y", second="-2.0 * y * d", numpy_replay=True,
           numpy=(np.tanh,), float32_numpy=True),
    _unary(20, "sigmoid", _py_sigmoid, _np_sigmoid, lambda g, y, x: g * (y * (1.0 - y)),
           "Elementwise logistic function 1/(1 + e**-x), computed without overflow. Derivative: s(1 - s).",
           kernel="M.sigmoid(x)", partial="y * (1.0 - y)", second="d * (1.0 - 2.0 * y)",
           aliases=("nn.sigmoid",), scipy=("expit",), float32_numpy=True),
    _unary(21, "softplus", _py_softplus, _np_softplus, lambda g, y, x: g * sigmoid(x),
           "Elementwise log(1 + e**x), computed without overflow. Derivative: sigmoid(x).",
           kernel="math.log1p(math.exp(-abs(x))) + max(x, 0.0)", partial="M.sigmoid(x)", second="d * (1.0 - d)",
           numpy_replay=True, aliases=("nn.softplus",), float32_numpy=True),
    _unary(22, "relu", _py_relu, lambda x: np.maximum(x, 0), lambda g, y, x: _select(greater(x, 0.0), g),
           "Elementwise max(x, 0). Derivative: 1 for x > 0, else 0 (the subgradient at 0 is 0).",
           tangent="dx if x > 0.0 else 0.0",
           kernel="0.0 if x <= 0.0 else x", partial="1.0 if x > 0.0 else 0.0", second=LINEAR, select=True,
           nondifferentiable_at=(0.0,), aliases=("nn.relu",)),
    _unary(23, "identity", _identity, _identity, lambda g, y, x: g,
           "The same value, recorded as a new Tensor. Derivative: 1.",
           kernel="x", partial="1.0", second=LINEAR, numpy=(np.positive,)),
    _unary(24, "log2", math.log2, np.log2, lambda g, y, x: g * (1.0 / (x * 0.6931471805599453)),
           "Elementwise base-2 logarithm (-inf at 0, NaN below). Derivative: 1/(x ln 2).",
           kernel="-np.inf if x == 0.0 else (np.nan if x < 0.0 else math.log2(x))",
           partial="1.0 / (x * 0.6931471805599453)", second="-(d * d) * 0.6931471805599453", domain=(0.1, 3.0),
           numpy_replay=True, numpy=(np.log2,), float32_numpy=True),
    # recorded as data, never differentiated: the gradient through them is None
    _unary(30, "stop_gradient", _identity, _identity, lambda g, y, x: None,
           "The same value, through which no gradient flows (the gradient is None, as in TensorFlow).",
           kernel="x", differentiable=False, public=False),
    _unary(31, "floor", lambda x: float(math.floor(x)), np.floor, lambda g, y, x: None,
           "Elementwise floor. Not differentiable: no gradient flows through it (None, as in TensorFlow).",
           kernel="np.floor(x)", differentiable=False, numpy=(np.floor,)),
    _unary(32, "isfinite", lambda x: 1.0 if math.isfinite(x) else 0.0,
           lambda x: np.isfinite(x).astype(np.result_type(x, 0.0)), lambda g, y, x: None,
           "1.0 where x is finite, else 0.0 (a float mask). Not differentiable.",
           kernel="1.0 if np.isfinite(x) else 0.0", differentiable=False, aliases=("math.is_finite",)),
]

#: The op of every row, by the row's name (``pow``'s is replaced by :func:`power` below).
OPS: dict[str, Callable[..., Tensor]] = {spec.name: unary_op(spec) for spec in _UNARY_ROWS}
negative = OPS["negative"]
square = OPS["square"]
sqrt = OPS["sqrt"]
reciprocal = OPS["reciprocal"]
absolute = OPS["abs"]
sign = OPS["sign"]
exp = OPS["exp"]
expm1 = OPS["expm1"]
log = OPS["log"]
log1p = OPS["log1p"]
sin = OPS["sin"]
cos = OPS["cos"]
tan = OPS["tan"]
asin = OPS["asin"]
acos = OPS["acos"]
atan = OPS["atan"]
sinh = OPS["sinh"]
cosh = OPS["cosh"]
tanh = OPS["tanh"]
sigmoid = OPS["sigmoid"]
softplus = OPS["softplus"]
relu = OPS["relu"]
identity = OPS["identity"]
stop_gradient_op = OPS["stop_gradient"]
floor = OPS["floor"]
isfinite = OPS["isfinite"]


# ---------------------------------------------------------------------------
# Binary rows (VJP argument order: cotangent, output, x, y; returns (gx, gy))
# ---------------------------------------------------------------------------
def _pow_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    from .primitives import where

    positive = greater(a, 0.0)
    safe_a = where(positive, a, 1.0)  # keeps log's derivative finite where it is not selected
    log_a = where(positive, log(safe_a), 0.0)
    constant = equal(b, 0.0)  # x**0 is 1 everywhere: d/dx is 0, even at x = 0 (not 0 * inf)
    base = where(constant, 1.0, a)  # keeps the unselected branch's own derivatives finite
    dx = where(constant, 0.0, b * base ** (b - 1.0))
    return g * dx, g * (z * log_a)


def _div_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    return g * (1.0 / b), g * ((-a / b) / b)


def _atan2_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    den = a * a + b * b
    return g * (b / den), g * (-a / den)


def _maximum_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    first = greater_equal(a, b)
    return _select(first, g), _select(1.0 - first, g)


def _minimum_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    first = less_equal(a, b)
    return _select(first, g), _select(1.0 - first, g)


def _mod_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    return g, g * -floor_divide(a, b)


def _float_mask(ufunc: Any) -> Callable[[Any, Any], Any]:
    def mask(a: Any, b: Any) -> Any:
        return ufunc(a, b).astype(np.result_type(a, b, 0.0))

    mask.__name__ = ufunc.__name__
    return mask


def _no_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[None, None]:
    return None, None


def _py_pow(a: float, b: float) -> float:
    return math.pow(a, b)


def _py_mod(a: float, b: float) -> float:
    return a % b


def _comparison(code: int, name: str, scalar: Callable[[float, float], float], ufunc: Any, op: str) -> Elementwise:
    return _binary(code, name, scalar, _float_mask(ufunc), _no_vjp,
                   f"1.0 where x {op} y, else 0.0. Not differentiable.",
                   kernel=f"1.0 if a {op} b else 0.0", differentiable=False)


_BINARY_ROWS = [
    _binary(40, "add", operator.add, np.add, lambda g, z, a, b: (g, g),
            "Elementwise x + y with broadcasting. Derivatives: 1, 1.",
            kernel="a + b", partial="(1.0, 1.0)", second=LINEAR, integer_safe=True, numpy=(np.add,),
            partials=(lambda g, z, a, b: g, lambda g, z, a, b: g)),
    _binary(41, "subtract", operator.sub, np.subtract, lambda g, z, a, b: (g, -g),
            "Elementwise x - y with broadcasting. Derivatives: 1, -1.",
            short="sub", kernel="a - b", partial="(1.0, -1.0)", second=LINEAR, integer_safe=True,
            numpy=(np.subtract,), partials=(lambda g, z, a, b: g, lambda g, z, a, b: -g)),
    _binary(42, "multiply", operator.mul, np.multiply, lambda g, z, a, b: (g * b, g * a),
            "Elementwise x * y with broadcasting. Derivatives: y, x.",
            short="mul", kernel="a * b", partial="(b, a)", second="(0.0, 1.0, 1.0, 0.0)", bilinear=True,
            integer_safe=True, numpy=(np.multiply,),
            partials=(lambda g, z, a, b: g * b, lambda g, z, a, b: g * a)),
    _binary(43, "divide", operator.truediv, np.divide, _div_vjp,
            "Elementwise x / y with broadcasting (x/0 is +-inf, 0/0 NaN). Derivatives: 1/y, -x/y**2.",
            short="div", kernel="a / b", partial="(1.0 / b, (-a / b) / b)", second="M.div_second(a, b)",
            domain=(0.5, 2.0), numpy=(np.divide, np.true_divide),
            partials=(lambda g, z, a, b: g * (1.0 / b), lambda g, z, a, b: g * ((-a / b) / b))),
    _binary(44, "pow", _py_pow, np.power, _pow_vjp,
            "Elementwise x ** y. Derivatives: y x**(y-1) (0 where y == 0, also at x = 0), and x**y log(x) "
            "where x > 0 (0 elsewhere).",
            kernel="a**b", partial="M.pow_partials(a, b, z)", second="M.pow_second(a, b, z, da, db)",
            domain=(0.2, 2.0), public=False, aliases=("math.pow",), float32_numpy=True),  # nt.pow is power() below
    _binary(45, "atan2", math.atan2, np.arctan2, _atan2_vjp,
            "Elementwise arctan(y/x) with the quadrant of (x, y); called atan2(y, x). "
            "Derivatives: x/(x**2 + y**2), -y/(x**2 + y**2).",
            kernel="math.atan2(a, b)", partial="M.atan2_partials(a, b)", second="M.atan2_second(a, b)",
            numpy=(np.arctan2,), float32_numpy=True),
    _binary(46, "maximum", _py_maximum, np.maximum, _maximum_vjp,
            "Elementwise max with NaN propagation. The gradient goes to x where x >= y, else to y.",
            tangent="dx if a >= b else dy",
            kernel="M.maximum(a, b)", partial="(1.0, 0.0) if a >= b else (0.0, 1.0)", second=LINEAR,
            select=True, integer_safe=True, numpy=(np.maximum,)),
    _binary(47, "minimum", _py_minimum, np.minimum, _minimum_vjp,
            "Elementwise min with NaN propagation. The gradient goes to x where x <= y, else to y.",
            tangent="dx if a <= b else dy",
            kernel="M.minimum(a, b)", partial="(1.0, 0.0) if a <= b else (0.0, 1.0)", second=LINEAR,
            select=True, integer_safe=True, numpy=(np.minimum,)),
    _binary(48, "mod", _py_mod, np.remainder, _mod_vjp,
            "Elementwise remainder with the divisor's sign, as NumPy's %. Derivatives: 1, -floor(x/y).",
            kernel="M.mod(a, b)", partial="(1.0, -M.floor_divide(a, b))", second=LINEAR, domain=(0.3, 2.0),
            integer_safe=True, numpy=(np.remainder,), aliases=("math.floormod",)),
    # comparisons as 0.0/1.0 float masks (TensorFlow returns booleans): recorded as data, so
    # compiled tapes recompute them and nt.where(nt.greater(x, 0), a, b) needs no guard
    # (x > 0 gives NumPy bools, which a trace must guard); never differentiated
    _comparison(50, "greater", lambda a, b: 1.0 if a > b else 0.0, np.greater, ">"),
    _comparison(51, "greater_equal", lambda a, b: 1.0 if a >= b else 0.0, np.greater_equal, ">="),
    _comparison(52, "less", lambda a, b: 1.0 if a < b else 0.0, np.less, "<"),
    _comparison(53, "less_equal", lambda a, b: 1.0 if a <= b else 0.0, np.less_equal, "<="),
    _comparison(54, "equal", lambda a, b: 1.0 if a == b else 0.0, np.equal, "=="),
    _comparison(55, "not_equal", lambda a, b: 1.0 if a != b else 0.0, np.not_equal, "!="),
    _binary(56, "floor_divide", operator.floordiv, np.floor_divide, _no_vjp,
            "Elementwise floor(x / y), as NumPy's and Python's //. Not differentiable: its gradient is None, "
            "as in TensorFlow.",
            kernel="M.floor_divide(a, b)", differentiable=False, integer_safe=True, numpy=(np.floor_divide,),
            aliases=("math.floordiv",)),
]
OPS.update((spec.name, binary_op(spec)) for spec in _BINARY_ROWS)

add = OPS["add"]
subtract = OPS["subtract"]
multiply = OPS["multiply"]
divide = OPS["divide"]
_power = OPS["pow"]


def power(x: TensorLike, y: TensorLike) -> Tensor:
    if (type(y) is int or type(y) is float) and y == 2:
        # as NumPy does: pow(x, 2) is exactly x * x, with the same derivative (bad x: pow's error)
        return square(float_operand(x, "pow"))
    return _power(x, y)


power.__name__ = power.__qualname__ = "pow"
power.__doc__ = (_power.__doc__ or "") + " A constant exponent 2 records ``square`` (faster, identical)."
OPS["pow"] = power
atan2 = OPS["atan2"]
maximum = OPS["maximum"]
minimum = OPS["minimum"]
mod = OPS["mod"]
greater = OPS["greater"]
greater_equal = OPS["greater_equal"]
less = OPS["less"]
less_equal = OPS["less_equal"]
equal = OPS["equal"]
not_equal = OPS["not_equal"]
floor_divide = OPS["floor_divide"]

#: The public op of every row marked public, by name: ``numtape.ops`` exports them all, so a
#: new row is ``nt.<name>`` with no other edit.
ROW_OPS = {spec.name: OPS[spec.name] for spec in (*_UNARY_ROWS, *_BINARY_ROWS) if spec.public}


@tf_signature("clip_by_value(t, clip_value_min, clip_value_max, name=None)", rename={"t": "x"},
              example=dict(t=SAMPLE_MATRIX, clip_value_min=-0.5, clip_value_max=1.0),
              reference=lambda t, clip_value_min, clip_value_max: np.clip(t, clip_value_min, clip_value_max))
def clip_by_value(x: TensorLike, clip_value_min: TensorLike, clip_value_max: TensorLike) -> Tensor:
    """Clip x to [min, max]. The gradient passes where min <= x <= max (TensorFlow's rule)."""
    given = (x, clip_value_min, clip_value_max)
    converted = [_raw_operand(v, "clip_by_value") for v in given]
    operands = [t if t is not None else v for t, v in converted]  # lists holding Tensors packed once
    values = [v for _, v in converted]  # all checked before maximum records
    integer = [_is_integer(v) for v in values]
    if any(integer) and not all(integer):
        raise op_type_error("clip_by_value", "expected float tensors (integer tensors are not differentiable)",
                            *given)
    try:
        np.broadcast_shapes(*(np.shape(v) for v in values))
    except ValueError as error:
        shapes = ", ".join(str(np.shape(v)) for v in values)
        raise op_value_error("clip_by_value", f"shapes {shapes} cannot be broadcast together", *given) from error
    return minimum(maximum(operands[0], operands[1]), operands[2])
