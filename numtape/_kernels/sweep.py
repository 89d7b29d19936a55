"""The sweeps: liveness, the reverse sweep, forward replays with and without tangents.

A tape is walked entry by entry (see ``numtape/_kernels/__init__.py`` for its
layout). :func:`mark_live` finds the entries on a path from a source to a target;
:func:`reverse_sweep` walks them backwards once, accumulating
``adj[operand] += vjp(adj[output])``; an entry whose values live outside the arena,
or a custom gradient, is handed back to Python (the sweep returns its index) and
the sweep resumes below it. :func:`forward_replay` recomputes values from the
leaves (``nt.function``), :func:`forward_tangent` also carries tangents (forward
mode) and :func:`reverse_sweep_second` the tangents of the adjoints
(forward-over-reverse: Hessian-vector products). The most common scalar ops are
written inline with exactly the float operations of the generated switches
(``scalar.py``; a test checks them bit for bit); every other code goes through
the switches, and array entries through ``arrays.py``.

The Python-facing kernels take the tape's arrays flat (a tuple costs dispatch
time at the boundary) and bundle them into a ``TapeArrays`` for the kernels below.
This module also re-exports the codes and layout constants for Python callers.
"""
from __future__ import annotations

import math

import numpy as np

from . import arrays as A
from . import mathfn as M
from . import scalar as S
from . import views as V
from .codes import *  # noqa: F401,F403  (the codes, for Python callers: K.OP_UNARY)
from .codes import (
    ARITY, CURVED, DIFFERENTIABLE, FN_ADD, FN_COS, FN_DIV, FN_EXP, FN_MUL, FN_NEG, FN_SIN, FN_SQUARE, FN_SUB, FN_TANH,
    OP_ARRAY_LEAF, OP_BINARY, OP_CONCAT, OP_CUSTOM_CALL, OP_CUSTOM_OUT, OP_ELEM, OP_LEAF, OP_MATMUL, OP_WHERE, SCALAR,
)
from .jit import ensure_compiled, inline_kernel, kernel  # noqa: F401  (ensure_compiled: for Python callers)
from .layout import *  # noqa: F401,F403  (the layout constants, for Python callers: K.A_OFF)
from .layout import A_B, A_C, A_FN, A_I0, A_I1, A_OFF, CODE_MASK, HANDOFF, TapeArrays


@kernel
def mark_live(code, arg0, arg1, aux, iarena, targets, sources):
    """Reachability from the targets along differentiable edges, and the reverse code.

    Returns ``live`` (entry ``i`` lies on a path from a source to a target; a leaf that
    is not among ``sources`` is a constant and stays dead) and ``rcode``, the codes
    the reverse sweeps dispatch on: ``code[i]`` for a live entry, 0 for one that is not
    (skipped like a leaf, and its adjoint never needed), ``HANDOFF`` for one Python must
    differentiate (a custom gradient, or values held outside the arena).
    """
    n = code.shape[0]
    live = np.zeros(n, np.bool_)
    wanted = np.ones(n, np.bool_)  # leaves are wanted only as sources
    for i in range(n):
        op = code[i] & CODE_MASK
        if op == OP_LEAF or op == OP_ARRAY_LEAF:
            wanted[i] = False
    for s in sources:
        wanted[s] = True
    rcode = np.zeros(n, np.uint16)
    for s in targets:
        live[s] = True
    for i in range(n - 1, -1, -1):
        if not live[i]:
            continue
        c = code[i]
        rcode[i] = c
        op = c & CODE_MASK
        if op == OP_LEAF or op == OP_ARRAY_LEAF:
            continue
        if SCALAR[op]:  # a scalar function or an element of an array
            if op == OP_ELEM or DIFFERENTIABLE[op]:
                live[arg0[i]] = wanted[arg0[i]] or live[arg0[i]]
                if ARITY[op] == 2:
                    live[arg1[i]] = wanted[arg1[i]] or live[arg1[i]]
            continue
        # an array entry: mark its differentiable operands; Python takes it if any is external
        r = arg1[i]
        handoff = V.is_external(code, arg1, aux, i)
        if op == OP_CONCAT or op == OP_CUSTOM_CALL:
            p0 = aux[r, A_I0]
            for q in range(aux[r, A_I1]):
                s = iarena[p0 + 2 * q]
                live[s] = wanted[s] or live[s]
                handoff = handoff or V.is_external(code, arg1, aux, s)
            handoff = handoff or op == OP_CUSTOM_CALL
        elif op == OP_WHERE:
            b, c2 = aux[r, A_B], aux[r, A_C]
            live[b] = wanted[b] or live[b]
            live[c2] = wanted[c2] or live[c2]
            handoff = (handoff or V.is_external(code, arg1, aux, np.int64(arg0[i])) or V.is_external(code, arg1, aux, b)
                       or V.is_external(code, arg1, aux, c2))
        elif not A.nondifferentiable(op, aux[r, A_FN]):
            a = np.int64(arg0[i])
            live[a] = wanted[a] or live[a]
            handoff = handoff or V.is_external(code, arg1, aux, a)
            if op == OP_BINARY or op == OP_MATMUL:
                b = aux[r, A_B]
                live[b] = wanted[b] or live[b]
                handoff = handoff or V.is_external(code, arg1, aux, b)
        if handoff and op != OP_CUSTOM_OUT:
            rcode[i] = HANDOFF
    return live, rcode


