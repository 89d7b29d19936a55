"""nt.function's argument model (issue 10, item 6): traced inputs, static values, pytrees.

Expected values are eager numtape on the same arguments (itself checked against math in
the op tests) or math; each case once crashed or reused the wrong trace under nt.function.
"""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

X = np.array([1.0, 2.0, 3.0])


def _traces(g) -> int:
    return sum(len(t) for t in g._traces.values())


def test_static_values_are_keyed_by_type_and_exact_value() -> None:
    g = nt.function(lambda x, n: x * (2.0 if n is True else 3.0))
    assert float(g(1.0, True)) == 2.0
    assert float(g(1.0, 1)) == 3.0  # True and 1 are different keys
    h = nt.function(lambda x, s=0.0: x * (np.copysign(1.0, s)), static_argnames=("s",))
    assert float(h(2.0, s=0.0)) == 2.0
    assert float(h(2.0, s=-0.0)) == -2.0  # -0.0 is not 0.0's trace


def test_integer_index_arrays_and_int_lists_are_static() -> None:
    f = lambda x, idx: nt.reduce_sum(nt.gather(x, idx) * 2.0)  # noqa: E731
    g = nt.function(f)
    for idx in (np.array([0, 2]), [1, 1], np.array([2, 0, 1])):
        assert float(g(X, idx)) == float(f(nt.constant(X), idx))
        np.testing.assert_array_equal(g.grad(X, idx), np.bincount(np.asarray(idx), minlength=3) * 2.0)
    r = nt.function(lambda x, shape: nt.reduce_sum(nt.reshape(x, shape) * nt.constant([[1.0], [2.0]])))
    assert float(r(np.arange(4.0), (2, 2))) == 0 + 1 + 2 * (2 + 3)
    m = nt.function(lambda x, mask: nt.reduce_sum(x[mask]))
    assert float(m(X, np.array([True, False, True]))) == 4.0
    assert float(m(X, np.array([False, True, True]))) == 5.0


def test_static_argnums_and_argnames() -> None:
    g = nt.function(lambda x, lr: x * round(lr, 1), static_argnums=(1,))
    assert float(g(2.0, 0.25)) == pytest.approx(0.4)
    assert float(g(2.0, 0.36)) == pytest.approx(0.8)  # a new static value: a new trace, not a float input
    h = nt.function(lambda x, *, k: x * k, static_argnames="k")
    assert float(h(2.0, k=3.0)) == 6.0 and float(h(2.0, k=4.0)) == 8.0
    with pytest.raises(TypeError, match="static_argnums"):
        nt.function(lambda x: x, static_argnums=("a",))
    with pytest.raises(TypeError, match="neither an array input nor hashable"):
        nt.function(lambda x, d: x, static_argnums=(1,))(1.0, {1, 2})  # a set: unhashable


def test_pytrees_of_arrays_are_traced_and_differentiated() -> None:
    def loss(params, x):
        return nt.reduce_sum((params["w"] * x + params["b"][0]) ** 2)

    g = nt.function(loss)
    for scale in (1.0, 2.0):
        params = {"w": np.array([0.5, -1.0, 2.0]) * scale, "b": [np.array(0.1 * scale)]}
        value, grads = g.value_and_grad(params, X)
        residual = params["w"] * X + params["b"][0]
        assert value == pytest.approx(np.sum(residual**2))
        np.testing.assert_allclose(grads["w"], 2 * residual * X)
        np.testing.assert_allclose(grads["b"][0], np.sum(2 * residual))
    assert _traces(g) == 1  # new values, same structure: one trace
    value, (gp, gx) = g.value_and_grad(params, X, argnums=(0, 1))
    np.testing.assert_allclose(gx, 2 * (params["w"] * X + params["b"][0]) * params["w"])


def test_a_pytree_with_static_leaves() -> None:
    g = nt.function(lambda args: nt.reduce_sum(args[0] ** args[1]))
    value, grads = g.value_and_grad((X, 2))
    assert value == pytest.approx(np.sum(X**2)) and grads[1] is None
    np.testing.assert_allclose(grads[0], 2 * X)
    value3, _ = g.value_and_grad((X, 3))  # another static leaf: another trace
    assert value3 == pytest.approx(np.sum(X**3))


def test_array_keyword_arguments_are_traced() -> None:
    g = nt.function(lambda x, *, w: nt.reduce_sum(x * w))
    for w in (np.array([1.0, 0.0, 2.0]), np.array([3.0, 1.0, 1.0])):
        assert float(g(X, w=w)) == float(np.sum(X * w))
        np.testing.assert_array_equal(g.grad(X, w=w), w)
    assert _traces(g) == 1


def test_python_outputs_come_back_as_they_were() -> None:
    g = nt.function(lambda x: (nt.reduce_sum(x), 3, None, "ok", True))
    for _ in range(2):
        total, three, nothing, text, flag = g(X)
        assert float(total) == 6.0 and three == 3 and type(three) is int
        assert nothing is None and text == "ok" and flag is True


def test_hessian_of_a_pytree_argument_is_a_clear_error() -> None:
    g = nt.function(lambda p: nt.reduce_sum(p[0] * p[1]))
    with pytest.raises(TypeError, match="Function.hessian: argument 0 must be one array"):
        g.hessian([X, X])


def test_static_argnums_of_a_method_count_self() -> None:
    class Model:
        def __init__(self, scale):
            self.scale = scale

        @nt.function(static_argnums=(2,))
        def f(self, x, power):
            return nt.reduce_sum(x**power) * self.scale

    m = Model(2.0)
    assert float(m.f(X, 2)) == 2.0 * np.sum(X**2)
    assert float(m.f(X, 3)) == 2.0 * np.sum(X**3)


def test_the_functional_api_keeps_pytree_arguments() -> None:
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    grads = nt.grad(lambda p: nt.reduce_sum(p[0] * p[1]))([a, b])
    assert isinstance(grads, list)
    np.testing.assert_array_equal(grads[0], b)
    np.testing.assert_array_equal(grads[1], a)
    got = nt.grad(lambda d: nt.reduce_sum(d["a"] ** 2))({"a": a})
    np.testing.assert_array_equal(got["a"], 2 * a)
    np.testing.assert_allclose(nt.grad(lambda x: nt.reduce_sum(nt.sin(x)))([0.5, 1.0]), np.cos([0.5, 1.0]))
    with pytest.raises(TypeError, match="every leaf"):
        nt.grad(lambda p: nt.reduce_sum(p[0]) * p[1])([a, 3])
