"""custom_gradient and stop_gradient.

``@custom_gradient`` runs the function with recording stopped on every tape, then
records one ``OP_CUSTOM_CALL`` entry (operands: the Tensor arguments and the
values of variables the function read) and one ``OP_CUSTOM_OUT`` entry per output.
The backward pass hands the call to Python, which calls the user's ``grad_fn``
with the outputs' cotangents. When a tape is recording the backward pass, the
Tensors ``grad_fn`` computes are recorded like any others, so custom gradients
compose with higher-order derivatives, as long as ``grad_fn`` computes them with
numtape ops from Tensors those tapes know. A gradient computed from values they
cannot see (NumPy, ``.numpy()``, Tensors made in the forward, where nothing records)
would differentiate as a constant: ``CustomCall.check_visible`` refuses it.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from . import _nest
from ._state import state
from .tape.custom_call import CustomCall, record_call
from .tensor import Tensor, to_value, wrap
from .variable import Variable

__all__ = ["CustomCall", "custom_gradient", "stop_gradient"]


def stop_gradient(x: Any) -> Tensor:
    """The value of ``x``, through which no gradient flows (its gradient is None).

    It is recorded as a non-differentiable entry, so a replayed ``nt.function``
    trace recomputes it from its own inputs.
    """
    from .ops.elementwise import stop_gradient_op

    if isinstance(x, Variable):
        x = x._read()
    if isinstance(x, Tensor):
        return stop_gradient_op(x) if x.dtype.kind == "f" else wrap(x._v)
    return wrap(to_value(x, "stop_gradient"))


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator defining a function with its own gradient, as ``tf.custom_gradient``.

    ``f(*args)`` returns ``(y, grad_fn)``; ``grad_fn(*dys)`` returns one gradient
    per positional argument (or, if ``f`` read variables, ``(arg_grads,
    variable_grads)`` and it must accept ``variables=``).

    >>> import numtape as nt
    >>> @nt.custom_gradient
    ... def clipped_identity(x):
    ...     return nt.identity(x), lambda dy: nt.clip_by_value(dy, -1.0, 1.0)
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        inputs = [a._read() if isinstance(a, Variable) else a for a in args]
        inputs = [a if isinstance(a, Tensor) else wrap(to_value(a, f.__name__)) for a in inputs]
        saved = state.stack
        state.stack = []
        state.variable_reads.append([])
        try:
            result, grad_fn = f(*inputs, **kwargs)
        finally:
            reads = state.variable_reads.pop()
            state.stack = saved
        outputs = [wrap((o if isinstance(o, Tensor) else wrap(to_value(o, f.__name__)))._v)
                   for o in _nest.flatten(result)]
        if saved:
            variables = list(dict.fromkeys(reads))
            for v in variables:  # a read the tapes see, so they can route its gradient
                v._read()
            record_call(grad_fn, inputs, variables, outputs, functools.partial(f, **kwargs))
        return _nest.pack_sequence_as(result, outputs)

    return wrapper
