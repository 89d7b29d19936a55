"""nt.function's warm-call path (issue 12, item 3): the cached quick signature, pooled
workspaces and read plans must never hand back a stale or aliased answer.

Expected values are math: f(x) = sum(x)**2 has value s**2 and gradient 2*s everywhere,
f(x) = x * x has value x**2 elementwise.
"""
from __future__ import annotations

import threading

import numpy as np

import numtape as nt


def _seed():
    return nt.function(lambda x: nt.square(nt.reduce_sum(x)))


def test_an_array_mutated_in_place_is_read_again() -> None:
    g = _seed()
    x = np.ones((2, 2))
    assert g(x).numpy() == 16.0
    x[0, 0] = 3.0  # same object, same shape and dtype: the quick key matches
    assert g(x).numpy() == 36.0
    value, grad = g.value_and_grad(x)
    assert value == 36.0
    np.testing.assert_array_equal(grad, np.full((2, 2), 12.0))


def test_tensors_and_arrays_share_a_trace_and_agree() -> None:
    g = _seed()
    a = np.arange(4.0).reshape(2, 2)
    for x in (a, nt.constant(a), a, nt.constant(a + 1.0)):
        s = float(np.sum(x.numpy() if isinstance(x, nt.Tensor) else x))
        value, grad = g.value_and_grad(x)
        assert value == s * s
        np.testing.assert_array_equal(grad, np.full((2, 2), 2.0 * s))
    assert sum(len(t) for t in g._traces.values()) == 1


def test_dtype_shape_and_byte_order_changes_get_their_own_answers() -> None:
    g = _seed()
    assert g.value_and_grad(np.ones((2, 2)))[1].dtype == np.float64
    value, grad = g.value_and_grad(np.ones((2, 2), np.float32))
    assert value == 16.0 and value.dtype == np.float32 and grad.dtype == np.float32
    value, grad = g.value_and_grad(np.ones(3))
    assert value == 9.0 and grad.shape == (3,)
    big_endian = np.ones((2, 2), ">f8")  # not a quick key: the full signature path
    value, grad = g.value_and_grad(big_endian)
    assert value == 16.0
    np.testing.assert_array_equal(grad, np.full((2, 2), 8.0))
    assert g(1.5).numpy() == 2.25 and g(nt.constant(2.0)).numpy() == 4.0


def test_outputs_are_not_views_of_a_reused_workspace() -> None:
    g = nt.function(lambda x: x * x)
    first = g(np.array([1.0, 2.0])).numpy()
    second = g(np.array([3.0, 4.0])).numpy()
    np.testing.assert_array_equal(first, [1.0, 4.0])
    np.testing.assert_array_equal(second, [9.0, 16.0])
    h = nt.function(lambda x: nt.reduce_sum(x * x))
    _, grad_a = h.value_and_grad(np.array([1.0, 2.0, 3.0]))
    _, grad_b = h.value_and_grad(np.array([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(grad_a, [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(grad_b, [10.0, 12.0, 14.0])


def test_a_variable_assigned_between_calls_is_read_again() -> None:
    w = nt.Variable(2.0)
    g = nt.function(lambda x: nt.reduce_sum(x) * w)
    x = np.ones(3)
    assert g(x).numpy() == 6.0
    w.assign(5.0)
    assert g(x).numpy() == 15.0
    np.testing.assert_array_equal(g.grad(x), np.full(3, 5.0))


def test_a_guard_still_decides_on_the_warm_path() -> None:
    def absolute_sum(x):
        s = nt.reduce_sum(x)
        return s if s > 0 else -s  # bool() of a comparison: a guard

    g = nt.function(absolute_sum)
    assert g(np.ones(2)).numpy() == 2.0
    assert g(-np.ones(2)).numpy() == 2.0  # the other branch: traced again, not the stale one
    assert g(np.full(2, 3.0)).numpy() == 6.0
    np.testing.assert_array_equal(g.grad(-np.ones(2)), [-1.0, -1.0])
    np.testing.assert_array_equal(g.grad(np.ones(2)), [1.0, 1.0])


def test_threads_replaying_at_once_get_their_own_numbers() -> None:
    g = _seed()
    g(np.ones(64))
    errors = []

    def work(scale: float) -> None:
        x = np.full(64, scale)
        for _ in range(300):
            value, grad = g.value_and_grad(x)
            if value != (64 * scale) ** 2 or not np.all(grad == 2 * 64 * scale):
                errors.append((scale, value))

    threads = [threading.Thread(target=work, args=(s,)) for s in (1.0, 2.0, 3.0, 4.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
