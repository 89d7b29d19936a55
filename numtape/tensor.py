"""Tensor: an immutable value, and the dtype policy that turns user input into one.

A Tensor holds its value in ``_v`` in one canonical form: a Python ``float`` for a
float64 scalar (so scalar ops can use the ``math`` module, about 10x cheaper than
NumPy scalars), an ``np.float32`` for a float32 scalar, and an ndarray otherwise.
``_tid``/``_slot`` say which tape first recorded the Tensor and its slot there (0/-1
when none); other tapes find it in their own tables (``numtape/tape/recorder.py``).

Dtype policy: float64 by default; float32 stays float32; Python numbers and
integer/bool arrays become float64 unless ``dtype`` says otherwise; complex
numbers, strings, None and object arrays are refused with a clear error.
Operators (``+``, ``@``, indexing, ...) are attached by ``numtape/_operators.py``.
"""
from __future__ import annotations

import sys
import warnings
from typing import Any, Callable, Iterator, Optional, Union

import numpy as np

from ._fpstate import quietly
from ._state import state
from .errors import op_type_error, op_value_error

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_new = object.__new__


class ConversionWarning(UserWarning):
    """A Tensor that a recording tape or a trace differentiates was converted to a Python
    number (``float(t)``, ``complex(t)``, ``math.exp(t)``): the number is a constant, and no
    gradient flows through it. Shown once per line of code; filter it with
    ``warnings.filterwarnings("ignore", category=nt.ConversionWarning)`` or read the value
    deliberately with ``t.numpy()``.
    """


