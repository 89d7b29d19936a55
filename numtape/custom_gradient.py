"""custom_gradient and stop_gradient.

``@custom_gradient`` runs the function with recording stopped on every tape, then
records one ``OP_CUSTOM_CALL`` entry (operands: the flattened positional arguments and the
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
from typing import Any, Callable, Optional

import numpy as np


from . import _nest
from ._state import state
from .tape.custom_call import CustomCall, _name, record_call  # noqa: F401  (CustomCall: re-exported)
from .tensor import Tensor, to_value, wrap
from .variable import Variable
from .ops.tf_signature import SAMPLE_MATRIX, tf_signature


@tf_signature("stop_gradient(input, name=None)", rename={"input": "x"}, differentiable=False,
              example=dict(input=SAMPLE_MATRIX), reference=lambda input: np.asarray(input))
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


def custom_gradient(f: Optional[Callable[..., Any]] = None) -> Any:
    """Decorator defining a function with its own gradient, as ``tf.custom_gradient``.

    ``f(*args)`` returns ``(y, grad_fn)``; ``y`` may be a Tensor or a nested list, tuple
    or dict of them, and ``grad_fn`` receives one upstream gradient per flattened output
    (dicts in sorted key order). The inputs are the positional arguments, flattened
    (a list of Tensors is one input per Tensor); ``grad_fn`` returns one gradient per
    input, in any nesting (TensorFlow flattens it), or, if ``f`` read variables,
    ``(input_gradients, variable_gradients)`` and it must accept ``variables=``. Keyword
    arguments are passed through, not differentiated. On a method, ``self`` is passed
    through too (the decorator binds like a function does).

    >>> import numtape as nt
    >>> @nt.custom_gradient
    ... def clipped_identity(x):
    ...     return nt.identity(x), lambda dy: nt.clip_by_value(dy, -1.0, 1.0)
    """
    if f is None:  # @nt.custom_gradient(), as tf.custom_gradient(f=None) allows
        return custom_gradient
    return CustomGradientFunction(f)


class CustomGradientFunction:
    """A ``@custom_gradient`` function; a descriptor, so that on a method ``obj.f(x)``
    calls ``f`` bound to ``obj`` with the inputs ``(x,)`` (TensorFlow's ``Bind``)."""

    def __init__(self, f: Callable[..., Any]) -> None:
        functools.update_wrapper(self, f)
        self._f = f

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call(self._f, args, kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return CustomGradientFunction(self._f.__get__(obj, objtype))

    def __repr__(self) -> str:
        return f"<custom_gradient {_name(self._f)}>"


class _Forward:
    """``f`` called on flat inputs, rebuilt into the positional structure it was given
    (what ``nt.function`` replays and ``check_visible`` re-runs)."""

    __slots__ = ("func", "structure", "kwargs")

    def __init__(self, func: Callable[..., Any], structure: list[Any], kwargs: dict) -> None:
        self.func, self.structure, self.kwargs = func, structure, kwargs

    def __call__(self, *flat: Tensor) -> Any:
        return self.func(*_nest.pack_sequence_as(self.structure, list(flat)), **self.kwargs)


def _input(a: Any, name: str) -> Tensor:
    if isinstance(a, Variable):
        return a._read()
    return a if isinstance(a, Tensor) else wrap(to_value(a, name))


def _call(f: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    name = _name(f)
    structure = list(args)
    flat_args = _nest.flatten(structure)
    inputs = [_input(a, name) for a in flat_args]
    forward = _Forward(f, structure, kwargs)
    if state.trace is not None:  # keyword arguments are not inputs (TF's rule): a replay reuses them,
        for value in _nest.flatten(kwargs):  # so a trace holds only for the exact values it saw
            if isinstance(value, (Tensor, Variable)):
                state.trace.value_escapes(value, "float")
    saved = state.stack
    state.stack = []
    state.variable_reads.append([])
    try:
        result, grad_fn = forward(*inputs)
    finally:
        reads = state.variable_reads.pop()
        state.stack = saved
    outputs = [wrap((o if isinstance(o, Tensor) else wrap(to_value(o, name)))._v) for o in _nest.flatten(result)]
    if saved:
        passed = flat_args + _nest.flatten(kwargs)
        # the variables grad_fn answers for: those read that are not themselves inputs (TF's rule)
        variables = [v for v in dict.fromkeys(reads) if all(v is not a for a in passed)]
        for v in variables:  # a read the tapes see, so they can route its gradient
            v._read()
        record_call(grad_fn, inputs, variables, outputs, forward)
    return _nest.pack_sequence_as(result, outputs)
