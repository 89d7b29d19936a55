"""Elementwise array entries (OP_UNARY, OP_BINARY): forward, backward, tangents, second order.

Each function works on flat views of one entry's operands. The common functions
(square, exp, tanh, add, mul, ...) have loops of their own, with no per-element
switch, so the compiler vectorises them; they do exactly the float operations of
the generated scalar switches (``scalar.py``), which every other function goes
through element by element. An OP_BINARY entry's operands are each full-size,
size 1, or a row/column of the output seen as (outer, inner): ``views.broadcast_layout``
turns that into strides. An adjoint whose ``need_*`` is False is not written; a
``fresh_*`` one holds garbage and is written as if it held zeros (``0.0 + v``).
"""
from __future__ import annotations

import math

import numpy as np

from . import mathfn as M
from . import scalar as S
from . import views as V
from .codes import (
    CURVED, DIFFERENTIABLE, FN_ABS, FN_ADD, FN_DIV, FN_EXP, FN_IDENTITY, FN_MUL, FN_NEG, FN_RECIPROCAL, FN_RELU,
    FN_SIGMOID, FN_SOFTPLUS, FN_SQRT, FN_SQUARE, FN_STOP_GRADIENT, FN_SUB, FN_TANH,
)
from .jit import inline_kernel, kernel
from .layout import A_B


@kernel
def unary_loop(fn, x, y):
    """y = fn(x) with a loop of its own for the common functions (no per-element switch, so
    the compiler can vectorise it); False for the others. Same float operations as scalar.unary."""
    n = y.size
    if fn == FN_SQUARE:
        for k in range(n):
            y[k] = x[k] * x[k]
    elif fn == FN_NEG:
        for k in range(n):
            y[k] = -x[k]
    elif fn == FN_EXP:
        for k in range(n):
            y[k] = math.exp(x[k])
    elif fn == FN_TANH:
        for k in range(n):
            y[k] = math.tanh(x[k])
    elif fn == FN_SOFTPLUS:
        for k in range(n):
            y[k] = math.log1p(math.exp(-abs(x[k]))) + max(x[k], 0.0)
    elif fn == FN_SIGMOID:
        for k in range(n):
            y[k] = M.sigmoid(x[k])
    elif fn == FN_SQRT:
        for k in range(n):
            y[k] = math.sqrt(x[k]) if x[k] >= 0.0 else np.nan
    elif fn == FN_RECIPROCAL:
        for k in range(n):
            y[k] = 1.0 / x[k]
    elif fn == FN_ABS:
        for k in range(n):
            y[k] = abs(x[k])
    elif fn == FN_RELU:
        for k in range(n):
            y[k] = 0.0 if x[k] <= 0.0 else x[k]
    elif fn == FN_IDENTITY or fn == FN_STOP_GRADIENT:
        for k in range(n):
            y[k] = x[k]
    else:
        return False
    return True


@kernel
def binary_loop(fn, x, w, y):
    """y = fn(x, w) for add, sub, mul, div with each operand full or a broadcast scalar;
    False for the others. Same float operations as scalar.binary."""
    n = y.size
    if fn != FN_ADD and fn != FN_SUB and fn != FN_MUL and fn != FN_DIV:
        return False
    if x.size == n and w.size == n:
        if fn == FN_ADD:
            for k in range(n):
                y[k] = x[k] + w[k]
        elif fn == FN_SUB:
            for k in range(n):
                y[k] = x[k] - w[k]
        elif fn == FN_MUL:
            for k in range(n):
                y[k] = x[k] * w[k]
        else:
            for k in range(n):
                y[k] = x[k] / w[k]
    elif x.size == n:
        c = w[0]
        if fn == FN_ADD:
            for k in range(n):
                y[k] = x[k] + c
        elif fn == FN_SUB:
            for k in range(n):
                y[k] = x[k] - c
        elif fn == FN_MUL:
            for k in range(n):
                y[k] = x[k] * c
        else:
            for k in range(n):
                y[k] = x[k] / c
    else:
        c = x[0]
        if fn == FN_ADD:
            for k in range(n):
                y[k] = c + w[k]
        elif fn == FN_SUB:
            for k in range(n):
                y[k] = c - w[k]
        elif fn == FN_MUL:
            for k in range(n):
                y[k] = c * w[k]
        else:
            for k in range(n):
                y[k] = c / w[k]
    return True


