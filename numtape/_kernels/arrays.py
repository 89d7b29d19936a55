"""Dispatch of array entries to their kernels: forward, backward, tangents, second order.

Each function here decodes one array entry (its op code, aux row and operand views)
and makes one call to the op's kernel in ``elementwise.py``, ``structural.py`` or
``matmul.py``, like the flat switch of one-line calls of CppAD's sweeps. The
sweeps (``sweep.py``) call these for every entry whose code is an array op;
Python calls :func:`flat_backward` directly for an entry whose arrays are held
outside the arena (a large eager array, differentiated in place).
"""
from __future__ import annotations

import numpy as np

from . import elementwise as E
from . import matmul as MM
from . import structural as ST
from . import views as V
from .codes import (
    DIFFERENTIABLE, OP_ARRAY_LEAF, OP_BINARY, OP_BROADCAST, OP_CONCAT, OP_CUSTOM_OUT, OP_GATHER, OP_MATMUL,
    OP_PAD, OP_REDUCE_MAX, OP_REDUCE_MIN, OP_REDUCE_SUM, OP_SCATTER_ADD, OP_UNARY, OP_WHERE, OP_WINDOW,
)
from .jit import inline_kernel, kernel
from .layout import A_B, A_C, A_FN, CODE_MASK, F32


@kernel
def array_forward(t, i, value, arena):
    """Compute the value of array entry ``i`` from its operands' values (rounded if float32)."""
    op = t.code[i] & CODE_MASK
    r = t.arg1[i]
    row = t.aux[r]
    y = V.slot_data(t, i, value, arena)
    if op == OP_MATMUL:
        MM.forward(t, i, value, arena, y)
    elif op == OP_CONCAT:
        ST.concat_forward(t, row, value, arena, y)
    elif op == OP_WHERE:
        ST.where_forward(V.slot_data(t, np.int64(t.arg0[i]), value, arena), V.slot_data(t, row[A_B], value, arena),
                         V.slot_data(t, row[A_C], value, arena), y)
    elif op == OP_BINARY:
        E.binary_forward(row, row[A_FN], V.slot_data(t, np.int64(t.arg0[i]), value, arena),
                         V.slot_data(t, row[A_B], value, arena), y)
    else:
        x = V.slot_data(t, np.int64(t.arg0[i]), value, arena)
        if op == OP_UNARY:
            E.unary_forward(row[A_FN], x, y)
        elif op == OP_GATHER:
            ST.gather_forward(row, t.iarena, x, y)
        elif op == OP_SCATTER_ADD:
            ST.scatter_add_forward(row, t.iarena, x, y)
        elif op == OP_WINDOW:
            ST.window_forward(row, x, y)
        elif op == OP_PAD:
            ST.pad_forward(row, x, y)
        elif op == OP_REDUCE_SUM:
            ST.reduce_sum_forward(row, x, y)
        elif op == OP_BROADCAST:
            ST.broadcast_forward(row, x, y)
        elif op == OP_REDUCE_MAX or op == OP_REDUCE_MIN:
            ST.extreme_forward(row, op == OP_REDUCE_MAX, x, y)
    if t.code[i] & F32:
        for k in range(y.size):
            y[k] = np.float64(np.float32(y[k]))


@inline_kernel
def array_backward(t, rcode, i, value, arena, adj, adj_arena):
    """Accumulate the operands' adjoints of array entry ``i`` from its own adjoint.

    An operand nobody needs (``views.needed``: a constant array leaf) gets no adjoint
    written, and matmul skips its product.
    """
    op = t.code[i] & CODE_MASK
    if op == OP_ARRAY_LEAF or op == OP_CUSTOM_OUT:
        return
    if op == OP_MATMUL:
        MM.backward(t, rcode, i, value, arena, adj, adj_arena)
        return
    row = t.aux[t.arg1[i]]
    gy = V.slot_data(t, i, adj, adj_arena)
    if op == OP_CONCAT:
        ST.concat_backward(t, row, gy, adj, adj_arena)
        return
    a = np.int64(t.arg0[i])
    x = V.slot_data(t, a, value, arena)
    y = V.slot_data(t, i, value, arena)
    no = np.bool_(False)  # a plain bool, not a literal: one compiled version of flat_backward
    if op == OP_WHERE:
        b, c = row[A_B], row[A_C]
        flat_backward(op, row, t.iarena, gy, x, x, y, V.slot_data(t, b, adj, adj_arena),
                      V.slot_data(t, c, adj, adj_arena), V.needed(t, rcode, b), V.needed(t, rcode, c), no, no)
    elif op == OP_BINARY:
        b = row[A_B]
        flat_backward(op, row, t.iarena, gy, x, V.slot_data(t, b, value, arena), y, V.slot_data(t, a, adj, adj_arena),
                      V.slot_data(t, b, adj, adj_arena), V.needed(t, rcode, a), V.needed(t, rcode, b), no, no)
    else:
        gx = V.slot_data(t, a, adj, adj_arena)
        flat_backward(op, row, t.iarena, gy, x, x, y, gx, gx, V.needed(t, rcode, a), no, no, no)


#: The ops :func:`flat_backward` differentiates (it returns False for the others).
FLAT_OPS = (OP_UNARY, OP_BINARY, OP_WHERE, OP_GATHER, OP_SCATTER_ADD, OP_WINDOW, OP_PAD, OP_REDUCE_SUM, OP_BROADCAST,
            OP_REDUCE_MAX, OP_REDUCE_MIN)


