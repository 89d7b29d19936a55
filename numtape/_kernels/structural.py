"""Structural array primitives on flat views: where, gather, scatter_add, window, pad, concat,
reduce_sum, broadcast, reduce_max/min.

One small forward and one backward per primitive, given the entry's aux ``row`` (its
integer attributes, ``A_I0..A_I3``: see each function) and its operands' flat data.
Backward steps accumulate ``gx += vjp(gy)``, except the few with a ``fresh`` form,
which assign where they write each element once (the caller's adjoint is then new,
uninitialised memory: written as if it held zeros). All of them are linear in
their operands except reduce_max/min, so their tangent is their forward applied
to the tangents; reduce_max/min's tangent is here too.
"""
from __future__ import annotations

from . import views as V
from .jit import inline_kernel
from .layout import A_I0, A_I1, A_I2, A_I3


@inline_kernel
def where_forward(cond, a, b, y):
    sc = 1 if cond.size > 1 else 0
    sa = 1 if a.size > 1 else 0
    sb = 1 if b.size > 1 else 0
    for k in range(y.size):
        if cond[k * sc] != 0.0:
            y[k] = a[k * sa]
        else:
            y[k] = b[k * sb]


@inline_kernel
def where_backward(cond, gy, ga, gb, need_a, need_b):
    sc = 1 if cond.size > 1 else 0
    sa = 1 if ga.size > 1 else 0
    sb = 1 if gb.size > 1 else 0
    for k in range(gy.size):
        if cond[k * sc] != 0.0:
            if need_a:
                ga[k * sa] += gy[k]
        elif need_b:
            gb[k * sb] += gy[k]


@inline_kernel
def gather_forward(row, iarena, x, y):
    """y[k] = x[map[k]], the map at iarena[A_I0:]."""
    m0 = row[A_I0]
    for k in range(y.size):
        y[k] = x[iarena[m0 + k]]


@inline_kernel
def gather_backward(row, iarena, gy, gx):
    m0 = row[A_I0]
    for k in range(gy.size):
        gx[iarena[m0 + k]] += gy[k]


@inline_kernel
def scatter_add_forward(row, iarena, x, y):
    """y = zeros; y[map[k]] += x[k]."""
    m0 = row[A_I0]
    y[:] = 0.0
    for k in range(x.size):
        y[iarena[m0 + k]] += x[k]


@inline_kernel
def scatter_add_backward(row, iarena, gy, gx):
    m0 = row[A_I0]
    for k in range(gx.size):
        gx[k] += gy[iarena[m0 + k]]


@inline_kernel
def window_forward(row, x, y):
    """y[o, j] = x[o * stride + start + j]; (outer, stride, start, width) = A_I0..A_I3."""
    outer, stride, start, width = row[A_I0], row[A_I1], row[A_I2], row[A_I3]
    for o in range(outer):
        for j in range(width):
            y[o * width + j] = x[o * stride + start + j]


@inline_kernel
def window_backward(row, gy, gx, fresh):
    outer, stride, start, width = row[A_I0], row[A_I1], row[A_I2], row[A_I3]
    if fresh and outer == 1:  # one window: the rest of gx is zeros, written once
        gx[:start] = 0.0
        for j in range(width):
            gx[start + j] = 0.0 + gy[j]
        gx[start + width :] = 0.0
        return
    if fresh:
        gx[:] = 0.0
    for o in range(outer):
        for j in range(width):
            gx[o * stride + start + j] += gy[o * width + j]


@inline_kernel
def pad_forward(row, x, y):
    """y = zeros(outer * stride); y[o * stride + start + j] = x[o, j]."""
    outer, stride, start, width = row[A_I0], row[A_I1], row[A_I2], row[A_I3]
    y[:] = 0.0
    for o in range(outer):
        for j in range(width):
            y[o * stride + start + j] = x[o * width + j]


@inline_kernel
def pad_backward(row, gy, gx):
    outer, stride, start, width = row[A_I0], row[A_I1], row[A_I2], row[A_I3]
    for o in range(outer):
        for j in range(width):
            gx[o * width + j] += gy[o * stride + start + j]


