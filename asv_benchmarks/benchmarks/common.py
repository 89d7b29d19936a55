"""Shared benchmark helpers (numpy's and scikit-learn's ``common.py`` conventions).

* ``NUMBA_CACHE_DIR`` is set per environment *before* numba is imported, so the
  kernels compiled in ``setup_cache`` are loaded, not recompiled, by the processes
  asv starts for each benchmark.
* ``numtape`` is imported behind a guard so that older commits still benchmark;
  a benchmark whose implementation is missing raises ``NotImplementedError`` in
  ``setup`` (asv's skip).
* Data builders are fixed-seed and ``lru_cache``d.
* :func:`median_seconds` is the one in-process timer, used only by ``track_``
  ratio methods, which must time two implementations in the same process (the
  machine is noisy; a ratio of medians measured minutes apart in different
  processes is not a ratio).
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import timeit
from functools import lru_cache
from typing import Any, Callable

# Only inside asv's processes: the test suite and compare.py import these modules too.
if "NUMBA_CACHE_DIR" not in os.environ and "asv_runner" in sys.modules:
    _tag = hashlib.sha1(sys.prefix.encode()).hexdigest()[:10]
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), f"numtape-asv-numba-{_tag}")

import numpy as np  # noqa: E402

try:
    import numtape as nt
except ImportError:  # pragma: no cover - a commit without numtape
    nt = None


def _warmup() -> None:
    """numtape.testing.warmup, or the sweeps' own warmup on commits before it moved."""
    try:
        from numtape.testing import warmup
    except ImportError:  # pragma: no cover - older commits
        from numtape._kernels.sweep import warmup
    warmup()

#: Set by .ci/run: CI runs the suite to prove it works, not for its numbers, so the
#: in-process ratio timings use fewer rounds there.
QUICK = os.environ.get("NUMTAPE_BENCH_QUICK") == "1"

#: Implementations every workload may have. "numpy" and "numba" are the hand-written
#: references in this directory; "replay" is ``nt.function``; the rest are peers.
IMPLS = ["numtape", "replay", "numpy", "numba", "torch", "jax", "jax_jit", "autograd"]


def require_numtape() -> Any:
    if nt is None:
        raise NotImplementedError("numtape is not importable")
    return nt


def warm_up() -> None:
    """Compile (or load) numtape's kernels outside any timed region."""
    require_numtape()
    _warmup()


def require_function() -> Any:
    """``nt.function`` (compiled replay), or a skip where this commit does not have it."""
    require_numtape()
    if not hasattr(nt, "function"):
        raise NotImplementedError("nt.function (compiled replay) is not in this commit")
    return nt.function


@lru_cache(maxsize=None)
def rng_array(shape: tuple[int, ...], seed: int, kind: str = "normal") -> np.ndarray:
    """A fixed-seed array; callers must not modify it (it is cached)."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        a = rng.uniform(0.0, 1.0, shape)
    elif kind == "signs":
        a = np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)
    else:
        a = rng.standard_normal(shape)
    a.flags.writeable = False
    return a


def median_seconds(fn: Callable[[], Any], budget: float = 0.4, min_repeats: int = 5,
                   max_repeats: int = 201) -> float:
    """Median wall time of one call of ``fn``, from repeated timings within ~``budget`` seconds.

    Calls that take under ~2 ms are batched (``number`` > 1), as ``timeit`` does.
    """
    timer = timeit.Timer(fn)
    first = timer.timeit(1)  # callers run fn once beforehand (JIT, caches)
    if first > budget:
        return first  # a slow call: one sample (interleaved_medians takes the median of rounds)
    number = max(1, int(0.002 / max(first, 1e-7)))
    per_repeat = max(first * number, 1e-6)
    repeats = int(min(max_repeats, max(min_repeats, budget / per_repeat)))
    times = sorted(t / number for t in timer.repeat(repeat=repeats, number=number))
    return times[len(times) // 2]


def interleaved_medians(fns: dict[str, Callable[[], Any]], rounds: int = 7,
                        budget: float = 0.3) -> dict[str, float]:
    """Medians of several implementations timed in alternating rounds (fair under drifting load)."""
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(median_seconds(fn, budget=budget / rounds, min_repeats=3))
    return {k: sorted(v)[len(v) // 2] for k, v in samples.items()}


class Benchmark:
    """Base of every benchmark class: numtape's kernels compiled (or loaded) in ``setup_cache``.

    asv runs ``setup_cache`` once, in its own process, and passes its return value
    to ``setup`` and to every benchmark method as their first argument (``cache``;
    asv passes nothing when it is None, hence a dict); the compiled kernels reach
    the benchmark processes through Numba's cache (``NUMBA_CACHE_DIR`` above).
    """

    timeout = 300.0
    warmup_time = 0.2

    def setup_cache(self) -> dict[str, bool]:
        try:
            warm_up()
        except NotImplementedError:
            return {"numtape": False}
        return {"numtape": True}


def ratio(builder: Callable[..., Any], numerator: str, denominator: str, rounds: int = 5,
          budget: float = 0.6, **kwargs: Any) -> float:
    """median(numerator) / median(denominator) of ``builder``'s workload, timed in this process."""
    runs = {impl: builder(impl, **kwargs) for impl in (numerator, denominator)}
    medians = interleaved_medians(runs, rounds=rounds, budget=budget)
    return medians[numerator] / medians[denominator]


class _RatioBenchmark(Benchmark):
    """Base of the ratio benchmarks (private: asv must not collect it).

    ``track_ratio``: median(numerator) / median(reference), both timed in this process.

    Subclasses set ``builder`` (a workload builder), ``kwargs`` and the parameter
    lists; a numerator or reference that is not available (``replay`` before
    ``nt.function`` exists, a peer that is not installed) is skipped in ``setup``.
    """

    unit = "ratio"
    params = [["numtape", "replay"], ["numpy", "numba"]]
    param_names = ["numerator", "reference"]
    builder: Callable[..., Any] = staticmethod(lambda impl: None)
    kwargs: dict[str, Any] = {}
    rounds = 2 if QUICK else 5
    budget = 0.1 if QUICK else 0.6

    def setup(self, cache, numerator, reference):
        warm_up()
        self.runs = {
            numerator: type(self).builder(numerator, **self.kwargs),
            reference: type(self).builder(reference, **self.kwargs),
        }

    def track_ratio(self, cache, numerator, reference):
        medians = interleaved_medians(self.runs, rounds=self.rounds, budget=self.budget)
        return medians[numerator] / medians[reference]
