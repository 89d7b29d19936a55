"""Threads: tapes are per thread, concurrent recording and differentiation stay independent,
and the compiled sweeps release the GIL.

Every expected gradient is a closed form. Threads meet at barriers while their tapes
are open, so recording, the fast sweep and the recorded (second-order) path of
several threads really overlap.
"""
from __future__ import annotations

import json
import sys
import threading
import time

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import jit
from numtape._kernels import sweep as K

from ._support import last_line, run_python, scale

THREADS = scale(4, 8)
ROUNDS = scale(6, 200)


def _run_threads(n: int, target, barrier: threading.Barrier | None = None) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            target(k)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
            if barrier is not None:
                barrier.abort()  # the other threads stop waiting for this one

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_threads_record_and_differentiate_at_the_same_time_independently() -> None:
    x = nt.constant(np.linspace(0.1, 1.0, 8))  # shared by every thread, watched by each
    v = nt.Variable(1.5)  # shared trainable variable, read by every thread
    barrier = threading.Barrier(THREADS, timeout=120)
    results: dict[int, list] = {}

    def work(k: int) -> None:
        a = 1.0 + k / 10.0
        xv = x.numpy()
        for r in range(ROUNDS):
            barrier.wait()
            with nt.GradientTape() as outer:
                outer.watch(x)
                with nt.GradientTape(persistent=True) as tape:
                    tape.watch(x)
                    y = nt.reduce_sum(nt.sin(a * x) * v)
                    barrier.wait()  # every thread is now inside its tapes
                    s = 0.0
                    for i in range(8):  # a scalar loop: element entries and scalar ops
                        s = s + x[i] * x[i] * a
                    y = y + s
                gx, gv = tape.gradient(y, [x, v])  # recorded path (outer records)
                with outer.stop_recording():
                    fx = tape.gradient(y, x)  # fast path
                total = nt.reduce_sum(gx)
            second = outer.gradient(total, x)
            expected_gx = a * np.cos(a * xv) * 1.5 + 2.0 * a * xv
            np.testing.assert_allclose(gx.numpy(), expected_gx, rtol=1e-13)
            np.testing.assert_allclose(fx.numpy(), expected_gx, rtol=1e-13)
            np.testing.assert_allclose(float(gv), np.sum(np.sin(a * xv)), rtol=1e-13)
            np.testing.assert_allclose(second.numpy(), -a * a * np.sin(a * xv) * 1.5 + 2.0 * a, rtol=1e-12)
            assert tape.watched_variables() == (v,)
        results[k] = [r]

    errors = _run_threads(THREADS, work, barrier)
    assert not errors, errors
    assert sorted(results) == list(range(THREADS))


def test_a_tape_does_not_record_another_threads_ops() -> None:
    x = nt.constant(2.0)
    out = {}
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        before = tape._tape.buffers.n

        def other_thread(_: int) -> None:
            out["y"] = x * x  # no tape is recording in this thread

        assert not _run_threads(1, other_thread)
        assert tape._tape.buffers.n == before
        mine = x * x * x
    assert tape.gradient(out["y"], x) is None
    assert tape.gradient(mine, x).numpy() == 12.0


def test_first_gradients_in_many_threads_at_once_in_a_fresh_process() -> None:
    """The first gradient compiles (or loads) the kernels: several threads may race to it."""
    result = run_python(f"""
import json, threading
import numpy as np
import numtape as nt
n = {THREADS}
barrier = threading.Barrier(n, timeout=120)
out, errors = {{}}, []
def work(k):
    try:
        x = nt.constant(np.full(3, 0.5 + k))
        s = nt.constant(float(k))
        with nt.GradientTape() as tape:
            tape.watch([x, s])
            y = nt.reduce_sum(x * x) + s * s
        barrier.wait()
        gx, gs = tape.gradient(y, [x, s])
        out[k] = (gx.numpy().tolist(), float(gs))
    except BaseException as error:
        errors.append(repr(error))
        barrier.abort()
threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(dict(out=out, errors=errors)))
""")
    m = json.loads(last_line(result))
    assert m["errors"] == []
    for k in range(THREADS):
        assert m["out"][str(k)] == [[2 * (0.5 + k)] * 3, 2.0 * k]


def _sin_chain(n: int) -> tuple:
    """Buffers of a tape x -> sin -> sin -> ... (n entries), ready for reverse_sweep."""
    code = np.full(n, K.FN_SIN, np.uint16)
    code[0] = K.OP_LEAF
    arg0 = np.arange(-1, n - 1, dtype=np.int32)
    arg0[0] = 0
    value = np.random.default_rng(0).uniform(-1.0, 1.0, n)
    adj = np.zeros(n)
    adj[-1] = 1.0
    rcode = code.copy()  # every entry live, none handed to Python
    return (code, rcode, arg0, np.zeros(n, np.int32), value, np.zeros((0, K.N_AUX), np.int64), np.zeros(0),
            np.zeros(0, np.int64), adj, np.zeros(0), n - 1, 0)


def test_the_compiled_kernels_are_built_to_release_the_gil() -> None:
    K.ensure_compiled()
    for module, name, _ in jit._REGISTRY:
        dispatcher = getattr(sys.modules[module], name)
        if hasattr(dispatcher, "targetoptions"):  # absent under NUMBA_DISABLE_JIT=1
            assert dispatcher.targetoptions.get("nogil") is True, name


def test_the_reverse_sweep_runs_while_other_python_threads_run() -> None:
    """While one thread is inside a long compiled sweep, this thread keeps running Python.

    If the sweep held the GIL, this thread's timestamps would show a gap as long as the
    sweep (about 0.2 s); with the GIL released, the gaps are scheduling noise.
    """
    K.ensure_compiled()
    if not hasattr(K.reverse_sweep, "targetoptions"):
        pytest.skip("NUMBA_DISABLE_JIT=1: the kernels are plain Python")
    K.reverse_sweep(*_sin_chain(1000))  # compiled and loaded
    args = _sin_chain(8_000_000)
    window: dict[str, float] = {}

    def sweep(_: int) -> None:
        window["start"] = time.perf_counter()
        K.reverse_sweep(*args)
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=sweep, args=(0,))
    stamps = []
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
    worker.join()
    inside = [s for s in stamps if window["start"] <= s <= window["end"]]
    duration = window["end"] - window["start"]
    edges = [window["start"]] + inside + [window["end"]]
    longest_gap = max(b - a for a, b in zip(edges, edges[1:]))
    assert np.isfinite(args[8][0])  # the sweep reached the first entry's adjoint
    assert duration > 0.05, duration
    assert longest_gap < 0.5 * duration, (longest_gap, duration, len(inside))
