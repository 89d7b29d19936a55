"""Index maps: how the shape and indexing rows lower to gather, where and concat.

An op that only moves elements (flip, roll, rot90, take, diagonal, repeat, the edge,
reflect and symmetric modes of pad, ...) is ``y.flat = x.flat[map]`` for an index map
that depends on shapes and arguments only. The map is computed at record time by
applying the very NumPy function the op mirrors to the array of positions
``arange(x.size).reshape(x.shape)``: NumPy validates the arguments and fixes the
semantics (every axis, offset and mode it has), and the op records one
``gather_flat``, whose VJP scatter-adds (and whose VJP is a gather again: any order,
compiled on replay). Positions of the result that take no element of x (the zeros of
``tril``, the border of a constant ``pad``) are -1 in the map; a recorded ``where``
fills them with constants. Integer and bool tensors are data: their result is the
same gather computed on the values, never recorded.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .._state import state
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, wrap
from ..variable import Variable
from .primitives import as_tensor, gather_flat, where
from .shape import reshape


def positions(shape: Sequence[int]) -> np.ndarray:
    """``arange(size).reshape(shape)``: each element's flat position."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(tuple(shape))


def operand(x: TensorLike, op: str) -> Tensor:
    """``x`` as a Tensor (float, integer or bool), or a TypeError naming ``op``."""
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise op_type_error(op, "expected an array or a Tensor", x)
    return as_tensor(x, op)


def numpy_map(op: str, fn: Callable[..., Any], shape: Sequence[int], *args: Any, **kwargs: Any) -> Any:
    """``fn(positions(shape), *args, **kwargs)``, NumPy's errors raised as numtape's (naming ``op``)."""
    try:
        return fn(positions(shape), *args, **kwargs)
    except TypeError as error:
        raise op_type_error(op, f"{error} (a tensor of shape {tuple(shape)})") from None
    except (ValueError, IndexError) as error:  # AxisError is both
        raise op_value_error(op, f"{error} (a tensor of shape {tuple(shape)})") from None


def take_map(t: Tensor, index_map: Any, fill: Any = None) -> Tensor:
    """``t.flat[index_map]`` in ``index_map``'s shape; entries -1 take ``fill`` (a constant,
    broadcast to the map's shape) instead."""
    m = np.asarray(index_map, np.int64)
    outside = m < 0
    has_fill = fill is not None and bool(outside.any())
    if t.dtype.kind != "f":  # data: computed on the values, not recorded
        value = np.asarray(t._v).reshape(-1)[np.where(outside, 0, m)] if t.size else np.zeros(m.shape, t.dtype)
        if has_fill:
            value = np.where(outside, np.asarray(fill).astype(t.dtype), value)
        return wrap(np.asarray(value, t.dtype))
    if not has_fill:
        if m.size == t.size and np.array_equal(m.reshape(-1), np.arange(t.size)):
            return reshape(t, m.shape)  # the identity map: a reshape (a window), not a gather
        return gather_flat(t, m, m.shape)
    constant = np.ascontiguousarray(np.broadcast_to(np.asarray(fill, np.float64), m.shape)).astype(t.dtype)
    if not t.size:
        return wrap(constant)
    return where(~outside, gather_flat(t, np.where(outside, 0, m), m.shape), constant)


def index_array(indices: Any, op: str, what: str = "indices") -> np.ndarray:
    """Integer indices as an int64 array; a Tensor's value is guarded in an ``nt.function`` trace."""
    if isinstance(indices, Variable):
        indices = indices._read()
    if isinstance(indices, Tensor):
        if state.trace is not None:
            state.trace.value_escapes(indices, "index")
        indices = indices._v
    try:
        idx = np.asarray(indices)
    except (TypeError, ValueError) as error:
        raise op_type_error(op, f"{what} must be integers, got {indices!r}") from error
    if idx.dtype.kind not in "iu" and not (idx.dtype.kind == "f" and idx.size == 0):
        raise op_type_error(op, f"{what} must be integers, got dtype {idx.dtype}")
    return idx.astype(np.int64)


def static_int(value: Any, op: str, what: str) -> int:
    """A Python int argument (a shift, a count, an offset), or a TypeError naming ``op``."""
    if isinstance(value, Tensor):
        value = index_array(value, op, what)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise op_type_error(op, f"{what} must be an int, got {value!r}")
    return int(value)


def static_axes(axis: Any, op: str, what: str = "axis") -> Any:
    """``axis`` (None, an int or a sequence of ints; Tensors read as data) as NumPy takes it."""
    if axis is None:
        return None
    if isinstance(axis, (Tensor, Variable, np.ndarray)):
        axis = index_array(axis, op, what).tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(static_int(a, op, what) for a in axis)
    return static_int(axis, op, what)


def no_extras(op: str, **options: Any) -> None:
    """Refuse NumPy's ``out``/``dtype``-style options that Tensors do not take."""
    given = sorted(k for k, v in options.items() if v is not None)
    if given:
        raise op_type_error(op, f"{', '.join(given)} not supported on Tensors")
