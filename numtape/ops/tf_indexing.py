"""TensorFlow's indexing ops: ``nt.boolean_mask``, ``nt.gather_nd``, ``nt.scatter_nd`` and
``nt.math.top_k`` (also ``nt.nn.top_k``).

Each computes an index map from the shapes and the (data) indices at record time, by
indexing the array of flat positions ``arange(size).reshape(shape)`` as the op indexes
its values (numtape/ops/index_maps.py), and records one ``gather`` (``scatter_add`` for
``scatter_nd``, whose repeated indices add up, as TensorFlow's). Indices and masks given
as Tensors are guarded exactly in an ``nt.function`` trace.

``top_k`` sorts the last axis with a stable descending sort (ties: the lower index first,
as TensorFlow) and gathers the first ``k`` values, so the cotangent of each value goes to
the element it came from; the indices are data (int32). In a trace, the order is guarded
strictly: consecutive sorted values must compare as they did (``>=`` where the tie order
agrees with the index order, ``>`` elsewhere), so a replay reuses the indices only where a
new sort would give exactly them.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Optional

import numpy as np

from .._state import state
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .index_maps import index_array, operand, positions, static_int, take_map
from .primitives import gather_flat, scatter_add_flat
from .registry import Case, composite
from .shape import getitem

TopKV2 = namedtuple("TopKV2", ["values", "indices"])


# ---------------------------------------------------------------------------
# boolean_mask
# ---------------------------------------------------------------------------
def _mask_array(mask: Any, op: str) -> np.ndarray:
    if isinstance(mask, Tensor):
        if state.trace is not None:
            state.trace.value_escapes(mask, "bool")
        mask = mask._v
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise op_type_error(op, f"mask must be boolean, got dtype {m.dtype}")
    return m


def _np_boolean_mask(tensor: Any, mask: Any, axis: Optional[int] = None) -> np.ndarray:
    tensor, mask = np.asarray(tensor), np.asarray(mask)
    a = 0 if axis is None else axis % tensor.ndim
    moved = tensor.reshape(tensor.shape[:a] + (-1,) + tensor.shape[a + mask.ndim:])
    return np.compress(mask.reshape(-1), moved, axis=a)


_MASK_1 = np.array([True, False, True, True])
_MASK_2 = np.array([[True, False, True], [False, True, True]])


@composite(reference=_np_boolean_mask, cases=(
    Case(((4,),), pack=lambda t: (t, _MASK_1)), Case(((4, 3),), pack=lambda t: (t, _MASK_1)),
    Case(((2, 3, 2),), pack=lambda t: (t, _MASK_2)), Case(((2, 4),), dict(axis=1), pack=lambda t: (t, _MASK_1))),
           convention="a gather of the selected elements: their cotangent goes back, the others get 0")
def boolean_mask(tensor: TensorLike, mask: Any, axis: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """The elements (rows) of ``tensor`` where the K-d boolean ``mask`` holds; the mask covers axes
    ``axis .. axis + K - 1`` (from 0 by default), which become one axis (TensorFlow's boolean_mask)."""
    t = operand(tensor, "boolean_mask")
    m = _mask_array(mask, "boolean_mask")
    a = 0 if axis is None else static_int(axis, "boolean_mask", "axis")
    a = a + t.ndim if a < 0 else a
    if m.ndim == 0 or not 0 <= a <= t.ndim - m.ndim or t.shape[a:a + m.ndim] != m.shape:
        raise op_value_error("boolean_mask", f"mask of shape {m.shape} must match the axes of tensor from axis "
                                             f"{axis if axis is not None else 0}", t)
    grouped = positions(t.shape).reshape(t.shape[:a] + (-1,) + t.shape[a + m.ndim:])
    return take_map(t, np.compress(m.reshape(-1), grouped, axis=a))


# ---------------------------------------------------------------------------
# gather_nd / scatter_nd
# ---------------------------------------------------------------------------
def _nd_map(shape: tuple[int, ...], indices: np.ndarray, batch_dims: int, op: str) -> np.ndarray:
    """The flat positions in ``shape`` that ``indices`` (..., m) address, batch_dims leading axes shared."""
    if indices.ndim < 1 or batch_dims < 0 or batch_dims >= indices.ndim or batch_dims > len(shape):
        raise op_value_error(op, f"indices of shape {indices.shape} need rank > batch_dims = {batch_dims} and "
                                 f"batch_dims <= rank of the tensor of shape {shape}")
    depth = indices.shape[-1]
    if shape[:batch_dims] != indices.shape[:batch_dims] or depth > len(shape) - batch_dims:
        raise op_value_error(op, f"indices of shape {indices.shape} do not index a tensor of shape {shape} "
                                 f"with batch_dims={batch_dims}")
    dims = shape[batch_dims:batch_dims + depth]
    if indices.size and (indices.min() < 0 or np.any(indices >= np.asarray(dims, np.int64))):
        raise op_value_error(op, f"indices out of range for the axes {dims} of a tensor of shape {shape}")
    lead = indices.shape[:-1]
    grids = [np.arange(n).reshape((1,) * j + (n,) + (1,) * (len(lead) - j - 1)) for j, n in
             enumerate(shape[:batch_dims])]
    return positions(shape)[tuple(grids) + tuple(indices[..., j] for j in range(depth))]


def _np_gather_nd(params: Any, indices: Any, batch_dims: int = 0) -> np.ndarray:
    params, indices = np.asarray(params), np.asarray(indices)
    lead = indices.shape[:-1]
    out = np.empty(lead + params.shape[batch_dims + indices.shape[-1]:], params.dtype)
    for i in np.ndindex(lead):
        out[i] = params[tuple(i[:batch_dims]) + tuple(indices[i])]
    return out


_ND_INDICES = np.array([[1, 0], [0, 2], [1, 0]])
_BATCH_INDICES = np.array([[[2], [0]], [[1], [1]]])


@composite(reference=_np_gather_nd, cases=(
    Case(((2, 3),), pack=lambda p: (p, _ND_INDICES)), Case(((2, 3, 2),), pack=lambda p: (p, _ND_INDICES)),
    Case(((3, 2),), pack=lambda p: (p, np.array([[2], [0]]))),
    Case(((2, 3, 2),), dict(batch_dims=1), pack=lambda p: (p, _BATCH_INDICES))),
           convention="a gather: repeated indices add their cotangents")
def gather_nd(params: TensorLike, indices: Any, batch_dims: int = 0, name: Optional[str] = None) -> Tensor:
    """Slices of ``params`` at the index vectors of ``indices``' last axis (TensorFlow's gather_nd);
    the first ``batch_dims`` axes of both are batch axes."""
    t = operand(params, "gather_nd")
    index_map = _nd_map(t.shape, index_array(indices, "gather_nd"), static_int(batch_dims, "gather_nd", "batch_dims"),
                        "gather_nd")
    return take_map(t, index_map)


def _np_scatter_nd(indices: Any, updates: Any, shape: Any) -> np.ndarray:
    indices, updates = np.asarray(indices), np.asarray(updates)
    out = np.zeros(tuple(shape), updates.dtype)
    for i in np.ndindex(indices.shape[:-1]):
        out[tuple(indices[i])] += updates[i]
    return out


@composite(reference=_np_scatter_nd, cases=(
    Case(((3,),), dict(shape=(2, 3)), const=(_ND_INDICES,)), Case(((3, 4),), dict(shape=(2, 3, 4)), const=(_ND_INDICES,)),
    Case(((2, 3),), dict(shape=(4, 3)), const=(np.array([[3], [1]]),))),
           convention="linear in updates: each update's cotangent is the output's at its index (gathered)")
def scatter_nd(indices: Any, updates: TensorLike, shape: Any, name: Optional[str] = None) -> Tensor:
    """Zeros of ``shape`` with ``updates`` added at the index vectors of ``indices`` (repeated
    indices add up), TensorFlow's scatter_nd. Differentiable in ``updates``."""
    u = operand(updates, "scatter_nd")
    dims = tuple(int(d) for d in index_array(shape, "scatter_nd", "shape").reshape(-1))
    if any(d < 0 for d in dims):
        raise op_value_error("scatter_nd", f"shape {dims} must be non-negative", u)
    index_map = _nd_map(dims, index_array(indices, "scatter_nd"), 0, "scatter_nd")
    if index_map.shape != u.shape:
        raise op_value_error("scatter_nd", f"updates must have shape {index_map.shape} (indices.shape[:-1] + "
                                           f"shape[indices.shape[-1]:]), got {u.shape}", u)
    if u.dtype.kind != "f":  # data
        out = np.zeros(dims, u.dtype)
        np.add.at(out.reshape(-1), index_map.reshape(-1), np.asarray(u._v).reshape(-1))
        return wrap(out)
    return scatter_add_flat(u, index_map, dims)


# ---------------------------------------------------------------------------
# top_k
# ---------------------------------------------------------------------------
def _descending_order(values: np.ndarray) -> np.ndarray:
    """A stable descending sort of the last axis: tied values keep the lower index first."""
    n = values.shape[-1]
    return n - 1 - np.flip(np.argsort(np.flip(values, -1), axis=-1, kind="stable"), -1)


def _guard_order(t: Tensor, order: np.ndarray) -> None:
    """In a trace: hold only where a new stable sort would give ``order`` again."""
    if state.trace is None or order.shape[-1] < 2:
        return
    y = take_map(t, np.take_along_axis(positions(t.shape), order, axis=-1))
    lower, upper = getitem(y, (..., slice(None, -1))), getitem(y, (..., slice(1, None)))
    tie_allowed = (order[..., :-1] < order[..., 1:]).reshape(-1)
    for compare, chosen in ((np.greater_equal, tie_allowed), (np.greater, ~tie_allowed)):
        picked = np.flatnonzero(chosen)
        if picked.size:
            a, b = gather_flat(lower, picked, picked.shape), gather_flat(upper, picked, picked.shape)
            state.trace.comparison(compare, a, b, compare(a._v, b._v))


def _np_top_k(input: Any, k: int = 1, sorted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(input)
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


@composite(namespace="math", aliases=("nn.top_k",), reference=_np_top_k, cases=(
    Case(((5,),), dict(k=2)), Case(((3, 4),), dict(k=3)), Case(((2, 2, 5),)), Case(((4,),), dict(k=4))),
           convention="values: a gather through the permutation of a stable descending sort (each value's "
                      "cotangent goes to the element it came from; tied elements keep the lower index first, "
                      "as TensorFlow's indices, and each receives its own place's cotangent); indices: data, int32")
def top_k(input: TensorLike, k: int = 1, sorted: bool = True, index_type: Any = "int32",
          name: Optional[str] = None) -> TopKV2:
    """The ``k`` largest entries of the last axis and their indices, largest first
    (TensorFlow's top_k: a namedtuple ``values, indices``). NaN ranks above every number."""
    t = operand(input, "math.top_k")
    count = static_int(k, "math.top_k", "k")
    if t.ndim == 0 or not 0 <= count <= t.shape[-1]:
        raise op_value_error("math.top_k", f"k = {count} must be in [0, {t.shape[-1] if t.ndim else 0}] for the "
                                           f"last axis of input", t)
    if np.dtype(index_type).kind not in "iu":
        raise op_type_error("math.top_k", f"index_type must be an integer type, got {index_type!r}")
    order = _descending_order(np.asarray(t._v))
    if t.dtype.kind == "f":
        _guard_order(t, order)
    chosen = np.ascontiguousarray(order[..., :count])
    values = take_map(t, np.take_along_axis(positions(t.shape), chosen, axis=-1))
    return TopKV2(values, wrap(chosen.astype(index_type)))
