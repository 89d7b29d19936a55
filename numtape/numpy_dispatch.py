"""NumPy interop: explicit tables mapping NumPy functions to numtape ops.

The op rows say which NumPy/SciPy functions they answer (``Elementwise.numpy``,
``Composite.numpy``, collected in ``registry.NUMPY_FUNCTIONS``); the tables here add
the wrappers for the older ops whose NumPy signature differs from numtape's.

``np.sin(t)`` reaches ``Tensor.__array_ufunc__`` and ``np.sum(t)`` reaches
``Tensor.__array_function__``; both look the function up here. Differentiable
functions map to the ``nt`` op of the same meaning and are recorded like it.
Predicates and comparisons (``np.isnan``, ``np.allclose``, ``np.argmax``...) are
computed on the values and return NumPy results. Anything else raises a
``TypeError``: silently turning a Tensor into a constant could make a gradient
wrong without any sign of it.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional

import numpy as np

from . import ops
from ._operators import comparison_value
from ._state import state
from .ops.registry import COMPOSITES, ELEMENTWISE, NUMPY_FUNCTIONS
from .tensor import Tensor
from .variable import Variable

#: From the op rows (each row lists the ufuncs it answers), plus ``pow``, not a row of its own
#: (it records ``square`` for an exponent of 2). ``np.matmul`` is the ``matmul`` row's.
HANDLED_UFUNCS: dict[Any, Callable[..., Any]] = {
    **{f: getattr(ops, spec.name) for spec in ELEMENTWISE.values() for f in spec.numpy
       if isinstance(f, np.ufunc)},
    np.power: ops.pow, np.float_power: ops.pow,
}

#: scipy.special's ufuncs -> ops, from the rows' ``scipy=`` names (elementwise and composite); built on the first ufunc that
#: misses HANDLED_UFUNCS once SciPy is imported (numtape itself never imports SciPy).
_scipy_ufuncs: Optional[dict[Any, Callable[..., Any]]] = None


def _scipy_op(ufunc: Any) -> Optional[Callable[..., Any]]:
    global _scipy_ufuncs
    if _scipy_ufuncs is None:
        special = sys.modules.get("scipy.special")
        if special is None:
            return None
        _scipy_ufuncs = {getattr(special, name): getattr(ops, spec.name)
                         for spec in ELEMENTWISE.values() for name in spec.scipy}
        _scipy_ufuncs.update((getattr(special, name), row.fn) for row in COMPOSITES.values() for name in row.scipy)
    return _scipy_ufuncs.get(ufunc)


# Computed on values; the results are NumPy bools and are never recorded.
VALUE_UFUNCS = {
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}
#: Of those, the ones whose result depends only on the operands' truth values (``t != 0``).
LOGICAL_UFUNCS = {np.logical_and, np.logical_or, np.logical_not, np.logical_xor}


def _reshape(a: Any, newshape: Any = None, order: str = "C", *, shape: Any = None, **_: Any) -> Any:
    if order != "C":
        raise TypeError("np.reshape on a Tensor supports only order='C'")
    return ops.reshape(a, shape if shape is not None else newshape)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, **kwargs: Any) -> Any:
    if kwargs or a_min is None or a_max is None:
        raise TypeError("np.clip on a Tensor needs both bounds and no other arguments")
    return ops.clip_by_value(a, a_min, a_max)




HANDLED_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    # rows answering a NumPy function that is not a ufunc (np.sinc) reach __array_function__
    **{f: getattr(ops, spec.name) for spec in ELEMENTWISE.values() for f in spec.numpy
       if not isinstance(f, np.ufunc)},
    np.reshape: _reshape, np.clip: _clip,
    np.broadcast_to: lambda array, shape, subok=False: ops.broadcast_to(array, shape),
}

# Functions that read only a Tensor's metadata, which a trace's signature fixes.
METADATA_FUNCTIONS = {np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
                      np.iscomplex, np.isreal}  # numtape has no complex dtype: iscomplex/isreal read the dtype

# Functions whose results are not floats computed from the Tensor (shapes, booleans,
# indices): applied to the values.
VALUE_FUNCTIONS = METADATA_FUNCTIONS | {
    np.allclose, np.isclose, np.array_equal, np.array_equiv,
    np.any, np.all, np.argmax, np.argmin, np.nonzero, np.count_nonzero,
    np.isnan, np.isinf, np.isfinite, np.may_share_memory, np.shares_memory, np.copyto,
}


def _values(args: Any) -> Any:
    """Tensors replaced by their values (escapes were already reported by the caller)."""
    if isinstance(args, Variable):
        args = args._read()
    if isinstance(args, Tensor):
        return np.asarray(args._v)
    if isinstance(args, (list, tuple)):
        return type(args)(_values(a) for a in args)
    if isinstance(args, dict):
        return {k: _values(v) for k, v in args.items()}
    return args


def array_ufunc(ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``Tensor.__array_ufunc__``."""
    if method == "__call__" and not kwargs:
        op = HANDLED_UFUNCS.get(ufunc) or NUMPY_FUNCTIONS.get(ufunc) or _scipy_op(ufunc)
        if op is not None:
            return op(*inputs)
        if ufunc in VALUE_UFUNCS:
            values = [comparison_value(x) for x in inputs]
            result = ufunc(*values)
            if state.trace is not None:
                _guard(ufunc, inputs, result)
            return result
    name = _public_name(ufunc)
    raise TypeError(
        f"numtape: {name}{'' if method == '__call__' else '.' + method} with "
        f"{'arguments ' + str(sorted(kwargs)) if kwargs else 'these inputs'} is not supported on Tensors; "
        f"{_suggestion(ufunc.__name__ if method == '__call__' else '', name)}"
    )


