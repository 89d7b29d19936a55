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
    with pytest.raises(TypeError, match="unwrap"):
        np.unwrap(x)
    with pytest.raises(TypeError, match="spacing"):  # a ufunc no row answers (np.cbrt is a row now)
        np.spacing(x)
    with pytest.raises(TypeError):
        np.add(x, x, out=np.empty(2))


@pytest.mark.filterwarnings("error::numtape.TraceFallbackWarning")  # guarded, not an escape to eager
@pytest.mark.parametrize("ufunc", [np.logical_and, np.logical_or, np.logical_xor])
def test_logical_ufuncs_on_tensors_inside_a_trace_are_guarded_like_comparisons(ufunc) -> None:
    """On values, as outside traces; a trace replays only where the operands' truth values repeat."""
    def f(x, y):
        return nt.reduce_sum(nt.where(ufunc(x, y), x * x, -3.0 * y))

    def expected(x, y):
        return np.sum(np.where(ufunc(x, y), x * x, -3.0 * y))

    g = nt.function(f)
    points = [([1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 3.0, 0.0]), ([0.0, 0.0, 1.0, 5.0], [1.0, 0.0, 0.0, 2.0]),
              ([4.0, 2.0, 0.0, 0.0], [1.0, 0.0, 0.0, 3.0]), ([1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 3.0, 0.0])]
    for x, y in points:
        x, y = np.array(x), np.array(y)
        assert isinstance(ufunc(nt.constant(x), nt.constant(y)), np.ndarray)
        np.testing.assert_allclose(g(x, y).numpy(), expected(x, y))
        mask = ufunc(x, y)
        np.testing.assert_allclose(g.grad(x, y, argnums=(0, 1))[0], np.where(mask, 2 * x, 0.0))
        np.testing.assert_allclose(g.grad(x, y, argnums=1), np.where(mask, 0.0, -3.0))


@pytest.mark.filterwarnings("error::numtape.TraceFallbackWarning")
def test_logical_not_on_a_tensor_inside_a_trace() -> None:
    g = nt.function(lambda x: nt.reduce_sum(nt.where(np.logical_not(x), 1.0, x * x)))
    for x in ([0.0, 2.0], [3.0, 0.0], [0.0, 0.0]):
        x = np.array(x)
        np.testing.assert_allclose(g(x).numpy(), np.sum(np.where(x == 0, 1.0, x * x)))


@pytest.mark.parametrize("call, name, suggestion", [
    (lambda t: np.fft.fft(t), "np.fft.fft", "numtape has no differentiable version"),
    (lambda t: np.histogram(t), "np.histogram", "numtape has no differentiable version"),
    (lambda t: np.sin(t, out=np.ones(3)), "np.sin with arguments ['out']", "use nt.sin,"),
    (lambda t: np.add.reduce(t), "np.add.reduce", "numtape has no differentiable version"),
    (lambda t: __import__("scipy.special").special.spence(t), "scipy.special.spence",
     "numtape has no differentiable version"),
    (lambda t: __import__("scipy.special").special.erf(t, out=np.ones(3)), "scipy.special.erf",
     "use nt.special.erf,"),
])
def test_refusals_name_the_function_called_and_only_ops_that_exist(call, name, suggestion) -> None:
    with pytest.raises(TypeError) as error:
        call(nt.constant(np.ones(3)))
    assert f"numtape: {name} " in str(error.value) and suggestion in str(error.value), str(error.value)


def test_iscomplex_and_isreal_read_the_dtype_of_a_differentiated_tensor() -> None:
    x = nt.constant(np.array([1.0, -2.0]))
    with nt.GradientTape() as tape:
        tape.watch(x)
        assert not np.iscomplex(x).any() and np.isreal(x).all()
        y = nt.reduce_sum(x * x)
    np.testing.assert_allclose(tape.gradient(y, x), [2.0, -4.0])
