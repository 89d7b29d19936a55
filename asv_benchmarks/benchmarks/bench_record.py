"""Recording overhead per op (scalars and arrays of 10^3 and 10^6 elements), and the sweep vs tape length."""
from __future__ import annotations

import numpy as np

from .common import Benchmark, median_seconds, require_numtape, warm_up

_COUNTS = {"scalar": 1000, "1e3": 100, "1e6": 3}


def _recorder(size: str, op: str):
    nt = require_numtape()
    x = nt.constant(0.5) if size == "scalar" else nt.constant(np.linspace(0.1, 0.9, int(float(size))))
    count = _COUNTS[size]
    fn = nt.sin if op == "sin" else (lambda y: y * x)

    def record():
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(count):
                y = fn(y)
        return tape, y

    return record, x, count


class RecordOps(Benchmark):
    """Record ``count`` chained ops on a new tape (no gradient)."""

    params = [["scalar", "1e3", "1e6"], ["sin", "mul"]]
    param_names = ["size", "op"]

    def setup(self, cache, size, op):
        warm_up()
        self.record, self.x, self.count = _recorder(size, op)

    def time_record(self, cache, size, op):
        self.record()

    def track_us_per_recorded_op(self, cache, size, op):
        return median_seconds(self.record, budget=0.5) / self.count * 1e6

    track_us_per_recorded_op.unit = "us"


class Backward(Benchmark):
    """One gradient of a scalar tape of ``length`` entries: compiled fast path vs recorded (Python) path."""

    params = [[100, 1_000, 10_000, 100_000], ["fast", "recorded"]]
    param_names = ["length", "path"]

    def setup(self, cache, length, path):
        if path == "recorded" and length > 10_000:
            raise NotImplementedError("the recorded path is Python per entry: skipped above 10^4 entries")
        warm_up()
        nt = require_numtape()
        self.nt = nt
        self.x = x = nt.constant(0.5)
        with nt.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x
            for _ in range(length // 2):
                y = nt.sin(y) * x
        self.tape, self.y = tape, y

    def time_gradient(self, cache, length, path):
        if path == "fast":
            self.tape.gradient(self.y, self.x)
        else:  # a gradient taken while another tape records runs the recorded path
            with self.nt.GradientTape():
                self.tape.gradient(self.y, self.x)
