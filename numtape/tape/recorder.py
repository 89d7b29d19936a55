"""Recording: the Tape object and the functions ops call to append entries.

A :class:`Tape` is one recording: its :class:`TapeBuffers`, plus the tables that
map Tensors to slots. An op output records its slot in the Tensor itself
(``_tid``/``_slot``) when it is new, which keeps the hot path to two attribute
reads; any other Tensor a tape meets (a watched source, a constant Tensor, an
output that a second nested tape also records) goes in the tape's ``known`` dict
(``id(tensor) -> slot``), and ``keep`` holds those Tensors alive so that ids are
never reused while the tape lives. ``keep`` also gives the recorded backward path
the original Tensor objects, which outer tapes recognise.

Ops compute their value first and call a ``record_*`` function last, so an error
in an op never leaves a half-written entry. An entry is appended to every
recording tape on which at least one operand has a slot; the other operands are
appended as constant leaves.
"""
from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._kernels.sweep import F32, OP_ARRAY_LEAF, OP_LEAF
from .._state import state
from ..tensor import _F64, Tensor
from .buffers import ARENA_MAX_SIZE, TapeBuffers

_new = object.__new__
_tape_ids = itertools.count(1)

#: Buffers of finished tapes, kept for the next tape: a training loop records one tape
#: per step, and without this every step would allocate its columns and arena again
#: and grow them by doubling (a copy, and fresh pages to fault in, per doubling).
#: Bounded in number and size; list.append/pop are atomic, so threads may share it.
_spare_buffers: list[TapeBuffers] = []
SPARE_BUFFERS = 2
SPARE_MAX_BYTES = 16 * 2**20
# Tape id -> weak reference to the tape, removed when the tape dies (a plain dict of
# weakrefs: half the cost of a WeakValueDictionary on every tape's creation).
_live_tapes: "dict[int, weakref.ref[Tape]]" = {}


def _forget_tape(tape_id: int) -> Callable[[Any], None]:
    return lambda _ref: _live_tapes.pop(tape_id, None)


class VariableRecord:
    """The reads of one watched variable on one tape."""

    __slots__ = ("variable", "slots", "last")

    def __init__(self, variable: Any) -> None:
        self.variable = variable
        self.slots: list[int] = []
        self.last: Optional[Tensor] = None


def _fresh_buffers() -> TapeBuffers:
    try:
        b = _spare_buffers.pop()
    except IndexError:
        return TapeBuffers()
    b.reset()
    return b


def clear_spare_buffers() -> None:
    """Free the buffers kept for reuse."""
    _spare_buffers.clear()


