"""N-d convolution and correlation: SciPy's ``scipy.signal.convolve`` and ``correlate`` (modes
``full``, ``same``, ``valid``) as ``nt.signal`` rows, differentiable in both operands.

The approach of ``convolution.py`` (NumPy's 1-d functions) in n dimensions. The kept outputs
of the full convolution ``c[k] = sum_j a[k - j] v[j]`` (multi-indices ``k``, ``j``) are one
matrix-vector product ``W @ v.flat``: ``W[p, j] = a[k_p - j]`` is a recorded gather, through
a constant index map built at record time (per axis, summed with the strides), of ``a`` padded
by ``m - 1`` zeros on each side of each axis (a recorded constant ``pad``: so every
``k_p - j`` lands inside and the gather needs no fill), ``p`` runs over the kept output
positions in C order, and the product is reshaped to the output shape. Gather and matmul are linear, so the
gradient (a correlation of the cotangent with each operand) and every higher order come
from their VJPs; replays compile. Convolution is commutative, so the larger operand is
gathered and ``W`` has ``outputs x min(size)`` entries: meant for filters and kernels, not
FFT-sized signals (numtape always computes directly, whatever ``method`` says).

SciPy's layouts, checked against ``scipy.signal`` for every method on all shape pairs up to
5 per axis in 1-d and 2-d (and a sample in 3-d): ``full`` has ``n + m - 1`` per axis; ``same``
has ``in1``'s shape, starting at ``(m - 1) // 2`` of the full result per axis (also where
``in2`` is the larger); ``valid`` needs one operand at least as large as the other in every
axis (else SciPy's ValueError) and keeps ``|n - m| + 1`` starting at ``min(n, m) - 1`` (SciPy
swaps the operands, which for a convolution changes nothing). ``correlate(in1, in2)`` is
``convolve(in1, in2 flipped in every axis)`` with the same layout (real input: no
conjugate), which is what SciPy's ``fft`` path computes and its ``direct`` path equals.
Two 0-d operands give their product, before any mode check, as SciPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from ..variable import Variable
from .elementwise import multiply
from .index_maps import operand
from .linalg import matmul
from .padding import pad
from .primitives import gather_flat
from .rearranging import flip
from .registry import Case, composite
from .shape import reshape

_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct", "fft")


def _scipy_signal(name: str) -> Any:
    """``scipy.signal.<name>``, imported on first call (numtape never imports SciPy at start-up)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        import scipy.signal

        return getattr(scipy.signal, name)(*args, **kwargs)

    call.__name__ = name
    return call


def _dtype(x: Any) -> Any:
    """The dtype ``x`` has before numtape converts it (raw integers would become float constants)."""
    if isinstance(x, (Tensor, Variable)):
        return x.dtype
    if isinstance(x, (str, bytes, dict, set)) or x is None or _holds_tensor(x):
        return None  # operand() raises its TypeError, or stacks the Tensors (a float stack)
    try:
        return np.asarray(x).dtype
    except (TypeError, ValueError):  # ragged: operand() raises
        return None


def _holds_tensor(x: Any) -> bool:
    """A (nested) list or tuple holding a Tensor or Variable (never converted by NumPy here)."""
    return isinstance(x, (list, tuple)) and any(isinstance(e, (Tensor, Variable)) or _holds_tensor(e) for e in x)


def _operands(in1: TensorLike, in2: TensorLike, op: str) -> tuple[Tensor, Tensor]:
    dtypes = [_dtype(x) for x in (in1, in2)]
    if any(d is not None and d.kind == "c" for d in dtypes):
        raise op_type_error(op, "complex input is not supported (numtape differentiates real floats)", in1, in2)
    if all(d is not None and d.kind in "iub" for d in dtypes):
        raise op_type_error(op, f"expected a float operand, got dtypes {dtypes[0]} and {dtypes[1]} (SciPy computes "
                                "integer input in integers; cast with .astype(float) to differentiate)", in1, in2)
    # one integer operand beside a float one is a float constant, as SciPy's result is float
    in1, in2 = (np.asarray(x, np.float64) if d is not None and d.kind in "iub" else x for x, d in zip((in1, in2), dtypes))
    a, v = operand(in1, op), operand(in2, op)
    for t in (a, v):
        if t.dtype.kind != "f":
            raise op_type_error(op, f"expected float operands, got dtype {t.dtype}", a, v)
    if a.dtype != v.dtype:  # float32 with float64: float64, as SciPy
        a, v = (multiply(t, np.asarray(1.0, np.float64)) if t.dtype != np.float64 else t for t in (a, v))
    return a, v


