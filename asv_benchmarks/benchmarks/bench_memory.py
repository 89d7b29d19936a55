"""Tape memory: bytes per scalar entry, buffer growth, and peak memory of recording and sweeping."""
from __future__ import annotations

from . import workloads as W
from .common import Benchmark, require_numtape, warm_up


def _record_loop(iterations: int):
    nt = require_numtape()
    x = nt.constant(0.5)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(iterations):
            y = nt.sin(y) * x + 0.5 * y * y / (1.0 + y * y)
    return tape, x, y


class TapeMemory(Benchmark):
    """The scalar loop's tape: 8 entries per iteration."""

    params = [[1_000, 100_000]]
    param_names = ["iterations"]

    def setup(self, cache, iterations):
        warm_up()
        self.tape, self.x, self.y = _record_loop(iterations)
        self.buffers = self.tape._tape.buffers

    def track_tape_nbytes(self, cache, iterations):
        """Bytes held by the tape's buffers (doubling slack included)."""
        return self.buffers.nbytes

    track_tape_nbytes.unit = "bytes"

    def track_bytes_per_entry(self, cache, iterations):
        """Tape bytes per scalar entry during a sweep: buffers (with slack) plus the 8-byte adjoint."""
        return self.buffers.nbytes / self.buffers.n + 8.0

    track_bytes_per_entry.unit = "bytes"

    def peakmem_record(self, cache, iterations):
        _record_loop(iterations)

    def peakmem_record_and_gradient(self, cache, iterations):
        tape, x, y = _record_loop(iterations)
        tape.gradient(y, x)


class ArrayMemory(Benchmark):
    """Peak memory of value and gradient of Rosenbrock at n = 10^6 (8 MB per array)."""

    def setup(self, cache):
        warm_up()
        self.numtape = W.rosenbrock_vector("numtape")
        self.numpy = W.rosenbrock_vector("numpy")

    def peakmem_rosenbrock_numtape(self, cache):
        self.numtape()

    def peakmem_rosenbrock_numpy(self, cache):
        self.numpy()
