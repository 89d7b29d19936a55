"""The NaN-ignoring reductions and cov/corrcoef beyond the generated tests (tests/test_composites.py):
all-NaN slices and ddof >= count (NumPy's values and RuntimeWarnings), zero gradients at NaNs
checked against finite differences over the finite entries only, ties, replays whose NaNs move,
and the refusals (named after the NumPy function called)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtape as nt

NAN = np.nan


def _numpy(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


def _gradient(f, x, u):
    t = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = nt.reduce_sum(f(t) * u)
    return np.asarray(tape.gradient(y, t))


def _finite_differences(f, x, u, eps=1e-6):
    """d <u, f(x)> / dx by central differences, stepping only the finite entries (NaNs stay NaN)."""
    g = np.zeros_like(x)
    for k in zip(*np.nonzero(np.isfinite(x))):
        up, down = x.copy(), x.copy()
        up[k] += eps
        down[k] -= eps
        g[k] = np.nansum(u * (_numpy(f, up) - _numpy(f, down))) / (2 * eps)
    return g


X = np.array([[NAN, NAN, NAN, NAN], [0.3, NAN, -1.2, 0.7], [NAN, 2.0, NAN, NAN], [1.5, -0.4, 0.9, 2.2]])


@pytest.mark.parametrize("name", ["nanmax", "nanmin", "nanmedian", "nanvar", "nanstd", "nanmean"])
def test_an_all_nan_slice_is_nan_with_numpys_warning_and_a_zero_gradient(name) -> None:
    f = getattr(np, name)
    with pytest.warns(RuntimeWarning):
        got = f(nt.constant(X), axis=1)
    with pytest.warns(RuntimeWarning):
        expected = f(X, axis=1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)  # NaN where NumPy's is NaN
    u = np.array([0.7, -1.1, 0.4, 1.3])
    with pytest.warns(RuntimeWarning):
        g = _gradient(lambda t: f(t, axis=1), X, u)
    assert np.all(g[np.isnan(X)] == 0.0)
    fd = _finite_differences(lambda a: f(a, axis=1), X, np.where(np.isnan(expected), 0.0, u))
    if name == "nanstd":  # row 2 holds one element: std is identically 0 there, derivative 0 (not NaN)
        assert g[2, 1] == 0.0 and fd[2, 1] == 0.0
    rows = ~np.isnan(expected)
    np.testing.assert_allclose(g[rows], fd[rows], rtol=1e-6, atol=1e-8)


def test_nanprod_of_an_all_nan_slice_is_one_without_a_warning() -> None:
    got = np.nanprod(nt.constant(X), axis=1)
    np.testing.assert_allclose(got.numpy(), np.nanprod(X, axis=1), rtol=1e-14)
    u = np.array([0.7, -1.1, 0.4, 1.3])
    np.testing.assert_allclose(_gradient(lambda t: np.nanprod(t, axis=1), X, u),
                               _finite_differences(lambda a: np.nanprod(a, axis=1), X, u), rtol=1e-6, atol=1e-8)


def test_nanmax_ties_share_the_gradient_as_reduce_max() -> None:
    x = np.array([1.0, 3.0, NAN, 3.0, -2.0])
    np.testing.assert_array_equal(_gradient(np.nanmax, x, 1.0), [0.0, 0.5, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(_gradient(lambda t: nt.reduce_max(t), x[[0, 1, 3, 4]], 1.0), [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_array_equal(_gradient(np.nanmin, x, 1.0), [0.0, 0.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["nanvar", "nanstd"])
def test_ddof_at_least_the_count_gives_numpys_values(name) -> None:
    f = getattr(np, name)
    with_nans = np.array([[1.0, NAN, 2.0], [0.5, 1.5, 4.0]])
    without = np.array([[1.0, 3.0], [2.0, 2.0]])
    for x, ddof in ((with_nans, 2), (with_nans, 3), (without, 2), (without, 3)):
        with pytest.warns(RuntimeWarning):
            got = f(nt.constant(x), axis=1, ddof=ddof)
        np.testing.assert_array_equal(got.numpy(), _numpy(f, x, axis=1, ddof=ddof))  # NaN, inf as NumPy
    np.testing.assert_allclose(f(nt.constant(with_nans), axis=1, ddof=1).numpy(), f(with_nans, axis=1, ddof=1))
    np.testing.assert_allclose(f(nt.constant(with_nans), axis=1, correction=1).numpy(), f(with_nans, axis=1, ddof=1))


def test_nanmedian_of_even_and_odd_counts_and_infinities() -> None:
    x = np.array([[3.0, NAN, 1.0, 2.0, 8.0], [NAN, np.inf, 1.0, NAN, 0.5], [4.0, 4.0, NAN, 4.0, -1.0]])
    np.testing.assert_array_equal(np.nanmedian(nt.constant(x), axis=1).numpy(), np.nanmedian(x, axis=1))
    np.testing.assert_array_equal(np.nanmedian(nt.constant(x)).numpy(), np.nanmedian(x))
    np.testing.assert_array_equal(_gradient(lambda t: np.nanmedian(t, axis=1), x[[0]], 1.0),
                                  [[0.5, 0.0, 0.0, 0.5, 0.0]])


def test_a_replay_finds_nans_at_new_positions() -> None:
    rng = np.random.default_rng(3)
    u = rng.standard_normal(4)

    def objective(t):
        return (nt.reduce_sum(np.nanmax(t, axis=0) * u) + nt.reduce_sum(np.nanstd(t, axis=0) * u)
                + nt.reduce_sum(np.nanmedian(t, axis=0) * u) + nt.reduce_sum(np.nanprod(t, axis=0) * u))

    g = nt.function(objective)
    for trial in range(3):
        x = rng.standard_normal((5, 4))
        x[rng.integers(0, 5, 4), np.arange(4)] = NAN
        x[(trial + 2) % 5, trial] = NAN
        value, grad = g.value_and_grad(x)
        np.testing.assert_allclose(value, objective(nt.constant(x)).numpy(), rtol=1e-12)
        fd = _finite_differences(lambda a: np.nanmax(a, axis=0) + np.nanstd(a, axis=0) + np.nanmedian(a, axis=0)
                                 + np.nanprod(a, axis=0), x, u)
        assert np.all(np.asarray(grad)[np.isnan(x)] == 0.0)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-7)


def test_nanargmax_is_data_and_refuses_as_numpy() -> None:
    x = np.array([[NAN, 2.0, 5.0], [1.0, NAN, -1.0]])
    assert np.nanargmax(nt.constant(x)).numpy() == np.nanargmax(x)
    np.testing.assert_array_equal(np.nanargmin(nt.constant(x), axis=1, keepdims=True).numpy(),
                                  np.nanargmin(x, axis=1, keepdims=True))
    with pytest.raises(ValueError, match="numtape.nanargmax: All-NaN slice"):
        np.nanargmax(nt.constant([[NAN, 1.0], [NAN, NAN]]), axis=1)
    with pytest.raises(TypeError, match="numtape.nanargmin: axis must be an int"):
        np.nanargmin(nt.constant(x), axis=(0, 1))


def test_nan_reductions_refuse_what_a_tensor_cannot_honour() -> None:
    t = nt.constant(X)
    with pytest.raises(ValueError, match="numtape.nanmax: cannot reduce an empty axis"):
        np.nanmax(nt.constant(np.ones((0, 3))), axis=0)
    with pytest.raises(ValueError, match="numtape.nanvar: out="):
        np.nanvar(t, out=np.empty(()))
    with pytest.raises(TypeError, match="numtape.nanstd: ddof must be an integer"):
        np.nanstd(t, ddof=0.5)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):  # NumPy's value and warning
        np.testing.assert_array_equal(np.nanmedian(nt.constant(np.ones((2, 0))), axis=1).numpy(), [NAN, NAN])


def test_cov_and_corrcoef_gradients_in_m_and_y_against_finite_differences() -> None:
    rng = np.random.default_rng(5)
    m, y = rng.standard_normal((2, 6)), rng.standard_normal((6,))
    for f in (lambda a, b: np.cov(a, b, aweights=np.arange(1.0, 7.0)), lambda a, b: np.corrcoef(a, b)):
        nt.testing.check_grads(f, m, y, order=2, rng=rng)


def test_cov_of_float32_is_float64_as_numpy_and_its_gradient_float32() -> None:
    x = np.random.default_rng(6).standard_normal((3, 4)).astype(np.float32)
    t = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(t)
        c = np.cov(t)
        y = nt.reduce_sum(c)
    assert c.dtype == np.cov(x).dtype == np.float64
    np.testing.assert_allclose(c.numpy(), np.cov(x), rtol=1e-12)
    assert tape.gradient(y, t).dtype == np.float32
    np.testing.assert_allclose(np.cov(t, dtype=np.float32).numpy(), np.cov(x, dtype=np.float32), rtol=1e-6)
    assert np.cov(t, dtype=np.float32).dtype == np.float32


def test_cov_with_too_few_observations_warns_and_gives_numpys_values() -> None:
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    with pytest.warns(RuntimeWarning):
        got = np.cov(nt.constant(x), ddof=2)
    np.testing.assert_array_equal(got.numpy(), _numpy(np.cov, x, ddof=2))
    assert np.corrcoef(nt.constant([1.0, 2.0, 4.0])).numpy() == 1.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: np.cov(nt.constant(np.ones((2, 2, 2)))), ValueError, "numtape.cov: m has more than 2 dimensions"),
    (lambda: np.cov(nt.constant(np.ones((2, 2, 2))), rowvar=False), ValueError, "numtape.cov: m has more than 2"),
    (lambda: np.corrcoef(nt.constant(np.ones((2, 3))), np.ones((2, 2, 3))), ValueError,
     "numtape.corrcoef: y has more than 2"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), np.ones((2, 4))), ValueError,
     "numtape.cov: m and y have different numbers of observations"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), ddof=1.5), ValueError, "numtape.cov: ddof must be integer"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), fweights=[1.0, 0.5, 2.0]), TypeError,
     "numtape.cov: fweights must be integer"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), aweights=[1.0, -0.5, 2.0]), ValueError,
     "numtape.cov: aweights cannot be negative"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), aweights=[1.0, 2.0]), ValueError,
     "numtape.cov: incompatible numbers of samples"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), dtype=np.float32), ValueError, "numtape.cov: dtype=float32 would"),
    (lambda: np.cov(nt.constant(np.ones((2, 3))), np.ones((2, 3), complex)), TypeError,
     "numtape.cov: complex numbers are not supported"),
])
def test_cov_refusals_name_the_function(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
