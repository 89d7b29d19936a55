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


# ---------------------------------------------------------------------------
# Composite ops check everything before their first recorded entry
# ---------------------------------------------------------------------------
_A = nt.constant(np.ones((2, 3)))
_V = nt.constant([1.0, 2.0])
_S = nt.constant(0.5)
COMPOSITE_ERRORS = [
    ("matmul_vector_vector", lambda: _V @ nt.ones(3), ValueError, r"matmul.*\(2,\) @ \(3,\)"),
    ("matmul_batch_vector", lambda: nt.matmul(nt.ones((2, 3, 4)), _V), ValueError, r"matmul.*\(2, 3, 4\) @ \(2,\)"),
    ("dot_vectors", lambda: nt.dot(_V, nt.ones(3)), ValueError, r"matmul"),
    ("norm_axis", lambda: nt.norm(_A, axis=3), ValueError, r"norm: axis 3.*rank 2"),
    ("clip_bounds_shape", lambda: nt.clip_by_value(_A, 0.0, np.zeros(4)), ValueError,
     r"clip_by_value.*\(2, 3\), \(\), \(4,\)"),
    ("clip_bound_string", lambda: nt.clip_by_value(_S, 0.0, "hi"), TypeError, r"clip_by_value.*str"),
    ("clip_integer_bound", lambda: nt.clip_by_value(_A, 0.0, nt.constant(1, dtype="int32")), TypeError,
     r"clip_by_value.*int32"),
    ("nested_list_string", lambda: nt.convert_to_tensor([[_S, _S], [_S, "a"]]), TypeError, r"convert_to_tensor.*str"),
    ("nested_list_ragged", lambda: nt.convert_to_tensor([[_S, _S], [_S, _S, _S]]), ValueError,
     r"convert_to_tensor.*\(2,\), \(3,\)"),
    ("constant_nested_ragged", lambda: nt.constant([[_S], [_S, _S]]), ValueError, r"constant.*\(1,\), \(2,\)"),
    ("stack_nested_ragged", lambda: nt.stack([[_S, _S], [_S]]), ValueError, r"stack.*\(2,\), \(1,\)"),
    ("concat_ragged_piece", lambda: nt.concat([_V, [[_S], [_S, _S]]], 0), ValueError, r"concat.*\(1,\), \(2,\)"),
    ("concat_after_good_list", lambda: nt.concat([[_S, _S], _A], 0), ValueError, r"concat.*\(2,\).*\(2, 3\)"),
]


@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("name, call, error, match", COMPOSITE_ERRORS, ids=[c[0] for c in COMPOSITE_ERRORS])
def test_composite_ops_validate_before_recording(name, call, error, match, persistent) -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape(persistent=persistent) as outer:
        with nt.GradientTape(persistent=persistent) as inner:
            inner.watch([x, _A, _V, _S])
            outer.watch([x, _A, _V, _S])
            counts = (inner._tape.buffers.n, outer._tape.buffers.n)
            with pytest.raises(error, match=match):
                call()
            assert (inner._tape.buffers.n, outer._tape.buffers.n) == counts
            y = nt.reduce_sum(x * x * x)
        dy = inner.gradient(y, x)
    np.testing.assert_array_equal(dy.numpy(), [3.0, 12.0])  # 3 x**2
    np.testing.assert_array_equal(outer.gradient(dy, x).numpy(), [6.0, 12.0])  # 6 x


# ---------------------------------------------------------------------------
# Conversions: overflow and non-integers are refused, never silently wrapped
# ---------------------------------------------------------------------------
CONVERSION_ERRORS = [
    ("float_beyond_int64", lambda: nt.constant(1e300, dtype="int64"), ValueError, "constant.*range of int64"),
    ("two_to_63_as_int64", lambda: nt.constant(2.0**63, dtype="int64"), ValueError, "constant.*range of int64"),
    ("tensor_beyond_int32", lambda: nt.constant(nt.constant([1.0, 3e9]), dtype="int32"), ValueError,
     "constant.*range of int32"),
    ("negative_as_uint8", lambda: nt.constant(-1, dtype="uint8"), ValueError, "constant.*overflow uint8"),
    ("int_beyond_uint8", lambda: nt.Variable(300, dtype="uint8"), ValueError, "Variable.*overflow uint8"),
    ("nan_as_int", lambda: nt.constant(np.nan, dtype="int32"), ValueError, "constant.*non-finite"),
    ("huge_python_int", lambda: nt.constant(2**70), ValueError, "constant.*too large for int64"),
    ("huge_int_in_list", lambda: nt.constant([[1, 2**70]]), ValueError, "constant.*too large for int64.*list"),
    ("huge_int_operand", lambda: nt.sin(nt.constant(1.0)) * 10**400, ValueError, "multiply.*too large"),
    ("huge_int_in_list_operand", lambda: nt.add(nt.ones(2), [1, 10**400]), ValueError, "add.*too large"),
    ("float_shape", lambda: nt.reshape(nt.ones(6), (2.5, 2)), TypeError, r"reshape.*\(2.5, 2\)"),
    ("float_multiples", lambda: nt.tile(nt.ones(2), [1.5]), TypeError, r"tile.*\[1.5\]"),
    ("assign_add_shape", lambda: nt.Variable(np.ones((2, 3))).assign_add(np.ones(4)), ValueError,
     r"assign_add.*\(4,\).*\(2, 3\)"),
    ("assign_sub_shape", lambda: nt.Variable(np.ones(2)).assign_sub(np.ones((3, 2))), ValueError,
     r"assign_sub.*\(3, 2\).*\(2,\)"),
]


@pytest.mark.parametrize("name, call, error, match", CONVERSION_ERRORS, ids=[c[0] for c in CONVERSION_ERRORS])
def test_conversions_refuse_overflow_with_a_clear_message(name, call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_exact_integer_conversions_still_work() -> None:
    assert nt.constant(-(2.0**63), dtype="int64").numpy() == -(2**63)
    assert nt.constant(255, dtype="uint8").numpy() == 255
    assert nt.constant(np.float32(3.7), dtype="int32").numpy() == 3  # truncation, as NumPy
    assert nt.constant(2**64 - 1, dtype="uint64").numpy() == 2**64 - 1
    v = nt.Variable(np.ones((2, 3)))
    v.assign_add(1.0)  # a broadcastable delta is fine
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 2.0))


def test_index_errors_name_the_op_and_shape() -> None:
    x = nt.constant(np.ones((2, 3)))
    with nt.GradientTape() as tape:
        tape.watch(x)
        row = x[0]
        before = tape._tape.buffers.n
        with pytest.raises(IndexError, match=r"getitem.*out of bounds.*\(2, 3\)"):
            x[5]
        with pytest.raises(IndexError, match=r"getitem.*out of bounds.*size 3"):
            row[7]
        with pytest.raises(IndexError, match=r"getitem"):
            x[[0, 9]]
        assert tape._tape.buffers.n == before
        y = nt.reduce_sum(x[1] * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 0, 0], [3, 3, 3]])


def test_gradient_of_a_tape_that_never_recorded_says_so() -> None:
    tape = nt.GradientTape(persistent=True)
    with pytest.raises(RuntimeError, match="has not recorded anything.*with nt.GradientTape"):
        tape.gradient(nt.constant(1.0), nt.constant(1.0))
    with pytest.raises(RuntimeError, match="jacobian: this tape has not recorded anything"):
        nt.GradientTape().jacobian(nt.constant(1.0), nt.constant(1.0))
