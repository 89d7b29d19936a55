"""Errors name the op, shapes and dtypes; they come before any append, so tapes stay usable."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

BAD = {
    "str": "a string",
    "None": None,
    "bytes": b"1.0",
    "complex": 1 + 2j,
    "numpy_complex": np.complex128(1j),
    "complex_array": np.array([1.0, 2j]),
    "string_array": np.array(["x"]),
    "object_array": np.array([object()], dtype=object),
    "ragged_list": [[1.0], [1.0, 2.0]],
    "huge_int": 10**400,
    "huge_int_in_list": [10**400, 1],
    "dict": {"a": 1.0},
    "set": {1.0},
    "datetime": np.datetime64("2020-01-01"),
    "function": len,
}

_X = nt.constant([1.0, 2.0])
# Every public op, with the bad value in each value position: (op name, call).
OPS_WITH_BAD_INPUT = [(name, (lambda f: lambda b: f(b))(getattr(nt, name))) for name in [
    "abs", "acos", "asin", "atan", "cos", "cosh", "exp", "expm1", "identity", "log", "log1p", "negative",
    "reciprocal", "relu", "sigmoid", "sign", "sin", "sinh", "softplus", "sqrt", "square", "tan", "tanh",
    "reduce_sum", "reduce_mean", "reduce_prod", "reduce_max", "reduce_min", "reduce_logsumexp", "norm",
    "softmax", "log_softmax", "transpose", "trace", "squeeze", "ones_like", "zeros_like", "constant",
    "convert_to_tensor", "stop_gradient", "Variable",
]]
for _name in ["add", "subtract", "multiply", "divide", "pow", "atan2", "maximum", "minimum", "mod",
              "floor_divide", "matmul", "dot", "tensordot"]:
    _f = getattr(nt, _name)
    OPS_WITH_BAD_INPUT.append((_name, (lambda f: lambda b: f(_X, b))(_f)))
    OPS_WITH_BAD_INPUT.append((_name, (lambda f: lambda b: f(b, _X))(_f)))
OPS_WITH_BAD_INPUT += [
    ("pow", lambda b: nt.pow(b, 2)),  # exponent 2 records square, but the error is pow's
    ("where", lambda b: nt.where([True, False], b, _X)),
    ("where", lambda b: nt.where([True, False], _X, b)),
    ("clip_by_value", lambda b: nt.clip_by_value(b, 0.0, 1.0)),
    ("clip_by_value", lambda b: nt.clip_by_value(_X, b, 1.0)),
    ("clip_by_value", lambda b: nt.clip_by_value(_X, 0.0, b)),
    ("reshape", lambda b: nt.reshape(b, (-1,))),
    ("expand_dims", lambda b: nt.expand_dims(b, 0)),
    ("broadcast_to", lambda b: nt.broadcast_to(b, (2, 2))),
    ("tile", lambda b: nt.tile(b, (2,))),
    ("gather", lambda b: nt.gather(b, [0])),
    ("getitem", lambda b: nt.getitem(b, 0)),
    ("concat", lambda b: nt.concat([_X, b], 0)),
    ("stack", lambda b: nt.stack([_X, b])),
    ("fill", lambda b: nt.fill((2,), b)),
    ("linspace", lambda b: nt.linspace(b, 1.0, 3)),
    ("range", lambda b: nt.range(b)),
    ("Variable.assign", lambda b: nt.Variable([1.0, 2.0]).assign(b)),
    ("Variable.assign_add", lambda b: nt.Variable([1.0, 2.0]).assign_add(b)),
    ("Variable.assign_sub", lambda b: nt.Variable([1.0, 2.0]).assign_sub(b)),
]


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
@pytest.mark.parametrize("name, call", OPS_WITH_BAD_INPUT, ids=[f"{n}-{k}" for k, (n, _) in enumerate(OPS_WITH_BAD_INPUT)])
def test_every_op_refuses_bad_input_and_every_tape_stays_usable(name, call, bad) -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape() as outer:  # non-persistent outside, persistent inside
        with nt.GradientTape(persistent=True) as inner:
            inner.watch(x)
            outer.watch(x)
            counts = (inner._tape.buffers.n, outer._tape.buffers.n)
            with pytest.raises((TypeError, ValueError)) as info:
                call(bad)
            message = str(info.value)
            assert f"numtape.{name}:" in message, message  # names the op ...
            assert "(got " in message or "shape" in message, message  # ... and what it was given
            assert (inner._tape.buffers.n, outer._tape.buffers.n) == counts  # nothing was appended
            y = nt.reduce_sum(x * x * x)
        dy = inner.gradient(y, x)
        np.testing.assert_array_equal(inner.gradient(y, x).numpy(), [3.0, 12.0])  # persistent: again
    np.testing.assert_array_equal(dy.numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(outer.gradient(dy, x).numpy(), [6.0, 12.0])


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
    ("dot_vectors", lambda: nt.dot(_V, nt.ones(3)), ValueError, r"dot: shapes \(2,\) and \(3,\)"),
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


# ---------------------------------------------------------------------------
# Tape methods: each misuse has a clear message and consumes nothing
# ---------------------------------------------------------------------------
TAPE_MISUSE = [  # (id, call(tape, x, y), error, message pattern)
    ("watch_None", lambda t, x, y: t.watch(None), TypeError, "watch: expected Tensors or Variables, got NoneType"),
    ("watch_string", lambda t, x, y: t.watch("x"), TypeError, "watch: expected Tensors or Variables, got str"),
    ("watch_ndarray", lambda t, x, y: t.watch(np.ones(2)), TypeError, r"watch.*ndarray\(shape=\(2,\)"),
    ("watch_float", lambda t, x, y: t.watch(1.5), TypeError, "watch.*got float"),
    ("watch_int_tensor", lambda t, x, y: t.watch(nt.constant([1, 2], dtype="int64")), TypeError,
     "watch: cannot watch a tensor of dtype int64; only float"),
    ("watch_bool_tensor", lambda t, x, y: t.watch(nt.constant([True], dtype=bool)), TypeError, "dtype bool"),
    ("watch_int_variable", lambda t, x, y: t.watch(nt.Variable([1], dtype="int32")), TypeError, "dtype int32"),
    ("watch_list_with_None", lambda t, x, y: t.watch([x, None]), TypeError, "got NoneType"),
    ("target_None", lambda t, x, y: t.gradient(None, x), TypeError, "gradient: target is None"),
    ("target_ndarray", lambda t, x, y: t.gradient(np.ones(2), x), TypeError, r"target must be a Tensor.*ndarray"),
    ("target_float", lambda t, x, y: t.gradient(2.0, x), TypeError, "target must be a Tensor.*got float"),
    ("target_list_with_string", lambda t, x, y: t.gradient([y, "y"], x), TypeError, "target.*got str"),
    ("sources_None", lambda t, x, y: t.gradient(y, None), TypeError, "gradient: sources is None"),
    ("sources_ndarray", lambda t, x, y: t.gradient(y, np.ones(2)), TypeError, r"sources must be Tensors.*ndarray"),
    ("sources_float", lambda t, x, y: t.gradient(y, 1.0), TypeError, "sources must be Tensors.*got float"),
    ("sources_string", lambda t, x, y: t.gradient(y, "x"), TypeError, "sources.*got str"),
    ("sources_dict_with_int", lambda t, x, y: t.gradient(y, {"a": x, "b": 3}), TypeError, "sources.*got int"),
    ("sources_set", lambda t, x, y: t.gradient(y, {x}), TypeError, "sources.*got set"),
    ("sources_generator", lambda t, x, y: t.gradient(y, (s for s in [x])), TypeError, "sources.*got generator"),
    ("unconnected_bogus", lambda t, x, y: t.gradient(y, x, unconnected_gradients="maybe"), ValueError,
     "unconnected_gradients: 'maybe'"),
    ("output_gradients_string", lambda t, x, y: t.gradient(y, x, output_gradients="a"), TypeError,
     "gradient: expected a number.*got str"),
    ("output_gradients_complex", lambda t, x, y: t.gradient(y, x, output_gradients=1j), TypeError, "complex"),
    ("output_gradients_shape", lambda t, x, y: t.gradient(y, x, output_gradients=nt.ones(3)), ValueError,
     r"output_gradients of shape \(3,\) for a target of shape \(\)"),
    ("output_gradients_count", lambda t, x, y: t.gradient([y, y], x, output_gradients=[1.0]), ValueError,
     "2 targets but 1 output_gradients"),
    ("jacobian_list_target", lambda t, x, y: t.jacobian([y], x), TypeError, "jacobian: target must be a single"),
    ("jacobian_sources_None", lambda t, x, y: t.jacobian(y, None), TypeError, "jacobian: sources is None"),
    ("batch_jacobian_batch_sizes", lambda t, x, y: t.batch_jacobian(nt.ones((2, 1)), nt.ones((3, 2))), ValueError,
     r"batch_jacobian: Need first dimension of target shape \(2, 1\) and source shape \(3, 2\) to match"),
    ("batch_jacobian_rank_1_target", lambda t, x, y: t.batch_jacobian(x * 2.0, nt.ones((2, 2))), ValueError,
     r"batch_jacobian: Shape \(2,\) must have rank at least 2"),
    ("batch_jacobian_scalar", lambda t, x, y: t.batch_jacobian(y, x), ValueError,
     r"batch_jacobian: Shape \(\) must have rank at least 2"),
    ("jacobian_parallel_iterations_string", lambda t, x, y: t.jacobian(y, x, parallel_iterations="2"), TypeError,
     "jacobian: parallel_iterations must be None or a positive integer, got str"),
    ("batch_jacobian_list", lambda t, x, y: t.batch_jacobian(x * 2.0, [x]), TypeError, "batch_jacobian: sources"),
]


@pytest.mark.parametrize("persistent", [False, True], ids=["non_persistent", "persistent"])
@pytest.mark.parametrize("name, call, error, match", TAPE_MISUSE, ids=[c[0] for c in TAPE_MISUSE])
def test_tape_misuse_is_refused_clearly_and_consumes_nothing(name, call, error, match, persistent) -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape(persistent=persistent) as tape:
        tape.watch(x)
        y = nt.reduce_sum(x * x)
        if name.startswith("watch"):
            with pytest.raises(error, match=match):
                call(tape, x, y)
    if not name.startswith("watch"):
        with pytest.raises(error, match=match):
            call(tape, x, y)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])  # the tape still answers


def test_state_misuse_is_refused_clearly() -> None:
    x = nt.constant(3.0)
    tape = nt.GradientTape()
    with pytest.raises(ValueError, match="watch: the tape is not recording"):
        tape.watch(x)
    with pytest.raises(ValueError, match="stop_recording: the tape is not recording"):
        with tape.stop_recording():
            pass
    with tape:
        with pytest.raises(ValueError, match="re-enter an already-active tape"):
            tape.__enter__()
        tape.watch(x)
        y = x * x
    tape.reset()
    with pytest.raises(RuntimeError, match="gradient: this tape was reset outside its `with` block"):
        tape.gradient(y, x)
    with tape:  # recording again after the reset works
        tape.watch(x)
        y = x * x * x
    assert tape.gradient(y, x).numpy() == 27.0
    with pytest.raises(RuntimeError, match="^GradientTape.gradient can only be called once on non-persistent tapes.$"):
        tape.gradient(y, x)


def test_an_exception_inside_the_block_leaves_no_tape_recording_and_the_tape_usable() -> None:
    from numtape._state import state

    x = nt.constant(2.0)
    for persistent in (False, True):
        with pytest.raises(ZeroDivisionError):
            with nt.GradientTape(persistent=persistent) as tape:
                tape.watch(x)
                y = x * x
                1 / 0
        assert state.stack == []
        assert tape.gradient(y, x).numpy() == 4.0


def test_a_failing_custom_gradient_leaves_persistent_and_outer_tapes_usable() -> None:
    from numtape._state import state

    @nt.custom_gradient
    def broken(t):
        def grad(dy):
            raise ValueError("broken grad_fn")

        return t * 1.0, grad

    x = nt.constant(3.0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape(persistent=True) as inner:
            inner.watch(x)
            bad = broken(x)
            good = x * x
        with pytest.raises(ValueError, match="broken grad_fn"):
            inner.gradient(bad, x)  # recorded path: outer is recording
        dgood = inner.gradient(good, x)
    assert dgood.numpy() == 6.0
    assert outer.gradient(dgood, x).numpy() == 2.0
    with pytest.raises(ValueError, match="broken grad_fn"):
        inner.gradient(bad, x)  # fast path
    assert inner.gradient(good, x).numpy() == 6.0
    assert state.stack == []


def test_delegating_ops_name_themselves_in_errors() -> None:
    """Found by fuzzing: range() with an array said 'only 0-dimensional arrays can be converted',
    and dot() with unaligned shapes named matmul."""
    with pytest.raises(ValueError, match=r"numtape.range: limit must be a scalar, got shape \(0,\)"):
        nt.range(np.array([]))
    with pytest.raises(ValueError, match=r"numtape.range: delta must be a scalar, got shape \(2,\)"):
        nt.range(0.0, 5.0, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"numtape.dot: shapes \(2,\) and \(3,\) are not aligned"):
        nt.dot(nt.ones(2), nt.ones(3))
    with pytest.raises(ValueError, match=r"numtape.dot: shapes \(2, 2, 3\) and \(4, 2\) are not aligned"):
        nt.dot(nt.ones((2, 2, 3)), nt.ones((4, 2)))
    np.testing.assert_array_equal(nt.dot(nt.ones((2, 3)), nt.ones((2, 3, 4))).numpy(),
                                  np.dot(np.ones((2, 3)), np.ones((2, 3, 4))))
