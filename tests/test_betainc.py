"""betainc (numtape/_kernels/betaincfn.py, numtape/ops/incomplete_beta.py) and the distribution
functions over it (numtape/ops/stats_incomplete_beta.py), beyond the generated per-row tests:
values against SciPy over a wide grid, the derivatives in a and b against central differences of
SciPy's betainc, SciPy's edge conventions, dispatch, and the refused second derivative in (a, b)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import numtape as nt
from numtape.ops.incomplete_beta import partials


def _grid(rng: np.random.Generator, low: float, high: float, n: int = 20000) -> tuple[np.ndarray, ...]:
    a, b = (10.0 ** rng.uniform(low, high, n) for _ in range(2))
    return a, b, rng.uniform(0.0, 1.0, n)


@pytest.mark.parametrize("low, high, rtol", [(-3.0, 0.0, 1e-13), (-1.0, 1.0, 1e-13), (0.0, 2.0, 3e-13),
                                             (1.0, 3.0, 2e-12)])
def test_values_match_scipy_over_a_wide_grid(low: float, high: float, rtol: float) -> None:
    # log10(a), log10(b) uniform in [low, high]; values below 1e-250 are left out, where SciPy
    # (Boost) itself loses digits (1.6e-5 relative at 6e-298, checked against mpmath)
    a, b, x = _grid(np.random.default_rng(7), low, high)
    got = partials((a, b, x))[0]
    expected = sc.betainc(a, b, x)
    kept = expected > 1e-250
    np.testing.assert_allclose(got[kept], expected[kept], rtol=rtol, atol=0.0)
    assert np.all(got[~kept] < 1e-240)


@pytest.mark.parametrize("low, high", [(-2.0, 0.0), (-1.0, 1.0), (0.0, 2.5)])
def test_shape_derivatives_match_central_differences_of_scipy(low: float, high: float) -> None:
    rng = np.random.default_rng(3)
    a, b, x = _grid(rng, low, high, 3000)
    x = np.clip(x, 0.01, 0.99)
    da, db = partials((a, b, x))[1:3]
    ha, hb = 1e-5 * a, 1e-5 * b
    fa = (sc.betainc(a + ha, b, x) - sc.betainc(a - ha, b, x)) / (2 * ha)
    fb = (sc.betainc(a, b + hb, x) - sc.betainc(a, b - hb, x)) / (2 * hb)
    # central differences are good to ~1e-9 relative, less where dI/da is tiny beside I
    value = sc.betainc(a, b, x)
    np.testing.assert_allclose(da, fa, rtol=1e-6, atol=1e-8 * np.max(np.abs(fa)))
    np.testing.assert_allclose(db, fb, rtol=1e-6, atol=1e-8 * np.max(np.abs(fb)))
    assert np.all(np.isfinite(da[value > 0])) and np.all(np.isfinite(db[value > 0]))


def test_shape_derivatives_at_integer_b_and_symmetric_points() -> None:
    # b = 1: I = x^a exactly, dI/da = x^a log x, dI/db = -x^a/a * (psi(a + 1) - psi(1) + log(1 - x)...)
    # checked against the math where it is closed form: I_x(a, 1) = x^a
    a, x = np.array([0.5, 2.0, 7.0, 40.0]), np.array([0.3, 0.6, 0.9, 0.97])
    da = partials((a, np.ones(4), x))[1]
    np.testing.assert_allclose(da, x ** a * np.log(x), rtol=1e-12)
    # I_x(a, b) = 1 - I_{1-x}(b, a): the partials swap with a sign
    b = np.array([3.0, 0.4, 12.0, 2.5])
    da1, db1 = partials((a, b, x))[1:3]
    da2, db2 = partials((b, a, 1.0 - x))[1:3]
    np.testing.assert_allclose(da1, -db2, rtol=1e-11)
    np.testing.assert_allclose(db1, -da2, rtol=1e-11)


def test_scipy_edge_conventions() -> None:
    inf, nan = np.inf, np.nan
    points = [(0, 1, 0.5), (1, 0, 0.5), (0, 0, 0.5), (0, 1, 0.0), (1, 0, 1.0), (-1, 1, 0.5), (1, -1, 0.5),
              (1, 1, -0.1), (1, 1, 1.1), (1, 1, nan), (nan, 1, 0.5), (inf, 1, 0.5), (1, inf, 0.5),
              (inf, inf, 0.5), (2, 3, 0.0), (2, 3, 1.0), (0.5, 0.5, 0.0)]
    a, b, x = (np.array(c, np.float64) for c in zip(*points))
    got = partials((a, b, x))[0]
    np.testing.assert_array_equal(got, sc.betainc(a, b, x))
    da, db = partials((a, b, x))[1:3]
    interior_edges = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b) & ((x == 0) | (x == 1))
    assert np.all(da[interior_edges] == 0) and np.all(db[interior_edges] == 0)  # I is constant in a, b there
    assert np.all(np.isnan(da[(a == 0) | (b == 0) | np.isinf(a) | np.isinf(b)]))
    tiny = (np.array([1e-300, 1.0]), np.array([1.0, 1e-300]), np.array([0.5, 0.5]))
    np.testing.assert_allclose(partials(tiny)[0], sc.betainc(*tiny), rtol=1e-15)


def test_scipy_ufunc_and_namespaces_record_the_op() -> None:
    a, b, x = nt.constant([0.5, 2.0, 3.0]), nt.constant(1.5), nt.constant([0.2, 0.5, 0.9])
    assert nt.special.betainc is nt.betainc and nt.math.betainc is nt.betainc
    with nt.GradientTape() as tape:
        tape.watch([a, b, x])
        y = sc.betainc(a, b, x)
    assert isinstance(y, nt.Tensor)
    ga, gb, gx = tape.gradient(y, [a, b, x])
    np.testing.assert_allclose(gx.numpy(), st.beta.pdf(x.numpy(), a.numpy(), 1.5), rtol=1e-13)
    assert gb.shape == ()


def _scipy_hessian(a: float, b: float, x: float, h: float = 1e-4) -> np.ndarray:
    """Central second differences of SciPy's betainc in (a, b, x)."""
    point, out = np.array([a, b, x]), np.empty((3, 3))
    f = lambda p: sc.betainc(*p)  # noqa: E731
    for i in range(3):
        for j in range(3):
            ei, ej = np.eye(3)[i] * h, np.eye(3)[j] * h
            out[i, j] = (f(point + ei + ej) - f(point + ei - ej) - f(point - ei + ej) + f(point - ei - ej)) / (4 * h * h)
    return out


