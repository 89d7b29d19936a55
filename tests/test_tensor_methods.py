"""NumPy's array methods on Tensors and Variables: values against the same method of the NumPy array,
derivatives against central finite differences, data methods returning what NumPy returns."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import numtape as nt
from numtape.testing import check_grads

# (method, args, kwargs, input shape): differentiable, compared with ndarray.<method>
DIFFERENTIABLE = [
    ("sum", (), {}, (3, 4)), ("sum", (0,), {}, (3, 4)), ("sum", (), dict(axis=1, keepdims=True), (3, 4)),
    ("sum", (0, None, None, True), {}, (3, 4)),  # NumPy's positional order: axis, dtype, out, keepdims
    ("mean", (), {}, (3, 4)), ("mean", (), dict(axis=(0, 2)), (2, 3, 4)),
    ("std", (), {}, (3, 4)), ("std", (0,), dict(ddof=1), (3, 4)), ("var", (), dict(axis=1, keepdims=True), (3, 4)),
    ("max", (), {}, (3, 4)), ("max", (1,), {}, (3, 4)), ("min", (), dict(axis=0, keepdims=True), (3, 4)),
    ("prod", (), {}, (2, 3)), ("prod", (1,), {}, (2, 3)),
    ("reshape", (4, 3), {}, (3, 4)), ("reshape", ((2, 6),), {}, (3, 4)), ("reshape", (-1,), {}, (3, 4)),
    ("ravel", (), {}, (3, 4)), ("flatten", (), {}, (2, 3)),
    ("squeeze", (), {}, (3, 1, 4)), ("squeeze", (), dict(axis=1), (3, 1, 4)),
    ("transpose", (), {}, (2, 3, 4)), ("transpose", (1, 0, 2), {}, (2, 3, 4)), ("transpose", ((2, 0, 1),), {}, (2, 3, 4)),
    ("swapaxes", (0, 2), {}, (2, 3, 4)), ("swapaxes", (-1, 0), {}, (3, 4)),
    ("dot", (np.arange(8.0).reshape(4, 2),), {}, (3, 4)), ("dot", (np.arange(4.0),), {}, (4,)),
    ("clip", (-0.5, 0.5), {}, (3, 4)), ("clip", (None, 0.5), {}, (3, 4)), ("clip", (), dict(min=-0.5), (3, 4)),
    ("copy", (), {}, (3, 4)), ("astype", (np.float64,), {}, (3, 4)),
]


def _sample(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(shape)
    x = np.where(np.abs(np.abs(x) - 0.5) < 0.1, x + 0.3, x)  # away from the clip bounds
    return x + np.arange(x.size).reshape(shape) * 1e-3  # no ties for max/min


def _label(case: Any) -> str:
    return f"{case[0]}{case[1]!r}{case[2]!r}{case[3]}".replace(" ", "")


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=_label)
def test_method_value_and_derivatives(case: Any, rng: np.random.Generator) -> None:
    name, args, kwargs, shape = case
    x = _sample(shape, rng)
    got = getattr(nt.constant(x), name)(*args, **kwargs)
    expected = getattr(x, name)(*args, **kwargs)
    assert isinstance(got, nt.Tensor) and got.shape == np.shape(expected)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-14)
    check_grads(lambda t: getattr(t, name)(*args, **kwargs), x, order=2, rng=rng)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=_label)
def test_variable_methods_read_the_variable(case: Any, rng: np.random.Generator) -> None:
    name, args, kwargs, shape = case
    x = _sample(shape, rng)
    v = nt.Variable(x)
    with nt.GradientTape() as tape:
        y = getattr(v, name)(*args, **kwargs)
        loss = nt.reduce_sum(y * y)
    np.testing.assert_allclose(y.numpy(), getattr(x, name)(*args, **kwargs), rtol=1e-12, atol=1e-14)
    t = nt.constant(x)
    with nt.GradientTape() as reference:
        reference.watch(t)
        expected = nt.reduce_sum(getattr(t, name)(*args, **kwargs) ** 2)
    np.testing.assert_allclose(loss.numpy(), expected.numpy())
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), reference.gradient(expected, t).numpy())


def test_T_property_and_float32_stays_float32(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3)).astype(np.float32)
    t = nt.constant(x)
    assert np.array_equal(t.T.numpy(), x.T) and np.array_equal(nt.Variable(x).T.numpy(), x.T)
    for name in ("sum", "mean", "std", "var", "max", "prod", "ravel", "copy"):
        assert getattr(t, name)().dtype == np.float32, name
    assert t.astype(np.float64).dtype == np.float64
    check_grads(lambda s: s.T, x.astype(np.float64), rng=rng)


# (method, args, kwargs, shape): data, the result equal to NumPy's (type included)
DATA = [
    ("item", (), {}, (1, 1)), ("item", (2,), {}, (2, 3)), ("tolist", (), {}, (2, 3)), ("tolist", (), {}, ()),
    ("all", (), {}, (2, 3)), ("any", (), dict(axis=0), (2, 3)), ("all", (1,), dict(keepdims=True), (2, 3)),
    ("argmax", (), {}, (3, 4)), ("argmax", (1,), {}, (3, 4)), ("argmin", (), dict(axis=0, keepdims=True), (3, 4)),
    ("nonzero", (), {}, (2, 3)), ("argsort", (), {}, (3, 4)), ("argsort", (0,), {}, (3, 4)),
]


@pytest.mark.parametrize("case", DATA, ids=_label)
def test_data_methods_return_what_numpy_returns(case: Any, rng: np.random.Generator) -> None:
    name, args, kwargs, shape = case
    x = rng.standard_normal(shape)
    if name in ("all", "any", "nonzero"):
        x = np.where(x > 0.3, x, 0.0)
    for owner in (nt.constant(x), nt.Variable(x)):
        got = getattr(owner, name)(*args, **kwargs)
        expected = getattr(x, name)(*args, **kwargs)
        assert type(got) is type(expected), (type(got), type(expected))
        if isinstance(expected, tuple):
            assert all(np.array_equal(a, b) for a, b in zip(got, expected))
        else:
            assert np.array_equal(got, expected)


def test_round_is_a_constant_tensor_without_gradient() -> None:
    x = nt.constant([0.5, 1.5, 2.26, -1.55])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x.round()
        z = x.round(1)
    assert isinstance(y, nt.Tensor) and y.numpy().tolist() == [0.0, 2.0, 2.0, -2.0]  # half to even, as NumPy
    np.testing.assert_array_equal(z.numpy(), np.round(x.numpy(), 1))
    assert tape.gradient(y, x) is None


def test_data_methods_in_a_trace_see_new_values() -> None:
    g = nt.function(lambda x: x[int(x.argmax())] * 2.0)
    assert g(np.array([1.0, 3.0, 2.0])) == 6.0
    assert g(np.array([5.0, 3.0, 2.0])) == 10.0


def test_scans_call_the_row_or_refuse(rng: np.random.Generator) -> None:
    x = rng.uniform(0.5, 1.5, (2, 3))
    for name in ("cumsum", "cumprod"):
        if hasattr(nt, name):
            np.testing.assert_allclose(getattr(nt.constant(x), name)(axis=1).numpy(), getattr(x, name)(axis=1))
            np.testing.assert_allclose(getattr(nt.constant(x), name)().numpy(), getattr(x, name)())
            check_grads(lambda t: getattr(t, name)(axis=0), x, rng=rng)
        else:
            with pytest.raises(TypeError, match=f"needs nt.{name}"):
                getattr(nt.constant(x), name)()


def test_refusals_are_clear() -> None:
    t = nt.constant([3.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="in place"):
        t.sort()
    with pytest.raises(TypeError, match="out="):
        t.sum(out=np.zeros(()))
    with pytest.raises(TypeError, match="order"):
        t.reshape(3, order="F")
    with pytest.raises(TypeError, match="casting"):
        t.astype(np.float32, casting="same_kind")
    with pytest.raises(TypeError):
        t.sum(initial=1.0)  # NumPy's initial= and where= are not supported


def test_partition_in_place_is_refused_and_argpartition_is_data() -> None:
    t = nt.constant(np.array([3.0, 1.0, 2.0, 0.5]))
    with pytest.raises(TypeError, match="np.partition"):
        t.partition(1)
    k = t.argpartition(1)
    assert sorted(np.asarray(k)[:2].tolist()) == [1, 3]  # the two smallest come first, whatever NumPy's order
    np.testing.assert_array_equal(np.partition(t, 1).numpy(), [0.5, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="partition"):
        nt.partition(t, 4)
