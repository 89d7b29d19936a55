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

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._fpstate import quietly
from .._kernels import arrays as KA
from .._kernels import sweep as K
from .._state import state
from ..ops.elementwise import add
from ..ops.primitives import _to_size
from ..ops.registry import ELEMENTWISE, PRIMITIVES
from ..tensor import Tensor, wrap
from . import scratch
from .buffers import TapeBuffers
from .recorder import Tape

# A source is a list of slots (one for a Tensor, one per read for a Variable),
# plus the dtype and shape its gradient takes.
Source = tuple[list[int], np.dtype, tuple[int, ...]]


class EntryView:
    """What a VJP rule may ask about an entry besides its operands' values."""

    __slots__ = ("buffers", "slot", "row", "wanted")

    def __init__(self, buffers: TapeBuffers, slot: int, wanted: Optional[list[bool]] = None) -> None:
        self.buffers = buffers
        self.slot = slot
        self.row = int(buffers.arg1[slot])
        self.wanted = wanted

    def needs(self, k: int) -> bool:
        """False when the cotangent of operand ``k`` would be thrown away (a rule may return None)."""
        return self.wanted is None or self.wanted[k]

    @property
    def fn(self) -> int:
        return int(self.buffers.aux[self.row, K.A_FN])

    @property
    def ints(self) -> tuple[int, int, int, int]:
        a = self.buffers.aux[self.row]
        return int(a[K.A_I0]), int(a[K.A_I1]), int(a[K.A_I2]), int(a[K.A_I3])

    @property
    def element_index(self) -> int:
        return self.row  # OP_ELEM keeps the flat index in arg1

    def index_map(self, length: int) -> np.ndarray:
        off = self.ints[0]
        return self.buffers.iarena[off : off + length].copy()

    def _listing(self) -> np.ndarray:
        off, count = self.ints[0], self.ints[1]
        return self.buffers.iarena[off : off + 2 * count].reshape(count, 2)

    def piece_widths(self) -> list[int]:
        return [int(w) for w in self._listing()[:, 1]]

    def listed_slots(self) -> list[int]:
        return [int(s) for s in self._listing()[:, 0]]


def operand_slots(buffers: TapeBuffers, slot: int) -> list[int]:
    """The operand slots of an entry, in the order its VJP rule returns cotangents."""
    op = int(buffers.code[slot]) & K.CODE_MASK
    if op == K.OP_LEAF or op == K.OP_ARRAY_LEAF:
        return []
    a0 = int(buffers.arg0[slot])
    arity = K.ARITY[op]
    if arity == 1 or op == K.OP_ELEM:
        return [a0]
    if arity == 2:
        return [a0, int(buffers.arg1[slot])]
    aux = buffers.aux[int(buffers.arg1[slot])]
    if op == K.OP_CONCAT or op == K.OP_CUSTOM_CALL:
        return EntryView(buffers, slot).listed_slots()
    if op == K.OP_WHERE:
        return [a0, int(aux[K.A_B]), int(aux[K.A_C])]
    if op == K.OP_BINARY or op == K.OP_MATMUL:
        return [a0, int(aux[K.A_B])]
    return [a0]


def entry_vjp(buffers: TapeBuffers, slot: int, g: Tensor, tensor_for: Callable[[int], Tensor],
              needed: Optional[Callable[[int], bool]] = None) -> list[tuple[int, Optional[Tensor]]]:
    """Cotangents of entry ``slot``'s operands given its cotangent ``g`` (numtape ops).

    ``needed(s)`` False says that nobody reads the adjoint of operand slot ``s``
    (a constant leaf): its cotangent is then None, and rules that can skip the
    work (matmul) do.
    """
    op = int(buffers.code[slot]) & K.CODE_MASK
    slots = operand_slots(buffers, slot)
    if not slots:
        return []
    wanted = None if needed is None else [needed(s) for s in slots]
    if wanted is not None and not any(wanted):
        return []
    if K.ARITY[op] or op == K.OP_UNARY or op == K.OP_BINARY:
        fn = op if K.ARITY[op] else int(buffers.aux[int(buffers.arg1[slot]), K.A_FN])
        spec = ELEMENTWISE[fn]
        ans = tensor_for(slot)
        if spec.arity == 1:
            return [(slots[0], spec.vjp(g, ans, tensor_for(slots[0])))]
        x, y = tensor_for(slots[0]), tensor_for(slots[1])
        if wanted is not None and spec.partials is not None and not all(wanted):
            k = 0 if wanted[0] else 1
            operand = x if k == 0 else y
            return [(slots[k], _to_size(_as_tensor(spec.partials[k](g, ans, x, y)), operand))]
        gx, gy = spec.vjp(g, ans, x, y)
        pairs = []
        for k, (s, ct, operand) in enumerate(((slots[0], gx, x), (slots[1], gy, y))):
            if ct is not None and (wanted is None or wanted[k]):  # None: a non-differentiable row
                pairs.append((s, _to_size(_as_tensor(ct), operand)))
        return pairs
    operands = [tensor_for(s) for s in slots]
    cotangents = PRIMITIVES[op].vjp(g, tensor_for(slot), operands, EntryView(buffers, slot, wanted))
    if wanted is not None:
        cotangents = [c if w else None for c, w in zip(cotangents, wanted)]
    return list(zip(slots, cotangents))


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else wrap(x)


# ---------------------------------------------------------------------------
# Reading values back as Tensors
# ---------------------------------------------------------------------------
def stored_value(buffers: TapeBuffers, slot: int) -> Any:
    """The canonical Tensor value of ``slot`` as stored (float32 restored)."""
    data = buffers.data(slot)
    if buffers.is_float32(slot):
        return np.float32(data) if type(data) is float else np.asarray(data, np.float32)
    return data


# ---------------------------------------------------------------------------
# The fast path
# ---------------------------------------------------------------------------
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
        if c >= K.OP_ARRAY_LEAF and not c & K.F32:  # the common case, without _location's calls
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


def _dtype(buffers: TapeBuffers, slot: int) -> np.dtype:
    return np.dtype(np.float32) if buffers.is_float32(slot) else np.dtype(np.float64)


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


def _lowest_live(source_slots: Sequence[int], live: np.ndarray) -> int:
    lows = [s for s in source_slots if live[s]]
    return min(lows) if lows else len(live)


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


_FLAT_OPS = frozenset((
    K.OP_UNARY, K.OP_BINARY, K.OP_WHERE, K.OP_GATHER, K.OP_SCATTER_ADD, K.OP_WINDOW, K.OP_PAD,
    K.OP_REDUCE_SUM, K.OP_BROADCAST, K.OP_REDUCE_MAX, K.OP_REDUCE_MIN,
))
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


# ---------------------------------------------------------------------------
# The recorded path
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------
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


def warmup_tape() -> None:
    """Differentiate a tiny tape with scalar and array entries (compiles or loads the sweeps)."""
    import numtape as nt

    x = nt.constant([0.5, 1.5])
    s = nt.constant(0.25)
    with nt.GradientTape() as tape:
        tape.watch([x, s])
        y = nt.reduce_sum(nt.sin(x) * x) + s * s
    tape.gradient(y, [x, s])
