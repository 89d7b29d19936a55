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
