"""NumPy's other real ufuncs (numtape/ops/numpy_ufuncs.py): conventions at kinks, NaN and
infinities, accuracy where the closed forms cancel or overflow, NumPy dispatch, float32.

The generated tests (test_registry, test_function, test_ieee, test_handoff) already check
every row against its ufunc and finite differences; these pin the documented choices, with
expected numbers from calculus, never from numtape itself.
"""
from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import numtape as nt

from .test_ieee import MODES, assert_ieee_equal, gradients

inf, nan = math.inf, math.nan
LAYOUTS = {"scalar": (), "array": (3,)}


def _tensor(x: float, shape: tuple[int, ...], dtype=np.float64) -> nt.Tensor:
    return nt.constant(np.full(shape, x, dtype)) if shape else nt.constant(dtype(x) if dtype is np.float32 else x)


# (id, f, inputs, value, gradients): calculus, IEEE 754 and the documented conventions.
CASES = [
    ("fmax_nan_first", nt.fmax, [nan, 2.0], 2.0, [0.0, 1.0]),
    ("fmax_nan_second", nt.fmax, [2.0, nan], 2.0, [1.0, 0.0]),
    ("fmax_both_nan", nt.fmax, [nan, nan], nan, [1.0, 0.0]),
    ("fmax_tie", nt.fmax, [1.5, 1.5], 1.5, [1.0, 0.0]),
    ("fmax_numbers", nt.fmax, [-1.0, 3.0], 3.0, [0.0, 1.0]),
    ("fmin_nan_first", nt.fmin, [nan, 2.0], 2.0, [0.0, 1.0]),
    ("fmin_nan_second", nt.fmin, [2.0, nan], 2.0, [1.0, 0.0]),
    ("fmin_tie", nt.fmin, [1.5, 1.5], 1.5, [1.0, 0.0]),
    ("fmin_numbers", nt.fmin, [-1.0, 3.0], -1.0, [1.0, 0.0]),
    ("copysign_positive_zero_x", nt.copysign, [0.0, -2.0], -0.0, [-1.0, 0.0]),
    ("copysign_negative_zero_x", nt.copysign, [-0.0, 3.0], 0.0, [1.0, 0.0]),
    ("copysign_negative_zero_y", nt.copysign, [2.0, -0.0], -2.0, [-1.0, 0.0]),  # the sign bit of y decides
    ("copysign_flip", nt.copysign, [-2.0, 5.0], 2.0, [-1.0, 0.0]),
    ("copysign_same", nt.copysign, [-2.0, -5.0], -2.0, [1.0, 0.0]),
    ("hypot_origin", nt.hypot, [0.0, 0.0], 0.0, [0.0, 0.0]),  # JAX's convention
    ("hypot_huge", nt.hypot, [3e300, 4e300], 5e300, [0.6, 0.8]),
    ("hypot_tiny", nt.hypot, [3e-300, -4e-300], 5e-300, [0.6, -0.8]),
    ("hypot_inf_nan", nt.hypot, [inf, nan], inf, [nan, nan]),
    ("logaddexp_minus_infs", nt.logaddexp, [-inf, -inf], -inf, [nan, nan]),  # as reduce_logsumexp
    ("logaddexp_huge_equal", nt.logaddexp, [1000.0, 1000.0], 1000.0 + math.log(2.0), [0.5, 0.5]),
    ("logaddexp_huge_apart", nt.logaddexp, [1000.0, -1000.0], 1000.0, [1.0, 0.0]),
    ("logaddexp_one_minus_inf", nt.logaddexp, [-inf, 2.0], 2.0, [0.0, 1.0]),
    ("logaddexp_one_inf", nt.logaddexp, [inf, 2.0], inf, [1.0, 0.0]),
    ("logaddexp2_minus_infs", nt.logaddexp2, [-inf, -inf], -inf, [nan, nan]),
    ("logaddexp2_huge_equal", nt.logaddexp2, [1000.0, 1000.0], 1001.0, [0.5, 0.5]),
    ("logaddexp2_huge_apart", nt.logaddexp2, [-3000.0, 3000.0], 3000.0, [0.0, 1.0]),
    ("logaddexp2_three_to_one", nt.logaddexp2, [math.log2(3.0), 0.0], 2.0, [0.75, 0.25]),
    ("cbrt_negative", nt.cbrt, [-8.0], -2.0, [1.0 / 12.0]),
    ("cbrt_negative_large", nt.cbrt, [-27e30], -3e10, [1.0 / 27e20]),
    ("cbrt_at_0", nt.cbrt, [0.0], 0.0, [inf]),
    ("cbrt_at_minus_0", nt.cbrt, [-0.0], -0.0, [inf]),
    ("arccosh_at_1", nt.arccosh, [1.0], 0.0, [inf]),
    ("arccosh_below_1", nt.arccosh, [0.5], nan, [nan]),
    ("arccosh_huge", nt.arccosh, [1e300], math.acosh(1e300), [1e-300]),
    ("arctanh_at_1", nt.arctanh, [1.0], inf, [inf]),
    ("arctanh_at_minus_1", nt.arctanh, [-1.0], -inf, [inf]),
    ("arctanh_outside", nt.arctanh, [2.0], nan, [-1.0 / 3.0]),  # the formula outside, as log's
    ("arcsinh_inf", nt.arcsinh, [inf], inf, [0.0]),
    ("arcsinh_negative", nt.arcsinh, [-0.75], math.asinh(-0.75), [0.8]),
    ("log10_at_0", nt.log10, [0.0], -inf, [inf]),
    ("log10_exact", nt.log10, [1000.0], 3.0, [1.0 / (1000.0 * math.log(10.0))]),
    ("exp2_overflow", nt.exp2, [2000.0], inf, [inf]),
    ("exp2_of_minus_inf", nt.exp2, [-inf], 0.0, [0.0]),
    ("exp2_exact", nt.exp2, [10.0], 1024.0, [1024.0 * math.log(2.0)]),
    ("deg2rad", nt.deg2rad, [180.0], math.pi, [math.pi / 180.0]),
    ("rad2deg", nt.rad2deg, [math.pi], 180.0, [180.0 / math.pi]),
    ("sinc_at_0", nt.sinc, [0.0], 1.0, [0.0]),
    ("sinc_at_1", nt.sinc, [1.0], math.sin(math.pi) / math.pi, [-1.0]),  # (cos(pi) - sinc(1))/1
    ("sinc_at_half", nt.sinc, [0.5], 2.0 / math.pi, [-4.0 / math.pi]),
    ("sinc_of_inf", nt.sinc, [inf], nan, [nan]),
]