class Tape:
    """One recording: buffers plus the Tensor-to-slot tables."""

    __slots__ = ("id", "thread", "buffers", "persistent", "watch_accessed", "capture_all_variables", "known",
                 "keep", "variables", "custom", "constants", "constant_tensors", "__weakref__")

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.id = next(_tape_ids)
        self.thread = threading.get_ident()
        self.buffers: Optional[TapeBuffers] = _fresh_buffers()
        self.persistent = persistent
        self.watch_accessed = watch_accessed_variables
        self.capture_all_variables = False  # nt.function traces record every variable read
        self.known: dict[int, int] = {}
        self.keep: dict[int, Tensor] = {}
        self.variables: dict[int, VariableRecord] = {}
        self.custom: dict[int, Any] = {}
        self.constants: dict[float, int] = {}  # Python float operand -> its (shared) leaf slot
        # ids of Tensors that are on this tape only as constant operands of recorded ops
        # (never watched, never computed here): converting them to NumPy or Python is exact
        self.constant_tensors: set[int] = set()
        _live_tapes[self.id] = weakref.ref(self, _forget_tape(self.id))

    # -- lookups --------------------------------------------------------------------
    def slot_of(self, t: Tensor) -> int:
        """The slot of ``t`` on this tape, or -1."""
        if t._tid == self.id:
            return t._slot
        return self.known.get(id(t), -1)

    def bind(self, t: Tensor, slot: int) -> None:
        """Remember that ``t`` is held in ``slot``."""
        if t._tid == 0:
            t._tid = self.id
            t._slot = slot
        else:
            self.known[id(t)] = slot
            self.keep[slot] = t

    def _bind_existing(self, t: Tensor, slot: int) -> None:
        """Bind a Tensor that may be shared with other tapes or threads (never writes to it)."""
        self.known[id(t)] = slot
        self.keep[slot] = t
        ref = _live_tapes.get(t._tid) if t._tid else None
        other = ref() if ref is not None else None
        # nested tapes live in one thread; another thread's tape is never touched
        if other is not None and other is not self and other.thread == self.thread and other.buffers is not None:
            other.keep[t._slot] = t

    # -- leaves ---------------------------------------------------------------------
    def push_leaf(self, value: Any) -> int:
        """Append a leaf entry holding ``value`` (a canonical Tensor value)."""
        b = self.buffers
        if type(value) is float:
            return b.push_scalar(OP_LEAF, 0, 0, value)
        dtype = value.dtype
        is_f32 = dtype is not _F64 and dtype == np.float32  # the float64 singleton first: == costs 0.15 us
        if value.ndim == 0:
            return b.push_scalar(OP_LEAF | (F32 if is_f32 else 0), 0, 0, float(value))
        return b.push_array(OP_ARRAY_LEAF, 0, value, value.shape, is_f32)

    def watch(self, t: Tensor) -> int:
        """Make ``t`` a source on this tape (a leaf), unless it already has a slot."""
        slot = self.slot_of(t)
        if slot < 0:
            slot = self.push_leaf(t._v)
            self._bind_existing(t, slot)
        elif slot not in self.keep:
            self.keep[slot] = t
        return slot

    def constant_slot(self, x: Any) -> int:
        """The slot of an operand without one: a Tensor keeps its identity, raw values do not.

        A Python float gets one leaf per tape and value (``0.5 * y`` in a loop records
        one 0.5, not one per iteration): constants have no gradient, so sharing is
        exact. NaN and signed zeros are not shared (they do not compare as themselves).
        """
        if type(x) is float:
            if x == x and x != 0.0:
                slot = self.constants.get(x)
                if slot is None:
                    slot = self.constants[x] = self.push_leaf(x)
                return slot
            return self.push_leaf(x)
        if isinstance(x, Tensor):
            if self.slot_of(x) < 0:
                self.constant_tensors.add(id(x))
            return self.watch(x)
        if isinstance(x, np.ndarray) and x.size > ARENA_MAX_SIZE:
            x = x.copy()  # the caller may mutate its array later
        return self.push_leaf(x)

    # -- variables --------------------------------------------------------------------
    def watch_variable(self, variable: Any) -> None:
        if id(variable) not in self.variables:
            self.variables[id(variable)] = VariableRecord(variable)
        self.variable_read(variable)

    def variable_read(self, variable: Any) -> None:
        record = self.variables.get(id(variable))
        if record is None:
            if not (self.watch_accessed and variable.trainable or self.capture_all_variables):
                return
            record = self.variables[id(variable)] = VariableRecord(variable)
        t = variable._t
        if record.last is t:
            return
        record.last = t
        self.constant_tensors.discard(id(t))
        slot = self.watch(t)
        if slot not in record.slots:
            record.slots.append(slot)

    def watched_variables(self) -> tuple[Any, ...]:
        """The watched variables in creation order (TensorFlow keeps them sorted by handle id)."""
        if not self.variables:  # the common case: no sort, no generator
            return ()
        return tuple(sorted((r.variable for r in self.variables.values()), key=lambda v: v._uid))

    def release(self, recycle: bool = False) -> None:
        """Drop the buffers and tables (a non-persistent tape after its gradient).

        ``recycle``: no view of the buffers escaped (the gradient was computed on
        the fast path, which returns copies, with no other tape recording), so the
        next tape may reuse them.
        """
        b = self.buffers
        if recycle and b is not None and len(_spare_buffers) < SPARE_BUFFERS and b.nbytes <= SPARE_MAX_BYTES:
            _spare_buffers.append(b)
        self.buffers = None
        self.known = {}
        self.keep = {}
        self.custom = {}
        self.constants = {}
        self.constant_tensors = set()


