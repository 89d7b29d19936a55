"""Forward mode: Jacobian-vector products of Rosenbrock (n = 100, 1,000), eager and compiled.

``nt.jvp`` (eager: the recorded double-VJP transposition, two reverse sweeps), a
``ForwardAccumulator`` block, and ``g.jvp`` on an ``nt.function`` (one compiled tangent
pass); ``track_eager_over_compiled`` is the ratio of the eager and compiled medians in one
process.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .common import Benchmark, median_seconds, require_function, require_numtape, warm_up


def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


@lru_cache(maxsize=None)
def _problem(n: int):
    nt = require_numtape()
    if not hasattr(nt, "jvp"):
        raise NotImplementedError("forward mode is not in this commit")
    g = require_function()(rosenbrock)
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal(n), rng.standard_normal(n)
    g.jvp(x, v)  # trace outside the timings
    nt.jvp(rosenbrock, (x,), (v,))
    return nt, g, x, v


class ForwardMode(Benchmark):
    params = [[100, 1000]]
    param_names = ["n"]

    def setup(self, cache, n):
        warm_up()
        self.nt, self.g, self.x, self.v = _problem(n)

    def time_eager_jvp(self, cache, n):
        self.nt.jvp(rosenbrock, (self.x,), (self.v,))

    def time_forward_accumulator(self, cache, n):
        nt = self.nt
        x = nt.constant(self.x)
        with nt.ForwardAccumulator(x, self.v) as acc:
            y = rosenbrock(x)
        acc.jvp(y)

    def time_compiled_jvp(self, cache, n):
        self.g.jvp(self.x, self.v)

    def track_eager_over_compiled(self, cache, n):
        eager = median_seconds(lambda: self.nt.jvp(rosenbrock, (self.x,), (self.v,)), budget=0.3)
        compiled = median_seconds(lambda: self.g.jvp(self.x, self.v), budget=0.3)
        return eager / compiled

    track_eager_over_compiled.unit = "ratio"
