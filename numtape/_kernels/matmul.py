"""OP_MATMUL: y[b] = op(A[b]) @ op(B[b]) for a batch of 2-d blocks, op a transpose when flagged.

The aux row holds the flags in ``A_FN`` (``MM_TRANSPOSE_A/B``; ``MM_BROADCAST_A/B``
when an operand has a batch of 1 shared by every output block), the second
operand's slot in ``A_B`` and (batch, m, k, n) in ``A_I0..A_I3``. Every product goes
through :func:`block`, i.e. ``np.dot`` (BLAS). The backward step is
dA = G op(B)^T and dB = op(A)^T G laid out like A and B; it skips the product for
an operand nobody needs (dX of a constant design matrix is most of a logistic
regression's work). The tangent and the second-order step are the same products
with each factor replaced by its tangent in turn (the product is bilinear).
"""
from __future__ import annotations

import numpy as np

from . import views as V
from .jit import kernel
from .layout import A_B, A_FN, A_I0, A_I1, A_I2, A_I3, MM_BROADCAST_A, MM_BROADCAST_B, MM_TRANSPOSE_A, \
    MM_TRANSPOSE_B


@kernel
def block(a, b, transpose_a, transpose_b):
    """op(a) @ op(b) for 2-d blocks, op = transpose when asked."""
    if transpose_a:
        if transpose_b:
            return np.dot(a.T, b.T)
        return np.dot(a.T, b)
    if transpose_b:
        return np.dot(a, b.T)
    return np.dot(a, b)


@kernel
def blocks(a, b, q, m, k, n, flags):
    """Batch ``q``'s 2-d blocks of the flat operands, and the batch indices they come from."""
    ia = 0 if flags & MM_BROADCAST_A else q
    ib = 0 if flags & MM_BROADCAST_B else q
    a_block = a[ia * m * k : (ia + 1) * m * k]
    b_block = b[ib * k * n : (ib + 1) * k * n]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    a2 = a_block.reshape((k, m)) if ta else a_block.reshape((m, k))
    b2 = b_block.reshape((n, k)) if tb else b_block.reshape((k, n))
    return a2, b2, ia, ib


@kernel
def accumulate(target, update):
    flat = update.ravel()
    for q in range(flat.size):
        target[q] += flat[q]


@kernel
def forward(t, i, value, arena, y):
    r = t.arg1[i]
    flags = t.aux[r, A_FN]
    a = V.slot_data(t, np.int64(t.arg0[i]), value, arena)
    b = V.slot_data(t, t.aux[r, A_B], value, arena)
    batch, m, k, n = t.aux[r, A_I0], t.aux[r, A_I1], t.aux[r, A_I2], t.aux[r, A_I3]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    for q in range(batch):
        a2, b2, _, _ = blocks(a, b, q, m, k, n, flags)
        y[q * m * n : (q + 1) * m * n] = block(a2, b2, ta, tb).ravel()


@kernel
def backward(t, rcode, i, value, arena, adj, adj_arena):
    r = t.arg1[i]
    flags = t.aux[r, A_FN]
    sa, sb = np.int64(t.arg0[i]), t.aux[r, A_B]
    a = V.slot_data(t, sa, value, arena)
    b = V.slot_data(t, sb, value, arena)
    ga = V.slot_data(t, sa, adj, adj_arena)
    gb = V.slot_data(t, sb, adj, adj_arena)
    gy = V.slot_data(t, i, adj, adj_arena)
    batch, m, k, n = t.aux[r, A_I0], t.aux[r, A_I1], t.aux[r, A_I2], t.aux[r, A_I3]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    no = np.bool_(False)  # a plain bool, not a literal: one compiled version of block
    for q in range(batch):
        a2, b2, ia, ib = blocks(a, b, q, m, k, n, flags)
        g2 = gy[q * m * n : (q + 1) * m * n].reshape((m, n))
        # d op(A) = G op(B)^T and d op(B) = op(A)^T G, laid out like A and B.
        if V.needed(t, rcode, sa):  # a scalar leaf (a 0-d seed) has reverse code 0 but is needed
            da = block(b2, g2, tb, not no) if ta else block(g2, b2, no, not tb)
            accumulate(ga[ia * m * k : (ia + 1) * m * k], da)
        if V.needed(t, rcode, sb):
            db = block(g2, a2, not no, ta) if tb else block(a2, g2, not ta, no)
            accumulate(gb[ib * k * n : (ib + 1) * k * n], db)


@kernel
def tangent(t, i, value, arena, dvalue, darena):
    """The tangent of matmul entry ``i`` for one direction: dA op(B) + op(A) dB."""
    r = t.arg1[i]
    flags = t.aux[r, A_FN]
    sa, sb = np.int64(t.arg0[i]), t.aux[r, A_B]
    a = V.slot_data(t, sa, value, arena)
    b = V.slot_data(t, sb, value, arena)
    da = V.slot_data(t, sa, dvalue, darena)
    db = V.slot_data(t, sb, dvalue, darena)
    dy = V.slot_data(t, i, dvalue, darena)
    batch, m, k, n = t.aux[r, A_I0], t.aux[r, A_I1], t.aux[r, A_I2], t.aux[r, A_I3]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    for q in range(batch):
        a2, b2, _, _ = blocks(a, b, q, m, k, n, flags)
        da2, db2, _, _ = blocks(da, db, q, m, k, n, flags)
        c = block(da2, b2, ta, tb) + block(a2, db2, ta, tb)
        dy[q * m * n : (q + 1) * m * n] = c.ravel()


@kernel
def backward_second_extra(t, i, value, arena, adj, adj_arena, dvalue, darena, dadj, dadj_arena):
    """The terms of the second-order step that the tangents of A and B add, for one direction:
    d(G op(B)^T) gets G d op(B)^T and d(op(A)^T G) gets d op(A)^T G. (The term with the
    tangent of G is the ordinary backward step applied to dadj.)"""
    r = t.arg1[i]
    flags = t.aux[r, A_FN]
    sa, sb = np.int64(t.arg0[i]), t.aux[r, A_B]
    a = V.slot_data(t, sa, value, arena)
    b = V.slot_data(t, sb, value, arena)
    gy = V.slot_data(t, i, adj, adj_arena)
    da = V.slot_data(t, sa, dvalue, darena)
    db = V.slot_data(t, sb, dvalue, darena)
    dga = V.slot_data(t, sa, dadj, dadj_arena)
    dgb = V.slot_data(t, sb, dadj, dadj_arena)
    batch, m, k, n = t.aux[r, A_I0], t.aux[r, A_I1], t.aux[r, A_I2], t.aux[r, A_I3]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    no = np.bool_(False)
    for q in range(batch):
        _, _, ia, ib = blocks(a, b, q, m, k, n, flags)
        da2, db2, _, _ = blocks(da, db, q, m, k, n, flags)
        g2 = gy[q * m * n : (q + 1) * m * n].reshape((m, n))
        extra_a = block(db2, g2, tb, not no) if ta else block(g2, db2, no, not tb)
        extra_b = block(g2, da2, not no, ta) if tb else block(da2, g2, not ta, no)
        accumulate(dga[ia * m * k : (ia + 1) * m * k], extra_a)
        accumulate(dgb[ib * k * n : (ib + 1) * k * n], extra_b)
