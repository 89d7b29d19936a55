"""The tape format's constants: aux columns, code bits, guard kinds, broadcast and matmul flags.

The op codes themselves (``FN_*``, ``OP_*``) and their property arrays are generated
from the op rows into ``codes.py``; what is here is the layout of the buffers, which
no row defines. ``TapeArrays`` bundles the five structure arrays of a tape (what an
entry is and where its operands are) so that kernels pass them to each other as one
argument; the Python-facing entry kernels take them flat, because a tuple costs
dispatch time at the Python boundary (1.41 us against 0.75 us for separate arrays).
"""
from __future__ import annotations

from collections import namedtuple

#: The structure of a tape, as compiled code sees it: ``code`` (uint16), ``arg0``,
#: ``arg1`` (int32), ``aux`` (int64, N_AUX columns) and ``iarena`` (int64).
TapeArrays = namedtuple("TapeArrays", ["code", "arg0", "arg1", "aux", "iarena"])

F32 = 256  # code bit: the slot holds a float32 value (stored widened in float64)
CODE_MASK = 255
HANDOFF = 255  # in a reverse code: the entry is handed to Python (never an op code)

# aux columns
A_OFF = 0
A_SIZE = 1
A_FN = 2
A_B = 3
A_C = 4
A_I0 = 5
A_I1 = 6
A_I2 = 7
A_I3 = 8
N_AUX = 9

IN_VALUE_COLUMN = -1  # A_OFF of a 0-d array output: its value is value[i]

# Guard kinds of nt.function traces (see replay.guards_hold)
GUARD_LESS = 0
GUARD_LESS_EQUAL = 1
GUARD_GREATER = 2
GUARD_GREATER_EQUAL = 3
GUARD_EQUAL = 4
GUARD_NOT_EQUAL = 5
GUARD_TRUTH = 6  # bool(a) as traced
GUARD_INT = 7  # int(a) as traced
GUARD_SAME = 8  # a itself as traced, bitwise (a float pulled out to Python: sign of zero; NaN is NaN)
GUARD_FLOAT32 = 16  # added to LESS .. NOT_EQUAL: compare in float32, as NumPy does for a float32 operand

# OP_BINARY broadcasting. With A_I0 = 0 each operand has the output's size or size 1.
# With A_I0 = inner > 0 the output is seen as (outer, inner) and A_I1 / A_I2 say how
# the first / second operand maps onto it: by its size (full or size 1), as a row
# (inner elements, the same for every o: a bias), or as a column (outer elements,
# one per row: a per-row shift). So a bias add records no broadcast entry.
BROADCAST_BY_SIZE = 0
BROADCAST_ROW = 1
BROADCAST_COLUMN = 2

# OP_MATMUL flags (aux A_FN)
MM_TRANSPOSE_A = 1
MM_TRANSPOSE_B = 2
MM_BROADCAST_A = 4  # A has a batch of 1, shared by every output batch
MM_BROADCAST_B = 8