@pytest.mark.parametrize("a, b, x", [(0.7, 2.5, 0.3), (3.0, 4.0, 0.8), (40.0, 15.0, 0.7), (0.3, 0.2, 0.55)])
def test_full_hessian_matches_second_differences_of_scipy(a: float, b: float, x: float) -> None:
    hess = np.asarray(nt.hessian(lambda p: nt.betainc(p[0], p[1], p[2]))(np.array([a, b, x])))
    expected = _scipy_hessian(a, b, x)
    np.testing.assert_allclose(hess, expected, rtol=2e-5, atol=2e-6 * np.max(np.abs(expected)))


def test_second_shape_partials_against_mixed_central_differences() -> None:
    # I_aa, I_ab, I_bb from the kernel against central second differences of SciPy's values
    a, b, x = np.array([0.5, 2.0, 9.0, 120.0]), np.array([1.5, 0.4, 30.0, 80.0]), np.array([0.2, 0.9, 0.3, 0.62])
    i_aa, i_ab, i_bb = partials((a, b, x))[3:6]
    h = 1e-4 * np.maximum(a, 1.0), 1e-4 * np.maximum(b, 1.0)
    f = sc.betainc
    aa = (f(a + h[0], b, x) - 2 * f(a, b, x) + f(a - h[0], b, x)) / h[0] ** 2
    bb = (f(a, b + h[1], x) - 2 * f(a, b, x) + f(a, b - h[1], x)) / h[1] ** 2
    ab = (f(a + h[0], b + h[1], x) - f(a + h[0], b - h[1], x) - f(a - h[0], b + h[1], x)
          + f(a - h[0], b - h[1], x)) / (4 * h[0] * h[1])
    for got, want in ((i_aa, aa), (i_ab, ab), (i_bb, bb)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-7 * np.max(np.abs(want)))


def test_third_derivative_in_a_raises_naming_betainc() -> None:
    a = nt.constant(2.0)
    with nt.GradientTape() as third:
        third.watch(a)
        with nt.GradientTape() as second:
            second.watch(a)
            with nt.GradientTape() as first:
                first.watch(a)
                y = nt.betainc(a, 3.0, 0.3)
            da = first.gradient(y, a)
        daa = second.gradient(da, a)
    with pytest.raises(ValueError, match="betainc: third derivatives in a and b"):
        third.gradient(daa, a)


