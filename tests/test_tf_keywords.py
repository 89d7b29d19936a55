"""TensorFlow code runs with ``tf`` -> ``nt``, keywords included: generated from the TensorFlow signatures.

Every entry of ``TF_SIGNATURES`` (``@tf_signature`` on the op) is called with TensorFlow's keyword
names and checked against its NumPy reference, its gradient against central differences of that
reference; every public elementwise row is called as ``nt.math.<name>(x=..., y=..., name=...)``. A
new entry is tested the moment it is listed. Then the two conventions: positional calls where they
agree, and a clear TypeError for an ambiguous or mixed call or an unsupported TensorFlow argument.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import numtape as nt
from numtape.ops.registry import ELEMENTWISE
from numtape.ops.tf_signature import TF_SIGNATURES


def _arrays(value):
    """Example values as the test feeds them: nested tuples of floats become float64 arrays."""
    if isinstance(value, list):
        return [_arrays(v) for v in value]
    if isinstance(value, tuple) and np.asarray(value).dtype.kind == "f":
        return np.asarray(value, dtype=np.float64)
    return value


def _op(qualified: str):
    space, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(f"numtape.{space}") if space else nt, name)


def _differentiated(example: dict) -> tuple[str, int]:
    """(keyword, list position or -1) of the first float array of a call."""
    for key, value in example.items():
        if isinstance(value, np.ndarray):
            return key, -1
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            return key, 0
    raise AssertionError("the example has no float array to differentiate")


def _replace(example: dict, key: str, position: int, value) -> dict:
    out = dict(example)
    if position < 0:
        out[key] = value
    else:
        out[key] = list(example[key])
        out[key][position] = value
    return out


def _central_gradient(f, v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        step = np.zeros_like(v)
        step[i] = h
        grad[i] = (f(v + step) - f(v - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("qualified", sorted(TF_SIGNATURES))
def test_tensorflow_keywords_give_numpys_value_and_gradient(qualified: str) -> None:
    entry = TF_SIGNATURES[qualified]
    assert _op(qualified) is entry.fn, f"nt.{qualified} is not the op its signature describes"
    example = {k: _arrays(v) for k, v in entry.example.items()}
    assert example and entry.reference is not None, f"{entry.text}: no example to test"
    expected = entry.reference(**example)
    got = entry.fn(**example, name="tf_name") if any(n == "name" for n, _ in entry.params) else entry.fn(**example)
    if isinstance(expected, tuple):  # several outputs (eigh, slogdet): each against NumPy's
        assert isinstance(got, tuple) and len(got) == len(expected), entry.text
        for g, e in zip(got, expected):
            np.testing.assert_allclose(np.asarray(g), e, rtol=1e-6, atol=1e-12, err_msg=entry.text)
        assert not entry.differentiable, f"{entry.text}: the gradient test takes one output"
        return
    expected = np.asarray(expected)
    assert np.asarray(got).shape == expected.shape, entry.text
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6, atol=1e-12, err_msg=entry.text)
    if not entry.differentiable:
        return
    key, position = _differentiated(example)
    start = example[key] if position < 0 else example[key][position]
    weights = np.random.default_rng(0).normal(size=expected.shape)
    x = nt.constant(start)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(nt.multiply(entry.fn(**_replace(example, key, position, x)), weights))
    numeric = _central_gradient(lambda v: float(np.sum(weights * entry.reference(**_replace(example, key, position, v)))),
                                start)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), numeric, rtol=1e-5, atol=1e-7, err_msg=entry.text)


#: TensorFlow's names of the operands where they are not (x, y): tf.math.atan2(y, x).
_TF_OPERAND_NAMES = {"atan2": "yx"}
_ELEMENTWISE_ROWS = sorted((spec for spec in ELEMENTWISE.values() if spec.public), key=lambda s: s.name)


@pytest.mark.parametrize("spec", _ELEMENTWISE_ROWS, ids=[s.name for s in _ELEMENTWISE_ROWS])
def test_math_functions_take_tensorflows_x_y_and_name(spec) -> None:
    """``tf.math.<f>(x, name=None)`` and ``(x, y, name=None)``."""
    rng = np.random.default_rng(spec.code)
    names = _TF_OPERAND_NAMES.get(spec.name, "xy")[:spec.arity]
    args = {key: rng.uniform(*spec.operand_domain(k), size=3) for k, key in enumerate(names)}
    for k, key in enumerate(names):
        if k in spec.integer_operands:
            args[key] = np.round(args[key])
    op = getattr(nt.math, spec.name)
    np.testing.assert_allclose(np.asarray(op(**args, name="tf_name")), spec.ufunc(*args.values()), rtol=1e-12,
                               err_msg=spec.name)


def test_positional_calls_agree_and_ambiguous_or_mixed_calls_raise() -> None:
    m = np.array([[3.0, 1.0, 2.0]])
    np.testing.assert_allclose(nt.sort(m, 1), np.sort(m, 1))  # both conventions read (values/a, axis)
    np.testing.assert_allclose(nt.pad(m, [[0, 0], [1, 1]], "REFLECT"), np.pad(m, [[0, 0], [1, 1]], "reflect"))
    np.testing.assert_allclose(nt.reduce_sum(m, 1, False, "s"), [6.0])  # TensorFlow's 4th positional: name
    np.testing.assert_allclose(nt.sort(values=m, direction="DESCENDING"), [[3.0, 2.0, 1.0]])
    np.testing.assert_allclose(nt.sort(m, -1, "DESCENDING"), [[3.0, 2.0, 1.0]])  # no NumPy kind has that name
    with pytest.raises(ValueError, match="numtape.sort: kind must be one of"):
        nt.sort(m, -1, "bubble")
    with pytest.raises(TypeError, match="numtape.sort: mixes TensorFlow's keywords"):
        nt.sort(values=m, kind="stable")
    with pytest.raises(TypeError, match="numtape.pad: mixes"):
        nt.pad(tensor=m, pad_width=1)
    with pytest.raises(TypeError, match="numtape.gather: positional argument 3 is ambiguous"):
        nt.gather(m, [0], 1)  # NumPy-style axis or TensorFlow's validate_indices
    with pytest.raises(TypeError, match="numtape.reshape: missing TensorFlow's argument 'shape'"):
        nt.reshape(tensor=m)


@pytest.mark.parametrize("call, message", [
    (lambda m: nt.gather(params=m, indices=[0], batch_dims=1), "batch_dims=1 is not supported"),
    (lambda m: nt.matmul(a=m, b=m, a_is_sparse=True), "a_is_sparse=True is not supported"),
])
def test_unsupported_tensorflow_arguments_raise(call, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call(np.ones((2, 2)))


def test_matmul_takes_tensorflows_transpose_flags() -> None:
    a, b = np.arange(6.0).reshape(3, 2), np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(nt.matmul(a, b, transpose_a=True, transpose_b=True), a.T @ b.T)
    np.testing.assert_allclose(nt.matmul(a=b, b=a, adjoint_b=False), b @ a)
    with pytest.raises(ValueError, match="only one of transpose_a and adjoint_a"):
        nt.matmul(a, b, transpose_a=True, adjoint_a=True)
    with pytest.raises(ValueError, match="need a matrix"):
        nt.matmul(np.ones(3), b, transpose_a=True)
