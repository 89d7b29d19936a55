"""The fast path of the gradient: ``reverse_sweep`` (compiled) accumulates adjoints in
arrays laid out like the values (``Adjoints``), dispatching on the reverse codes that
``mark_live`` produced. An entry it cannot run (a custom gradient, or a large array
kept outside the arena) is handed back here (``_handoff``), differentiated with its
VJP rule on NumPy values or with the sweep's own flat step (``_compiled_handoff``),
and the sweep resumes below it.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .._fpstate import quietly
from .._kernels import arrays as KA
from .._kernels import sweep as K
from ..tape import scratch
from ..tape.buffers import TapeBuffers
from ..tape.recorder import Tape
from ..tensor import Tensor, wrap
from .rules import Source, _dtype, _lowest_live, entry_vjp, stored_value


class Adjoints:
    """Adjoint storage of the fast path: arrays beside the values, a dict for external slots."""

    def __init__(self, buffers: TapeBuffers) -> None:
        self.buffers = buffers
        self.column = np.zeros(buffers.n, np.float64)
        self.arena = np.zeros(buffers.arena_size, np.float64)
        self.external: dict[int, np.ndarray] = {}
        self.pooled: set[int] = set()  # external slots whose adjoint came from scratch.take

    def _location(self, slot: int) -> tuple[Any, int, int]:
        b = self.buffers
        if not b.is_array(slot):
            return self.column, slot, 1
        r = int(b.arg1[slot])
        off = int(b.aux[r, K.A_OFF])
        if off == K.IN_VALUE_COLUMN:
            return self.column, slot, 1
        return (self.arena if off >= 0 else None), off, int(b.aux[r, K.A_SIZE])

    def read(self, slot: int) -> Any:
        """The adjoint of ``slot`` as a value of the slot's shape and dtype."""
        b = self.buffers
        c = b.code.item(slot)
        if not c & K.F32 and not K.IS_SCALAR[c]:  # the common case, without _location's calls
            r = b.arg1.item(slot)
            off = b.aux.item(r, K.A_OFF)
            if off >= 0:
                return self.arena[off : off + b.aux.item(r, K.A_SIZE)].reshape(b.shapes[r]).copy()
        where, off, size = self._location(slot)
        if where is None:
            flat = self.external.get(slot)
            if flat is None:
                flat = np.zeros(size, _dtype(b, slot))
            self.pooled.discard(slot)  # handed out uncopied: never recycled
        elif where is self.column:
            value = float(where[off])
            return quietly(np.float32, value) if b.is_float32(slot) else value  # overflow is inf, silently
        else:
            flat = where[off : off + size].copy()
        array = flat.reshape(b.shape(slot))
        return quietly(array.astype, np.float32) if b.is_float32(slot) else array

    def flat(self, slot: int) -> tuple[np.ndarray, bool]:
        """The adjoint of a float64 ``slot`` as a flat array to accumulate into in place, and
        whether it is fresh (uninitialised: the caller must write every element first)."""
        where, off, size = self._location(slot)
        if where is None:
            current = self.external.get(slot)
            if current is None:
                current = self.external[slot] = scratch.take(size)
                self.pooled.add(slot)
                return current, True
            return current, False
        return where[off : off + size], False

    def hand_over(self, slot: int, to: int) -> bool:
        """Make the adjoint buffer of ``slot`` the adjoint of ``to``, if ``slot``'s is a pooled
        external buffer (nobody else holds it) and ``to`` is an external slot with no
        adjoint yet. ``slot`` is left without one."""
        if slot not in self.pooled or to in self.external or self._location(to)[0] is not None:
            return False
        self.external[to] = self.external.pop(slot)
        self.pooled.discard(slot)
        self.pooled.add(to)
        return True

    def drop(self, slot: int, recycle: bool) -> None:
        """Forget the adjoint of ``slot``; ``recycle``: nothing references it, the pool may reuse it."""
        current = self.external.pop(slot, None)
        if slot in self.pooled:
            self.pooled.discard(slot)
            if recycle and current is not None:
                scratch.give(current)

    def add(self, slot: int, ct: Any, owned: bool = False) -> None:
        """Accumulate ``ct`` into the adjoint of ``slot``.

        ``owned``: ``ct`` is a new array nobody else holds, so the first cotangent of
        an external slot is kept as its adjoint instead of copied (a copy of a
        1e6-element array costs as much as an op on it).
        """
        where, off, size = self._location(slot)
        if where is self.column:
            self.column[off] += float(ct)
            return
        flat = np.asarray(ct).reshape(-1)
        if where is None:
            current = self.external.get(slot)
            if current is None:
                dtype = _dtype(self.buffers, slot)
                if owned and flat.dtype == dtype and flat.flags.writeable and flat.flags.c_contiguous:
                    self.external[slot] = flat
                else:
                    self.external[slot] = np.array(flat, dtype)
            else:
                quietly(np.add, current, flat, out=current)
        else:
            region = where[off : off + size]
            quietly(np.add, region, flat, out=region)


