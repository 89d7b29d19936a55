"""TensorFlow's indexing ops (numtape/ops/tf_indexing.py) beyond the generated row tests: top_k's
tie order and its indices in ``nt.function`` replays, and the argument checks."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


def test_top_k_ties_keep_the_lower_index_first_and_take_their_own_cotangent() -> None:
    x = nt.constant(np.array([1.0, 3.0, 2.0, 3.0]))
    with nt.GradientTape() as tape:
        tape.watch(x)
        result = nt.math.top_k(x, k=3)
        y = nt.reduce_sum(result.values * np.array([10.0, 20.0, 30.0]))
    assert nt.nn.top_k is nt.math.top_k
    np.testing.assert_array_equal(result.indices, [1, 3, 2])
    assert result.indices.dtype == np.int32
    np.testing.assert_allclose(tape.gradient(y, x), [0.0, 10.0, 30.0, 20.0])


def test_top_k_indices_replay_only_where_a_new_sort_gives_them() -> None:
    f = nt.function(lambda x: nt.math.top_k(x, k=2).indices)
    for values in ([1.0, 3.0, 2.0], [1.0, 4.0, 2.0], [3.0, 1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, 5.0]):
        expected = np.argsort(-np.asarray(values), kind="stable")[:2]
        np.testing.assert_array_equal(f(np.asarray(values)), expected, err_msg=str(values))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: nt.math.top_k(x, k=4), ValueError, "math.top_k: k = 4 must be in"),
    (lambda x: nt.math.top_k(x, k=1.5), TypeError, "math.top_k: k must be an int"),
    (lambda x: nt.boolean_mask(x, [1, 0, 1]), TypeError, "boolean_mask: mask must be boolean"),
    (lambda x: nt.boolean_mask(x, [True, False]), ValueError, "boolean_mask: mask of shape"),
    (lambda x: nt.gather_nd(x, [[3]]), ValueError, "gather_nd: indices out of range"),
    (lambda x: nt.gather_nd(x, [[0, 1]]), ValueError, "gather_nd: indices of shape"),
    (lambda x: nt.scatter_nd([[0], [1]], x, [4]), ValueError, "scatter_nd: updates must have shape"),
    (lambda x: nt.add_n([x, x[:2]]), ValueError, "add_n: inputs must all have the same shape"),
    (lambda x: nt.add_n(x), TypeError, "add_n: inputs must be a non-empty list"),
    (lambda x: nt.clip_by_norm(x, -1.0), ValueError, "clip_by_norm: clip_norm must be a non-negative scalar"),
    (lambda x: nt.math.polyval(x, x), ValueError, "math.polyval: coeffs must be a list"),
])
def test_bad_arguments_raise_naming_the_function(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call(nt.constant(np.array([1.0, 2.0, 3.0])))


def test_polyval_of_no_coefficients_is_zero_and_scatter_nd_of_integers_is_data() -> None:
    np.testing.assert_array_equal(nt.math.polyval([], np.array([1.0, 2.0])), [0.0, 0.0])
    got = nt.scatter_nd([[1], [1]], nt.constant([2, 3], dtype="int64"), [3])
    np.testing.assert_array_equal(got, [0, 5, 0])
    assert got.dtype.kind == "i"
