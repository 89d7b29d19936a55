"""Errors name the op, shapes and dtypes; they come before any append, so tapes stay usable."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

BAD = ["a string", None, 1 + 2j, np.array(["x"]), np.array([object()], dtype=object), [[1.0], [1.0, 2.0]]]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("op", [nt.sin, nt.exp, nt.reduce_sum, nt.softmax, nt.transpose, nt.norm])
def test_unary_ops_refuse_bad_input_and_tape_stays_usable(op, bad) -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        before = tape._tape.buffers.n
        with pytest.raises((TypeError, ValueError)) as info:
            op(bad)
        assert op.__name__ in str(info.value)
        assert tape._tape.buffers.n == before
        y = nt.reduce_sum(x * x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])


@pytest.mark.parametrize("bad", BAD, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("op", [nt.add, nt.multiply, nt.divide, nt.pow, nt.maximum, nt.matmul, nt.atan2])
def test_binary_ops_refuse_bad_input(op, bad) -> None:
    x = nt.constant([1.0, 2.0])
    with pytest.raises((TypeError, ValueError)) as info:
        op(x, bad)
    assert op.__name__ in str(info.value)


def test_mismatched_shapes_name_both_shapes_and_leave_the_tape_usable() -> None:
    x = nt.constant(np.ones((2, 3)))
    with nt.GradientTape() as tape:
        tape.watch(x)
        before = tape._tape.buffers.n
        with pytest.raises(ValueError, match=r"multiply.*\(2, 3\).*\(4,\)"):
            x * nt.ones(4)
        assert tape._tape.buffers.n == before
        y = nt.reduce_sum(x * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.full((2, 3), 2.0))


def test_tape_method_errors_are_clear() -> None:
    x = nt.constant(1.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match="watch"):
            tape.watch("x")
        with pytest.raises(TypeError, match="dtype int"):
            tape.watch(nt.constant([1, 2], dtype="int32"))
        y = x * x
    with pytest.raises(TypeError, match="target"):
        tape.gradient(3.0, x)
    with pytest.raises(TypeError, match="sources"):
        tape.gradient(y, [x, "not a tensor"])
    with pytest.raises(ValueError, match="output_gradients"):
        tape.gradient(y, x, output_gradients=nt.ones(3))
    assert tape.gradient(y, x).numpy() == 2.0  # none of the errors above consumed the tape
