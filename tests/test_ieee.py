"""IEEE semantics: NaN and inf flow through values and gradients as IEEE arithmetic says.

Every expected number below comes from calculus and IEEE 754 arithmetic, never from
numtape: sqrt'(0) = 0.5/0 = inf, log(0) = -inf, 0/0 = NaN, inf - inf = NaN, ...
Each case runs

* in every execution mode of ``MODES``: the compiled reverse sweep ("fast"), the
  Python walk that an outer tape records ("recorded"), and an ``nt.function``
  replay ("replay", which may run forward mode for few inputs);
* on every value layout: a Python-float scalar (the ``math`` fast path), a small
  array (values in the arena, differentiated by the compiled kernels) and a large
  array (kept by reference, differentiated by the NumPy VJP rules);
* in float64 and float32.

No case may raise, and no case may warn: the suite turns warnings into errors, so a
NumPy RuntimeWarning escaping from numtape fails here.
"""
from __future__ import annotations

import math
import zlib
from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape.ops.registry import ELEMENTWISE

from .test_registry import CASES

inf, nan = math.inf, math.nan

#: How a gradient is computed.
MODES = ["fast", "recorded", "replay"]
#: scalar: Python float (math module); array: arena (compiled kernels); large: > 4096
#: elements, kept by reference and differentiated by NumPy.
LAYOUTS = {"scalar": (), "array": (3,), "large": (5000,)}
DTYPES = [np.float64, np.float32]


def _tensor(x: float, shape: tuple[int, ...], dtype: Any) -> nt.Tensor:
    with np.errstate(all="ignore"):  # the test's own casts (e.g. 1e300 to float32)
        if shape:
            return nt.constant(np.full(shape, x, dtype))
        return nt.constant(dtype(x) if dtype is np.float32 else float(x))


def gradients(f: Callable[..., Any], args: list[nt.Tensor], mode: str, output_gradients: Any = None):
    """(value, gradients) of f at ``args``, the gradients computed in ``mode``."""
    if mode == "replay":
        def weighted(*xs: nt.Tensor) -> nt.Tensor:
            y = f(*xs)
            return nt.reduce_sum(y if output_gradients is None else y * output_gradients)

        values = [a.numpy() for a in args]
        _, grads = nt.function(weighted).value_and_grad(*values, argnums=tuple(range(len(args))))
        return f(*args), [nt.constant(g) for g in grads]
    with nt.GradientTape() as outer:
        with nt.GradientTape() as tape:
            tape.watch(args)
            y = f(*args)
        if mode == "recorded":
            grads = tape.gradient(y, args, output_gradients=output_gradients)
        else:
            with outer.stop_recording():
                grads = tape.gradient(y, args, output_gradients=output_gradients)
    return y, grads


def assert_ieee_equal(got: Any, expected: float, dtype: Any) -> None:
    """Same value elementwise: NaN where NaN is expected, the same infinity, else close."""
    got = np.asarray(got, np.float64)
    with np.errstate(all="ignore"):
        want = np.full(got.shape, np.float64(dtype(expected)))
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got, want)
    assert np.array_equal(got == inf, want == inf) and np.array_equal(got == -inf, want == -inf), (got, want)
    finite = np.isfinite(want)
    rtol = 1e-6 if dtype is np.float32 else 1e-13
    np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=0)


