"""ADBench's GMM objective (Gaussian mixture log-likelihood with a Wishart prior) and its gradient.

The objective follows Microsoft ADBench's definition (Srajer, Kukelova and
Fitzgibbon, "A benchmark of selected algorithmic differentiation tools on some
problems in computer vision and machine learning", 2018; the reference code is
``src/python/modules/PyTorch/gmm_objective.py`` and ``src/cpp/shared/gmm.h`` in
github.com/microsoft/ADBench), written here from its formulas:

* parameters: ``alphas`` (k,) unnormalised log mixture weights, ``means`` (k, d),
  ``icf`` (k, d(d+1)/2): each row holds the log of the diagonal of the inverse
  Cholesky factor Q_k, then its strictly lower triangle column by column;
* data ``x`` (n, d) and the Wishart prior's ``gamma`` and ``m``;
* with Q_k = diag(exp(icf_k[:d])) + L_k and sum_qs_k = sum(icf_k[:d]):

      f = -n d/2 log(2 pi)
          + sum_i logsumexp_k(alphas_k + sum_qs_k - |Q_k (x_i - mu_k)|^2 / 2)
          - n logsumexp(alphas)
          + sum_k [gamma^2/2 (|exp(icf_k[:d])|^2 + |icf_k[d:]|^2) - m sum_qs_k]
          - k (n' d log(gamma / sqrt 2) - log Gamma_d(n'/2)),   n' = d + m + 1.

  (The sign conventions are ADBench's, kept as published so that the timings are
  comparable with its tables.) ADBench's data generator uses gamma = 1, m = 0.

The benchmark differentiates with respect to all parameters. The hand-written
gradient (NumPy and Numba) is derived below; ``tests/test_gmm_objective.py``
checks it and numtape's against finite differences.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable

import numpy as np
from scipy.special import multigammaln

from .common import require_function, require_numtape, rng_array
from .njit import njit

GMM_SIZE = (10, 5, 1000)  # d, k, n: ADBench's d = 10, k = 5 problem with 1,000 points
WISHART = (1.0, 0)  # gamma, m


def gmm_data(d: int, k: int, n: int) -> tuple[np.ndarray, ...]:
    """Fixed-seed inputs shaped as ADBench's generator makes them."""
    alphas = rng_array((k,), 20)
    means = rng_array((k, d), 21, "uniform")
    icf = 0.5 * rng_array((k, d * (d + 1) // 2), 22)
    x = rng_array((n, d), 23)
    return alphas, means, icf, x


@lru_cache(maxsize=None)
def lower_indices(d: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the strictly lower triangle, column by column (ADBench's icf order)."""
    rows, cols = [], []
    for j in range(d):
        for i in range(j + 1, d):
            rows.append(i)
            cols.append(j)
    return np.array(rows, np.int64), np.array(cols, np.int64)


def prior_constant(d: int, k: int, gamma: float, m: int) -> float:
    n_prime = d + m + 1
    c = n_prime * d * (math.log(gamma) - 0.5 * math.log(2.0))
    return -k * (c - float(multigammaln(0.5 * n_prime, d)))


def data_constant(n: int, d: int) -> float:
    return -n * d * 0.5 * math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------
# numtape (eager): the objective as a user writes it with nt ops
# ---------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _l_gather_map(k: int, d: int) -> np.ndarray:
    """Index map (k, d, d) into each row of [0, icf_k[d:]]: 0 picks the zero column."""
    width = d * (d - 1) // 2 + 1
    rows, cols = lower_indices(d)
    block = np.zeros((d, d), np.int64)
    block[rows, cols] = np.arange(1, width)
    return block[None, :, :] + width * np.arange(k, dtype=np.int64)[:, None, None]


def gmm_objective_nt(alphas: Any, means: Any, icf: Any, x: Any, gamma: float = 1.0, m: int = 0) -> Any:
    nt = require_numtape()
    n, d = x.shape
    k = alphas.shape[0]
    q = icf[:, :d]
    lower = icf[:, d:]
    qdiag = nt.exp(q)
    sum_qs = nt.reduce_sum(q, axis=1)
    padded = nt.concat([nt.zeros((k, 1)), lower], axis=1)
    L = nt.gather(nt.reshape(padded, (-1,)), _l_gather_map(k, d))  # (k, d, d), strictly lower
    xc = nt.reshape(x, (1, n, d)) - nt.reshape(means, (k, 1, d))  # (k, n, d)
    z = nt.reshape(qdiag, (k, 1, d)) * xc + nt.matmul(xc, nt.transpose(L, (0, 2, 1)))  # Q_k (x_i - mu_k)
    inner = nt.reshape(alphas + sum_qs, (k, 1)) - 0.5 * nt.reduce_sum(z * z, axis=2)  # (k, n)
    slse = nt.reduce_sum(nt.reduce_logsumexp(inner, axis=0))
    prior = nt.reduce_sum(
        (0.5 * gamma * gamma) * (nt.reduce_sum(qdiag * qdiag, axis=1) + nt.reduce_sum(lower * lower, axis=1))
        - m * sum_qs
    )
    return (data_constant(n, d) + prior_constant(d, k, gamma, m)) + slse - n * nt.reduce_logsumexp(alphas) + prior


# ---------------------------------------------------------------------------
# NumPy: value and the hand-derived gradient
# ---------------------------------------------------------------------------
def gmm_numpy(alphas: np.ndarray, means: np.ndarray, icf: np.ndarray, x: np.ndarray,
              gamma: float = 1.0, m: int = 0, grad: bool = True) -> Any:
    """f and (df/dalphas, df/dmeans, df/dicf).

    With w_ik the softmax over k of the inner terms and z_ik = Q_k (x_i - mu_k):
    df/dalphas_k = sum_i w_ik - n softmax(alphas)_k; df/dz_ik = -w_ik z_ik, so
    df/dmu_k = Q_k^T sum_i w_ik z_ik and df/dQ_k = -sum_i w_ik z_ik (x_i - mu_k)^T =: G_k,
    whose diagonal (times exp(q), the chain rule of Q_kk = exp(q_k)) and lower
    triangle give df/dicf, plus sum_i w_ik - m for sum_qs and the prior's gamma^2 terms.
    """
    n, d = x.shape
    k = alphas.shape[0]
    rows, cols = lower_indices(d)
    q = icf[:, :d]
    lower = icf[:, d:]
    qdiag = np.exp(q)
    sum_qs = q.sum(axis=1)
    L = np.zeros((k, d, d))
    L[:, rows, cols] = lower
    xc = x[None, :, :] - means[:, None, :]  # (k, n, d)
    z = qdiag[:, None, :] * xc + xc @ L.transpose(0, 2, 1)
    inner = (alphas + sum_qs)[:, None] - 0.5 * np.einsum("knj,knj->kn", z, z)
    top = inner.max(axis=0)
    e = np.exp(inner - top)
    s = e.sum(axis=0)
    a_top = alphas.max()
    a_sum = np.exp(alphas - a_top).sum()
    prior = np.sum(0.5 * gamma * gamma * (np.sum(qdiag * qdiag, axis=1) + np.sum(lower * lower, axis=1)) - m * sum_qs)
    value = (data_constant(n, d) + prior_constant(d, k, gamma, m) + np.sum(np.log(s) + top)
             - n * (math.log(a_sum) + a_top) + prior)
    if not grad:
        return float(value)
    w = e / s  # (k, n)
    w_sum = w.sum(axis=1)
    g_alphas = w_sum - n * np.exp(alphas - a_top) / a_sum
    wz = w[:, :, None] * z
    r = wz.sum(axis=1)  # (k, d)
    g_means = qdiag * r + np.einsum("kij,ki->kj", L, r)
    G = -(wz.transpose(0, 2, 1) @ xc)  # (k, d, d)
    g_q = np.einsum("kii->ki", G) * qdiag + gamma * gamma * qdiag * qdiag + (w_sum - m)[:, None]
    g_lower = G[:, rows, cols] + gamma * gamma * lower
    return float(value), (g_alphas, g_means, np.concatenate([g_q, g_lower], axis=1))


# ---------------------------------------------------------------------------
# Numba: the same derivation as loops over points and components
# ---------------------------------------------------------------------------
@njit
def gmm_numba(alphas, means, icf, x, gamma, m, constant):
    n, d = x.shape
    k = alphas.shape[0]
    qdiag = np.exp(icf[:, :d])
    L = np.zeros((k, d, d))
    for c in range(k):
        p = d
        for j in range(d):
            for i in range(j + 1, d):
                L[c, i, j] = icf[c, p]
                p += 1
    sum_qs = np.zeros(k)
    for c in range(k):
        for j in range(d):
            sum_qs[c] += icf[c, j]
    xc = np.empty((k, d))
    z = np.empty((k, d))
    inner = np.empty(k)
    w_sum = np.zeros(k)
    r = np.zeros((k, d))
    G = np.zeros((k, d, d))
    total = 0.0
    for t in range(n):
        for c in range(k):
            sq = 0.0
            for a in range(d):
                xc[c, a] = x[t, a] - means[c, a]
            for a in range(d):
                v = qdiag[c, a] * xc[c, a]
                for b in range(a):
                    v += L[c, a, b] * xc[c, b]
                z[c, a] = v
                sq += v * v
            inner[c] = alphas[c] + sum_qs[c] - 0.5 * sq
        top = inner.max()
        s = 0.0
        for c in range(k):
            s += math.exp(inner[c] - top)
        total += math.log(s) + top
        for c in range(k):
            w = math.exp(inner[c] - top) / s
            w_sum[c] += w
            for a in range(d):
                wz = w * z[c, a]
                r[c, a] += wz
                for b in range(a + 1):
                    G[c, a, b] -= wz * xc[c, b]
    a_top = alphas.max()
    a_sum = np.exp(alphas - a_top).sum()
    prior = 0.0
    for c in range(k):
        for j in range(icf.shape[1]):
            v = qdiag[c, j] if j < d else icf[c, j]
            prior += 0.5 * gamma * gamma * v * v
        prior -= m * sum_qs[c]
    value = constant + total - n * (math.log(a_sum) + a_top) + prior
    g_alphas = w_sum - n * np.exp(alphas - a_top) / a_sum
    g_means = np.empty((k, d))
    g_icf = np.empty_like(icf)
    for c in range(k):
        for j in range(d):
            v = qdiag[c, j] * r[c, j]
            for i in range(j + 1, d):
                v += L[c, i, j] * r[c, i]
            g_means[c, j] = v
            g_icf[c, j] = G[c, j, j] * qdiag[c, j] + gamma * gamma * qdiag[c, j] * qdiag[c, j] + w_sum[c] - m
        p = d
        for j in range(d):
            for i in range(j + 1, d):
                g_icf[c, p] = G[c, i, j] + gamma * gamma * icf[c, p]
                p += 1
    return value, (g_alphas, g_means, g_icf)


# ---------------------------------------------------------------------------
# Builders (see workloads.py for the calling convention)
# ---------------------------------------------------------------------------
def _pack(alphas: np.ndarray, means: np.ndarray, icf: np.ndarray) -> np.ndarray:
    return np.concatenate([alphas, means.reshape(-1), icf.reshape(-1)])


def gmm(impl: str, size: tuple[int, int, int] = GMM_SIZE, grad: bool = True) -> Callable[[], Any]:
    """Value and gradient (``grad=True``) or the objective alone, in ``impl``."""
    d, k, n = size
    gamma, m = WISHART
    alphas, means, icf, x = gmm_data(d, k, n)
    if impl == "numtape":
        nt = require_numtape()
        params = [nt.constant(alphas), nt.constant(means), nt.constant(icf)]
        xt = nt.constant(x)
        if not grad:
            return lambda: gmm_objective_nt(*params, xt, gamma, m)

        def run() -> Any:
            with nt.GradientTape() as tape:
                tape.watch(params)
                f = gmm_objective_nt(*params, xt, gamma, m)
            return f, tape.gradient(f, params)

        return run
    if impl == "replay":
        nt = require_numtape()
        xt = nt.constant(x)

        def packed(theta: Any) -> Any:
            a = theta[:k]
            mu = nt.reshape(theta[k:k + k * d], (k, d))
            c = nt.reshape(theta[k + k * d:], icf.shape)
            return gmm_objective_nt(a, mu, c, xt, gamma, m)

        g = require_function()(packed)
        theta = nt.constant(_pack(alphas, means, icf))
        return (lambda: g.value_and_grad(theta)) if grad else (lambda: g(theta))
    if impl == "numpy":
        return lambda: gmm_numpy(alphas, means, icf, x, gamma, m, grad)
    if impl == "numba":
        if not grad:
            raise NotImplementedError("the Numba reference computes value and gradient together")
        constant = data_constant(n, d) + prior_constant(d, k, gamma, m)
        return lambda: gmm_numba(alphas, means, icf, x, gamma, float(m), constant)
    from . import peers

    return peers.build(impl, "gmm", alphas, means, icf, x, gamma, m, grad)