@kernel
def scalar_backward(c, i, arg0, arg1, value, adj):
    """The backward step of any scalar entry (the common ones are inlined in the sweeps)."""
    op = c & CODE_MASK
    if not DIFFERENTIABLE[op]:
        return
    a = arg0[i]
    if ARITY[op] == 1:
        adj[a] += S.apply(op, adj[i], S.unary_partial(op, value[a], value[i]))
    else:
        b = arg1[i]
        da, db = S.binary_partials(op, value[a], value[b], value[i])
        g = adj[i]
        adj[a] += S.apply(op, g, da)
        adj[b] += S.apply(op, g, db)


@kernel
def reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, start, stop):
    """Back-propagate adjoints over entries ``start`` down to ``stop`` (inclusive).

    Dispatches on ``rcode`` (from ``mark_live``). The most common scalar ops are
    written inline, with exactly the float operations of ``scalar.apply``/partials.
    Returns -1 when done, or the index of an entry Python must handle; call again
    from that index minus one afterwards.
    """
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    for i in range(start, stop - 1, -1):
        c = rcode[i]
        if c == FN_MUL:
            a = arg0[i]
            b = arg1[i]
            g = adj[i]
            adj[a] += g * value[b]
            adj[b] += g * value[a]
        elif c == FN_ADD:
            g = adj[i]
            adj[arg0[i]] += g * 1.0
            adj[arg1[i]] += g * 1.0
        elif c == OP_LEAF:
            continue
        elif c == FN_SUB:
            g = adj[i]
            adj[arg0[i]] += g * 1.0
            adj[arg1[i]] += g * -1.0
        elif c == FN_DIV:
            a = arg0[i]
            b = arg1[i]
            g = adj[i]
            vb = value[b]
            adj[a] += g * (1.0 / vb)
            adj[b] += g * ((-value[a] / vb) / vb)
        elif c == FN_SIN:
            a = arg0[i]
            adj[a] += adj[i] * math.cos(value[a])
        elif c == FN_COS:
            a = arg0[i]
            adj[a] += adj[i] * -math.sin(value[a])
        elif c == FN_EXP:
            adj[arg0[i]] += adj[i] * value[i]
        elif c == FN_NEG:
            adj[arg0[i]] += adj[i] * -1.0
        elif c == FN_SQUARE:
            a = arg0[i]
            adj[a] += adj[i] * (2.0 * value[a])
        elif c == FN_TANH:
            y = value[i]
            adj[arg0[i]] += adj[i] * (1.0 - y * y)
        elif c == HANDOFF:
            return i
        else:
            op = c & CODE_MASK
            if op == OP_ELEM:
                adj_arena[aux[arg1[arg0[i]], A_OFF] + arg1[i]] += adj[i]
            elif SCALAR[op]:
                scalar_backward(c, i, arg0, arg1, value, adj)
            else:
                A.array_backward(t, rcode, i, value, arena, adj, adj_arena)
    return -1


