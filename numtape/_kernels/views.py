"""Where a slot's data lives, as flat 1-d views, and the index arithmetic of broadcasting.

A scalar entry's value is ``value[s]``; an array entry's is the window
``arena[off : off + size]`` of its aux row, or ``value[s]`` when it is 0-d
(``A_OFF == IN_VALUE_COLUMN``). Every kernel reads and writes operands through
:func:`slot_data` (one direction) or :func:`slot_data2` (a row per direction: tangents and
vector-mode adjoints), given the buffer pair to look in (values, adjoints or
tangents mirror each other). Slots are ints; the tape's structure comes as one
``TapeArrays`` tuple ``t``.
"""
from __future__ import annotations

from .codes import OP_LEAF, SCALAR
from .jit import kernel
from .layout import A_I0, A_I1, A_I2, A_OFF, A_SIZE, BROADCAST_COLUMN, BROADCAST_ROW, CODE_MASK, IN_VALUE_COLUMN


@kernel
def slot_data(t, s, column, arena):
    """The flat data of slot ``s``: a 1-element view of ``column`` or a window of ``arena``."""
    if SCALAR[t.code[s] & CODE_MASK]:
        return column[s : s + 1]
    r = t.arg1[s]
    off = t.aux[r, A_OFF]
    if off == IN_VALUE_COLUMN:
        return column[s : s + 1]
    return arena[off : off + t.aux[r, A_SIZE]]


@kernel
def slot_data2(t, s, column2, arena2):
    """Slot ``s`` in every direction: a (directions, size) view of ``column2``/``arena2``."""
    if SCALAR[t.code[s] & CODE_MASK]:
        return column2[:, s : s + 1]
    r = t.arg1[s]
    off = t.aux[r, A_OFF]
    if off == IN_VALUE_COLUMN:
        return column2[:, s : s + 1]
    return arena2[:, off : off + t.aux[r, A_SIZE]]


@kernel
def is_external(code, arg1, aux, s):
    """Slot ``s`` is an array held by reference outside the arena (Python differentiates it).
    Flat arrays, not a ``TapeArrays``: ``mark_live`` calls it for every operand of every entry."""
    return not SCALAR[code[s] & CODE_MASK] and aux[arg1[s], A_OFF] <= -2


@kernel
def needed(t, rcode, s):
    """Whether a sweep must write the adjoint of operand ``s``: every entry ``mark_live``
    kept (non-zero reverse code) and every scalar leaf (whose reverse code is OP_LEAF,
    0, live or not); not a constant array leaf nor an entry off every path."""
    return rcode[s] != 0 or (t.code[s] & CODE_MASK) == OP_LEAF


@kernel
def operand_strides(mode, size, inner):
    """(stride per row, stride per column) of an OP_BINARY operand in the (outer, inner) view."""
    if mode == BROADCAST_ROW:
        return 0, 1
    if mode == BROADCAST_COLUMN:
        return 1, 0
    if size > 1:
        return inner, 1
    return 0, 0


@kernel
def broadcast_layout(row, x_size, w_size, n):
    """How an OP_BINARY entry's operands map onto its ``n`` outputs: (outer, inner, x's row
    and column strides, w's row and column strides); element (o, j) of the output reads
    x[o * sxo + j * sxi] and w[o * swo + j * swi]. Without a broadcast layout the output
    is one row and each operand is full (stride 1) or size 1 (stride 0)."""
    inner = row[A_I0]
    if inner <= 0 or n == 0:
        return 1, n, 0, (1 if x_size > 1 else 0), 0, (1 if w_size > 1 else 0)
    sxo, sxi = operand_strides(row[A_I1], x_size, inner)
    swo, swi = operand_strides(row[A_I2], w_size, inner)
    return n // inner, inner, sxo, sxi, swo, swi


@kernel
def pairwise_sum(x, lo, n):
    """x[lo] + ... + x[lo + n - 1] by NumPy's pairwise summation (``np.sum``'s algorithm for
    contiguous data, so a replay reproduces an eager sum bit for bit), with error growing
    like log(n) instead of n, and eight independent accumulators instead of one chain."""
    if n < 8:
        res = 0.0
        for k in range(lo, lo + n):
            res += x[k]
        return res
    if n <= 128:
        r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
        r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
        k = 8
        end = n - n % 8
        while k < end:
            b = lo + k
            r0 += x[b]
            r1 += x[b + 1]
            r2 += x[b + 2]
            r3 += x[b + 3]
            r4 += x[b + 4]
            r5 += x[b + 5]
            r6 += x[b + 6]
            r7 += x[b + 7]
            k += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while k < n:
            res += x[lo + k]
            k += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise_sum(x, lo, half) + pairwise_sum(x, lo + half, n - half)
