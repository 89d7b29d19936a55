"""Array workloads: Rosenbrock at n = 10^6, logistic regression and a two-layer MLP."""
from __future__ import annotations

from . import workloads as W
from . import common
from .common import IMPLS, Benchmark, warm_up


class _ArrayWorkload(Benchmark):
    params = [IMPLS]
    param_names = ["impl"]
    builder = staticmethod(W.rosenbrock_vector)

    def setup(self, cache, impl):
        warm_up()
        self.run = self.builder(impl)
        self.run()

    def time_value_and_grad(self, cache, impl):
        self.run()


class RosenbrockVector(_ArrayWorkload):
    """sum(100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2) at n = 10^6."""

    builder = staticmethod(W.rosenbrock_vector)


class LogisticRegression(_ArrayWorkload):
    """mean(softplus(-y * (X @ w))), X of 10,000 x 100: value and gradient in w."""

    builder = staticmethod(W.logistic)


class MLP(_ArrayWorkload):
    """tanh MLP 256 x 64 -> 128 -> 10 with softmax cross-entropy: gradient in all weights."""

    builder = staticmethod(W.mlp)


class RosenbrockVectorRatios(common._RatioBenchmark):
    builder = staticmethod(W.rosenbrock_vector)
    rounds = 3


class LogisticRegressionRatios(common._RatioBenchmark):
    builder = staticmethod(W.logistic)


class MLPRatios(common._RatioBenchmark):
    builder = staticmethod(W.mlp)
