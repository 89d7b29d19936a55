"""Joining and splitting beyond the generated row tests: pieces of different shapes,
TensorFlow's split against NumPy's, errors, and data (integer) tensors."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape.testing import check_grads

RNG = np.random.default_rng(3)


def test_concatenate_and_append_of_uneven_pieces_are_differentiable_to_second_order() -> None:
    a, b, c = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 1)), RNG.standard_normal((2, 4))
    np.testing.assert_array_equal(nt.concatenate([a, b, c], axis=1).numpy(), np.concatenate([a, b, c], axis=1))
    check_grads(lambda x, y, z: nt.concatenate([x, y, z], axis=-1) ** 2, a, b, c)
    check_grads(lambda x, y, z: np.concatenate((x, y, z), axis=None) ** 2, a, b, c)
    check_grads(lambda x, y: np.append(x, y, axis=1) ** 3, a, b)
    check_grads(lambda x, y: np.vstack([x, y]) ** 2, RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    check_grads(lambda x, y: np.hstack([x, y]) ** 2, a, b)
    check_grads(lambda x, y: np.column_stack([x, y]) ** 2, RNG.standard_normal(2), b)
    check_grads(lambda x, y: np.dstack([x, y]) ** 2, a, a + 1.0)
    check_grads(lambda x, y: np.stack([x, y], axis=1) ** 2, a, a + 1.0)


def test_stacking_lists_mixing_tensors_and_constants_keeps_float32() -> None:
    x = nt.constant(np.ones((2, 2), np.float32))
    assert np.vstack([x, np.zeros((1, 2), np.float32)]).dtype == np.float32
    assert nt.concatenate((x, x), axis=0).shape == (4, 2)
    assert np.row_stack is not None  # NumPy 2.4 still has it: a deprecated alias of vstack
    with pytest.warns(DeprecationWarning):
        assert np.row_stack([x, x]).shape == (4, 2)


def test_tensorflow_split_takes_counts_or_sizes_numpy_split_takes_sections_or_indices() -> None:
    x = np.arange(12.0).reshape(2, 6)
    t = nt.constant(x)
    tf_sizes = nt.split(t, [1, 2, 3], axis=1)
    assert [p.shape for p in tf_sizes] == [(2, 1), (2, 2), (2, 3)]
    np_indices = np.split(t, [1, 2, 3], axis=1)  # pieces start at 1, 2, 3: sizes 1, 1, 1, 3
    assert [p.shape for p in np_indices] == [(2, 1), (2, 1), (2, 1), (2, 3)]
    for got, want in zip(np_indices, np.split(x, [1, 2, 3], axis=1)):
        np.testing.assert_array_equal(got.numpy(), want)
    assert [p.shape for p in nt.numpy_split(t, [1, 2, 3], axis=1)] == [(2, 1), (2, 1), (2, 1), (2, 3)]
    assert [p.shape for p in nt.split(t, 3, axis=1)] == [(2, 2)] * 3
    assert [p.shape for p in nt.split(t, [4, -1], axis=1)] == [(2, 4), (2, 2)]
    assert [p.shape for p in np.array_split(t, 4, axis=1)] == [(2, 2), (2, 2), (2, 1), (2, 1)]


def test_unstack_gives_the_slices() -> None:
    x = RNG.standard_normal((2, 3, 4))
    pieces = nt.unstack(nt.constant(x), axis=1)
    assert len(pieces) == 3
    for k, p in enumerate(pieces):
        np.testing.assert_array_equal(p.numpy(), x[:, k])
    check_grads(lambda t: nt.unstack(t, axis=-1)[2] * nt.unstack(t, axis=-1)[0], x)


@pytest.mark.parametrize("call, error, match", [
    (lambda t: nt.split(t, 4), ValueError, r"numtape\.split: cannot split axis 0 of size 6 into 4"),
    (lambda t: nt.split(t, [2, 2]), ValueError, r"numtape\.split: sizes \[2, 2\] do not add up"),
    (lambda t: nt.split(t, [-1, -1, 2]), ValueError, r"numtape\.split: .*at most one -1"),
    (lambda t: nt.split(t, 3, num=2), ValueError, r"numtape\.split: num=2"),
    (lambda t: np.split(t, 4), ValueError, r"numtape\.split: array split does not result in an equal"),
    (lambda t: np.split(t, 0), ValueError, r"numtape\.split: the number of sections"),
    (lambda t: np.split(t, 2.5), TypeError, r"numtape\.split: indices_or_sections must be integers"),
    (lambda t: np.vsplit(t, 2), ValueError, r"numtape\.vsplit: .*2 or more dimensions"),
    (lambda t: np.dsplit(t, 2), ValueError, r"numtape\.dsplit: .*3 or more dimensions"),
    (lambda t: nt.unstack(t, num=5), ValueError, r"numtape\.unstack: num=5"),
    (lambda t: np.concatenate([t, nt.ones((2, 2))]), ValueError, r"numtape\.concatenate: shapes"),
    (lambda t: nt.concatenate([]), ValueError, r"numtape\.concatenate: need at least one"),
    (lambda t: np.concatenate([t], out=np.zeros(6)), TypeError, r"numtape\.concatenate: out not supported"),
    (lambda t: np.stack([t, nt.ones(5)]), ValueError, r"numtape\.stack: all shapes must be equal"),
    (lambda t: np.hstack([nt.ones((2, 2)), nt.ones((3, 2))]), ValueError, r"numtape\.hstack: shapes"),
    (lambda t: nt.concatenate(5.0), TypeError, r"numtape\.concatenate: arrays must be a list"),
    (lambda t: np.append(nt.ones((2, 2)), nt.ones((2, 3)), axis=0), ValueError, r"numtape\.append: shapes"),
])
def test_joining_errors_name_the_op(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call(nt.constant(np.arange(6.0)))


def test_integer_tensors_are_joined_and_split_as_data() -> None:
    t = nt.constant(np.arange(6), dtype="int64")
    pieces = np.split(t, 3)
    assert all(p.dtype == np.int64 for p in pieces)
    np.testing.assert_array_equal(pieces[2].numpy(), [4, 5])
    joined = np.concatenate([t, t])
    assert joined.dtype == np.int64 and joined.shape == (12,)
    assert nt.split(t, [1, 5])[1].dtype == np.int64


def test_split_replays_compiled() -> None:
    f = nt.function(lambda x: nt.reduce_sum(nt.split(x, [1, 2], axis=1)[1] ** 2)
                    + nt.reduce_sum(np.array_split(x, 2)[0] * 3.0))
    for _ in range(3):
        x = RNG.standard_normal((3, 3))
        value, grad = f.value_and_grad(x)
        expected = 2 * np.pad(x[:, 1:], ((0, 0), (1, 0))) + np.vstack([3.0 * np.ones((2, 3)), np.zeros((1, 3))])
        np.testing.assert_allclose(value, np.sum(x[:, 1:] ** 2) + 3 * np.sum(x[:2]))
        np.testing.assert_allclose(grad, expected)
