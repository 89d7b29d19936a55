"""Variable: a mutable value that tapes watch automatically when an op reads it.

A Variable holds its current value as a Tensor. Every op that reads it calls
:meth:`Variable._read`, which tells each recording tape about the read: a tape
that watches the variable (explicitly, or because it is trainable and the tape
watches accessed variables) records the current value as a leaf. The gradient
with respect to the variable is the sum over all its reads on that tape.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterator, Optional

import numpy as np

from ._fpstate import quietly
from ._state import state
from .errors import op_value_error
from .tensor import Tensor, _note_escape, to_value, warn_conversion, wrap

_names = itertools.count()
#: Creation order, as TensorFlow's handle ids: ``watched_variables()`` lists variables by it.
_uids = itertools.count(1)


class Variable:
    """A mutable, optionally trainable value.

    >>> import numtape as nt
    >>> v = nt.Variable(1.0)
    >>> with nt.GradientTape() as t:
    ...     y = v * v
    >>> float(t.gradient(y, v))
    2.0
    """

    __slots__ = ("_t", "trainable", "name", "_uid", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, initial_value: Any, trainable: bool = True, name: Optional[str] = None,
                 dtype: Any = None) -> None:
        self._t = wrap(to_value(initial_value, "Variable", dtype))
        self.trainable = bool(trainable)
        self.name = name if name is not None else f"Variable:{next(_names)}"
        self._uid = next(_uids)

    def _read(self) -> Tensor:
        """The current value, after telling the recording tapes about this read."""
        for tape in state.stack:
            tape.variable_read(self)
        if state.variable_reads:
            state.variable_reads[-1].append(self)
        return self._t

    def value(self) -> Tensor:
        """The current value as a Tensor (a read that tapes record)."""
        return self._read()

    read_value = value

    def assign(self, value: Any) -> "Variable":
        """Replace the value; the new value must have the same shape."""
        if state.trace is not None:
            state.trace.side_effect("Variable.assign")
        new = to_value(value, "Variable.assign", self.dtype)
        new_shape = np.shape(new)
        if new_shape != self.shape:
            raise op_value_error(
                "Variable.assign", f"cannot assign a value of shape {new_shape} to a variable of shape {self.shape}"
            )
        self._t = wrap(new)
        return self

    def assign_add(self, delta: Any) -> "Variable":
        """Add ``delta`` to the value in place."""
        return self._update(np.add, delta, "Variable.assign_add")

    def assign_sub(self, delta: Any) -> "Variable":
        """Subtract ``delta`` from the value in place."""
        return self._update(np.subtract, delta, "Variable.assign_sub")

    def _update(self, ufunc: Any, delta: Any, op: str) -> "Variable":
        d = to_value(delta, op, self.dtype)
        try:
            fits = np.broadcast_shapes(np.shape(d), self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise op_value_error(op, f"cannot apply a value of shape {np.shape(d)} to a variable of shape {self.shape}")
        return self.assign(quietly(ufunc, self._t._v, d))

    def numpy(self) -> Any:
        """The current value as NumPy (a copy)."""
        return self._read().numpy()

    @property
    def shape(self) -> tuple[int, ...]:
        return self._t.shape

    @property
    def dtype(self) -> np.dtype:
        return self._t.dtype

    @property
    def ndim(self) -> int:
        return self._t.ndim

    @property
    def size(self) -> int:
        return self._t.size

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        return self._read().__array__(dtype, copy)

    def __float__(self) -> float:
        t = self._read()
        if state.stack:
            warn_conversion(t, "float", 3)
        _note_escape(t, "float")
        return float(t._scalar("float"))  # no second warning from Tensor.__float__

    def __complex__(self) -> complex:
        t = self._read()
        if state.stack:
            warn_conversion(t, "complex", 3)
        _note_escape(t, "float")
        return complex(t._scalar("complex"))

    def __int__(self) -> int:
        return int(self._read())

    def __bool__(self) -> bool:
        return bool(self._read())

    def __len__(self) -> int:
        return len(self._t)

    def __iter__(self) -> Iterator[Tensor]:
        return iter(self._read())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        t = self._read() if state.trace is not None else self._t  # a trace records the read, and guards it
        _note_escape(t, "str")  # printed, the value can steer Python: a trace guards it exactly
        v = t._v
        shown = np.float64(v) if type(v) is float else (v.copy() if isinstance(v, np.ndarray) else v)
        return f"<nt.Variable '{self.name}' shape={self.shape} dtype={self.dtype}, numpy={shown!r}>"
