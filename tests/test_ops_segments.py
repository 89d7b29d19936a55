"""TensorFlow's segment reductions (numtape/ops/segments.py) beyond the generated row tests: the
values of empty segments per dtype, the argument checks, integer data, and the tie rule of the
extremes' gradient (against math: tied maxima share the cotangent equally)."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_segments_give_tensorflows_values(dtype) -> None:
    data = np.array([1.0, -2.0, 3.0], dtype)
    lowest, highest = np.finfo(dtype).min, np.finfo(dtype).max
    got = nt.math.unsorted_segment_max(data, [0, 2, 0], 3)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.array([3.0, lowest, -2.0], dtype))
    np.testing.assert_array_equal(nt.math.unsorted_segment_min(data, [0, 2, 0], 3), np.array([1.0, highest, -2.0], dtype))
    for op in (nt.math.unsorted_segment_sum, nt.math.unsorted_segment_mean):
        assert op(data, [0, 2, 0], 3).numpy()[1] == 0.0
    for op in (nt.math.segment_sum, nt.math.segment_mean, nt.math.segment_max, nt.math.segment_min):
        np.testing.assert_array_equal(op(data, [0, 0, 2]).numpy()[1], 0.0)  # sorted: 0, as TensorFlow's


def test_integer_data_is_reduced_as_data() -> None:
    data = nt.constant([[1, 2], [3, -4], [5, 6]], dtype="int32")  # an integer Tensor (raw ints become floats)
    np.testing.assert_array_equal(nt.math.segment_sum(data, [0, 0, 1]), [[4, -2], [5, 6]])
    np.testing.assert_array_equal(nt.math.segment_mean(data, [0, 0, 1]), [[2, -1], [5, 6]])  # truncated
    np.testing.assert_array_equal(nt.math.unsorted_segment_max(data, [1, 1, -1], 3),
                                  [[np.iinfo(np.int32).min] * 2, [3, 2], [np.iinfo(np.int32).min] * 2])
    assert nt.math.segment_min(data, [0, 1, 1]).dtype == nt.math.segment_mean(data, [0, 1, 1]).dtype == np.int32


@pytest.mark.parametrize("call, error, message", [
    (lambda d: nt.math.segment_sum(d, [1, 0, 2]), ValueError, "segment_sum: segment_ids must be sorted"),
    (lambda d: nt.math.segment_max(d, [-1, 0, 0]), ValueError, "segment_max: segment_ids must be sorted and non-neg"),
    (lambda d: nt.math.segment_mean(d, [0, 0]), ValueError, "segment_mean: segment_ids must be 1-d with one id"),
    (lambda d: nt.math.segment_min(d, [0.0, 0.0, 1.0]), TypeError, "segment_min: segment_ids must be integers"),
    (lambda d: nt.math.unsorted_segment_sum(d, [0, 3, 1], 3), ValueError, "unsorted_segment_sum: segment_ids must be <"),
    (lambda d: nt.math.unsorted_segment_max(d, [0, 1], 3), ValueError, "unsorted_segment_max: segment_ids of shape"),
    (lambda d: nt.math.unsorted_segment_min(d, [0, 1, 1], -1), ValueError, "num_segments must be non-negative"),
    (lambda d: nt.math.unsorted_segment_mean(d, [0, 1, 1], 2.5), TypeError, "num_segments must be an int"),
    (lambda d: nt.math.bincount([0, -1, 2], d), ValueError, "math.bincount: arr must be non-negative"),
    (lambda d: nt.math.bincount([0, 1, 2], d, axis=-1), ValueError, "math.bincount: only axis=None"),
    (lambda d: nt.math.bincount([0, 1], d), ValueError, "math.bincount: weights must have arr's shape"),
])
def test_bad_arguments_raise_naming_the_function(call, error, message: str) -> None:
    with pytest.raises(error, match=message):
        call(np.ones(3))


@pytest.mark.parametrize("op, args", [(nt.math.segment_max, ([0, 0, 0, 1],)),
                                      (nt.math.unsorted_segment_max, ([0, 0, 0, 1], 2))])
def test_tied_maxima_share_the_cotangent_equally(op, args) -> None:
    x = nt.constant(np.array([2.0, 1.0, 2.0, 5.0]))
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(op(x, *args) * np.array([3.0, 7.0]))
    np.testing.assert_allclose(tape.gradient(y, x), [1.5, 0.0, 1.5, 7.0])


def test_empty_segments_pass_no_gradient_to_data() -> None:
    x = nt.constant(np.array([2.0, 1.0]))
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(nt.math.unsorted_segment_min(x, [0, 2], 4))
    np.testing.assert_allclose(tape.gradient(y, x), [1.0, 1.0])
