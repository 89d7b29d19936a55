"""TapeBuffers: the struct-of-arrays storage of one tape (pure NumPy, no Numba).

The layout is documented in ``numtape/_kernels/__init__.py``. In short: four entry
columns (``code``, ``arg0``, ``arg1``, ``value``), an ``aux`` table with one row
per array entry, a float64 ``arena`` for array values, an int64 ``iarena`` for
index maps and operand lists, and ``external``: large arrays kept by reference
instead of copied. Every buffer grows by doubling; ``n``, ``n_aux``,
``arena_size`` and ``iarena_size`` say how much of each is in use.

A scalar entry costs 18 bytes here (plus 8 for its adjoint during a sweep).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._kernels.sweep import A_I0, A_OFF, A_SIZE, CODE_MASK, F32, IN_VALUE_COLUMN, IS_SCALAR, N_AUX

#: Arrays with more elements than this are kept by reference rather than copied
#: into the arena; their entries are differentiated one at a time from Python,
#: where the per-entry overhead is small next to the array work.
ARENA_MAX_SIZE = 4096

_INITIAL_ENTRIES = 256

#: Slots are int32 (arg0/arg1): a tape holds at most 2**31 entries.
MAX_ENTRIES = 2**31


def _grown(array: np.ndarray, needed: int, used: int = -1) -> np.ndarray:
    """A larger copy of ``array`` holding at least ``needed`` rows.

    With ``used`` >= 0 only the first ``used`` rows are copied and the rest is left
    uninitialised (the arenas: nothing reads past their used size); otherwise the
    new rows are zeros.
    """
    capacity = max(len(array), 1)
    while capacity < needed:
        capacity *= 2
    if used < 0:
        new = np.zeros((capacity,) + array.shape[1:], array.dtype)
        new[: len(array)] = array
    else:
        new = np.empty((capacity,) + array.shape[1:], array.dtype)
        new[:used] = array[:used]
    return new


class TapeBuffers:
    """Growable struct-of-arrays storage for the entries of one tape."""

    __slots__ = (
        "n", "capacity", "code", "arg0", "arg1", "value",
        "n_aux", "aux", "shapes",
        "arena_size", "arena", "iarena_size", "iarena", "external",
    )

    def __init__(self, capacity: int = _INITIAL_ENTRIES) -> None:
        self.n = 0
        self.capacity = capacity
        self.code = np.zeros(capacity, np.uint16)
        self.arg0 = np.zeros(capacity, np.int32)
        self.arg1 = np.zeros(capacity, np.int32)
        self.value = np.zeros(capacity, np.float64)
        self.n_aux = 0
        self.aux = np.zeros((16, N_AUX), np.int64)
        self.shapes: list[tuple[int, ...]] = []  # one per aux row
        self.arena_size = 0
        self.arena = np.zeros(1024, np.float64)
        self.iarena_size = 0
        self.iarena = np.zeros(256, np.int64)
        self.external: list[Any] = []

    def reset(self) -> None:
        """Empty the buffers for a new tape, keeping their capacity.

        Every append writes its entry's code, arg0 and value, the arg1 its code reads
        (a scalar unary entry leaves the old one, which nothing reads), and its aux row
        except the integer attributes an op does not use, so those are zeroed; the rest
        of the old contents lies beyond the used lengths, where nothing reads.
        """
        if self.n_aux:
            self.aux[: self.n_aux, A_I0:] = 0
        self.n = 0
        self.n_aux = 0
        self.shapes = []
        self.arena_size = 0
        self.iarena_size = 0
        self.external = []

    # -- growth -----------------------------------------------------------------
    def grow(self) -> None:
        """Double the entry columns (called when ``n`` reaches their length).

        Right after a doubling half the columns are unused, but they are not resident:
        the new columns come from calloc (zero pages mapped on first write) and only
        the copied half is touched, so a tape's memory stays about 18 bytes per
        entry (28 bytes per entry with its adjoint, measured at 10**7 entries when the code
        was one byte, uint8).
        """
        needed = self.n + 1
        if needed > MAX_ENTRIES:  # a slot index beyond int32 would wrap: refuse before anything is written
            raise MemoryError(f"numtape: a tape holds at most {MAX_ENTRIES} entries (slots are int32); "
                              "split the computation over several tapes")
        self.code = _grown(self.code, needed)
        self.arg0 = _grown(self.arg0, needed)
        self.arg1 = _grown(self.arg1, needed)
        self.value = _grown(self.value, needed)
        self.capacity = len(self.code)

    # -- appends ------------------------------------------------------------------
    def push_scalar(self, code: int, a0: int, a1: int, value: float) -> int:
        """Append a scalar entry and return its slot."""
        n = self.n
        if n == self.capacity:
            self.grow()
        self.code[n] = code
        self.arg0[n] = a0
        self.arg1[n] = a1
        self.value[n] = value
        self.n = n + 1
        return n

    def push_array(
        self,
        code: int,
        a0: int,
        data: Any,
        shape: tuple[int, ...],
        float32: bool,
        fn: int = 0,
        b: int = -1,
        c: int = -1,
        ints: tuple[int, ...] = (),
    ) -> int:
        """Append an array entry whose value is ``data`` (an ndarray, or a float for 0-d)."""
        r = self.n_aux
        if r == len(self.aux):
            self.aux = _grown(self.aux, r + 1)
        row = self.aux[r]
        row[2] = fn
        row[3] = b
        row[4] = c
        for j, v in enumerate(ints):
            row[5 + j] = v
        size = 1
        for d in shape:
            size *= d
        row[A_SIZE] = size
        self.n_aux = r + 1
        self.shapes.append(shape)
        n = self.n
        if n == self.capacity:
            self.grow()
        self.code[n] = code | (F32 if float32 else 0)
        self.arg0[n] = a0
        self.arg1[n] = r
        if not shape:
            row[A_OFF] = IN_VALUE_COLUMN
            self.value[n] = data
        elif size <= ARENA_MAX_SIZE:
            row[A_OFF] = self._store(np.asarray(data).reshape(-1))
        else:
            row[A_OFF] = -2 - len(self.external)
            self.external.append(data)
        self.n = n + 1
        return n

    def _store(self, flat: np.ndarray) -> int:
        off = self.arena_size
        end = off + flat.size
        if end > len(self.arena):
            self.arena = _grown(self.arena, end, used=off)
        self.arena[off:end] = flat
        self.arena_size = end
        return off

    def store_ints(self, ints: Any) -> int:
        """Copy integers into the iarena; return their offset."""
        flat = np.asarray(ints, np.int64).reshape(-1)
        off = self.iarena_size
        end = off + flat.size
        if end > len(self.iarena):
            self.iarena = _grown(self.iarena, end, used=off)
        self.iarena[off:end] = flat
        self.iarena_size = end
        return off

    def promote(self, slot: int) -> None:
        """Copy an external array into the arena (so compiled code can index it)."""
        r = int(self.arg1[slot])
        off = int(self.aux[r, A_OFF])
        if off <= -2:
            k = -2 - off
            self.aux[r, A_OFF] = self._store(np.asarray(self.external[k], np.float64).reshape(-1))
            self.external[k] = None

    # -- reads --------------------------------------------------------------------
    def is_array(self, slot: int) -> bool:
        return not IS_SCALAR[int(self.code[slot]) & CODE_MASK]

    def offset(self, slot: int) -> int:
        return int(self.aux[int(self.arg1[slot]), A_OFF])

    def shape(self, slot: int) -> tuple[int, ...]:
        if not self.is_array(slot):
            return ()
        return self.shapes[int(self.arg1[slot])]

    def is_float32(self, slot: int) -> bool:
        return bool(int(self.code[slot]) & F32)

    def data(self, slot: int) -> Any:
        """The value of ``slot``: a float, or an ndarray of the slot's shape (not a copy)."""
        if not self.is_array(slot):
            return float(self.value[slot])
        r = int(self.arg1[slot])
        off = int(self.aux[r, A_OFF])
        if off == IN_VALUE_COLUMN:
            return float(self.value[slot])
        if off <= -2:
            return self.external[-2 - off]
        return self.arena[off : off + int(self.aux[r, A_SIZE])].reshape(self.shapes[r])

    def views(self) -> tuple[np.ndarray, ...]:
        """The buffers trimmed to their used lengths, in the order the sweeps take them."""
        n = self.n
        return (
            self.code[:n], self.arg0[:n], self.arg1[:n], self.value[:n],
            self.aux[: self.n_aux], self.arena[: self.arena_size], self.iarena[: self.iarena_size],
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the numeric buffers (external arrays not counted)."""
        return (
            self.code.nbytes + self.arg0.nbytes + self.arg1.nbytes + self.value.nbytes
            + self.aux.nbytes + self.arena.nbytes + self.iarena.nbytes
        )
