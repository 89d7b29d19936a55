"""Indexing rows beyond the generated tests: put_along_axis's gradient in ``values``,
one-argument where, index Tensors inside traces, diff with array prepend/append, errors."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape.testing import check_grads

RNG = np.random.default_rng(7)


def test_put_along_axis_is_functional_and_differentiable_in_arr_and_values() -> None:
    arr = RNG.standard_normal((3, 4))
    idx = np.array([[1], [0], [3]])
    values = RNG.standard_normal((3, 1))
    t = nt.constant(arr)
    out = np.put_along_axis(t, idx, nt.constant(values), axis=1)
    expected = arr.copy()
    np.put_along_axis(expected, idx, values, axis=1)
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(t.numpy(), arr)  # arr is not modified
    check_grads(lambda a, v: nt.put_along_axis(a, idx, v, axis=1) ** 2, arr, values)


def test_put_along_axis_broadcast_value_collects_the_cotangents_of_every_place_it_fills() -> None:
    arr = nt.constant(np.zeros((2, 3)))
    v = nt.constant(np.array([[5.0]]))
    with nt.GradientTape() as tape:
        tape.watch([arr, v])
        y = nt.reduce_sum(nt.put_along_axis(arr, np.array([[0, 2], [1, 1]]), v, axis=1) * np.arange(6.0).reshape(2, 3))
    g_arr, g_v = tape.gradient(y, [arr, v])
    np.testing.assert_array_equal(g_arr.numpy(), [[0.0, 1.0, 0.0], [3.0, 0.0, 5.0]])
    np.testing.assert_array_equal(g_v.numpy(), [[0.0 + 2.0 + 4.0]])  # places (0,0), (0,2), (1,1)
    check_grads(lambda a, w: nt.put_along_axis(a, np.array([[0, 2], [1, 1]]), w, axis=1) ** 2,
                np.ones((2, 3)), np.array([[0.5]]))


def test_put_along_axis_refuses_a_float_tensor_of_another_dtype() -> None:
    with pytest.raises(TypeError, match="numtape.put_along_axis: values of dtype float64"):
        nt.put_along_axis(nt.constant(np.zeros(3), dtype="float32"), np.array([0]), nt.constant([1.0]), axis=0)
    out = nt.put_along_axis(nt.constant(np.zeros(3), dtype="float32"), np.array([0]), 1.5, axis=0)
    assert out.dtype == np.float32 and out.numpy()[0] == 1.5


def test_one_argument_where_numpy_tuple_and_tensorflow_coordinates() -> None:
    cond = np.array([[True, False, True], [False, False, True]])
    t = nt.constant(cond.astype(np.float64))
    got = np.where(t)
    assert isinstance(got, tuple) and len(got) == 2
    for g, e in zip(got, np.where(cond)):
        np.testing.assert_array_equal(g, e)
    coords = nt.where(t)
    assert isinstance(coords, nt.Tensor) and coords.dtype == np.int64
    np.testing.assert_array_equal(coords.numpy(), [[0, 0], [0, 2], [1, 2]])
    np.testing.assert_array_equal(nt.where(cond, None, None).numpy(), np.argwhere(cond))


def test_one_argument_where_in_a_trace_is_guarded_on_the_truth_values() -> None:
    f = nt.function(lambda x: nt.reduce_sum(nt.gather(x, nt.where(x)[:, 0].numpy()) ** 3))
    g = nt.function(lambda x: nt.reduce_sum(nt.gather(x, np.where(x)[0]) ** 3))
    for x in ([1.0, 0.0, 3.0], [2.0, 0.0, 1.0], [0.0, 2.0, 0.0]):
        x = np.array(x)
        for h in (f, g):
            value, grad = h.value_and_grad(x)
            np.testing.assert_allclose(value, np.sum(x[x != 0] ** 3))
            np.testing.assert_allclose(grad, np.where(x != 0, 3 * x**2, 0.0))


def test_three_argument_where_both_ways_differentiable() -> None:
    cond = np.array([True, False, True])
    check_grads(lambda a, b: np.where(cond, a * a, b) + nt.where(cond, b, a), RNG.standard_normal(3),
                RNG.standard_normal(3))
    with pytest.raises(TypeError, match="numtape.where: either both or neither"):
        np.where(cond, nt.ones(3))


def test_take_with_index_tensors_in_a_trace_is_guarded() -> None:
    f = nt.function(lambda x, i: nt.reduce_sum(np.take(x, i) ** 2))
    x = RNG.standard_normal(4)
    for i in ([0, 1], [3, 3]):
        idx = nt.constant(i, dtype="int64")
        np.testing.assert_allclose(f(x, idx).numpy(), np.sum(x[i] ** 2))
        np.testing.assert_allclose(f.grad(x, idx), np.bincount(i, weights=2 * x[i], minlength=4))


@pytest.mark.parametrize("index", [lambda x, i: nt.gather(x, i), lambda x, i: x[i], lambda x, i: x[(i,)]])
def test_gather_and_getitem_with_index_tensors_in_a_trace_are_guarded(index) -> None:
    """Found here: the index Tensor's value was baked into the trace (a stale index on replay)."""
    f = nt.function(lambda x, i: nt.reduce_sum(index(x, i)))
    x = np.arange(4.0)
    for i in ([0, 1], [3, 3]):
        np.testing.assert_allclose(f(x, nt.constant(i, dtype="int64")).numpy(), np.sum(x[i]))


def test_take_along_axis_from_argsort_sorts_differentiably() -> None:
    x = RNG.standard_normal((3, 4))
    order = np.argsort(x, axis=1)
    np.testing.assert_array_equal(np.take_along_axis(nt.constant(x), order, axis=1).numpy(), np.sort(x, axis=1))
    check_grads(lambda t: np.take_along_axis(t, order, axis=1) ** 2, x)


def test_diff_with_array_prepend_and_append_differentiable_in_all() -> None:
    x, p, a = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 2)), RNG.standard_normal((3, 1))
    np.testing.assert_allclose(np.diff(nt.constant(x), 2, prepend=p, append=a).numpy(),
                               np.diff(x, 2, prepend=p, append=a))
    check_grads(lambda t, u, v: np.diff(t, 2, axis=1, prepend=u, append=v) ** 2, x, p, a)
    assert np.diff(nt.constant(x), n=0).shape == (3, 4)
    assert nt.diff(nt.constant(np.arange(4), dtype="int64")).dtype == np.int64


@pytest.mark.parametrize("call, error, match", [
    (lambda t: np.take(t, [7]), ValueError, r"numtape\.take: .*out of bounds"),
    (lambda t: np.take(t, [0.5]), TypeError, r"numtape\.take: indices must be integers"),
    (lambda t: np.take(t, [0], mode="nearest"), ValueError, r"numtape\.take: mode"),
    (lambda t: np.take_along_axis(t, np.array([[0]]), axis=0), ValueError, r"numtape\.take_along_axis: "),
    (lambda t: nt.put_along_axis(t, np.array([9]), 1.0, axis=0), ValueError, r"numtape\.put_along_axis: "),
    (lambda t: nt.put_along_axis(t, np.array([0, 1]), np.ones(3), axis=0), ValueError,
     r"numtape\.put_along_axis: values of shape \(3,\)"),
    (lambda t: np.diff(t, -1), ValueError, r"numtape\.diff: order must be non-negative"),
    (lambda t: np.diff(t, axis=1), ValueError, r"numtape\.diff: axis 1 is out of range"),
    (lambda t: np.where("yes", t, t), TypeError, r"numtape\.where: condition"),
])
def test_indexing_errors_name_the_op(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call(nt.constant(np.arange(6.0)))