# (id, f, inputs, value, gradients): the expected numbers are calculus plus IEEE 754.
FIRST_ORDER = [
    ("sqrt_at_0", nt.sqrt, [0.0], 0.0, [inf]),
    ("sqrt_of_negative", nt.sqrt, [-1.0], nan, [nan]),
    ("log_at_0", nt.log, [0.0], -inf, [inf]),
    ("log_of_negative", nt.log, [-1.0], nan, [-1.0]),
    ("log1p_at_minus_1", nt.log1p, [-1.0], -inf, [inf]),
    ("zero_over_zero", nt.divide, [0.0, 0.0], nan, [inf, nan]),
    ("one_over_zero", nt.divide, [1.0, 0.0], inf, [inf, -inf]),
    ("reciprocal_at_0", nt.reciprocal, [0.0], inf, [-inf]),
    ("reciprocal_at_minus_0", nt.reciprocal, [-0.0], -inf, [-inf]),
    ("exp_overflow", nt.exp, [1000.0], inf, [inf]),
    ("exp_of_minus_inf", nt.exp, [-inf], 0.0, [0.0]),
    ("expm1_overflow", nt.expm1, [1000.0], inf, [inf]),
    ("cosh_overflow", nt.cosh, [1000.0], inf, [inf]),
    ("sinh_overflow", nt.sinh, [1000.0], inf, [inf]),
    ("sin_of_nan", nt.sin, [nan], nan, [nan]),
    ("sin_of_inf", nt.sin, [inf], nan, [nan]),
    ("tan_of_inf", nt.tan, [inf], nan, [nan]),
    ("tanh_of_inf", nt.tanh, [inf], 1.0, [0.0]),
    ("sigmoid_of_inf", nt.sigmoid, [inf], 1.0, [0.0]),
    ("sigmoid_of_minus_inf", nt.sigmoid, [-inf], 0.0, [0.0]),
    ("softplus_of_inf", nt.softplus, [inf], inf, [1.0]),
    ("asin_at_1", nt.asin, [1.0], math.pi / 2, [inf]),
    ("asin_outside_domain", nt.asin, [2.0], nan, [nan]),
    ("acos_at_1", nt.acos, [1.0], 0.0, [-inf]),
    ("inf_minus_inf", nt.subtract, [inf, inf], nan, [1.0, -1.0]),
    ("inf_times_zero", nt.multiply, [inf, 0.0], nan, [0.0, inf]),
    ("pow_0_to_half", nt.pow, [0.0, 0.5], 0.0, [inf, 0.0]),
    ("pow_0_to_2", nt.pow, [0.0, 2.0], 0.0, [0.0, 0.0]),
    ("pow_0_to_minus_1", nt.pow, [0.0, -1.0], inf, [-inf, nan]),  # TF: z * (log x where x > 0 else 0) = inf * 0
    ("pow_negative_base_fraction", nt.pow, [-8.0, 1.0 / 3.0], nan, [nan, nan]),
    ("relu_of_nan", nt.relu, [nan], nan, [0.0]),
    ("abs_of_nan", nt.abs, [nan], nan, [nan]),
    ("maximum_with_nan_first", nt.maximum, [nan, 1.0], nan, [0.0, 1.0]),
    ("atan2_at_origin", nt.atan2, [0.0, 0.0], 0.0, [nan, nan]),
    ("mod_by_zero", nt.mod, [1.0, 0.0], nan, [1.0, -inf]),
    ("mod_of_nan", nt.mod, [nan, 2.0], nan, [1.0, nan]),
    ("mod_huge_quotient", nt.mod, [1e20, 1.0], 0.0, [1.0, -1e20]),
]


def _first_order_params() -> list[Any]:
    params = []
    for case in FIRST_ORDER:
        for layout in LAYOUTS:
            for mode in MODES:
                for dtype in DTYPES:
                    params.append(pytest.param(case, layout, mode, dtype,
                                               id=f"{case[0]}-{layout}-{mode}-{np.dtype(dtype).name}"))
    return params


@pytest.mark.parametrize("case, layout, mode, dtype", _first_order_params())
def test_values_and_gradients_follow_ieee(case, layout, mode, dtype) -> None:
    _, f, inputs, value, grads = case
    args = [_tensor(x, LAYOUTS[layout], dtype) for x in inputs]
    y, got = gradients(f, args, mode)
    assert y.dtype == np.dtype(dtype)
    assert_ieee_equal(y.numpy(), value, dtype)
    for g, expected in zip(got, grads):
        assert g is not None and g.dtype == np.dtype(dtype)
        assert_ieee_equal(g.numpy(), expected, dtype)