def test_mixed_derivative_in_x_of_the_a_partial() -> None:
    # d/dx dI/da: the closed form density (log x - psi(a) + psi(a + b)), against mixed differences
    a, b = 2.0, 3.0
    x = nt.constant(0.3)
    at = nt.constant(a)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(at)
            y = nt.betainc(at, b, x)
        da = inner.gradient(y, at)
    got = outer.gradient(da, x).numpy()
    h = 1e-5
    numeric = ((sc.betainc(a + h, b, 0.3 + h) - sc.betainc(a - h, b, 0.3 + h))
               - (sc.betainc(a + h, b, 0.3 - h) - sc.betainc(a - h, b, 0.3 - h))) / (4 * h * h)
    np.testing.assert_allclose(got, numeric, rtol=1e-5)


def test_second_order_in_x_matches_the_density_slope() -> None:
    a, b = 0.7, 2.5
    hess = nt.hessian(lambda x: nt.reduce_sum(nt.betainc(a, b, x)))(np.array([0.2, 0.6]))
    xs = np.array([0.2, 0.6])
    h = 1e-6
    slope = (st.beta.pdf(xs + h, a, b) - st.beta.pdf(xs - h, a, b)) / (2 * h)
    np.testing.assert_allclose(np.diag(np.asarray(hess)), slope, rtol=1e-6)


def test_replay_at_new_parameters() -> None:
    f = nt.function(lambda a, b, x: nt.reduce_sum(nt.betainc(a, b, x)))
    args = [np.array([0.5, 3.0]), np.array([2.0, 1.5]), np.array([0.4, 0.7])]
    f.value_and_grad(*args, argnums=(0, 1, 2))
    new = [np.array([1.5, 0.8]), np.array([4.0, 0.6]), np.array([0.1, 0.95])]
    value, _ = f.value_and_grad(*new, argnums=(0, 1, 2))
    np.testing.assert_allclose(value, np.sum(sc.betainc(*new)), rtol=1e-14)
    hessian = nt.function(lambda p: nt.betainc(p[0], p[1], p[2])).hessian(np.array([0.7, 2.5, 0.3]))
    np.testing.assert_allclose(hessian, _scipy_hessian(0.7, 2.5, 0.3), rtol=2e-5, atol=1e-6)


def test_float32_in_float32_out_and_broadcast_error() -> None:
    y = nt.betainc(np.float32(2.0), np.float32(3.0), nt.constant(np.array([0.25, 0.5], np.float32)))
    assert y.dtype == np.float32
    with pytest.raises(ValueError, match="betainc"):
        nt.betainc(nt.constant(np.ones(3)), 1.0, nt.constant(np.ones(2) * 0.5))


def test_t_cdf_tails_centre_and_infinite_df() -> None:
    x = np.array([-1e3, -40.0, -3.0, -1e-8, 0.0, 1e-8, 0.5, 3.0, 40.0])
    for df in (0.7, 3.0, 30.0, 1e4):
        np.testing.assert_allclose(nt.stats.t.cdf(x, df).numpy(), st.t.cdf(x, df), rtol=1e-12, atol=0)
        np.testing.assert_allclose(nt.stats.t.sf(x, df).numpy(), st.t.sf(x, df), rtol=1e-12, atol=0)
    np.testing.assert_allclose(nt.stats.t.cdf(x, np.inf).numpy(), st.norm.cdf(x), rtol=1e-14)
    assert np.isnan(nt.stats.t.cdf(1.0, -1.0).numpy()) and np.isnan(nt.stats.t.cdf(1.0, 2.0, 0.0, -1.0).numpy())


def test_t_cdf_derivative_at_the_centre_is_the_density() -> None:
    for df in (0.7, 4.0):
        g = nt.grad(lambda x: nt.stats.t.cdf(x, df, 0.5, 2.0))(np.array(0.5))
        np.testing.assert_allclose(np.asarray(g), st.t.pdf(0.5, df, 0.5, 2.0), rtol=1e-13)
        h = nt.hessian(lambda x: nt.stats.t.cdf(x, df, 0.5, 2.0))(np.array(0.5))
        assert np.asarray(h) == 0.0  # the density's slope at its mode


