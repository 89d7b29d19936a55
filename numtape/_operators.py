"""Python operators on Tensors and Variables, in one table.

Arithmetic operators are the ``nt`` ops themselves (recorded, differentiable).
Comparisons compute NumPy bools from the values (not differentiable) so that
``if x > 0:`` works; while ``nt.function`` traces, each comparison also becomes a
guard of the trace. NumPy's array methods (``t.sum()``, ``t.T``) are in ``numtape/_methods.py``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._state import state
from .ops import elementwise as E
from .ops.linalg import matmul
from .ops.shape import getitem
from .tensor import Tensor
from .variable import Variable


def _reflected(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def reflected(self: Any, other: Any) -> Any:
        return op(other, self)

    reflected.__name__ = f"r{op.__name__}"
    return reflected


def _pow(self: Any, other: Any, modulo: Any = None) -> Any:
    if modulo is not None:
        raise TypeError("pow() with a modulus is not supported for Tensors")
    return E.power(self, other)


def comparison_value(x: Any) -> Any:
    """The value a comparison sees: a Tensor's or Variable's value, else a NumPy-able object."""
    if isinstance(x, Variable):
        x = x._read()
    if isinstance(x, Tensor):
        return x._v
    if isinstance(x, (float, int, np.ndarray, np.generic, list, tuple)) and not isinstance(x, (str, bytes)):
        return x
    return NotImplemented


def _comparison(ufunc: Any) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        a = comparison_value(self)
        b = comparison_value(other)
        if a is NotImplemented or b is NotImplemented:
            return NotImplemented
        result = ufunc(a, b)
        trace = state.trace
        if trace is not None:
            trace.comparison(ufunc, self, other, result)
        return result

    compare.__name__ = f"__{ufunc.__name__}__"
    return compare


_ARITHMETIC = {
    "add": E.add, "sub": E.subtract, "mul": E.multiply, "truediv": E.divide,
    "floordiv": E.floor_divide, "mod": E.mod, "matmul": matmul,
}
_COMPARISONS = {
    "__lt__": np.less, "__le__": np.less_equal, "__gt__": np.greater,
    "__ge__": np.greater_equal, "__eq__": np.equal, "__ne__": np.not_equal,
}


def _positive(self: Any) -> Any:
    return self._read() if isinstance(self, Variable) else self


for _cls in (Tensor, Variable):
    for _name, _op in _ARITHMETIC.items():
        setattr(_cls, f"__{_name}__", _op)
        setattr(_cls, f"__r{_name}__", _reflected(_op))
    _cls.__pow__ = _pow
    _cls.__rpow__ = _reflected(E.power)
    _cls.__neg__ = E.negative
    _cls.__pos__ = _positive
    _cls.__abs__ = E.absolute
    for _name, _ufunc in _COMPARISONS.items():
        setattr(_cls, _name, _comparison(_ufunc))
    _cls.__hash__ = object.__hash__

Tensor.__getitem__ = getitem
Variable.__getitem__ = lambda self, key: getitem(self._read(), key)