@kernel
def binary_backward_loop(fn, g, x, w, gx, gw, need_x, need_w, fresh_x, fresh_w):
    """Backward of add, sub, mul, div with each operand full-size or a broadcast scalar,
    in loops of their own; False for other functions. Same float operations as
    scalar.apply(scalar.binary_partials); a scalar operand's adjoint is summed in a local first.
    An operand whose adjoint nobody needs (``need_*`` False) is not written; a
    ``fresh_*`` adjoint holds garbage and is written as if it held zeros."""
    n = g.size
    if fn != FN_ADD and fn != FN_SUB and fn != FN_MUL and fn != FN_DIV:
        return False
    if x.size == n and w.size == n:
        if need_x:
            if fn == FN_ADD or fn == FN_SUB:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * 1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * w[k]
            else:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * (1.0 / w[k])
        if need_w:
            if fn == FN_ADD:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * 1.0
            elif fn == FN_SUB:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * -1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * x[k]
            else:
                for k in range(n):
                    b = w[k]
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * ((-x[k] / b) / b)
    elif x.size == n and w.size == 1:
        c = w[0]
        if need_x:
            if fn == FN_ADD or fn == FN_SUB:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * 1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * c
            else:
                inverse = 1.0 / c
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * inverse
        if need_w:
            total = 0.0
            if fn == FN_ADD:
                for k in range(n):
                    total += g[k] * 1.0
            elif fn == FN_SUB:
                for k in range(n):
                    total += g[k] * -1.0
            elif fn == FN_MUL:
                for k in range(n):
                    total += g[k] * x[k]
            else:
                for k in range(n):
                    total += g[k] * ((-x[k] / c) / c)
            gw[0] = (0.0 if fresh_w else gw[0]) + total
    elif x.size == 1 and w.size == n:
        c = x[0]
        if need_x:
            total = 0.0
            if fn == FN_ADD or fn == FN_SUB:
                for k in range(n):
                    total += g[k] * 1.0
            elif fn == FN_MUL:
                for k in range(n):
                    total += g[k] * w[k]
            else:
                for k in range(n):
                    total += g[k] * (1.0 / w[k])
            gx[0] = (0.0 if fresh_x else gx[0]) + total
        if need_w:
            if fn == FN_ADD:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * 1.0
            elif fn == FN_SUB:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * -1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * c
            else:
                for k in range(n):
                    b = w[k]
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * ((-c / b) / b)
    else:
        return False
    return True



@inline_kernel
def unary_forward(fn, x, y):
    if not unary_loop(fn, x, y):
        for k in range(y.size):
            y[k] = S.unary(fn, x[k])


@inline_kernel
def binary_forward(row, fn, x, w, y):
    n = y.size
    outer, inner, sxo, sxi, swo, swi = V.broadcast_layout(row, x.size, w.size, n)
    wx = inner if sxi else 1
    ww = inner if swi else 1
    for o in range(outer):  # one row unless broadcast; each row is full or size 1
        if not binary_loop(fn, x[o * sxo : o * sxo + wx], w[o * swo : o * swo + ww], y[o * inner : (o + 1) * inner]):
            for o2 in range(outer):
                for j in range(inner):
                    y[o2 * inner + j] = S.binary(fn, x[o2 * sxo + j * sxi], w[o2 * swo + j * swi])
            return


