"""TensorFlow's data ops, as composite rows that are not differentiated (their gradient is None):
``one_hot``, ``reduce_all``, ``reduce_any``, ``argmax``, ``argmin``, ``size``, ``shape``, ``rank``.

They compute from the values in NumPy and return integer, boolean or constant float
Tensors. A value read from a Tensor an ``nt.function`` trace recorded is guarded
exactly (``_note_escape``), so a replay never reuses an index computed from other
inputs: new values retrace. ``size``/``shape``/``rank`` read only the static shape.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, _check_dtype, _note_escape, as_operand, to_value, wrap
from .reduce import Axis, _axes
from .registry import Case, composite
from .shape import normalize_axis


def read_value(x: Any, op: str) -> np.ndarray:
    """The value of ``x`` as an ndarray; a trace guards it exactly (it reaches Python)."""
    t = as_operand(x, op)
    _note_escape(t, "str")
    return np.asarray(t._v)


_INDICES = (Case((), dict(depth=4), const=(np.array([0, 2, 1, 3]),)),
            Case((), dict(depth=3, axis=0), const=(np.array([[0, 2], [1, -1]]),)),
            Case((), dict(depth=3, on_value=5.0, off_value=-1.0), const=(np.array(1),)))


def _np_one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None, axis: Any = None,
                dtype: Any = None) -> np.ndarray:
    indices = np.asarray(indices)
    hot = indices[..., None] == np.arange(depth)
    out = np.where(hot, 1.0 if on_value is None else on_value, 0.0 if off_value is None else off_value)
    return np.moveaxis(out, -1, -1 if axis is None else axis).astype(dtype or np.float32)


@composite(cases=_INDICES, differentiable=False, reference=_np_one_hot,
           convention="data: an index outside [0, depth) gives a row of off_value (TensorFlow); float32 by default")
def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None, axis: Optional[int] = None,
            dtype: Any = None) -> Tensor:
    """on_value where the last (or ``axis``) index equals ``indices``, else off_value (TensorFlow's one_hot)."""
    index = read_value(indices, "one_hot") if isinstance(indices, Tensor) or hasattr(indices, "_read") \
        else np.asarray(indices)
    if index.dtype.kind not in "iu":
        raise op_type_error("one_hot", f"indices must be integers, got dtype {index.dtype}", indices)
    if not isinstance(depth, (int, np.integer)) or isinstance(depth, bool) or depth < 0:
        raise op_value_error("one_hot", f"depth must be a non-negative integer, got {depth!r}")
    out_axis = -1 if axis is None else normalize_axis(axis, index.ndim + 1, "one_hot")
    wanted = _check_dtype(dtype, "one_hot") or np.dtype(np.float32)
    on = to_value(1 if on_value is None else on_value, "one_hot", wanted)
    off = to_value(0 if off_value is None else off_value, "one_hot", wanted)
    hot = index[..., None] == np.arange(int(depth))
    return wrap(np.moveaxis(np.where(hot, on, off).astype(wanted), -1, out_axis))


_REDUCTIONS = (Case(((5,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3),), dict(axis=0, keepdims=True)))


def _logical(x: TensorLike, axis: Axis, keepdims: bool, op: str, np_fn: Any) -> Tensor:
    v = read_value(x, op)
    return wrap(np.asarray(np_fn(v, axis=_axes(axis, v.ndim, op), keepdims=bool(keepdims))))


@composite(cases=_REDUCTIONS, differentiable=False, reference=np.all,
           convention="data: a boolean Tensor (nonzero counts as true)")
def reduce_all(input_tensor: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Logical and over ``axis`` (all axes when None), as a boolean Tensor."""
    return _logical(input_tensor, axis, keepdims, "reduce_all", np.all)


@composite(cases=_REDUCTIONS, differentiable=False, reference=np.any,
           convention="data: a boolean Tensor (nonzero counts as true)")
def reduce_any(input_tensor: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Logical or over ``axis`` (all axes when None), as a boolean Tensor."""
    return _logical(input_tensor, axis, keepdims, "reduce_any", np.any)


_ARG_CASES = (Case(((5,),)), Case(((2, 3),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=-1)))


def _arg(x: TensorLike, axis: Any, output_type: Any, op: str, np_fn: Any) -> Tensor:
    v = read_value(x, op)
    if v.ndim == 0:
        raise op_value_error(op, "input must have at least one axis", x)
    a = normalize_axis(0 if axis is None else axis, v.ndim, op)
    wanted = _check_dtype(output_type, op) or np.dtype(np.int64)
    if wanted.kind not in "iu":
        raise op_type_error(op, f"output_type must be an integer type, got {wanted}")
    return wrap(np.asarray(np_fn(v, axis=a)).astype(wanted))


@composite(cases=_ARG_CASES, differentiable=False,
           reference=lambda x, axis=None: np.argmax(x, axis=0 if axis is None else axis),
           convention="data: the first maximum's index along axis (TensorFlow's default axis 0), int64")
def argmax(input: TensorLike, axis: Optional[int] = None, output_type: Any = "int64") -> Tensor:
    """Index of the largest value along ``axis`` (0 by default, as TensorFlow)."""
    return _arg(input, axis, output_type, "argmax", np.argmax)


@composite(cases=_ARG_CASES, differentiable=False,
           reference=lambda x, axis=None: np.argmin(x, axis=0 if axis is None else axis),
           convention="data: the first minimum's index along axis (TensorFlow's default axis 0), int64")
def argmin(input: TensorLike, axis: Optional[int] = None, output_type: Any = "int64") -> Tensor:
    """Index of the smallest value along ``axis`` (0 by default, as TensorFlow)."""
    return _arg(input, axis, output_type, "argmin", np.argmin)


_SHAPE_CASES = (Case(((),)), Case(((5,),)), Case(((2, 3),)))


def _static_shape(x: Any, op: str) -> tuple[int, ...]:
    return as_operand(x, op).shape


def _out_type(out_type: Any, op: str) -> np.dtype:
    wanted = _check_dtype(out_type, op)
    if wanted is None or wanted.kind not in "iu":
        raise op_type_error(op, f"out_type must be an integer type, got {out_type!r}")
    return wanted


@composite(cases=_SHAPE_CASES, differentiable=False, reference=lambda x: np.int32(np.size(x)),
           convention="data: the number of elements, an int32 Tensor")
def size(input: TensorLike, out_type: Any = "int32") -> Tensor:
    """The number of elements, as a 0-d integer Tensor (TensorFlow's tf.size)."""
    return wrap(np.array(int(np.prod(_static_shape(input, "size"))), _out_type(out_type, "size")))


@composite(cases=_SHAPE_CASES, differentiable=False, reference=lambda x: np.array(np.shape(x), np.int32),
           convention="data: the shape, a 1-d int32 Tensor")
def shape(input: TensorLike, out_type: Any = "int32") -> Tensor:
    """The shape, as a 1-d integer Tensor (TensorFlow's tf.shape; ``t.shape`` is the tuple)."""
    return wrap(np.array(_static_shape(input, "shape"), _out_type(out_type, "shape")).reshape(-1))


@composite(cases=_SHAPE_CASES, differentiable=False, reference=lambda x: np.int32(np.ndim(x)),
           convention="data: the number of axes, an int32 Tensor")
def rank(input: TensorLike) -> Tensor:
    """The number of axes, as a 0-d int32 Tensor (TensorFlow's tf.rank)."""
    return wrap(np.array(len(_static_shape(input, "rank")), np.int32))
