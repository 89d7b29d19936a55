"""ADBench's GMM objective as benchmarked (asv_benchmarks/benchmarks/gmm.py): value and gradient.

numtape's gradient, the hand-derived NumPy gradient and the Numba reference (its
Python body) must agree with each other and with central finite differences, and
the objective must match a direct transcription of ADBench's formula (a loop over
points and components with explicit matrices), so the benchmark times the right
computation.
"""
from __future__ import annotations

import importlib
import math
import os
import sys
from typing import Any

import numpy as np
import pytest
from scipy.special import multigammaln

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "asv_benchmarks")


@pytest.fixture(scope="module")
def G() -> Any:
    sys.path.insert(0, BENCH)
    try:
        return importlib.import_module("benchmarks.gmm")
    finally:
        sys.path.remove(BENCH)


def _direct(alphas, means, icf, x, gamma, m) -> float:
    """ADBench's objective, term by term, with the matrices Q_k built explicitly."""
    n, d = x.shape
    k = len(alphas)
    Qs = []
    for c in range(k):
        Q = np.diag(np.exp(icf[c, :d]))
        p = d
        for j in range(d):
            for i in range(j + 1, d):
                Q[i, j] = icf[c, p]
                p += 1
        Qs.append(Q)
    total = -n * d * 0.5 * math.log(2 * math.pi)
    for i in range(n):
        terms = [alphas[c] + icf[c, :d].sum() - 0.5 * np.sum((Qs[c] @ (x[i] - means[c])) ** 2) for c in range(k)]
        top = max(terms)
        total += top + math.log(sum(math.exp(t - top) for t in terms))
    top = alphas.max()
    total -= n * (top + math.log(np.exp(alphas - top).sum()))
    n_prime = d + m + 1
    for c in range(k):
        frobenius = np.sum(np.exp(icf[c, :d]) ** 2) + np.sum(icf[c, d:] ** 2)
        total += 0.5 * gamma * gamma * frobenius - m * icf[c, :d].sum()
    total -= k * (n_prime * d * math.log(gamma / math.sqrt(2)) - multigammaln(0.5 * n_prime, d))
    return float(total)


SIZES = [(3, 2, 7), (4, 3, 11)]
WISHARTS = [(1.0, 0), (0.7, 2)]


def _data(G: Any, size: tuple[int, int, int]) -> tuple:
    d, k, n = size
    return G.gmm_data(d, k, n)


@pytest.mark.parametrize("wishart", WISHARTS)
@pytest.mark.parametrize("size", SIZES)
def test_objective_matches_adbench_formula(G: Any, size: tuple, wishart: tuple) -> None:
    import numtape as nt

    alphas, means, icf, x = _data(G, size)
    expected = _direct(alphas, means, icf, x, *wishart)
    assert G.gmm_numpy(alphas, means, icf, x, *wishart, grad=False) == pytest.approx(expected, rel=1e-12)
    value = G.gmm_objective_nt(nt.constant(alphas), nt.constant(means), nt.constant(icf), nt.constant(x), *wishart)
    assert float(value) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("wishart", WISHARTS)
@pytest.mark.parametrize("size", SIZES)
def test_gradients_agree_with_each_other_and_finite_differences(G: Any, size: tuple, wishart: tuple) -> None:
    import numtape as nt

    alphas, means, icf, x = _data(G, size)
    gamma, m = wishart
    params = [nt.constant(alphas), nt.constant(means), nt.constant(icf)]
    with nt.GradientTape() as tape:
        tape.watch(params)
        f = G.gmm_objective_nt(*params, nt.constant(x), gamma, m)
    nt_grads = [g.numpy() for g in tape.gradient(f, params)]
    _, np_grads = G.gmm_numpy(alphas, means, icf, x, gamma, m)
    d, k, n = size
    constant = G.data_constant(n, d) + G.prior_constant(d, k, gamma, m)
    nb_value, nb_grads = G.gmm_numba.py_func(alphas, means, icf, x, gamma, float(m), constant)
    assert nb_value == pytest.approx(float(f), rel=1e-12)
    for a, b, c in zip(nt_grads, np_grads, nb_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(c, b, rtol=1e-10, atol=1e-10)
    # central differences of the NumPy objective in every parameter
    h = 1e-6
    arrays = [alphas, means, icf]
    for which, grad in enumerate(np_grads):
        fd = np.zeros(arrays[which].size)
        for j in range(arrays[which].size):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[which].reshape(-1)[j] += h
            minus[which].reshape(-1)[j] -= h
            fd[j] = (G.gmm_numpy(*plus, x, gamma, m, grad=False) - G.gmm_numpy(*minus, x, gamma, m, grad=False)) / (2 * h)
        np.testing.assert_allclose(grad.reshape(-1), fd, rtol=1e-6, atol=1e-6)


def test_benchmark_size_value_agrees(G: Any) -> None:
    """At ADBench's d = 10, k = 5, n = 1,000: numtape's value and gradient equal the NumPy reference."""
    value, grads = G.gmm("numtape")()
    ref_value, ref_grads = G.gmm("numpy")()
    assert float(value) == pytest.approx(ref_value, rel=1e-12)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g.numpy(), r, rtol=1e-9, atol=1e-9)
