"""TapeBuffers: growth by doubling, the arena, external arrays, bytes per scalar entry."""
from __future__ import annotations

import numpy as np

from numtape._kernels import sweep as K
from numtape.tape.buffers import ARENA_MAX_SIZE, TapeBuffers


def test_scalar_entries_grow_by_doubling() -> None:
    b = TapeBuffers(capacity=4)
    capacities = set()
    for i in range(100):
        assert b.push_scalar(K.FN_SIN, max(i - 1, 0), 0, float(i)) == i
        capacities.add(len(b.code))
    assert capacities == {4, 8, 16, 32, 64, 128}
    assert b.n == 100 and b.value[99] == 99.0 and b.arg0[99] == 98
    np.testing.assert_array_equal(b.value[:100], np.arange(100.0))
    # the resident bytes per entry (the 40-byte budget) are measured in tests/test_memory.py


def test_arena_growth_keeps_stored_values() -> None:
    b = TapeBuffers()
    arrays = [np.full(3000, float(k)) for k in range(5)]
    slots = [b.push_array(K.OP_ARRAY_LEAF, 0, a, a.shape, False) for a in arrays]
    for s, a in zip(slots, arrays):
        np.testing.assert_array_equal(b.data(s), a)
    offs = [b.store_ints(np.arange(k, k + 300)) for k in range(5)]
    for k, off in enumerate(offs):
        np.testing.assert_array_equal(b.iarena[off : off + 300], np.arange(k, k + 300))


def test_scalar_entry_costs_18_bytes_plus_slack() -> None:
    b = TapeBuffers(capacity=1024)
    per_entry = (b.code.itemsize + b.arg0.itemsize + b.arg1.itemsize + b.value.itemsize)
    assert per_entry == 18


def test_small_arrays_go_to_the_arena_large_ones_stay_outside() -> None:
    b = TapeBuffers()
    small = np.arange(6.0).reshape(2, 3)
    s = b.push_array(K.OP_ARRAY_LEAF, 0, small, small.shape, False)
    assert b.offset(s) >= 0 and b.shape(s) == (2, 3)
    np.testing.assert_array_equal(b.data(s), small)
    large = np.arange(ARENA_MAX_SIZE + 1.0)
    t = b.push_array(K.OP_ARRAY_LEAF, 0, large, large.shape, False)
    assert b.offset(t) <= -2 and b.data(t) is large
    b.promote(t)
    assert b.offset(t) >= 0
    np.testing.assert_array_equal(b.data(t), large)


def test_zero_d_array_outputs_live_in_the_value_column() -> None:
    b = TapeBuffers()
    s = b.push_array(K.OP_REDUCE_SUM, 0, 4.5, (), False, ints=(1, 3, 1))
    assert b.offset(s) == K.IN_VALUE_COLUMN and b.data(s) == 4.5


def test_float32_flag_and_iarena() -> None:
    b = TapeBuffers()
    s = b.push_array(K.OP_ARRAY_LEAF, 0, np.ones(3, np.float32), (3,), True)
    assert b.is_float32(s)
    off = b.store_ints([5, 6, 7])
    np.testing.assert_array_equal(b.iarena[off : off + 3], [5, 6, 7])
    assert b.nbytes > 0
