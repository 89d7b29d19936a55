"""Rearranging elements: flip, roll, rot90, swapaxes, moveaxis, ravel, transpose, repeat,
tile, squeeze and expand_dims (NumPy's signatures, and TensorFlow's ``reverse``/``roll``/
``transpose``/``tile``/``squeeze``/``expand_dims``), as composite rows.

None of these computes: each is ``y.flat = x.flat[map]``, the map being the NumPy
function itself applied to the elements' positions (``index_maps.numpy_map``), so
every axis argument NumPy takes works as in NumPy and errors are NumPy's, raised as
ValueError/TypeError naming the op. A map that keeps the order (squeeze, expand_dims,
ravel, a transpose of size-1 axes) records a reshape, not a gather. The gradient is
the gather's: the cotangent scatter-added back to where each element came from
(``repeat`` and ``tile`` therefore sum over the copies).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from .index_maps import index_array, numpy_map, operand, static_axes, static_int, take_map
from .registry import Case, composite
from . import shape as _shape
from .tf_signature import SAMPLE_MATRIX, tf_signature

_MOVES = "a gather: the cotangent goes back to where each element came from"
_COPIES = "a gather: the cotangents of the copies of an element are summed"


def _rearranged(op: str, fn: Any, x: TensorLike, *args: Any, **kwargs: Any) -> Tensor:
    t = operand(x, op)
    return take_map(t, numpy_map(op, fn, t.shape, *args, **kwargs))


@composite(numpy=(np.flip,), convention=_MOVES, cases=(
    Case(((4,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(0, -1))),
    Case(((2, 3),), dict(axis=-2))))
def flip(m: TensorLike, axis: Any = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    return _rearranged("flip", np.flip, m, static_axes(axis, "flip"))


@composite(numpy=(np.fliplr,), convention=_MOVES, cases=(Case(((2, 3),)), Case(((2, 3, 2),))))
def fliplr(m: TensorLike) -> Tensor:
    """Reverse along axis 1 (rank >= 2)."""
    return _rearranged("fliplr", np.fliplr, m)


@composite(numpy=(np.flipud,), convention=_MOVES, cases=(Case(((4,),)), Case(((2, 3),))))
def flipud(m: TensorLike) -> Tensor:
    """Reverse along axis 0 (rank >= 1)."""
    return _rearranged("flipud", np.flipud, m)


@composite(reference=lambda x, axis: np.flip(x, tuple(axis)), convention=_MOVES, cases=(
    Case(((4,),), dict(axis=[0])), Case(((2, 3, 4),), dict(axis=[0, -1]))))
def reverse(tensor: TensorLike, axis: Sequence[int], name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``reverse``: flip along each axis of the list ``axis``."""
    axes = static_axes(axis, "reverse")
    if axes is None:
        raise op_type_error("reverse", "axis must be a list of ints, got None")
    return _rearranged("reverse", np.flip, tensor, axes)


@composite(numpy=(np.roll,), convention=_MOVES, cases=(
    Case(((5,),), dict(shift=2)), Case(((3, 4),), dict(shift=-1, axis=1)),
    Case(((2, 3, 4),), dict(shift=(1, 2), axis=(0, -1))), Case(((3, 4),), dict(shift=5))))
@tf_signature("roll(input, shift, axis, name=None)", rename={"input": "a"},
              example=dict(input=SAMPLE_MATRIX, shift=1, axis=1), reference=lambda input, shift, axis: np.roll(input, shift, axis))
def roll(a: TensorLike, shift: Any, axis: Any = None, name: Optional[str] = None) -> Tensor:
    """Roll elements along ``axis`` by ``shift`` (flattened when ``axis`` is None); NumPy's and
    TensorFlow's ``roll(input, shift, axis)``."""
    shifts = static_axes(shift, "roll", "shift")
    return _rearranged("roll", np.roll, a, shifts, static_axes(axis, "roll"))


@composite(numpy=(np.rot90,), convention=_MOVES, cases=(
    Case(((2, 3),)), Case(((2, 3),), dict(k=2)), Case(((2, 3, 4),), dict(k=-1, axes=(1, 2))),
    Case(((2, 3, 2),), dict(k=3, axes=(2, 0)))))
