"""Structural Hessian sparsity and column coloring, for compressed Hessians.

A dense Hessian by forward-over-reverse costs one tangent direction per input. When
the Hessian is sparse (Rosenbrock's is tridiagonal), inputs whose Hessian columns
never share a row can share one direction: seed ``sum_{j in color} e_j`` and read
each entry of the compressed result back at its (row, color). This needs the
sparsity pattern, and it must hold for every input the trace is replayed with, not
only the traced one: a relu or a ``where`` could hide a nonzero at one point that
appears at another. So the pattern is structural:

1. Forward, each element of each slot gets the set of inputs it depends on (a
   boolean row), following each primitive's index structure and taking both sides
   of every select (``where``, ``relu``, ``maximum``, ties of ``reduce_max``).
2. Every live entry whose second derivative is not identically zero contributes
   ``deps(operands) x deps(operands)`` (for a product, ``deps(a) x deps(b)`` and its
   transpose): the Hessian is a sum of exactly such terms, so their union contains
   its pattern.

Greedy distance-2 coloring of the columns then gives the directions. The cost is
paid once per trace; a trace too large for the bit matrices is colored densely.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._kernels import sweep as K

#: Above this many booleans (slots' elements times inputs), use one direction per input.
MAX_PATTERN_BITS = 50_000_000

def _outer_any(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pattern of sum_k x[k] (x) y[k] for boolean (size, n) rows (size-1 rows broadcast)."""
    if x.shape[0] != y.shape[0]:
        if x.shape[0] == 1:
            x = np.broadcast_to(x, y.shape)
        else:
            y = np.broadcast_to(y, x.shape)
    return (x.T.astype(np.int32) @ y.astype(np.int32)) > 0


def hessian_pattern(trace: Any, input_slot: int, target: int) -> Optional[np.ndarray]:
    """The structural sparsity pattern (n, n) of d2 target / d input2, or None if too large."""
    n = int(np.prod(trace.shape_of(input_slot))) if input_slot >= 0 else 0
    if n == 0 or (len(trace.code) + len(trace.arena)) * n > MAX_PATTERN_BITS or trace.custom:
        return None
    column = np.zeros((len(trace.code), n), bool)
    arena = np.zeros((len(trace.arena), n), bool)
    code, arg0, arg1, aux, iarena = trace.code, trace.arg0, trace.arg1, trace.aux, trace.iarena

    def rows(slot: int) -> np.ndarray:
        in_column, at, size = trace._location(slot)
        return column[at : at + 1] if in_column else arena[at : at + size]

    rows(input_slot)[:] = np.eye(n, dtype=bool)
    live, _ = trace.live((target,), (input_slot,))
    pattern = np.zeros((n, n), bool)
    for i in range(len(code)):
        op = int(code[i]) & K.CODE_MASK
        if op in (K.OP_LEAF, K.OP_ARRAY_LEAF):
            continue
        out = rows(i)
        scalar = K.IS_SCALAR[op]
        if (scalar and K.ARITY[op] == 1) or op == K.OP_UNARY:
            fn = op if scalar else int(aux[int(arg1[i]), K.A_FN])
            if not K.DIFFERENTIABLE[fn]:
                out[:] = False
                continue
            x = rows(int(arg0[i]))
            out[:] = x
            if live[i] and K.CURVED[fn]:
                pattern |= _outer_any(x, x)
        elif (scalar and K.ARITY[op] == 2) or op == K.OP_BINARY:
            fn = op if scalar else int(aux[int(arg1[i]), K.A_FN])
            b_slot = int(arg1[i]) if scalar else int(aux[int(arg1[i]), K.A_B])
            if not K.DIFFERENTIABLE[fn]:
                out[:] = False
                continue
            a, b = rows(int(arg0[i])), rows(b_slot)
            if op == K.OP_BINARY and int(aux[int(arg1[i]), K.A_I0]) > 0:
                a, b = _broadcast_rows(aux[int(arg1[i])], a, b, out.shape[0])
            out[:] = a | b
            if live[i] and K.BILINEAR[fn]:
                pattern |= _outer_any(a, b) | _outer_any(b, a)
            elif live[i] and K.CURVED[fn]:
                u = np.broadcast_to(a | b, out.shape)
                pattern |= _outer_any(u, u)
        elif op == K.OP_ELEM:
            off = int(aux[int(arg1[int(arg0[i])]), K.A_OFF]) + int(arg1[i])
            out[:] = arena[off]
        elif op == K.OP_CUSTOM_CALL or op == K.OP_CUSTOM_OUT:
            return None
        else:
            if not _structural_array(op, i, trace, rows, out, live, pattern, iarena):
                return None
    return pattern | pattern.T