@inline_kernel
def unary_backward(fn, gy, x, y, gx, need_x, fresh_x):
    """gx += vjp of y = fn(x)."""
    n = gy.size
    if not DIFFERENTIABLE[fn] or not need_x:
        if need_x and fresh_x:
            gx[:] = 0.0
        return
    if fn == FN_SQUARE:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * (2.0 * x[k])
    elif fn == FN_NEG:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * -1.0
    elif fn == FN_EXP:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * y[k]
    elif fn == FN_TANH:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * (1.0 - y[k] * y[k])
    elif fn == FN_SOFTPLUS:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * M.sigmoid(x[k])
    elif fn == FN_SIGMOID:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * (y[k] * (1.0 - y[k]))
    else:
        for k in range(n):
            gx[k] = (0.0 if fresh_x else gx[k]) + S.apply(fn, gy[k], S.unary_partial(fn, x[k], y[k]))


@inline_kernel
def binary_backward(row, fn, gy, x, w, y, gx, gw, need_x, need_w, fresh_x, fresh_w):
    """gx, gw += vjp of y = fn(x, w), broadcast as ``row`` says."""
    n = gy.size
    outer, inner, sxo, sxi, swo, swi = V.broadcast_layout(row, x.size, w.size, n)
    if fn == FN_ADD or fn == FN_SUB or fn == FN_MUL or fn == FN_DIV:
        wx = inner if sxi else 1
        ww = inner if swi else 1
        for o in range(outer):  # one row unless broadcast; each row is full or size 1
            # an operand row seen again by later rows (sxo == 0) is fresh only the first time
            binary_backward_loop(fn, gy[o * inner : (o + 1) * inner], x[o * sxo : o * sxo + wx],
                                 w[o * swo : o * swo + ww], gx[o * sxo : o * sxo + wx],
                                 gw[o * swo : o * swo + ww], need_x, need_w,
                                 fresh_x and (sxo != 0 or o == 0), fresh_w and (swo != 0 or o == 0))
        return
    if need_x and fresh_x:
        gx[:] = 0.0
    if need_w and fresh_w:
        gw[:] = 0.0
    if not DIFFERENTIABLE[fn]:
        return
    for o in range(outer):
        for j in range(inner):
            k = o * inner + j
            kx = o * sxo + j * sxi
            kw = o * swo + j * swi
            dx, dw = S.binary_partials(fn, x[kx], w[kw], y[k])
            g = gy[k]
            if need_x:
                gx[kx] += S.apply(fn, g, dx)
            if need_w:
                gw[kw] += S.apply(fn, g, dw)


@inline_kernel
def unary_tangents(t, i, fn, value, arena, dvalue, darena):
    """Tangents of OP_UNARY entry ``i`` in every direction (rows of dvalue/darena)."""
    dy = V.slot_data2(t, i, dvalue, darena)
    if not DIFFERENTIABLE[fn]:
        dy[:, :] = 0.0
        return
    a = np.int64(t.arg0[i])
    x = V.slot_data(t, a, value, arena)
    y = V.slot_data(t, i, value, arena)
    dx = V.slot_data2(t, a, dvalue, darena)
    for k in range(x.size):
        d = S.unary_partial(fn, x[k], y[k])
        for j in range(dvalue.shape[0]):
            dy[j, k] = S.unary_tangent(fn, x[k], y[k], d, dx[j, k])


