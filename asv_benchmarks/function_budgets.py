"""The budgets of nt.function, measured in one run and printed as ratios.

    python asv_benchmarks/function_budgets.py

1. A 1,000-iteration scalar loop ``y = sin(y) * x + 0.5 * y * y / (1 + y * y)``:
   replayed value and gradient against a hand-written @njit derivative of the
   same loop (budget: within 3x) and against eager numtape (at least 50x faster).
2. Tracing plus compiling a 10,000-op function, warm Numba cache (under 1 s).
3. The dense Hessian of a 100-variable Rosenbrock from a compiled tape, against a
   hand-written @njit Hessian (budget: within 5x), vectorised and as a scalar loop.

Medians of repeated calls; every ratio compares timings taken in this process.
"""
from __future__ import annotations

import math
import time

import numba
import numpy as np

import numtape as nt


def median_seconds(call, repeats: int = 21) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def scalar_loop(x):
    y = x
    for _ in range(1000):
        y = nt.sin(y) * x + 0.5 * y * y / (1 + y * y)
    return y


@numba.njit(cache=True)
def scalar_loop_reference(x):
    """The loop's value and derivative, written by hand: forward, then reverse."""
    ys = np.empty(1001)
    ys[0] = x
    y = x
    for k in range(1000):
        y = math.sin(y) * x + 0.5 * y * y / (1 + y * y)
        ys[k + 1] = y
    gy = 1.0
    gx = 0.0
    for k in range(999, -1, -1):
        y = ys[k]
        d = 1 + y * y
        gx += gy * math.sin(y)
        gy = gy * (math.cos(y) * x + (y * d - y * y * y) / (d * d))
    return ys[1000], gx + gy


def ten_thousand_ops(x):
    y = x
    for _ in range(3334):
        y = nt.sin(y) * x + y
    return y


def rosenbrock(x):
    return nt.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


@numba.njit(cache=True)
def rosenbrock_hessian_reference(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i, i + 1] = -400 * x[i]
        h[i + 1, i] = -400 * x[i]
        h[i + 1, i + 1] += 200
    return h


def main() -> None:
    x0 = 1.3
    g = nt.function(scalar_loop)
    value, grad = g.value_and_grad(x0)
    ref_value, ref_grad = scalar_loop_reference(x0)
    assert abs(value - ref_value) < 1e-12 and abs(grad - ref_grad) < 1e-10 * abs(ref_grad), (grad, ref_grad)
    replay = median_seconds(lambda: g.value_and_grad(x0))
    reference = median_seconds(lambda: scalar_loop_reference(x0))
    eager = median_seconds(lambda: nt.value_and_grad(scalar_loop)(x0), repeats=5)
    print(f"scalar loop (1,000 iterations): replay {replay * 1e6:.1f} us, @njit {reference * 1e6:.1f} us, "
          f"eager {eager * 1e3:.2f} ms")
    print(f"  replay / @njit = {replay / reference:.2f}  (budget <= 3)")
    print(f"  eager / replay = {eager / replay:.0f}  (budget >= 50)")

    traces = []
    for i in range(5):
        fresh = nt.function(ten_thousand_ops)
        start = time.perf_counter()
        fresh.value_and_grad(0.1 + i)
        traces.append(time.perf_counter() - start)
    print(f"trace + compile + first replay of 10,000 ops: {np.median(traces) * 1e3:.1f} ms  (budget < 1,000 ms)")

    for n in (20, 100):
        x = np.random.default_rng(0).standard_normal(n)
        reference = median_seconds(lambda: rosenbrock_hessian_reference(x))
        for name, f in (("vectorised", rosenbrock), ("scalar loop", rosenbrock_loop)):
            h = nt.function(f)
            np.testing.assert_allclose(h.hessian(x), rosenbrock_hessian_reference(x), rtol=1e-12, atol=1e-12)
            t = median_seconds(lambda: h.hessian(x))
            print(f"Rosenbrock Hessian n={n} ({name}): {t * 1e6:.1f} us, @njit {reference * 1e6:.2f} us, "
                  f"ratio {t / reference:.1f}  (budget <= 5)")


if __name__ == "__main__":
    main()