class Tensor:
    """An immutable scalar or n-d array value that tapes can record.

    Values leaving the tape: ``t.numpy()`` is the one explicit way to read a value out; it
    is always silent (the result is a constant). Implicit conversions of a Tensor that a
    recording tape or an ``nt.function`` trace differentiates (it was watched, or computed
    from a watched value or a trainable Variable) are refused or flagged, since the rest of
    the computation would silently be a constant: NumPy's coercion (``np.asarray(t)``,
    ``np.array([t, 2 * t])``, ``np.mean([x, y])``, SciPy functions) raises ``TypeError``
    (use nt ops, ``nt.stack`` for lists, or NumPy functions called on the Tensor itself,
    which dispatch to nt); ``float(t)`` and ``complex(t)`` (also ``math.exp(t)``) give the
    number with a :class:`ConversionWarning`, once per line (TensorFlow code logs
    ``float(loss)`` inside a tape). ``int(t)``, ``operator.index(t)``, ``bool(t)`` and
    comparisons are piecewise constant, so a constant is their exact derivative: they stay
    silent (guarded in traces). Outside any recording tape or trace every conversion is
    silent: a Tensor is then just a value.

    >>> import numtape as nt
    >>> nt.constant([[1.0, 2.0]]).shape
    (1, 2)
    """

    __slots__ = ("_v", "_tid", "_slot", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, value: Any, dtype: Any = None) -> None:
        self._v = to_value(value, "Tensor", dtype)
        self._tid = 0
        self._slot = -1

    # -- metadata -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, as a tuple."""
        v = self._v
        return () if type(v) is float else v.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        v = self._v
        return 0 if type(v) is float else v.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (float64 unless created otherwise)."""
        v = self._v
        return _F64 if type(v) is float else v.dtype

    @property
    def size(self) -> int:
        """The number of elements."""
        v = self._v
        return 1 if type(v) is float else int(v.size)

    # -- conversions ------------------------------------------------------------------
    def numpy(self) -> Any:
        """The value as a NumPy scalar (0-d) or a new NumPy array."""
        _note_escape(self, "numpy")
        v = self._v
        if type(v) is float:
            return np.float64(v)
        if isinstance(v, np.ndarray):
            return v.copy()
        return v

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        if state.stack and differentiable_here(self):
            raise TypeError(_ARRAY_MESSAGE + _scipy_caller_hint())
        _note_escape(self, "__array__")
        array = np.asarray(self._v, dtype=dtype)
        if copy:
            return array.copy()
        if array is self._v:  # never hand out a writeable alias of an immutable value
            array = array.view()
            array.flags.writeable = False
        return array

    def __float__(self) -> float:
        if state.stack:
            warn_conversion(self, "float", 3)
        _note_escape(self, "float")
        return float(self._scalar("float"))

    def __complex__(self) -> complex:
        if state.stack:
            warn_conversion(self, "complex", 3)
        _note_escape(self, "float")
        return complex(self._scalar("complex"))

    def __int__(self) -> int:
        _note_escape(self, "int")
        return int(self._scalar("int"))

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"only integer Tensors can be used as an index, not {self.dtype}")
        _note_escape(self, "int")
        return int(self._scalar("index"))

    def __bool__(self) -> bool:
        _note_escape(self, "bool")
        if self.size != 1:
            raise ValueError(
                f"The truth value of a Tensor with shape {self.shape} is ambiguous; "
                "use nt.reduce_any-style reductions such as (t > 0).any()"
            )
        return bool(self._scalar("bool"))

    def _scalar(self, kind: str) -> Any:
        v = self._v
        if type(v) is float:
            return v
        if v.size != 1:
            raise TypeError(f"only scalar Tensors can be converted by {kind}(), got shape {v.shape}")
        return v.reshape(()).item() if isinstance(v, np.ndarray) else v

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d Tensor")
        return shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if not self.shape:
            raise TypeError("iteration over a 0-d Tensor")
        for i in range(self.shape[0]):
            yield self[i]

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TypeError(
            "'Tensor' object does not support item assignment: Tensors are immutable "
            "(use a Variable and .assign(), or build a new Tensor with nt.where/nt.concat)"
        )

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        _note_escape(self, "str")  # printed, the value can steer Python: a trace guards it exactly
        v = self._v
        if isinstance(v, np.ndarray):
            body = "\n" + np.array2string(v, separator=" ")
        else:
            body = str(np.float64(v) if type(v) is float else v)
        return f"nt.Tensor({body}, shape={self.shape}, dtype={self.dtype})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return (Tensor, (self.numpy(),))


_ARRAY_MESSAGE = (
    "numtape: NumPy converted a Tensor that a recording GradientTape (or an nt.function trace) "
    "differentiates into an array (np.asarray/np.array, a list of Tensors given to a NumPy function, "
    "or a SciPy function): its gradient would silently be lost. Compute with nt ops instead "
    "(nt.stack([x, y]) for a list, nt.reduce_mean, nt.exp, ...; NumPy functions called on the Tensor "
    "itself dispatch to nt), or read the value deliberately with t.numpy() (a constant)."
)


def _scipy_caller_hint() -> str:
    """`` It was scipy.linalg.sqrtm: use nt.linalg.sqrtm.`` when a SciPy function with a numtape
    row of that name made the conversion (only on the error path: walks a few frames)."""
    frame = sys._getframe(2)
    for _ in range(12):
        if frame is None:
            break
        module = frame.f_globals.get("__name__", "")
        if module.startswith("scipy."):
            public = ".".join(p for p in module.split(".")[:2])
            name = frame.f_code.co_name
            package = sys.modules.get("numtape")
            space = {"scipy.linalg": "linalg", "scipy.signal": "signal", "scipy.special": "special",
                     "scipy.stats": "stats"}.get(public)
            if space and package is not None and callable(getattr(getattr(package, space, None), name, None)):
                return f" It was {public}.{name}: use nt.{space}.{name}, which records."
        frame = frame.f_back
    return ""


def differentiable_here(t: Any) -> bool:
    """True when a recording tape (an ``nt.function`` trace records on one too) has ``t``
    as a source or a computed value, not just as a constant operand."""
    if not isinstance(t, Tensor):
        t = t._t  # a Variable
    key = id(t)
    for tape in state.stack:
        if t._tid == tape.id:
            return True
        if key in tape.known and key not in tape.constant_tensors:
            return True
    return False


def warn_conversion(t: Any, how: str, stacklevel: int) -> None:
    """Warn once per call site that ``how(t)`` turned a differentiated Tensor into a constant."""
    if differentiable_here(t):
        warnings.warn(
            f"numtape: {how}() of a Tensor that a recording GradientTape (or an nt.function trace) "
            f"differentiates gives a constant: no gradient flows through it. Use nt ops (nt.exp, not "
            f"math.exp), or read the value deliberately with t.numpy()",
            ConversionWarning, stacklevel=stacklevel)


def _note_escape(t: Tensor, how: str) -> None:
    """Tell an ``nt.function`` trace in progress that a value left the tape."""
    trace = state.trace
    if trace is not None:
        trace.value_escapes(t, how)


# ---------------------------------------------------------------------------
# Conversion policy
# ---------------------------------------------------------------------------
TensorLike = Union[Tensor, float, int, np.ndarray, "list[Any]", "tuple[Any, ...]"]

_ALLOWED_DTYPES = {
    np.dtype(t)
    for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
              np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)
}


def _check_dtype(dtype: Any, op: str) -> Optional[np.dtype]:
    if dtype is None:
        return None
    try:
        d = np.dtype(dtype)
    except TypeError as error:
        raise op_type_error(op, f"unknown dtype {dtype!r}") from error
    if d not in _ALLOWED_DTYPES:
        raise op_type_error(op, f"dtype {d} is not supported (use float64, float32 or an integer type)")
    return d


def _canonical(array: np.ndarray) -> Any:
    """The canonical stored form of a NumPy array: floats for 0-d float64."""
    if array.ndim == 0:
        scalar = array[()]
        if type(scalar) is np.float64:
            return float(scalar)
        return scalar
    return array


# This module sits below ``variable.py`` and ``ops/``, so it imports neither: a Variable
# is recognised by its ``_read`` method, and a list holding Tensors is packed with
# ``ops.shape.stack``, which ``numtape/ops/shape.py`` stores here when it is imported.
_stack: Optional[Callable[[list[Tensor]], Tensor]] = None


def to_value(x: Any, op: str, dtype: Any = None) -> Any:
    """Convert user input into a canonical Tensor value (a new array, never an alias)."""
    wanted = _check_dtype(dtype, op)
    if hasattr(x, "_read"):  # a Variable
        x = x._read()
    if isinstance(x, Tensor):
        v = x._v
        if wanted is None or wanted == x.dtype:
            _note_escape(x, "float")  # its value becomes data: a trace holds only for this exact value
            return v
        _note_escape(x, "a dtype conversion")
        if wanted.kind == "f":
            return _canonical(quietly(np.asarray(v).astype, wanted))  # 1e300 as float32 is inf, silently
        x = v  # to an integer or bool dtype: range-checked below like any other input
    if x is None or isinstance(x, (str, bytes)):
        raise op_type_error(op, "expected a number, an array or a Tensor", x)
    if isinstance(x, (complex, np.complexfloating)):
        raise op_type_error(op, "complex numbers are not supported", x)
    if type(x) is float and wanted is None:
        return x
    if isinstance(x, (list, tuple)) and contains_tensors(x):
        return _pack(x, op, dtype)._v  # the value only: callers of to_value want a constant
    try:
        array = np.array(x, copy=True)
    except ValueError as error:
        raise op_value_error(op, f"could not make an array: {error}", x) from error
    except OverflowError as error:
        raise op_value_error(op, f"integer too large: {error}", x) from error
    kind = array.dtype.kind
    if kind == "c":
        raise op_type_error(op, "complex numbers are not supported", x)
    if kind in "OUSVMm":
        if kind == "O" and _has_huge_int(x):
            raise op_value_error(
                op, "an integer is too large for int64 (write it as a float, e.g. 1e30, for a float64 Tensor)", x
            )
        raise op_type_error(op, f"cannot convert values of dtype {array.dtype} to a numeric Tensor", x)
    if wanted is not None:
        if wanted.kind in "iub" and kind == "f" and not np.all(np.isfinite(array)):
            raise op_value_error(op, f"cannot convert non-finite floats to {wanted}", x)
        if wanted.kind in "iu" and kind == "f":
            info = np.iinfo(wanted)
            whole = np.trunc(array)
            if np.any(whole < float(info.min)) or np.any(whole >= float(info.max) + 1.0):
                raise op_value_error(op, f"values outside the range of {wanted}", x)
        with np.errstate(all="ignore"):
            converted = array.astype(wanted)
        if wanted.kind in "iu" and kind in "iu" and not np.array_equal(converted, array):
            raise op_value_error(op, f"integer values overflow {wanted}", x)
        return _canonical(converted)
    if kind == "f":
        if array.dtype != _F32 and array.dtype != _F64:
            array = quietly(array.astype, np.float64)  # a long double beyond float64 is inf, silently
        return _canonical(array)
    return _canonical(array.astype(np.float64))


def value_shape(x: Any, op: str) -> tuple[int, ...]:
    """The shape ``x`` has as a Tensor, checked like a conversion but recording nothing."""
    if isinstance(x, Tensor) or hasattr(x, "_read"):  # a Tensor or a Variable
        return x.shape
    if isinstance(x, (list, tuple)) and contains_tensors(x):
        return packed_shape(x, op)
    return np.shape(to_value(x, op))


def packed_shape(items: Any, op: str) -> tuple[int, ...]:
    """The shape a nested list holding Tensors stacks to; a ValueError if its elements differ."""
    shapes = [value_shape(e, op) for e in items]
    if any(s != shapes[0] for s in shapes):
        raise op_value_error(op, f"cannot stack elements of different shapes {shapes}")
    return (len(shapes),) + (shapes[0] if shapes else ())


def _has_huge_int(x: Any) -> bool:
    """True when ``x`` is, or a list/tuple holds, a Python int beyond int64 and uint64."""
    if isinstance(x, (list, tuple)):
        return any(_has_huge_int(e) for e in x)
    return isinstance(x, int) and not isinstance(x, bool) and not -(2**63) <= x < 2**64


def contains_tensors(items: Any) -> bool:
    """True when the list or tuple ``items`` holds a Tensor or a Variable, at any depth."""
    for e in items:
        if isinstance(e, Tensor) or hasattr(e, "_read"):  # a Tensor or a Variable
            return True
        if isinstance(e, (list, tuple)) and contains_tensors(e):
            return True
    return False


def wrap(v: Any) -> Tensor:
    """A new Tensor around the result of a NumPy computation (canonicalised, not copied)."""
    t = _new(Tensor)
    t._tid = 0
    t._slot = -1
    if type(v) is np.ndarray and v.ndim:
        t._v = v
    else:
        if type(v) is np.ndarray:
            v = v[()]
        t._v = float(v) if type(v) is np.float64 else v
    return t


def scalar_tensor(v: float) -> Tensor:
    """A new float64 scalar Tensor (the hot path of scalar ops)."""
    t = _new(Tensor)
    t._v = v
    t._tid = 0
    t._slot = -1
    return t


def constant(value: Any, dtype: Any = None, shape: Any = None) -> Tensor:
    """A Tensor holding a copy of ``value`` (float64 unless ``dtype`` or a float32 input says otherwise).

    With ``shape`` (TensorFlow's rule): a value with that many elements is reshaped to it,
    a scalar is broadcast to fill it, anything else is a ValueError.

    As ``tf.constant`` in eager mode: a Tensor of the right dtype passes through
    unchanged (its gradient flows), but a Variable or a list holding Tensors becomes a
    constant holding their current values, through which no gradient flows. Use
    :func:`convert_to_tensor` (or pass the list to an op) to pack a list differentiably.

    >>> import numtape as nt
    >>> nt.constant(3)
    nt.Tensor(3.0, shape=(), dtype=float64)
    """
    if shape is not None:
        return _shaped_constant(value, dtype, shape)
    if isinstance(value, Tensor) and (dtype is None or np.dtype(dtype) == value.dtype):
        return value
    return wrap(to_value(value, "constant", dtype))


def _shaped_constant(value: Any, dtype: Any, shape: Any) -> Tensor:
    if isinstance(value, Tensor):
        _note_escape(value, "str")  # a new constant from its value: a trace guards that value
    v = np.asarray(to_value(value, "constant", dtype))
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 0 for d in dims):
        raise op_value_error("constant", f"shape must be non-negative integers, got {shape!r}", value)
    dims = tuple(int(d) for d in dims)
    count = 1
    for d in dims:
        count *= d
    if v.size == count:
        return wrap(_canonical(v.reshape(dims).copy()))
    if v.ndim == 0:
        return wrap(_canonical(np.full(dims, v, v.dtype)))
    raise op_value_error("constant", f"a value of shape {v.shape} ({v.size} elements) cannot fill shape {dims}",
                         value)


def convert_to_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a Tensor: Tensors pass through unchanged, a Variable is read (the read is
    recorded), anything else is converted.

    A (nested) list or tuple holding Tensors or Variables is packed with a recorded
    ``stack``, as TensorFlow's ``convert_to_tensor`` auto-packs, so gradients flow to
    its elements; its shape and dtype are those of the same list with each Tensor
    replaced by its value (NumPy's rules: a Python float next to a float32 Tensor
    gives float64).
    """
    return as_operand(value, "convert_to_tensor", dtype)


def as_operand(x: Any, op: str, dtype: Any = None) -> Tensor:
    """``x`` as the Tensor an op computes with: a Tensor itself, a Variable's (recorded) read,
    a list holding Tensors packed by a recorded ``stack``, or a new unrecorded constant.

    Every op converts its operands here (or through ``ops.ufunc``'s scalar fast paths), so
    no operand loses its gradient on the way in.
    """
    if not isinstance(x, Tensor) and hasattr(x, "_read"):  # a Variable
        x = x._read()
    if isinstance(x, Tensor):
        if dtype is None or np.dtype(dtype) == x.dtype:
            return x
    elif isinstance(x, (list, tuple)) and contains_tensors(x):
        return _pack(x, op, dtype)
    return wrap(to_value(x, op, dtype))


def _pack(items: Any, op: str, dtype: Any) -> Tensor:
    """A recorded ``stack`` of the (nested) list ``items``, every element checked first."""
    packed_shape(items, op)  # a ValueError before the first stack is recorded
    return _stack([as_operand(e, op, dtype) for e in items])  # type: ignore[misc]
