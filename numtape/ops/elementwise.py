"""Elementwise ops: one :class:`Elementwise` row per function, and its public op.

Each public op has a fast path for float64 scalars (Python floats and the ``math``
module, no NumPy), which is what makes scalar loops cheap to record, and a general
path for arrays, float32 and NumPy broadcasting. Both compute the value first and
record last. The VJPs below use numtape ops, so outer tapes record them; their
compiled twins are ``_unary_partial``/``_binary_partials`` in ``numtape/_kernels/sweep.py``
and must do the same float operations in the same order.

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
from typing import Any, Callable, Optional

import numpy as np

from .._fpstate import quietly
from .._kernels import sweep as K
from .._state import state
from ..errors import op_type_error, op_value_error
from ..tape.recorder import record_binary, record_entry, record_unary
from ..tensor import Tensor, TensorLike, to_value, wrap
from ..variable import Variable
from .registry import Elementwise, register_elementwise

_new = object.__new__
_MATH_ERRORS = (ValueError, OverflowError, ZeroDivisionError)


# ---------------------------------------------------------------------------
# Operand conversion
# ---------------------------------------------------------------------------
def float_operand(x: Any, op: str) -> Tensor:
    """``x`` as a float Tensor (constants are wrapped, not recorded)."""
    if type(x) is Variable:
        x = x._read()
    if isinstance(x, Tensor):
        if x.dtype.kind != "f":
            raise op_type_error(op, f"expected a float tensor, got dtype {x.dtype}", x)
        return x
    return wrap(to_value(x, op))


def _raw_operand(x: Any, op: str) -> tuple[Any, Any]:
    """(Tensor or None, value). Python numbers stay Python floats: weak, like NumPy scalars."""
    if type(x) is Variable:
        x = x._read()
    if isinstance(x, Tensor):
        return x, x._v
    if type(x) is float:
        return None, x
    if type(x) is int:
        try:
            return None, float(x)
        except OverflowError:
            raise op_value_error(op, f"an integer of {x.bit_length()} bits is too large for a float64", x) from None
    return None, to_value(x, op)


def _is_integer(v: Any) -> bool:
    return type(v) is not float and np.asarray(v).dtype.kind in "iub"


# ---------------------------------------------------------------------------
# Op factories
# ---------------------------------------------------------------------------
def _unary_op(spec: Elementwise) -> Callable[[TensorLike], Tensor]:
    code, scalar, ufunc = spec.code, spec.scalar, spec.ufunc

    def op(x: TensorLike) -> Tensor:
        if type(x) is Variable:
            x = x._read()
        if type(x) is Tensor:
            xv = x._v
            if type(xv) is float:
                try:
                    v = scalar(xv)
                except _MATH_ERRORS:
                    v = float(quietly(ufunc, xv))
                stack = state.stack
                if stack:
                    return record_unary(code, x, v, stack)
                out = _new(Tensor)
                out._v = v
                out._tid = 0
                out._slot = -1
                return out
        return _unary_general(spec, x)

    op.__name__ = op.__qualname__ = spec.name
    op.__doc__ = spec.doc
    return op


def _unary_general(spec: Elementwise, x: Any) -> Tensor:
    t = float_operand(x, spec.name)
    out = wrap(quietly(spec.ufunc, t._v))
    if state.stack:
        record_elementwise(spec.code, (t,), out)
    return out


def record_elementwise(code: int, operands: tuple[Any, ...], out: Tensor, layout: tuple[int, ...] = ()) -> None:
    """Record an elementwise result: a scalar entry if 0-d, else OP_UNARY/OP_BINARY
    (``layout``: OP_BINARY's broadcast layout, see ``_broadcast_layout``)."""
    v = out._v
    if isinstance(v, np.ndarray):
        f32 = v.dtype == np.float32
        if len(operands) == 1:
            record_entry(operands, out, lambda b, s: b.push_array(K.OP_UNARY, s[0], v, v.shape, f32, fn=code))
        else:
            record_entry(
                operands, out,
                lambda b, s: b.push_array(K.OP_BINARY, s[0], v, v.shape, f32, fn=code, b=s[1], ints=layout),
            )
    else:
        c = code | (K.F32 if type(v) is np.float32 else 0)
        fv = float(v)
        if len(operands) == 1:
            record_entry(operands, out, lambda b, s: b.push_scalar(c, s[0], 0, fv))
        else:
            record_entry(operands, out, lambda b, s: b.push_scalar(c, s[0], s[1], fv))


def _binary_op(spec: Elementwise) -> Callable[[TensorLike, TensorLike], Tensor]:
    code, scalar, ufunc = spec.code, spec.scalar, spec.ufunc

    def op(x: TensorLike, y: TensorLike) -> Tensor:
        if type(x) is Variable:
            x = x._read()
        if type(y) is Variable:
            y = y._read()
        tx = type(x)
        ty = type(y)
        if tx is Tensor:
            xv = x._v
            if type(xv) is float:
                if ty is Tensor:
                    yv = y._v
                    if type(yv) is not float:
                        return _binary_general(spec, x, y)
                elif ty is float:
                    yv = y
                else:
                    return _binary_general(spec, x, y)
            else:
                return _binary_general(spec, x, y)
        elif ty is Tensor and tx is float:
            xv = x
            yv = y._v
            if type(yv) is not float:
                return _binary_general(spec, x, y)
        else:
            return _binary_general(spec, x, y)
        try:
            v = scalar(xv, yv)
        except _MATH_ERRORS:
            v = float(quietly(ufunc, xv, yv))
        stack = state.stack
        if stack:
            return record_binary(code, x, y, v, stack)
        out = _new(Tensor)
        out._v = v
        out._tid = 0
        out._slot = -1
        return out

    op.__name__ = op.__qualname__ = spec.name
    op.__doc__ = spec.doc
    return op


def _binary_general(spec: Elementwise, x: Any, y: Any) -> Tensor:
    name = spec.name
    tx, xv = _raw_operand(x, name)
    ty, yv = _raw_operand(y, name)
    x_int, y_int = _is_integer(xv), _is_integer(yv)
    if x_int or y_int:
        if x_int and y_int and spec.code in _INTEGER_SAFE:
            return wrap(quietly(spec.ufunc, xv, yv))
        raise op_type_error(name, "expected float tensors (integer tensors are not differentiable)", x, y)
    try:
        out = wrap(quietly(spec.ufunc, xv, yv))
    except ValueError as error:
        raise op_value_error(
            name, f"shapes {np.shape(xv)} and {np.shape(yv)} cannot be broadcast together", x, y
        ) from error
    if state.stack and (tx is not None or ty is not None):
        if tx is ty and spec.code == K.FN_MUL:
            # x * x is recorded as square(x), bit for bit the same value: one backward
            # pass (g * 2x) instead of two products accumulated into the same adjoint.
            record_elementwise(K.FN_SQUARE, (tx,), out)
            return out
        shape = out.shape
        size = math.prod(shape)
        a = tx if tx is not None else xv
        b = ty if ty is not None else yv
        layout = _broadcast_layout(np.shape(xv), np.shape(yv), shape, size)
        if layout is None:
            a = _full_or_single(a, shape, size)
            b = _full_or_single(b, shape, size)
            layout = ()
        record_elementwise(spec.code, (a, b), out, layout)
    return out


def _broadcast_layout(x_shape: tuple[int, ...], w_shape: tuple[int, ...], shape: tuple[int, ...],
                      size: int) -> Optional[tuple[int, ...]]:
    """OP_BINARY's layout for operands of these shapes broadcast to ``shape``.

    () when each operand is full-size or size 1; (inner, x mode, w mode) when an
    operand is a row (it matches the trailing axes of ``shape``: a bias) or a column
    (it matches the leading axes: a per-row shift) of the output seen as
    (outer, inner), so no broadcast copy is recorded; None when an operand needs one
    (the broadcast is then recorded explicitly).
    """
    inner = 0
    modes = []
    for s in (x_shape, w_shape):
        count = math.prod(s)
        if count == size or count == 1:
            modes.append(K.BROADCAST_BY_SIZE)
            continue
        padded = (1,) * (len(shape) - len(s)) + tuple(s)
        used = [k for k, d in enumerate(padded) if d != 1]
        first, last = used[0], used[-1] + 1
        if padded[first:] == shape[first:]:
            mode, this_inner = K.BROADCAST_ROW, math.prod(shape[first:])
        elif padded[:last] == shape[:last]:
            mode, this_inner = K.BROADCAST_COLUMN, math.prod(shape[last:])
        else:
            return None
        if this_inner == 0 or (inner and this_inner != inner):
            return None
        inner = this_inner
        modes.append(mode)
    if not inner:
        return ()
    return (inner, modes[0], modes[1])


def _full_or_single(x: Any, shape: tuple[int, ...], size: int = -1) -> Any:
    """``x`` broadcast to ``shape`` (of ``size`` elements, if known) unless it already has that
    many elements or one."""
    if size < 0:
        size = math.prod(shape)
    x_size = x.size if isinstance(x, Tensor) else np.size(x)
    if x_size == 1 or x_size == size:
        return x
    if isinstance(x, Tensor):
        from .shape import broadcast_to

        return broadcast_to(x, shape)
    return np.broadcast_to(x, shape).copy()


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
    return a if (a != a or a >= b) else b


def _py_minimum(a: float, b: float) -> float:
    return a if (a != a or a <= b) else b


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


_UNARY_ROWS = [
    (K.FN_NEG, "negative", operator.neg, np.negative, lambda g, y, x: -g,
     "Elementwise -x. Derivative: -1."),
    (K.FN_SQUARE, "square", lambda x: x * x, np.square, lambda g, y, x: g * (2.0 * x),
     "Elementwise x**2. Derivative: 2x."),
    (K.FN_SQRT, "sqrt", math.sqrt, np.sqrt, lambda g, y, x: g * (0.5 / y),
     "Elementwise square root. Derivative: 0.5/sqrt(x) (inf at 0; NaN for x < 0)."),
    (K.FN_RECIPROCAL, "reciprocal", lambda x: 1.0 / x, np.reciprocal, lambda g, y, x: g * -(y * y),
     "Elementwise 1/x. Derivative: -1/x**2."),
    (K.FN_ABS, "abs", abs, np.abs, lambda g, y, x: g * sign(x),
     "Elementwise |x|. Derivative: sign(x); the subgradient at 0 is 0."),
    (K.FN_SIGN, "sign", _py_sign, np.sign, lambda g, y, x: _zeros_like(x),
     "Elementwise sign (-1, 0 or 1; NaN stays NaN). Derivative: 0 everywhere."),
    (K.FN_EXP, "exp", math.exp, np.exp, lambda g, y, x: g * y,
     "Elementwise e**x. Derivative: e**x."),
    (K.FN_EXPM1, "expm1", math.expm1, np.expm1, lambda g, y, x: g * (y + 1.0),
     "Elementwise e**x - 1, accurate near 0. Derivative: e**x."),
    (K.FN_LOG, "log", math.log, np.log, lambda g, y, x: g * (1.0 / x),
     "Elementwise natural logarithm (-inf at 0, NaN below). Derivative: 1/x."),
    (K.FN_LOG1P, "log1p", math.log1p, np.log1p, lambda g, y, x: g * (1.0 / (1.0 + x)),
     "Elementwise log(1 + x), accurate near 0. Derivative: 1/(1 + x)."),
    (K.FN_SIN, "sin", math.sin, np.sin, lambda g, y, x: g * cos(x),
     "Elementwise sine. Derivative: cos(x)."),
    (K.FN_COS, "cos", math.cos, np.cos, lambda g, y, x: g * -sin(x),
     "Elementwise cosine. Derivative: -sin(x)."),
    (K.FN_TAN, "tan", math.tan, np.tan, lambda g, y, x: g * (1.0 + y * y),
     "Elementwise tangent. Derivative: 1 + tan(x)**2."),
    (K.FN_ASIN, "asin", math.asin, np.arcsin, lambda g, y, x: g * (1.0 / sqrt(1.0 - x * x)),
     "Elementwise arcsine (NaN outside [-1, 1]). Derivative: 1/sqrt(1 - x**2)."),
    (K.FN_ACOS, "acos", math.acos, np.arccos, lambda g, y, x: g * (-1.0 / sqrt(1.0 - x * x)),
     "Elementwise arccosine (NaN outside [-1, 1]). Derivative: -1/sqrt(1 - x**2)."),
    (K.FN_ATAN, "atan", math.atan, np.arctan, lambda g, y, x: g * (1.0 / (1.0 + x * x)),
     "Elementwise arctangent. Derivative: 1/(1 + x**2)."),
    (K.FN_SINH, "sinh", math.sinh, np.sinh, lambda g, y, x: g * cosh(x),
     "Elementwise hyperbolic sine. Derivative: cosh(x)."),
    (K.FN_COSH, "cosh", math.cosh, np.cosh, lambda g, y, x: g * sinh(x),
     "Elementwise hyperbolic cosine. Derivative: sinh(x)."),
    (K.FN_TANH, "tanh", math.tanh, np.tanh, lambda g, y, x: g * (1.0 - y * y),
     "Elementwise hyperbolic tangent. Derivative: 1 - tanh(x)**2."),
    (K.FN_SIGMOID, "sigmoid", _py_sigmoid, _np_sigmoid, lambda g, y, x: g * (y * (1.0 - y)),
     "Elementwise logistic function 1/(1 + e**-x), computed without overflow. Derivative: s(1 - s)."),
    (K.FN_SOFTPLUS, "softplus", _py_softplus, _np_softplus, lambda g, y, x: g * sigmoid(x),
     "Elementwise log(1 + e**x), computed without overflow. Derivative: sigmoid(x)."),
    (K.FN_RELU, "relu", _py_relu, lambda x: np.maximum(x, 0), lambda g, y, x: _select(greater(x, 0.0), g),
     "Elementwise max(x, 0). Derivative: 1 for x > 0, else 0 (the subgradient at 0 is 0)."),
    (K.FN_IDENTITY, "identity", _identity, _identity, lambda g, y, x: g,
     "The same value, recorded as a new Tensor. Derivative: 1."),
    # recorded as data, never differentiated: the gradient through them is None
    (K.FN_STOP_GRADIENT, "stop_gradient", _identity, _identity, lambda g, y, x: None,
     "The same value, through which no gradient flows (the gradient is None, as in TensorFlow)."),
    (K.FN_FLOOR, "floor", lambda x: float(math.floor(x)), np.floor, lambda g, y, x: None,
     "Elementwise floor. Not differentiable: no gradient flows through it (None, as in TensorFlow)."),
    (K.FN_ISFINITE, "isfinite", lambda x: 1.0 if math.isfinite(x) else 0.0,
     lambda x: np.isfinite(x).astype(np.result_type(x, 0.0)), lambda g, y, x: None,
     "1.0 where x is finite, else 0.0 (a float mask). Not differentiable."),
]

_DOMAINS = {
    K.FN_SQRT: (0.1, 3.0), K.FN_LOG: (0.1, 3.0), K.FN_LOG1P: (-0.9, 3.0), K.FN_RECIPROCAL: (0.2, 3.0),
    K.FN_ASIN: (-0.9, 0.9), K.FN_ACOS: (-0.9, 0.9), K.FN_TAN: (-1.2, 1.2),
}
_KINKS = {K.FN_ABS: (0.0,), K.FN_RELU: (0.0,), K.FN_SIGN: (0.0,)}

_ops: dict[str, Callable[..., Tensor]] = {}
for _code, _name, _scalar, _ufunc, _vjp, _doc in _UNARY_ROWS:
    _spec = register_elementwise(Elementwise(
        _code, _name, 1, _scalar, _ufunc, _vjp, _doc, _DOMAINS.get(_code, (-2.0, 2.0)), _KINKS.get(_code, ())
    ))
    _ops[_name] = _unary_op(_spec)

negative = _ops["negative"]
square = _ops["square"]
sqrt = _ops["sqrt"]
reciprocal = _ops["reciprocal"]
absolute = _ops["abs"]
sign = _ops["sign"]
exp = _ops["exp"]
expm1 = _ops["expm1"]
log = _ops["log"]
log1p = _ops["log1p"]
sin = _ops["sin"]
cos = _ops["cos"]
tan = _ops["tan"]
asin = _ops["asin"]
acos = _ops["acos"]
atan = _ops["atan"]
sinh = _ops["sinh"]
cosh = _ops["cosh"]
tanh = _ops["tanh"]
sigmoid = _ops["sigmoid"]
softplus = _ops["softplus"]
relu = _ops["relu"]
identity = _ops["identity"]
stop_gradient_op = _ops["stop_gradient"]
floor = _ops["floor"]
isfinite = _ops["isfinite"]


# ---------------------------------------------------------------------------
# Binary rows (VJP argument order: cotangent, output, x, y; returns (gx, gy))
# ---------------------------------------------------------------------------
def _pow_vjp(g: Tensor, z: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    from .primitives import where

    positive = greater(a, 0.0)
    safe_a = where(positive, a, 1.0)  # keeps log's derivative finite where it is not selected
    log_a = where(positive, log(safe_a), 0.0)
    return g * (b * a ** (b - 1.0)), g * (z * log_a)


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


_BINARY_ROWS = [
    (K.FN_ADD, "add", operator.add, np.add, lambda g, z, a, b: (g, g),
     "Elementwise x + y with broadcasting. Derivatives: 1, 1."),
    (K.FN_SUB, "subtract", operator.sub, np.subtract, lambda g, z, a, b: (g, -g),
     "Elementwise x - y with broadcasting. Derivatives: 1, -1."),
    (K.FN_MUL, "multiply", operator.mul, np.multiply, lambda g, z, a, b: (g * b, g * a),
     "Elementwise x * y with broadcasting. Derivatives: y, x."),
    (K.FN_DIV, "divide", operator.truediv, np.divide, _div_vjp,
     "Elementwise x / y with broadcasting (x/0 is +-inf, 0/0 NaN). Derivatives: 1/y, -x/y**2."),
    (K.FN_POW, "pow", _py_pow, np.power, _pow_vjp,
     "Elementwise x ** y. Derivatives: y x**(y-1), and x**y log(x) where x > 0 (0 elsewhere)."),
    (K.FN_ATAN2, "atan2", math.atan2, np.arctan2, _atan2_vjp,
     "Elementwise arctan(y/x) with the quadrant of (x, y); called atan2(y, x). "
     "Derivatives: x/(x**2 + y**2), -y/(x**2 + y**2)."),
    (K.FN_MAXIMUM, "maximum", _py_maximum, np.maximum, _maximum_vjp,
     "Elementwise max with NaN propagation. The gradient goes to x where x >= y, else to y."),
    (K.FN_MINIMUM, "minimum", _py_minimum, np.minimum, _minimum_vjp,
     "Elementwise min with NaN propagation. The gradient goes to x where x <= y, else to y."),
    (K.FN_MOD, "mod", _py_mod, np.remainder, _mod_vjp,
     "Elementwise remainder with the divisor's sign, as NumPy's %. Derivatives: 1, -floor(x/y)."),
    # comparisons as 0.0/1.0 float masks (TensorFlow returns booleans): recorded as data, so
    # compiled tapes recompute them and nt.where(nt.greater(x, 0), a, b) needs no guard
    # (x > 0 gives NumPy bools, which a trace must guard); never differentiated
    (K.FN_GREATER, "greater", lambda a, b: 1.0 if a > b else 0.0, _float_mask(np.greater), _no_vjp,
     "1.0 where x > y, else 0.0. Not differentiable."),
    (K.FN_GREATER_EQUAL, "greater_equal", lambda a, b: 1.0 if a >= b else 0.0, _float_mask(np.greater_equal),
     _no_vjp, "1.0 where x >= y, else 0.0. Not differentiable."),
    (K.FN_LESS, "less", lambda a, b: 1.0 if a < b else 0.0, _float_mask(np.less), _no_vjp,
     "1.0 where x < y, else 0.0. Not differentiable."),
    (K.FN_LESS_EQUAL, "less_equal", lambda a, b: 1.0 if a <= b else 0.0, _float_mask(np.less_equal), _no_vjp,
     "1.0 where x <= y, else 0.0. Not differentiable."),
    (K.FN_EQUAL, "equal", lambda a, b: 1.0 if a == b else 0.0, _float_mask(np.equal), _no_vjp,
     "1.0 where x == y, else 0.0. Not differentiable."),
    (K.FN_NOT_EQUAL, "not_equal", lambda a, b: 1.0 if a != b else 0.0, _float_mask(np.not_equal), _no_vjp,
     "1.0 where x != y, else 0.0. Not differentiable."),
    (K.FN_FLOOR_DIVIDE, "floor_divide", operator.floordiv, np.floor_divide, _no_vjp,
     "Elementwise floor(x / y), as NumPy's and Python's //. Not differentiable: its gradient is None, "
     "as in TensorFlow."),
]
_BINARY_DOMAINS = {K.FN_POW: (0.2, 2.0), K.FN_DIV: (0.5, 2.0), K.FN_MOD: (0.3, 2.0)}
# One-sided rules, the same expressions as the rows' VJPs (see Elementwise.partials).
_PARTIALS = {
    K.FN_ADD: (lambda g, z, a, b: g, lambda g, z, a, b: g),
    K.FN_SUB: (lambda g, z, a, b: g, lambda g, z, a, b: -g),
    K.FN_MUL: (lambda g, z, a, b: g * b, lambda g, z, a, b: g * a),
    K.FN_DIV: (lambda g, z, a, b: g * (1.0 / b), lambda g, z, a, b: g * ((-a / b) / b)),
}

for _code, _name, _scalar, _ufunc, _vjp, _doc in _BINARY_ROWS:
    _spec = register_elementwise(Elementwise(
        _code, _name, 2, _scalar, _ufunc, _vjp, _doc, _BINARY_DOMAINS.get(_code, (-2.0, 2.0)),
        partials=_PARTIALS.get(_code),
    ))
    _ops[_name] = _binary_op(_spec)

_INTEGER_SAFE = {K.FN_ADD, K.FN_SUB, K.FN_MUL, K.FN_MAXIMUM, K.FN_MINIMUM, K.FN_MOD, K.FN_FLOOR_DIVIDE}

add = _ops["add"]
subtract = _ops["subtract"]
multiply = _ops["multiply"]
divide = _ops["divide"]
_power = _ops["pow"]


def power(x: TensorLike, y: TensorLike) -> Tensor:
    if (type(y) is int or type(y) is float) and y == 2:
        # as NumPy does: pow(x, 2) is exactly x * x, with the same derivative (bad x: pow's error)
        return square(float_operand(x, "pow"))
    return _power(x, y)


power.__name__ = power.__qualname__ = "pow"
power.__doc__ = (_power.__doc__ or "") + " A constant exponent 2 records ``square`` (faster, identical)."
atan2 = _ops["atan2"]
maximum = _ops["maximum"]
minimum = _ops["minimum"]
mod = _ops["mod"]
greater = _ops["greater"]
greater_equal = _ops["greater_equal"]
less = _ops["less"]
less_equal = _ops["less_equal"]
equal = _ops["equal"]
not_equal = _ops["not_equal"]
floor_divide = _ops["floor_divide"]


def clip_by_value(x: TensorLike, clip_value_min: TensorLike, clip_value_max: TensorLike) -> Tensor:
    """Clip x to [min, max]. The gradient passes where min <= x <= max (TensorFlow's rule)."""
    operands = (x, clip_value_min, clip_value_max)
    values = [_raw_operand(v, "clip_by_value")[1] for v in operands]  # all checked before maximum records
    integer = [_is_integer(v) for v in values]
    if any(integer) and not all(integer):
        raise op_type_error("clip_by_value", "expected float tensors (integer tensors are not differentiable)",
                            *operands)
    try:
        np.broadcast_shapes(*(np.shape(v) for v in values))
    except ValueError as error:
        shapes = ", ".join(str(np.shape(v)) for v in values)
        raise op_value_error("clip_by_value", f"shapes {shapes} cannot be broadcast together", *operands) from error
    return minimum(maximum(x, clip_value_min), clip_value_max)
