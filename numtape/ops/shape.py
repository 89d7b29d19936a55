"""Shape ops: reshape, expand_dims, squeeze, transpose, broadcast_to, tile, gather,
concat, stack and indexing, lowered at record time to window, gather_flat,
broadcast_3 and concat_flat (``numtape/ops/primitives.py``).

Indexing with ints and slices (a NumPy view) becomes a window when the view is one
or two levels of rows, and a gather otherwise; advanced indexing is a gather, whose
VJP scatter-adds, so repeated indices accumulate their gradients.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .. import tensor as _tensor
from .._state import state
from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, value_shape
from .primitives import as_tensor, broadcast_3, concat_flat, element, gather_flat, window
from .tf_signature import SAMPLE_MATRIX, SAMPLE_VECTOR, tf_signature

Shape = Union[int, Sequence[int]]


def _size(shape: Sequence[int]) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def _as_shape(shape: Any, op: str) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape.numpy()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        array = np.asarray(shape)
    except (TypeError, ValueError) as error:
        raise op_type_error(op, f"expected a shape (ints), got {shape!r}") from error
    if array.size and array.dtype.kind not in "iu":
        raise op_type_error(op, f"expected a shape (ints), got {shape!r}")
    dims = tuple(int(d) for d in array.reshape(-1))
    if any(d < -1 for d in dims):
        raise op_value_error(op, f"invalid shape {dims}")
    return dims


def normalize_axes(axes: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Each of ``axes`` normalized (:func:`normalize_axis`), or a ValueError naming the op when two
    name the same axis (``(0, 0)``, ``(1, -1)`` of a matrix), as NumPy, TensorFlow and JAX raise."""
    normalized = tuple(normalize_axis(a, ndim, op) for a in axes)
    if len(set(normalized)) != len(normalized):
        raise op_value_error(op, f"axis {tuple(axes)} names an axis twice (a tensor of rank {ndim})")
    return normalized


