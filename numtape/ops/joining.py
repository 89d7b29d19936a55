"""Joining and splitting: NumPy's concatenate/stack family, split family and append, and
TensorFlow's split and unstack, as composite rows.

Joins lower to one ``concat_flat`` (``shape.join``/``shape.stack_as``) after each piece
is brought to NumPy's rank (``atleast_2d`` for vstack, a column for column_stack,
...) by a reshape; the VJP cuts the cotangent back into windows. A Tensor given where
NumPy takes a sequence of arrays is the sequence of its slices along axis 0, as NumPy
iterates an array. Splits are gathers: NumPy's own ``array_split`` applied to the
positions of the elements gives each piece's index map (``index_maps``), so NumPy's
rules for sections and indices (empty pieces, indices past the end) hold as they are.

``nt.split`` is TensorFlow's (an int splits evenly, a list gives sizes); NumPy's
``np.split`` (its second argument means indices) dispatches to ``nt.numpy_split``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, value_shape
from ..variable import Variable
from .index_maps import index_array, no_extras, numpy_map, operand, positions, take_map
from .registry import Case, composite
from .shape import join, normalize_axis, reshape, stack_as
from .tf_signature import SAMPLE_VECTOR, tf_signature

_JOIN_CONVENTION = "the cotangent is cut back into the pieces (each piece gets its own window)"
_SPLIT_CONVENTION = "each piece is a gather; the cotangents of the pieces are placed back where they came from"


def _slices(t: Tensor, axis: int, op: str) -> list[Tensor]:
    a = normalize_axis(axis, t.ndim, op)
    pos = positions(t.shape)
    return [take_map(t, np.take(pos, i, axis=a)) for i in range(t.shape[a])]


def _sequence(arrays: Any, op: str) -> list[Any]:
    """The arrays to join: a list/tuple as it is, a Tensor or array as its slices along axis 0."""
    if isinstance(arrays, Variable):
        arrays = arrays._read()
    if isinstance(arrays, (Tensor, np.ndarray)):
        t = operand(arrays, op)
        if t.ndim == 0:
            raise op_value_error(op, "a 0-d tensor is not a sequence of arrays", t)
        arrays = _slices(t, 0, op)
    if not isinstance(arrays, (list, tuple)):
        raise op_type_error(op, "arrays must be a list or tuple of arrays (or a Tensor)", arrays)
    if not arrays:
        raise op_value_error(op, "need at least one array to join")
    return list(arrays)


def _with_rank(pieces: Sequence[Any], op: str, shaper: Any) -> list[Tensor]:
    """Each piece reshaped to ``shaper(shape)`` (every shape checked before anything is converted)."""
    shapes = [value_shape(p, op) for p in pieces]
    return [reshape(operand(p, op), shaper(s)) for p, s in zip(pieces, shapes)]


def _check_options(op: str, out: Any, dtype: Any, casting: Any) -> None:
    no_extras(op, out=out, dtype=dtype)
    if casting not in ("same_kind", None):
        raise op_type_error(op, f"casting={casting!r} not supported on Tensors")


@composite(numpy=(np.concatenate,), convention=_JOIN_CONVENTION, cases=(
    Case(((3, 2, 4),), dict(axis=1)), Case(((4, 2),), dict(axis=0)), Case(((2, 3, 2),), dict(axis=-1)),
    Case(((2, 3),), dict(axis=None))))
def concatenate(arrays: Any, axis: Optional[int] = 0, out: None = None, *, dtype: None = None,
                casting: str = "same_kind") -> Tensor:
    """NumPy's ``concatenate``: join arrays along an existing axis (``axis=None``: flattened first)."""
    _check_options("concatenate", out, dtype, casting)
    pieces = _sequence(arrays, "concatenate")
    if axis is None:
        return join(_with_rank(pieces, "concatenate", lambda s: (-1,)), 0, "concatenate")
    return join(pieces, axis, "concatenate")


@composite(numpy=(np.stack,), convention=_JOIN_CONVENTION, cases=(
    Case(((3, 2),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=-1)), Case(((3,),), dict(axis=0))))
@tf_signature("stack(values, axis=0, name='stack')", rename={"values": "arrays"},
              example=dict(values=[SAMPLE_VECTOR, SAMPLE_VECTOR], axis=1), reference=lambda values, axis: np.stack(values, axis))
def stack(arrays: Any, axis: int = 0, out: None = None, *, dtype: None = None, casting: str = "same_kind",
          name: Optional[str] = None) -> Tensor:
    """Join tensors of equal shape along a new axis (NumPy's ``stack`` and TensorFlow's)."""
    _check_options("stack", out, dtype, casting)
    return stack_as(_sequence(arrays, "stack"), axis, "stack")


def _atleast_2d(s: tuple[int, ...]) -> tuple[int, ...]:
    return (1,) * (2 - len(s)) + s if len(s) < 2 else s


def _atleast_3d(s: tuple[int, ...]) -> tuple[int, ...]:
    return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s)


@composite(numpy=(np.vstack,), convention=_JOIN_CONVENTION, cases=(
    Case(((3, 4),)), Case(((2, 3, 4),)), Case(((3,),))))
