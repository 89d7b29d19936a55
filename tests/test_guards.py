"""Guards compare as eager NumPy code does; forward and reverse mode agree; caches stay bounded."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtape as nt
from numtape.function import MAX_EAGER_SIGNATURES, MAX_SIGNATURES


def _branch(t):
    return lambda x: x * 2.0 if x >= t else x * 3.0


def _replayed(f, trace_at, x):
    g = nt.function(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g(trace_at)
        return g(x)


def _eager(f, x):
    return f(nt.constant(x))


def _same(a, b):
    a, b = np.asarray(nt.constant(a).numpy()), np.asarray(nt.constant(b).numpy())
    return a.dtype == b.dtype and np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8)) or (
        np.isnan(a).all() and np.isnan(b).all())


# -- item 7: guards ---------------------------------------------------------------------
def test_float32_against_python_float_compares_in_float32() -> None:
    f = _branch(0.7)
    x = np.array(0.7, np.float32)
    assert _replayed(f, np.array(0.5, np.float32), x).numpy() == _eager(f, x).numpy() == np.float32(0.7) * 2


def test_float32_against_float64_array_compares_in_float64() -> None:
    t = np.array(0.7)  # a strong float64 threshold: NumPy compares in float64
    f = _branch(t)
    x = np.array(0.7, np.float32)
    assert _replayed(f, np.array(0.1, np.float32), x).numpy() == _eager(f, x).numpy()


def test_longdouble_threshold_is_not_rounded() -> None:
    t = np.longdouble(1) + np.longdouble(2.0) ** -60  # not a float64: 1.0 < t
    if np.longdouble(1) == t:
        pytest.skip("longdouble is float64 here")
    for f in (_branch(t), lambda x: x * 2.0 if x > t else x * 3.0, lambda x: x * 2.0 if x == t else x * 3.0,
              lambda x: x * 2.0 if t <= x else x * 3.0):
        for trace_at in (0.5, 2.0):
            assert _replayed(f, trace_at, 1.0).numpy() == _eager(f, 1.0).numpy()


def test_huge_python_int_threshold() -> None:
    f = lambda x: x * 2.0 if x < 10**30 else x * 3.0  # noqa: E731
    assert _replayed(f, 1.0, 1e31).numpy() == _eager(f, 1e31).numpy() == 3e31
    x = np.array(1e30, np.float32)  # 10**30 as float32 is 1.0000000150474662e30
    assert _replayed(f, np.array(1.0, np.float32), x).numpy() == _eager(f, x).numpy()


def test_float_guard_is_bitwise() -> None:
    import math

    f = lambda x: x * math.copysign(1.0, float(x))  # noqa: E731  (the sign of zero steers Python)
    assert _replayed(f, 1e-300 * 0.0, -0.0).numpy() == _eager(f, -0.0).numpy()
    assert _replayed(f, 0.0, -0.0).numpy() == 0.0 and np.signbit(_replayed(f, 0.0, -0.0).numpy()) == np.signbit(
        _eager(f, -0.0).numpy())
    f = lambda x: x * 2.0 if str(float(x)) == "nan" else x * 3.0  # noqa: E731
    assert np.isnan(_replayed(f, np.nan, np.nan).numpy())


@pytest.mark.parametrize("show", [str, repr, lambda t: f"{t}", format])
def test_printing_a_value_is_guarded(show) -> None:
    f = lambda x: x * 2.0 if "-" in show(x) else x * 3.0  # noqa: E731
    assert _replayed(f, 1.0, -1.0).numpy() == -2.0
    assert _replayed(f, np.array([1.0, 2.0]), np.array([1.0, -2.0])).numpy().tolist() == [2.0, -4.0]


def test_printing_a_variable_is_guarded() -> None:
    v = nt.Variable(1.0)
    g = nt.function(lambda x: x * 2.0 if "-" in repr(v) else x * 3.0)
    assert g(1.0).numpy() == 3.0
    v.assign(-1.0)
    assert g(1.0).numpy() == 2.0


_special = st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf, 0.7, 1.0, 10**30, 10**20 + 1])


@settings(max_examples=60, deadline=None)
@given(center=st.floats(-3, 3, width=32), delta=st.sampled_from([0.0, 1e-8, -1e-8, 1e-3]),
       tkind=st.sampled_from(["py", "f32", "f64", "ld", "int", "special"]), special=_special,
       xdtype=st.sampled_from([np.float32, np.float64]), op=st.sampled_from([">=", ">", "<", "<=", "==", "!=", "same"]),
       fresh=st.lists(st.floats(-3, 3, width=32) | _special.filter(lambda v: isinstance(v, float)), min_size=1,
                      max_size=4))
def test_replay_equals_eager_for_thresholds(center, delta, tkind, special, xdtype, op, fresh) -> None:
    base = center + delta
    t = {"py": base, "f32": np.float32(base), "f64": np.float64(base),
         "ld": np.longdouble(base) + np.longdouble(base) * np.longdouble(2.0) ** -58, "int": int(round(base)),
         "special": special}[tkind]
    if op == "same":
        c = float(np.asarray(t, np.float64)) if not isinstance(t, int) or abs(t) < 2**60 else 0.0

        def f(x):
            return x * 2.0 if float(x) == c else x * 3.0
    else:
        def f(x):
            taken = {">=": x >= t, ">": x > t, "<": x < t, "<=": x <= t, "==": x == t, "!=": x != t}[op]
            return x * 2.0 if taken else x * 3.0

    g = nt.function(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g(np.array(center, xdtype))
        for v in [center, np.float32(t) if not isinstance(t, int) else center] + fresh:
            x = np.array(v, xdtype)
            assert _same(g(x), _eager(f, x)), (t, op, x)


# -- item 10: forward mode gives reverse mode's numbers ----------------------------------
_SELECTS = [
    lambda x: nt.where(x > 0, nt.sqrt(x), 0.0),
    lambda x: nt.sqrt(nt.nn.relu(x)) if hasattr(nt, "nn") else nt.sqrt(nt.maximum(x, 0.0)),
    lambda x: nt.maximum(nt.sqrt(x), 0.0),
    lambda x: nt.minimum(nt.log(x), 0.0),
    lambda x: nt.sqrt(nt.abs(x)),
    lambda x: nt.abs(nt.sqrt(x)),
    lambda x: nt.sign(nt.sqrt(x)) * x,
    lambda x: nt.sqrt(nt.maximum(x, 0.0)),
    lambda x: nt.where(x < 1.0, x * 2.0, nt.log(x - 1.0)),
    lambda x: nt.sqrt(x)[..., :1] if False else nt.reduce_max(nt.stack([nt.sqrt(x), x - 1.0])),
]


@pytest.mark.parametrize("k", range(len(_SELECTS)))
@pytest.mark.parametrize("point", [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan])
def test_forward_mode_gives_reverse_modes_numbers(k, point) -> None:
    op = _SELECTS[k]

    def f(x):
        return nt.reduce_sum(op(x))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in (1, 2, 3):  # 1 and 2 elements replay in forward mode, 3 in reverse
            x = np.full(n, point)
            x[1:] = 2.0
            value, grad = nt.function(f).value_and_grad(x)
            eager_value, eager_grad = nt.value_and_grad(f)(x)
            np.testing.assert_array_equal(value, eager_value.numpy() if hasattr(eager_value, "numpy") else eager_value)
            eg = np.asarray(eager_grad.numpy() if hasattr(eager_grad, "numpy") else eager_grad)
            assert np.array_equal(np.isnan(grad), np.isnan(eg)), (n, grad, eg)
            np.testing.assert_array_equal(grad, eg)


# -- item 16: bounded caches -------------------------------------------------------------
def test_caches_stay_bounded_over_many_static_values() -> None:
    g = nt.function(lambda x, n: x * float(n))
    with pytest.warns(nt.TraceFallbackWarning, match="least recently used"):
        for n in range(MAX_SIGNATURES + 200):
            assert g(2.0, n).numpy() == 2.0 * n
    assert len(g._traces) == MAX_SIGNATURES
    assert g(2.0, 3).numpy() == 6.0  # an evicted signature is traced again
    h = nt.function(lambda x, n: nt.constant(x.numpy() * n))  # never replayable: eager signatures
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(MAX_EAGER_SIGNATURES + 300):
            assert h(2.0, n).numpy() == 2.0 * n
    assert len(h._eager) <= MAX_EAGER_SIGNATURES and len(h._traces) <= MAX_SIGNATURES


def test_recently_used_signatures_stay() -> None:
    g = nt.function(lambda x, n: x * float(n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(MAX_SIGNATURES + 10):
            g(2.0, 0)  # the hot signature is always the most recently used
            g(2.0, n)
    assert any(k[1] == ("static", (int, 0)) for k in g._traces)
