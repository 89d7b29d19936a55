"""Creation ops: ones, zeros, fill, linspace, range.

They make constants, except from Tensors: ``fill`` and ``linspace`` of Tensor values are
recorded (a broadcast, and ``start + step * arange``), so gradients flow to the values as
in TensorFlow; ``range`` is not differentiable (as ``tf.range``), and under ``nt.function``
its Tensor arguments are guarded by exact value (``to_value``), so a replay never reuses
another range.
"""
from __future__ import annotations

import builtins
from typing import Any, Optional, Sequence, Union

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, _check_dtype, to_value, wrap
from ..variable import Variable
from .tf_signature import SAMPLE_MATRIX, tf_signature

ShapeLike = Union[int, Sequence[int]]


def _shape(shape: Any, op: str) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape.numpy()
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        dims: tuple[int, ...] = (int(shape),)
    else:
        try:
            dims = tuple(builtins.int(operator_index(d)) for d in shape)
        except TypeError as error:
            raise op_type_error(op, f"shape must be an int or a sequence of ints, got {shape!r}") from error
    if any(d < 0 for d in dims):
        raise op_value_error(op, f"shape {dims} has a negative dimension")
    return dims


def operator_index(d: Any) -> int:
    import operator

    if isinstance(d, float) or isinstance(d, bool):
        raise TypeError(f"{d!r} is not an integer")
    return operator.index(d)


def _dtype(dtype: Any, op: str) -> np.dtype:
    return _check_dtype(dtype, op) or np.dtype(np.float64)


def ones(shape: ShapeLike, dtype: Any = None) -> Tensor:
    """A Tensor of ones (float64 unless ``dtype`` says otherwise)."""
    return wrap(np.ones(_shape(shape, "ones"), _dtype(dtype, "ones")))


def zeros(shape: ShapeLike, dtype: Any = None) -> Tensor:
    """A Tensor of zeros (float64 unless ``dtype`` says otherwise)."""
    return wrap(np.zeros(_shape(shape, "zeros"), _dtype(dtype, "zeros")))


def _like(t: Any, op: str) -> Tensor:
    if isinstance(t, Variable):
        return t._t
    if isinstance(t, Tensor):
        return t
    return wrap(to_value(t, op))


@tf_signature("ones_like(input, dtype=None, name=None)", rename={"input": "t"}, differentiable=False,
              example=dict(input=SAMPLE_MATRIX, dtype="float32"), reference=lambda input, dtype: np.ones_like(input, dtype))
def ones_like(t: Any, dtype: Any = None) -> Tensor:
    """Ones with the shape (and dtype, unless given) of ``t``."""
    ref = _like(t, "ones_like")
    return wrap(np.ones(ref.shape, _check_dtype(dtype, "ones_like") or ref.dtype))


@tf_signature("zeros_like(input, dtype=None, name=None)", rename={"input": "t"}, differentiable=False,
              example=dict(input=SAMPLE_MATRIX), reference=lambda input: np.zeros_like(input))
def zeros_like(t: Any, dtype: Any = None) -> Tensor:
    """Zeros with the shape (and dtype, unless given) of ``t``."""
    ref = _like(t, "zeros_like")
    return wrap(np.zeros(ref.shape, _check_dtype(dtype, "zeros_like") or ref.dtype))


def fill(dims: ShapeLike, value: Any, dtype: Any = None) -> Tensor:
    """A Tensor of shape ``dims`` filled with ``value`` (differentiable in a Tensor value)."""
    shape = _shape(dims, "fill")
    if isinstance(value, Variable):
        value = value._read()
    wanted = _check_dtype(dtype, "fill")
    if isinstance(value, Tensor) and value.dtype.kind == "f" and (wanted is None or wanted == value.dtype):
        if value.ndim != 0:
            raise op_value_error("fill", f"value must be a scalar, got shape {value.shape}")
        from .shape import broadcast_to

        return broadcast_to(value, shape)
    v = to_value(value, "fill", dtype)
    if np.ndim(v) != 0:
        raise op_value_error("fill", f"value must be a scalar, got shape {np.shape(v)}")
    return wrap(np.full(shape, v, dtype=np.asarray(v).dtype))


def linspace(start: Any, stop: Any, num: int, dtype: Any = None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (differentiable in
    Tensor endpoints; the values are NumPy's: ``start + k * step``, the last one ``stop``)."""
    if not isinstance(num, (int, np.integer)) or isinstance(num, bool) or num < 0:
        raise op_type_error("linspace", f"num must be a non-negative int, got {num!r}")
    ends = [e._read() if isinstance(e, Variable) else e for e in (start, stop)]
    if any(isinstance(e, Tensor) and e.dtype.kind == "f" for e in ends):
        return _recorded_linspace(ends[0], ends[1], int(num), _check_dtype(dtype, "linspace"))
    a = to_value(start, "linspace")
    b = to_value(stop, "linspace")
    return wrap(np.linspace(a, b, int(num), dtype=_dtype(dtype, "linspace")))


def _recorded_linspace(start: Any, stop: Any, num: int, dtype: Optional[np.dtype]) -> Tensor:
    from .elementwise import float_operand
    from .shape import concat, reshape

    a = float_operand(start, "linspace")
    b = float_operand(stop, "linspace")
    if a.ndim or b.ndim:
        raise op_value_error("linspace", "Tensor endpoints must be scalars", a, b)
    dtype = dtype or np.result_type(a.dtype, b.dtype)
    if dtype != np.result_type(a.dtype, b.dtype):
        raise op_type_error("linspace", f"cannot make {dtype} values from {a.dtype} and {b.dtype} Tensor endpoints "
                            "(give dtype=None, or cast the endpoints)")
    if num == 0:
        return wrap(np.zeros(0, dtype))
    if num == 1:
        return reshape(a, (1,))
    steps = np.arange(num - 1, dtype=dtype)
    body = a + steps * ((b - a) / np.array(num - 1, dtype))
    return concat([body, reshape(b, (1,))], 0)


def range(start: Any, limit: Optional[Any] = None, delta: Any = 1, dtype: Any = None) -> Tensor:
    """Values from ``start`` (inclusive) to ``limit`` (exclusive) in steps of ``delta``.

    As ``tf.range``: ``range(5)`` is 0..4. The dtype is float64 unless given.
    """
    if limit is None:
        start, limit = 0, start
    values = [to_value(v, "range") for v in (start, limit, delta)]
    for name, v in zip(("start", "limit", "delta"), values):
        if np.ndim(v) != 0:
            raise op_value_error("range", f"{name} must be a scalar, got shape {np.shape(v)}")
    a, b, d = (float(v) for v in values)
    if d == 0:
        raise op_value_error("range", "delta must not be zero")
    return wrap(np.arange(a, b, d).astype(_dtype(dtype, "range")))