def vstack(tup: Any, *, dtype: None = None, casting: str = "same_kind") -> Tensor:
    """Stack arrays vertically: ``concatenate`` along axis 0 after ``atleast_2d``."""
    _check_options("vstack", None, dtype, casting)
    return join(_with_rank(_sequence(tup, "vstack"), "vstack", _atleast_2d), 0, "vstack")


@composite(numpy=(np.hstack,), convention=_JOIN_CONVENTION, cases=(
    Case(((3, 4),)), Case(((2, 3, 4),)), Case(((3,),))))
def hstack(tup: Any, *, dtype: None = None, casting: str = "same_kind") -> Tensor:
    """Stack arrays horizontally: along axis 1, or axis 0 for 1-d arrays."""
    _check_options("hstack", None, dtype, casting)
    pieces = _with_rank(_sequence(tup, "hstack"), "hstack", lambda s: s or (1,))
    return join(pieces, 0 if pieces[0].ndim == 1 else 1, "hstack")


@composite(numpy=(np.dstack,), convention=_JOIN_CONVENTION, cases=(
    Case(((3, 4),)), Case(((2, 3, 4),)), Case(((2, 3, 4, 2),))))
def dstack(tup: Any) -> Tensor:
    """Stack arrays along the third axis after ``atleast_3d``."""
    return join(_with_rank(_sequence(tup, "dstack"), "dstack", _atleast_3d), 2, "dstack")


@composite(numpy=(np.column_stack,), convention=_JOIN_CONVENTION, cases=(
    Case(((3, 4),)), Case(((2, 3, 4),)), Case(((3,),))))
def column_stack(tup: Any) -> Tensor:
    """Stack 1-d arrays as columns (higher-rank arrays along axis 1)."""
    pieces = _with_rank(_sequence(tup, "column_stack"), "column_stack",
                        lambda s: (s or (1,)) + (1,) if len(s) < 2 else s)
    return join(pieces, 1, "column_stack")


@composite(numpy=(np.append,), convention=_JOIN_CONVENTION, cases=(
    Case(((2, 3), (4,))), Case(((2, 3), (2, 3)), dict(axis=0)), Case(((2, 3), (2, 1)), dict(axis=1)),
    Case(((3,), ()))))
def append(arr: TensorLike, values: TensorLike, axis: Optional[int] = None) -> Tensor:
    """``arr`` with ``values`` appended (both flattened when ``axis`` is None); differentiable in both."""
    if axis is None:
        return join(_with_rank([arr, values], "append", lambda s: (-1,)), 0, "append")
    return join([arr, values], axis, "append")


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------
def _sections(ios: Any, op: str) -> Any:
    """NumPy's ``indices_or_sections``: an int, or a sequence of ints (Tensors read as data)."""
    if isinstance(ios, (bool, np.bool_)):
        raise op_type_error(op, f"indices_or_sections must be an int or a sequence of ints, got {ios!r}")
    if isinstance(ios, (int, np.integer)):
        if ios <= 0:
            raise op_value_error(op, f"the number of sections must be larger than 0, got {ios}")
        return int(ios)
    idx = index_array(ios, op, "indices_or_sections")
    if idx.ndim > 1:
        raise op_value_error(op, f"indices must be a 1-d sequence, got shape {idx.shape}")
    return idx.reshape(-1).tolist() if idx.ndim else int(idx)


def _numpy_split(op: str, splitter: Any, ary: TensorLike, ios: Any, *axis: int) -> list[Tensor]:
    t = operand(ary, op)
    maps = numpy_map(op, splitter, t.shape, _sections(ios, op), *axis)
    return [take_map(t, m) for m in maps]


@composite(numpy=(np.split,), reference=np.split, convention=_SPLIT_CONVENTION, cases=(
    Case(((6,),), dict(indices_or_sections=3)), Case(((4, 6),), dict(indices_or_sections=[1, 4], axis=1)),
    Case(((2, 3, 4),), dict(indices_or_sections=2, axis=-1)),
    Case(((5, 2),), dict(indices_or_sections=[1, 3, 10]))))
