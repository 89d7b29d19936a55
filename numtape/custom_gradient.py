"""custom_gradient and stop_gradient.

``@custom_gradient`` runs the function with recording stopped on every tape, then
records one ``OP_CUSTOM_CALL`` entry (operands: the Tensor arguments and the
values of variables the function read) and one ``OP_CUSTOM_OUT`` entry per output.
The backward pass hands the call to Python, which calls the user's ``grad_fn``
with the outputs' cotangents. When a tape is recording the backward pass, the
Tensors ``grad_fn`` computes are recorded like any others, so custom gradients
compose with higher-order derivatives.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional

import numpy as np

from . import _nest
from ._kernels import sweep as K
from ._state import state
from .tape.recorder import resolve
from .tensor import Tensor, to_value, wrap
from .variable import Variable


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


class CustomCall:
    """What the backward pass needs to call a ``grad_fn`` (kept in ``Tape.custom``)."""

    __slots__ = ("grad_fn", "input_slots", "output_slots", "n_args", "variables", "wants_variables", "forward")

    def __init__(self, grad_fn: Callable[..., Any], input_slots: list[int], output_slots: list[int],
                 n_args: int, variables: list[Variable], forward: Callable[..., Any]) -> None:
        self.forward = forward  # f(*inputs) -> (outputs, grad_fn), for nt.function replays
        self.grad_fn = grad_fn
        self.input_slots = input_slots
        self.output_slots = output_slots
        self.n_args = n_args
        self.variables = variables
        self.wants_variables = _accepts_variables(grad_fn)

    def backward(self, upstream: list[Tensor]) -> list[tuple[int, Optional[Any]]]:
        """Cotangents of the inputs (and variables) from the outputs' cotangents."""
        if self.variables:
            if not self.wants_variables:
                raise TypeError(
                    "custom_gradient: the function reads variables, so its grad_fn must accept a "
                    "keyword argument `variables` and return (input_gradients, variable_gradients)"
                )
            input_grads, variable_grads = self.grad_fn(*upstream, variables=self.variables)
            grads = _as_list(input_grads) + _as_list(variable_grads)
        else:
            grads = _as_list(self.grad_fn(*upstream))
        if len(grads) != len(self.input_slots):
            raise ValueError(
                f"custom_gradient: grad_fn returned {len(grads)} gradients for "
                f"{self.n_args} inputs and {len(self.variables)} variables"
            )
        return [(s, None if g is None else (g if isinstance(g, Tensor) else wrap(np.asarray(g))))
                for s, g in zip(self.input_slots, grads)]


def _as_list(grads: Any) -> list[Any]:
    if isinstance(grads, (list, tuple)):
        return list(grads)
    return [grads]


def _accepts_variables(fn: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


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
            _record_call(grad_fn, inputs, variables, outputs, functools.partial(f, **kwargs))
        return _nest.pack_sequence_as(result, outputs)

    return wrapper


def _record_call(grad_fn: Callable[..., Any], inputs: list[Tensor], variables: list[Variable],
                 outputs: list[Tensor], forward: Callable[..., Any]) -> None:
    operands = inputs + [v._t for v in variables]
    for tape in state.stack:
        slots = resolve(tape, operands)
        if slots is None:
            continue
        b = tape.buffers
        listing = b.store_ints(np.array([[s, 0] for s in slots], np.int64))
        call = b.push_array(K.OP_CUSTOM_CALL, slots[0] if slots else 0, 0.0, (), False,
                            ints=(listing, len(slots)))
        out_slots = []
        for out in outputs:
            v = out._v
            shape = out.shape
            slot = b.push_array(K.OP_CUSTOM_OUT, call, v, shape, out.dtype == np.float32)
            tape.bind(out, slot)
            tape.keep[slot] = out
            out_slots.append(slot)
        tape.custom[call] = CustomCall(grad_fn, slots, out_slots, len(inputs), variables, forward)
