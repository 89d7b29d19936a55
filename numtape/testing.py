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


def warmup() -> None:
    """Compile (or load from cache) the sweeps by differentiating a tiny tape with scalar and
    array entries. The stable name benchmarks and tools call."""
    from .ops import constant, reduce_sum, sin

    x = constant([0.5, 1.5])
    s = constant(0.25)
    with GradientTape() as tape:
        tape.watch([x, s])
        y = reduce_sum(sin(x) * x) + s * s
    tape.gradient(y, [x, s])
