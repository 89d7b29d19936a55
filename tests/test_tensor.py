"""Tensor: creation, dtype policy, metadata, conversions, repr, immutability, refusals."""
from __future__ import annotations

import numpy as np
import pytest

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
