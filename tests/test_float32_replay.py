"""float32 replays against eager float32, bitwise (NaN == NaN), over the op table (issue 10, item 9).

Inputs are random float32 values with subnormals, +-0, +-inf, NaN and near-overflow values;
each row runs as an array entry and as a scalar (0-d) entry. Rows whose compiled float32 value
is not NumPy's (transcendental SIMD loops) are marked ``float32_numpy`` and replayed through
NumPy (DESIGN_NOTES, float32); a new row that differs fails here until it is marked. Then a
generator of float32 programs (sums, matmuls, broadcasting, value_and_grad) checks the same.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numtape as nt
from numtape.ops.registry import ELEMENTWISE

#: NumPy's fmax/fmin give a +-0 tie either sign depending on the element's position in the SIMD
#: loop (np.fmax([-0., -0., -0.], 0.) is [-0., 0., 0.]): a replay on another buffer may not match
#: that; they are held to within a few ulps (the sign of a zero) instead.
INEXACT = frozenset({"fmax", "fmin"})
#: Found by this generator, not fixed yet: each is a real replay != eager case, skipped by name
#: so the gap stays visible.
GAPS: dict[str, str] = {}
ROWS = sorted((spec for spec in ELEMENTWISE.values() if not spec.integer_operands), key=lambda s: s.code)
_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40, 1.17e-38, 3.4e38, -3.4e38, 1.0, -1.0, 0.5]
_F32 = st.floats(width=32, allow_nan=True, allow_infinity=True) | st.sampled_from(_SPECIAL)


def _op(spec):
    return getattr(nt.math, spec.name, None) or getattr(nt, spec.name)


def _bits(v):
    a = np.asarray(v, np.float32).reshape(-1)
    return np.where(np.isnan(a), np.uint32(0x7FC00000), a.view(np.uint32))


def _ulps(a, b):
    ia, ib = (_bits(v).view(np.int32).astype(np.int64) for v in (a, b))
    ia, ib = (np.where(i < 0, -(i & 0x7FFFFFFF), i) for i in (ia, ib))
    return np.abs(ia - ib)


def _check(spec, eager, replay):
    assert np.asarray(replay).dtype == np.float32, spec.name
    if spec.name in INEXACT:
        finite = np.isfinite(np.asarray(eager, np.float32)).reshape(-1)
        assert (_ulps(eager, replay)[finite] <= 4).all(), (spec.name, eager, replay)
    else:
        np.testing.assert_array_equal(_bits(replay), _bits(eager), err_msg=spec.name)


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: s.name)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_float32_replay_equals_eager(spec, data) -> None:
    if spec.name in GAPS:
        pytest.skip(GAPS[spec.name])
    op = _op(spec)
    n = data.draw(st.integers(1, 6))
    columns = [np.array(data.draw(st.lists(_F32, min_size=n, max_size=n)), np.float32) for _ in range(spec.arity)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = nt.function(lambda *xs: op(*xs))
        trace_at = [np.full(n, 0.5, np.float32) for _ in columns]
        g(*trace_at)
        _check(spec, op(*[nt.constant(c) for c in columns]).numpy(), g(*columns).numpy())  # array entries
        scalars = [c[0] for c in columns]
        h = nt.function(lambda *xs: op(*xs))
        h(*[np.float32(0.5) for _ in scalars])
        _check(spec, op(*[nt.constant(s) for s in scalars]).numpy(), h(*scalars).numpy())  # scalar entries


#: Array steps of the program generator below: each maps the current (4, 5) float32 value (and
#: a fixed (5, 5) matrix) to a (4, 5) float32 value; reductions and products are broadcast back.
_STEPS = {
    "exp-tanh": lambda t, w: nt.tanh(nt.exp(t * 0.1)),
    "log1p-abs": lambda t, w: nt.log1p(nt.abs(t)),
    "matmul": lambda t, w: nt.matmul(t, w),
    "matmul-T": lambda t, w: nt.linalg.matmul(t, w, transpose_b=True),
    "sum-rows": lambda t, w: t - nt.reduce_sum(t, axis=0, keepdims=True),
    "sum-cols": lambda t, w: t * nt.reduce_sum(t, axis=1, keepdims=True),
    "mean-all": lambda t, w: t - nt.reduce_mean(t),
    "softmax": lambda t, w: nt.nn.softmax(t, axis=-1),
    "pow": lambda t, w: nt.pow(nt.abs(t) + 0.5, 1.7),
    "sigmoid-mul": lambda t, w: nt.sigmoid(t) * t,
    "var": lambda t, w: t / (nt.var(t, axis=0, keepdims=True) + 1.0),
}


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.sampled_from(sorted(_STEPS)), min_size=1, max_size=5),
       shape=st.sampled_from([(4, 5), (1, 1), (1, 2), (3, 2)]), scale=st.sampled_from([1e-3, 1.0, 30.0]),
       seed=st.integers(0, 2**16))
def test_float32_programs_replay_bitwise(steps, shape, scale, seed) -> None:
    """Chains of float32 array steps (transcendental rows, sums along each axis, matrix
    products, broadcasting): a replay at new inputs gives eager's bits, through ``g(x)`` and
    through ``value_and_grad`` (forward mode for one or two input elements, else reverse)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((shape[1], shape[1])).astype(np.float32)

    def f(t):
        for name in steps:
            t = _STEPS[name](t, w)
        return nt.reduce_sum(t * t), t

    g = nt.function(f)
    loss = nt.function(lambda t: f(t)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g(rng.standard_normal(shape).astype(np.float32))
        loss(rng.standard_normal(shape).astype(np.float32))
        x = (rng.standard_normal(shape) * scale).astype(np.float32)
        replayed = g(x)
        value, _ = loss.value_and_grad(x)
        eager = f(nt.constant(x))
    for r, e in zip(replayed, eager):
        assert r.dtype == np.float32
        np.testing.assert_array_equal(_bits(r.numpy()), _bits(e.numpy()), err_msg=str(steps))
    np.testing.assert_array_equal(_bits(np.asarray(value)), _bits(eager[0].numpy()), err_msg=str(steps))


def test_batch_value_and_grad_gives_eagers_float32_bits() -> None:
    """The batch kernel computes values compiled: a trace with NumPy-computed float32 entries is
    replayed example by example, so each value is eager's."""
    f = nt.function(lambda x: nt.reduce_sum(nt.tanh(nt.exp(x * 1.3))))
    xs = np.random.default_rng(3).standard_normal((16, 7)).astype(np.float32)
    values, _ = f.batch_value_and_grad(xs)
    eager = np.array([nt.reduce_sum(nt.tanh(nt.exp(nt.constant(x) * 1.3))).numpy() for x in xs])
    np.testing.assert_array_equal(_bits(values), _bits(eager))
