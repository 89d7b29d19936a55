"""Values leaving the tape: implicit conversions of differentiated Tensors are refused or flagged.

The rule (README, "Values leaving the tape"): a Tensor that a recording tape or a trace
differentiates raises TypeError on NumPy coercion and gives a ConversionWarning on
float()/complex(); int()/index()/bool() are piecewise constant and stay silent; outside
any tape every conversion is silent; ``.numpy()`` is always silent.
"""
from __future__ import annotations

import math
import operator
import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

import numtape as nt


def _grad_or_refusal(f, x0: float):
    """f's gradient at x0, or "refused" when numtape raised TypeError or warned ConversionWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", nt.ConversionWarning)
        try:
            return float(np.asarray(nt.grad(f)(x0)))
        except (TypeError, nt.ConversionWarning):
            return "refused"


def test_array_coercion_inside_a_tape_raises_and_the_tape_stays_usable() -> None:
    x = nt.constant(0.5)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        for convert in (np.asarray, np.array, lambda t: np.mean([t, t + 2.0]), lambda t: np.r_[t, t]):
            with pytest.raises(TypeError, match=r"nt\.stack.*\.numpy\(\)"):
                convert(y)
        with pytest.raises(TypeError, match="recording GradientTape"):
            np.asarray(x)
        z = y * 3.0
    assert tape.gradient(z, x).numpy() == pytest.approx(3.0)


@pytest.mark.parametrize("convert, name", [(float, "float"), (complex, "complex"), (math.exp, "float")])
def test_float_and_complex_inside_a_tape_warn_and_the_tape_stays_usable(convert, name) -> None:
    x = nt.constant(0.5)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with pytest.warns(nt.ConversionWarning, match=rf"{name}\(\).*constant.*nt\.exp.*numpy\(\)") as record:
            value = convert(y)
        z = y * 3.0
    assert record[0].filename == __file__  # points at the caller's line
    assert value == pytest.approx(convert(0.25))
    assert tape.gradient(z, x).numpy() == pytest.approx(3.0)
    assert issubclass(nt.ConversionWarning, UserWarning)


def test_variable_conversions_inside_a_tape() -> None:
    v = nt.Variable(2.0)
    with nt.GradientTape() as tape:
        with pytest.warns(nt.ConversionWarning):
            assert float(v) == 2.0
        with pytest.raises(TypeError, match="nt.stack"):
            np.asarray(v)
        y = v * v
    assert tape.gradient(y, v).numpy() == 4.0


def test_piecewise_constant_conversions_stay_silent_inside_a_tape() -> None:
    x = nt.constant(2.5)
    i = nt.constant(np.array(3), dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with nt.GradientTape() as tape:
            tape.watch(x)
            assert int(x) == 2 and bool(x) and x > 1.0
            assert operator.index(i) == 3
            y = x * int(x)  # d/dx (x * trunc(x)) = trunc(x) away from the integers: exact
        assert tape.gradient(y, x).numpy() == 2.0


def test_constant_operands_and_unrecorded_tensors_convert_silently_inside_a_tape() -> None:
    x = nt.constant(0.5)
    c = nt.constant([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = x * c  # c is on the tape only as a constant operand
            np.testing.assert_array_equal(np.asarray(c), [1.0, 2.0])
            assert float(nt.constant(3.0)) == 3.0
            assert y.numpy().tolist() == [0.5, 1.0]  # .numpy() is always silent
            s = nt.reduce_sum(y)
        assert float(tape.gradient(s, x)) == 3.0
    with nt.GradientTape() as tape:
        y = x * c
        tape.watch(c)  # watched later: now a source
        with pytest.raises(TypeError):
            np.asarray(c)


def test_outside_any_tape_every_conversion_is_silent() -> None:
    x = nt.constant(0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        assert float(y) == 0.25 and complex(y) == 0.25 and int(nt.constant(2.5)) == 2
        assert math.exp(y) == math.exp(0.25)
        np.testing.assert_array_equal(np.asarray(y), 0.25)
        np.testing.assert_array_equal(np.array([y, 2 * y]), [0.25, 0.5])
        assert np.mean([y, y + 2.0]) == 1.25
        assert scipy.special.logsumexp(nt.constant([0.0, 0.0])) == pytest.approx(math.log(2.0))
        assert float(nt.Variable(3.0)) == 3.0


@pytest.mark.parametrize("f, true", [
    (lambda x: x * math.exp(x), 1.5 * math.exp(0.5)),
    (lambda x: np.mean([x, x + 2.0]), 1.0),
    (lambda x: nt.reduce_sum(np.array([x, 2 * x])), 3.0),
    (lambda x: nt.reduce_sum(np.r_[x, x * x]), 2.0),
    (lambda x: nt.reduce_sum(np.append([[x]], [[x, 2.0]])), 2.0),
    (lambda x: scipy.special.logsumexp(x), 1.0),
    (lambda x: nt.reduce_sum(scipy.special.logsumexp(nt.stack([x, 2 * x]))), None),
])
def test_the_issue_examples_give_the_right_gradient_or_are_refused(f, true) -> None:
    got = _grad_or_refusal(f, 0.5)
    assert got == "refused" or got == pytest.approx(true)


def test_nt_function_trace_refuses_array_coercion_and_warns_on_float() -> None:
    g = nt.function(lambda x: nt.reduce_sum(np.array([x, 2 * x])))
    with pytest.raises(TypeError, match="nt.stack"):
        g.grad(0.5)
    h = nt.function(lambda x: x * float(x))
    with pytest.warns(nt.ConversionWarning):
        assert h.value_and_grad(3.0) == (9.0, 3.0)  # as eager: float(x) is a constant
    k = nt.function(lambda x, n: x * int(n))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert k.grad(2.0, 3.5) == 3.0


_ESCAPES = {
    "float": float,
    "math.sin": math.sin,
    "np.asarray": np.asarray,
    "np.array": lambda t: np.array([t, 2.0 * t]),
    "expit": scipy.special.expit,
    "none": lambda t: t,  # a control: no escape, so the gradient is checked
}
_OPS = [nt.sin, nt.exp, nt.tanh, lambda t: t * t, lambda t: 2.0 * t + 1.0]


def _nt_sum(v):
    return nt.reduce_sum(v) if isinstance(v, nt.Tensor) else np.sum(v)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, len(_OPS) - 1), min_size=1, max_size=4), st.sampled_from(sorted(_ESCAPES)),
       st.integers(0, 4), st.floats(-1.5, 1.5))
def test_random_expressions_with_one_escape_are_right_or_refused(ops, escape, where, x0) -> None:
    def f(x):
        y = x
        for k, op in enumerate(ops):
            if k == min(where, len(ops) - 1):
                y = y * 0.5 + _nt_sum(_ESCAPES[escape](y))  # the escape, mixed back in
            y = _OPS[op](y)
        return _nt_sum(y)

    got = _grad_or_refusal(f, x0)
    if got == "refused":
        return
    eps = 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # outside a tape: nothing to warn about anyway
        value = float(f(nt.constant(x0)))
        numeric = (float(f(nt.constant(x0 + eps))) - float(f(nt.constant(x0 - eps)))) / (2 * eps)
    if not (math.isfinite(numeric) and abs(value) < 1e6):
        return  # exp(exp(exp(...))) overflows or leaves central differences no digits to check
    assert got == pytest.approx(numeric, rel=1e-4, abs=1e-5)


def test_a_scipy_function_with_a_numtape_row_is_named_in_the_refusal() -> None:
    scipy_linalg = pytest.importorskip("scipy.linalg")
    scipy_special = pytest.importorskip("scipy.special")
    x = nt.constant(np.eye(2) * 2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match=r"It was scipy\.linalg\.sqrtm: use nt\.linalg\.sqrtm"):
            scipy_linalg.sqrtm(x)
        with pytest.raises(TypeError, match=r"It was scipy\.special\.logsumexp: use nt\.special\.logsumexp"):
            scipy_special.logsumexp(x)
        y = nt.reduce_sum(nt.linalg.sqrtm(x))  # the tape is still usable
    # sqrtm(2I + dX) = sqrt(2) I + dX / (2 sqrt(2)) to first order: every entry's derivative
    np.testing.assert_allclose(tape.gradient(y, x), np.full((2, 2), 0.5 / np.sqrt(2.0)), atol=1e-12)
