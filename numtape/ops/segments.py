"""TensorFlow's segment reductions: ``nt.math.segment_sum/mean/max/min(data, segment_ids)`` and
``nt.math.unsorted_segment_sum/mean/max/min(data, segment_ids, num_segments)``.

Row ``i`` of ``data`` (the leading ``segment_ids.ndim`` axes flattened) belongs to segment
``segment_ids[i]``; each output row reduces its segment's rows. The ids are data (an
``nt.function`` trace guards their values exactly). Sums are one recorded ``scatter_add`` of the
rows to their segment (its VJP gathers the cotangent back); means divide the sums by the
(constant) segment sizes. Maxima and minima gather the rows into a dense (segments, longest
segment, ...) block whose missing places hold -inf (+inf for minima), reduce it with
``reduce_max``/``reduce_min`` (tied extremes share the cotangent equally, as numtape's
``reduce_max`` and TensorFlow's segment gradients do) and put the empty segments' value in
with a recorded ``where``.

``nt.math.bincount(arr, weights)`` is ``unsorted_segment_sum(weights, arr)`` (differentiable in
the weights); without weights it counts, as data.

TensorFlow's semantics: ``segment_*`` need sorted non-negative ids (a ValueError otherwise)
and give ``ids[-1] + 1`` segments, an empty one 0 for every reduction; ``unsorted_segment_*``
drop rows whose id is negative, refuse ids >= ``num_segments`` and give an empty segment 0
(sum, mean), the dtype's lowest value (max) or its highest (min). Integer data is computed
in NumPy as data (not differentiated).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .index_maps import index_array, operand, static_int, take_map
from .primitives import gather_flat, scatter_add_flat, where
from .reduce import reduce_max, reduce_min
from .registry import Case, composite
from .shape import reshape

_SORTED_IDS = np.array([0, 0, 1, 3, 3, 3])  # segment 2 is empty
_UNSORTED_IDS = np.array([2, 0, -1, 2, 0, 4])  # segments 1 and 3 empty, row 2 dropped
_COVERING_IDS = np.array([2, 0, -1, 1, 0, 2])  # every segment of 3 has a row (tests/test_ops_segments.py
# checks the empty ones: their lowest/highest value is the dtype's)
_PREFIX_IDS = np.array([[1, 0, 1], [-1, 2, 0]])


def _sorted_cases() -> tuple[Case, ...]:
    return (Case(((6,),), pack=lambda d: (d, _SORTED_IDS)), Case(((6, 3),), pack=lambda d: (d, _SORTED_IDS)),
            Case(((6, 2, 2),), pack=lambda d: (d, _SORTED_IDS)))


def _unsorted_cases(ids: np.ndarray = _UNSORTED_IDS, segments: int = 5) -> tuple[Case, ...]:
    return (Case(((6,),), pack=lambda d: (d, ids, segments)), Case(((6, 3),), pack=lambda d: (d, ids, segments)),
            Case(((2, 3, 2),), pack=lambda d: (d, _PREFIX_IDS, 3)))


# ---------------------------------------------------------------------------
# Checking the arguments
# ---------------------------------------------------------------------------
def _sorted_arguments(data: TensorLike, segment_ids: Any, op: str) -> tuple[Tensor, np.ndarray, int]:
    """(data, ids, number of segments) of a sorted segment reduction, checked as TensorFlow does."""
    t = operand(data, op)
    ids = index_array(segment_ids, op, "segment_ids")
    if t.ndim == 0 or ids.ndim != 1 or ids.shape[0] != t.shape[0]:
        raise op_value_error(op, f"segment_ids must be 1-d with one id per row of data: ids of shape {ids.shape} "
                                 f"for data of shape {t.shape}", t)
    if ids.size and (ids[0] < 0 or np.any(np.diff(ids) < 0)):
        raise op_value_error(op, f"segment_ids must be sorted and non-negative, got {ids.tolist()}")
    return t, ids, int(ids[-1]) + 1 if ids.size else 0


def _unsorted_arguments(data: TensorLike, segment_ids: Any, num_segments: Any,
                        op: str) -> tuple[Tensor, np.ndarray, int]:
    t = operand(data, op)
    ids = index_array(segment_ids, op, "segment_ids")
    n = static_int(num_segments, op, "num_segments")
    if ids.shape != t.shape[:ids.ndim]:
        raise op_value_error(op, f"segment_ids of shape {ids.shape} must be a prefix of data's shape {t.shape}", t)
    if n < 0:
        raise op_value_error(op, f"num_segments must be non-negative, got {n}")
    if ids.size and ids.max() >= n:
        raise op_value_error(op, f"segment_ids must be < num_segments = {n}, got {int(ids.max())}")
    return t, ids, n


def _rows(t: Tensor, ids: np.ndarray) -> tuple[Tensor, np.ndarray, tuple[int, ...]]:
    """(data as rows (N, R) restricted to the rows with an id >= 0, their ids, a row's shape)."""
    rest = t.shape[ids.ndim:]
    flat_ids = ids.reshape(-1)
    width = int(np.prod(rest, dtype=np.int64))
    kept = np.flatnonzero(flat_ids >= 0)
    if t.dtype.kind != "f" or kept.size == flat_ids.size:
        return t, flat_ids, rest
    index_map = (kept[:, None] * width + np.arange(width)).reshape((kept.size,) + rest)
    return gather_flat(t, index_map, index_map.shape), flat_ids[kept], rest


def _counts(ids: np.ndarray, segments: int) -> np.ndarray:
    return np.bincount(ids[ids >= 0], minlength=segments)


# ---------------------------------------------------------------------------
# The reductions
# ---------------------------------------------------------------------------
def _sum(t: Tensor, ids: np.ndarray, segments: int) -> Tensor:
    rows, flat_ids, rest = _rows(t, ids)
    shape = (segments,) + rest
    if t.dtype.kind != "f":
        out = np.zeros(shape, t.dtype)
        keep = flat_ids >= 0
        np.add.at(out, flat_ids[keep], np.asarray(t._v).reshape((-1,) + rest)[keep])
        return wrap(out)
    width = int(np.prod(rest, dtype=np.int64))
    index_map = flat_ids[:, None] * width + np.arange(width)
    return scatter_add_flat(rows, index_map, shape)


def _mean(t: Tensor, ids: np.ndarray, segments: int) -> Tensor:
    sums = _sum(t, ids, segments)
    counts = np.maximum(_counts(ids, segments), 1).reshape((segments,) + (1,) * (t.ndim - ids.ndim))
    if t.dtype.kind != "f":  # TensorFlow's integer mean truncates
        s = np.asarray(sums._v)
        return wrap((np.sign(s) * (np.abs(s) // counts)).astype(t.dtype))
    return sums / counts.astype(t.dtype)


def _extreme(t: Tensor, ids: np.ndarray, segments: int, is_max: bool, empty: Any) -> Tensor:
    """Max (min) of each segment; ``empty`` where a segment has no rows."""
    rows, flat_ids, rest = _rows(t, ids)
    counts = _counts(flat_ids, segments)
    shape = (segments,) + rest
    if t.dtype.kind != "f":
        out = np.full(shape, empty, t.dtype)
        keep = flat_ids >= 0
        (np.maximum if is_max else np.minimum).at(out, flat_ids[keep], np.asarray(t._v).reshape((-1,) + rest)[keep])
        return wrap(np.where(counts.reshape((-1,) + (1,) * len(rest)) > 0, out, np.asarray(empty, t.dtype)))
    longest = int(counts.max()) if counts.size else 0
    if longest == 0:
        return wrap(np.full(shape, empty, t.dtype))
    width = int(np.prod(rest, dtype=np.int64))
    order = np.argsort(flat_ids, kind="stable")
    place = np.arange(order.size) - np.searchsorted(flat_ids[order], flat_ids[order])  # rank within the segment
    dense = np.full((segments, longest, width), -1, np.int64)
    dense[flat_ids[order], place] = order[:, None] * width + np.arange(width)
    fill = -np.inf if is_max else np.inf
    block = take_map(reshape(rows, (-1,)), dense.reshape((segments, longest) + rest), fill=fill)
    reduced = (reduce_max if is_max else reduce_min)(block, axis=1)
    present = np.broadcast_to((counts > 0).reshape((-1,) + (1,) * len(rest)), shape)
    return reduced if present.all() else where(present, reduced, float(empty))


def _lowest(t: Tensor) -> Any:
    return np.finfo(t.dtype).min if t.dtype.kind == "f" else np.iinfo(t.dtype).min


def _highest(t: Tensor) -> Any:
    return np.finfo(t.dtype).max if t.dtype.kind == "f" else np.iinfo(t.dtype).max


# ---------------------------------------------------------------------------
# NumPy references (loops over segments: the tests' independent statement of the semantics)
# ---------------------------------------------------------------------------
def _reference(reduce: Callable[..., Any], empty: Callable[[np.ndarray], Any]) -> Callable[..., np.ndarray]:
    def ref(data: Any, segment_ids: Any, num_segments: Optional[int] = None) -> np.ndarray:
        data, ids = np.asarray(data), np.asarray(segment_ids)
        n = int(ids.max()) + 1 if num_segments is None else num_segments
        rows = data.reshape((-1,) + data.shape[ids.ndim:])
        out = np.full((n,) + rows.shape[1:], empty(data), data.dtype)
        for s in range(n):
            members = rows[ids.reshape(-1) == s]
            if len(members):
                out[s] = reduce(members, axis=0)
        return out

    return ref


def _zero(data: np.ndarray) -> Any:
    return 0


_CONVENTION = ("the ids are data; {what}; TensorFlow's semantics: {semantics}")
_SORTED = "sorted non-negative ids (ValueError otherwise), ids[-1] + 1 segments, an empty segment gives 0"
_UNSORTED = "rows with a negative id are dropped, ids >= num_segments raise ValueError, an empty segment gives {empty}"
_EXTREME = ("tied extremes share the cotangent equally (numtape's reduce_max, TensorFlow's segment gradient); "
            "a segment whose extreme is -inf (max) or +inf (min) shares it with the padding and loses part")


@composite(namespace="math", cases=_sorted_cases(), reference=_reference(np.sum, _zero),
           convention=_CONVENTION.format(what="linear: each row's cotangent is its segment's", semantics=_SORTED))
def segment_sum(data: TensorLike, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Sums of the rows of ``data`` in each segment of the sorted ``segment_ids``."""
    return _sum(*_sorted_arguments(data, segment_ids, "math.segment_sum"))


@composite(namespace="math", cases=_sorted_cases(), reference=_reference(np.mean, _zero),
           convention=_CONVENTION.format(what="linear: each row gets its segment's cotangent over the segment's size",
                                         semantics=_SORTED))
def segment_mean(data: TensorLike, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Means of the rows of ``data`` in each segment of the sorted ``segment_ids``."""
    return _mean(*_sorted_arguments(data, segment_ids, "math.segment_mean"))


@composite(namespace="math", cases=_sorted_cases(), reference=_reference(np.max, _zero),
           convention=_CONVENTION.format(what=_EXTREME, semantics=_SORTED))
def segment_max(data: TensorLike, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Maxima of the rows of ``data`` in each segment of the sorted ``segment_ids`` (0 where empty)."""
    return _extreme(*_sorted_arguments(data, segment_ids, "math.segment_max"), True, 0)


@composite(namespace="math", cases=_sorted_cases(), reference=_reference(np.min, _zero),
           convention=_CONVENTION.format(what=_EXTREME, semantics=_SORTED))
def segment_min(data: TensorLike, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Minima of the rows of ``data`` in each segment of the sorted ``segment_ids`` (0 where empty)."""
    return _extreme(*_sorted_arguments(data, segment_ids, "math.segment_min"), False, 0)


@composite(namespace="math", cases=_unsorted_cases(), reference=_reference(np.sum, _zero),
           convention=_CONVENTION.format(what="linear: each row's cotangent is its segment's",
                                         semantics=_UNSORTED.format(empty="0")))
def unsorted_segment_sum(data: TensorLike, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Sums of the rows of ``data`` in each of ``num_segments`` segments (ids in any order)."""
    return _sum(*_unsorted_arguments(data, segment_ids, num_segments, "math.unsorted_segment_sum"))


@composite(namespace="math", cases=_unsorted_cases(), reference=_reference(np.mean, _zero),
           convention=_CONVENTION.format(what="linear: each row gets its segment's cotangent over the segment's size",
                                         semantics=_UNSORTED.format(empty="0")))
def unsorted_segment_mean(data: TensorLike, segment_ids: Any, num_segments: Any,
                          name: Optional[str] = None) -> Tensor:
    """Means of the rows of ``data`` in each of ``num_segments`` segments (ids in any order)."""
    return _mean(*_unsorted_arguments(data, segment_ids, num_segments, "math.unsorted_segment_mean"))


@composite(namespace="math", cases=_unsorted_cases(_COVERING_IDS, 3), reference=_reference(np.max, lambda d: np.finfo(d.dtype).min),
           convention=_CONVENTION.format(what=_EXTREME,
                                         semantics=_UNSORTED.format(empty="the dtype's lowest value")))
def unsorted_segment_max(data: TensorLike, segment_ids: Any, num_segments: Any,
                         name: Optional[str] = None) -> Tensor:
    """Maxima of the rows of ``data`` in each of ``num_segments`` segments (the dtype's lowest where empty)."""
    t, ids, n = _unsorted_arguments(data, segment_ids, num_segments, "math.unsorted_segment_max")
    return _extreme(t, ids, n, True, _lowest(t))


@composite(namespace="math", cases=_unsorted_cases(_COVERING_IDS, 3), reference=_reference(np.min, lambda d: np.finfo(d.dtype).max),
           convention=_CONVENTION.format(what=_EXTREME,
                                         semantics=_UNSORTED.format(empty="the dtype's highest value")))
def unsorted_segment_min(data: TensorLike, segment_ids: Any, num_segments: Any,
                         name: Optional[str] = None) -> Tensor:
    """Minima of the rows of ``data`` in each of ``num_segments`` segments (the dtype's highest where empty)."""
    t, ids, n = _unsorted_arguments(data, segment_ids, num_segments, "math.unsorted_segment_min")
    return _extreme(t, ids, n, False, _highest(t))


_BIN_VALUES = np.array([3, 0, 1, 3, 3, 5])


def _np_bincount(arr: Any, weights: Any = None, minlength: Optional[int] = None, maxlength: Optional[int] = None,
                 dtype: Any = "int32") -> np.ndarray:
    arr = np.asarray(arr).reshape(-1)
    w = None if weights is None else np.asarray(weights).reshape(-1)
    if maxlength is not None:
        w = None if w is None else w[arr < maxlength]
        arr = arr[arr < maxlength]
    out = np.bincount(arr, w, minlength=minlength or 0)
    return out if w is not None else out.astype(dtype)


@composite(namespace="math", reference=_np_bincount, cases=(
    Case(((6,),), const=(_BIN_VALUES,)), Case(((2, 3),), dict(minlength=8), const=(_BIN_VALUES.reshape(2, 3),)),
    Case(((6,),), dict(maxlength=4), const=(_BIN_VALUES,)), Case((), const=(_BIN_VALUES,), orders=0)),
           convention="counts are data; with weights, linear in the weights: each weight's cotangent is its bin's")
def bincount(arr: Any, weights: Optional[TensorLike] = None, minlength: Optional[int] = None,
             maxlength: Optional[int] = None, dtype: Any = "int32", name: Optional[str] = None,
             axis: Optional[int] = None, binary_output: bool = False) -> Tensor:
    """How often each value of the non-negative integers ``arr`` occurs, or the sums of their
    ``weights`` (TensorFlow's bincount over all of ``arr``): ``max(max(arr) + 1, minlength)`` bins,
    at most ``maxlength`` (larger values are dropped)."""
    op = "math.bincount"
    values = index_array(arr, op, "arr")
    if axis is not None or binary_output:
        raise op_value_error(op, f"only axis=None and binary_output=False are supported, got axis={axis!r}, "
                                 f"binary_output={binary_output!r}")
    if values.size and values.min() < 0:
        raise op_value_error(op, f"arr must be non-negative, got {int(values.min())}")
    bins = max(int(values.max()) + 1 if values.size else 0, static_int(minlength or 0, op, "minlength"))
    if maxlength is not None:
        bins = min(bins, static_int(maxlength, op, "maxlength"))
    kept = np.where(values < bins, values, -1)
    if weights is None:
        return wrap(np.bincount(kept.reshape(-1)[kept.reshape(-1) >= 0], minlength=bins).astype(dtype))
    w = operand(weights, op)
    if w.shape != values.shape:
        raise op_value_error(op, f"weights must have arr's shape {values.shape}, got {w.shape}", w)
    return _sum(w, kept, bins)


__all__ = ["bincount", "segment_max", "segment_mean", "segment_min", "segment_sum", "unsorted_segment_max",
           "unsorted_segment_mean", "unsorted_segment_min", "unsorted_segment_sum"]
