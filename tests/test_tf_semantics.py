"""TensorFlow 2.21's GradientTape semantics that TF's own tests check (issue 11, item 4).

Each expected value is TensorFlow's documented or tested behaviour, or the math; the TF
source each test mirrors is named (``tensorflow/python/eager/backprop.py`` and
``backprop_test.py``, ``python/ops/parallel_for/control_flow_ops.py``).
"""
from __future__ import annotations

import contextlib
import re

import numpy as np
import pytest

import numtape as nt

USED = "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
SEED_ONCE = "GradientTape.gradient can only be called once on non-persistent tapes."


# ---------------------------------------------------------------------------
# watched_variables(): creation order (TF keeps a set ordered by the handle's id)
# ---------------------------------------------------------------------------
def test_watched_variables_are_in_creation_order_not_first_use() -> None:
    v0, v1 = nt.Variable(1.0), nt.Variable(2.0)
    with nt.GradientTape() as tape:
        y = v1 * v1 + v0 * v0
    assert tape.watched_variables() == (v0, v1)
    assert isinstance(tape.watched_variables(), tuple)  # TF returns a tuple
    tape.gradient(y, [v0, v1])
    assert tape.watched_variables() == (v0, v1)  # kept after the release, in the same order


def test_explicitly_watched_variables_are_in_creation_order_too() -> None:
    a, b, c = nt.Variable(1.0), nt.Variable(2.0, trainable=False), nt.Variable(3.0)
    with nt.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch([c, b, a])
    assert tape.watched_variables() == (a, b, c)
    with nt.GradientTape() as tape:
        _ = c * b * a  # b is not trainable: not watched
    assert tape.watched_variables() == (a, c)


def test_watched_variables_respect_reset() -> None:  # TF: testWatchedVariablesRespectReset
    with nt.GradientTape() as tape:
        x = nt.Variable(1.0)
        tape.watch(x)
        assert tape.watched_variables() == (x,)
        tape.reset()
        z = nt.Variable(2.0)
        tape.watch(z)
        assert tape.watched_variables() == (z,)
    tape.gradient(z, z)
    assert tape.watched_variables() == (z,)


# ---------------------------------------------------------------------------
# watch() of something that is not a Tensor or Variable: TF's ValueError
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.array(1.0), np.ones(2), 1.5, None, "x"], ids=["0d", "1d", "float", "None", "str"])
def test_watching_a_non_tensor_raises_tensorflows_value_error(bad) -> None:
    with nt.GradientTape() as tape:  # TF: testWatchBadThing, assertRaisesRegex(ValueError, 'ndarray')
        with pytest.raises(ValueError, match=f"watch.*of type '{type(bad).__name__}', not nt.Tensor"):
            tape.watch(bad)
        with pytest.raises(TypeError):  # also numtape's rule for a wrong kind of value
            tape.watch(bad)


# ---------------------------------------------------------------------------
# A used non-persistent tape: TF 2.21's RuntimeError for jacobians, the seed's text for gradient
# ---------------------------------------------------------------------------
def _cubed_tape(shape: tuple[int, ...]):
    x = nt.constant(np.full(shape, 3.0))
    with nt.GradientTape() as g:
        g.watch(x)
        y = x * x
        z = y * y
    return g, x, y, z


def test_second_jacobian_raises_tf_used_tape_error() -> None:  # TF: testGradientTapeJacobianCalledMultipleTimes
    g, x, y, z = _cubed_tape(())
    assert g.jacobian(z, [x])[0].numpy() == 4 * 27.0
    with pytest.raises(RuntimeError) as info:
        g.jacobian(y, [x])
    assert str(info.value) == USED


def test_second_batch_jacobian_with_a_list_source_raises_the_used_tape_error() -> None:
    g, x, y, z = _cubed_tape((1, 1))  # TF: testGradientTapeBatchJacobianCalledMultipleTimes
    np.testing.assert_array_equal(g.batch_jacobian(z, x).numpy(), [[[4 * 27.0]]])
    with pytest.raises(RuntimeError) as info:
        g.batch_jacobian(y, [x])  # the used tape is reported before the list source is looked at
    assert str(info.value) == USED


