"""The incomplete beta function: ``nt.betainc`` value and gradient (in x only, and in a, b, x) on
10,000 elements, against ``scipy.special.betainc`` (the value alone: SciPy has no derivatives in a, b).

``track_ratio`` times numtape and SciPy in one process (interleaved rounds, medians): the gradient
in a and b runs the compiled hyper-dual kernel, whose cost per element is what this tracks.
"""
from __future__ import annotations

import numpy as np

from . import common


def _inputs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return 10.0 ** rng.uniform(-1.0, 2.0, n), 10.0 ** rng.uniform(-1.0, 2.0, n), rng.uniform(0.0, 1.0, n)


def _runs(n: int) -> dict:
    import scipy.special

    nt = common.require_numtape()
    a, b, x = _inputs(n)
    grad_x = nt.grad(lambda q: nt.reduce_sum(nt.betainc(a, b, q)))
    grad_all = nt.grad(lambda p, q, r: nt.reduce_sum(nt.betainc(p, q, r)), argnums=(0, 1, 2))
    return {"scipy_value": lambda: scipy.special.betainc(a, b, x), "grad_x": lambda: grad_x(x),
            "grad_all": lambda: grad_all(a, b, x)}


class Betainc(common.Benchmark):
    params = (["grad_x", "grad_all", "scipy_value"],)
    param_names = ["run"]

    def setup(self, cache, run):
        common.warm_up()
        self.fn = _runs(10_000)[run]
        self.fn()

    def time_betainc(self, cache, run):
        self.fn()


class BetaincRatios(common.Benchmark):
    """numtape's gradients over SciPy's value, same process."""

    params = (["grad_x", "grad_all"],)
    param_names = ["run"]

    def setup(self, cache, run):
        common.warm_up()
        self.runs = _runs(10_000)

    def track_ratio(self, cache, run):
        m = common.interleaved_medians({k: self.runs[k] for k in (run, "scipy_value")}, rounds=5)
        return m[run] / m["scipy_value"]