def rot90(m: TensorLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes`` (from the first towards the second)."""
    return _rearranged("rot90", np.rot90, m, static_int(k, "rot90", "k"), static_axes(axes, "rot90"))


@composite(numpy=(np.swapaxes,), convention=_MOVES, cases=(
    Case(((2, 3),), dict(axis1=0, axis2=1)), Case(((2, 3, 4),), dict(axis1=-1, axis2=0))))
def swapaxes(a: TensorLike, axis1: int, axis2: int) -> Tensor:
    """Interchange two axes."""
    return _rearranged("swapaxes", np.swapaxes, a, static_int(axis1, "swapaxes", "axis1"),
                       static_int(axis2, "swapaxes", "axis2"))


@composite(numpy=(np.moveaxis,), convention=_MOVES, cases=(
    Case(((2, 3, 4),), dict(source=0, destination=-1)),
    Case(((2, 3, 4, 2),), dict(source=(0, 1), destination=(-1, 0)))))
def moveaxis(a: TensorLike, source: Any, destination: Any) -> Tensor:
    """Move axes to new positions; the others keep their order."""
    return _rearranged("moveaxis", np.moveaxis, a, static_axes(source, "moveaxis"),
                       static_axes(destination, "moveaxis"))


@composite(numpy=(np.ravel,), convention=_MOVES, cases=(
    Case(((2, 3),)), Case(((2, 3, 4),), dict(order="F")), Case(((3,),))))
def ravel(a: TensorLike, order: str = "C") -> Tensor:
    """The elements as a 1-d tensor (``order`` 'C', 'F', 'A' or 'K' as NumPy; Tensors are C-ordered)."""
    if order not in ("C", "F", "A", "K"):
        raise op_value_error("ravel", f"order must be one of 'C', 'F', 'A', 'K', got {order!r}")
    return _rearranged("ravel", np.ravel, a, "F" if order == "F" else "C")


@composite(numpy=(np.transpose,), convention=_MOVES, cases=(
    Case(((2, 3),)), Case(((2, 3, 4),), dict(axes=(1, -1, 0)))))
@tf_signature("transpose(a, perm=None, conjugate=False, name='transpose')", rename={"perm": "axes"},
              example=dict(a=SAMPLE_MATRIX, perm=(1, 0)), reference=lambda a, perm: np.transpose(a, perm))
def transpose(a: TensorLike, axes: Optional[Sequence[int]] = None, *, perm: Optional[Sequence[int]] = None,
              conjugate: bool = False, name: Optional[str] = None) -> Tensor:
    """Permute the axes (reverse them when None): NumPy's ``transpose(a, axes)`` and
    TensorFlow's ``transpose(a, perm)``."""
    if axes is not None and perm is not None:
        raise op_type_error("transpose", "give axes (NumPy) or perm (TensorFlow), not both")
    return _shape.transpose(a, static_axes(perm if perm is not None else axes, "transpose"))


@composite(numpy=(np.squeeze,), convention=_MOVES, cases=(
    Case(((1, 3, 1),)), Case(((2, 1, 3),), dict(axis=1)), Case(((1, 3, 1),), dict(axis=(0, -1)))))
@tf_signature("squeeze(input, axis=None, name=None)", rename={"input": "a"},
              example=dict(input=[SAMPLE_MATRIX], axis=0), reference=lambda input, axis: np.squeeze(input, axis))
def squeeze(a: TensorLike, axis: Any = None, name: Optional[str] = None) -> Tensor:
    """Remove axes of size 1 (all of them, or those in ``axis``)."""
    return _shape.squeeze(a, static_axes(axis, "squeeze"))


@composite(numpy=(np.expand_dims,), convention=_MOVES, cases=(
    Case(((3,),), dict(axis=0)), Case(((2, 3),), dict(axis=-1)), Case(((2, 3),), dict(axis=(0, 2, -1)))))
@tf_signature("expand_dims(input, axis, name=None)", rename={"input": "a"},
              example=dict(input=SAMPLE_MATRIX, axis=1), reference=lambda input, axis: np.expand_dims(input, axis))
def expand_dims(a: TensorLike, axis: Any, name: Optional[str] = None) -> Tensor:
    """Insert axes of size 1 at ``axis`` (an int, or a tuple of the new axes' positions as NumPy)."""
    axes = static_axes(axis, "expand_dims")
    if not isinstance(axes, tuple):
        return _shape.expand_dims(a, axes)
    t = operand(a, "expand_dims")
    ndim = t.ndim + len(axes)
    places = {_shape.normalize_axis(x, ndim, "expand_dims") for x in axes}
    if len(places) != len(axes):
        raise op_value_error("expand_dims", f"repeated axis in {axes}", t)
    dims = iter(t.shape)
    return _shape.reshape(t, tuple(1 if i in places else next(dims) for i in range(ndim)))


@composite(numpy=(np.repeat,), convention=_COPIES, cases=(
    Case(((3,),), dict(repeats=2)), Case(((2, 3),), dict(repeats=[1, 0, 2], axis=1)),
    Case(((2, 3),), dict(repeats=2)), Case(((2, 2, 3),), dict(repeats=3, axis=-2))))
def repeat(a: TensorLike, repeats: Any, axis: Optional[int] = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or one count per element along ``axis``)."""
    counts = index_array(repeats, "repeat", "repeats")
    if (counts < 0).any():
        raise op_value_error("repeat", f"repeats must be non-negative, got {counts.tolist()}")
    return _rearranged("repeat", np.repeat, a, counts, None if axis is None else static_int(axis, "repeat", "axis"))


@composite(numpy=(np.tile,), convention=_COPIES, cases=(
    Case(((3,),), dict(reps=2)), Case(((2, 3),), dict(reps=(2, 1))), Case(((2, 3),), dict(reps=(2, 1, 2))),
    Case(((2, 2, 3),), dict(reps=(3,)))))
@tf_signature("tile(input, multiples, name=None)", rename={"input": "a", "multiples": "reps"},
              example=dict(input=SAMPLE_MATRIX, multiples=(2, 1)), reference=lambda input, multiples: np.tile(input, multiples))
def tile(a: TensorLike, reps: Any = None, name: Optional[str] = None, *, multiples: Any = None) -> Tensor:
    """Repeat ``a`` ``reps[i]`` times along axis i (NumPy's ``tile``: reps shorter than the rank
    apply to the last axes, longer ones add leading axes; TensorFlow's ``tile(input, multiples)``)."""
    t = operand(a, "tile")
    if (reps is None) == (multiples is None):
        raise op_type_error("tile", "give reps (NumPy) or multiples (TensorFlow), one of them", t)
    counts = _shape._as_shape(reps if multiples is None else multiples, "tile")
    if any(r < 0 for r in counts):
        raise op_value_error("tile", f"reps {counts} must be non-negative", t)
    ndim = max(t.ndim, len(counts))
    t = _shape.reshape(t, (1,) * (ndim - t.ndim) + t.shape)
    return _shape.tile(t, (1,) * (ndim - len(counts)) + counts)


def _shift_axes(x: Tensor, axes: Any, op: str) -> tuple[int, ...]:
    axes = static_axes(axes, op, "axes")
    if axes is None:
        return tuple(range(x.ndim))
    return (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)


@composite(namespace="numpy.fft", numpy=(np.fft.fftshift,), convention=_MOVES, cases=(
    Case(((5,),)), Case(((4, 3),)), Case(((4, 3),), dict(axes=1)), Case(((2, 3, 4),), dict(axes=(0, 2)))))
def fftshift(x: TensorLike, axes: Any = None) -> Tensor:
    """NumPy's ``fft.fftshift``: the zero-frequency entry moved to the centre (a roll by n // 2)."""
    t = operand(x, "fft.fftshift")
    shifts = _shift_axes(t, axes, "fft.fftshift")
    return roll(t, tuple(t.shape[a] // 2 for a in shifts), shifts) if shifts else t


@composite(namespace="numpy.fft", numpy=(np.fft.ifftshift,), convention=_MOVES, cases=(
    Case(((5,),)), Case(((4, 3),)), Case(((4, 3),), dict(axes=1)), Case(((2, 3, 4),), dict(axes=(0, 2)))))
def ifftshift(x: TensorLike, axes: Any = None) -> Tensor:
    """NumPy's ``fft.ifftshift``, the inverse of fftshift (a roll by -(n // 2))."""
    t = operand(x, "fft.ifftshift")
    shifts = _shift_axes(t, axes, "fft.ifftshift")
    return roll(t, tuple(-(t.shape[a] // 2) for a in shifts), shifts) if shifts else t
