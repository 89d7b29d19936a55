"""Sorting: ``sort`` (values, differentiable) and ``argsort`` (indices, data), with NumPy's
signatures and TensorFlow's ``direction``.

``sort`` computes the permutation with a stable ``argsort`` of the values at record
time and records the sorted values as a gather of the input: the gradient flows
through the permutation (each input element receives the cotangent of the place it
was sorted to; tied elements keep their order, so each gets the cotangent of its own
place). In an ``nt.function`` trace the permutation is only valid where the new
values sort the same way, so the trace guards that the gathered values are in order
(a comparison guard); other inputs are traced again. ``argsort``'s indices are data:
a trace that reads them is not compiled (it runs eagerly), since an order cannot be
guarded exactly where values tie.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._state import state
from ..errors import op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .index_maps import operand, positions, static_int, take_map
from .registry import Case, composite
from .shape import getitem, normalize_axis, reshape
from .tf_signature import SAMPLE_MATRIX, tf_signature

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _descending(kind: Any, stable: Any, direction: str, order: Any, op: str) -> tuple[bool, Any]:
    """(descending, kind): TensorFlow's direction, also given as the third positional argument."""
    if isinstance(kind, str) and kind.upper() in ("ASCENDING", "DESCENDING"):
        direction, kind = kind, None
    if kind not in _KINDS:
        raise op_value_error(op, f"kind must be one of {_KINDS[1:]}, got {kind!r}")
    if order is not None:
        raise op_value_error(op, "order (sorting by fields) needs a structured array, not a Tensor")
    if not isinstance(direction, str) or direction.upper() not in ("ASCENDING", "DESCENDING"):
        raise op_value_error(op, f"direction must be 'ASCENDING' or 'DESCENDING', got {direction!r}")
    return direction.upper() == "DESCENDING", kind


def _permutation(t: Tensor, axis: Optional[int], descending: bool, op: str) -> tuple[Tensor, np.ndarray, int]:
    """(t, flattened when axis is None; the sort order along the axis; the axis)."""
    if axis is None:
        t = reshape(t, (-1,))
        axis = 0
    if t.ndim == 0:
        raise op_value_error(op, "cannot sort a 0-d tensor (use axis=None)", t)
    a = normalize_axis(static_int(axis, op, "axis"), t.ndim, op)
    values = np.asarray(t._v)
    if descending:  # stable and descending: ties keep their order, as TensorFlow's
        order = np.flip(np.argsort(np.flip(values, a), axis=a, kind="stable"), a)
        order = t.shape[a] - 1 - order
    else:
        order = np.argsort(values, axis=a, kind="stable")
    return t, order, a


def _guard_order(y: Tensor, axis: int, descending: bool) -> None:
    """In a trace: hold only where the gathered values are in order again."""
    if state.trace is None or y.shape[axis] < 2:
        return
    lead = (slice(None),) * axis
    lower = getitem(y, lead + (slice(None, -1),))
    upper = getitem(y, lead + (slice(1, None),))
    compare = np.greater_equal if descending else np.less_equal
    state.trace.comparison(compare, lower, upper, compare(lower._v, upper._v))


def _sort_reference(a: np.ndarray, axis: Optional[int] = -1, kind: Any = None, order: Any = None, *,
                    stable: Any = None, direction: str = "ASCENDING") -> np.ndarray:
    result = np.sort(a, axis=axis)
    return np.flip(result, -1 if axis is None else axis) if direction == "DESCENDING" else result


@composite(numpy=(np.sort,), reference=_sort_reference, cases=(
    Case(((5,),)), Case(((3, 4),), dict(axis=0)), Case(((2, 3, 4),), dict(axis=-2)),
    Case(((3, 4),), dict(axis=None)), Case(((3, 4),), dict(direction="DESCENDING"))),
           convention="the gradient flows through the permutation of a stable sort: tied elements keep "
                      "their order, each receiving the cotangent of its own place (a subgradient)")
@tf_signature("sort(values, axis=-1, direction='ASCENDING', name=None)", rename={"values": "a"}, reads_positions=True,
              example=dict(values=SAMPLE_MATRIX, axis=1, direction="DESCENDING"),
              reference=lambda values, axis, direction: -np.sort(-np.asarray(values), axis))
