"""Gradient checking against central finite differences.

* :func:`check_grad` (also ``nt.check_grad``) compares the tape gradient of a
  function with central differences, element by element, and returns the largest
  relative error.
* :func:`check_grads` checks vector-Jacobian products along random directions
  (autograd's method): for random ``u`` and ``v``, ``<u, J v>`` by central
  differences must equal ``<J^T u, v>`` from the tape. With ``order=2`` it then
  checks the derivative of the VJP itself, computed by nested tapes, the same way,
  and so on for higher orders. The full Jacobian is never formed.

Both differentiate in float64. Neither trusts numtape's own output anywhere.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .gradient_tape import GradientTape
from .tensor import Tensor, constant


def _as_float_arrays(args: Sequence[Any]) -> list[np.ndarray]:
    return [np.array(np.asarray(a, dtype=np.float64)) for a in args]


def _evaluate(f: Callable[..., Any], xs: Sequence[np.ndarray]) -> np.ndarray:
    out = f(*[constant(x) for x in xs])
    return np.asarray(out, dtype=np.float64)


def check_grad(f: Callable[..., Any], *args: Any, eps: float = 1e-6) -> float:
    """Largest relative error between f's tape gradient and central finite differences.

    ``f`` takes Tensors (one per argument) and returns a Tensor; a non-scalar
    output is summed, as ``GradientTape.gradient`` does. The relative error of each
    element is ``|tape - fd| / max(1, |fd|)``.

    >>> import numtape as nt
    >>> nt.check_grad(lambda x: nt.sin(x) * x, 0.5) < 1e-8
    True
    """
    xs = _as_float_arrays(args)
    ts = [constant(x) for x in xs]
    with GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    grads = tape.gradient(y, ts, unconnected_gradients="zero")
    worst = 0.0
    for i, x in enumerate(xs):
        tape_grad = np.asarray(grads[i], np.float64).reshape(-1)
        flat = x.reshape(-1)
        for k in range(flat.size):
            saved = flat[k]
            step = eps * max(1.0, abs(saved))
            flat[k] = saved + step
            up = _evaluate(f, xs).sum()
            flat[k] = saved - step
            down = _evaluate(f, xs).sum()
            flat[k] = saved
            numeric = (up - down) / (2 * step)
            error = abs(tape_grad[k] - numeric) / max(1.0, abs(numeric))
            if not error <= worst:  # also catches NaN
                worst = float(error)
    return worst


def _vjp(f: Callable[..., Any], ts: list[Tensor], u: np.ndarray) -> list[Any]:
    """<u, f>'s gradient with respect to ``ts``; recorded when an outer tape records."""
    with GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    seed = constant(np.asarray(u, dtype=np.float64).reshape(np.shape(y._v)) if np.ndim(u) else float(u))
    return tape.gradient(y, ts, output_gradients=seed, unconnected_gradients="zero")


def check_grads(
    f: Callable[..., Any],
    *args: Any,
    order: int = 2,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    rng: Optional[np.random.Generator] = None,
) -> None:
    """Raise AssertionError unless f's derivatives up to ``order`` match finite differences."""
    rng = rng if rng is not None else np.random.default_rng(0)
    xs = _as_float_arrays(args)
    y0 = _evaluate(f, xs)
    u = rng.standard_normal(y0.shape)
    vs = [rng.standard_normal(x.shape) for x in xs]
    plus = _evaluate(f, [x + eps * v for x, v in zip(xs, vs)])
    minus = _evaluate(f, [x - eps * v for x, v in zip(xs, vs)])
    numeric = float(np.sum(u * (plus - minus)) / (2 * eps))
    grads = _vjp(f, [constant(x) for x in xs], u)
    analytic = float(sum(np.sum(np.asarray(g, np.float64) * v) for g, v in zip(grads, vs)))
    scale = max(abs(numeric), abs(analytic))
    if not abs(numeric - analytic) <= atol + rtol * scale:
        raise AssertionError(
            f"derivative check failed at order {order}: tape gives {analytic!r}, "
            f"finite differences give {numeric!r} (difference {abs(numeric - analytic):.3g})"
        )
    if order > 1:
        ws = [rng.standard_normal(x.shape) for x in xs]

        def projected_vjp(*ts: Tensor) -> Tensor:
            gs = _vjp(f, list(ts), u)
            total = None
            for g, w in zip(gs, ws):
                term = _sum(g * constant(w))
                total = term if total is None else total + term
            return total

        check_grads(projected_vjp, *xs, order=order - 1, eps=eps, rtol=rtol, atol=atol, rng=rng)


def _sum(t: Tensor) -> Tensor:
    from .ops.reduce import reduce_sum

    return reduce_sum(t)


# ---------------------------------------------------------------------------
# Warm-up of every compiled path (the wheel build precompiles what this runs)
# ---------------------------------------------------------------------------
WARMUP_PARTS = ("eager", "function", "second", "batch")


def warmup_all(parts: Sequence[str] = WARMUP_PARTS) -> None:
    """Run every kernel with every signature numtape uses, on tiny inputs.

    ``python -m numtape._kernels.build_cache`` runs this to precompile the
    kernels shipped in the wheel, the parts (eager tapes; ``nt.function``
    first-order replays; its Hessians and hvps; its batches) in parallel
    processes; anything this misses is compiled on first use.
    """
    import numtape as nt

    from ._kernels import sweep

    rng = np.random.default_rng(0)
    if "eager" in parts:
        sweep.warmup()
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
    if "function" in parts:
        for n in (2, 5):
            q = rng.standard_normal(n)
            nt.function(lambda q: nt.stack([q[0] * q[-1], nt.sin(q[1]), nt.reduce_sum(q * q)])).jacobian(q)
            g = nt.function(lambda a, b: nt.reduce_sum(a * b) + nt.reduce_sum(nt.exp(a)))
            g.value_and_grad(q, q, argnums=(0, 1))
            g.value_and_grad(q, q, argnums=0)
            fn, data = nt.function(rosen).compiled_value_and_grad(q)
            fn(data, q)