@kernel
def gradient_sweep(code, arg0, arg1, value, aux, arena, iarena, request, adj, adj_arena):
    """The common gradient in one call: ``mark_live``, seeds of ones at the targets (held
    in the value column or the arena), and the reverse sweep down to the lowest live
    source. The buffers come untrimmed; ``request`` holds their used lengths (entries,
    aux rows, arena, iarena), the number of targets, the target slots and the source
    slots. ``adj``/``adj_arena`` come zeroed, of the used lengths. Returns (status, stop,
    live, rcode), status as ``reverse_sweep``'s (an entry for Python, to resume below it)
    and the lowest live source as the sweep's stop."""
    n = request[0]
    code = code[:n]
    arg0 = arg0[:n]
    arg1 = arg1[:n]
    value = value[:n]
    aux = aux[: request[1]]
    arena = arena[: request[2]]
    iarena = iarena[: request[3]]
    targets = request[5 : 5 + request[4]]
    sources = request[5 + request[4] :]
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    live, rcode = mark_live(code, arg0, arg1, aux, iarena, targets, sources)
    start = np.int64(-1)  # not the literal -1: that would compile reverse_sweep twice
    for s in targets:
        seed = V.slot_data(t, s, adj, adj_arena)
        for k in range(seed.size):
            seed[k] += 1.0
        start = max(start, s)
    stop = n
    for s in sources:
        if live[s]:
            stop = min(stop, s)
    if start < stop:
        return -1, stop, live, rcode
    return reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, start, stop), stop, \
        live, rcode


@kernel
def forward_replay(code, arg0, arg1, value, aux, arena, iarena, start, stop):
    """Recompute the values of entries ``start`` .. ``stop - 1`` from their operands.

    Leaves keep the values already in the buffers. The most common float64 scalar
    ops are inline; float32 entries (the F32 bit set) take the general path, which
    rounds. Returns -1 when done, or the index of an entry that Python must compute
    (a custom gradient's call).
    """
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    for i in range(start, stop):
        c = code[i]
        if c == FN_MUL:
            value[i] = value[arg0[i]] * value[arg1[i]]
        elif c == FN_ADD:
            value[i] = value[arg0[i]] + value[arg1[i]]
        elif c == FN_SUB:
            value[i] = value[arg0[i]] - value[arg1[i]]
        elif c == FN_DIV:
            value[i] = value[arg0[i]] / value[arg1[i]]
        elif c == FN_SIN:
            value[i] = math.sin(value[arg0[i]])
        elif c == FN_COS:
            value[i] = math.cos(value[arg0[i]])
        elif c == FN_EXP:
            value[i] = math.exp(value[arg0[i]])
        elif c == FN_NEG:
            value[i] = -value[arg0[i]]
        elif c == FN_SQUARE:
            x = value[arg0[i]]
            value[i] = x * x
        elif c == FN_TANH:
            value[i] = math.tanh(value[arg0[i]])
        elif c == OP_LEAF or c == OP_ARRAY_LEAF:
            continue
        else:
            op = c & CODE_MASK
            if op == OP_LEAF or op == OP_ARRAY_LEAF:
                continue
            if op == OP_ELEM:
                value[i] = arena[aux[arg1[arg0[i]], A_OFF] + arg1[i]]
            elif SCALAR[op]:
                value[i] = M.round_if_f32(c, _scalar_value(op, arg0[i], arg1[i], value))
            elif op == OP_CUSTOM_CALL or op == OP_CUSTOM_OUT:
                return i
            else:
                A.array_forward(t, i, value, arena)
    return -1