# ---------------------------------------------------------------------------
# Recording entries
# ---------------------------------------------------------------------------
def resolve(tape: Tape, operands: Sequence[Any]) -> Optional[list[int]]:
    """Slots of ``operands`` on ``tape``, adding constants; None if none is on the tape."""
    slots = []
    found = False
    for x in operands:
        s = tape.slot_of(x) if isinstance(x, Tensor) else -1
        if s >= 0:
            found = True
        slots.append(s)
    if not found:
        return None
    for k, x in enumerate(operands):
        if slots[k] < 0:
            slots[k] = tape.constant_slot(x)
    return slots


def record_entry(operands: Sequence[Any], out: Tensor, build: Callable[[TapeBuffers, list[int]], int]) -> None:
    """Append an entry to every recording tape that has one of ``operands``.

    ``build(buffers, operand_slots)`` appends the entry and returns its slot.
    """
    recorded = []
    for tape in state.stack:
        slots = resolve(tape, operands)
        if slots is not None:
            recorded.append((tape, build(tape.buffers, slots), slots))
    if len(recorded) == 1:
        tape, slot, _ = recorded[0]
        tape.bind(out, slot)
    elif recorded:
        # Recorded on nested tapes: keep the Tensors, whose identity outer tapes know.
        for tape, slot, slots in recorded:
            tape.bind(out, slot)
            tape.keep[slot] = out
            for x, s in zip(operands, slots):
                if isinstance(x, Tensor):
                    tape.keep[s] = x


def record_unary(code: int, x: Tensor, value: float, stack: list) -> Tensor:
    """The output Tensor of a scalar unary op, recorded (the hot path of scalar loops)."""
    out = _new(Tensor)
    out._v = value
    if len(stack) != 1:
        out._tid = 0
        out._slot = -1
        record_entry((x,), out, lambda b, s: b.push_scalar(code, s[0], 0, value))
        return out
    tape = stack[0]
    tid = tape.id
    a = x._slot if x._tid == tid else tape.known.get(id(x), -1)
    if a < 0:
        out._tid = 0
        out._slot = -1
        return out
    b = tape.buffers
    n = b.n
    if n == b.capacity:
        b.grow()
    b.code[n] = code
    b.arg0[n] = a
    b.value[n] = value
    b.n = n + 1
    out._tid = tid
    out._slot = n
    return out


def record_binary(code: int, x: Any, y: Any, value: float, stack: list) -> Tensor:
    """The output Tensor of a scalar binary op, recorded; ``x`` or ``y`` may be a raw float."""
    out = _new(Tensor)
    out._v = value
    if len(stack) != 1:
        out._tid = 0
        out._slot = -1
        record_entry((x, y), out, lambda b, s: b.push_scalar(code, s[0], s[1], value))
        return out
    tape = stack[0]
    tid = tape.id
    if type(x) is Tensor:
        a = x._slot if x._tid == tid else tape.known.get(id(x), -1)
    else:
        a = -1
    if type(y) is Tensor:
        c = y._slot if y._tid == tid else tape.known.get(id(y), -1)
    else:
        c = -1
    if a < 0:
        if c < 0:
            out._tid = 0
            out._slot = -1
            return out
        a = tape.constant_slot(x)
    elif c < 0:
        c = tape.constant_slot(y)
    b = tape.buffers
    n = b.n
    if n == b.capacity:
        b.grow()
    b.code[n] = code
    b.arg0[n] = a
    b.arg1[n] = c
    b.value[n] = value
    b.n = n + 1
    out._tid = tid
    out._slot = n
    return out


def is_recording() -> bool:
    """True when some tape in this thread is recording."""
    return bool(state.stack)


def any_operand_recorded(operands: Sequence[Any]) -> bool:
    """True when some recording tape has a slot for one of ``operands``."""
    for tape in state.stack:
        for x in operands:
            if isinstance(x, Tensor) and tape.slot_of(x) >= 0:
                return True
    return False
