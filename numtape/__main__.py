"""``python -m numtape``: the seed examples with their values, then a timing.

The timing records a 10,000-op scalar loop on a tape and takes one gradient,
printing microseconds per recorded op and nanoseconds per tape entry for the
gradient (the first gradient in a process also loads or compiles the kernels,
so it is timed separately).
"""
from __future__ import annotations

import time

import numtape as nt


def seed_examples() -> None:
    print("== GradientTape basics (TensorFlow's autodiff notebook and GradientTape lab) ==", flush=True)
    x = nt.ones((2, 2))
    with nt.GradientTape() as t:
        t.watch(x)
        y = nt.reduce_sum(x)
        z = nt.square(y)
    dz_dx = t.gradient(z, x)
    print("d(sum(x))^2/dx for x = ones((2, 2)):")
    print(dz_dx)

    x = nt.constant(3.0)
    with nt.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    print("dz/dx = 4x^3 at x = 3:", t.gradient(z, x))
    print("dy/dx = 2x at x = 3:  ", t.gradient(y, x))
    del t

    x = nt.constant(3.0)
    with nt.GradientTape() as t:
        t.watch(x)
        y = x * x
    t.gradient(y, x)
    try:
        t.gradient(y, x)
    except RuntimeError as e:
        print("A second gradient on a non-persistent tape:", e)

    def f(x, n):
        output = 1.0
        for i in range(n):
            if 1 < i < 5:
                output = nt.multiply(output, x)
        return output

    def grad(x, n):
        with nt.GradientTape() as t:
            t.watch(x)
            out = f(x, n)
        return t.gradient(out, x)

    x = nt.convert_to_tensor(2.0)
    print("control flow:", grad(x, 6).numpy(), grad(x, 5).numpy(), grad(x, 4).numpy(), "(expected 12.0 12.0 4.0)")

    x = nt.Variable(1.0)
    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
        dy_dx = tape_1.gradient(y, x)
    d2y_dx2 = tape_2.gradient(dy_dx, x)
    print("y = x^3 at x = 1:  dy/dx =", dy_dx, " d2y/dx2 =", d2y_dx2)

    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
    dy_dx = tape_1.gradient(y, x)
    print("first gradient outside the outer block: dy/dx =", dy_dx, " d2y/dx2 =", tape_2.gradient(dy_dx, x))


def _loop(x: nt.Tensor, n: int) -> nt.Tensor:
    y = x
    for _ in range(n):
        y = nt.sin(y) * x + y
    return y


def first_gradient_seconds() -> float:
    """Seconds of this process's first gradient, which loads (or compiles) the kernels."""
    x = nt.constant(0.5)
    start = time.perf_counter()
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = _loop(x, 10)
    tape.gradient(y, x)
    return time.perf_counter() - start


def timing(first: float, ops: int = 10_000) -> None:
    print()
    print(f"== Timing: a scalar loop of {ops:,} recorded ops, y = sin(y) * x + y ==")
    n = ops // 3
    # x = 0.01 keeps every adjoint a normal float: with x = 0.5 the loop contracts by half a
    # step, the adjoints fall below 1e-308 and the timing measures the CPU's slow path for
    # subnormal numbers (3x slower per entry here), not numtape.
    x = nt.constant(0.01)
    print(f"first gradient in this process (loads or compiles the kernels): {first:.2f} s")
    record, sweep = [], []
    for _ in range(7):
        t0 = time.perf_counter()
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = _loop(x, n)
        t1 = time.perf_counter()
        g = tape.gradient(y, x)
        t2 = time.perf_counter()
        record.append(t1 - t0)
        sweep.append(t2 - t1)
    record.sort()
    sweep.sort()
    print(f"recording: {record[3] / (3 * n) * 1e6:.2f} us per op (median of 7)")
    print(f"gradient:  {sweep[3] / (3 * n) * 1e9:.1f} ns per tape entry, {sweep[3] * 1e3:.2f} ms in all")
    print(f"dy/dx = {float(g):.6g}")


if __name__ == "__main__":
    first = first_gradient_seconds()  # before the seed examples, whose gradients would load the kernels
    seed_examples()
    timing(first)
