"""Random nt.function programs with Python-level escapes and every argument kind (issue 10).

Hypothesis builds f from blocks that each once gave a stale or wrong replay: branches on
traced sums and thresholds, float()/int() escapes, np.signbit of signed zeros, a static
int power, a static index array, auto-packed lists of Tensors, a Variable made inside f,
a nested Function (its value or its gradient) and recorded masks. Each program is traced
at one input and replayed at others, some taking other branches; every replay (value and
gradient) must equal eager f on the same arguments, which the op tests check against
finite differences. Pinned examples are programs that were wrong on the code before the
fix of their class.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import numtape as nt

from .test_fuzz import fuzz_settings

pytestmark = pytest.mark.filterwarnings("ignore::numtape.ConversionWarning",
                                        "ignore::numtape.TraceFallbackWarning")

_INNER = nt.function(lambda z: nt.sin(z) * z)


def _first(y: Any) -> Any:
    return y if y.ndim == 0 else nt.reshape(y, (-1,))[0]


def _block(name: str, y: Any, x: Any, thr: Any, k: int, idx: Any) -> Any:
    if name == "branch_sum":
        return y * 2.0 if nt.reduce_sum(y) > thr else y - 1.0
    if name == "float_escape":
        return y * math.tanh(float(nt.reduce_sum(y)))
    if name == "int_escape":
        return y ** (int(abs(float(_first(y))) * 2.0) % 3 + 1)
    if name == "static_power":
        return y ** k
    if name == "index":
        return y * nt.reduce_sum(nt.gather(x, idx))
    if name == "signed_zero":
        return y + (1.0 if np.signbit(_first(x)) else 2.0)
    if name == "list_pack":
        return y + nt.reduce_sum([nt.reduce_sum(y), x[0] * 2.0])
    if name == "variable_inside":
        return y + nt.Variable(y * 2.0)
    if name == "nested_value":
        return y + _INNER(y)
    if name == "nested_grad":
        return y + _INNER.grad(y) if y.ndim == 0 else y + nt.reduce_sum(y) * 0.5
    if name == "mask":
        return nt.where(nt.greater(y, 0.0), y, -y * 0.5)
    if name == "linspace":
        return y + nt.reduce_sum(nt.linspace(x[0], x[1], 3))
    raise AssertionError(name)


BLOCKS = ["branch_sum", "float_escape", "int_escape", "static_power", "index", "signed_zero", "list_pack",
          "variable_inside", "nested_value", "nested_grad", "mask", "linspace"]


def _program(blocks: list[str], scalar: bool):
    def f(x, thr, k, idx):
        y = nt.reduce_sum(x * 0.5) if scalar else x * 0.5
        for name in blocks:
            y = _block(name, y, x, thr, k, idx)
        return nt.reduce_sum(nt.tanh(y))

    return f


def _eager(f, x, thr, k, idx):
    xt = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt, thr, k, idx)
    return y.numpy(), tape.gradient(y, xt, unconnected_gradients="zero").numpy()


_VALUES = st.sampled_from([-0.0, 0.0, 0.3, -0.3, 0.7, -1.2, 1.5, 2.0])


@st.composite
def _calls(draw: Any) -> list[tuple]:
    n = 3
    calls = []
    for _ in range(draw(st.integers(2, 4))):
        x = np.array(draw(st.lists(_VALUES, min_size=n, max_size=n)))
        thr = draw(st.sampled_from([0.0, -0.0, 0.5, 1.0]))
        k = draw(st.sampled_from([1, 2, 3]))
        idx = np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3)))
        calls.append((x, thr, k, idx))
    return calls


@fuzz_settings(60)
@given(blocks=st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=4), scalar=st.booleans(), calls=_calls())
@example(blocks=["variable_inside"], scalar=False,
         calls=[(np.array([1.0, 2.0, 0.5]), 0.0, 1, np.array([0])), (np.array([3.0, 1.0, 0.5]), 0.0, 1, np.array([0]))])
@example(blocks=["nested_grad"], scalar=True,
         calls=[(np.array([1.0, 1.0, 1.0]), 0.0, 1, np.array([0])), (np.array([2.0, 3.0, 1.0]), 0.0, 1, np.array([0]))])
@example(blocks=["signed_zero"], scalar=False,
         calls=[(np.array([0.0, 1.0, 1.0]), 0.0, 1, np.array([0])), (np.array([-0.0, 1.0, 1.0]), 0.0, 1, np.array([0]))])
@example(blocks=["index", "static_power"], scalar=False,
         calls=[(np.array([1.0, 2.0, 0.3]), 0.0, 2, np.array([0, 2])), (np.array([1.0, 2.0, 0.3]), 0.0, 3, np.array([1]))])
@example(blocks=["linspace"], scalar=True,
         calls=[(np.array([1.0, 2.0, 0.3]), 0.0, 1, np.array([0])), (np.array([0.5, -1.2, 0.3]), 0.0, 1, np.array([0]))])
def test_random_traced_programs_replay_as_eager(blocks: list[str], scalar: bool, calls: list[tuple]) -> None:
    f = _program(blocks, scalar)
    g = nt.function(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x, thr, k, idx in calls:
            expected_value, expected_grad = _eager(f, x, thr, k, idx)
            np.testing.assert_allclose(g(x, thr, k, idx).numpy(), expected_value, rtol=1e-12, atol=1e-14)
            value, grad = g.value_and_grad(x, thr, k, idx)
            np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-12)
