"""NumPy functions and ufuncs on Tensors are recorded like the numtape ops."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


def test_ufuncs_and_functions_are_differentiable() -> None:
    x0 = np.array([[0.5, 1.0], [1.5, 2.0]])
    x = nt.constant(x0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = np.sum(np.sin(x) * np.exp(x)) + np.dot(x, x).sum() + np.mean(np.square(x), axis=0)[1]
    assert isinstance(y, nt.Tensor)
    g = tape.gradient(y, x).numpy()
    expected = np.cos(x0) * np.exp(x0) + np.sin(x0) * np.exp(x0)
    expected += np.ones((2, 2)) @ x0.T + x0.T @ np.ones((2, 2))
    expected[:, 1] += x0[:, 1]
    np.testing.assert_allclose(g, expected)


def test_numpy_on_the_left_of_an_operator() -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = np.array([3.0, 4.0]) * x + np.float64(1.0)
    assert isinstance(y, nt.Tensor)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [3.0, 4.0])


def test_value_functions_return_numpy_results() -> None:
    x = nt.constant([1.0, np.nan])
    np.testing.assert_array_equal(np.isnan(x), [False, True])
    assert np.shape(x) == (2,)
    assert np.allclose(nt.constant([1.0, 2.0]), [1.0, 2.0])
    assert np.argmax(nt.constant([1.0, 3.0, 2.0])) == 1


def test_unsupported_numpy_functions_raise_instead_of_dropping_the_gradient() -> None:
    x = nt.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="cumsum"):
        np.cumsum(x)
    with pytest.raises(TypeError, match="cbrt"):
        np.cbrt(x)
    with pytest.raises(TypeError):
        np.add(x, x, out=np.empty(2))
