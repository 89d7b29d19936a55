"""Higher-order derivatives through nested tapes: any order, arrays, jacobians of gradients."""
from __future__ import annotations

import math

import numpy as np

import numtape as nt


def _nth_derivative(f, x0: float, order: int) -> float:
    """Each level opens a tape around the level below, so every gradient is computed
    while the outer tapes still record it."""
    x = nt.constant(x0)

    def derivative(k: int) -> nt.Tensor:
        if k == 0:
            return f(x)
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = derivative(k - 1)
        return tape.gradient(y, x)

    return float(derivative(order))


def test_fourth_derivative_of_sin() -> None:
    for order, expected in [(1, math.cos(0.7)), (2, -math.sin(0.7)), (3, -math.cos(0.7)), (4, math.sin(0.7))]:
        assert abs(_nth_derivative(nt.sin, 0.7, order) - expected) < 1e-12


def test_fifth_derivative_of_a_polynomial_and_exp() -> None:
    assert abs(_nth_derivative(lambda x: x ** 6, 1.5, 5) - 720 * 1.5) < 1e-9
    assert abs(_nth_derivative(lambda x: nt.exp(2.0 * x), 0.3, 5) - 32 * math.exp(0.6)) < 1e-9


def test_hessian_of_an_array_function() -> None:
    x0 = np.array([0.5, -1.0, 2.0])
    x = nt.constant(x0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = nt.reduce_sum(nt.exp(x) * x[0]) + nt.reduce_prod(x)
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x).numpy()
    e = np.exp(x0)
    expected = np.diag(e * x0[0])
    expected[0, :] += e
    expected[:, 0] += e
    p = np.prod(x0)
    for i in range(3):
        for j in range(3):
            if i != j:
                expected[i, j] += p / (x0[i] * x0[j])
    np.testing.assert_allclose(h, expected, rtol=1e-12)


def test_gradient_computed_after_outer_block_is_not_recorded() -> None:
    x = nt.constant(1.0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
    g = inner.gradient(y, x)
    assert g.numpy() == 3.0
    assert outer.gradient(g, x) is None


def test_hessian_vector_product_through_matmul() -> None:
    rng = np.random.default_rng(0)
    a0 = rng.standard_normal((4, 4))
    a0 = a0 + a0.T
    x0 = rng.standard_normal(4)
    v0 = rng.standard_normal(4)
    a, x, v = nt.constant(a0), nt.constant(x0), nt.constant(v0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = 0.5 * nt.reduce_sum(x * nt.matmul(a, x)) + nt.reduce_sum(x ** 4) / 4
        g = inner.gradient(y, x)
        gv = nt.reduce_sum(g * v)
    hv = outer.gradient(gv, x).numpy()
    np.testing.assert_allclose(hv, a0 @ v0 + 3 * x0 ** 2 * v0, rtol=1e-12)