def _params():
    return [pytest.param(case, layout, mode, id=f"{case[0]}-{layout}-{mode}")
            for case in CASES for layout in LAYOUTS for mode in MODES]


@pytest.mark.parametrize("case, layout, mode", _params())
def test_values_and_gradients_follow_the_documented_conventions(case, layout, mode) -> None:
    _, f, inputs, value, grads = case
    args = [_tensor(x, LAYOUTS[layout]) for x in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, got = gradients(f, args, mode)
    assert_ieee_equal(y.numpy(), value, np.float64)
    if value == 0.0:  # the sign of a zero result is NumPy's
        assert np.all(np.signbit(y.numpy()) == (math.copysign(1.0, value) < 0))
    for g, expected in zip(got, grads):
        assert_ieee_equal(g.numpy(), expected, np.float64)


# ---------------------------------------------------------------------------
# sinc near 0: the series against an exact Taylor sum
# ---------------------------------------------------------------------------
_PI = Fraction("3.14159265358979323846264338327950288419716939937510582097494459")


def _exact_sinc_derivatives(x: float) -> tuple[float, float, float]:
    """sinc, sinc' and sinc'' at x from their Taylor series in exact rationals (60 terms)."""
    t = _PI * Fraction(x)
    value = slope = curvature = Fraction(0)
    term = Fraction(1)  # (-1)**k (pi x)**(2k) / (2k + 1)!
    for k in range(60):
        value += term
        if x != 0:
            slope += term * 2 * k / Fraction(x)
            curvature += term * 2 * k * (2 * k - 1) / (Fraction(x) ** 2)
        term *= -t * t / ((2 * k + 2) * (2 * k + 3))
    if x == 0:
        curvature = -_PI * _PI / 3
    return float(value), float(slope), float(curvature)


def _first_and_second(f, x0: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = nt.constant(x0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        d = inner.gradient(y, x)
    return y.numpy(), d.numpy(), outer.gradient(d, x).numpy()


SINC_POINTS = [0.0, 1e-300, -1e-9, 1e-5, -3e-3, 0.05, 0.0999, 0.1, -0.1001, 0.3, 0.75, -1.6]


def test_sinc_and_its_derivatives_are_accurate_near_0() -> None:
    x0 = np.array(SINC_POINTS)
    y, d, dd = _first_and_second(nt.sinc, x0)
    exact = np.array([_exact_sinc_derivatives(x) for x in SINC_POINTS])
    np.testing.assert_allclose(y, exact[:, 0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(d, exact[:, 1], rtol=5e-15, atol=1e-300)
    np.testing.assert_allclose(dd, exact[:, 2], rtol=5e-14, atol=0)
    assert d[0] == 0.0 and dd[0] == pytest.approx(-math.pi ** 2 / 3, rel=2e-16)


def test_sinc_compiled_derivatives_are_accurate_near_0() -> None:
    x0 = np.array(SINC_POINTS)
    exact = np.array([_exact_sinc_derivatives(x) for x in SINC_POINTS])
    g = nt.function(lambda x: nt.reduce_sum(nt.sinc(x)))
    np.testing.assert_allclose(g.grad(x0), exact[:, 1], rtol=5e-15, atol=1e-300)
    np.testing.assert_allclose(np.diag(g.hessian(x0)), exact[:, 2], rtol=5e-14, atol=0)
    assert nt.hessian(lambda x: nt.sinc(x))(0.0) == pytest.approx(-math.pi ** 2 / 3, rel=1e-15)


# ---------------------------------------------------------------------------
# Second derivatives at the conventions' points
# ---------------------------------------------------------------------------
def test_hypot_second_derivatives_are_0_at_the_origin_and_exact_elsewhere() -> None:
    f = nt.function(lambda w: nt.hypot(w[0], w[1]))
    np.testing.assert_array_equal(f.hessian(np.array([0.0, 0.0])), np.zeros((2, 2)))
    a, b = 3e200, 4e200  # the Hessian is [[b^2, -ab], [-ab, a^2]] / r^3: no overflow on the way
    expected = np.array([[16.0, -12.0], [-12.0, 9.0]]) / 125.0 * 1e-200
    np.testing.assert_allclose(f.hessian(np.array([a, b])), expected, rtol=1e-14)
    np.testing.assert_allclose(nt.hessian(lambda w: nt.hypot(w[0], w[1]))(np.array([a, b])), expected, rtol=1e-14)


def test_logaddexp_second_derivatives_stay_finite_for_large_arguments() -> None:
    w0 = np.array([1000.0, 1000.0])  # exp(1000) would overflow
    for hess in (nt.function(lambda w: nt.logaddexp(w[0], w[1])).hessian,
                 nt.hessian(lambda w: nt.logaddexp(w[0], w[1]))):
        np.testing.assert_allclose(hess(w0), [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-15)
    h2 = nt.hessian(lambda w: nt.logaddexp2(w[0], w[1]))(np.array([-5e3, -5e3]))
    np.testing.assert_allclose(h2, np.array([[1.0, -1.0], [-1.0, 1.0]]) * 0.25 * math.log(2.0), rtol=1e-15)


def test_cbrt_of_negatives_and_its_derivatives() -> None:
    x0 = np.array([-8.0, -1e-3, -64.0, 27.0])
    y, d, dd = _first_and_second(nt.cbrt, x0)
    np.testing.assert_allclose(y, [-2.0, -0.1, -4.0, 3.0], rtol=1e-15)
    np.testing.assert_allclose(d, 1.0 / (3.0 * np.cbrt(x0) ** 2), rtol=1e-15)
    np.testing.assert_allclose(dd, -2.0 / 9.0 * np.sign(x0) * np.abs(x0) ** (-5.0 / 3.0), rtol=1e-14)
    compiled = nt.function(lambda x: nt.reduce_sum(nt.cbrt(x))).hessian(x0)
    np.testing.assert_allclose(np.diag(compiled), dd, rtol=1e-14)


# ---------------------------------------------------------------------------
# float32: no overflow where float64 intermediates would be needed, float32 results
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_float32_values_and_gradients(mode) -> None:
    f32 = np.float32
    cases = [
        (nt.hypot, [1e30, 1e30], math.sqrt(2.0) * 1e30, [math.sqrt(0.5)] * 2),  # 1e60 overflows float32
        (nt.logaddexp, [100.0, 100.0], 100.0 + math.log(2.0), [0.5, 0.5]),  # exp(100) overflows float32
        (nt.logaddexp2, [200.0, 199.0], 200.0 + math.log2(1.5), [2.0 / 3.0, 1.0 / 3.0]),
        (nt.cbrt, [-0.125], -0.5, [4.0 / 3.0]),
        (nt.sinc, [1e-3], _exact_sinc_derivatives(float(f32(1e-3)))[0], [_exact_sinc_derivatives(float(f32(1e-3)))[1]]),
        (nt.fmax, [nan, -1.0], -1.0, [0.0, 1.0]),
        (nt.copysign, [3.0, -0.0], -3.0, [-1.0, 0.0]),
    ]
    for f, inputs, value, grads in cases:
        for shape in ((), (4,)):
            args = [_tensor(x, shape, f32) for x in inputs]
            y, got = gradients(f, args, mode)
            assert y.dtype == f32, f.__name__
            assert_ieee_equal(y.numpy(), value, f32)
            for g, expected in zip(got, grads):
                assert g.dtype == f32, f.__name__
                assert_ieee_equal(g.numpy(), expected, f32)


# ---------------------------------------------------------------------------
# The data rows and NumPy dispatch
# ---------------------------------------------------------------------------
def test_rounding_rows_give_numpys_values_and_signed_zeros_and_no_gradient() -> None:
    x0 = [-2.5, -1.5, -0.5, -0.0, 0.0, 0.4, 0.5, 1.5, 2.5, 2.0 ** 60 + 0.0, inf, -inf, nan]
    for op, ufunc in ((nt.ceil, np.ceil), (nt.trunc, np.trunc), (nt.rint, np.rint)):
        expected = ufunc(np.array(x0))
        for x, want in zip(x0, expected):  # the Python-float fast path
            got = float(op(nt.constant(x)).numpy())
            assert (got == want and math.copysign(1, got) == math.copysign(1, want)) or (math.isnan(got) and
                                                                                       math.isnan(want)), (op, x)
        got = op(nt.constant(np.array(x0, np.float32))).numpy()
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, ufunc(np.array(x0, np.float32)))
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
        x = nt.constant(1.3)
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = op(x) * x
        assert tape.gradient(y, x).numpy() == op(x).numpy()  # d/dx [c(x) x] = c(x): c is data


def test_heaviside_takes_its_second_argument_at_0() -> None:
    x = nt.constant([-1.0, -0.0, 0.0, 2.0, nan])
    np.testing.assert_array_equal(nt.heaviside(x, 0.5).numpy(), [0.0, 0.5, 0.5, 1.0, nan])
    assert nt.heaviside(nt.constant(0.0), 0.25).numpy() == 0.25
    h = nt.constant(0.5)
    with nt.GradientTape() as tape:
        tape.watch([x, h])
        y = nt.heaviside(x, h)
    assert tape.gradient(y, [x, h]) == [None, None]


NUMPY_NAMES = [
    ("log10", np.log10), ("exp2", np.exp2), ("cbrt", np.cbrt), ("arcsinh", np.arcsinh), ("arccosh", np.arccosh),
    ("arctanh", np.arctanh), ("deg2rad", np.deg2rad), ("deg2rad", np.radians), ("rad2deg", np.rad2deg),
    ("rad2deg", np.degrees), ("sinc", np.sinc), ("hypot", np.hypot), ("logaddexp", np.logaddexp),
    ("logaddexp2", np.logaddexp2), ("copysign", np.copysign), ("fmax", np.fmax), ("fmin", np.fmin),
]


@pytest.mark.parametrize("name, np_function", NUMPY_NAMES, ids=lambda v: getattr(v, "__name__", v))
def test_numpy_functions_on_tensors_record_the_row(name, np_function, rng) -> None:
    op = getattr(nt, name)
    lo, hi = {"arccosh": (1.2, 3.0), "log10": (0.1, 3.0)}.get(name, (-0.9, 0.9))
    args0 = [rng.uniform(lo, hi, (2, 3)) for _ in range(2 if isinstance(np_function, np.ufunc) and
                                                         np_function.nin == 2 else 1)]
    results = []
    for f in (np_function, op):
        ts = [nt.constant(a) for a in args0]
        with nt.GradientTape() as tape:
            tape.watch(ts)
            y = f(*ts)
            total = nt.reduce_sum(y)
        assert isinstance(y, nt.Tensor)
        results.append((y.numpy(), [g.numpy() for g in tape.gradient(total, ts)]))
    np.testing.assert_array_equal(results[0][0], np_function(*args0))
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("np_function", [np.ceil, np.trunc, np.rint, np.heaviside], ids=lambda f: f.__name__)
def test_numpy_rounding_on_tensors_is_recorded_as_data(np_function) -> None:
    x = nt.constant([-1.5, 0.0, 2.5])
    args = (x, 0.5) if np_function is np.heaviside else (x,)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = np_function(*args)
    assert isinstance(y, nt.Tensor)
    np.testing.assert_array_equal(y.numpy(), np_function(*[np.asarray(a) for a in args]))
    assert tape.gradient(y, x) is None


def test_integer_operands() -> None:
    i = nt.constant([1, -3], dtype=np.int64)
    assert nt.fmax(i, i).dtype == np.int64  # like maximum: integer arithmetic, not recorded
    with pytest.raises(TypeError, match="hypot"):
        nt.hypot(i, i)
    with pytest.raises(TypeError, match="cbrt"):
        nt.cbrt(i)