@inline_kernel
def binary_tangents(t, i, fn, value, arena, dvalue, darena):
    """Tangents of OP_BINARY entry ``i`` in every direction; partials once per element."""
    dy = V.slot_data2(t, i, dvalue, darena)
    if not DIFFERENTIABLE[fn]:
        dy[:, :] = 0.0
        return
    r = t.arg1[i]
    a, b = np.int64(t.arg0[i]), t.aux[r, A_B]
    x = V.slot_data(t, a, value, arena)
    w = V.slot_data(t, b, value, arena)
    z = V.slot_data(t, i, value, arena)
    dx = V.slot_data2(t, a, dvalue, darena)
    dw = V.slot_data2(t, b, dvalue, darena)
    outer, inner, sxo, sxi, swo, swi = V.broadcast_layout(t.aux[r], x.size, w.size, z.size)
    for o in range(outer):
        for jj in range(inner):
            k = o * inner + jj
            kx = o * sxo + jj * sxi
            kw = o * swo + jj * swi
            if fn == FN_MUL:
                pa = w[kw]
                pb = x[kx]
            elif fn == FN_ADD:
                pa = 1.0
                pb = 1.0
            elif fn == FN_SUB:
                pa = 1.0
                pb = -1.0
            else:
                pa, pb = S.binary_partials(fn, x[kx], w[kw], z[k])
            for j in range(dvalue.shape[0]):
                dy[j, k] = S.binary_tangent(fn, x[kx], w[kw], z[k], pa, pb, dx[j, kx], dw[j, kw])


@inline_kernel
def unary_backward_second(t, i, fn, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena):
    """The tangent of OP_UNARY entry ``i``'s backward step, for each direction (rows of dadj)."""
    if not DIFFERENTIABLE[fn]:
        return
    a = np.int64(t.arg0[i])
    x = V.slot_data(t, a, value, arena)
    y = V.slot_data(t, i, value, arena)
    g = V.slot_data(t, i, adj, adj_arena)
    dx = V.slot_data2(t, a, dvalue, darena)
    dg = V.slot_data2(t, i, dadj, dadj_arena)
    dgx = V.slot_data2(t, a, dadj, dadj_arena)
    curved = CURVED[fn] != 0
    for k in range(g.size):
        d = S.unary_partial(fn, x[k], y[k])
        second = S.unary_second(fn, x[k], y[k], d) if curved else 0.0
        for j in range(dadj.shape[0]):
            term = S.apply(fn, dg[j, k], d)
            if curved:
                term += g[k] * (second * dx[j, k])
            dgx[j, k] += term


@inline_kernel
def binary_backward_second(t, i, fn, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena):
    """The tangent of OP_BINARY entry ``i``'s backward step, for each direction (rows of dadj)."""
    if not DIFFERENTIABLE[fn]:
        return
    r = t.arg1[i]
    a, b = np.int64(t.arg0[i]), t.aux[r, A_B]
    x = V.slot_data(t, a, value, arena)
    w = V.slot_data(t, b, value, arena)
    z = V.slot_data(t, i, value, arena)
    g = V.slot_data(t, i, adj, adj_arena)
    dx = V.slot_data2(t, a, dvalue, darena)
    dw = V.slot_data2(t, b, dvalue, darena)
    dg = V.slot_data2(t, i, dadj, dadj_arena)
    dgx = V.slot_data2(t, a, dadj, dadj_arena)
    dgw = V.slot_data2(t, b, dadj, dadj_arena)
    curved = CURVED[fn] != 0
    outer, inner, sxo, sxi, swo, swi = V.broadcast_layout(t.aux[r], x.size, w.size, g.size)
    for o in range(outer):
        for jj in range(inner):
            k = o * inner + jj
            kx = o * sxo + jj * sxi
            kw = o * swo + jj * swi
            xa = x[kx]
            xb = w[kw]
            pa, pb = S.binary_partials(fn, xa, xb, z[k])
            haa, hab, hba, hbb = S.binary_second(fn, xa, xb, z[k], pa, pb)
            gk = g[k]
            for j in range(dadj.shape[0]):
                ta = S.apply(fn, dg[j, k], pa)
                tb = S.apply(fn, dg[j, k], pb)
                if curved:
                    ta += gk * (haa * dx[j, kx] + hab * dw[j, kw])
                    tb += gk * (hba * dx[j, kx] + hbb * dw[j, kw])
                dgx[j, kx] += ta
                dgw[j, kw] += tb