@kernel
def flat_backward(op, row, iarena, gy, x, w, y, gx, gw, need_x, need_w, fresh_x, fresh_w):
    """The backward step of one array entry, on flat arrays: ``gx``/``gw`` += vjp(``gy``).

    ``row`` is the entry's aux row; ``x`` and ``w`` are the operands' values (for
    OP_WHERE ``x`` is the condition and ``gx``/``gw`` the adjoints of the two
    branches), ``y`` the entry's value. An adjoint whose ``need_*`` is False is not
    written. A ``fresh_*`` adjoint is new, uninitialised memory: it ends exactly as if
    it had been zero-filled first (``0.0 + v``, so even a -0.0 comes out the same),
    but the loops that write each element once assign instead of paying a pass to
    zero it. The sweeps call this with views into the arenas (never fresh); Python
    calls it for an entry whose arrays are held outside the arena. Concat and matmul
    are not here (more than two operands; BLAS). Returns False for an op it does not
    handle.
    """
    if op == OP_UNARY:
        E.unary_backward(row[A_FN], gy, x, y, gx, need_x, fresh_x)
        return True
    if op == OP_BINARY:
        E.binary_backward(row, row[A_FN], gy, x, w, y, gx, gw, need_x, need_w, fresh_x, fresh_w)
        return True
    if op == OP_WHERE:
        if need_x and fresh_x:
            gx[:] = 0.0
        if need_w and fresh_w:
            gw[:] = 0.0
        ST.where_backward(x, gy, gx, gw, need_x, need_w)
        return True
    if op != OP_GATHER and op != OP_SCATTER_ADD and op != OP_WINDOW and op != OP_PAD and op != OP_REDUCE_SUM \
            and op != OP_BROADCAST and op != OP_REDUCE_MAX and op != OP_REDUCE_MIN:
        return False
    if not need_x:
        return True
    if op == OP_WINDOW:
        ST.window_backward(row, gy, gx, fresh_x)
    elif op == OP_REDUCE_SUM:
        ST.reduce_sum_backward(row, gy, gx, fresh_x)
    else:
        if fresh_x:
            gx[:] = 0.0
        if op == OP_GATHER:
            ST.gather_backward(row, iarena, gy, gx)
        elif op == OP_SCATTER_ADD:
            ST.scatter_add_backward(row, iarena, gy, gx)
        elif op == OP_PAD:
            ST.pad_backward(row, gy, gx)
        elif op == OP_BROADCAST:
            ST.broadcast_backward(row, gy, gx)
        else:
            ST.extreme_backward(row, gy, x, y, gx)
    return True


@kernel
def array_tangent(t, i, value, arena, dvalue, darena):
    """The tangent of array entry ``i`` for one direction, its values already computed.
    Elementwise entries never come here: ``array_tangents`` does them for all directions."""
    op = t.code[i] & CODE_MASK
    row = t.aux[t.arg1[i]]
    if op == OP_WHERE:
        ST.where_forward(V.slot_data(t, np.int64(t.arg0[i]), value, arena), V.slot_data(t, row[A_B], dvalue, darena),
                         V.slot_data(t, row[A_C], dvalue, darena), V.slot_data(t, i, dvalue, darena))
    elif op == OP_REDUCE_MAX or op == OP_REDUCE_MIN:
        a = np.int64(t.arg0[i])
        ST.extreme_tangent(row, V.slot_data(t, a, value, arena), V.slot_data(t, i, value, arena),
                           V.slot_data(t, a, dvalue, darena), V.slot_data(t, i, dvalue, darena))
    elif op == OP_MATMUL:
        MM.tangent(t, i, value, arena, dvalue, darena)
    elif op != OP_ARRAY_LEAF:
        # gather, scatter_add, window, pad, concat, reduce_sum, broadcast: linear, so their
        # tangent is the same operation applied to the operands' tangents
        array_forward(t, i, dvalue, darena)


@kernel
def array_tangents(t, i, value, arena, dvalue, darena):
    """Tangents of array entry ``i`` in every direction (rows of dvalue/darena).

    Elementwise entries compute each element's partials once for all directions;
    the others run the one-direction kernel per direction.
    """
    op = t.code[i] & CODE_MASK
    fn = t.aux[t.arg1[i], A_FN]
    if op == OP_UNARY:
        E.unary_tangents(t, i, fn, value, arena, dvalue, darena)
    elif op == OP_BINARY:
        E.binary_tangents(t, i, fn, value, arena, dvalue, darena)
    else:
        for j in range(dvalue.shape[0]):
            array_tangent(t, i, value, arena, dvalue[j], darena[j])


@kernel
def array_backward_second(t, rcode, i, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena):
    """The tangent of array entry ``i``'s backward step, for each direction (rows of dadj)."""
    op = t.code[i] & CODE_MASK
    fn = t.aux[t.arg1[i], A_FN]
    if op == OP_UNARY:
        E.unary_backward_second(t, i, fn, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena)
    elif op == OP_BINARY:
        E.binary_backward_second(t, i, fn, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena)
    else:
        # every primitive's backward is linear in the cotangent with a fixed pattern; matmul's
        # also depends on A and B, whose tangents add the terms of backward_second_extra
        for j in range(dadj.shape[0]):
            array_backward(t, rcode, i, value, arena, dadj[j], dadj_arena[j])
            if op == OP_MATMUL:
                MM.backward_second_extra(t, i, value, arena, adj, adj_arena, dvalue[j], darena[j], dadj[j],
                                         dadj_arena[j])


@kernel
def nondifferentiable(op, fn):
    """An array entry whose operands get no gradient (a non-differentiable elementwise fn)."""
    if op == OP_UNARY or op == OP_BINARY:
        return not DIFFERENTIABLE[fn]
    return False