@inline_kernel
def concat_forward(t, row, value, arena, y):
    """y[o, :] = the pieces' rows side by side; (pieces at iarena[A_I0:], count, outer) = A_I0..A_I2,
    each piece a (slot, width) pair."""
    p0, count, outer = row[A_I0], row[A_I1], row[A_I2]
    total = y.size // outer if outer > 0 else 0
    col = 0
    for q in range(count):
        x = V.slot_data(t, t.iarena[p0 + 2 * q], value, arena)
        width = t.iarena[p0 + 2 * q + 1]
        for o in range(outer):
            for j in range(width):
                y[o * total + col + j] = x[o * width + j]
        col += width


@inline_kernel
def concat_backward(t, row, gy, adj, adj_arena):
    p0, count, outer = row[A_I0], row[A_I1], row[A_I2]
    total = gy.size // outer if outer > 0 else 0
    col = 0
    for q in range(count):
        gx = V.slot_data(t, t.iarena[p0 + 2 * q], adj, adj_arena)
        width = t.iarena[p0 + 2 * q + 1]
        for o in range(outer):
            for j in range(width):
                gx[o * width + j] += gy[o * total + col + j]
        col += width


@inline_kernel
def reduce_sum_forward(row, x, y):
    """y[o, i] = sum over m of x[o, m, i]; (outer, mid, inner) = A_I0..A_I2. Pairwise when inner is 1."""
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    if inner == 1:
        for o in range(outer):
            y[o] = V.pairwise_sum(x, o * mid, mid)
    else:
        y[:] = 0.0
        for o in range(outer):
            for m in range(mid):
                base = (o * mid + m) * inner
                for j in range(inner):
                    y[o * inner + j] += x[base + j]


@inline_kernel
def reduce_sum_backward(row, gy, gx, fresh):
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    if inner == 1:
        for o in range(outer):
            g = gy[o]
            for m in range(mid):
                gx[o * mid + m] = (0.0 if fresh else gx[o * mid + m]) + g
        return
    if fresh:
        gx[:] = 0.0
    for o in range(outer):
        for m in range(mid):
            base = (o * mid + m) * inner
            for j in range(inner):
                gx[base + j] += gy[o * inner + j]


@inline_kernel
def broadcast_forward(row, x, y):
    """y[o, m, i] = x[o, i]; (outer, mid, inner) = A_I0..A_I2."""
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    for o in range(outer):
        for m in range(mid):
            base = (o * mid + m) * inner
            for j in range(inner):
                y[base + j] = x[o * inner + j]


@inline_kernel
def broadcast_backward(row, gy, gx):
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    for o in range(outer):
        for m in range(mid):
            base = (o * mid + m) * inner
            for j in range(inner):
                gx[o * inner + j] += gy[base + j]


@inline_kernel
def extreme_forward(row, is_max, x, y):
    """y[o, i] = max (or min) over m of x[o, m, i], NaN winning; (outer, mid, inner) = A_I0..A_I2."""
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    for o in range(outer):
        for j in range(inner):
            best = x[o * mid * inner + j]
            for m in range(1, mid):
                v = x[(o * mid + m) * inner + j]
                if best != best:
                    break
                if v != v or (is_max and v > best) or (not is_max and v < best):
                    best = v
            y[o * inner + j] = best


@inline_kernel
def extreme_backward(row, gy, x, y, gx):
    """Tied maxima (minima) share the cotangent equally."""
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    for o in range(outer):
        for j in range(inner):
            best = y[o * inner + j]
            count = 0.0
            for m in range(mid):
                if x[(o * mid + m) * inner + j] == best:
                    count += 1.0
            g = gy[o * inner + j]
            for m in range(mid):
                hit = 1.0 if x[(o * mid + m) * inner + j] == best else 0.0
                gx[(o * mid + m) * inner + j] += g * (hit / count)


@inline_kernel
def extreme_tangent(row, x, y, dx, dy):
    outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
    for o in range(outer):
        for j in range(inner):
            best = y[o * inner + j]
            count = 0.0
            for m in range(mid):
                if x[(o * mid + m) * inner + j] == best:
                    count += 1.0
            total = 0.0
            for m in range(mid):
                hit = 1.0 if x[(o * mid + m) * inner + j] == best else 0.0
                total += dx[(o * mid + m) * inner + j] * (hit / count)
            dy[o * inner + j] = total
