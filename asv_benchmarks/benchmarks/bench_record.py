"""Recording and differentiating a scalar loop: y = sin(y) * x + y."""
from __future__ import annotations

from .common import nt, warm_up


class ScalarLoop:
    params = [1_000, 10_000]
    param_names = ["iterations"]

    def setup(self, iterations: int) -> None:
        warm_up()
        self.x = nt.constant(0.5)

    def _record(self, iterations: int):
        x = self.x
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(iterations):
                y = nt.sin(y) * x + y
        return tape, y

    def time_record(self, iterations: int) -> None:
        self._record(iterations)

    def time_record_and_gradient(self, iterations: int) -> None:
        tape, y = self._record(iterations)
        tape.gradient(y, self.x)