def normalize_axis(axis: Any, ndim: int, op: str) -> int:
    """``axis`` as an index in [0, ndim), or a ValueError naming the op."""
    if isinstance(axis, Tensor):
        axis = int(axis)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise op_type_error(op, f"axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise op_value_error(op, f"axis {axis} is out of range for a tensor of rank {ndim}")
    return int(axis) % ndim


@tf_signature("reshape(tensor, shape, name=None)", rename={"tensor": "x"},
              example=dict(tensor=SAMPLE_MATRIX, shape=(3, 2)), reference=lambda tensor, shape: np.reshape(tensor, shape))
def reshape(x: TensorLike, shape: Shape) -> Tensor:
    """The same elements in a new shape (one dimension may be -1)."""
    t = as_tensor(x, "reshape")
    dims = _as_shape(shape, "reshape")
    if dims.count(-1) > 1:
        raise op_value_error("reshape", f"only one dimension can be -1, got {dims}")
    if -1 in dims:
        known = _size(d for d in dims if d != -1)
        if known == 0 or t.size % known:
            raise op_value_error("reshape", f"cannot reshape a tensor of shape {t.shape} into {dims}")
        dims = tuple(t.size // known if d == -1 else d for d in dims)
    if _size(dims) != t.size:
        raise op_value_error("reshape", f"cannot reshape a tensor of shape {t.shape} into {dims}")
    if dims == t.shape:
        return t
    return window(t, 1, t.size, 0, t.size, dims)


def expand_dims(x: TensorLike, axis: int) -> Tensor:
    """Insert a dimension of size 1 at ``axis``."""
    t = as_tensor(x, "expand_dims")
    a = normalize_axis(axis, t.ndim + 1, "expand_dims")
    shape = t.shape
    return reshape(t, shape[:a] + (1,) + shape[a:])


def squeeze(x: TensorLike, axis: Optional[Union[int, Sequence[int]]] = None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``axis``)."""
    t = as_tensor(x, "squeeze")
    shape = t.shape
    if axis is None:
        axes = {i for i, d in enumerate(shape) if d == 1}
    else:
        axes = set(normalize_axes(axis if isinstance(axis, (list, tuple)) else [axis], t.ndim, "squeeze"))
        for a in axes:
            if shape[a] != 1:
                raise op_value_error("squeeze", f"cannot squeeze axis {a} of size {shape[a]} (shape {shape})")
    return reshape(t, tuple(d for i, d in enumerate(shape) if i not in axes))


def _positions(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(_size(shape), dtype=np.int64).reshape(shape)


def transpose(x: TensorLike, perm: Optional[Sequence[int]] = None) -> Tensor:
    """Permute the dimensions (reverse them when ``perm`` is None)."""
    t = as_tensor(x, "transpose")
    n = t.ndim
    if perm is None:
        perm = tuple(range(n - 1, -1, -1))
    else:
        perm = tuple(normalize_axis(p, n, "transpose") for p in perm)
        if sorted(perm) != list(range(n)):
            raise op_value_error("transpose", f"perm {perm} is not a permutation of the {n} axes of {t.shape}")
    if perm == tuple(range(n)):
        return t
    index_map = _positions(t.shape).transpose(perm)
    return gather_flat(t, index_map, index_map.shape)


@tf_signature("broadcast_to(input, shape, name=None)", rename={"input": "x"},
              example=dict(input=SAMPLE_VECTOR, shape=(2, 4)), reference=lambda input, shape: np.broadcast_to(input, shape))
def broadcast_to(x: TensorLike, shape: Shape) -> Tensor:
    """Broadcast to ``shape`` with NumPy's rules (the gradient sums back)."""
    t = as_tensor(x, "broadcast_to")
    target = _as_shape(shape, "broadcast_to")
    try:
        np.broadcast_shapes(t.shape, target)
    except ValueError as error:
        raise op_value_error("broadcast_to", f"cannot broadcast a tensor of shape {t.shape} to {target}") from error
    current = (1,) * (len(target) - t.ndim) + t.shape
    if any(c not in (1, d) for c, d in zip(current, target)):
        raise op_value_error("broadcast_to", f"cannot broadcast a tensor of shape {t.shape} to {target}")
    # Each run of axes where the tensor has size 1 and the target does not is one broadcast_3.
    runs = []
    a = 0
    while a < len(target):
        if current[a] == 1 and target[a] != 1:
            b = a
            while b < len(target) and current[b] == 1 and target[b] != 1:
                b += 1
            runs.append((a, b))
            a = b
        else:
            a += 1
    if not runs:
        return reshape(t, target)
    result = t
    for a, b in reversed(runs):
        outer = _size(current[:a])
        mid = _size(target[a:b])
        inner = _size(current[b:])
        current = current[:a] + target[a:b] + current[b:]
        result = broadcast_3(result, outer, mid, inner, current)
    return result


def tile(x: TensorLike, multiples: Sequence[int]) -> Tensor:
    """Repeat ``x`` ``multiples[i]`` times along axis i."""
    t = as_tensor(x, "tile")
    reps = _as_shape(multiples, "tile")
    if len(reps) != t.ndim or any(r < 0 for r in reps):
        raise op_value_error("tile", f"multiples {reps} must have one non-negative entry per axis of {t.shape}")
    index_map = np.tile(_positions(t.shape), reps)
    return gather_flat(t, index_map, index_map.shape)


@tf_signature("gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None)",
              rename={"params": "x"}, example=dict(params=SAMPLE_MATRIX, indices=[2, 0, 2], axis=1),
              reference=lambda params, indices, axis: np.take(params, indices, axis))
def gather(x: TensorLike, indices: Any, axis: int = 0) -> Tensor:
    """Slices of ``x`` along ``axis`` at ``indices`` (repeated indices accumulate gradients)."""
    t = as_tensor(x, "gather")
    a = normalize_axis(axis, t.ndim, "gather")
    idx = _integer_indices(indices, "gather")
    n = t.shape[a]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise op_value_error("gather", f"indices out of range [-{n}, {n}) for axis {a} of shape {t.shape}")
    index_map = np.take(_positions(t.shape), idx, axis=a)
    return gather_flat(t, index_map, index_map.shape)


def _guarded_value(t: Tensor) -> Any:
    """An index Tensor's value; an ``nt.function`` trace replays only where it is the same."""
    if state.trace is not None:
        state.trace.value_escapes(t, "index")
    return t._v


def _integer_indices(indices: Any, op: str) -> np.ndarray:
    if isinstance(indices, Tensor):
        indices = _guarded_value(indices)
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise op_type_error(op, f"indices must be integers, got dtype {idx.dtype}")
    return idx.astype(np.int64)


@tf_signature("concat(values, axis, name=None)", example=dict(values=[SAMPLE_MATRIX, SAMPLE_MATRIX], axis=1),
              reference=lambda values, axis: np.concatenate(values, axis))
def concat(values: Sequence[TensorLike], axis: int) -> Tensor:
    """Join tensors along an existing axis."""
    return join(values, axis, "concat")


def join(values: Sequence[TensorLike], axis: int, op: str) -> Tensor:
    """``concat`` for the public op ``op`` (errors name it)."""
    if isinstance(values, (Tensor, np.ndarray)) or not isinstance(values, (list, tuple)) or not values:
        raise op_type_error(op, "values must be a non-empty list of tensors")
    shapes = [value_shape(v, op) for v in values]  # all checked before anything is recorded
    first = shapes[0]
    ndim = len(first)
    if ndim == 0:
        raise op_value_error(op, "cannot concatenate 0-d tensors (use nt.stack)")
    a = normalize_axis(axis, ndim, op)
    for s in shapes[1:]:
        if len(s) != ndim or s[:a] != first[:a] or s[a + 1 :] != first[a + 1 :]:
            raise op_value_error(op, f"shapes {shapes} differ outside axis {a}")
    ts = [as_tensor(v, op) for v in values]
    shape = first[:a] + (sum(s[a] for s in shapes),) + first[a + 1 :]
    return concat_flat(ts, _size(first[:a]), shape)


def stack(values: Sequence[TensorLike], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis."""
    return stack_as(values, axis, "stack")


def stack_as(values: Sequence[TensorLike], axis: int, op: str) -> Tensor:
    """``stack`` for the public op ``op`` (errors name it)."""
    if isinstance(values, (Tensor, np.ndarray)) or not isinstance(values, (list, tuple)) or not values:
        raise op_type_error(op, "values must be a non-empty list of tensors")
    shapes = [value_shape(v, op) for v in values]  # all checked before anything is recorded
    first = shapes[0]
    if any(s != first for s in shapes):
        raise op_value_error(op, f"all shapes must be equal, got {shapes}")
    a = normalize_axis(axis, len(first) + 1, op)
    ts = [as_tensor(v, op) for v in values]
    shape = first[:a] + (len(ts),) + first[a:]
    return concat_flat(ts, _size(first[:a]), shape)


_tensor._stack = stack  # tensor.py packs lists holding Tensors with it (it cannot import ops)


# ---------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------
def _is_basic(key: Any) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return all(
        isinstance(k, (int, np.integer, slice)) and not isinstance(k, bool) or k is Ellipsis or k is None
        for k in items
    )


def getitem(x: TensorLike, key: Any) -> Tensor:
    """``x[key]`` with NumPy's indexing rules, differentiable."""
    t = as_tensor(x, "getitem")
    value = t._v
    if isinstance(key, Tensor):
        key = _guarded_value(key)
    if isinstance(key, list):
        key = np.asarray(key)
    if isinstance(key, tuple):
        key = tuple(_guarded_value(k) if isinstance(k, Tensor) else np.asarray(k) if isinstance(k, list) else k for k in key)
    if t.ndim == 0:  # x[()], x[...], x[None]: no element entry (its kernel expects an array operand)
        try:
            view = np.asarray(value)[key]
        except IndexError as error:
            raise IndexError(f"numtape.getitem: {error} (indexing a Tensor of shape ())") from None
        if view.size == 1:
            return reshape(t, view.shape)
        return window(t, 1, 1, 0, 0, view.shape)
    if type(key) is int and value.ndim == 1:
        n = value.shape[0]
        if not -n <= key < n:
            raise IndexError(f"numtape.getitem: index {key} is out of bounds for axis 0 with size {n}")
        return element(t, key % n)
    try:
        view = value[key]  # NumPy validates the key
    except IndexError as error:
        raise IndexError(f"numtape.getitem: {error} (indexing a Tensor of shape {t.shape})") from None
    base = value if isinstance(value, np.ndarray) else np.asarray(value)
    if _is_basic(key) and base.flags.c_contiguous and isinstance(view, np.ndarray):
        return _basic_index(t, base, view)
    index_map = _positions(t.shape)[key]
    if np.ndim(index_map) == 0:
        return element(t, int(index_map))
    return gather_flat(t, index_map, index_map.shape)


def _basic_index(t: Tensor, base: np.ndarray, view: np.ndarray) -> Tensor:
    """A window (or gather) for a basic-indexing view of ``t``'s contiguous value."""
    item = base.itemsize
    start = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item if base.size else 0
    if view.ndim == 0:
        return element(t, start)
    dims = [(d, s // item) for d, s in zip(view.shape, view.strides) if d != 1]
    merged: list[tuple[int, int]] = []
    for d, s in dims:
        if merged and merged[-1][1] == d * s:
            merged[-1] = (merged[-1][0] * d, s)
        else:
            merged.append((d, s))
    size = view.size
    if size == 0:
        return window(t, 1, t.size, 0, 0, view.shape)
    if not merged or (len(merged) == 1 and merged[0][1] == 1):
        return window(t, 1, t.size, start, size, view.shape)
    if len(merged) == 2 and merged[1][1] == 1:
        (outer, stride), (width, _) = merged
        return window(t, outer, stride, start, width, view.shape)
    index_map = start + sum(
        np.arange(d, dtype=np.int64).reshape((-1,) + (1,) * (len(merged) - 1 - i)) * s
        for i, (d, s) in enumerate(merged)
    )
    return gather_flat(t, np.asarray(index_map).reshape(-1), view.shape)
