"""How an elementwise row becomes a public op: operand conversion, the scalar fast path, the
array path and recording.

Each op built here has a fast path for float64 scalars (Python floats and the ``math``
module, no NumPy), which is what makes scalar loops cheap to record, and a general
path for arrays, float32 and NumPy broadcasting. Both compute the value first and
record last. A binary op on broadcast operands records its broadcast layout (a row
or a column of the output) instead of a broadcast copy where it can.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from .._fpstate import quietly
from .._kernels import sweep as K
from .._state import state
from ..errors import op_type_error, op_value_error
from ..tape.recorder import record_binary, record_entry, record_unary
from ..tensor import Tensor, TensorLike, as_operand, contains_tensors, to_value, wrap
from ..variable import Variable
from .registry import Elementwise

_new = object.__new__
_MATH_ERRORS = (ValueError, OverflowError, ZeroDivisionError)


# ---------------------------------------------------------------------------
# Operand conversion
# ---------------------------------------------------------------------------
def float_operand(x: Any, op: str) -> Tensor:
    """``x`` as a float Tensor (constants are wrapped, not recorded; a list holding Tensors is
    packed by a recorded stack: ``tensor.as_operand``)."""
    t = as_operand(x, op)
    if t.dtype.kind != "f":
        raise op_type_error(op, f"expected a float tensor, got dtype {t.dtype}", x)
    return t


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
    if isinstance(x, (list, tuple)) and contains_tensors(x):
        t = as_operand(x, op)  # packed by a recorded stack, so its elements get their gradients
        return t, t._v
    return None, to_value(x, op)


def _is_integer(v: Any) -> bool:
    return type(v) is not float and np.asarray(v).dtype.kind in "iub"


# ---------------------------------------------------------------------------
# Op factories
# ---------------------------------------------------------------------------
def unary_op(spec: Elementwise) -> Callable[[TensorLike], Tensor]:
    code, scalar, ufunc = spec.code, spec.scalar, spec.ufunc

    def op(x: TensorLike, name: Optional[str] = None) -> Tensor:  # name: TensorFlow's, ignored
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
    if spec.float32_numpy and type(out._v) is np.float32:
        out._v = _rounded_scalar(spec, t._v)
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


def binary_op(spec: Elementwise) -> Callable[[TensorLike, TensorLike], Tensor]:
    code, scalar, ufunc = spec.code, spec.scalar, spec.ufunc

    def op(x: TensorLike, y: TensorLike, name: Optional[str] = None) -> Tensor:  # name: ignored, as TF
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


def _rounded_scalar(spec: Elementwise, *operands: Any) -> np.float32:
    """A 0-d float32 result of a ``float32_numpy`` row, as a replay computes it: the row's
    float64 formula on the float32 operands, rounded once. NumPy's float32 loop is not
    correctly rounded, and a scalar replay entry cannot call NumPy without a round trip
    through Python per entry (arrays can: compiled.py ``_numpy_entries``)."""
    args = [float(np.float32(v)) for v in operands]
    try:
        v = spec.scalar(*args)
    except _MATH_ERRORS:
        v = float(quietly(spec.ufunc, *[np.float64(a) for a in args]))
    return quietly(np.float32, v)


def _as_computed(constant: Any, out: Tensor) -> Any:
    """A constant operand as the ufunc used it: NumPy 2 casts a Python float next to float32
    operands to float32 (NEP 50), so a replay must see the rounded value (0.1 is not float32)."""
    if out.dtype == np.float32 and np.asarray(constant).dtype != np.float32:
        return np.asarray(constant, np.float32)
    return constant


def _binary_general(spec: Elementwise, x: Any, y: Any) -> Tensor:
    name = spec.name
    tx, xv = _raw_operand(x, name)
    ty, yv = _raw_operand(y, name)
    x_int, y_int = _is_integer(xv), _is_integer(yv)
    if x_int or y_int:
        if x_int and y_int and spec.integer_safe:
            return wrap(quietly(spec.ufunc, xv, yv))
        raise op_type_error(name, "expected float tensors (integer tensors are not differentiable)", x, y)
    try:
        out = wrap(quietly(spec.ufunc, xv, yv))
    except ValueError as error:
        raise op_value_error(
            name, f"shapes {np.shape(xv)} and {np.shape(yv)} cannot be broadcast together", x, y
        ) from error
    if spec.float32_numpy and type(out._v) is np.float32:
        out._v = _rounded_scalar(spec, xv, yv)
    if state.stack and (tx is not None or ty is not None):
        if tx is ty and spec.code == K.FN_MUL:
            # x * x is recorded as square(x), bit for bit the same value: one backward
            # pass (g * 2x) instead of two products accumulated into the same adjoint.
            record_elementwise(K.FN_SQUARE, (tx,), out)
            return out
        shape = out.shape
        size = math.prod(shape)
        a = tx if tx is not None else _as_computed(xv, out)
        b = ty if ty is not None else _as_computed(yv, out)
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