def test_beta_cdf_sf_support_and_parameters() -> None:
    x = np.array([-0.5, 0.0, 1e-9, 0.3, 0.999, 1.0, 1.5])
    for a, b in ((0.5, 0.5), (2.0, 7.0), (30.0, 2.0)):
        np.testing.assert_allclose(nt.stats.beta.cdf(x, a, b).numpy(), st.beta.cdf(x, a, b), rtol=1e-12)
        np.testing.assert_allclose(nt.stats.beta.sf(x, a, b).numpy(), st.beta.sf(x, a, b), rtol=1e-12)
    assert np.isnan(nt.stats.beta.cdf(0.5, -1.0, 2.0).numpy())


def test_binom_cdf_sf_floor_edges_and_p_derivative() -> None:
    k = np.array([-1.0, 0.0, 2.5, 5.0, 9.0, 10.0, 12.0])
    for n, p in ((10, 0.3), (10, 0.0), (10, 1.0), (40, 0.97)):
        np.testing.assert_allclose(nt.stats.binom.cdf(k, n, p).numpy(), st.binom.cdf(k, n, p), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(nt.stats.binom.sf(k, n, p).numpy(), st.binom.sf(k, n, p), rtol=1e-12, atol=1e-300)
    assert np.isnan(nt.stats.binom.cdf(2, 5.5, 0.3).numpy()) and np.isnan(nt.stats.binom.cdf(2, 5, 1.3).numpy())
    # d/dp P(K <= k) = -n C(n-1, k) p^k (1-p)^(n-1-k) = -n * binom.pmf(k, n - 1, p)
    g = nt.grad(lambda p: nt.reduce_sum(nt.stats.binom.cdf(np.array([0, 3, 7]), 10, p)))(np.array(0.35))
    np.testing.assert_allclose(np.asarray(g), -10 * st.binom.pmf([0, 3, 7], 9, 0.35).sum(), rtol=1e-12)
    ks = nt.constant(np.array([1.0, 4.0]))
    with nt.GradientTape() as tape:
        tape.watch(ks)
        y = nt.stats.binom.cdf(ks, 10, 0.4)
    assert tape.gradient(y, ks) is None


def test_log_distribution_functions_in_the_tails_and_near_one() -> None:
    x = np.array([-1e3, -40.0, -3.0, 0.0, 0.5, 3.0, 40.0])
    for df in (0.7, 3.0, 30.0):
        np.testing.assert_allclose(nt.stats.t.logcdf(x, df).numpy(), st.t.logcdf(x, df), rtol=1e-12)
        np.testing.assert_allclose(nt.stats.t.logsf(x, df).numpy(), st.t.logsf(x, df), rtol=1e-12)
        # near 1 the log comes from the other tail: more digits than log(cdf) keeps
        np.testing.assert_allclose(nt.stats.t.logcdf(40.0, df).numpy(), np.log1p(-st.t.sf(40.0, df)), rtol=1e-14)
    z = np.array([-0.5, 0.0, 1e-9, 0.3, 0.999, 1.0, 1.5])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(nt.stats.beta.logcdf(z, 2.0, 7.0).numpy(), st.beta.logcdf(z, 2.0, 7.0), rtol=1e-12)
        np.testing.assert_allclose(nt.stats.beta.logsf(z, 2.0, 7.0).numpy(), st.beta.logsf(z, 2.0, 7.0), rtol=1e-12)
        k = np.array([-1, 0, 3, 9, 10, 12])
        # SciPy's log(cdf) keeps ~eps/sf relative digits near 1 (2e-11 at k = 9); ours is log1p(-sf)
        np.testing.assert_allclose(nt.stats.binom.logcdf(k, 10, 0.3).numpy(), st.binom.logcdf(k, 10, 0.3), rtol=1e-10)
        np.testing.assert_allclose(nt.stats.binom.logcdf(9, 10, 0.3).numpy(), np.log1p(-0.3 ** 10), rtol=1e-15)
        np.testing.assert_allclose(nt.stats.binom.logsf(k, 10, 0.3).numpy(), st.binom.logsf(k, 10, 0.3), rtol=1e-12)
    # d/dp log P(K <= k) = -n binom.pmf(k, n - 1, p) / binom.cdf(k, n, p)
    g = nt.grad(lambda p: nt.stats.binom.logcdf(3, 10, p))(np.array(0.35))
    np.testing.assert_allclose(np.asarray(g), -10 * st.binom.pmf(3, 9, 0.35) / st.binom.cdf(3, 10, 0.35), rtol=1e-12)
