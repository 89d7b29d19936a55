"""nt.stats gamma/chi2/poisson cdf and sf (numtape/ops/stats_incomplete_gamma.py) against scipy.stats
over wide ranges and both tails, SciPy's edge conventions, and derivatives against the math
(the density, -pmf) and central differences of scipy.stats in the shape."""
from __future__ import annotations

import numpy as np
import scipy.stats as st

import numtape as nt

_X = np.concatenate([np.geomspace(1e-3, 300.0, 60), [-1.0, 0.0, np.inf]])


def test_gamma_values_match_scipy_in_both_tails():
    for a in (0.05, 0.7, 3.0, 40.0):
        for loc, scale in ((0.0, 1.0), (-0.5, 2.5)):
            for method in ("cdf", "logcdf", "sf", "logsf"):
                got = getattr(nt.stats.gamma, method)(_X, a, loc, scale).numpy()
                want = getattr(st.gamma, method)(_X, a, loc, scale)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=f"{method} a={a}")


def test_chi2_and_poisson_values_match_scipy():
    for df in (0.5, 3.0, 25.0):
        for method in ("cdf", "sf"):
            np.testing.assert_allclose(getattr(nt.stats.chi2, method)(_X, df).numpy(),
                                       getattr(st.chi2, method)(_X, df), rtol=1e-12, atol=0)
    k = np.array([-1, 0, 1, 3, 7.5, 20, 60, 200])
    for mu in (0.0, 0.3, 4.0, 50.0):
        for method in ("cdf", "logcdf", "sf"):
            got = getattr(nt.stats.poisson, method)(k, mu).numpy()
            np.testing.assert_allclose(got, getattr(st.poisson, method)(k, mu), rtol=1e-12, atol=0, err_msg=method)
    assert np.isnan(nt.stats.poisson.cdf(3, -1.0).numpy()) and np.isnan(nt.stats.gamma.sf(1.0, -2.0).numpy())


def test_derivatives_are_the_density_and_minus_the_pmf():
    x = np.array([0.2, 1.5, 4.0, 30.0])
    got = nt.grad(lambda t: nt.reduce_sum(nt.stats.gamma.cdf(t, 2.5, 0.1, 1.7)))(x)
    np.testing.assert_allclose(got, st.gamma.pdf(x, 2.5, 0.1, 1.7), rtol=1e-13)
    got = nt.grad(lambda t: nt.reduce_sum(nt.stats.gamma.logsf(t, 2.5)))(x)
    np.testing.assert_allclose(got, -st.gamma.pdf(x, 2.5) / st.gamma.sf(x, 2.5), rtol=1e-12)
    k = np.array([0, 2, 5, 40])
    mu = np.array([0.5, 3.0, 9.0, 35.0])
    got = nt.grad(lambda m: nt.reduce_sum(nt.stats.poisson.cdf(k, m)))(mu)
    np.testing.assert_allclose(got, -st.poisson.pmf(k, mu), rtol=1e-13)
    got = nt.grad(lambda m: nt.reduce_sum(nt.stats.poisson.sf(k, m)))(mu)
    np.testing.assert_allclose(got, st.poisson.pmf(k, mu), rtol=1e-13)


def test_shape_derivative_matches_central_differences_of_scipy():
    a = np.array([0.3, 2.0, 9.0, 60.0])
    x = np.array([0.1, 3.5, 6.0, 70.0])
    h = 1e-4 * a
    for method in ("cdf", "sf", "logcdf", "logsf"):
        f = getattr(st.gamma, method)
        want = (-f(x, a + 2 * h) + 8 * f(x, a + h) - 8 * f(x, a - h) + f(x, a - 2 * h)) / (12 * h)
        got = nt.grad(lambda t: nt.reduce_sum(getattr(nt.stats.gamma, method)(x, t)))(a)
        np.testing.assert_allclose(got, want, rtol=1e-7, err_msg=method)