@inline_kernel
def _scalar_value(op, a, b, value):
    if ARITY[op] == 1:
        return S.unary(op, value[a])
    return S.binary(op, value[a], value[b])


@kernel
def forward_tangent(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena, start, stop):
    """Forward replay that also carries tangents: row j of ``dvalue``/``darena`` is direction j.

    The caller zeroes the tangents and seeds those of the inputs. Returns -1, or the
    index of an entry forward mode cannot run (a custom gradient). The inline branches are
    the derived tangents of rows without a ``tangent`` formula of their own (a test checks).
    """
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    k = dvalue.shape[0]
    for i in range(start, stop):
        c = code[i]
        if c == FN_MUL:
            a = arg0[i]
            b = arg1[i]
            xa = value[a]
            xb = value[b]
            value[i] = xa * xb
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * xb + dvalue[j, b] * xa
            continue
        if c == FN_ADD or c == FN_SUB:
            a = arg0[i]
            b = arg1[i]
            sign = 1.0 if c == FN_ADD else -1.0
            value[i] = value[a] + value[b] if c == FN_ADD else value[a] - value[b]
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * 1.0 + dvalue[j, b] * sign
            continue
        if c == FN_DIV:
            a = arg0[i]
            b = arg1[i]
            xa = value[a]
            xb = value[b]
            value[i] = xa / xb
            pa = 1.0 / xb
            pb = (-xa / xb) / xb
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * pa + dvalue[j, b] * pb
            continue
        if c == FN_SIN:
            a = arg0[i]
            x = value[a]
            value[i] = math.sin(x)
            d = math.cos(x)
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * d
            continue
        if c == FN_SQUARE:  # x * x records square: the inner step of most scalar loops
            a = arg0[i]
            x = value[a]
            value[i] = x * x
            d = 2.0 * x
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * d
            continue
        op = c & CODE_MASK
        if op == OP_LEAF or op == OP_ARRAY_LEAF:
            continue
        if op == OP_ELEM:
            off = aux[arg1[arg0[i]], A_OFF] + arg1[i]
            value[i] = arena[off]
            for j in range(k):
                dvalue[j, i] = darena[j, off]
        elif SCALAR[op]:
            _scalar_tangent(c, op, i, arg0, arg1, value, dvalue)
        elif op == OP_CUSTOM_CALL or op == OP_CUSTOM_OUT:
            return i
        else:
            A.array_forward(t, i, value, arena)
            A.array_tangents(t, i, value, arena, dvalue, darena)
    return -1


@inline_kernel
def _scalar_tangent(c, op, i, arg0, arg1, value, dvalue):
    """Value and tangents of scalar entry ``i`` in every direction (rounded if float32): the
    partials once, then the row's tangent rule (``scalar.unary_tangent``) per direction."""
    a = arg0[i]
    xa = value[a]
    if ARITY[op] == 1:
        y = M.round_if_f32(c, S.unary(op, xa))
        value[i] = y
        if DIFFERENTIABLE[op]:
            d = S.unary_partial(op, xa, y)
            for j in range(dvalue.shape[0]):
                dvalue[j, i] = S.unary_tangent(op, xa, y, d, dvalue[j, a])
        else:
            dvalue[:, i] = 0.0
        return
    b = arg1[i]
    xb = value[b]
    z = M.round_if_f32(c, S.binary(op, xa, xb))
    value[i] = z
    if DIFFERENTIABLE[op]:
        pa, pb = S.binary_partials(op, xa, xb, z)
        for j in range(dvalue.shape[0]):
            dvalue[j, i] = S.binary_tangent(op, xa, xb, z, pa, pb, dvalue[j, a], dvalue[j, b])
    else:
        dvalue[:, i] = 0.0