def sort(a: TensorLike, axis: Optional[int] = -1, kind: Optional[str] = None, order: None = None, *,
         stable: Optional[bool] = None, direction: str = "ASCENDING", name: Optional[str] = None) -> Tensor:
    """Sorted values along ``axis`` (flattened when None): NumPy's ``sort`` and TensorFlow's
    ``sort(values, axis=-1, direction='ASCENDING')``. NaNs sort last (ascending), as NumPy."""
    descending, _ = _descending(kind, stable, direction, order, "sort")
    t, perm, axis = _permutation(operand(a, "sort"), axis, descending, "sort")
    y = take_map(t, np.take_along_axis(positions(t.shape), perm, axis=axis))
    if t.dtype.kind == "f":
        _guard_order(y, axis, descending)
    return y


def _argsort_reference(a: np.ndarray, axis: Optional[int] = -1, kind: Any = None, order: Any = None, *,
                       stable: Any = None, direction: str = "ASCENDING") -> np.ndarray:
    if direction == "DESCENDING":
        axis_ = -1 if axis is None else axis
        values = a.reshape(-1) if axis is None else a
        n = values.shape[axis_]
        return np.flip(n - 1 - np.argsort(np.flip(values, axis_), axis=axis_, kind="stable"), axis_)
    return np.argsort(a, axis=axis, kind="stable")


@composite(numpy=(np.argsort,), reference=_argsort_reference, differentiable=False, cases=(
    Case(((5,),)), Case(((3, 4),), dict(axis=0)), Case(((3, 4),), dict(axis=None)),
    Case(((2, 3, 4),), dict(direction="DESCENDING"))),
           convention="indices: data, not differentiated; stable (ties keep their order)")
@tf_signature("argsort(values, axis=-1, direction='ASCENDING', stable=False, name=None)",
              rename={"values": "a"}, example=dict(values=SAMPLE_MATRIX, axis=0), differentiable=False,
              reads_positions=True,
              reference=lambda values, axis: np.argsort(values, axis))
def argsort(a: TensorLike, axis: Optional[int] = -1, kind: Optional[str] = None, order: None = None, *,
            stable: Optional[bool] = None, direction: str = "ASCENDING", name: Optional[str] = None) -> Tensor:
    """The indices that sort ``a`` along ``axis`` (an int64 Tensor, data), stable."""
    descending, _ = _descending(kind, stable, direction, order, "argsort")
    t = operand(a, "argsort")
    if state.trace is not None:
        state.trace.value_escapes(t, "argsort")
    _, perm, _ = _permutation(t, axis, descending, "argsort")
    return wrap(np.ascontiguousarray(perm, np.int64))


def _partition_reference(a: np.ndarray, kth: Any, axis: Optional[int] = -1, kind: str = "introselect",
                         order: Any = None) -> np.ndarray:
    """A valid partition: NumPy's own leaves each side's order unspecified, numtape's is sorted."""
    np.partition(a, kth, axis=axis)  # NumPy's errors for a bad kth or axis
    return np.sort(a, axis=axis)


@composite(numpy=(np.partition,), reference=_partition_reference, cases=(
    Case(((5,),), pack=lambda a: (a, 2)), Case(((3, 4),), dict(axis=0), pack=lambda a: (a, 1)),
    Case(((3, 4),), dict(axis=None), pack=lambda a: (a, (0, 5)))),
           convention="returned fully sorted (a valid partition: NumPy leaves the order on each side of kth "
                      "unspecified); the gradient is sort's (flows through the permutation of a stable sort)")
def partition(a: TensorLike, kth: Any, axis: Optional[int] = -1, kind: str = "introselect",
              order: None = None) -> Tensor:
    """``a`` partitioned around the ``kth`` elements (data, not differentiated), as ``np.partition``:
    element ``kth`` is where a sort would put it, smaller ones before, larger after. numtape
    returns the sorted values, which satisfy that contract for every ``kth``."""
    t = operand(a, "partition")
    if kind != "introselect":
        raise op_value_error("partition", f"kind must be 'introselect', got {kind!r}")
    k = np.asarray(kth._v if isinstance(kth, Tensor) else kth)
    if k.dtype.kind not in "iu":
        raise op_value_error("partition", f"kth must be integers, got {kth!r}")
    n = t.size if axis is None else t.shape[normalize_axis(static_int(axis, "partition", "axis"), t.ndim,
                                                           "partition")] if t.ndim else 0
    if np.any((k < -n) | (k >= n)):
        raise op_value_error("partition", f"kth {kth!r} out of bounds for an axis of length {n}", t)
    return sort(t, axis=axis, order=order)
