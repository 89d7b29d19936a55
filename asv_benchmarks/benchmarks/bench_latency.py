"""Per-call latency: the seed example (x = ones((2, 2)); z = sum(x)^2; dz/dx)."""
from __future__ import annotations

from . import workloads as W
from . import common
from .common import IMPLS, Benchmark, median_seconds, warm_up


class SeedExample(Benchmark):
    params = [IMPLS]
    param_names = ["impl"]

    def setup(self, cache, impl):
        warm_up()
        self.run = W.seed(impl)
        self.run()

    def time_value_and_grad(self, cache, impl):
        self.run()


class SeedLatency(Benchmark):
    """Microseconds per call (tape, two ops, gradient) and its ratios to the references."""

    unit = "us"

    def setup(self, cache):
        warm_up()
        self.run = W.seed("numtape")
        self.run()

    def track_us_per_call(self, cache):
        return median_seconds(self.run, budget=1.0) * 1e6


class SeedRatios(common._RatioBenchmark):
    builder = staticmethod(W.seed)


class FunctionDispatch(Benchmark):
    """nt.function's warm-call overhead on the seed example (a 3-entry trace, so the compiled
    replay itself is well under a microsecond): ``g(x)``, ``g.value_and_grad(x)`` and
    ``g.grad(x)``, with ``x`` a Tensor or an ndarray (both take the quick signature path)."""

    params = [["tensor", "ndarray"]]
    param_names = ["argument"]

    def setup(self, cache, argument):
        import numpy as np

        from .common import require_function, require_numtape

        warm_up()
        nt = require_numtape()
        self.g = require_function()(lambda x: nt.square(nt.reduce_sum(x)))
        self.x = nt.ones((2, 2)) if argument == "tensor" else np.ones((2, 2))
        self.g(self.x)
        self.g.value_and_grad(self.x)

    def time_call(self, cache, argument):
        self.g(self.x)

    def time_value_and_grad(self, cache, argument):
        self.g.value_and_grad(self.x)

    def time_grad(self, cache, argument):
        self.g.grad(self.x)