def numpy_split(ary: TensorLike, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """NumPy's ``split`` (``np.split`` on Tensors): an int gives equal sections (or a ValueError),
    a sequence gives the indices where pieces start. ``nt.split`` is TensorFlow's."""
    return _numpy_split("numpy_split", np.split, ary, indices_or_sections, axis)


@composite(numpy=(np.array_split,), convention=_SPLIT_CONVENTION, cases=(
    Case(((7,),), dict(indices_or_sections=3)), Case(((3, 5),), dict(indices_or_sections=2, axis=1)),
    Case(((2, 7, 2),), dict(indices_or_sections=[2, 5], axis=-2))))
def array_split(ary: TensorLike, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """NumPy's ``array_split``: as ``numpy_split``, but n sections need not divide the axis evenly."""
    return _numpy_split("array_split", np.array_split, ary, indices_or_sections, axis)


@composite(numpy=(np.hsplit,), convention=_SPLIT_CONVENTION, cases=(
    Case(((4, 6),), dict(indices_or_sections=3)), Case(((6,),), dict(indices_or_sections=[2, 3])),
    Case(((2, 4, 3),), dict(indices_or_sections=2))))
def hsplit(ary: TensorLike, indices_or_sections: Any) -> list[Tensor]:
    """Split along axis 1 (axis 0 for 1-d tensors), NumPy's ``hsplit``."""
    return _numpy_split("hsplit", np.hsplit, ary, indices_or_sections)


@composite(numpy=(np.vsplit,), convention=_SPLIT_CONVENTION, cases=(
    Case(((4, 3),), dict(indices_or_sections=2)), Case(((6, 2, 2),), dict(indices_or_sections=[1, 4]))))
def vsplit(ary: TensorLike, indices_or_sections: Any) -> list[Tensor]:
    """Split along axis 0 (tensors of rank >= 2), NumPy's ``vsplit``."""
    return _numpy_split("vsplit", np.vsplit, ary, indices_or_sections)


@composite(numpy=(np.dsplit,), convention=_SPLIT_CONVENTION, cases=(
    Case(((2, 2, 4),), dict(indices_or_sections=2)), Case(((1, 2, 6),), dict(indices_or_sections=[2, 3]))))
def dsplit(ary: TensorLike, indices_or_sections: Any) -> list[Tensor]:
    """Split along axis 2 (tensors of rank >= 3), NumPy's ``dsplit``."""
    return _numpy_split("dsplit", np.dsplit, ary, indices_or_sections)


def _tf_split_reference(x: np.ndarray, num_or_size_splits: Any, axis: int = 0) -> list[np.ndarray]:
    if isinstance(num_or_size_splits, int):
        return np.split(x, num_or_size_splits, axis)
    sizes = list(num_or_size_splits)
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    return np.split(x, np.cumsum(sizes)[:-1], axis)


@composite(reference=_tf_split_reference, convention=_SPLIT_CONVENTION, cases=(
    Case(((6,),), dict(num_or_size_splits=3)), Case(((4, 6),), dict(num_or_size_splits=[1, 2, 3], axis=1)),
    Case(((5, 2),), dict(num_or_size_splits=[2, -1])), Case(((2, 3, 4),), dict(num_or_size_splits=2, axis=-1))))
def split(value: TensorLike, num_or_size_splits: Any, axis: int = 0, num: Optional[int] = None,
          name: Optional[str] = None) -> list[Tensor]:
    """TensorFlow's ``split``: an int splits ``axis`` into that many equal pieces, a list gives the
    pieces' sizes (one may be -1: the rest). NumPy's ``np.split`` is ``nt.numpy_split``."""
    t = operand(value, "split")
    if t.ndim == 0:
        raise op_value_error("split", "cannot split a 0-d tensor", t)
    a = normalize_axis(axis, t.ndim, "split")
    n = t.shape[a]
    if isinstance(num_or_size_splits, (int, np.integer)) and not isinstance(num_or_size_splits, bool):
        count = int(num_or_size_splits)
        if count <= 0 or n % count:
            raise op_value_error("split", f"cannot split axis {a} of size {n} into {count} equal pieces", t)
        sizes = [n // count] * count
    else:
        sizes = index_array(num_or_size_splits, "split", "num_or_size_splits").reshape(-1).tolist()
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise op_value_error("split", f"sizes {sizes} must be non-negative, with at most one -1", t)
        if -1 in sizes:
            rest = n - (sum(sizes) + 1)
            if rest < 0:
                raise op_value_error("split", f"sizes {sizes} exceed axis {a} of size {n}", t)
            sizes[sizes.index(-1)] = rest
        if sum(sizes) != n:
            raise op_value_error("split", f"sizes {sizes} do not add up to axis {a} of size {n}", t)
    if num is not None and num != len(sizes):
        raise op_value_error("split", f"num={num} but the split gives {len(sizes)} pieces", t)
    maps = np.split(positions(t.shape), np.cumsum(sizes)[:-1].astype(np.int64), axis=a)
    return [take_map(t, m) for m in maps]


def _unstack_reference(x: np.ndarray, num: Optional[int] = None, axis: int = 0) -> list[np.ndarray]:
    return [np.take(x, i, axis=axis) for i in range(x.shape[axis])]


@composite(reference=_unstack_reference, convention=_SPLIT_CONVENTION, cases=(
    Case(((3,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=-1, num=4))))
def unstack(value: TensorLike, num: Optional[int] = None, axis: int = 0, name: Optional[str] = None) -> list[Tensor]:
    """TensorFlow's ``unstack``: the slices of ``value`` along ``axis`` (that axis removed)."""
    t = operand(value, "unstack")
    if t.ndim == 0:
        raise op_value_error("unstack", "cannot unstack a 0-d tensor", t)
    a = normalize_axis(axis, t.ndim, "unstack")
    if num is not None and num != t.shape[a]:
        raise op_value_error("unstack", f"num={num} but axis {a} has size {t.shape[a]}", t)
    return _slices(t, a, "unstack")
