"""Warm-up of every compiled path: what the wheel build precompiles.

:func:`warmup_all` runs every kernel with every signature numtape uses, on tiny
inputs, through the public API. ``python -m numtape._kernels.build_cache`` runs it
in child processes (``parts`` may be split between them) to precompile the kernels
shipped in the wheel; ``tests/test_kernels.py`` runs it to check that no kernel is
compiled twice. It sits above the whole package (it drives ``numtape`` as a user
would), like ``__main__``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

WARMUP_PARTS = ("eager", "function", "second", "batch")


def warmup_all(parts: Sequence[str] = WARMUP_PARTS) -> None:
    """Run every kernel with every signature numtape uses, on tiny inputs.

    ``python -m numtape._kernels.build_cache`` runs this to precompile the
    kernels shipped in the wheel, the parts (eager tapes; ``nt.function``
    first-order replays; its Hessians and hvps; its batches) in parallel
    processes; anything this misses is compiled on first use.
    """
    import numtape as nt

    from .testing import warmup

    rng = np.random.default_rng(0)
    if "eager" in parts:
        warmup()
        x = nt.ones((2, 2))  # the seed example
        with nt.GradientTape() as t:
            t.watch(x)
            z = nt.square(nt.reduce_sum(x))
        t.gradient(z, x)
        s = nt.constant(0.3)  # scalar ops, persistent tape, output_gradients
        with nt.GradientTape(persistent=True) as t:
            t.watch(s)
            y = nt.sin(s) * nt.exp(s) / (1.0 + s * s) + nt.sqrt(s) ** 1.5 - nt.tanh(s)
        t.gradient(y, s)
        t.gradient(y, s, output_gradients=nt.constant(2.0))
        for n in (64, 5000):  # arena (<= 4096 elements) and hand-off (flat_backward from Python) arrays
            for dtype in (np.float64, np.float32):
                a = nt.constant(rng.standard_normal(n).astype(dtype))
                b = nt.constant(rng.standard_normal(n).astype(dtype))
                m = nt.constant(rng.standard_normal((n // 8, 8)).astype(dtype))
                w = nt.constant(rng.standard_normal((8, 3)).astype(dtype))
                bias = nt.constant(rng.standard_normal(3).astype(dtype))
                with nt.GradientTape() as t:
                    t.watch([a, b, m, w, bias])
                    h = nt.tanh(nt.matmul(m, w) + bias)  # matmul and a broadcast row
                    col = nt.reshape(nt.reduce_sum(m, axis=1), (-1, 1))
                    y = (nt.reduce_sum(nt.exp(a * 0.1) * b + nt.maximum(a, b) - nt.abs(a) / (1.0 + b * b))
                         + nt.reduce_mean(h * h) + nt.reduce_sum(m - col) + nt.reduce_max(a))
                t.gradient(y, [a, b, m, w, bias])
        v = nt.Variable(1.0)  # recorded second order: nested tapes
        with nt.GradientTape() as outer:
            with nt.GradientTape() as inner:
                y = v * v * v + nt.sin(v)
            dy = inner.gradient(y, v)
        outer.gradient(dy, v)
        va = nt.Variable(rng.standard_normal(6))
        with nt.GradientTape() as outer:
            with nt.GradientTape() as inner:
                y = nt.reduce_sum(nt.sin(va) * va * va)
            dy = inner.gradient(y, va)
        outer.jacobian(dy, va)
        xb = nt.constant(rng.standard_normal((4, 3)))
        with nt.GradientTape(persistent=True) as t:
            t.watch(xb)
            yb = nt.sin(xb) * xb
        t.jacobian(yb, xb)
        t.batch_jacobian(yb, xb)
        nt.hessian(lambda q: nt.reduce_sum(q * q * nt.sin(q)))(rng.standard_normal(4))
        nt.hvp(lambda q: nt.reduce_sum(q * q * q), rng.standard_normal(3), rng.standard_normal(3))
        nt.jacobian(lambda q: nt.sin(q) * q)(rng.standard_normal(3))
        nt.grad(lambda q: nt.reduce_sum(nt.betainc(q, 2.0, 0.3)))(np.array([1.5, 0.5]))  # betaincfn
    if {"function", "second", "batch"} & set(parts):
        def rosen(q):
            return nt.reduce_sum(100.0 * (q[1:] - q[:-1] ** 2) ** 2 + (1.0 - q[:-1]) ** 2)

        def branchy(q):
            y = nt.reduce_sum(nt.sin(q) * q)
            return y * 2.0 if q[0] > 0 else y

        def clip(q):
            y = nt.tanh(q)
            return y, lambda dy: dy * 0.5

        soft = nt.custom_gradient(clip)
        for dtype in (np.float64, np.float32):
            for n in (2, 6, 5000):  # forward mode (<= 2 inputs), reverse mode, large arrays
                q = rng.standard_normal(n).astype(dtype)
                for f in (nt.function(rosen), nt.function(branchy),
                          nt.function(lambda q: nt.reduce_sum(soft(q * 2.0) * q))):
                    f(q)
                    if "function" in parts:
                        f.value_and_grad(q)
                        f.grad(q)
                    if n <= 6 and "second" in parts:
                        f.hessian(q)
                        f.hvp(q, q)
                    if n <= 6 and "batch" in parts:
                        f.batch_value_and_grad(np.stack([q, -q, q * 0.5]))
                        _serial_batch(f, np.stack([q, -q]))
    if "function" in parts:
        for n in (2, 5):
            q = rng.standard_normal(n)
            nt.function(lambda q: nt.stack([q[0] * q[-1], nt.sin(q[1]), nt.reduce_sum(q * q)])).jacobian(q)
            g = nt.function(lambda a, b: nt.reduce_sum(a * b) + nt.reduce_sum(nt.exp(a)))
            g.value_and_grad(q, q, argnums=(0, 1))
            g.value_and_grad(q, q, argnums=0)
            fn, data = nt.function(rosen).compiled_value_and_grad(q)
            fn(data, q)


def _serial_batch(f, xs) -> None:
    """The one-thread batch kernel that forked children use (numtape/function/replay.py)."""
    from .function import replay

    replay._forked.child = True
    try:
        f.batch_value_and_grad(xs)
    finally:
        replay._forked.child = False