def fast_gradients(tape: Tape, targets: Sequence[tuple[int, Any]], sources: Sequence[Source],
                   live: Optional[np.ndarray] = None, rcode: Optional[np.ndarray] = None) -> list[Any]:
    """Adjoint values of ``sources`` (None where unconnected) after one compiled sweep.

    ``targets`` is not empty; a seed None means ones. Without ``live``/``rcode``, the
    pruning is computed here, together with the seeding and the first stretch of the
    sweep in one compiled call when every seed is ones on a target the compiled code
    can index.
    """
    b = tape.buffers
    adjoints = Adjoints(b)
    target_slots = [slot for slot, _ in targets]
    source_slots = [s for slots, _, _ in sources for s in slots]
    if live is None and _all_ones_on_compiled_slots(b, targets):
        request = [b.n, b.n_aux, b.arena_size, b.iarena_size, len(targets)] + target_slots + source_slots
        i, stop, live, rcode = K.gradient_sweep(b.code, b.arg0, b.arg1, b.value, b.aux, b.arena, b.iarena,
                                                np.array(request, np.int64), adjoints.column, adjoints.arena)
        views = b.views() if i >= 0 else None
    else:
        views = b.views()
        code, arg0, arg1, value, aux, arena, iarena = views
        if live is None:
            live, rcode = K.mark_live(code, arg0, arg1, aux, iarena, np.array(target_slots, np.int64),
                                      np.array(source_slots, np.int64))
        for slot, seed in targets:
            adjoints.add(slot, seed if seed is not None else _ones_like_slot(b, slot))
        stop = _lowest_live(source_slots, live)
        i = K.reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adjoints.column, adjoints.arena,
                            max(target_slots), stop)
    if i >= 0:
        code, arg0, arg1, value, aux, arena, iarena = views
    needed = None
    while i >= 0:
        if needed is None:
            needed = _Needed(b, sources)
        _handoff(tape, i, adjoints, live, needed)
        i = i - 1
        if i < stop:
            break
        i = K.reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adjoints.column, adjoints.arena,
                            i, stop)
    results = [_read_source(adjoints, slots, live) for slots, _, _ in sources]
    if adjoints.pooled:
        for s in list(adjoints.pooled.difference(source_slots)):
            adjoints.drop(s, recycle=True)
    return results


def _all_ones_on_compiled_slots(b: TapeBuffers, targets: Sequence[tuple[int, Any]]) -> bool:
    """Every seed is None (ones) and every target's adjoint is one the compiled code holds."""
    for slot, seed in targets:
        if seed is not None or (b.is_array(slot) and b.offset(slot) <= -2):
            return False
    return True


def _ones_like_slot(b: TapeBuffers, slot: int) -> Any:
    shape = b.shape(slot)
    return np.ones(shape, _dtype(b, slot)) if shape else 1.0


def _read_source(adjoints: Adjoints, slots: list[int], live: np.ndarray) -> Any:
    total = None
    for s in slots:
        if live[s]:
            value = adjoints.read(s)
            total = value if total is None else quietly(np.add, total, value)
    return total


class _Needed:
    """``needed(s)``: False for a leaf that is not a source (a constant), whose adjoint nobody reads."""

    __slots__ = ("sources", "code")

    def __init__(self, buffers: TapeBuffers, sources: Sequence[Source]) -> None:
        self.sources = {s for slots, _, _ in sources for s in slots}
        self.code = buffers.code

    def __call__(self, s: int) -> bool:
        if s in self.sources:
            return True
        op = int(self.code[s]) & K.CODE_MASK
        return op != K.OP_LEAF and op != K.OP_ARRAY_LEAF


