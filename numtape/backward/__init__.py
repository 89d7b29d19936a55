"""The gradient algorithm: one reverse walk over the tape, run in one of two ways.

1. **Prune.** ``mark_live`` (compiled) walks the entries backwards from the
   targets and marks every entry on a differentiable path to a target. A source
   with no live slot is *unconnected*: its gradient is None (or zeros when asked),
   decided by reachability, never by whether a number happens to be 0.
2. **Seed.** Each target's adjoint starts at ones, or at the ``output_gradients``.
3. **Sweep**, from the highest target down to the lowest source, either

   * the **fast path**: ``reverse_sweep`` (compiled) accumulates adjoints in
     arrays laid out like the values, dispatching on the reverse codes that
     ``mark_live`` produced (0 for entries off every path). An entry it cannot run
     (a custom gradient, or a large array kept outside the arena) is handed back
     here, differentiated with its VJP rule on NumPy values, and the sweep resumes
     below it; or
   * the **recorded path**, used when a tape is recording while the gradient is
     computed (higher-order derivatives): the same walk in Python, calling each
     entry's VJP rule with Tensors, so the recording tape records the backward
     computation itself.

   Both paths call the same VJP rules for the entries Python handles, and the
   compiled kernels are the rules' twins (``tests/test_registry.py``).
4. **Read** each source's adjoint (summed over all reads of a variable), cast to
   the source's dtype.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._kernels import sweep as K
from .._state import state
from ..tape.recorder import Tape
from .fast import Adjoints, fast_gradients
from .recorded import recorded_gradients
from .rules import EntryView, Source, entry_vjp, operand_slots, stored_value

__all__ = [
    "Adjoints", "EntryView", "Source", "compute_gradients", "entry_vjp", "fast_gradients", "must_record",
    "operand_slots", "recorded_gradients", "stored_value",
]


def compute_gradients(tape: Tape, targets: Sequence[tuple[int, Any]], sources: Sequence[Source],
                      recorded: bool) -> list[Any]:
    """Gradients of the seeded targets with respect to each source (None when unconnected).

    ``targets`` pairs each target slot with its seed (a value on the fast path, a
    Tensor on the recorded path; None for ones on the fast path). Results are values
    (fast path) or Tensors.
    """
    K.ensure_compiled()
    b = tape.buffers
    if not targets:
        return [None] * len(sources)
    if not recorded:
        return fast_gradients(tape, targets, sources)
    code, arg0, arg1, _, aux, _, iarena = b.views()
    target_slots = np.array([slot for slot, _ in targets], np.int64)
    source_slots = np.array([s for slots, _, _ in sources for s in slots], np.int64)
    live, _ = K.mark_live(code, arg0, arg1, aux, iarena, target_slots, source_slots)
    return recorded_gradients(tape, targets, sources, live)


def must_record() -> bool:
    """True when some tape of this thread records the backward computation."""
    return bool(state.stack)
