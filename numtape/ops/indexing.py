"""Indexing rows: ``take``, ``take_along_axis``, ``put_along_axis`` (functional), ``where``
and ``diff``, with NumPy's signatures.

``take`` and ``take_along_axis`` are gathers whose index map is the NumPy function
applied to the elements' positions (so ``mode='wrap'/'clip'`` and negative indices are
NumPy's); repeated indices accumulate their gradients. ``put_along_axis`` returns a
new Tensor: a map says which element of ``values`` (broadcast to the indices) lands
at each place, the last write winning as in NumPy, and a recorded ``where`` takes
``values`` there and ``arr`` elsewhere, so both get their gradients. Three-argument
``where`` is the ``where`` primitive; one-argument ``where`` gives indices as data
(NumPy's tuple of arrays for ``np.where``, TensorFlow's ``(n, rank)`` int64 Tensor for
``nt.where``), guarded in a trace on the truth values it read. ``diff`` is differences
of windows, n times, after joining ``prepend``/``append``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._state import state
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, wrap
from ..variable import Variable
from . import primitives
from .index_maps import index_array, no_extras, numpy_map, operand, positions, static_int, take_map
from .registry import Case, composite
from .shape import broadcast_to, getitem, join, normalize_axis

_GATHER = "a gather: repeated indices accumulate their cotangents"


@composite(numpy=(np.take,), convention=_GATHER, cases=(
    Case(((5,),), dict(indices=np.array([4, 0, 0, -1]))),
    Case(((3, 4),), dict(indices=np.array([[1, 0], [2, 2]]), axis=1)),
    Case(((2, 3, 4),), dict(indices=np.array([0, 2]), axis=-2)),
    Case(((3, 4),), dict(indices=np.array([3, 7, 11]))),
    Case(((4,),), dict(indices=np.array([5, -6]), mode="wrap")),
    Case(((4,),), dict(indices=np.array([9, -3]), mode="clip"))))
def take(a: TensorLike, indices: Any, axis: Optional[int] = None, out: None = None, mode: str = "raise") -> Tensor:
    """Elements of ``a`` (flattened when ``axis`` is None) at ``indices`` along ``axis``."""
    no_extras("take", out=out)
    if mode not in ("raise", "wrap", "clip"):
        raise op_value_error("take", f"mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    t = operand(a, "take")
    idx = index_array(indices, "take")
    ax = None if axis is None else static_int(axis, "take", "axis")
    return take_map(t, numpy_map("take", np.take, t.shape, idx, axis=ax, mode=mode))


@composite(numpy=(np.take_along_axis,), convention=_GATHER, cases=(
    Case(((5,),), dict(indices=np.array([4, 1, 1]), axis=0)),
    Case(((3, 4),), dict(indices=np.array([[0, 3], [1, 1], [2, 0]]), axis=1)),
    Case(((3, 4),), dict(indices=np.array([[2, 0, 1, 0]]), axis=0)),
    Case(((2, 3, 2),), dict(indices=np.array([[[1], [0], [2]]]).reshape(1, 3, 1).repeat(2, 2), axis=-2))))
def take_along_axis(arr: TensorLike, indices: Any, axis: Optional[int] = -1) -> Tensor:
    """Elements at ``indices`` along ``axis``, the other axes matched (broadcast) with the indices'."""
    t = operand(arr, "take_along_axis")
    idx = index_array(indices, "take_along_axis")
    ax = None if axis is None else static_int(axis, "take_along_axis", "axis")
    return take_map(t, numpy_map("take_along_axis", np.take_along_axis, t.shape, idx, ax))


def _put_reference(arr: np.ndarray, indices: Any, values: Any, axis: Optional[int]) -> np.ndarray:
    result = np.array(arr, copy=True)
    np.put_along_axis(result, indices, values, axis)
    return result


