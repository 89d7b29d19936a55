"""nt.function at its edges (issue 10, items 15 and 17): fallbacks that every method shares,
methods as descriptors, clear errors, and result types that match the eager API's.

(Beside ``test_function.py``, which is past the size of one module.)
"""
from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest

import numtape as nt

X = np.array([1.0, 2.0])
Y = np.array([3.0, 4.0])


@nt.custom_gradient
def _cube(x):
    def grad_fn(dy):
        return dy * 3.0 * x * x

    return x * x * x, grad_fn


# ---------------------------------------------------------------------------
# item 15: fallbacks
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("x", [np.array([1.0, 2.0]), np.array([0.5, -1.0, 2.0, 3.0])])
def test_jacobian_of_a_function_with_a_custom_gradient(x) -> None:
    g = nt.function(lambda x: _cube(x) * 2.0 + nt.reduce_sum(x))
    for _ in range(2):  # the tracing call, then a call finding the trace
        np.testing.assert_allclose(g.jacobian(x), np.diag(6.0 * x * x) + 1.0)
    scalar = nt.function(lambda x: nt.reduce_sum(_cube(x)))  # one output: the reverse-mode branch
    np.testing.assert_allclose(scalar.jacobian(x), 3.0 * x * x)


def test_batch_value_and_grad_falls_back_to_eager_like_every_method() -> None:
    def f(x):
        scale = float(np.sum(x.numpy()))  # cannot be guarded: the trace is unusable
        return nt.reduce_sum(x * x) * scale

    xs = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.0]])
    g = nt.function(f)
    with pytest.warns(nt.TraceFallbackWarning):
        values, grads = g.batch_value_and_grad(xs)
    scales = xs.sum(axis=1)  # a constant: the same eagerly
    np.testing.assert_allclose(values, (xs * xs).sum(axis=1) * scales)
    np.testing.assert_allclose(grads, 2.0 * xs * scales[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once, as the other methods
        np.testing.assert_allclose(g.batch_value_and_grad(xs)[0], values)


# ---------------------------------------------------------------------------
# item 17: errors and types
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["hessian", "hvp"])
def test_tuple_argnums_on_hessian_and_hvp_is_a_clear_error(method) -> None:
    g = nt.function(lambda x, y: nt.reduce_sum(x * x * y))
    call = getattr(g, method)
    args = (X, Y) if method == "hessian" else (X, Y, X)
    with pytest.raises(TypeError, match=f"Function.{method}: argnums must be one int"):
        call(*args, argnums=(0, 1))
    h = call(*args, argnums=(1,))  # a 1-tuple is one argument
    expected = np.diag(np.zeros(2)) if method == "hessian" else np.zeros(2)
    np.testing.assert_allclose(h, expected)
    with pytest.raises(TypeError, match="nt.hvp: argnums must be one int"):
        nt.hvp(lambda x, y: nt.reduce_sum(x * x * y), (X, Y), X, argnums=(0, 1))


def test_an_unhashable_static_keyword_argument_is_a_clear_error_naming_the_function() -> None:
    def scaled(x, scale=(1.0,)):
        return nt.reduce_sum(x) * min(scale)

    g = nt.function(scaled)
    for call in (g, g.value_and_grad, g.hessian):
        with pytest.raises(TypeError, match=r"nt.function\(scaled\): keyword argument 'scale' is .*neither an "
                                            r"array input nor hashable"):
            call(X, scale={2.0})
    assert g.grad(X, scale=[2.0]).tolist() == [2.0, 2.0]  # a list of floats is a traced input
    assert g.grad(X, scale=(3.0,)).tolist() == [3.0, 3.0]


class _Model:
    def __init__(self, w: float) -> None:
        self.w = w

    @nt.function
    def loss(self, x):
        return nt.reduce_sum(x * x) * self.w


class _Slotted:
    __slots__ = ("w",)

    def __init__(self, w: float) -> None:
        self.w = w

    @nt.function
    def loss(self, x):
        return nt.reduce_sum(x * x) * self.w


@pytest.mark.parametrize("cls", [_Model, _Slotted])
def test_a_function_decorating_a_method_binds_self(cls) -> None:
    a, b = cls(2.0), cls(3.0)
    for _ in range(2):
        for m in (a, b):
            assert float(m.loss(X).numpy()) == m.w * 5.0
            value, grad = m.loss.value_and_grad(X)
            assert value == m.w * 5.0 and grad.tolist() == (2.0 * m.w * X).tolist()
            np.testing.assert_allclose(m.loss.hessian(X), 2.0 * m.w * np.eye(2))
    assert float(cls.loss(a, X).numpy()) == 10.0  # through the class, self is a static argument


def test_bound_functions_keep_their_traces_per_instance_and_do_not_keep_the_instance_alive() -> None:
    m = _Model(2.0)
    assert m.loss is m.loss
    assert m.loss.__name__ == "loss"
    m.loss.grad(X)
    unbound = _Model.__dict__["loss"]
    assert len(unbound._instances) >= 1
    key = id(m)
    del m
    gc.collect()
    assert key not in unbound._instances


@pytest.mark.parametrize("x", [2.0, np.array(2.0), np.array([1.0, 2.0]), np.float32(2.0),
                               np.array([1.0, 2.0], np.float32)])
@pytest.mark.parametrize("output", ["tensor", "python float", "array"])
def test_a_constant_output_gives_the_types_of_a_computed_one(x, output) -> None:
    """NumPy values, as eager nt.value_and_grad and a computed output give: never a Tensor."""
    constant = {"tensor": lambda x: nt.constant(3.0), "python float": lambda x: 3.0,
                "array": lambda x: nt.constant([3.0, 1.0])}[output]
    value, grad = nt.function(constant).value_and_grad(x)
    eager_value, eager_grad = nt.value_and_grad(constant)(x)
    assert type(value) is type(eager_value) and value.dtype == eager_value.dtype == np.float64
    np.testing.assert_array_equal(value, [3.0, 1.0] if output == "array" else 3.0)
    computed_grad = nt.function(lambda x: nt.reduce_sum(x * x)).grad(x)
    assert type(grad) is type(computed_grad) is type(eager_grad) and grad.dtype == np.asarray(x).dtype
    np.testing.assert_array_equal(grad, np.zeros(np.shape(x)))


def test_hvp_of_float32_inputs_is_float32() -> None:
    x = np.array([1.0, 2.0], np.float32)
    v = np.array([1.0, -1.0], np.float32)
    g = nt.function(lambda x: nt.reduce_sum(x * x * x))
    for _ in range(2):
        hv = g.hvp(x, v)
        assert hv.dtype == np.float32
        np.testing.assert_allclose(hv, 6.0 * x * v)
