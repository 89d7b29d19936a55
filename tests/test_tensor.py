"""Tensor: creation, dtype policy, metadata, conversions, repr, immutability, refusals."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtape as nt


def test_python_numbers_become_float64() -> None:
    for value in (3, 3.0, True):
        t = nt.constant(value)
        assert t.dtype == np.float64 and t.shape == () and t.ndim == 0 and t.size == 1
    assert nt.constant([1, 2]).dtype == np.float64
    assert nt.constant(np.array([1, 2], np.int32)).dtype == np.float64
    assert nt.constant(np.array([True, False])).dtype == np.float64


def test_float32_stays_float32_and_dtype_argument_wins() -> None:
    assert nt.constant(np.float32(1.5)).dtype == np.float32
    assert nt.constant(np.ones(3, np.float32)).dtype == np.float32
    assert nt.constant([1, 2], dtype="float32").dtype == np.float32
    assert nt.constant([1.5, 2.5], dtype=np.int32).dtype == np.int32
    assert nt.constant(np.ones(2, np.float16)).dtype == np.float64


def test_constant_copies_its_input() -> None:
    a = np.array([1.0, 2.0])
    t = nt.constant(a)
    a[0] = 100.0
    assert t.numpy()[0] == 1.0


def test_metadata_and_conversions() -> None:
    t = nt.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(t), [[1, 2, 3], [4, 5, 6]])
    s = nt.constant(2.5)
    assert float(s) == 2.5 and int(s) == 2 and bool(s) is True
    assert isinstance(s.numpy(), np.float64)
    assert [float(row[0]) for row in t] == [1.0, 4.0]


def test_numpy_returns_a_copy_and_asarray_is_read_only() -> None:
    t = nt.constant([1.0, 2.0])
    n = t.numpy()
    n[0] = 9.0
    assert t.numpy()[0] == 1.0
    with pytest.raises(ValueError):
        np.asarray(t)[0] = 9.0


def test_scalar_only_conversions_refuse_arrays() -> None:
    t = nt.constant([1.0, 2.0])
    with pytest.raises(TypeError):
        float(t)
    with pytest.raises(ValueError):
        bool(t)
    with pytest.raises(TypeError):
        len(nt.constant(1.0))
    with pytest.raises(TypeError):
        iter(nt.constant(1.0)).__next__()


def test_repr_matches_tensorflow_style() -> None:
    assert repr(nt.constant(8.0)) == "nt.Tensor(8.0, shape=(), dtype=float64)"
    assert repr(nt.constant(np.float32(6.0))) == "nt.Tensor(6.0, shape=(), dtype=float32)"
    assert str(nt.ones((2, 2))) == "nt.Tensor(\n[[1. 1.]\n [1. 1.]], shape=(2, 2), dtype=float64)"


def test_item_assignment_is_refused() -> None:
    t = nt.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="immutable"):
        t[0] = 1.0


@pytest.mark.parametrize("bad", ["text", None, 1 + 2j, np.array([1 + 1j]), [1, "a"], {"a": 1}, object()])
def test_refused_inputs(bad: object) -> None:
    with pytest.raises(TypeError):
        nt.constant(bad)


def test_ragged_and_overflowing_inputs_are_value_errors() -> None:
    with pytest.raises(ValueError, match="constant"):
        nt.constant([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="too large"):
        nt.constant(10**400)
    with pytest.raises(ValueError, match="overflow"):
        nt.constant([300], dtype=np.int8)


def test_comparisons_return_numpy_bools() -> None:
    x = nt.constant(2.0)
    assert isinstance(x > 1, np.bool_) and bool(x > 1)
    assert not (x < 1)
    np.testing.assert_array_equal(nt.constant([1.0, 3.0]) >= 2.0, [False, True])
    assert (x == None) is False  # noqa: E711


def test_tensor_constructor_and_convert_to_tensor_pass_through() -> None:
    t = nt.Tensor([1.0, 2.0])
    assert nt.convert_to_tensor(t) is t
    assert nt.convert_to_tensor(3).dtype == np.float64


def test_convert_to_tensor_stacks_a_list_of_tensors_differentiably() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        v = nt.convert_to_tensor([x, x * x])
        y = nt.reduce_sum(v)
    assert v.shape == (2,)
    assert tape.gradient(y, x).numpy() == 5.0


# ---------------------------------------------------------------------------
# Lists holding Tensors and Variables are packed by a recorded stack (TF's auto-packing)
# ---------------------------------------------------------------------------
def _grads(build, *sources):
    with nt.GradientTape() as tape:
        tape.watch([s for s in sources if isinstance(s, nt.Tensor)])
        y = nt.reduce_sum(build())
    return [g.numpy() for g in tape.gradient(y, list(sources), unconnected_gradients="zero")]


def test_convert_to_tensor_packs_nested_lists_of_tensors_variables_and_numbers() -> None:
    x, v = nt.constant(1.5), nt.Variable(2.0)
    value = nt.convert_to_tensor([[x, 1.0], (np.float32(2.0), v), [np.array(3.0), x * v]])
    np.testing.assert_array_equal(value.numpy(), [[1.5, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert value.dtype == np.float64
    # sum = x + 1 + 2 + v + 3 + x v: d/dx = 1 + v = 3, d/dv = 1 + x = 2.5
    assert _grads(lambda: nt.convert_to_tensor([[x, 1.0], (np.float32(2.0), v), [np.array(3.0), x * v]]),
                  x, v) == [3.0, 2.5]


def test_convert_to_tensor_of_a_variable_is_a_recorded_read() -> None:
    v = nt.Variable([1.0, 2.0])
    with nt.GradientTape() as tape:
        y = nt.reduce_sum(nt.convert_to_tensor(v) * nt.convert_to_tensor([v, v]))  # 2 sum(v^2)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [4.0, 8.0])


def test_packed_lists_take_numpys_shape_and_dtype() -> None:
    x32 = nt.constant(np.array([1.0, 2.0], np.float32))
    assert nt.convert_to_tensor([x32, x32]).dtype == np.float32
    assert nt.convert_to_tensor([x32, np.ones(2, np.float32)]).dtype == np.float32
    assert nt.convert_to_tensor([x32, [1.0, 2.0]]).dtype == np.array([np.ones(2, np.float32), [1.0, 2.0]]).dtype
    i = nt.constant([1, 2], dtype=np.int32)
    assert nt.convert_to_tensor([i, i]).dtype == np.int32 and nt.convert_to_tensor([i, i]).shape == (2, 2)
    assert nt.convert_to_tensor([x32, i]).shape == (2, 2)
    with pytest.raises(ValueError, match="convert_to_tensor: cannot stack"):
        nt.convert_to_tensor([nt.constant(1.0), [1.0]])  # ragged, as in NumPy


def test_constant_of_a_list_holding_tensors_is_a_constant_as_tf_constant() -> None:
    # tf.constant converts a list with EagerTensor(value): no gradient; a Tensor passes through
    x = nt.constant(1.5)
    with nt.GradientTape() as tape:
        tape.watch(x)
        c = nt.constant([x, 2 * x])
        same = nt.constant(x * 2.0)
        y = nt.reduce_sum(c) + same
    np.testing.assert_array_equal(c.numpy(), [1.5, 3.0])
    assert tape.gradient(y, x).numpy() == 2.0  # through the passed-through Tensor only


_OPS = {  # op on the packed value P, and d sum(W * op(P)) / dP (W: weights of op's output shape)
    "reduce_sum": (lambda p, b: nt.reduce_sum(p), lambda P, W, B: np.broadcast_to(W, P.shape)),
    "sin": (lambda p, b: nt.sin(p), lambda P, W, B: W * np.cos(P)),
    "multiply": (lambda p, b: nt.multiply(p, p), lambda P, W, B: 2.0 * W * P),
    "matmul": (lambda p, b: nt.matmul(p, b), lambda P, W, B: np.matmul(W, B.T)),
    "convert_to_tensor": (lambda p, b: nt.convert_to_tensor(p), lambda P, W, B: W),
}


@st.composite
def _nested(draw):
    leaf_shape = draw(st.sampled_from([(), (2,)]))
    dims = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    kinds = ["tensor", "x", "variable", "array", "list" if leaf_shape else "float"]
    if not leaf_shape:
        kinds.append("npscalar")
    leaves = draw(st.lists(st.sampled_from(kinds), min_size=int(np.prod(dims)), max_size=int(np.prod(dims))))
    tuples = draw(st.booleans())
    return leaf_shape, dims, leaves, tuples, draw(st.sampled_from(sorted(_OPS))), draw(st.integers(0, 2**16))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_nested())
def test_ops_differentiate_nested_lists_of_tensors_exactly(case) -> None:
    leaf_shape, dims, leaves, tuples, op, seed = case
    rng = np.random.default_rng(seed)
    x = nt.constant(rng.uniform(-1, 1, leaf_shape))
    v = nt.Variable(rng.uniform(-1, 1, leaf_shape))
    coef = rng.uniform(-2, 2, len(leaves))
    consts = [rng.uniform(-1, 1, leaf_shape) for _ in leaves]
    P = np.zeros(dims + leaf_shape)
    dx = np.zeros(dims + leaf_shape)  # dP/dx per position (x enters as coef * x or x)
    dv = np.zeros(dims + leaf_shape)
    for k, (pos, kind) in enumerate(zip(np.ndindex(*dims), leaves)):
        P[pos] = {"tensor": x.numpy() * coef[k], "x": x.numpy(), "variable": v.numpy()}.get(kind, consts[k])
        dx[pos] = coef[k] if kind == "tensor" else 1.0 if kind == "x" else 0.0
        dv[pos] = 1.0 if kind == "variable" else 0.0
    B = rng.uniform(-1, 1, (P.shape[-1], 2))
    forward, backward = _OPS[op]
    W = rng.uniform(-1, 1, np.shape(forward(P, B).numpy()))
    with nt.GradientTape() as tape:
        tape.watch(x)
        nested = np.empty(dims, object)
        for k, (pos, kind) in enumerate(zip(np.ndindex(*dims), leaves)):
            c = consts[k]
            nested[pos] = {"tensor": lambda: x * coef[k], "x": lambda: x, "variable": lambda: v,
                           "array": lambda: c, "list": c.tolist, "float": lambda: float(c),
                           "npscalar": lambda: np.float64(c)}[kind]()
        y = nt.reduce_sum(forward(_to_lists(nested, tuples), B) * W)
    gx, gv = tape.gradient(y, [x, v], unconnected_gradients="zero")
    dP = backward(P, W, B)
    axes = tuple(range(len(dims)))
    np.testing.assert_allclose(y.numpy(), np.sum(forward(P, B).numpy() * W), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx.numpy(), np.sum(dP * dx, axis=axes), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gv.numpy(), np.sum(dP * dv, axis=axes), rtol=1e-10, atol=1e-12)


def _to_lists(nested: np.ndarray, tuples: bool):
    """An object array of leaves as nested lists (or tuples), leaves untouched."""
    if nested.ndim == 1:
        items = list(nested)
    else:
        items = [_to_lists(row, not tuples) for row in nested]
    return tuple(items) if tuples else items