@kernel
def reverse_sweep_second(t, rcode, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena, start, stop):
    """Forward-over-reverse: the reverse sweep and, per direction j, its tangent in ``dadj[j]``.

    With the tangents ``dvalue`` of a ``forward_tangent`` pass seeded with v_j at the
    inputs, ``dadj[j]`` at an input ends up holding (Hessian of the seeded target) v_j.
    """
    kk = dadj.shape[0]
    for i in range(start, stop - 1, -1):
        if rcode[i] == 0:
            continue
        op = t.code[i] & CODE_MASK
        if op == OP_ELEM:
            off = t.aux[t.arg1[t.arg0[i]], A_OFF] + t.arg1[i]
            adj_arena[off] += adj[i]
            for j in range(kk):
                dadj_arena[j, off] += dadj[j, i]
        elif SCALAR[op]:
            if DIFFERENTIABLE[op]:
                if ARITY[op] == 1:
                    _unary_second_step(op, i, t.arg0[i], value, dvalue, adj, dadj)
                else:
                    _binary_second_step(op, i, t.arg0[i], t.arg1[i], value, dvalue, adj, dadj)
        else:
            A.array_backward(t, rcode, i, value, arena, adj, adj_arena)
            A.array_backward_second(t, rcode, i, value, arena, dvalue, darena, adj, adj_arena, dadj, dadj_arena)
    return -1


@inline_kernel
def _unary_second_step(op, i, a, value, dvalue, adj, dadj):
    x = value[a]
    y = value[i]
    g = adj[i]
    d = S.unary_partial(op, x, y)
    adj[a] += S.apply(op, g, d)
    curved = CURVED[op] != 0
    s = S.unary_second(op, x, y, d)
    for j in range(dadj.shape[0]):
        term = S.apply(op, dadj[j, i], d)
        if curved:
            term += g * (s * dvalue[j, a])
        dadj[j, a] += term


@inline_kernel
def _binary_second_step(op, i, a, b, value, dvalue, adj, dadj):
    xa = value[a]
    xb = value[b]
    z = value[i]
    g = adj[i]
    pa, pb = S.binary_partials(op, xa, xb, z)
    adj[a] += S.apply(op, g, pa)
    adj[b] += S.apply(op, g, pb)
    curved = CURVED[op] != 0
    haa, hab, hba, hbb = S.binary_second(op, xa, xb, z, pa, pb)
    for j in range(dadj.shape[0]):
        ga = S.apply(op, dadj[j, i], pa)
        gb = S.apply(op, dadj[j, i], pb)
        if curved:
            ga += g * (haa * dvalue[j, a] + hab * dvalue[j, b])
            gb += g * (hba * dvalue[j, a] + hbb * dvalue[j, b])
        dadj[j, a] += ga
        dadj[j, b] += gb


@kernel
def reverse_sweep_multi(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, start, stop):
    """The reverse sweep carrying many seeds at once: row j of ``adj``/``adj_arena`` is seed j.

    Each scalar entry is decoded once and its partial derivatives computed once for
    all seeds (vector-mode reverse, as ADOL-C's fov sweeps). Values must all be in
    the arena (compiled tapes): there are no hand-offs.
    """
    t = TapeArrays(code, arg0, arg1, aux, iarena)
    k = adj.shape[0]
    for i in range(start, stop - 1, -1):
        if rcode[i] == 0:
            continue
        op = code[i] & CODE_MASK
        if op == OP_ELEM:
            off = aux[arg1[arg0[i]], A_OFF] + arg1[i]
            for j in range(k):
                adj_arena[j, off] += adj[j, i]
        elif SCALAR[op]:
            if not DIFFERENTIABLE[op]:
                continue
            a = arg0[i]
            if ARITY[op] == 1:
                d = S.unary_partial(op, value[a], value[i])
                for j in range(k):
                    adj[j, a] += S.apply(op, adj[j, i], d)
            else:
                b = arg1[i]
                da, db = S.binary_partials(op, value[a], value[b], value[i])
                for j in range(k):
                    g = adj[j, i]
                    adj[j, a] += S.apply(op, g, da)
                    adj[j, b] += S.apply(op, g, db)
        else:
            for j in range(k):
                A.array_backward(t, rcode, i, value, arena, adj[j], adj_arena[j])
    return -1
