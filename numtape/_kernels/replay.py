"""nt.function's compiled drivers: guards, and one-call replays of a frozen tape.

A compiled tape (``numtape/function/``) replays by writing its inputs into a copy
of its value buffers and making ONE call here: forward replay, the guard check
(every decision Python took while tracing must come out the same, or the trace
does not apply: status -2), then the reverse sweep or the tangent passes. Status
-1 means done; a non-negative status is an entry Python must handle (a custom
gradient), after which Python resumes the sweep. ``batch_value_and_gradient`` runs
examples in parallel over the cores; ``standalone_value_and_grad`` is the kernel
users call from their own ``@njit`` code.
"""
from __future__ import annotations

import math

import numpy as np

from . import sweep as SW
from . import views as V
from .jit import inline_kernel, kernel, parallel_kernel
from .layout import (
    GUARD_EQUAL, GUARD_FLOAT32, GUARD_GREATER, GUARD_GREATER_EQUAL, GUARD_INT, GUARD_LESS, GUARD_LESS_EQUAL,
    GUARD_NOT_EQUAL, GUARD_TRUTH, TapeArrays,
)

prange = range  # numba.prange once compiled (jit.ensure_compiled sets it)


@kernel
def compare(kind, a, b):
    if kind == GUARD_LESS:
        return a < b
    if kind == GUARD_LESS_EQUAL:
        return a <= b
    if kind == GUARD_GREATER:
        return a > b
    if kind == GUARD_GREATER_EQUAL:
        return a >= b
    if kind == GUARD_EQUAL:
        return a == b
    return a != b


@kernel
def guards_hold(code, arg0, arg1, value, aux, arena, iarena, guard_kind, guard_a, guard_b, guard_off, expected):
    """True when every guard of a trace gives the traced result on the current values.

    Guard q compares slots ``guard_a[q]`` and ``guard_b[q]`` (kinds LESS .. NOT_EQUAL,
    elementwise, size-1 operands broadcast; in float32 when ``GUARD_FLOAT32`` is added to
    the kind) or tests slot ``guard_a[q]`` alone (TRUTH, INT, SAME: bitwise, NaN equal to
    NaN) against ``expected[guard_off[q]:guard_off[q + 1]]``.
    """
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    for q in range(guard_kind.shape[0]):
        kind = guard_kind[q]
        single = kind >= GUARD_FLOAT32
        if single:
            kind -= GUARD_FLOAT32
        a = V.slot_data(t, guard_a[q], value, arena)
        e = expected[guard_off[q] : guard_off[q + 1]]
        if kind <= GUARD_NOT_EQUAL:
            b = V.slot_data(t, guard_b[q], value, arena)
            sa = 1 if a.size > 1 else 0
            sb = 1 if b.size > 1 else 0
            for u in range(e.size):
                if single:
                    # float32 roundings compared widened: exactly the float32 comparison (one signature)
                    holds = compare(kind, np.float64(np.float32(a[u * sa])), np.float64(np.float32(b[u * sb])))
                else:
                    holds = compare(kind, a[u * sa], b[u * sb])
                if holds != (e[u] != 0.0):
                    return False
        elif kind == GUARD_TRUTH:
            for u in range(e.size):
                if (a[u] != 0.0) != (e[u] != 0.0):
                    return False
        elif kind == GUARD_INT:
            for u in range(e.size):
                if not np.isfinite(a[u]) or np.trunc(a[u]) != e[u]:
                    return False
        else:
            for u in range(e.size):
                same = a[u] == e[u] and math.copysign(1.0, a[u]) == math.copysign(1.0, e[u])
                if not (same or (a[u] != a[u] and e[u] != e[u])):
                    return False
    return True


