"""The recorded path of the gradient, used when a tape is recording while the gradient
is computed (higher-order derivatives): the same reverse walk as the fast path, in
Python, calling each entry's VJP rule with Tensors, so the recording tape records
the backward computation itself.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .._kernels import sweep as K
from ..ops.elementwise import add
from ..tape.buffers import TapeBuffers
from ..tape.recorder import Tape
from ..tensor import Tensor, wrap
from .rules import Source, _as_tensor, _dtype, _lowest_live, entry_vjp, stored_value


def recorded_gradients(tape: Tape, targets: Sequence[tuple[int, Tensor]], sources: Sequence[Source],
                       live: np.ndarray) -> list[Optional[Tensor]]:
    """Adjoint Tensors of ``sources``, computed with numtape ops that recording tapes record."""
    cache: dict[int, Tensor] = {}

    def tensor_for(s: int) -> Tensor:
        t = tape.keep.get(s)
        if t is None:
            t = cache.get(s)
            if t is None:
                t = wrap(stored_value(tape.buffers, s))
                tape.bind(t, s)  # ops on it record onto this tape as slot s (self-recording tapes)
                cache[s] = t
        return t

    adjoint: dict[int, Tensor] = {}

    def accumulate(s: int, ct: Optional[Tensor]) -> None:
        if ct is None:
            return
        ct = _as_tensor(ct)
        previous = adjoint.get(s)
        adjoint[s] = ct if previous is None else add(previous, ct)

    for slot, seed in targets:
        accumulate(slot, seed)
    start = max(slot for slot, _ in targets)
    stop = _lowest_live([s for slots, _, _ in sources for s in slots], live)
    for i in range(start, stop - 1, -1):
        if not live[i]:
            continue
        op = int(tape.buffers.code[i]) & K.CODE_MASK
        if op == K.OP_CUSTOM_OUT:
            continue  # its adjoint waits for the call, which reads all outputs at once
        if op == K.OP_CUSTOM_CALL:
            record = tape.custom[i]
            upstream = [adjoint.get(o) for o in record.output_slots]
            if all(u is None for u in upstream):
                continue
            upstream = [u if u is not None else _zeros_for(tape.buffers, o)
                        for u, o in zip(upstream, record.output_slots)]
            pairs = record.backward(upstream)
        else:
            g = adjoint.get(i)
            if g is None:
                continue
            pairs = entry_vjp(tape.buffers, i, g, tensor_for)
        for s, ct in pairs:
            accumulate(s, ct)
    results: list[Optional[Tensor]] = []
    for slots, _, _ in sources:
        total = None
        for s in slots:
            if live[s] and s in adjoint:
                total = adjoint[s] if total is None else add(total, adjoint[s])
        results.append(total)
    return results


def _zeros_for(buffers: TapeBuffers, slot: int) -> Tensor:
    shape = buffers.shape(slot)
    dtype = _dtype(buffers, slot)
    return wrap(np.zeros(shape, dtype) if shape else dtype.type(0.0))
