"""gammainc/gammaincc (numtape/_kernels/incgammafn.py, numtape/ops/incomplete_gamma.py): values
against SciPy over a wide grid and against mpmath where SciPy's series truncates, SciPy's edge
conventions, and derivatives in a (first, second, third order) against central differences of
SciPy's own gammainc/gammaincc, in x against scipy.stats.gamma.pdf."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import numtape as nt


def _scalar(name, a, x):
    """The ported kernels: element by element through the scalar fast path."""
    op = getattr(nt, name)
    return np.array([op(nt.constant(float(u)), nt.constant(float(v))).numpy() for u, v in zip(a, x)])


_A, _X = (v.ravel() for v in np.meshgrid(np.geomspace(1e-3, 1e3, 61), np.geomspace(1e-4, 1e4, 81)))


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_values_match_scipy_over_a_wide_grid(name):
    want = getattr(sp, name)(_A, _X)
    got = _scalar(name, _A, _X)
    normal = want > 1e-290  # SciPy flushes its prefactor to 0 below exp(-709); the kernels keep subnormals
    rel = np.abs(got - want)[normal] / want[normal]
    # exp(E) of an exponent E ~ log(value) carries |E| eps of unavoidable relative error
    assert np.all(rel <= 5e-14 * (1.0 + np.abs(np.log(want[normal])))), rel.max()
    assert np.all(rel[(_A[normal] <= 200) & (want[normal] > 1e-30)] <= 2.5e-13)
    assert np.all(got[~normal] <= 1e-280)
    np.testing.assert_array_equal(getattr(nt, name)(nt.constant(_A), nt.constant(_X)).numpy(), want)  # arrays: SciPy


# mpmath (30 digits) where SciPy's 2000-term series truncates (a large, 4.5 sqrt(a) < a - x < 9 sqrt(a))
_MPMATH = [
    (96381126.05192855, 96335331.68026128, 1.5406611175412281e-6, 9.80294997986e-07),
    (30742832.00998788, 30717278.623829342, 2.0143419759488313e-6, 1.68101342546e-06),
    (81649960.31499343, 81608833.27133596, 2.6547113808850096e-6, 1.75007848632e-06),
]


def test_values_where_scipy_truncates_its_series_match_mpmath():
    for a, x, p, scipy_value in _MPMATH:
        got = nt.gammainc(nt.constant(a), nt.constant(x)).numpy()
        assert abs(got / p - 1.0) < 2e-13, (a, x, got, p)
        if scipy_value is not None:  # SciPy's own (wrong) value, so that the reference is not moot
            assert abs(sp.gammainc(a, x) / scipy_value - 1.0) < 1e-10


def test_edge_conventions_are_scipy_s():
    specials = np.array([0.0, 1e-300, 0.5, 1.0, 3.0, np.inf, np.nan, -1.0, -np.inf])
    a, x = (v.ravel() for v in np.meshgrid(specials, specials))
    for name in ("gammainc", "gammaincc"):
        with np.errstate(all="ignore"):
            want = getattr(sp, name)(a, x)
        got = _scalar(name, a, x)
        np.testing.assert_allclose(got, want, rtol=3e-14, atol=0)  # SciPy's P(1e-300, 0.5) is 1 + 2.3e-14
        assert np.all((got[~np.isnan(got)] >= 0.0) & (got[~np.isnan(got)] <= 1.0))


def test_huge_a_by_temme_and_its_a_derivative_nan_past_the_term_limit():
    value = nt.gammainc(nt.constant(1e12), nt.constant(1e12 - 1e5)).numpy()
    assert abs(value / sp.gammainc(1e12, 1e12 - 1e5) - 1.0) < 1e-14  # SciPy's Temme expansion there too
    with nt.GradientTape() as tape:
        a = nt.constant(np.array([1e12, 3.0]))
        tape.watch(a)
        y = nt.reduce_sum(nt.gammainc(a, np.array([1e12 - 1e5, 2.0])))
    g = tape.gradient(y, a).numpy()
    assert np.isnan(g[0]) and np.isfinite(g[1])


# ---------------------------------------------------------------------------
# derivatives
# ---------------------------------------------------------------------------
_DA = [0.02, 0.3, 1.0, 2.5, 7.0, 30.0, 150.0, 1000.0]
_DX = [1e-3, 0.1, 0.5, 1.0, 2.0, 5.0, 20.0, 100.0, 1100.0, 5000.0]
_PA, _PX = (v.ravel() for v in np.meshgrid(_DA, _DX))


def _small_side(a, x):
    """The one of P, Q that is below 1/2 there, with its sign: d P = -d Q, and only the smaller
    one keeps its relative accuracy under differences."""
    if sp.gammainc(a, x) < 0.5:
        return lambda t: sp.gammainc(t, x), 1.0
    return lambda t: sp.gammaincc(t, x), -1.0


def _stencils(f, a, x):
    """First, second and third derivatives by 5-point central differences (error O(h^4), O(h^2)), the
    step short against the scale on which log f changes (d log f / da ~ log x - digamma(a + 1))."""
    h = min(1e-3 * max(a, 1.0), 0.02 / max(abs(np.log(x) - sp.digamma(a + 1.0)), 1e-3))
    f2, f1, f0, g1, g2 = (f(a + k * h) for k in (2, 1, 0, -1, -2))
    return ((-f2 + 8 * f1 - 8 * g1 + g2) / (12 * h), (-f2 + 16 * f1 - 30 * f0 + 16 * g1 - g2) / (12 * h * h),
            (f2 - 2 * f1 + 2 * g1 - g2) / (2 * h ** 3))


def _references():
    keep, first, second = [], [], []
    for a, x in zip(_PA, _PX):
        f, sign = _small_side(a, x)
        if f(a) < 1e-250:  # underflowed: nothing to difference
            continue
        d1, d2, _ = _stencils(f, a, x)
        keep.append((a, x))
        first.append(sign * d1)
        second.append(sign * d2)
    a, x = np.array(keep).T
    return a, x, np.array(first), np.array(second)


def _hessian_diagonal(fn, a, x):
    hess = nt.hessian(lambda t: nt.reduce_sum(fn(t, x)))(a)
    return np.diag(hess)


@pytest.mark.parametrize("name, sign", [("gammainc", 1.0), ("gammaincc", -1.0)])
def test_a_derivatives_match_central_differences_of_scipy(name, sign):
    a, x, first, second = _references()
    fn = getattr(nt, name)
    got1 = nt.grad(lambda t: nt.reduce_sum(fn(t, x)))(a)
    got2 = _hessian_diagonal(fn, a, x)
    scale = np.minimum(sp.gammainc(a, x), sp.gammaincc(a, x))
    np.testing.assert_allclose(got1, sign * first, rtol=2e-7, atol=0)
    err2 = np.abs(got2 - sign * second)
    assert np.all(err2 <= 2e-6 * (np.abs(second) + np.abs(first) + scale)), np.max(err2 / np.abs(second))


def test_a_derivatives_recorded_path_equals_compiled_path_far_out():
    a = np.array([0.02, 3.0, 150.0, 1000.0, 7.0])
    x = np.array([50.0, 200.0, 3.0, 1100.0, 7.5])
    fast = nt.grad(lambda t: nt.reduce_sum(nt.gammainc(t, x)))(a)
    with nt.GradientTape() as outer:
        t = nt.constant(a)
        outer.watch(t)
        with nt.GradientTape() as inner:
            inner.watch(t)
            y = nt.reduce_sum(nt.gammainc(t, x))
        g = inner.gradient(y, t)
        second = nt.reduce_sum(g)
    np.testing.assert_array_equal(g.numpy(), fast)  # the hand-off runs the very kernel
    recorded2 = outer.gradient(second, t).numpy()
    np.testing.assert_allclose(recorded2, _hessian_diagonal(nt.gammainc, a, x), rtol=1e-13)


def test_third_derivative_in_a_and_mixed_derivatives():
    a = np.array([0.7, 2.5, 6.0, 40.0])
    x = np.array([1.3, 0.8, 11.0, 38.0])
    third = nt.grad(lambda t: nt.reduce_sum(nt.grad(lambda s: nt.reduce_sum(
        nt.grad(lambda r: nt.reduce_sum(nt.gammainc(r, x)))(s)))(t)))(a)
    for k in range(a.size):
        f, sign = _small_side(a[k], x[k])
        want = sign * _stencils(f, a[k], x[k])[2]
        assert abs(third[k] - want) <= 1e-4 * abs(want), (k, third[k], want)
    mixed = nt.grad(lambda t: nt.reduce_sum(nt.grad(lambda s: nt.reduce_sum(nt.gammainc(s, t)))(a)))(x)
    want = np.array([_stencils(lambda t: st.gamma.pdf(xk, t), ak, xk)[0] for ak, xk in zip(a, x)])
    np.testing.assert_allclose(mixed, want, rtol=1e-7)


def test_x_derivatives_are_the_gamma_density():
    a = np.array([0.3, 1.0, 2.5, 30.0, 0.05])
    x = np.array([0.2, 3.0, 1.5, 25.0, 7.0])
    for name, sign in (("gammainc", 1.0), ("gammaincc", -1.0)):
        fn = getattr(nt, name)
        np.testing.assert_allclose(nt.grad(lambda t: nt.reduce_sum(fn(a, t)))(x), sign * st.gamma.pdf(x, a),
                                   rtol=1e-13)
        slope = np.diag(nt.hessian(lambda t: nt.reduce_sum(fn(a, t)))(x))
        np.testing.assert_allclose(slope, sign * st.gamma.pdf(x, a) * ((a - 1) / x - 1), rtol=1e-12)
    # x^399 e^-410 / Gamma(400) by mpmath: SciPy's gamma.pdf is 5e-13 off here
    assert abs(nt.grad(lambda t: nt.gammainc(400.0, t))(410.0) / 0.0172054907493830997 - 1) < 1e-14


def test_a_derivative_at_a_zero_is_minus_e1():
    x = np.array([0.3, 1.0, 4.0])
    got = nt.grad(lambda t: nt.reduce_sum(nt.gammainc(t, x)))(np.zeros(3))
    np.testing.assert_allclose(got, -sp.exp1(x), rtol=1e-13)


def test_scipy_and_tensorflow_names_record_on_tensors():
    a, x = np.array([0.5, 2.0, 9.0]), np.array([1.0, 2.5, 4.0])
    got = nt.grad(lambda t: nt.reduce_sum(sp.gammainc(a, t) - sp.gammaincc(a, t)))(x)
    np.testing.assert_allclose(got, 2.0 * st.gamma.pdf(x, a), rtol=1e-13)
    assert nt.math.igamma is nt.gammainc and nt.math.igammac is nt.gammaincc
    assert nt.special.gammainc is nt.gammainc


def test_temme_expansion_agrees_with_the_long_series_where_both_apply():
    from numtape._kernels import incgammafn as IG

    a = 1.5e9  # the series still converges in its term limit here; SciPy's 2000 terms do not
    for k in (-20.0, -8.0, -3.0, -0.5):
        x = a + k * np.sqrt(a)
        assert abs(IG._temme(a, x, True) / IG.igam_series(a, x) - 1.0) < 2e-12, k
    x = a - 8.0 * np.sqrt(a)
    assert abs(sp.gammainc(a, x) / IG._temme(a, x, True) - 1.0) > 0.5  # SciPy's truncated sum