@kernel
def replay_value_and_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                              guard_kind, guard_a, guard_b, guard_off, expected, target, stop):
    """One compiled call: forward replay, guard check, reverse sweep seeded with ones at ``target``.

    The inputs are already written into ``value``/``arena``. Only the arena regions
    listed in ``zones`` (offset, size pairs: the live array slots) are zeroed: a large
    constant's adjoint is never read. Returns -1 when done, -2 when a guard fails (the
    trace does not apply to these inputs), or the index of an entry Python must handle.
    """
    status = SW.forward_replay(code, arg0, arg1, value, aux, arena, iarena, np.int64(0), code.shape[0])
    if status >= 0:
        return status
    return replay_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                           guard_kind, guard_a, guard_b, guard_off, expected, target, stop)


@kernel
def replay_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                    guard_kind, guard_a, guard_b, guard_off, expected, target, stop):
    """The second half of ``replay_value_and_gradient``, for values already replayed: guard
    check, then the reverse sweep seeded with ones at ``target``. Same returns."""
    if not guards_hold(code, arg0, arg1, value, aux, arena, iarena, guard_kind, guard_a, guard_b, guard_off, expected):
        return -2
    adj[:] = 0.0
    for q in range(zones.shape[0]):
        adj_arena[zones[q, 0] : zones[q, 0] + zones[q, 1]] = 0.0
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    V.slot_data(t, target, adj, adj_arena)[:] = 1.0
    return SW.reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, target, stop)


@kernel
def replay_tangents(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena,
                    guard_kind, guard_a, guard_b, guard_off, expected):
    """Forward replay with tangents (seeded by the caller), then the guard check: -1, -2 or a hand-off."""
    status = SW.forward_tangent(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena, 0,
                                 code.shape[0])
    if status >= 0:
        return status
    if not guards_hold(code, arg0, arg1, value, aux, arena, iarena, guard_kind, guard_a, guard_b, guard_off, expected):
        return -2
    return -1


@kernel
def replay_tangents_finite(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena,
                           guard_kind, guard_a, guard_b, guard_off, expected):
    """``replay_tangents``, and -3 when any tangent is not finite: forward mode then need not give
    reverse mode's numbers (an infinite partial meets a zero tangent, or a select drops one)."""
    status = replay_tangents(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena,
                             guard_kind, guard_a, guard_b, guard_off, expected)
    if status != -1:
        return status
    for j in range(dvalue.shape[0]):
        for k in range(dvalue.shape[1]):
            if not np.isfinite(dvalue[j, k]):
                return -3
        for k in range(darena.shape[1]):
            if not np.isfinite(darena[j, k]):
                return -3
    return -1


@kernel
def replay_second_order(code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj, adj_arena, dadj,
                        dadj_arena, guard_kind, guard_a, guard_b, guard_off, expected, target, stop):
    """Forward-over-reverse in one call: tangents forward (seeded by the caller), guards, then the
    reverse sweep with its tangents, seeded with ones at ``target``: ``dadj[j]`` gets H v_j."""
    status = replay_tangents(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena,
                             guard_kind, guard_a, guard_b, guard_off, expected)
    if status != -1:
        return status
    adj[:] = 0.0
    adj_arena[:] = 0.0
    dadj[:, :] = 0.0
    dadj_arena[:, :] = 0.0
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    V.slot_data(t, target, adj, adj_arena)[:] = 1.0
    return SW.reverse_sweep_second(t, rcode, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena, target,
                                   stop)


@kernel
def replay_hessian(code, rcode, arg0, arg1, value, aux, arena, iarena, guard_kind, guard_a, guard_b, guard_off,
                   expected, target, slot, seeds, rows, cols, col_colors):
    """The dense Hessian of ``target`` in the input at ``slot`` from compressed directions.

    ``seeds[c]`` seeds the tangent of color c; entry (rows[q], cols[q]) of the Hessian
    is then read at (col_colors[q], rows[q]) of the compressed result. Returns
    (status, hessian): status -2 when a guard fails.
    """
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    p, n = seeds.shape
    dvalue = np.zeros((p, code.shape[0]))
    darena = np.zeros((p, arena.shape[0]))
    V.slot_data2(t, slot, dvalue, darena)[:, :] = seeds
    adj = np.empty(code.shape[0])
    adj_arena = np.empty(arena.shape[0])
    dadj = np.empty_like(dvalue)
    dadj_arena = np.empty_like(darena)
    status = replay_second_order(code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj,
                                 adj_arena, dadj, dadj_arena, guard_kind, guard_a, guard_b, guard_off, expected,
                                 target, slot)
    h = np.zeros((n, n))
    if status == -1:  # an input the target does not reach reads zeros (dadj starts at 0)
        compressed = V.slot_data2(t, slot, dadj, dadj_arena)
        for q in range(rows.shape[0]):
            h[rows[q], cols[q]] = compressed[col_colors[q], rows[q]]
    return status, h


