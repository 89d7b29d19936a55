"""Microsoft ADBench's GMM objective (d = 10, k = 5, n = 1,000) and its gradient in all parameters."""
from __future__ import annotations

from . import gmm as G
from . import common
from .common import IMPLS, Benchmark, interleaved_medians, warm_up


class GMMGradient(Benchmark):
    """Value and gradient with respect to alphas, means and icf."""

    params = [IMPLS]
    param_names = ["impl"]

    def setup(self, cache, impl):
        warm_up()
        self.run = G.gmm(impl)
        self.run()

    def time_gradient(self, cache, impl):
        self.run()


class GMMObjective(Benchmark):
    """The objective alone (no tape): the denominator of ADBench's gradient/objective ratio."""

    params = [IMPLS]
    param_names = ["impl"]

    def setup(self, cache, impl):
        warm_up()
        self.run = G.gmm(impl, grad=False)
        self.run()

    def time_objective(self, cache, impl):
        self.run()


class GMMGradientOverObjective(Benchmark):
    """ADBench's measure: gradient time / objective time, both in one implementation and process
    (ADBench reports 3.7-15.5 for Tapenade and 13-28 for ADOL-C on this objective)."""

    unit = "ratio"
    params = [["numtape", "replay", "torch", "jax_jit"]]
    param_names = ["impl"]

    def setup(self, cache, impl):
        warm_up()
        self.runs = {"gradient": G.gmm(impl), "objective": G.gmm(impl, grad=False)}

    def track_ratio(self, cache, impl):
        m = interleaved_medians(self.runs, rounds=common._RatioBenchmark.rounds, budget=common._RatioBenchmark.budget)
        return m["gradient"] / m["objective"]


class GMMRatios(common._RatioBenchmark):
    """numtape's gradient over the hand-written ones."""

    builder = staticmethod(G.gmm)