def _window(op: str, n: tuple[int, ...], m: tuple[int, ...], mode: Any, method: Any) -> list[tuple[int, int]]:
    """(start, length) per axis of the kept outputs within the full convolution, as SciPy's checks."""
    if len(n) != len(m):
        raise op_value_error(op, f"in1 and in2 should have the same dimensionality, got shapes {n} and {m} "
                                 f"(scipy.signal.{op} raises here)")
    if not isinstance(mode, str) or mode not in _MODES:
        raise op_value_error(op, f"Acceptable mode flags are 'valid', 'same', or 'full', not mode={mode!r}")
    if not isinstance(method, str) or method not in _METHODS:
        raise op_value_error(op, f"Acceptable method flags are 'auto', 'direct', or 'fft', not method={method!r}")
    if 0 in n or 0 in m:
        raise op_value_error(op, f"empty operands (shapes {n} and {m}): SciPy raises for them too")
    if mode == "full":
        return [(0, p + q - 1) for p, q in zip(n, m)]
    if mode == "same":
        return [((q - 1) // 2, p) for p, q in zip(n, m)]
    if not (all(p >= q for p, q in zip(n, m)) or all(q >= p for p, q in zip(n, m))):
        raise op_value_error(op, f"For 'valid' mode, one must be at least as large as the other in every "
                                 f"dimension, got shapes {n} and {m} (scipy.signal.{op} raises here)")
    return [(min(p, q) - 1, abs(p - q) + 1) for p, q in zip(n, m)]


def _convolve(a: Tensor, v: Tensor, window: list[tuple[int, int]]) -> Tensor:
    """The outputs ``window`` keeps of the full n-d convolution of a and v, as ``W @ v.flat``."""
    if v.size > a.size:
        a, v = v, a  # gather the larger operand: W has outputs x min(size) entries
    d = a.ndim
    # a padded by m - 1 zeros on both sides of each axis: output k meets v[j] at padded k - j + m - 1,
    # always inside, so W is one gather (no where over its outputs x v.size entries)
    padded = pad(a, [(q - 1, q - 1) for q in v.shape])
    strides = np.cumprod((padded.shape[1:] + (1,))[::-1])[::-1]
    flat = np.zeros((1,) * (2 * d), np.int64)
    for axis, ((start, length), q, stride) in enumerate(zip(window, v.shape, strides)):
        shape = [1] * (2 * d)
        shape[axis], shape[d + axis] = length, q
        rows = np.arange(start, start + length)[:, None] - np.arange(q)[None, :] + (q - 1)
        flat = flat + (rows * int(stride)).reshape(shape)  # (outputs..., v's axes...) in C order
    out_shape = tuple(length for _, length in window)
    index = flat.reshape(int(np.prod(out_shape)), v.size)
    windows = gather_flat(padded, index, index.shape)
    return reshape(matmul(windows, reshape(v, (v.size,))), out_shape)


def _scalar_product(a: Tensor, v: Tensor) -> Tensor:
    return multiply(a, v)


_CASES = (
    Case(((5,), (3,))), Case(((3,), (5,)), dict(mode="same")), Case(((6,), (4,)), dict(mode="same")),
    Case(((2,), (5,)), dict(mode="valid")), Case(((5,), (2,)), dict(mode="valid", method="direct")),
    Case(((4, 5), (2, 3))), Case(((4, 5), (3, 2)), dict(mode="same")), Case(((3, 3), (4, 2)), dict(mode="same")),
    Case(((3, 4), (4, 5)), dict(mode="valid")), Case(((5, 4), (2, 3)), dict(mode="valid", method="fft")),
    Case(((3, 2, 4), (2, 2, 3))), Case(((3, 4, 2), (2, 3, 2)), dict(mode="same", method="fft")),
    Case(((2, 3, 2), (3, 4, 3)), dict(mode="valid")), Case(((), ())), Case(((1, 1), (1, 1)), dict(mode="same")),
)
_CONVENTION = ("bilinear: smooth in both operands at every order; an integer or boolean operand beside a float one "
               "is a constant, two integer operands or complex input raise TypeError; computed directly whatever "
               "method says")


@composite(namespace="signal", reference=_scipy_signal("convolve"), cases=_CASES, convention=_CONVENTION)
def convolve(in1: TensorLike, in2: TensorLike, mode: str = "full", method: str = "auto") -> Tensor:
    """The n-d convolution of ``in1`` and ``in2``, as ``scipy.signal.convolve`` (SciPy's layout of
    ``full``, ``same`` and ``valid``, and its errors).

    numtape computes the sum directly (a recorded gather and matmul), whatever ``method`` says:
    ``'auto'``, ``'direct'`` and ``'fft'`` are accepted and give SciPy's values within float
    rounding. Meant for filters and kernels: memory is outputs x the smaller operand's size.
    """
    a, v = _operands(in1, in2, "signal.convolve")
    if a.ndim == v.ndim == 0:
        return _scalar_product(a, v)
    return _convolve(a, v, _window("signal.convolve", a.shape, v.shape, mode, method))


@composite(namespace="signal", reference=_scipy_signal("correlate"), cases=_CASES, convention=_CONVENTION)
def correlate(in1: TensorLike, in2: TensorLike, mode: str = "full", method: str = "auto") -> Tensor:
    """The n-d cross-correlation of ``in1`` and ``in2`` (in ``full`` mode ``z[k] = sum_l in1[l] in2[l - k + m - 1]``,
    ``m`` in2's shape), as
    ``scipy.signal.correlate`` (real input: no conjugate; SciPy's layout of ``full``, ``same`` and
    ``valid``, also where ``in2`` is the larger, and its errors).

    It is the convolution with ``in2`` flipped in every axis. numtape computes it directly,
    whatever ``method`` says: ``'auto'``, ``'direct'`` and ``'fft'`` give SciPy's values within
    float rounding.
    """
    a, v = _operands(in1, in2, "signal.correlate")
    if a.ndim == v.ndim == 0:
        return _scalar_product(a, v)
    window = _window("signal.correlate", a.shape, v.shape, mode, method)
    return _convolve(a, flip(v), window)
