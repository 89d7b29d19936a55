"""Dense Hessians: Rosenbrock at n = 20 and 100 (nested tapes and a jacobian in eager mode)."""
from __future__ import annotations

from . import workloads as W
from . import common
from .common import IMPLS, Benchmark, warm_up


class RosenbrockHessian(Benchmark):
    params = [IMPLS, [20, 100]]
    param_names = ["impl", "n"]

    def setup(self, cache, impl, n):
        warm_up()
        self.run = W.rosenbrock_hessian(impl, n)
        self.run()

    def time_hessian(self, cache, impl, n):
        self.run()


class RosenbrockHessian20Ratios(common._RatioBenchmark):
    builder = staticmethod(W.rosenbrock_hessian)
    kwargs = {"n": 20}


class RosenbrockHessian100Ratios(common._RatioBenchmark):
    builder = staticmethod(W.rosenbrock_hessian)
    kwargs = {"n": 100}