def _broadcast_rows(aux_row: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The dependency rows of an OP_BINARY's operands expanded to its ``n`` outputs (row or
    column broadcasting, as ``K.broadcast_layout`` maps them)."""
    inner = int(aux_row[K.A_I0])
    o = np.arange(n // inner)[:, None]
    j = np.arange(inner)[None, :]
    expanded = []
    for rows_, mode in ((a, int(aux_row[K.A_I1])), (b, int(aux_row[K.A_I2]))):
        if mode == K.BROADCAST_ROW:
            index = np.broadcast_to(j, (n // inner, inner))
        elif mode == K.BROADCAST_COLUMN:
            index = np.broadcast_to(o, (n // inner, inner))
        elif rows_.shape[0] > 1:
            index = o * inner + j
        else:
            index = np.zeros((n // inner, inner), np.int64)
        expanded.append(rows_[index.reshape(-1)])
    return expanded[0], expanded[1]


def _structural_array(op: int, i: int, trace: Any, rows: Any, out: np.ndarray, live: np.ndarray,
                      pattern: np.ndarray, iarena: np.ndarray) -> bool:
    """Dependency rows of a structural array entry (and matmul's curvature)."""
    aux_row = trace.aux[int(trace.arg1[i])]
    i0, i1, i2, i3 = (int(v) for v in aux_row[K.A_I0 : K.A_I3 + 1])
    x = rows(int(trace.arg0[i]))
    if op == K.OP_WHERE:
        a, b = rows(int(aux_row[K.A_B])), rows(int(aux_row[K.A_C]))
        out[:] = a | b
    elif op == K.OP_GATHER:
        out[:] = x[iarena[i0 : i0 + out.shape[0]]]
    elif op == K.OP_SCATTER_ADD:
        out[:] = False
        np.logical_or.at(out, iarena[i0 : i0 + x.shape[0]], x)
    elif op in (K.OP_WINDOW, K.OP_PAD):
        outer, stride, start, width = i0, i1, i2, i3
        index = (start + np.arange(outer)[:, None] * stride + np.arange(width)).reshape(-1)
        if op == K.OP_WINDOW:
            out[:] = x[index]
        else:
            out[:] = False
            out[index] = x
    elif op == K.OP_CONCAT:
        listing = iarena[i0 : i0 + 2 * i1].reshape(i1, 2)
        outer = i2
        total = out.shape[0] // outer if outer else 0
        col = 0
        for slot, width in listing:
            piece = rows(int(slot))
            index = (np.arange(outer)[:, None] * total + col + np.arange(int(width))).reshape(-1)
            out[index] = piece
            col += int(width)
    elif op in (K.OP_REDUCE_SUM, K.OP_REDUCE_MAX, K.OP_REDUCE_MIN):
        out[:] = x.reshape(i0, i1, i2, x.shape[1]).any(axis=1).reshape(out.shape)  # not -1: x may be empty
    elif op == K.OP_BROADCAST:
        out[:] = np.broadcast_to(x.reshape(i0, 1, i2, x.shape[1]), (i0, i1, i2, x.shape[1])).reshape(out.shape)
    elif op == K.OP_MATMUL:
        _matmul_structure(trace, i, aux_row, rows, out, live[i], pattern)
    else:
        return False
    return True


def _matmul_structure(trace: Any, i: int, aux_row: np.ndarray, rows: Any, out: np.ndarray, is_live: bool,
                      pattern: np.ndarray) -> None:
    flags = int(aux_row[K.A_FN])
    batch, m, k, n_cols = (int(v) for v in aux_row[K.A_I0 : K.A_I3 + 1])
    a = rows(int(trace.arg0[i]))
    b = rows(int(aux_row[K.A_B]))
    n = a.shape[1]
    a = a.reshape(1 if flags & K.MM_BROADCAST_A else batch, *((k, m) if flags & K.MM_TRANSPOSE_A else (m, k)), n)
    b_block = (n_cols, k) if flags & K.MM_TRANSPOSE_B else (k, n_cols)
    b = b.reshape(1 if flags & K.MM_BROADCAST_B else batch, *b_block, n)
    if flags & K.MM_TRANSPOSE_A:
        a = a.transpose(0, 2, 1, 3)
    if flags & K.MM_TRANSPOSE_B:
        b = b.transpose(0, 2, 1, 3)
    a = np.broadcast_to(a, (batch, m, k, n))
    b = np.broadcast_to(b, (batch, k, n_cols, n))
    # C[t, r, c] depends on A[t, r, :] and B[t, :, c]
    out[:] = (a.any(axis=2)[:, :, None, :] | b.any(axis=1)[:, None, :, :]).reshape(out.shape)
    if is_live:  # bilinear: sum over the inner index of deps(A[., q]) x deps(B[q, .])
        a_k = a.any(axis=1)  # (batch, k, n)
        b_k = b.any(axis=2)
        for t in range(batch):
            pattern |= _outer_any(a_k[t], b_k[t]) | _outer_any(b_k[t], a_k[t])


def color_columns(pattern: np.ndarray) -> np.ndarray:
    """Greedy distance-2 coloring: columns sharing a nonzero row get different colors."""
    n = pattern.shape[0]
    conflicts = (pattern.T.astype(np.int32) @ pattern.astype(np.int32)) > 0
    colors = np.full(n, -1, np.int64)
    for j in range(n):
        used = set(colors[conflicts[j]].tolist())
        c = 0
        while c in used:
            c += 1
        colors[j] = c
    return colors
