"""Hand-off ops: a forward computed by NumPy/SciPy, a VJP written in numtape ops.

``handoff(name, forward, vjp, inputs)`` runs ``forward`` on the inputs' values (float64
copies; the float results are cast back to the inputs' dtype: float32 in, float32 out)
and, when a tape records, appends one ``OP_CUSTOM_CALL`` entry and one
``OP_CUSTOM_OUT`` per output through :mod:`numtape.tape.custom_call`, the mechanism of
``nt.custom_gradient``. The backward pass hands the call to Python, which calls
``vjp(upstream, inputs, outputs)``; ``vjp`` computes the input cotangents with numtape
ops, so a tape recording the backward pass records them (higher orders). What ``vjp``
reads of the forward (a Cholesky factor, U, s, V) must then be Tensors that tape knows:
when a tape records the backward pass the op is run again on the inputs (recorded like
any op), otherwise the forward's outputs are reused. ``nt.function`` replays re-run
``forward`` in Python for each call (the tape's ``CustomCall.forward``).

An output cotangent that is a constant zero (an output nobody used: the backward pass
fills it with zeros that no tape records) reaches ``vjp`` as None, so a rule can skip its
term exactly: the eigenvector term of ``eigh`` is then not computed, and degenerate
eigenvalues, which make that term infinite, do not matter to a loss of the eigenvalues.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._fpstate import quietly
from .._state import state
from ..tape.custom_call import record_call
from ..tensor import Tensor, wrap

Forward = Callable[[list[np.ndarray]], Sequence[np.ndarray]]
Vjp = Callable[[list[Optional[Tensor]], list[Tensor], list[Tensor]], Sequence[Optional[Tensor]]]


def handoff(name: str, forward: Forward, vjp: Vjp, inputs: Sequence[Tensor], data: int = 0) -> list[Tensor]:
    """The outputs of ``forward`` on ``inputs`` as Tensors, recorded with the rule ``vjp``.

    ``forward(values)`` gets float64 arrays and returns arrays; ``vjp(upstream, inputs,
    outputs)`` returns one cotangent (a Tensor, or None) per input. The last ``data`` inputs
    are data (pivots): their dtype does not make the outputs float64.
    """
    inputs = list(inputs)
    outputs, grad_fn = _run(name, forward, vjp, inputs, data)
    if state.stack:
        replay = _replayer(name, forward, vjp, data)
        record_call(grad_fn, inputs, [], outputs, replay)
    return outputs


def _run(name: str, forward: Forward, vjp: Vjp, inputs: list[Tensor], data: int
         ) -> tuple[list[Tensor], Callable[..., Any]]:
    dtype = _result_dtype(inputs[: len(inputs) - data])
    values = forward([np.asarray(x._v, np.float64) for x in inputs])
    outputs = [wrap(_cast(v, dtype)) for v in values]

    def grad_fn(*upstream: Tensor) -> list[Optional[Tensor]]:
        cotangents = [None if _constant_zero(u) else u for u in upstream]
        if all(u is None for u in cotangents):
            return [None] * len(inputs)
        # A recording tape must see what the rule reads: run the op again, recorded.
        seen = handoff(name, forward, vjp, inputs, data) if state.stack else outputs
        return list(vjp(cotangents, inputs, seen))

    return outputs, grad_fn


def _replayer(name: str, forward: Forward, vjp: Vjp, data: int) -> Callable[..., Any]:
    """``CustomCall.forward``: the op on new inputs, for ``nt.function`` replays."""

    def replay(*inputs: Tensor) -> tuple[list[Tensor], Callable[..., Any]]:
        return _run(name, forward, vjp, list(inputs), data)

    replay.__name__ = replay.__qualname__ = name
    return replay


def _result_dtype(inputs: Sequence[Tensor]) -> np.dtype:
    kinds = [x.dtype for x in inputs if x.dtype.kind == "f"]
    return np.result_type(*kinds) if kinds else np.dtype(np.float64)


def _cast(v: Any, dtype: np.dtype) -> Any:
    a = np.asarray(v)
    if a.dtype.kind != "f":
        return a
    return quietly(np.asarray, a, dtype)


def _constant_zero(u: Optional[Tensor]) -> bool:
    """True for a cotangent that is exactly zero and that no recording tape knows."""
    if u is None:
        return True
    if np.any(np.asarray(u._v)):
        return False
    return not any(tape.slot_of(u) >= 0 for tape in state.stack)

