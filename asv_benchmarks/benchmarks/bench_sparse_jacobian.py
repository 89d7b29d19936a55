"""Sparse Jacobians by coloring: a 2-D PDE residual (5-point Laplacian + a cubic term).

``g.jacobian(u, sparse=True)`` on an n x n grid (n = 100: 10^4 unknowns) against the
dense ``g.jacobian(u)``; the dense one is timed at n = 30 only (at n = 100 it takes
seconds and runs its 10^4 reverse seeds in chunks), and ``track_speedup`` is the ratio of
the two medians at n = 30, timed in one process. ``track_colors`` is the number of
compiled sweeps the sparse Jacobian needs (one per color, the same for any n).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .common import Benchmark, median_seconds, require_function, warm_up


def residual(u, n):
    import numtape as nt

    grid = nt.reshape(u, (n, n))
    zc, zr = np.zeros((n, 1)), np.zeros((1, n + 2))
    p = nt.concat([zr, nt.concat([zc, grid, zc], 1), zr], 0)
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * grid
    return nt.reshape(lap - 0.1 * grid ** 3, (-1,))


@lru_cache(maxsize=None)
def _problem(n: int):
    function = require_function()
    g = function(residual, static_argnums=1)
    u = np.random.default_rng(0).standard_normal(n * n)
    if not hasattr(g, "jacobian_sparsity"):
        raise NotImplementedError("sparse Jacobians are not in this commit")
    g.jacobian(u, n, sparse=True)  # trace, pattern and coloring outside the timings
    return g, u


class SparseJacobianPDE(Benchmark):
    params = [[30, 100]]
    param_names = ["n"]

    def setup(self, cache, n):
        warm_up()
        self.g, self.u = _problem(n)

    def time_sparse_jacobian(self, cache, n):
        self.g.jacobian(self.u, n, sparse=True)

    def track_colors(self, cache, n):
        from numtape.function.sparse_jacobian import plan

        return plan(self.g.get_compiled(self.u, n), [0]).n_colors


class DenseJacobianPDE(Benchmark):
    params = [[30]]
    param_names = ["n"]

    def setup(self, cache, n):
        warm_up()
        self.g, self.u = _problem(n)
        self.g.jacobian(self.u, n)

    def time_dense_jacobian(self, cache, n):
        self.g.jacobian(self.u, n)

    def track_speedup(self, cache, n):
        dense = median_seconds(lambda: self.g.jacobian(self.u, n), budget=0.3)
        sparse = median_seconds(lambda: self.g.jacobian(self.u, n, sparse=True), budget=0.3)
        return dense / sparse

    track_speedup.unit = "ratio"
