"""nt.stats with SciPy's spelling: the distribution objects, broadcasting, tails, invalid parameters and
points outside the support against scipy.stats, and gradients against finite differences and math
(the per-row value and derivative tests are generated in tests/test_composites.py).
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss

import numtape as nt
from numtape.testing import check_grads


def _grad(f, *values):
    ts = [nt.constant(v) for v in values]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = nt.reduce_sum(f(*ts))
    return [g.numpy() for g in tape.gradient(y, ts)]


@pytest.mark.parametrize("name, method, args, kwargs", [
    ("norm", "logpdf", (np.array([0.3, -1.0]),), dict(loc=0.5, scale=2.0)),
    ("norm", "cdf", (np.array([[0.3], [-1.0]]), np.array([0.0, 1.0, 2.0])), {}),
    ("t", "logpdf", (np.array([0.3, -1.0, 4.0]), 3.5), dict(loc=1.0)),
    ("gamma", "pdf", (np.array([0.3, 1.0, 4.0]), np.array([[0.5], [2.0]])), dict(scale=1.5)),
    ("beta", "logpdf", (np.array([0.3, 0.9]), 2.0, np.array([[0.5], [3.0]])), {}),
    ("poisson", "logpmf", (np.array([0, 3, 7]), np.array([[0.5], [4.0]])), {}),
    ("binom", "pmf", (np.array([0, 3, 7]), 7, np.array([[0.2], [0.9]])), {}),
    ("dirichlet", "logpdf", (np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]]), np.array([0.5, 2.0, 3.0])), {}),
    ("dirichlet", "pdf", (np.array([[0.2, 0.5], [0.3, 0.1]]), [0.5, 2.0, 3.0]), {}),
    ("dirichlet", "logpdf", (np.array([0.0, 0.4, 0.6]), np.array([1.0, 2.0, 3.0])), {}),
    ("dirichlet", "mean", ([0.5, 2.0, 3.0],), {}), ("dirichlet", "var", (np.array([0.5, 2.0, 3.0]),), {}),
])
def test_objects_spell_scipy_and_broadcast_as_scipy(name, method, args, kwargs) -> None:
    got = getattr(getattr(nt.stats, name), method)(*args, **kwargs)
    expected = getattr(getattr(ss, name), method)(*args, **kwargs)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-300)
    assert getattr(getattr(nt.stats, name), method) is getattr(nt.stats, f"{name}_{method}")


def test_norm_logcdf_is_finite_and_accurate_in_the_lower_tail() -> None:
    x = np.array([-40.0, -20.0, -5.0, 0.0, 5.0, 30.0])
    got = nt.stats.norm.logcdf(x)
    np.testing.assert_allclose(got.numpy(), ss.norm.logcdf(x), rtol=1e-13)
    assert np.isfinite(got.numpy()).all()
    # d/dx log Phi(x) = phi(x)/Phi(x) ~ -x for x -> -inf (Mills ratio: -x - 1/x + 2/x^3)
    (g,) = _grad(nt.stats.norm.logcdf, np.array([-40.0]))
    np.testing.assert_allclose(g, [40.0 + 1 / 40.0 - 2 / 40.0 ** 3], rtol=1e-8)


@pytest.mark.parametrize("name, method, args", [
    ("norm", "logpdf", (1.0, 0.0, -1.0)), ("norm", "pdf", (1.0, 0.0, 0.0)), ("norm", "logcdf", (1.0, 0.0, np.nan)),
    ("norm", "cdf", (np.nan, 0.0, 1.0)), ("t", "logpdf", (1.0, -1.0)), ("t", "logpdf", (1.0, np.inf)),
    ("t", "pdf", (1.0, 2.0, 0.0, -2.0)), ("gamma", "logpdf", (-1.0, 2.0)), ("gamma", "logpdf", (0.0, 0.5)),
    ("gamma", "logpdf", (0.0, 1.0)), ("gamma", "pdf", (1.0, -2.0)), ("gamma", "logpdf", (1.0, 2.0, 3.0)),
    ("beta", "logpdf", (1.0, 2.0, 1.0)), ("beta", "logpdf", (1.5, 2.0, 1.0)), ("beta", "pdf", (0.5, 0.0, 1.0)),
    ("beta", "logpdf", (0.0, 1.0, 3.0)), ("poisson", "logpmf", (1.5, 2.0)), ("poisson", "logpmf", (-1, 2.0)),
    ("poisson", "logpmf", (2, -1.0)), ("poisson", "logpmf", (0, 0.0)), ("poisson", "pmf", (1, 0.0)),
    ("poisson", "logpmf", (1, 2.0, 2)), ("binom", "logpmf", (2, 5, 0.0)), ("binom", "logpmf", (0, 5, 0.0)),
    ("binom", "logpmf", (5, 5, 1.0)), ("binom", "logpmf", (2, 5.5, 0.3)), ("binom", "logpmf", (2, 5, 1.2)),
    ("binom", "logpmf", (6, 5, 0.3)), ("binom", "pmf", (2, -1, 0.3)), ("binom", "logpmf", (np.nan, 5, 0.3)),
])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SciPy's own division by scale = 0
def test_invalid_parameters_and_the_support_match_scipy(name, method, args) -> None:
    got = getattr(getattr(nt.stats, name), method)(*args).numpy()
    expected = getattr(getattr(ss, name), method)(*args)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_gradients_are_zero_not_nan_where_the_result_is_a_convention() -> None:
    gx, ga = _grad(nt.stats.gamma.logpdf, np.array([-1.0, 2.0]), np.array([2.0, 2.0]))
    assert gx[0] == 0.0 and ga[0] == 0.0 and np.isfinite(gx[1]) and np.isfinite(ga[1])
    gx, gs = _grad(lambda x, s: nt.stats.norm.logpdf(x, 0.0, s), np.array([1.0]), np.array([-1.0]))
    assert gx[0] == 0.0 and gs[0] == 0.0
    (gp,) = _grad(lambda p: nt.stats.binom.logpmf(np.array([2, 9]), 5, p), np.array([0.3, 0.3]))
    np.testing.assert_allclose(gp, [2 / 0.3 - 3 / 0.7, 0.0], rtol=1e-13)  # k = 9 > n: -inf, gradient 0


def test_counts_are_data() -> None:
    k, mu = nt.constant([1.0, 3.0]), nt.constant([2.0, 2.0])
    with nt.GradientTape() as tape:
        tape.watch([k, mu])
        y = nt.reduce_sum(nt.stats.poisson.logpmf(k, mu))
    gk, gmu = tape.gradient(y, [k, mu])
    assert gk is None
    np.testing.assert_allclose(gmu.numpy(), [1 / 2.0 - 1, 3 / 2.0 - 1], rtol=1e-14)


def test_float32_in_float32_out_with_integer_counts_and_default_parameters() -> None:
    x = np.array([0.3, 1.0], np.float32)
    assert nt.stats.norm.logpdf(x).dtype == np.float32
    assert nt.stats.poisson.logpmf(np.array([1, 2]), x).dtype == np.float32
    assert nt.stats.multivariate_normal.logpdf(x, cov=np.eye(2, dtype=np.float32)).dtype == np.float32


def _sym_mvn_gradient(x, mean, cov):
    """d/dS of sum_i log N(x_i; m, S) for symmetric perturbations: (S^-1 D D^T S^-1 - n S^-1)/2."""
    inv = np.linalg.inv(cov)
    d = x - mean
    return 0.5 * (inv @ d.T @ d @ inv - len(x) * inv)


def test_multivariate_normal_gradient_in_cov_against_finite_differences_and_math() -> None:
    rng = np.random.default_rng(3)
    b = rng.standard_normal((3, 3))
    cov = b @ b.T / 3 + np.eye(3)
    x, mean = rng.standard_normal((4, 3)), rng.standard_normal(3)
    gx, gm, gc = _grad(nt.stats.multivariate_normal.logpdf, x, mean, cov)
    eps = 1e-6
    fd = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            step = np.zeros((3, 3))
            step[i, j] = eps
            fd[i, j] = (ss.multivariate_normal.logpdf(x, mean, cov + step).sum()
                        - ss.multivariate_normal.logpdf(x, mean, cov - step).sum()) / (2 * eps)
    np.testing.assert_allclose(gc, fd, atol=1e-7)  # SciPy reads the lower triangle too: zeros above
    symmetric = gc + gc.T - np.diag(np.diag(gc))
    expected = _sym_mvn_gradient(x, mean, cov)
    np.testing.assert_allclose(symmetric, 2 * expected - np.diag(np.diag(expected)), rtol=1e-10)
    inv = np.linalg.inv(cov)
    np.testing.assert_allclose(gx, -(x - mean) @ inv, rtol=1e-10)
    np.testing.assert_allclose(gm, ((x - mean) @ inv).sum(0), rtol=1e-10)
    check_grads(lambda c: nt.stats.multivariate_normal.logpdf(x, mean, c), cov, order=2, rng=rng)


def test_multivariate_normal_reads_arguments_as_scipy_and_refuses_what_it_cannot_do() -> None:
    x = np.array([[0.3, -1.0], [1.0, 2.0]])
    for args in [(x,), (x[0],), (x, [0.5, 1.0]), (x, [0.5, 1.0], 2.0), (x, [0.0, 0.0], [1.0, 3.0]),
                 (x[:1], [0.5, 1.0]), (np.array([0.1, 0.4, 2.0]), 0.5, 2.0)]:
        if len(args) == 1:
            args = (*args, None, np.eye(2))
        got, expected = nt.stats.multivariate_normal.logpdf(*args), ss.multivariate_normal.logpdf(*args)
        assert got.shape == np.shape(expected), args
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="multivariate_normal.logpdf.*positive definite"):
        nt.stats.multivariate_normal.logpdf(x, None, np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="allow_singular"):
        nt.stats.multivariate_normal.logpdf(x, None, np.eye(2), allow_singular=True)
    with pytest.raises(ValueError, match=r"cov must be \(3, 3\)"):
        nt.stats.multivariate_normal.logpdf(x, [0.0, 1.0, 2.0], np.eye(2))
    with pytest.raises(ValueError, match="mean must be a vector of length 2"):
        nt.stats.multivariate_normal.logpdf(x, [[0.0, 1.0]], np.eye(2))
    with pytest.raises(ValueError, match="length 1"):  # SciPy: mean=None and a vector cov make d = 1
        nt.stats.multivariate_normal.logpdf(x, None, [1.0, 3.0])
    with pytest.raises(ValueError, match="components"):
        nt.stats.multivariate_normal.logpdf(np.ones((2, 3)), None, np.eye(2))


def test_refused_methods_do_not_exist() -> None:
    # t, beta, binom, gamma, chi2 and poisson cdfs are rows now (stats_incomplete_beta/_gamma.py)
    for name, method in [("multivariate_normal", "cdf"), ("multivariate_normal", "logcdf")]:
        assert not hasattr(getattr(nt.stats, name), method)
        assert not hasattr(nt.stats, f"{name}_{method}")


def test_dirichlet_gradients_against_math() -> None:
    from scipy.special import digamma

    x, alpha = np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]]), np.array([0.5, 2.0, 3.0])
    gx, ga = _grad(nt.stats.dirichlet.logpdf, x, alpha)
    np.testing.assert_allclose(gx, (alpha[:, None] - 1) / x, rtol=1e-13)
    expected = (np.log(x) - digamma(alpha)[:, None] + digamma(alpha.sum())).sum(1)
    np.testing.assert_allclose(ga, expected, rtol=1e-12)
    # k - 1 entries: x_k = 1 - sum(x), so d/dx_j = (alpha_j - 1)/x_j - (alpha_k - 1)/x_k
    (gx,) = _grad(lambda t: nt.stats.dirichlet.logpdf(t, alpha), x[:2])
    np.testing.assert_allclose(gx, (alpha[:2, None] - 1) / x[:2] - (alpha[2] - 1) / x[2], rtol=1e-12)


def test_dirichlet_gradient_at_a_zero_entry_is_the_formula_s_not_nan() -> None:
    from scipy.special import digamma

    x, alpha = np.array([0.0, 0.4, 0.6]), np.array([1.0, 2.0, 3.0])  # x_0 = 0 is allowed for alpha_0 >= 1
    gx, ga = _grad(nt.stats.dirichlet.logpdf, x, alpha)
    np.testing.assert_allclose(gx, [0.0, 1 / 0.4, 2 / 0.6], rtol=1e-13)  # (alpha_0 - 1) log x_0 is 0 for every x_0
    assert ga[0] == -np.inf  # log 0: any alpha_0 > 1 gives density 0
    np.testing.assert_allclose(ga[1:], np.log(x[1:]) - digamma(alpha[1:]) + digamma(6.0), rtol=1e-12)
    gx, ga = _grad(nt.stats.dirichlet.logpdf, x, np.array([2.0, 2.0, 3.0]))  # value -inf: derivatives infinite
    assert gx[0] == np.inf and ga[0] == -np.inf and np.isfinite(gx[1:]).all() and np.isfinite(ga[1:]).all()


@pytest.mark.parametrize("x, alpha", [
    ([0.2, 0.3, 0.6], [1.0, 2.0, 3.0]), ([0.2, 0.3, 0.5 + 2e-9], [1.0, 2.0, 3.0]), ([0.2, 0.3, 0.5], [1.0, 0.0, 3.0]),
    ([0.2, 0.3, 0.5], [1.0, -2.0, 3.0]), ([-0.2, 0.7, 0.5], [1.0, 2.0, 3.0]), ([0.0, 0.4, 0.6], [0.5, 2.0, 3.0]),
    ([1.2, -0.2], [1.0, 2.0]), ([0.7, 0.6], [1.0, 2.0, 3.0]), ([0.2, 0.3, 0.5], [[1.0, 2.0, 3.0]]),
    ([0.25, 0.25, 0.25, 0.25], [1.0, 2.0]), ([[[0.2, 0.3], [0.4, 0.1]], [[0.8, 0.7], [0.6, 0.9]]], [1.0, 2.0]),
])
def test_dirichlet_raises_where_scipy_raises_also_in_replays(x, alpha) -> None:
    x, alpha = np.array(x), np.array(alpha)
    with pytest.raises(ValueError):
        ss.dirichlet.logpdf(x, alpha)
    for method in ("logpdf", "pdf"):
        with pytest.raises(ValueError, match=rf"stats\.dirichlet\.{method}: "):
            getattr(nt.stats.dirichlet, method)(x, alpha)
    if x.shape[:1] == (alpha.shape[-1],) and alpha.ndim == 1 and x.ndim == 1:  # shapes valid: values checked
        f = nt.function(lambda t, a: nt.reduce_sum(nt.stats.dirichlet.logpdf(t, a)))
        x0 = np.full(x.shape, 1.0 / x.shape[0])
        np.testing.assert_allclose(f(x0, np.full(alpha.shape, 2.0)), ss.dirichlet.logpdf(x0, np.full(alpha.shape, 2.0)))
        with pytest.raises(ValueError, match=r"stats\.dirichlet\.logpdf: "):
            f(x, alpha)
        with pytest.raises(ValueError, match=r"stats\.dirichlet\.logpdf: "):
            f.value_and_grad(x, alpha, argnums=(0, 1))


@pytest.mark.parametrize("method", ["mean", "var"])
def test_dirichlet_moments_refuse_alpha_not_positive_as_scipy_also_in_replays(method) -> None:
    alpha = np.array([0.5, 0.0, 3.0])
    with pytest.raises(ValueError):
        getattr(ss.dirichlet, method)(alpha)
    with pytest.raises(ValueError, match=rf"stats\.dirichlet\.{method}: every alpha must be > 0"):
        getattr(nt.stats.dirichlet, method)(alpha)
    with pytest.raises(ValueError, match=rf"stats\.dirichlet\.{method}: alpha must be a non-empty vector"):
        getattr(nt.stats.dirichlet, method)(np.ones((2, 2)))
    f = nt.function(lambda a: nt.reduce_sum(getattr(nt.stats.dirichlet, method)(a) * np.arange(3.0)))
    np.testing.assert_allclose(f(alpha + 1.0), getattr(ss.dirichlet, method)(alpha + 1.0) @ np.arange(3.0), rtol=1e-13)
    with pytest.raises(ValueError, match=rf"stats\.dirichlet\.{method}: "):
        f(alpha)


def test_dirichlet_float32_points_on_the_simplex_within_float32_rounding() -> None:
    x = np.array([[0.1, 0.7], [0.3, 0.2], [0.6, 0.1]], np.float32)
    x = x / x.sum(0)
    alpha = np.array([0.5, 2.0, 3.0], np.float32)
    got = nt.stats.dirichlet.logpdf(x, alpha)
    assert got.dtype == np.float32
    x64 = x.astype(np.float64)  # SciPy's 1e-9 tolerance refuses this float32 point as it is
    np.testing.assert_allclose(got.numpy(), ss.dirichlet.logpdf(x64 / x64.sum(0), alpha), rtol=2e-6)
    with pytest.raises(ValueError, match="simplex"):
        nt.stats.dirichlet.logpdf(x * np.float32(1.001), alpha)


def test_replay_recomputes_the_masks() -> None:
    f = nt.function(lambda x, s: nt.reduce_sum(nt.stats.gamma.logpdf(x, 2.0, scale=s)))
    for x, s in [(np.array([1.0, 2.0]), np.array([1.0, 2.0])), (np.array([-1.0, 2.0]), np.array([1.0, -2.0]))]:
        np.testing.assert_allclose(f(x, s), ss.gamma.logpdf(x, 2.0, scale=s).sum(), rtol=1e-13)
