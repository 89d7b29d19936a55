"""Discrete 1-d convolution and correlation: NumPy's ``convolve`` and ``correlate`` (modes
``full``, ``same``, ``valid``), differentiable in both operands.

The output positions the mode keeps, ``k = start .. start + length - 1`` of the full
convolution ``c[k] = sum_j a[k - j] v[j]``, are computed as one matrix-vector product
``W @ v``: ``W[k, j] = a[k - j]`` is a recorded gather of ``a`` through a constant index
map (entries outside ``a`` are a constant 0). The gradient is that of the gather and the
product (a correlation of the cotangent with each operand), and second order comes for
free. NumPy's layouts: ``same`` keeps ``max(n, m)`` values starting at ``(min(n, m) - 1) // 2``,
``valid`` keeps ``max - min + 1`` starting at ``min - 1``. ``correlate(a, v)`` is
``convolve(a, v[::-1])``, except that NumPy reverses the output of the swapped operands
when ``v`` is the longer one (``correlate(v, a)[::-1]``), which shifts ``same`` by one for
even lengths; both are reproduced exactly. The cost is O(length * m) memory for ``W``:
meant for filters and kernels, not for FFT-sized signals.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .elementwise import multiply
from .index_maps import operand, take_map
from .linalg import matmul
from .rearranging import flip
from .registry import Case, composite

_MODES = ("full", "same", "valid")


def _operands(a: TensorLike, v: TensorLike, op: str) -> tuple[Tensor, Tensor]:
    ta, tv = operand(a, op), operand(v, op)
    for t in (ta, tv):
        if t.ndim > 1:
            raise op_value_error(op, f"expected 1-d operands, got shapes {ta.shape} and {tv.shape}", ta, tv)
        if t.dtype.kind not in "fiub":
            raise op_type_error(op, f"expected real operands, got dtype {t.dtype}", t)
    if ta.size == 0 or tv.size == 0:
        raise op_value_error(op, "cannot be empty (a and v must have at least one element)", ta, tv)
    return ta, tv


def _window(n: int, m: int, mode: Any, op: str) -> tuple[int, int]:
    """(start, length) of the kept outputs within the full convolution."""
    if mode not in _MODES:
        raise op_value_error(op, f"mode must be one of {_MODES}, got {mode!r}")
    short, long = min(n, m), max(n, m)
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (short - 1) // 2, long
    return short - 1, long - short + 1


def _convolve(a: Tensor, v: Tensor, mode: Any, op: str) -> Tensor:
    n, m = a.shape[0], v.shape[0]
    start, length = _window(n, m, mode, op)
    if a.dtype.kind != "f" and v.dtype.kind != "f":  # integers and booleans: data, NumPy's result
        return wrap(np.convolve(np.asarray(a._v), np.asarray(v._v), mode))
    k = np.arange(start, start + length)[:, None]
    index = k - np.arange(m)[None, :]
    index = np.where((index >= 0) & (index < n), index, -1)
    if a.dtype.kind != "f":
        a = multiply(a, np.asarray(1.0, v.dtype))
    windows = take_map(a, index, fill=0.0)
    return matmul(windows, v if v.dtype.kind == "f" else multiply(v, np.asarray(1.0, a.dtype)))


@composite(numpy=(np.convolve,), cases=(
    Case(((5,), (3,))), Case(((3,), (5,))), Case(((5,), (3,)), dict(mode="same")),
    Case(((4,), (6,)), dict(mode="same")), Case(((5,), (2,)), dict(mode="valid")),
    Case(((2,), (5,)), dict(mode="valid")), Case(((1,), (1,)))),
           convention="smooth (bilinear) in both operands; 1-d only, as NumPy")
def convolve(a: TensorLike, v: TensorLike, mode: str = "full") -> Tensor:
    """The discrete linear convolution of two 1-d sequences, as ``np.convolve(a, v, mode)``."""
    ta, tv = _operands(a, v, "convolve")
    return _convolve(ta, tv, mode, "convolve")


@composite(numpy=(np.correlate,), cases=(
    Case(((5,), (3,))), Case(((3,), (5,))), Case(((5,), (3,)), dict(mode="same")),
    Case(((4,), (6,)), dict(mode="same")), Case(((2,), (5,)), dict(mode="same")),
    Case(((5,), (2,)), dict(mode="full")), Case(((2,), (5,)), dict(mode="full"))),
           convention="smooth (bilinear) in both operands; real input (no conjugate); 1-d only, as NumPy")
def correlate(a: TensorLike, v: TensorLike, mode: str = "valid") -> Tensor:
    """The cross-correlation ``c[k] = sum_n a[n + k] v[n]`` of two 1-d sequences, as
    ``np.correlate(a, v, mode)`` (NumPy's output layout, also when ``v`` is the longer one)."""
    ta, tv = _operands(a, v, "correlate")
    if tv.shape[0] > ta.shape[0]:
        return flip(_convolve(tv, flip(ta), mode, "correlate"))
    return _convolve(ta, flip(tv), mode, "correlate")
