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
import inspect
from typing import Any, Callable, Optional, Sequence

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
    """What the backward pass needs to call a ``grad_fn`` (kept in ``Tape.custom``).

    ``inputs`` are the Tensor arguments and ``tapes`` the ids of the tapes that recorded
    the call: what ``check_visible`` needs when one of them records the backward pass.
    """

    __slots__ = ("grad_fn", "input_slots", "output_slots", "n_args", "variables", "wants_variables", "forward",
                 "inputs", "tapes")

    def __init__(self, grad_fn: Callable[..., Any], input_slots: list[int], output_slots: list[int],
                 n_args: int, variables: list[Variable], forward: Callable[..., Any],
                 inputs: Sequence[Tensor] = (), tapes: Sequence[int] = ()) -> None:
        self.forward = forward  # f(*inputs) -> (outputs, grad_fn), for nt.function replays
        self.grad_fn = grad_fn
        self.input_slots = input_slots
        self.output_slots = output_slots
        self.n_args = n_args
        self.variables = variables
        self.wants_variables = _accepts_variables(grad_fn)
        self.inputs = tuple(inputs)
        self.tapes = frozenset(tapes)

    def backward(self, upstream: list[Tensor]) -> list[tuple[int, Optional[Any]]]:
        """Cotangents of the inputs (and variables) from the outputs' cotangents."""
        grads = self._gradients(self.grad_fn, upstream)
        grads = [None if g is None else (g if isinstance(g, Tensor) else wrap(np.asarray(g))) for g in grads]
        if self.tapes and state.stack:
            self.check_visible(upstream, grads)
        return list(zip(self.input_slots, grads))

    def _gradients(self, grad_fn: Callable[..., Any], upstream: list[Tensor]) -> list[Any]:
        """``grad_fn``'s gradients, flattened as TensorFlow does: one per flattened positional
        input (any nesting of them), then one per variable."""
        if not self.variables:
            input_grads, variable_grads = grad_fn(*upstream), []
        else:
            if not self.wants_variables:
                raise TypeError(
                    "custom_gradient: the function reads variables, so its grad_fn must accept a "
                    "keyword argument `variables` and return (input_gradients, variable_gradients)"
                )
            input_grads, variable_grads = grad_fn(*upstream, variables=self.variables)
            variable_grads = _as_list(variable_grads)
            if len(variable_grads) != len(self.variables):
                raise ValueError(
                    "custom_gradient: Must return gradient for each variable from @custom_gradient grad_fn "
                    f"({len(self.variables)} variables, {len(variable_grads)} variable gradients)."
                )
        flat = _nest.flatten(input_grads)
        if len(flat) != self.n_args:
            raise ValueError(
                f"custom_gradient function expected to return {self.n_args} gradients, but returned "
                f"{len(flat)} instead (one per flattened positional input of {_name(self.forward)!r})."
            )
        return flat + variable_grads

    def check_visible(self, upstream: list[Tensor], grads: list[Optional[Tensor]]) -> None:
        """The higher-order rule: refuse a gradient that a tape recording this backward pass
        would differentiate as a constant although it varies with the inputs.

        A gradient a recording tape (one that recorded the call) knows is fine, even if that
        tape's derivative of it is zero (``stop_gradient``, or through ``dy`` only). One it
        does not know was computed from values it cannot see; it is fine only if it is truly
        constant: the forward is run again at slightly moved inputs, and a ``grad_fn`` whose
        result changes is refused (a TypeError), never differentiated as zero.
        """
        tapes = [t for t in state.stack if t.id in self.tapes]
        hidden = [k for k, g in enumerate(grads) if g is not None and any(t.slot_of(g) < 0 for t in tapes)]
        if hidden and self._varies(upstream, grads, hidden):
            raise TypeError(
                f"custom_gradient: a tape is recording the gradient of {_name(self.forward)!r} for a higher-order "
                "derivative, but its grad_fn computed the gradient from values that tape cannot see "
                "(NumPy arrays, .numpy() reads, or Tensors made in the forward function, which is not "
                "recorded), so its derivative would come out as zero. Write grad_fn with numtape ops "
                "(nt.*) on the function's inputs so that higher orders work, or compute this gradient "
                "outside the recording tape."
            )

    def _varies(self, upstream: list[Tensor], grads: list[Optional[Tensor]], hidden: list[int]) -> bool:
        """True when the gradients at ``hidden`` change if the forward runs at moved inputs."""
        saved = state.stack
        state.stack = []
        state.variable_reads.append([])
        try:
            _, grad_fn = self.forward(*[_moved(x) for x in self.inputs])
            again = self._gradients(grad_fn, upstream)
        except Exception:  # noqa: BLE001 - cannot tell: refuse rather than risk a silent zero
            return True
        finally:
            state.variable_reads.pop()
            state.stack = saved
        for k in hidden:
            other = again[k] if k < len(again) else None
            if other is None:
                return True
            a = np.asarray(grads[k]._v)  # type: ignore[union-attr]
            b = np.asarray(other._v if isinstance(other, Tensor) else other)
            if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                return True
        return False


def _moved(x: Tensor) -> Tensor:
    """``x`` moved by about 0.1% (plus 0.001): far above rounding, small for any smooth function."""
    v = np.asarray(x._v)
    if v.dtype.kind != "f":
        return x
    return wrap((v + (np.abs(v) + 1.0) * 2.0**-10).astype(v.dtype))


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


def _name(f: Any) -> str:
    return getattr(getattr(f, "func", f), "__name__", "the function")


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
        _record_call(grad_fn, inputs, variables, outputs, forward)
    return _nest.pack_sequence_as(result, outputs)


def _record_call(grad_fn: Callable[..., Any], inputs: list[Tensor], variables: list[Variable],
                 outputs: list[Tensor], forward: Callable[..., Any]) -> None:
    operands = inputs + [v._t for v in variables]
    recording = [(tape, slots) for tape in state.stack if (slots := resolve(tape, operands)) is not None]
    tape_ids = [tape.id for tape, _ in recording]
    for tape, slots in recording:
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
        tape.custom[call] = CustomCall(grad_fn, slots, out_slots, len(inputs), variables, forward, inputs, tape_ids)