def test_gradient_after_a_jacobian_keeps_the_seed_text_and_jacobian_after_gradient_tf_text() -> None:
    g, x, y, z = _cubed_tape(())
    g.jacobian(z, x)
    with pytest.raises(RuntimeError) as info:
        g.gradient(y, x)
    assert str(info.value) == SEED_ONCE
    g, x, y, z = _cubed_tape(())
    g.gradient(z, x)
    with pytest.raises(RuntimeError, match="^A non-persistent GradientTape can only"):
        g.jacobian(y, x)
    with pytest.raises(RuntimeError, match="^A non-persistent GradientTape can only"):
        g.batch_jacobian(y, x)


def test_a_used_tape_is_reported_before_the_arguments() -> None:
    g, x, y, z = _cubed_tape(())  # TF: `if self._tape is None` is gradient's first check
    g.gradient(z, x)
    with pytest.raises(RuntimeError) as info:
        g.gradient(None, x)
    assert str(info.value) == SEED_ONCE
    with pytest.raises(RuntimeError, match="^A non-persistent GradientTape can only"):
        g.jacobian([y], "not a source")


def test_jacobians_inside_the_tapes_block() -> None:  # TF: test(Batch)JacobianInsideGradientTapeScope
    x = nt.constant(3.0)
    with nt.GradientTape() as g:
        g.watch(x)
        z = (x * x) * (x * x)
        assert g.jacobian(z, x).numpy() == 4.0 * 3.0**3
    x = nt.constant([[3.0]])
    with nt.GradientTape(persistent=True) as g:
        g.watch(x)
        z = (x * x) * (x * x)
        np.testing.assert_array_equal(g.batch_jacobian(z, x).numpy(), [[[4.0 * 3.0**3]]])


def test_nested_jacobian_then_batch_jacobian() -> None:  # TF: test_nested_jacobian
    x = nt.ones((10, 2))
    with nt.GradientTape() as g:
        g.watch(x)
        with nt.GradientTape() as gg:
            gg.watch(x)
            y = nt.reduce_sum(nt.square(x))
        dy_x = gg.jacobian(y, x)  # recorded by g: 2 x
    dy_xx = g.batch_jacobian(dy_x, x)
    np.testing.assert_array_equal(dy_xx.numpy(), [[[2.0, 0.0], [0.0, 2.0]]] * 10)


# ---------------------------------------------------------------------------
# batch_jacobian's shape rules (TF: testBadShape, testBadInputRank, testBadOutputRank)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("target_shape, source_shape, message", [
    ((4, 3), (2, 3), r"Need first dimension of target shape \(4, 3\) and source shape \(2, 3\) to match\.$"),
    ((2, 2), (2,), r"Shape \(2,\) must have rank at least 2"),
    ((2,), (2, 2), r"Shape \(2,\) must have rank at least 2"),
    ((), (2, 2), r"Shape \(\) must have rank at least 2"),
    ((2, 2), (), r"Shape \(\) must have rank at least 2"),
])
def test_batch_jacobian_refuses_bad_ranks_and_batch_sizes(target_shape, source_shape, message) -> None:
    x = nt.constant(np.ones(source_shape))
    with nt.GradientTape() as g:
        g.watch(x)
        y = nt.reduce_sum(x) * nt.ones(target_shape)
        ok = x * 2.0 if len(source_shape) >= 2 else None
    with pytest.raises(ValueError, match="GradientTape.batch_jacobian: " + message):
        g.batch_jacobian(y, x)
    if ok is not None:  # refused before anything was computed: the tape still answers
        b, n = source_shape
        np.testing.assert_array_equal(g.batch_jacobian(ok, x).numpy(), np.broadcast_to(2.0 * np.eye(n), (b, n, n)))


# ---------------------------------------------------------------------------
# Unconnected and zero-size: zeros in the target's dtype, empty Jacobians of the right shapes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("unconnected", ["none", "zero"])
def test_batch_jacobian_of_an_unconnected_source_is_zeros_in_the_target_dtype(dtype, unconnected) -> None:
    x = nt.constant([[2.0]], dtype=dtype)  # TF: test_zeros_type_correct
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = nt.constant([[1.0]], dtype=dtype)  # not computed from x
    jac = tape.batch_jacobian(y, x, unconnected_gradients=unconnected)
    assert jac.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(jac.numpy(), [[[0.0]]])
    jac = tape.batch_jacobian(y, x, unconnected_gradients=unconnected, experimental_use_pfor=False)
    assert jac.dtype == np.dtype(dtype) and jac.shape == (1, 1, 1)


