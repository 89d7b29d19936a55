"""Structural Jacobian sparsity of a trace, and the coloring that compresses it.

A dense Jacobian costs one sweep direction per input (forward mode) or per output
(reverse mode). A PDE residual's Jacobian has a few nonzeros per row: inputs whose
columns never share a row can share one forward tangent (seed ``sum_{j in color} e_j``
and read entry (i, j) back from row i of that color's tangent), and outputs whose rows
never share a column can share one reverse seed. This needs the sparsity pattern,
valid for every input the trace replays with (not only the traced one), so it is
structural, as :mod:`numtape.function.sparsity`'s Hessian pattern is:

1. Each slot gets the set of inputs each of its elements depends on, as a boolean
   ``scipy.sparse`` CSR matrix (elements x inputs), following each primitive's index
   structure: a gather picks rows, a scatter, pad, reduction or matmul ORs rows
   together through a 0/1 selection matrix (``S @ deps``), an elementwise op ORs its
   broadcast operands, and a select (``where``, ``relu``, ties of ``reduce_max``) takes
   both sides. Non-differentiable functions (``floor``, comparisons, ``stop_gradient``)
   and a select's condition carry no dependency: their derivative is zero.
2. The target's rows are the pattern. A trace this cannot follow (a custom gradient's
   Python call, an entry it does not know, or more than ``MAX_PATTERN_NONZEROS``
   dependencies) has no pattern: callers then use the dense Jacobian.

Coloring is greedy (natural order) on the columns (no two columns of one color share a
row) and on the rows (no two rows share a column); the one with fewer colors is used.
A tridiagonal stencil gets 3 column colors for any size.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .._kernels import sweep as K

#: Past this many (element, input) dependencies in all, the pattern is not computed.
MAX_PATTERN_NONZEROS = 30_000_000
#: A coloring whose neighbour lists hold more than this many entries in all is skipped.
MAX_COLORING_WORK = 200_000_000


class _Unknown(Exception):
    """The trace holds something whose dependency structure is not modelled here."""


def jacobian_pattern(trace: Any, wrt: Sequence[int], target: int) -> Optional[Any]:
    """The structural pattern (target size, total size of the inputs ``wrt``) as a boolean CSR
    matrix, columns in the order of ``wrt``; None when it cannot be known."""
    from scipy import sparse

    if trace.custom:
        return None
    sizes = [trace.input_sizes[j] for j in wrt]
    n = sum(sizes)
    deps: dict[int, Any] = {}
    start = 0
    for j, size in zip(wrt, sizes):
        slot = trace.inputs[j]
        if slot >= 0 and size:
            deps[slot] = sparse.csr_matrix((np.ones(size, bool), (np.arange(size), start + np.arange(size))),
                                           shape=(size, n))
        start += size
    total = 0
    try:
        for i in range(len(trace.code)):
            op = int(trace.code[i]) & K.CODE_MASK
            if op in (K.OP_LEAF, K.OP_ARRAY_LEAF) or i in deps:
                continue
            rows = _entry(trace, i, op, deps, n)
            if rows is not None and rows.nnz:
                total += rows.nnz
                if total > MAX_PATTERN_NONZEROS:
                    return None
                deps[i] = rows
    except _Unknown:
        return None
    size = _size(trace, target)
    out = deps.get(target)
    return sparse.csr_matrix((size, n), dtype=bool) if out is None else _canonical(out)


def _size(trace: Any, slot: int) -> int:
    return int(trace._location(slot)[2])


def _canonical(m: Any) -> Any:
    m = m.tocsr().astype(bool)
    m.eliminate_zeros()
    m.sum_duplicates()
    m.sort_indices()
    return m


def _entry(trace: Any, i: int, op: int, deps: dict[int, Any], n: int) -> Optional[Any]:
    """The dependency rows of entry ``i`` (None: it depends on no input)."""
    aux, arg0, arg1 = trace.aux, trace.arg0, trace.arg1
    out_size = _size(trace, i)
    if (K.IS_SCALAR[op] and K.ARITY[op] == 1) or op == K.OP_UNARY:
        fn = op if K.IS_SCALAR[op] else int(aux[int(arg1[i]), K.A_FN])
        x = deps.get(int(arg0[i]))
        return None if x is None or not K.DIFFERENTIABLE[fn] else x
    if (K.IS_SCALAR[op] and K.ARITY[op] == 2) or op == K.OP_BINARY:
        scalar = bool(K.IS_SCALAR[op])
        fn = op if scalar else int(aux[int(arg1[i]), K.A_FN])
        a_slot, b_slot = int(arg0[i]), int(arg1[i]) if scalar else int(aux[int(arg1[i]), K.A_B])
        if not K.DIFFERENTIABLE[fn]:
            return None
        row = None if scalar else aux[int(arg1[i])]
        return _union([_broadcast(deps.get(s), _size(trace, s), row, side, out_size)
                       for s, side in ((a_slot, K.A_I1), (b_slot, K.A_I2))])
    if op == K.OP_ELEM:
        x = deps.get(int(arg0[i]))
        k = int(arg1[i])
        return None if x is None else x[k : k + 1]
    if op in (K.OP_CUSTOM_CALL, K.OP_CUSTOM_OUT):
        raise _Unknown
    return _array_entry(trace, i, op, deps, out_size, n)


def _union(parts: list[Optional[Any]]) -> Optional[Any]:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def _broadcast(x: Optional[Any], size: int, row: Optional[np.ndarray], side: int, n: int) -> Optional[Any]:
    """An elementwise operand's rows expanded to the ``n`` outputs (as ``K.broadcast_layout``)."""
    if x is None or (size == n and (row is None or int(row[K.A_I0]) <= 0 or n == 0)):
        return x
    inner = int(row[K.A_I0]) if row is not None else 0
    if inner <= 0 or n == 0:
        return x[np.zeros(n, np.int64)] if size == 1 else x
    mode = int(row[side])
    if mode == K.BROADCAST_ROW:
        stride_o, stride_i = 0, 1
    elif mode == K.BROADCAST_COLUMN:
        stride_o, stride_i = 1, 0
    elif size > 1:
        stride_o, stride_i = inner, 1
    else:
        stride_o, stride_i = 0, 0
    index = np.arange(n // inner)[:, None] * stride_o + np.arange(inner)[None, :] * stride_i
    return x[index.reshape(-1)]


def _place(x: Any, index: np.ndarray, size: int) -> Any:
    """Rows ``out[index[k]] |= x[k]`` of a ``size``-row result: ``S @ x`` for a 0/1 matrix S."""
    from scipy import sparse

    index = np.asarray(index, np.int64).reshape(-1)
    select = sparse.csr_matrix((np.ones(len(index), bool), (index, np.arange(len(index)))),
                               shape=(size, x.shape[0]))
    return select @ x


def _array_entry(trace: Any, i: int, op: int, deps: dict[int, Any], out_size: int, n: int) -> Optional[Any]:
    """Dependency rows of a structural array entry."""
    aux_row = trace.aux[int(trace.arg1[i])]
    i0, i1, i2, i3 = (int(v) for v in aux_row[K.A_I0 : K.A_I3 + 1])
    iarena = trace.iarena
    x = deps.get(int(trace.arg0[i]))
    if op == K.OP_WHERE:  # the condition (arg0) carries no derivative
        return _union([_broadcast(deps.get(int(aux_row[s])), _size(trace, int(aux_row[s])), None, 0, out_size)
                       for s in (K.A_B, K.A_C)])
    if op == K.OP_CONCAT:
        return _concat(trace, deps, iarena[i0 : i0 + 2 * i1].reshape(i1, 2), i2, out_size)
    if op == K.OP_MATMUL:
        return _matmul(trace, i, aux_row, deps, out_size)
    if op not in (K.OP_GATHER, K.OP_SCATTER_ADD, K.OP_WINDOW, K.OP_PAD, K.OP_REDUCE_SUM, K.OP_REDUCE_MAX,
                  K.OP_REDUCE_MIN, K.OP_BROADCAST):
        raise _Unknown
    if x is None:
        return None
    if op == K.OP_GATHER:
        return x[iarena[i0 : i0 + out_size].astype(np.int64)]
    if op == K.OP_SCATTER_ADD:
        return _place(x, iarena[i0 : i0 + x.shape[0]], out_size)
    if op in (K.OP_WINDOW, K.OP_PAD):
        outer, stride, start, width = i0, i1, i2, i3
        index = (start + np.arange(outer)[:, None] * stride + np.arange(width)).reshape(-1)
        return x[index] if op == K.OP_WINDOW else _place(x, index, out_size)
    o, m, q = np.meshgrid(np.arange(i0), np.arange(i1), np.arange(i2), indexing="ij")
    if op == K.OP_BROADCAST:  # out (o, m, q) = x (o, q)
        return x[(o * i2 + q).reshape(-1)]
    return _place(x, (o * i2 + q).reshape(-1), out_size)  # a reduction: x (o, m, q) into out (o, q)


def _concat(trace: Any, deps: dict[int, Any], listing: np.ndarray, outer: int, out_size: int) -> Optional[Any]:
    total = out_size // outer if outer else 0
    parts, col = [], 0
    for slot, width in listing:
        piece = deps.get(int(slot))
        if piece is not None:
            index = np.arange(outer)[:, None] * total + col + np.arange(int(width))
            parts.append(_place(piece, index, out_size))
        col += int(width)
    return _union(parts)


def _matmul(trace: Any, i: int, aux_row: np.ndarray, deps: dict[int, Any], out_size: int) -> Optional[Any]:
    """C[t, r, c] depends on A[t, r, :] and B[t, :, c] (transposed or batch-broadcast operands)."""
    flags = int(aux_row[K.A_FN])
    batch, m, k, n_cols = (int(v) for v in aux_row[K.A_I0 : K.A_I3 + 1])
    a, b = deps.get(int(trace.arg0[i])), deps.get(int(aux_row[K.A_B]))
    if a is None and b is None:
        return None
    if batch * m * n_cols * k > MAX_PATTERN_NONZEROS:
        raise _Unknown
    t, r, c, q = np.meshgrid(np.arange(batch), np.arange(m), np.arange(n_cols), np.arange(k), indexing="ij")
    out_index = (t * m + r) * n_cols + c
    parts = []
    if a is not None:
        ta = 0 if flags & K.MM_BROADCAST_A else t
        a_index = ta * m * k + (q * m + r if flags & K.MM_TRANSPOSE_A else r * k + q)
        parts.append(_gather_or(a, a_index.reshape(-1), out_index.reshape(-1), out_size))
    if b is not None:
        tb = 0 if flags & K.MM_BROADCAST_B else t
        b_index = tb * k * n_cols + (c * k + q if flags & K.MM_TRANSPOSE_B else q * n_cols + c)
        parts.append(_gather_or(b, b_index.reshape(-1), out_index.reshape(-1), out_size))
    return _union(parts)


def _gather_or(x: Any, source: np.ndarray, dest: np.ndarray, size: int) -> Any:
    """``out[dest[k]] |= x[source[k]]``."""
    from scipy import sparse

    select = sparse.csr_matrix((np.ones(len(source), bool), (dest, source)), shape=(size, x.shape[0]))
    return select @ x


# ---------------------------------------------------------------------------
# Coloring
# ---------------------------------------------------------------------------
def color_columns(pattern: Any) -> np.ndarray:
    """Greedy coloring of a CSR pattern's columns: columns sharing a nonzero row differ."""
    csr = pattern.tocsr()
    csc = pattern.tocsc()
    n = pattern.shape[1]
    colors = np.full(n, -1, np.int64)
    forbidden = np.full(n + 1, -1, np.int64)  # forbidden[c] == j: a neighbour of column j has color c
    for j in range(n):
        rows = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        if len(rows):
            neighbours = np.concatenate([csr.indices[csr.indptr[r] : csr.indptr[r + 1]] for r in rows])
            used = colors[neighbours]
            forbidden[used[used >= 0]] = j
        colors[j] = int(np.argmax(forbidden != j))
    return colors


def _coloring_work(pattern: Any) -> int:
    """The entries the column coloring's neighbour lists hold in all: sum of squared row lengths."""
    lengths = np.diff(pattern.tocsr().indptr).astype(np.int64)
    return int((lengths * lengths).sum())


def choose_coloring(pattern: Any) -> tuple[str, np.ndarray]:
    """("forward", column colors) or ("reverse", row colors): whichever needs fewer sweeps
    (forward on a tie: one pass instead of a forward and a reverse one)."""
    csr = pattern.tocsr()
    m, n = csr.shape
    if m == 0 or n == 0:
        return "forward", np.zeros(n, np.int64)
    col_bound = int(np.diff(csr.indptr).max())  # colors >= the longest row (its columns all differ)
    row_bound = int(np.diff(csr.tocsc().indptr).max())
    candidates = [("forward", csr, col_bound), ("reverse", csr.T.tocsr(), row_bound)]
    candidates.sort(key=lambda c: c[2])
    results: list[tuple[str, np.ndarray, int]] = []
    for mode, matrix, bound in candidates:
        if results and bound >= results[0][2]:
            continue  # cannot need fewer colors than the coloring already found
        if _coloring_work(matrix) > MAX_COLORING_WORK:
            colors = np.arange(matrix.shape[1], dtype=np.int64)  # one sweep per column (or row)
        else:
            colors = color_columns(matrix)
        results.append((mode, colors, int(colors.max()) + 1))
    mode, colors, _ = min(results, key=lambda r: (r[2], r[0] != "forward"))
    return mode, colors