@composite(numpy=(np.put_along_axis,), reference=_put_reference,
           convention="where a value is put, the cotangent goes to that value (summed over the places "
                      "a broadcast value fills), elsewhere to arr; a place written twice keeps the last write",
           cases=(
    Case(((5,),), dict(indices=np.array([4, 0]), values=np.array([7.0, -1.0]), axis=0)),
    Case(((3, 4),), dict(indices=np.array([[1], [0], [3]]), values=2.5, axis=1)),
    Case(((3, 4),), dict(indices=np.array([[2, 0, 1, 1]]), values=np.array([[1.0, 2.0, 3.0, 4.0]]), axis=0)),
    Case(((2, 3),), dict(indices=np.array([1, 4]), values=np.array([0.5, 0.25]), axis=None))))
def put_along_axis(arr: TensorLike, indices: Any, values: TensorLike, axis: Optional[int]) -> Tensor:
    """A new Tensor: ``arr`` with ``values`` put at ``indices`` along ``axis`` (NumPy's
    ``put_along_axis``, without modifying ``arr``); differentiable in ``arr`` and in ``values``."""
    t = operand(arr, "put_along_axis")
    idx = index_array(indices, "put_along_axis")
    v = operand(values, "put_along_axis")
    if t.dtype.kind == "f" and v.dtype.kind == "f" and v.dtype != t.dtype and isinstance(values, (Tensor, Variable)):
        raise op_type_error("put_along_axis", f"values of dtype {v.dtype} into arr of dtype {t.dtype}", t, v)
    if v.dtype != t.dtype:  # a constant (or integer data): NumPy casts it into arr's dtype
        v = wrap(np.asarray(v._v).astype(t.dtype))
    ax = None if axis is None else static_int(axis, "put_along_axis", "axis")
    target = idx if ax is not None else idx.reshape(-1)
    try:
        sources = np.broadcast_to(positions(v.shape), target.shape)
    except ValueError:
        raise op_value_error("put_along_axis", f"values of shape {v.shape} do not broadcast to the indices' "
                                               f"shape {idx.shape}", t, v) from None
    chosen = np.full(t.shape, -1, np.int64)
    try:
        np.put_along_axis(chosen, idx, sources, ax)
    except (ValueError, IndexError) as error:
        raise op_value_error("put_along_axis", f"{error} (arr of shape {t.shape})", t) from None
    if t.dtype.kind != "f":
        kept = np.where(chosen < 0, np.asarray(t._v), np.asarray(v._v).reshape(-1)[np.maximum(chosen, 0)])
        return wrap(kept.astype(t.dtype))
    if not v.size:
        return t
    put = primitives.gather_flat(v, np.maximum(chosen, 0), t.shape)
    return primitives.where(chosen >= 0, put, t)


def _condition(condition: Any, op: str) -> np.ndarray:
    """A condition's truth values (data); in a trace they are guarded."""
    if isinstance(condition, Variable):
        condition = condition._read()
    if isinstance(condition, Tensor):
        if state.trace is not None:
            state.trace.value_escapes(condition, "bool")
        condition = condition._v
    if condition is None or isinstance(condition, (str, bytes)):
        raise op_type_error(op, "condition must be a boolean array", condition)
    cond = np.asarray(condition)
    if cond.dtype.kind not in "biuf":
        raise op_type_error(op, f"condition must be a boolean array, got dtype {cond.dtype}")
    return cond != 0


_MISSING = object()


def _three_arguments(op: str, condition: Any, x: Any, y: Any) -> Optional[Any]:
    given = [v for v in (x, y) if v is not _MISSING and v is not None]
    if len(given) == 1:
        raise op_type_error(op, "either both or neither of x and y should be given", *given)
    if not given:
        return None
    if isinstance(condition, Variable):
        condition = condition._read()
    return primitives.where(condition, x, y)


