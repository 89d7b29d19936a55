"""Variable: assignment, auto-watching, trainable flag, reads summed over assignments."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


def test_assign_and_friends() -> None:
    v = nt.Variable([1.0, 2.0], name="w")
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub(nt.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    assert v.name == "w" and v.trainable and v.shape == (2,) and v.dtype == np.float64
    assert isinstance(v.value(), nt.Tensor)
    with pytest.raises(ValueError, match="shape"):
        v.assign([1.0, 2.0, 3.0])


def test_trainable_variable_is_watched_automatically() -> None:
    v = nt.Variable(3.0)
    with nt.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v).numpy() == 6.0
    assert tape.watched_variables() == (v,)


def test_non_trainable_or_unwatched_variables_have_no_gradient() -> None:
    frozen = nt.Variable(3.0, trainable=False)
    v = nt.Variable(2.0)
    with nt.GradientTape() as tape:
        y = frozen * v
    assert tape.gradient(y, [frozen, v])[0] is None
    with nt.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with nt.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * v
    assert tape.gradient(y, v).numpy() == 4.0


def test_gradient_sums_over_reads_across_assignments() -> None:
    v = nt.Variable(2.0)
    with nt.GradientTape() as tape:
        a = v * 3.0  # read of the value 2
        v.assign(5.0)
        b = v * v  # reads of the value 5
        y = a + b
    assert tape.gradient(y, v).numpy() == 3.0 + 10.0


def test_variables_take_part_in_every_op() -> None:
    v = nt.Variable([[1.0, 2.0], [3.0, 4.0]])
    with nt.GradientTape() as tape:
        y = nt.reduce_sum(nt.matmul(v, v) + v[0] - abs(-v) + v ** 2 / 2)
    expected = (np.ones((2, 2)) @ v.numpy().T + v.numpy().T @ np.ones((2, 2))) + np.array([[2, 2], [0, 0]]) - 1 + v.numpy()
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), expected)
