"""The eager functional API: grad, value_and_grad, jacobian, hessian, hvp, check_grad."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtape as nt


def f(x, y):
    return nt.reduce_sum(nt.sin(x) * y) + nt.reduce_sum(x * x * y)


X = np.array([0.3, -1.2, 2.0])
Y = np.array([1.5, 0.5, -0.7])


def test_value_and_grad_and_argnums() -> None:
    value, grad = nt.value_and_grad(f)(X, Y)
    assert isinstance(value, np.float64) and isinstance(grad, np.ndarray)
    np.testing.assert_allclose(value, np.sum(np.sin(X) * Y + X * X * Y))
    np.testing.assert_allclose(grad, np.cos(X) * Y + 2 * X * Y)
    gx, gy = nt.grad(f, argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(gy, np.sin(X) + X * X)
    np.testing.assert_allclose(nt.grad(f, argnums=-1)(X, Y), gy)


def test_unused_argument_gets_zeros_and_scalars_work() -> None:
    g = nt.grad(lambda x, y: x * 2.0, argnums=1)(3.0, 4.0)
    assert g == 0.0
    assert nt.grad(nt.sin)(0.0) == 1.0
    assert nt.grad(lambda v: v[0] * v[1])([2.0, 3.0]).tolist() == [3.0, 2.0]


def test_jacobian() -> None:
    j = nt.jacobian(lambda x: nt.stack([x[0] * x[1], nt.exp(x[2])]))(X)
    np.testing.assert_allclose(j, [[X[1], X[0], 0.0], [0.0, 0.0, math.exp(X[2])]])
    jx, jy = nt.jacobian(lambda x, y: x * y, argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(jx, np.diag(Y))
    np.testing.assert_allclose(jy, np.diag(X))


def test_hessian_and_hvp() -> None:
    h = nt.hessian(f)(X, Y)
    np.testing.assert_allclose(h, np.diag(-np.sin(X) * Y + 2 * Y))
    blocks = nt.hessian(f, argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(blocks[0][1], np.diag(np.cos(X) + 2 * X))
    np.testing.assert_allclose(blocks[1][0], np.diag(np.cos(X) + 2 * X))
    np.testing.assert_allclose(blocks[1][1], np.zeros((3, 3)))
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(nt.hvp(lambda x: f(x, Y), X, v), (-np.sin(X) * Y + 2 * Y) * v)


def test_hessian_of_a_matrix_argument_has_shape_x_plus_x() -> None:
    m = np.arange(4.0).reshape(2, 2) + 1
    h = nt.hessian(lambda a: nt.reduce_sum(a ** 3))(m)
    assert h.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(h.reshape(4, 4), np.diag(6 * m.reshape(-1)))


def test_bad_argnums() -> None:
    with pytest.raises(ValueError, match="argnums"):
        nt.grad(f, argnums=2)(X, Y)
    with pytest.raises(TypeError, match="argnums"):
        nt.grad(lambda s, x: x, argnums=0)("text", 1.0)


# ---------------------------------------------------------------------------
# hvp is H @ v with H = hessian(f)(x), even where pow's convention makes H asymmetric
# ---------------------------------------------------------------------------
def _pow_program(x):
    """Asymmetric Hessian at a negative base: d/dbase of the exponent term is 0 there."""
    return x[0] ** x[1] + nt.sin(x[0] * x[2])


def _gradient_derivative(f, x: np.ndarray, v: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """d/dt grad f(x + t v) at 0 by central differences: H @ v for H[i, j] = d/dx_j (df/dx_i)."""
    g = nt.grad(f)
    return (g(x + eps * v) - g(x - eps * v)) / (2 * eps)


def test_hvp_is_hessian_times_v_where_the_hessian_is_asymmetric() -> None:
    f = lambda x: x[0] ** x[1]  # noqa: E731
    x = np.array([-2.0, 3.0])
    h = np.array([[3 * 2 * (-2.0), (-2.0) ** 2], [0.0, 0.0]])  # b(b-1)a^(b-2), a^(b-1); d/db is 0 for a <= 0
    np.testing.assert_allclose(nt.hessian(f)(x), h)
    v = np.array([1.0, 0.5])
    np.testing.assert_allclose(nt.hvp(f, x, v), h @ v)
    np.testing.assert_allclose(nt.function(f).hvp(x, v), h @ v)
    base = np.array([1.0, 0.0])  # moving the base alone keeps it negative: finite differences apply
    np.testing.assert_allclose(nt.hvp(f, x, base), _gradient_derivative(f, x, base), rtol=1e-6)


@settings(derandomize=True, max_examples=30, deadline=None, database=None)
@given(base=st.floats(0.2, 3.0), negative=st.booleans(), exponent=st.integers(1, 4),
       other=st.floats(-2.0, 2.0), v=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_hvp_hessian_and_function_hvp_agree(base: float, negative: bool, exponent: int, other: float,
                                            v: list) -> None:
    x = np.array([-base if negative else base, float(exponent), other])
    v = np.array(v)
    expected = nt.hessian(_pow_program)(x) @ v
    np.testing.assert_allclose(nt.hvp(_pow_program, x, v), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(nt.function(_pow_program).hvp(x, v), expected, rtol=1e-10, atol=1e-10)
    along = v * np.array([1.0, 0.0, 1.0])  # the exponent fixed: finite differences of the gradient apply
    np.testing.assert_allclose(nt.hvp(_pow_program, x, along), _gradient_derivative(_pow_program, x, along),
                               rtol=1e-5, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(pattern=st.lists(st.integers(0, 2), min_size=3, max_size=3),
       argnums=st.sampled_from([0, 1, 2, (0, 1), (0, 2), (1, 2), (0, 1, 2)]),
       as_tuple=st.booleans())
def test_each_argument_position_is_its_own_source(pattern, argnums, as_tuple) -> None:
    """Positions may hold the same Tensor (``grad(f, (0, 1))(t, t)``, or ``(t, t)`` packed in
    one tuple argument): each position is still differentiated on its own, as in JAX, against
    finite differences of f in that position alone."""
    values = [0.7, -1.3, 2.1]
    tensors = [nt.constant(v) for v in values]
    args = [tensors[p] for p in pattern]
    point = [values[p] for p in pattern]

    def f(a, b, c):
        return a * b * b + nt.sin(c) * a - c * c * b

    numeric = []
    for k in range(3):
        up, down = list(point), list(point)
        up[k] += 1e-6
        down[k] -= 1e-6
        numeric.append((float(f(*map(nt.constant, up))) - float(f(*map(nt.constant, down)))) / 2e-6)
    wanted = argnums if isinstance(argnums, tuple) else (argnums,)
    if as_tuple:  # the three positions packed into one tuple argument
        got = nt.grad(lambda p: f(*p))(tuple(args))
        wanted, got = (0, 1, 2), list(got)
    else:
        got = nt.grad(f, argnums=argnums)(*args)
        got = list(got) if isinstance(argnums, tuple) else [got]
    np.testing.assert_allclose(got, [numeric[k] for k in wanted], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("entry", [nt.grad, nt.value_and_grad, nt.jacobian, nt.hessian])
def test_a_bool_or_integer_output_raises_instead_of_a_zero_gradient(entry) -> None:
    with pytest.raises(TypeError, match=rf"numtape\.{entry.__name__}: f returned bool"):
        entry(lambda x: np.allclose(x, 1.0))(np.ones(3))
    with pytest.raises(TypeError, match="cannot be differentiated"):
        entry(lambda x: nt.cast(x, "int64"))(np.ones(3))