def _public_name(obj: Any) -> str:
    """``np.sin``, ``np.linalg.eig``, ``scipy.special.gammainc``: where the user found ``obj``."""
    name = getattr(obj, "__name__", repr(obj))
    if isinstance(obj, np.ufunc):
        if getattr(np, name, None) is obj:
            return f"np.{name}"
        special = sys.modules.get("scipy.special")
        return f"scipy.special.{name}" if special is not None and getattr(special, name, None) is obj else name
    parts = []
    for part in (getattr(obj, "__module__", None) or "numpy").split("."):
        if part.startswith("_"):
            break
        parts.append(part)
    module = ".".join(parts)
    return f"{'np' + module[5:] if module == 'numpy' or module.startswith('numpy.') else module}.{name}"


def _suggestion(name: str, public: str) -> str:
    """Point to the numtape op of that name where one exists, never to one that does not."""
    space = public.rpartition(".")[0].removeprefix("np").removeprefix("scipy").strip(".")
    package = sys.modules["numtape"]  # loaded: the user holds a Tensor (no import: numtape imports us)
    module = getattr(package, space, None) if space else package
    if name and module is not None and callable(getattr(module, name, None)):
        return f"use nt.{space + '.' if space else ''}{name}, or convert explicitly with t.numpy() (not differentiable)"
    return "numtape has no differentiable version; convert explicitly with t.numpy() (not differentiable)"


def _guard(ufunc: Any, inputs: tuple, result: Any) -> None:
    """Make the trace hold only where ``ufunc`` of recorded values gives ``result`` again."""
    if ufunc in LOGICAL_UFUNCS:  # a function of the operands' truth values: guard those, as bool(t)
        for x in inputs:
            state.trace.value_escapes(x, "bool")
    elif ufunc.nin == 2:
        state.trace.comparison(ufunc, inputs[0], inputs[1], result)
    else:
        state.trace.value_escapes(inputs[0], ufunc.__name__)


def array_function(func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    """``Tensor.__array_function__``."""
    op = NUMPY_FUNCTIONS.get(func) or HANDLED_FUNCTIONS.get(func)  # a row's own entry first
    if op is not None:
        return op(*args, **kwargs)
    if func in VALUE_FUNCTIONS:
        if state.trace is not None and func not in METADATA_FUNCTIONS:
            for a in args:
                if isinstance(a, (Tensor, Variable)):
                    state.trace.value_escapes(a, func.__name__)
        return func(*_values(args), **_values(kwargs))
    name = _public_name(func)
    raise TypeError(
        f"numtape: {name} is not supported on Tensors (it would not be differentiated); "
        f"{_suggestion(func.__name__, name)}"
    )


def _install() -> None:
    for cls in (Tensor, Variable):
        cls.__array_ufunc__ = lambda self, ufunc, method, *inputs, **kwargs: array_ufunc(
            ufunc, method, *inputs, **kwargs)
        cls.__array_function__ = lambda self, func, types, args, kwargs: array_function(func, types, args, kwargs)


_install()
