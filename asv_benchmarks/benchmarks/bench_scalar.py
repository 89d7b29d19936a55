"""Scalar code: the 1,000-iteration loop and Rosenbrock of 100 variables as a loop."""
from __future__ import annotations

from . import workloads as W
from . import common
from .common import IMPLS, Benchmark, median_seconds, warm_up


class ScalarLoop(Benchmark):
    """y = sin(y) * x + 0.5 * y * y / (1 + y * y), 1,000 iterations: value and dy/dx."""

    params = [IMPLS]
    param_names = ["impl"]

    def setup(self, cache, impl):
        warm_up()
        self.run = W.scalar_loop(impl)
        self.run()

    def time_value_and_grad(self, cache, impl):
        self.run()


class RosenbrockScalar(Benchmark):
    """Rosenbrock of 100 variables written as a scalar loop: value and gradient."""

    params = [IMPLS]
    param_names = ["impl"]

    def setup(self, cache, impl):
        warm_up()
        self.run = W.rosenbrock_scalar(impl)
        self.run()

    def time_value_and_grad(self, cache, impl):
        self.run()


class ScalarLoopRatios(common._RatioBenchmark):
    """numtape (eager, replay) over the references and PyTorch, each ratio timed in one process."""

    params = [["numtape", "replay"], ["numpy", "numba", "torch"]]
    builder = staticmethod(W.scalar_loop)


class RosenbrockScalarRatios(common._RatioBenchmark):
    builder = staticmethod(W.rosenbrock_scalar)


class ScalarLoopPerOp(Benchmark):
    """Microseconds per recorded op of the scalar loop (record + gradient, 8,000 ops)."""

    unit = "us/op"

    def setup(self, cache):
        warm_up()
        self.run = W.scalar_loop("numtape")
        self.run()

    def track_us_per_op(self, cache):
        return median_seconds(self.run, budget=1.0) / (1000 * W.SCALAR_LOOP_OPS_PER_ITERATION) * 1e6
