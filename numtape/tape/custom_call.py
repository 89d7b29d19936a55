"""The record of a call handed to Python by the backward pass (``OP_CUSTOM_CALL``).

``record_call`` appends one ``OP_CUSTOM_CALL`` entry (operands: the call's Tensor
inputs and the variables it read) and one ``OP_CUSTOM_OUT`` entry per output to every
recording tape that has one of the inputs, and keeps a :class:`CustomCall` in
``Tape.custom``. The backward pass (fast or recorded) calls ``CustomCall.backward``
with the outputs' cotangents; ``nt.function`` replays re-run ``CustomCall.forward`` in
Python. Both ``nt.custom_gradient`` and the ops' NumPy/SciPy hand-offs
(``numtape.ops.handoff``) record through here; it sits in the tape layer so that the
ops can use it.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import _nest
from .._kernels import sweep as K
from .._state import state
from ..tensor import Tensor, wrap
from ..variable import Variable
from .recorder import resolve


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


def record_call(grad_fn: Callable[..., Any], inputs: list[Tensor], variables: list[Variable],
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
