"""Forward mode and forward-over-reverse on compiled tapes, and the structural Hessian
pattern: each compared with reverse mode, with finite differences, and across inputs."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape.function.sparsity import color_columns, hessian_pattern

from .test_registry import CASES

SCALAR_CASES = [(name, f, shapes) for name, f, shapes in CASES]


def _scalar(f, u):
    return lambda *xs: nt.reduce_sum(f(*xs) * u)


def _setup(f, shapes, rng):
    out_shape = np.shape(f(*[nt.constant(np.ones(s)) for s in shapes]))
    u = rng.standard_normal(out_shape)
    g = nt.function(_scalar(f, u))
    args = [rng.standard_normal(s) + 0.5 for s in shapes]
    trace = g.get_compiled(*args)
    return g, trace, u, args


@pytest.mark.parametrize("name, f, shapes", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_forward_mode_gradient_equals_reverse_mode(name, f, shapes, rng) -> None:
    g, trace, u, args = _setup(f, shapes, rng)
    args = [a * 1.1 for a in args]
    wrt = list(range(len(shapes)))
    forward = trace.value_and_gradient_forward(args, wrt)
    reverse = trace.value_and_gradient(args, wrt)
    np.testing.assert_allclose(forward[0], reverse[0], rtol=1e-14)
    for a, b in zip(forward[1], reverse[1]):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name, f, shapes", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_hessian_vector_products_and_hessians(name, f, shapes, rng) -> None:
    g, trace, u, args = _setup(f, shapes, rng)
    args = [a * 0.9 for a in args]
    for k, shape in enumerate(shapes):
        others = args[:k] + args[k + 1:]

        def fk(x):
            return _scalar(f, u)(*(args[:k] + [x] + args[k + 1:])) if others else _scalar(f, u)(x)

        v = rng.standard_normal(shape)
        hv = g.hvp(*args, v=v, argnums=k)
        np.testing.assert_allclose(hv, nt.hvp(fk, args[k], v), rtol=1e-10, atol=1e-12)
        eps = 1e-6  # and against central differences of the gradient
        plus = nt.grad(fk)(args[k] + eps * v)
        minus = nt.grad(fk)(args[k] - eps * v)
        np.testing.assert_allclose(hv, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6)
        h = g.hessian(*args, argnums=k)
        np.testing.assert_allclose(h, nt.hessian(fk)(args[k]), rtol=1e-10, atol=1e-12)


def test_pattern_covers_the_hessian_on_both_sides_of_a_relu(rng) -> None:
    def f(x):
        # nt.greater is recorded (no guard): one trace serves every sign pattern
        return nt.relu(x[0]) * x[1] + nt.reduce_sum(nt.where(nt.greater(x, 0.0), x * x, x)) + nt.reduce_max(x) * x[2]

    g = nt.function(f)
    for _ in range(20):
        x = rng.standard_normal(4)
        np.testing.assert_allclose(g.hessian(x), nt.hessian(f)(x), atol=1e-12)
    assert sum(len(traces) for traces in g._traces.values()) == 1


def test_rosenbrock_pattern_is_tridiagonal_with_three_colors() -> None:
    g = nt.function(lambda x: nt.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))
    trace = g.get_compiled(np.zeros(50))
    pattern = hessian_pattern(trace, trace.inputs[0], trace.outputs[0][0])
    expected = np.abs(np.subtract.outer(np.arange(50), np.arange(50))) <= 1
    np.testing.assert_array_equal(pattern, expected)
    assert color_columns(pattern).max() + 1 == 3


def test_matmul_and_custom_traces_fall_back_where_needed(rng) -> None:
    w = rng.standard_normal((3, 4))
    g = nt.function(lambda a: nt.reduce_sum(nt.tanh(nt.matmul(a, w)) ** 2))
    a = rng.standard_normal((2, 3))
    np.testing.assert_allclose(g.hessian(a), nt.hessian(lambda x: nt.reduce_sum(nt.tanh(nt.matmul(x, w)) ** 2))(a),
                               rtol=1e-10, atol=1e-12)

    @nt.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x

    gc = nt.function(lambda x: nt.reduce_sum(cube(x)))
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(gc.hessian(x), np.diag(6 * x))
    np.testing.assert_allclose(gc.hvp(x, np.ones(2)), 6 * x)


@pytest.mark.parametrize("name", ["reduce_sum", "broadcast", "concat", "reduce_max"])
def test_hessian_of_a_trace_holding_an_empty_array(name) -> None:
    """x[1:] of a 1-element x is empty; the analytic Hessians below hold for any size."""
    programs = {  # f(x) and its Hessian
        "reduce_sum": (lambda x: nt.reduce_sum(x[1:] * x[1:]) + x[0] ** 3,
                       lambda x: np.diag(np.r_[6 * x[0], 2 * np.ones(x.size - 1)])),
        "broadcast": (lambda x: nt.reduce_sum(x[1:] + x[0]) + x[0] ** 3, lambda x: np.diag(np.r_[6 * x[0], 0 * x[1:]])),
        "concat": (lambda x: nt.reduce_sum(nt.concat([x[1:], x * x], 0) ** 2),
                   lambda x: np.diag(12 * x ** 2 + np.r_[0.0, 2 * np.ones(x.size - 1)])),
        "reduce_max": (lambda x: nt.reduce_max(nt.concat([x[1:], x * x * x], 0)),
                       lambda x: np.diag(np.r_[6 * x[0], 0 * x[1:]])),
    }
    f, hessian = programs[name]
    for x in (np.array([2.0]), np.array([2.0, 0.5])):
        g = nt.function(f)
        np.testing.assert_allclose(g.hessian(x), hessian(x))
        np.testing.assert_allclose(g.hvp(x, np.ones_like(x)), hessian(x) @ np.ones_like(x))