# Reductions and composites: (id, f, input vector, value, gradient vector).
REDUCTIONS = [
    ("sum_inf_minus_inf", nt.reduce_sum, [inf, -inf], nan, [1.0, 1.0]),
    ("sum_overflow", nt.reduce_sum, [1e308, 1e308], inf, [1.0, 1.0]),
    ("max_with_nan", nt.reduce_max, [nan, 1.0], nan, [nan, nan]),  # TF: ties indicator 0 / count 0
    ("max_of_infs", nt.reduce_max, [inf, inf], inf, [0.5, 0.5]),
    ("prod_zero_times_inf", nt.reduce_prod, [0.0, inf], nan, [inf, 0.0]),
    ("norm_at_0", nt.norm, [0.0, 0.0], 0.0, [0.0, 0.0]),
    ("norm_of_inf", nt.norm, [inf, 1.0], inf, [nan, 0.0]),
    ("logsumexp_of_minus_infs", nt.reduce_logsumexp, [-inf, -inf], -inf, [nan, nan]),
    ("logsumexp_huge", nt.reduce_logsumexp, [1000.0, 1000.0], 1000.0 + math.log(2.0), [0.5, 0.5]),
    ("mean_with_nan", nt.reduce_mean, [nan, 1.0], nan, [0.5, 0.5]),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", REDUCTIONS, ids=[c[0] for c in REDUCTIONS])
def test_reductions_follow_ieee(case, mode) -> None:
    _, f, inputs, value, grads = case
    x = nt.constant(inputs)
    y, (g,) = gradients(f, [x], mode)
    assert_ieee_equal(y.numpy(), value, np.float64)
    for got, expected in zip(g.numpy(), grads):
        assert_ieee_equal(got, expected, np.float64)


# Second derivatives: (id, f, x, f''(x)) by calculus.
SECOND_ORDER = [
    ("sqrt_at_0", nt.sqrt, 0.0, -inf),  # -x**-1.5 / 4
    ("log_at_0", nt.log, 0.0, -inf),  # -1/x**2
    ("exp_overflow", nt.exp, 1000.0, inf),
    ("reciprocal_at_0", nt.reciprocal, 0.0, inf),  # 2/x**3 at +0
    ("sin_of_nan", nt.sin, nan, nan),
    ("tanh_of_inf", nt.tanh, inf, 0.0),  # -2 tanh (1 - tanh**2) = -2 * 1 * 0
]


@pytest.mark.parametrize("layout", ["scalar", "array"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_derivatives_follow_ieee(case, mode, layout) -> None:
    _, f, x0, expected = case
    x = _tensor(x0, LAYOUTS[layout], np.float64)

    def first(t: nt.Tensor) -> nt.Tensor:
        with nt.GradientTape() as inner:
            inner.watch(t)
            y = f(t)
        return inner.gradient(y, t)

    _, (second,) = gradients(first, [x], mode)
    assert_ieee_equal(second.numpy(), expected, np.float64)


def test_float32_gradient_that_overflows_is_inf_without_a_warning() -> None:
    for shape in [(), (3,), (5000,)]:
        x = _tensor(1.0, shape, np.float32)
        c = nt.constant(np.float32(1e30))
        seed = _tensor(1e30, shape, np.float32)
        for mode in MODES:
            _, (g,) = gradients(lambda t: t * c, [x], mode, output_gradients=seed)
            assert g.dtype == np.float32
            assert_ieee_equal(g.numpy(), inf, np.float32)


def test_conversions_that_overflow_float32_give_inf_without_a_warning() -> None:
    assert nt.constant(1e300, dtype="float32").numpy() == np.float32(inf)
    assert np.all(nt.constant(np.full(3, -1e300), dtype=np.float32).numpy() == -np.inf)
    assert nt.constant(np.longdouble(1e300) * np.longdouble(1e300)).numpy() == inf


# ---------------------------------------------------------------------------
# Every op on special values: no exception, no warning, and both paths agree
# ---------------------------------------------------------------------------
SPECIAL = np.array([0.0, -0.0, inf, -inf, nan, 1e308, -1e308, 1e-308, 3e38, -3e38, 1.0, -2.5])
_OPS = [(name, f, shapes) for name, f, shapes in CASES]
_OPS += [(s.name, getattr(nt, s.name), [(12,)] * s.arity) for s in ELEMENTWISE.values()]
_OPS += [(s.name + "_scalar", getattr(nt, s.name), [()] * s.arity) for s in ELEMENTWISE.values()]


def _special_sample(shape: tuple[int, ...], dtype: Any, rng: np.random.Generator) -> Any:
    v = rng.choice(SPECIAL, size=int(np.prod(shape))).reshape(shape)
    with np.errstate(all="ignore"):
        return v.astype(dtype) if shape else dtype(v)


def _sweep_params() -> list[Any]:
    params = []
    for name, f, shapes in _OPS:
        params.append(pytest.param(name, f, shapes, id=name))
    return params


@pytest.mark.parametrize("name, f, shapes", _sweep_params())
def test_special_values_never_raise_never_warn_and_paths_agree(name, f, shapes) -> None:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for trial in range(4):
        for dtype in DTYPES:
            args = [_special_sample(s, dtype, rng) for s in shapes]
            results = {}
            for mode in MODES:
                ts = [nt.constant(a) for a in args]
                _, grads = gradients(f, ts, mode)
                results[mode] = [None if g is None else np.asarray(g.numpy(), np.float64) for g in grads]
            # second order through the recorded path: must not raise or warn either
            ts = [nt.constant(a) for a in args]
            with nt.GradientTape() as outer:
                outer.watch(ts)
                _, grads = gradients(f, ts, "recorded")
                total = None
                for g in grads:
                    if g is not None:
                        total = nt.reduce_sum(g) if total is None else total + nt.reduce_sum(g)
            if total is not None:
                outer.gradient(total, ts)
            if dtype is np.float64:  # float32 kernels compute widened: only float64 must agree bit for bit
                for fast, recorded in zip(results["fast"], results["recorded"]):
                    assert (fast is None) == (recorded is None)
                    if fast is not None:
                        # bit for bit, except 1 ulp where a derivative calls exp/erfc: the compiled
                        # kernels use libm's, the recorded path NumPy's SIMD one (ndtr at -2.5)
                        with np.errstate(invalid="ignore"):  # inf - inf where both are inf: equal already
                            near = np.abs(fast - recorded) <= np.spacing(np.abs(recorded))
                        same = (fast == recorded) | (np.isnan(fast) & np.isnan(recorded)) | near
                        assert same.all(), (name, args, fast, recorded)
