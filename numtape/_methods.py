"""NumPy's array methods on Tensors and Variables (``t.sum(axis=0)``, ``t.reshape(2, 3)``, ``t.T``, ...).

Each method has NumPy's signature and calls the nt op (or the op table's row) that
computes it, so it is recorded and differentiated like that op; a Variable's method
reads the variable first (the read is recorded). Methods whose row another module
defines (``cumsum``, ``cumprod``, a ``mean`` or ``swapaxes`` row) look it up when
called, and raise a TypeError when this numtape has no such op: never a stand-in.

Data methods return what NumPy returns (``item`` and ``tolist`` Python values; ``all``,
``any``, ``argmax``, ``argmin``, ``nonzero``, ``argsort`` NumPy results) and are not
differentiated; ``round`` is a constant Tensor (TensorFlow's round has no gradient). The
value they read reaches Python, so an ``nt.function`` trace guards it exactly.
``sort`` sorts in place in NumPy: a Tensor is immutable, so it raises a TypeError
pointing to ``np.sort(t)`` instead of returning a value NumPy code would ignore.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from . import ops
from .casting import cast
from .errors import op_type_error
from .ops.linalg import dot
from .ops.reduce import reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum
from .ops.registry import COMPOSITES
from .ops.shape import normalize_axis, reshape, squeeze, transpose
from .tensor import Tensor, _note_escape, as_operand, wrap
from .variable import Variable


def row_op(name: str, method: str) -> Callable[..., Any]:
    """The op ``nt.<name>`` (a composite row or an nt op), found when the method is called."""
    row = COMPOSITES.get(name)
    if row is not None:
        return row.fn
    fn = getattr(ops, name, None)
    if fn is None:
        raise TypeError(f"Tensor.{method} needs nt.{name}, which this numtape does not have yet")
    return fn


def _no_out(out: Any, method: str, self: Any) -> None:
    if out is not None:
        raise op_type_error(f"Tensor.{method}", "out= is not supported: Tensors are immutable", self)


def _typed(self: Any, dtype: Any) -> Any:
    return self if dtype is None else cast(self, dtype)


def _value(self: Any) -> np.ndarray:
    """The value, for a data method: a Variable is read, and a trace guards the value."""
    t = as_operand(self, "Tensor method")
    _note_escape(t, "str")
    return np.asarray(t._v)


# -- reductions ---------------------------------------------------------------------
def _sum(self: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False) -> Tensor:
    _no_out(out, "sum", self)
    return reduce_sum(_typed(self, dtype), axis, keepdims)


def _mean(self: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False) -> Tensor:
    _no_out(out, "mean", self)
    mean = COMPOSITES["mean"].fn if "mean" in COMPOSITES else None
    if mean is not None:
        return mean(_typed(self, dtype), axis=axis, keepdims=keepdims)
    return reduce_mean(_typed(self, dtype), axis, keepdims)


def _moment(name: str) -> Callable[..., Tensor]:
    def moment(self: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
               keepdims: bool = False) -> Tensor:
        _no_out(out, name, self)
        return row_op(name, name)(_typed(self, dtype), axis, ddof=ddof, keepdims=keepdims)

    moment.__name__ = name
    return moment


def _extreme(reduce: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    def extreme(self: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Tensor:
        _no_out(out, name, self)
        return reduce(self, axis, keepdims)

    extreme.__name__ = name
    return extreme


def _prod(self: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False) -> Tensor:
    _no_out(out, "prod", self)
    return reduce_prod(_typed(self, dtype), axis, keepdims)


def _scan(name: str) -> Callable[..., Tensor]:
    def scan(self: Any, axis: Optional[int] = None, dtype: Any = None, out: Any = None) -> Tensor:
        _no_out(out, name, self)
        op = row_op(name, name)
        x = _typed(self, dtype)
        if axis is None:  # NumPy: over the flattened array
            return op(reshape(x, (-1,)), axis=0)
        return op(x, axis=axis)

    scan.__name__ = name
    return scan


# -- shapes -------------------------------------------------------------------------
def _check_order(order: str, method: str) -> None:
    if order not in ("C", "A", "K"):
        raise op_type_error(f"Tensor.{method}", f"order={order!r} is not supported (Tensors are C-ordered)")


def _reshape(self: Any, *shape: Any, order: str = "C") -> Tensor:
    _check_order(order, "reshape")
    return reshape(self, shape[0] if len(shape) == 1 else shape)


def _ravel(self: Any, order: str = "C") -> Tensor:
    _check_order(order, "ravel")
    return reshape(self, (-1,))


def _flatten(self: Any, order: str = "C") -> Tensor:
    _check_order(order, "flatten")
    return reshape(self, (-1,))


def _squeeze(self: Any, axis: Any = None) -> Tensor:
    return squeeze(self, axis)


def _transpose(self: Any, *axes: Any) -> Tensor:
    return transpose(self, (axes[0] if len(axes) == 1 else axes) or None)


def _swapaxes(self: Any, axis1: int, axis2: int) -> Tensor:
    if "swapaxes" in COMPOSITES:
        return COMPOSITES["swapaxes"].fn(self, axis1, axis2)
    t = as_operand(self, "swapaxes")
    perm = list(range(t.ndim))
    a, b = (normalize_axis(k, t.ndim, "swapaxes") for k in (axis1, axis2))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(t, perm)


def _astype(self: Any, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
            copy: bool = True) -> Tensor:
    _check_order(order, "astype")
    if casting != "unsafe":
        raise op_type_error("Tensor.astype", f"casting={casting!r} is not supported (only 'unsafe', NumPy's default)")
    return cast(self, dtype)


# -- arithmetic ---------------------------------------------------------------------
def _dot(self: Any, b: Any, out: Any = None) -> Tensor:
    _no_out(out, "dot", self)
    return dot(self, b)


def _clip(self: Any, min: Any = None, max: Any = None, out: Any = None) -> Tensor:
    _no_out(out, "clip", self)
    if "clip" in COMPOSITES:
        return COMPOSITES["clip"].fn(self, min, max)
    if min is None and max is None:
        return ops.identity(self)
    if min is None:
        return ops.minimum(self, max)
    if max is None:
        return ops.maximum(self, min)
    return ops.clip_by_value(self, min, max)


def _copy(self: Any, order: str = "C") -> Tensor:
    _check_order(order, "copy")
    return ops.identity(self)


# -- data ---------------------------------------------------------------------------
def _round(self: Any, decimals: int = 0, out: Any = None) -> Tensor:
    _no_out(out, "round", self)
    return wrap(np.round(_value(self), decimals))


def _data(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(_value(self), *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"NumPy's ``ndarray.{name}`` of the value (data: not differentiated)."
    return method


def _sort(self: Any, *args: Any, **kwargs: Any) -> None:
    raise TypeError("Tensor.sort: NumPy's ndarray.sort sorts in place, and a Tensor is immutable; "
                    "use np.sort(t) or nt.sort(t), which return a new Tensor")


def _partition(self: Any, *args: Any, **kwargs: Any) -> None:
    raise TypeError("Tensor.partition: NumPy's ndarray.partition works in place, and a Tensor is immutable; "
                    "use np.partition(t, kth) or nt.partition(t, kth), which return a new Tensor")


METHODS: dict[str, Any] = {
    "sum": _sum, "mean": _mean, "std": _moment("std"), "var": _moment("var"),
    "max": _extreme(reduce_max, "max"), "min": _extreme(reduce_min, "min"), "prod": _prod,
    "cumsum": _scan("cumsum"), "cumprod": _scan("cumprod"),
    "reshape": _reshape, "ravel": _ravel, "flatten": _flatten, "squeeze": _squeeze, "transpose": _transpose,
    "T": property(lambda self: transpose(self)), "swapaxes": _swapaxes, "astype": _astype,
    "dot": _dot, "clip": _clip, "copy": _copy, "round": _round, "sort": _sort,
    "partition": _partition, "argpartition": _data("argpartition", np.argpartition),
    "item": _data("item", lambda v, *args: v.item(*args)), "tolist": _data("tolist", lambda v: v.tolist()),
    "all": _data("all", np.all), "any": _data("any", np.any), "argmax": _data("argmax", np.argmax),
    "argmin": _data("argmin", np.argmin), "nonzero": _data("nonzero", np.nonzero),
    "argsort": _data("argsort", np.argsort),
}

for _cls in (Tensor, Variable):
    for _name, _method in METHODS.items():
        setattr(_cls, _name, _method)