@composite(numpy=(np.where,), convention="the cotangent goes to x where the condition holds, else to y; "
                                          "the condition is data", cases=(
    Case(((4,), (4,)), const=(np.array([True, False, False, True]),)),
    Case(((2, 3), (3,)), const=(np.array([[True, False, True], [False, False, True]]),)),
    Case(((2, 1, 3), (4, 1)), const=(np.array([True, False, True]),))))
def numpy_where(condition: Any, x: Any = _MISSING, y: Any = _MISSING) -> Any:
    """NumPy's ``where`` (``np.where`` on Tensors): ``x`` where ``condition`` holds, else ``y``
    (differentiable in x and y); with the condition alone, the tuple of its nonzero indices
    (int64 NumPy arrays, as ``np.nonzero``)."""
    result = _three_arguments("numpy_where", condition, x, y)
    if result is not None:
        return result
    return np.nonzero(_condition(condition, "numpy_where"))


@composite(reference=np.where, convention="the cotangent goes to x where the condition holds, else to y; "
                                           "the condition is data", cases=(
    Case(((4,), (4,)), const=(np.array([True, False, False, True]),)),
    Case(((2, 3), ()), const=(np.array([[True, False, True], [False, False, True]]),))))
def where(condition: Any, x: Any = _MISSING, y: Any = _MISSING, name: Optional[str] = None) -> Any:
    """TensorFlow's ``where``: ``x`` where ``condition`` holds, else ``y``, with broadcasting
    (differentiable in x and y); with the condition alone, the coordinates of its true
    elements as an ``(n, rank)`` int64 Tensor (data)."""
    result = _three_arguments("where", condition, x, y)
    if result is not None:
        return result
    cond = _condition(condition, "where")
    return wrap(np.ascontiguousarray(np.argwhere(cond), np.int64))


def _joined(t: Tensor, extra: Any, axis: int, op: str) -> list[Tensor]:
    """``prepend``/``append`` as pieces along ``axis`` (a scalar is broadcast across it)."""
    if isinstance(extra, (int, float)) and not isinstance(extra, bool):
        extra = np.asarray(extra, t.dtype if t.dtype.kind == "f" else None)  # a weak scalar: t's dtype
    e = operand(extra, op)
    if e.ndim == 0:
        e = broadcast_to(e, t.shape[:axis] + (1,) + t.shape[axis + 1 :])
    return [e]


@composite(numpy=(np.diff,), convention="differences of windows; the cotangent is their adjoint", cases=(
    Case(((5,),)), Case(((3, 4),), dict(axis=0)), Case(((2, 5, 3),), dict(n=2, axis=-2)),
    Case(((4,),), dict(n=3)), Case(((3, 4),), dict(prepend=0.5, append=2.0))))
def diff(a: TensorLike, n: int = 1, axis: int = -1, prepend: Any = _MISSING, append: Any = _MISSING) -> Tensor:
    """The n-th discrete difference along ``axis``: ``a[1:] - a[:-1]``, n times, after joining
    ``prepend`` and ``append`` (differentiable too)."""
    t = operand(a, "diff")
    count = static_int(n, "diff", "n")
    if count < 0:
        raise op_value_error("diff", f"order must be non-negative, got n={count}", t)
    if count == 0:
        return t
    if t.ndim == 0:
        raise op_value_error("diff", "needs a tensor of rank >= 1", t)
    ax = normalize_axis(axis, t.ndim, "diff")
    pieces = [] if prepend is _MISSING else _joined(t, prepend, ax, "diff")
    pieces.append(t)
    if append is not _MISSING:
        pieces += _joined(t, append, ax, "diff")
    if len(pieces) > 1:
        t = join(pieces, ax, "diff")
    lead = (slice(None),) * ax
    for _ in range(count):
        if t.shape[ax] == 0:
            break
        if t.dtype.kind == "b":
            t = wrap(np.not_equal(getitem(t, lead + (slice(1, None),))._v, getitem(t, lead + (slice(None, -1),))._v))
        else:
            t = getitem(t, lead + (slice(1, None),)) - getitem(t, lead + (slice(None, -1),))
    return t