def _handoff(tape: Tape, slot: int, adjoints: Adjoints, live: np.ndarray,
             needed: Optional[_Needed] = None) -> None:
    """Differentiate one entry in Python, on NumPy values (no tape records this)."""
    b = tape.buffers
    op = int(b.code[slot]) & K.CODE_MASK
    if op == K.OP_CUSTOM_OUT:
        return

    def tensor_for(s: int) -> Tensor:
        return wrap(stored_value(b, s))

    if op == K.OP_CUSTOM_CALL:
        record = tape.custom[slot]
        upstream = [wrap(adjoints.read(o)) for o in record.output_slots]
        pairs = record.backward(upstream)
        for s, ct in pairs:
            if ct is not None:
                adjoints.add(s, ct._v if isinstance(ct, Tensor) else ct)
        return
    done = needed is not None and slot not in needed.sources
    if _compiled_handoff(b, slot, op, adjoints, live, done):
        if done:
            adjoints.drop(slot, recycle=True)  # the kernel kept no reference
        return
    g = adjoints.read(slot)
    if needed is not None and slot not in needed.sources:
        # Entry ``slot`` is done: nothing adds to its adjoint any more and nobody reads
        # it, so its storage is dropped (memory) and g becomes ours to hand on.
        adjoints.drop(slot, recycle=False)  # the rules may hand on views of g
        g_shared = None
    else:
        g_shared = g
    pairs = entry_vjp(b, slot, wrap(g), tensor_for, needed)
    # VJP rules return new arrays or views of g; never tape values (custom
    # gradients, which may return anything, are handled above).
    taken: list[np.ndarray] = []
    for s, ct in pairs:
        if ct is None:
            continue
        v = ct._v if isinstance(ct, Tensor) else ct
        owned = (
            type(v) is np.ndarray
            and (g_shared is None or not np.may_share_memory(v, g_shared))
            and not any(np.may_share_memory(v, t) for t in taken)
        )
        if owned:
            taken.append(v)
        adjoints.add(s, v, owned)


_FLAT_OPS = frozenset(KA.FLAT_OPS)
_UNUSED = np.zeros(0)


def _flat_value(b: TapeBuffers, slot: int) -> Optional[np.ndarray]:
    """The value of ``slot`` as a flat float64 array the kernels can take (None if it is not one)."""
    if not b.is_array(slot):
        return b.value[slot : slot + 1]
    r = int(b.arg1[slot])
    off = int(b.aux[r, K.A_OFF])
    if off == K.IN_VALUE_COLUMN:
        return b.value[slot : slot + 1]
    if off >= 0:
        return b.arena[off : off + int(b.aux[r, K.A_SIZE])]
    data = b.external[-2 - off]
    if type(data) is not np.ndarray or data.dtype != np.float64 or not data.flags.c_contiguous:
        return None
    return data.reshape(-1)


def _compiled_handoff(b: TapeBuffers, slot: int, op: int, adjoints: Adjoints, live: np.ndarray,
                      done: bool) -> bool:
    """Differentiate a large-array entry with the sweep's own compiled step, in place.

    The entry's arrays live outside the arena, so the sweep cannot index them, but
    ``K.flat_backward`` takes flat arrays: it accumulates straight into the operands'
    adjoints, one pass and no temporaries, where the VJP rules on NumPy would make a
    temporary per product and another per accumulation. False (the caller falls back
    to the VJP rules) for other ops, float32 slots, and values not held as float64.

    ``done``: nobody reads the entry's adjoint after this step. Then the first
    operand of an add or subtract, when its adjoint does not exist yet, takes over
    the entry's adjoint buffer: its adjoint is g itself, as in TensorFlow (a copy
    would cost a pass over memory).
    """
    if op not in _FLAT_OPS:
        return False
    r = int(b.arg1[slot])
    row = b.aux[r]
    a = int(b.arg0[slot])
    if op == K.OP_WHERE:
        value_slots, adjoint_slots = (a, a), (int(row[K.A_B]), int(row[K.A_C]))
    elif op == K.OP_BINARY:
        value_slots = adjoint_slots = (a, int(row[K.A_B]))
    else:
        value_slots, adjoint_slots = (a, a), (a, -1)
    for s in (slot,) + value_slots + adjoint_slots:
        if s >= 0 and b.is_float32(s):
            return False
    x, w, y = _flat_value(b, value_slots[0]), _flat_value(b, value_slots[1]), _flat_value(b, slot)
    if x is None or w is None or y is None:
        return False
    gy, fresh = adjoints.flat(slot)
    if fresh:
        gy.fill(0.0)  # live, but nothing reached it: zeros (0 * inf is still nan)
    need_x = bool(live[adjoint_slots[0]])
    need_w = adjoint_slots[1] >= 0 and bool(live[adjoint_slots[1]])
    if (need_x and done and op == K.OP_BINARY and x.size == y.size and adjoint_slots[0] != adjoint_slots[1]
            and (row[K.A_FN] == K.FN_ADD or row[K.A_FN] == K.FN_SUB)
            and adjoints.hand_over(slot, adjoint_slots[0])):
        need_x = False
    gx, fresh_x = adjoints.flat(adjoint_slots[0]) if need_x else (_UNUSED, False)
    gw, fresh_w = adjoints.flat(adjoint_slots[1]) if need_w else (_UNUSED, False)
    if not KA.flat_backward(op, row, b.iarena, gy, x, w, y, gx, gw, need_x, need_w, fresh_x, fresh_w):
        raise AssertionError(f"flat_backward does not handle op {op}")  # _FLAT_OPS is out of step
    return True