@parallel_kernel
def batch_value_and_gradient(code, rcode, arg0, arg1, values, aux, arenas, iarena, zones,
                             guard_kind, guard_a, guard_b, guard_off, expected, target, stop,
                             adjs, adj_arenas, status):
    """``replay_value_and_gradient`` for a batch: row b of ``values``/``arenas`` holds example b.

    Examples run in parallel over the cores; ``status[b]`` gets each one's result.
    """
    for b in prange(values.shape[0]):
        status[b] = replay_value_and_gradient(
            code, rcode, arg0, arg1, values[b], aux, arenas[b], iarena, adjs[b], adj_arenas[b], zones,
            guard_kind, guard_a, guard_b, guard_off, expected, target, stop)


@kernel
def batch_value_and_gradient_serial(code, rcode, arg0, arg1, values, aux, arenas, iarena, zones,
                                    guard_kind, guard_a, guard_b, guard_off, expected, target, stop,
                                    adjs, adj_arenas, status):
    """``batch_value_and_gradient`` on one thread, for a process forked from one that ran the
    parallel kernel: GNU OpenMP terminates such a child at its first parallel region."""
    for b in range(values.shape[0]):
        status[b] = replay_value_and_gradient(
            code, rcode, arg0, arg1, values[b], aux, arenas[b], iarena, adjs[b], adj_arenas[b], zones,
            guard_kind, guard_a, guard_b, guard_off, expected, target, stop)


@kernel
def standalone_value_and_grad(data, x):
    """(f(x), df/dx, ok) of a compiled tape, for the user's own @njit code.

    ``data`` comes from ``nt.function(f).compiled_value_and_grad(x0)``; ``ok`` is
    False when x takes another branch than the traced one (a guard failed), or when
    x is not of the traced shape and dtype (then the value is NaN and the gradient 0:
    nothing is read past x's end, nothing computed in another precision).
    """
    (code, rcode, arg0, arg1, value0, aux, arena0, iarena, live, zones, guard_kind, guard_a, guard_b, guard_off,
     expected, target, slot, at, size, in_column, shape, exemplar) = data
    if not _same_shape_and_dtype(x, shape, exemplar):
        return np.nan, np.zeros(x.shape), False
    value = value0.copy()
    arena = arena0.copy()
    flat = x.ravel()
    if slot >= 0:
        if in_column:
            value[at] = flat[0]
        else:
            arena[at : at + size] = flat
    adj = np.empty(code.shape[0])
    adj_arena = np.empty(arena.shape[0])
    stop = slot if slot >= 0 else target
    status = replay_value_and_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                                       guard_kind, guard_a, guard_b, guard_off, expected, target, stop)
    grad = np.zeros(flat.size)
    if slot >= 0 and live[slot]:
        if in_column:
            grad[0] = adj[at]
        else:
            grad[:] = adj_arena[at : at + size]
    return value[target], grad.reshape(x.shape), status == -1


@inline_kernel
def _same_shape_and_dtype(x, shape, exemplar):
    if not (x.dtype == exemplar.dtype) or x.ndim != shape.shape[0]:  # Numba has == on dtypes, not !=
        return False
    for axis in range(x.ndim):
        if x.shape[axis] != shape[axis]:
            return False
    return True