def test_batch_jacobian_zeros_take_the_targets_dtype_not_the_sources() -> None:
    x = nt.constant(np.ones((2, 3)))  # float64
    z = nt.constant(np.ones((2, 4)), dtype="float32")
    with nt.GradientTape() as tape:
        tape.watch([x, z])
        y = z * 2.0  # recorded, float32, independent of x
    jac = tape.batch_jacobian(y, x)  # TF: array_ops.zeros(new_shape, target.dtype)
    assert jac.shape == (2, 4, 3) and jac.dtype == np.float32
    np.testing.assert_array_equal(jac.numpy(), np.zeros((2, 4, 3)))


def test_unconnected_batch_jacobian_while_an_outer_tape_records() -> None:
    x = nt.constant(np.ones((2, 3)), dtype="float32")
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = nt.constant(np.ones((2, 2)))  # float64, not computed from x
        bj = inner.batch_jacobian(y, x)
    assert bj.shape == (2, 2, 3) and bj.dtype == np.float64
    assert outer.gradient(bj, x) is None  # zeros made from nothing x reaches


@pytest.mark.parametrize("use_pfor", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_zero_size_jacobians_have_the_right_shapes(use_pfor, dtype) -> None:
    x = nt.zeros([1, 0], dtype=dtype)  # TF: test_degenerate_shape gives [1, 0, 0]
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**2
    j = tape.jacobian(y, x, experimental_use_pfor=use_pfor)
    bj = tape.batch_jacobian(y, x, experimental_use_pfor=use_pfor)
    assert j is not None and j.shape == (1, 0, 1, 0) and j.dtype == np.dtype(dtype)
    assert bj is not None and bj.shape == (1, 0, 0) and bj.dtype == np.dtype(dtype)


def test_zero_size_target_unconnected_source_is_none_or_zeros() -> None:
    x, w = nt.zeros([1, 0]), nt.constant([[1.0, 2.0]])
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = x * 3.0
    assert tape.jacobian(y, w) is None  # the empty target does not depend on w
    zeros = tape.jacobian(y, w, unconnected_gradients="zero")
    assert zeros.shape == (1, 0, 1, 2)


def test_empty_tensor_jacobian_with_respect_to_a_variable() -> None:
    v = nt.Variable(1.0)  # TF: test_empty_tensor_consistent_jacobian
    inputs = (nt.constant(np.zeros((0, 4))), nt.constant(np.zeros((0, 3))))
    with nt.GradientTape(persistent=True) as tape:
        outputs = v * nt.concat(inputs, axis=-1)
    pfor = tape.jacobian(outputs, v, experimental_use_pfor=True)
    loop = tape.jacobian(outputs, v, experimental_use_pfor=False)
    assert pfor.shape == loop.shape == (0, 7)


def test_zero_size_source_of_a_nonempty_target() -> None:
    x = nt.zeros([2, 0])
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = nt.reduce_sum(x, axis=1, keepdims=True) + 1.0  # (2, 1), depends on x (through no element)
    assert tape.jacobian(y, x).shape == (2, 1, 2, 0)
    assert tape.batch_jacobian(y, x).shape == (2, 1, 0)


def test_batch_jacobian_of_an_empty_batch() -> None:
    """TF divides the target's size by the batch size here (a ZeroDivisionError); the
    answer is the empty ``(0,) + target.shape[1:] + source.shape[1:]``."""
    x = nt.zeros([0, 3])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    assert tape.batch_jacobian(y, x).shape == (0, 3, 3)


# ---------------------------------------------------------------------------
# experimental_use_pfor and parallel_iterations (TF: JacobianTest, BatchJacobianTest)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("use_pfor", [True, False])
def test_jacobian_with_and_without_pfor(use_pfor) -> None:
    with nt.GradientTape(persistent=not use_pfor) as g:  # TF: JacobianTest._jacobian
        x, y = nt.constant([1.0, 2.0]), nt.constant([3.0, 4.0])
        g.watch(x)
        g.watch(y)
        z = x * x * y
    jx, jy = g.jacobian(z, [x, y], experimental_use_pfor=use_pfor)
    np.testing.assert_array_equal(jx.numpy(), np.diag([2 * 1 * 3.0, 2 * 2 * 4.0]))
    np.testing.assert_array_equal(jy.numpy(), np.diag([1.0, 4.0]))


@pytest.mark.parametrize("use_pfor", [True, False])
def test_batch_jacobian_with_and_without_pfor(use_pfor) -> None:
    with nt.GradientTape(persistent=not use_pfor) as g:  # TF: BatchJacobianTest._batch_jacobian
        x = nt.constant([[1.0, 2.0], [3.0, 4.0]])
        y = nt.constant([[3.0, 4.0], [5.0, 6.0]])
        g.watch(x)
        z = x * x * y
    bj = g.batch_jacobian(z, x, experimental_use_pfor=use_pfor)
    np.testing.assert_array_equal(bj.numpy(), [np.diag([2 * 1 * 3.0, 2 * 2 * 4.0]), np.diag([2 * 3 * 5.0, 2 * 4 * 6.0])])


@pytest.mark.parametrize("method", ["jacobian", "batch_jacobian"])
def test_no_pfor_needs_a_persistent_tape_and_consumes_nothing(method) -> None:
    g, x, y, z = _cubed_tape((1, 1))  # TF: testPersistentTape (both classes)
    with pytest.raises(RuntimeError) as info:
        getattr(g, method)(y, x, experimental_use_pfor=False)
    assert str(info.value) == (f"GradientTape must be created with persistent=True to compute the {method} with "
                               "eager execution enabled and with experimental_use_pfor set to False.")
    result = getattr(g, method)(z, x)  # TF refuses before running the loop: the tape still answers
    assert result.numpy().ravel().tolist() == [4 * 27.0]


def test_parallel_iterations_give_the_same_jacobians() -> None:
    x0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    w0 = np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    with nt.GradientTape(persistent=True) as g:  # TF: test_parallel_iterations (both classes)
        x = nt.constant(x0)
        g.watch(x)
        y = nt.matmul(x, x)
        yw = nt.matmul(x, nt.constant(w0))
    expected = np.einsum("ik,lj->ijkl", np.eye(2), x0) + np.einsum("ik,jl->ijkl", x0, np.eye(2))
    for p in (None, 2, 3, 4, 5, 100):
        np.testing.assert_array_equal(g.jacobian(y, x, parallel_iterations=p).numpy(), expected)
        np.testing.assert_array_equal(g.jacobian(y, x, parallel_iterations=p, experimental_use_pfor=False).numpy(),
                                      expected)
        bj = g.batch_jacobian(yw, x, parallel_iterations=p).numpy()
        np.testing.assert_array_equal(bj, np.broadcast_to(w0.T, (2, 4, 2)))  # d (x w)[b, j] / d x[b, l] = w[l, j]
    assert g.jacobian(y, x, parallel_iterations=1, experimental_use_pfor=False) is not None  # a while loop: fine


def _tiled(persistent: bool):
    with nt.GradientTape(persistent=persistent) as t:  # TF: testBatchJacobianParallelIterations
        x = nt.constant([[3.0]])
        t.watch(x)
        y = x * x
        z = nt.tile(y * y, [1, 16])
    return t, x, z


def test_batch_jacobian_parallel_iterations_on_a_non_persistent_tape() -> None:
    t, x, z = _tiled(persistent=True)
    np.testing.assert_array_equal(t.batch_jacobian(z, x, parallel_iterations=8).numpy(), [[[4.0 * 3.0**3]] * 16])
    t, x, z = _tiled(persistent=False)
    with pytest.raises(RuntimeError, match="persistent=True.*parallel_iterations") as info:
        t.batch_jacobian(z, x, parallel_iterations=8)
    assert str(info.value) == ("GradientTape must be created with persistent=True to compute the batch_jacobian "
                               "with parallel_iterations.")
    with pytest.raises(RuntimeError, match="^" + re.escape(USED)):
        t.batch_jacobian(z, x)  # pfor ran the first iteration: the tape is used up, as in TF
    for p in (16, 2):  # pfor tiles when parallel_iterations <= iterations: a second loop body
        t, x, z = _tiled(persistent=False)
        with pytest.raises(RuntimeError, match="parallel_iterations"):
            t.batch_jacobian(z, x, parallel_iterations=p)
    t, x, z = _tiled(persistent=False)  # more than the 16 iterations: pfor ignores it
    np.testing.assert_array_equal(t.batch_jacobian(z, x, parallel_iterations=17).numpy(), [[[4.0 * 3.0**3]] * 16])


def test_jacobian_parallel_iterations_on_a_non_persistent_tape() -> None:
    """TF's jacobian runs pfor's second loop body on a released tape (an error, or with
    unconnected_gradients="zero" silent zeros for the tiled rows); numtape refuses it with
    batch_jacobian's message, and computes it where TF's pfor does not tile."""
    t, x, z = _tiled(persistent=False)
    with pytest.raises(RuntimeError, match="persistent=True to compute the jacobian with parallel_iterations"):
        t.jacobian(z, x, parallel_iterations=4)
    t, x, z = _tiled(persistent=False)
    np.testing.assert_array_equal(t.jacobian(z, x, parallel_iterations=32).numpy(), np.full((1, 16, 1, 1), 108.0))


@pytest.mark.parametrize("method", ["jacobian", "batch_jacobian"])
def test_parallel_iterations_below_two_with_pfor_are_refused(method) -> None:
    for p, reason in ((1, r"Found `parallel_iterations == 1`\. Use `for_loop` instead\."),
                      (0, r"must be None or a positive integer\. Received: 0\."),
                      (-3, r"Received: -3\.")):
        t, x, z = _tiled(persistent=True)
        with pytest.raises(ValueError, match=f"Encountered an exception while vectorizing the {method} "
                                             f"computation.*{reason}"):
            getattr(t, method)(z, x, parallel_iterations=p)
        with pytest.raises(TypeError, match="'parallel_iterations' must be a positive integer") if p < 1 else contextlib.nullcontext():
            getattr(t, method)(z, x, parallel_iterations=p, experimental_use_pfor=False)



# ---------------------------------------------------------------------------
# Nested ForwardAccumulators (TF: forwardprop_test.testGradPureForward): an outer accumulator
# sees the inner one's jvp even when it is asked after both blocks have exited
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("ask_inside", [False, True])
def test_outer_accumulator_differentiates_an_inner_jvp(ask_inside) -> None:
    primal = nt.constant(1.1)
    with nt.ForwardAccumulator(primal, nt.constant(1.0)) as outer:
        with nt.ForwardAccumulator(primal, nt.constant(1.0)) as inner:
            y = primal**3.5
        if ask_inside:
            inner_jvp = inner.jvp(y)
    if not ask_inside:
        inner_jvp = inner.jvp(y)
    np.testing.assert_allclose(inner_jvp.numpy(), 3.5 * 1.1**2.5, rtol=1e-14)  # the calculus
    np.testing.assert_allclose(outer.jvp(inner_jvp).numpy(), 3.5 * 2.5 * 1.1**1.5, rtol=1e-14)
    assert inner.jvp(outer.jvp(y)) is None  # the inner accumulator did not enclose the outer


def test_three_nested_accumulators_give_the_third_derivative() -> None:
    x0 = 0.7
    x = nt.constant(x0)
    with nt.ForwardAccumulator(x, nt.constant(1.0)) as a3:
        with nt.ForwardAccumulator(x, nt.constant(1.0)) as a2:
            with nt.ForwardAccumulator(x, nt.constant(1.0)) as a1:
                y = nt.sin(x) * nt.exp(x)
    d3 = a3.jvp(a2.jvp(a1.jvp(y)))  # (sin e^x)''' = 2 e^x (cos x - sin x)
    np.testing.assert_allclose(d3.numpy(), 2 * np.exp(x0) * (np.cos(x0) - np.sin(x0)), rtol=1e-13)
