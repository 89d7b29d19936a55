"""Rearranging, sorting, padding and triangles beyond the generated row tests: sort's
ties and guards, TensorFlow's forms (reverse, roll, pad, sort direction), errors and
integer data."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape.testing import check_grads

RNG = np.random.default_rng(5)


def test_sort_with_ties_gives_each_tied_element_the_cotangent_of_its_own_place() -> None:
    x = nt.constant([3.0, 1.0, 3.0, 2.0])
    w = np.array([1.0, 10.0, 100.0, 1000.0])  # weights of the sorted places
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(nt.sort(x) * w)
    np.testing.assert_array_equal(nt.sort(x).numpy(), [1.0, 2.0, 3.0, 3.0])
    # sorted: x1 (place 0), x3 (1), x0 (2), x2 (3): a stable order, the first 3 first
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [100.0, 1.0, 1000.0, 10.0])


def test_sort_descending_tensorflow_form_and_nan_last() -> None:
    x = RNG.standard_normal((3, 5))
    np.testing.assert_array_equal(nt.sort(x, direction="DESCENDING").numpy(), -np.sort(-x))
    np.testing.assert_array_equal(nt.sort(x, 0, "DESCENDING").numpy(), -np.sort(-x, axis=0))
    np.testing.assert_array_equal(nt.argsort([3.0, 1.0, 3.0], direction="DESCENDING").numpy(), [0, 2, 1])
    with_nan = np.array([2.0, np.nan, -1.0])
    np.testing.assert_array_equal(np.sort(nt.constant(with_nan)).numpy(), np.sort(with_nan))
    check_grads(lambda t: nt.sort(t, axis=0, direction="DESCENDING") ** 2, x)


def test_sort_replays_where_the_order_repeats_and_retraces_where_it_does_not() -> None:
    f = nt.function(lambda x: nt.reduce_sum(nt.sort(x) * np.array([1.0, 2.0, 3.0])))
    for x in ([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], [3.0, 1.0, 2.0], [0.1, 0.3, 0.2]):
        x = np.array(x)
        value, grad = f.value_and_grad(x)
        ranks = np.argsort(np.argsort(x))
        np.testing.assert_allclose(value, np.sum(np.sort(x) * [1.0, 2.0, 3.0]))
        np.testing.assert_allclose(grad, ranks + 1.0)


def test_argsort_is_data_and_a_trace_reading_it_runs_eagerly() -> None:
    x = nt.constant([0.3, -1.0, 2.0])
    order = np.argsort(x)
    assert isinstance(order, nt.Tensor) and order.dtype == np.int64
    np.testing.assert_array_equal(order.numpy(), [1, 0, 2])

    def f(v):
        return nt.gather(v, nt.argsort(v).numpy()[:1])[0] * 2.0  # the smallest, times 2

    g = nt.function(f)
    with pytest.warns(nt.TraceFallbackWarning):
        for v in ([0.3, -1.0, 2.0], [5.0, 4.0, -3.0]):
            np.testing.assert_allclose(g(np.array(v)).numpy(), 2 * min(v))


def test_tensorflow_reverse_and_roll_match_numpy() -> None:
    x = RNG.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(nt.reverse(x, [0, 2]).numpy(), x[::-1, :, ::-1])
    np.testing.assert_array_equal(nt.roll(x, [1, -2], [1, 2]).numpy(), np.roll(x, (1, -2), (1, 2)))
    np.testing.assert_array_equal(nt.roll(x, 5).numpy(), np.roll(x, 5))


def test_tile_repeat_sum_the_copies_gradients() -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tiled = nt.reduce_sum(np.tile(x, (3, 2)))
        repeated = nt.reduce_sum(np.repeat(x, [2, 5]))
    np.testing.assert_array_equal(tape.gradient(tiled, x).numpy(), [6.0, 6.0])
    np.testing.assert_array_equal(tape.gradient(repeated, x).numpy(), [2.0, 5.0])


def test_pad_tensorflow_form_and_modes() -> None:
    x = RNG.standard_normal((3, 4))
    paddings = [[1, 2], [2, 1]]
    np.testing.assert_array_equal(nt.pad(x, paddings).numpy(), np.pad(x, paddings))
    np.testing.assert_array_equal(nt.pad(x, paddings=paddings, mode="REFLECT").numpy(), np.pad(x, paddings, "reflect"))
    np.testing.assert_array_equal(nt.tile(x, multiples=[2, 1]).numpy(), np.tile(x, (2, 1)))
    np.testing.assert_array_equal(nt.pad(x, paddings, constant_values=2.0).numpy(),
                                  np.pad(x, paddings, constant_values=2.0))
    np.testing.assert_array_equal(nt.pad(x, paddings, "REFLECT").numpy(), np.pad(x, paddings, "reflect"))
    np.testing.assert_array_equal(nt.pad(x, paddings, mode="SYMMETRIC").numpy(), np.pad(x, paddings, "symmetric"))
    np.testing.assert_array_equal(np.pad(nt.constant(x), 5, "reflect").numpy(), np.pad(x, 5, "reflect"))
    np.testing.assert_array_equal(nt.pad(x, nt.constant(paddings, dtype="int32")).numpy(), np.pad(x, paddings))
    check_grads(lambda t: nt.pad(t, paddings, "REFLECT") ** 2, x)
    f32 = nt.pad(nt.constant(x, dtype="float32"), paddings, constant_values=0.5)
    assert f32.dtype == np.float32


def test_tril_keeps_infinities_out_of_the_zeroed_triangle() -> None:
    x = np.array([[1.0, np.inf], [2.0, 3.0]])
    np.testing.assert_array_equal(np.tril(nt.constant(x)).numpy(), np.tril(x))
    np.testing.assert_array_equal(nt.triu(x, 1).numpy(), [[0.0, np.inf], [0.0, 0.0]])


def test_numpy_trace_has_numpy_axes_and_nt_trace_tensorflows() -> None:
    x = RNG.standard_normal((2, 3, 3))
    np.testing.assert_allclose(np.trace(nt.constant(x)).numpy(), np.trace(x))  # axes 0 and 1
    np.testing.assert_allclose(nt.numpy_trace(x, 1, 1, 2).numpy(), np.trace(x, 1, 1, 2))
    np.testing.assert_allclose(nt.trace(x).numpy(), np.trace(x, axis1=-2, axis2=-1))  # batched, last two


@pytest.mark.parametrize("call, error, match", [
    (lambda t: np.flip(t, axis=2), ValueError, r"numtape\.flip: .*axis 2 is out of bounds"),
    (lambda t: np.roll(t, 1.5), TypeError, r"numtape\.roll: shift must be an int"),
    (lambda t: np.rot90(t, axes=(0, 0)), ValueError, r"numtape\.rot90: "),
    (lambda t: np.swapaxes(t, 0, 3), ValueError, r"numtape\.swapaxes: "),
    (lambda t: np.moveaxis(t, (0, 1), (0,)), ValueError, r"numtape\.moveaxis: "),
    (lambda t: np.repeat(t, [1, 2], axis=0), ValueError, r"numtape\.repeat: "),
    (lambda t: np.repeat(t, -1), ValueError, r"numtape\.repeat: repeats must be non-negative"),
    (lambda t: np.tile(t, (-1,)), ValueError, r"numtape\.tile: "),
    (lambda t: np.squeeze(t, axis=0), ValueError, r"numtape\.squeeze: cannot squeeze axis 0"),
    (lambda t: np.expand_dims(t, (0, 0)), ValueError, r"numtape\.expand_dims: repeated axis"),
    (lambda t: np.ravel(t, order="X"), ValueError, r"numtape\.ravel: order"),
    (lambda t: np.sort(t, kind="bogus"), ValueError, r"numtape\.sort: kind"),
    (lambda t: nt.sort(t, direction="UP"), ValueError, r"numtape\.sort: direction"),
    (lambda t: np.pad(t, 1, mode="mean"), ValueError, r"numtape\.pad: mode 'mean' is not supported"),
    (lambda t: np.pad(t, 1, mode="reflect", reflect_type="odd"), ValueError, r"numtape\.pad: reflect_type"),
    (lambda t: np.pad(t, ((1, 2, 3),)), ValueError, r"numtape\.pad: "),
    (lambda t: np.pad(t, 1.5), TypeError, r"numtape\.pad: pad_width must be integers"),
    (lambda t: np.pad(t, 1, mode="edge", constant_values=3.0), ValueError, r"numtape\.pad: constant_values"),
    (lambda t: np.diag(nt.ones((2, 2, 2))), ValueError, r"numtape\.diag: "),
    (lambda t: np.diagonal(t), ValueError, r"numtape\.diagonal: "),
    (lambda t: np.tril(t, 0.5), TypeError, r"numtape\.tril: k must be an int"),
    (lambda t: np.trace(t), ValueError, r"numtape\.trace: .*\[found by numtape\.diagonal\]"),
])
def test_rearranging_errors_name_the_op(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call(nt.constant(np.arange(6.0).reshape(3, 2)[:, 0]))


def test_integer_tensors_are_rearranged_as_data() -> None:
    x = np.arange(12).reshape(3, 4)
    t = nt.constant(x, dtype="int64")
    for got, want in [(np.flip(t, 1), np.flip(x, 1)), (np.rot90(t), np.rot90(x)), (np.tril(t), np.tril(x)),
                      (np.pad(t, 1, constant_values=7), np.pad(x, 1, constant_values=7)),
                      (np.pad(t, 2, mode="symmetric"), np.pad(x, 2, mode="symmetric")),
                      (np.sort(nt.constant(-x, dtype="int64"), axis=0), np.sort(-x, axis=0)), (np.trace(t), np.trace(x)),
                      (np.diag(t, 1), np.diag(x, 1))]:
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        np.testing.assert_array_equal(got.numpy(), want)
