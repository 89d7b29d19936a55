"""Triangles and diagonals: ``tril``, ``triu``, ``diag``, ``diagonal`` and NumPy's ``trace``
(offset, axis1/axis2, n-d), as composite rows.

Each takes elements without computing: the map is NumPy's own function applied to the
elements' positions plus one, minus one, so the places NumPy sets to zero (above the
k-th diagonal for ``tril``, off the diagonal for ``diag`` of a vector) are -1 and are
filled with exact zeros by a recorded ``where`` (never ``x * mask``, which would turn
an inf above the diagonal into NaN). ``numpy_trace`` sums ``diagonal`` over its last
axis. ``nt.trace`` stays TensorFlow's (batched, last two axes); NumPy's ``np.trace``,
whose defaults are axis1=0, axis2=1, dispatches to ``nt.numpy_trace``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, TensorLike, wrap
from .index_maps import no_extras, numpy_map, operand, static_int, take_map
from .reduce import reduce_sum
from .registry import Case, composite

_ZEROS = "a gather of the kept elements; the zeroed places pass no gradient"


def _with_zeros(op: str, fn: Any, m: TensorLike, *args: Any) -> Tensor:
    t = operand(m, op)
    shifted = numpy_map(op, lambda p, *a: fn(p + 1, *a) - 1, t.shape, *args)
    return take_map(t, shifted, fill=0.0)


@composite(numpy=(np.tril,), convention=_ZEROS, cases=(
    Case(((3, 3),)), Case(((3, 4),), dict(k=1)), Case(((2, 3, 4),), dict(k=-1)), Case(((4,),))))
def tril(m: TensorLike, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes (zeros above the k-th diagonal)."""
    return _with_zeros("tril", np.tril, m, static_int(k, "tril", "k"))


@composite(numpy=(np.triu,), convention=_ZEROS, cases=(
    Case(((3, 3),)), Case(((3, 4),), dict(k=-1)), Case(((2, 3, 4),), dict(k=2)), Case(((4,),))))
def triu(m: TensorLike, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes (zeros below the k-th diagonal)."""
    return _with_zeros("triu", np.triu, m, static_int(k, "triu", "k"))


@composite(numpy=(np.diag,), convention=_ZEROS, cases=(
    Case(((3,),)), Case(((3,),), dict(k=1)), Case(((3, 4),)), Case(((3, 4),), dict(k=-1)),
    Case(((4, 3),), dict(k=2))))
def diag(v: TensorLike, k: int = 0) -> Tensor:
    """NumPy's ``diag``: a 1-d tensor becomes the k-th diagonal of a square matrix (zeros
    elsewhere); a 2-d tensor gives its k-th diagonal."""
    return _with_zeros("diag", np.diag, v, static_int(k, "diag", "k"))


@composite(numpy=(np.diagonal,), convention="a gather of the diagonal elements", cases=(
    Case(((3, 3),)), Case(((3, 4),), dict(offset=1)), Case(((2, 3, 4),), dict(axis1=1, axis2=2)),
    Case(((2, 3, 4),), dict(offset=-1, axis1=-1, axis2=0))))
def diagonal(a: TensorLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The ``offset`` diagonal of the plane (axis1, axis2), as a new last axis (NumPy's layout)."""
    t = operand(a, "diagonal")
    index_map = numpy_map("diagonal", np.diagonal, t.shape, static_int(offset, "diagonal", "offset"),
                          static_int(axis1, "diagonal", "axis1"), static_int(axis2, "diagonal", "axis2"))
    return take_map(t, index_map)


@composite(numpy=(np.trace,), reference=np.trace, convention="the sum of a gather: the cotangent goes to the "
                                                             "diagonal elements", cases=(
    Case(((3, 3),)), Case(((3, 4),), dict(offset=1)), Case(((2, 3, 4),), dict(axis1=1, axis2=-1)),
    Case(((4, 3),), dict(offset=-2))))
def numpy_trace(a: TensorLike, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: None = None,
                out: None = None) -> Tensor:
    """NumPy's ``trace`` (``np.trace`` on Tensors): the sum of the ``offset`` diagonal of the
    plane (axis1, axis2), NumPy's defaults axis1=0, axis2=1. ``nt.trace`` is TensorFlow's."""
    no_extras("numpy_trace", dtype=dtype, out=out)
    d = diagonal(a, offset, axis1, axis2)
    if d.dtype.kind != "f":
        return wrap(np.sum(np.asarray(d._v), axis=-1))
    return reduce_sum(d, axis=-1)
