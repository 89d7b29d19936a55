"""Values made from traced or differentiated values stay traced (issue 10, item 8).

Each case was a silent wrong number: a creation op, a Variable, a keyword argument of a
custom gradient or a nested derivative turned a recorded value into a constant. Expected
values are math (or eager numtape where eager is itself checked against math here).
"""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


def _grad(f, x):
    x = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def test_fill_and_linspace_of_tensors_are_differentiated() -> None:
    assert float(_grad(lambda x: nt.reduce_sum(nt.fill((2, 2), x) * x), 3.0)) == 24.0  # d(4x^2)
    assert float(_grad(lambda x: nt.reduce_sum(nt.linspace(x, 2.0 * x, 3)), 3.0)) == 4.5  # d(4.5x)
    assert float(_grad(lambda x: nt.reduce_sum(nt.linspace(0.0, x, 5) ** 2), 2.0)) == pytest.approx(
        2 * 2.0 * sum((k / 4) ** 2 for k in range(5)))


def test_linspace_of_tensors_gives_numpys_values() -> None:
    for start, stop, num in [(0.1, 0.7, 7), (-3.0, 1e-3, 11), (2.0, 2.0, 3), (1.0, 5.0, 1), (1.0, 5.0, 0)]:
        got = nt.linspace(nt.constant(start), nt.constant(stop), num).numpy()
        np.testing.assert_array_equal(got, np.linspace(start, stop, num))
    got32 = nt.linspace(nt.constant(np.float32(0.1)), nt.constant(np.float32(0.9)), 5)
    assert got32.dtype == np.float32


@pytest.mark.parametrize("limit", [3.0, 5.0, 5.5, 2.0])
def test_range_of_a_traced_value_is_replayed_for_that_value_only(limit) -> None:
    g = nt.function(lambda a: nt.reduce_sum(nt.range(0.0, a, 1.0)))
    for a in (3.0, limit, 3.0):
        assert float(g(np.array(a))) == np.sum(np.arange(0.0, a, 1.0))


def test_a_variable_made_inside_f_follows_the_inputs() -> None:
    g = nt.function(lambda v: nt.reduce_sum(v * nt.Variable(v * 2.0)))
    for v in (np.array([1.0, 2.0]), np.array([3.0, 1.0]), np.array([1.0, 2.0])):
        assert float(g(v)) == np.sum(v * v * 2)


def test_constant_of_a_traced_value_follows_the_inputs() -> None:
    g = nt.function(lambda v: nt.reduce_sum(nt.constant(v) + v))
    for v in (np.array([1.0, 2.0]), np.array([5.0, 1.0])):
        assert float(g(v)) == 2 * np.sum(v)


def test_a_nested_functions_gradient_is_traced_and_differentiated() -> None:
    inner = nt.function(lambda v: nt.reduce_sum(v * v * v))
    outer = nt.function(lambda v: nt.reduce_sum(inner.grad(v) * v))  # sum(3 v^3)
    for v in (np.array([1.0, 1.0]), np.array([2.0, 3.0])):
        assert float(outer(v)) == pytest.approx(np.sum(3 * v**3))
        np.testing.assert_allclose(outer.grad(v), 9 * v**2)
    x = np.array([1.0, 2.0])
    f = lambda x: nt.reduce_sum(x * x * x)  # noqa: E731
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(nt.grad(f)(x)))(x), 6 * x)
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(nt.hessian(f)(x)))(x), [6.0, 6.0])
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(nt.hvp(f, x, np.ones(2))))(x), [6.0, 6.0])
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(inner.hessian(x)))(x), [6.0, 6.0])
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(inner.hvp(x, np.ones(2))))(x), [6.0, 6.0])
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(inner.jacobian(x)))(x), 6 * x)


def test_results_outside_any_tape_stay_numpy() -> None:
    inner = nt.function(lambda v: nt.reduce_sum(v * v * v))
    assert isinstance(inner.grad(np.array([1.0, 2.0])), np.ndarray)
    assert isinstance(nt.grad(lambda x: nt.reduce_sum(x * x))(np.array([1.0])), np.ndarray)


def test_batches_of_differentiated_tensors_are_refused_inside_a_tape() -> None:
    g = nt.function(lambda v: nt.reduce_sum(v * v))
    x = nt.constant(np.ones((3, 2)))
    with nt.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match="batch_value_and_grad"):
            g.batch_value_and_grad(x)


def test_a_tensor_keyword_argument_of_a_custom_gradient_is_not_frozen() -> None:
    @nt.custom_gradient
    def scaled(x, scale=None):
        return x * scale, lambda dy: dy * scale

    g = nt.function(lambda x, s: nt.reduce_sum(scaled(x, scale=s)))
    for s in (2.0, 5.0, 2.0):
        assert float(g(np.array([1.0, 1.0]), np.array(s))) == 2 * s
        np.testing.assert_array_equal(g.grad(np.array([1.0, 1.0]), np.array(s)), [s, s])
