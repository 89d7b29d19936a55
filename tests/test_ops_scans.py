"""cumsum/cumprod beyond the generated cases: exact derivatives with zeros in the input (against
the product rule written out), NumPy's flattening, TensorFlow's options, errors naming the op."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import numtape as nt
from numtape.ops.scans import numpy_cumprod, numpy_cumsum


def _cumprod_sum_gradient(x: np.ndarray) -> np.ndarray:
    """d/dx_j sum_i prod_{k<=i} x_k = sum_{i>=j} prod_{k<=i, k!=j} x_k, by explicit products."""
    n = len(x)
    return np.array([sum(np.prod([x[k] for k in range(i + 1) if k != j]) for i in range(j, n)) for j in range(n)])


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 5.0, -1.5, 2.0], [1.5, -2.0, 0.5, 3.0, 0.0],
                               [0.0]])
def test_cumprod_gradient_is_exact_with_zeros(x) -> None:
    x = np.array(x)
    t = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = nt.reduce_sum(nt.cumprod(t))
    np.testing.assert_array_equal(nt.cumprod(t).numpy(), np.cumprod(x))
    np.testing.assert_allclose(tape.gradient(y, t).numpy(), _cumprod_sum_gradient(x), rtol=1e-15, atol=0)


def test_cumprod_second_derivative_at_zeros() -> None:
    x0 = np.array([2.0, 0.0, 3.0, 0.0])
    h = np.asarray(nt.hessian(lambda x: nt.cumprod(x)[3])(x0))  # prod(x): d2/dxi dxj = prod over k != i, j
    expected = np.array([[0.0 if i == j else np.prod(np.delete(x0, [i, j])) for j in range(4)] for i in range(4)])
    np.testing.assert_array_equal(h, expected)


@pytest.mark.parametrize("exclusive, reverse", list(itertools.product([False, True], repeat=2)))
def test_tensorflow_options_match_their_definition(exclusive, reverse) -> None:
    x = np.arange(1.0, 6.0)
    order = x[::-1] if reverse else x
    sums = np.concatenate([[0.0], np.cumsum(order)[:-1]]) if exclusive else np.cumsum(order)
    products = np.concatenate([[1.0], np.cumprod(order)[:-1]]) if exclusive else np.cumprod(order)
    if reverse:
        sums, products = sums[::-1], products[::-1]
    np.testing.assert_array_equal(nt.cumsum(x, exclusive=exclusive, reverse=reverse).numpy(), sums)
    np.testing.assert_array_equal(nt.cumprod(x, 0, exclusive, reverse).numpy(), products)


def test_numpy_signature_flattens_and_dispatches() -> None:
    x = np.arange(6.0).reshape(2, 3)
    t = nt.constant(x)
    np.testing.assert_array_equal(np.cumsum(t).numpy(), np.cumsum(x))
    np.testing.assert_array_equal(np.cumprod(t, axis=1).numpy(), np.cumprod(x, axis=1))
    np.testing.assert_array_equal(numpy_cumsum(x, 0).numpy(), np.cumsum(x, 0))
    np.testing.assert_array_equal(nt.cumsum(x).numpy(), np.cumsum(x, axis=0))  # TensorFlow's default axis 0
    assert nt.cumsum(np.arange(3)).dtype == np.float64  # integers are converted, as the other ops do


def test_edge_sizes() -> None:
    assert nt.cumsum(np.zeros((0, 3))).shape == (0, 3)
    np.testing.assert_array_equal(nt.cumprod([[4.0, 5.0]], exclusive=True).numpy(), [[1.0, 1.0]])
    np.testing.assert_array_equal(nt.cumsum(2.0).numpy(), 2.0)
    x = np.random.default_rng(0).standard_normal(1000)
    np.testing.assert_allclose(nt.cumsum(x).numpy(), np.cumsum(x), rtol=1e-10, atol=1e-12)


def test_errors_name_the_function() -> None:
    with pytest.raises(ValueError, match=r"numtape\.cumsum: axis 2 is out of range"):
        nt.cumsum(np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match=r"numtape\.cumprod: dtype= is not supported"):
        numpy_cumprod(np.ones(3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"numtape\.cumsum: out= is not supported"):
        np.cumsum(nt.constant([1.0]), out=np.empty(1))
    with pytest.raises(TypeError, match=r"numtape\.cumsum"):
        nt.cumsum(np.array(["a"]))
