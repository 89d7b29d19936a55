"""Memory: flat over long eager loops, freed with the tape, within budget, and MemoryError is clean.

Each measurement runs in a fresh interpreter (``tests/_support.py``) so that the rest
of the suite does not blur it. Tests marked slow run shortened in CI; NUMTAPE_FULL=1
runs the issue's sizes: 10**6 gradient evaluations and a 10**7-entry tape.
"""
from __future__ import annotations

import gc
import json
import weakref

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import sweep as K

from ._support import last_line, run_python, scale

_RSS = """
def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
"""


@pytest.mark.slow
def test_a_long_loop_of_eager_gradients_keeps_memory_flat() -> None:
    """An optimiser loop: first-order steps on non-persistent tapes, every 8th step a Hessian-vector product."""
    steps = scale(8_000, 1_000_000)
    result = run_python(_RSS + f"""
import gc, json, time
import numpy as np
import numtape as nt
from numtape.tape import recorder

w = nt.Variable(np.linspace(-1.0, 1.0, 3))
b = nt.Variable(0.5)
x = nt.constant([0.1, 0.2, 0.3])

def loss():
    return nt.reduce_sum(nt.tanh(w * x) ** 2) + b * b + nt.sin(b) + nt.reduce_logsumexp(x * b)

def step(k):
    if k % 8:
        with nt.GradientTape() as tape:
            y = loss()
        gw, gb = tape.gradient(y, [w, b])
    else:  # the recorded path: a Hessian-vector product through nested tapes
        with nt.GradientTape() as outer:
            with nt.GradientTape() as inner:
                y = loss()
            gw, gb = inner.gradient(y, [w, b])
            dot = nt.reduce_sum(gw * x) + gb
        gw, gb = outer.gradient(dot, [w, b])
    w.assign_sub(1e-4 * gw.numpy())
    b.assign_sub(1e-4 * float(gb))

for k in range(3000):  # warm up: kernels, caches, allocator arenas
    step(k)
gc.collect()
rss0, objects0 = status("VmRSS"), len(gc.get_objects())
start = time.perf_counter()
for k in range({steps}):
    step(k)
elapsed = time.perf_counter() - start
gc.collect()
print(json.dumps(dict(rss0=rss0, rss1=status("VmRSS"), objects0=objects0, objects1=len(gc.get_objects()),
                      live_tapes=len(recorder._live_tapes), us_per_step=elapsed / {steps} * 1e6)))
""", timeout=3600)
    m = json.loads(last_line(result))
    growth = m["rss1"] - m["rss0"]
    print(f"{steps} steps, {m['us_per_step']:.0f} us/step, RSS {m['rss0'] / 2**20:.1f} -> {m['rss1'] / 2**20:.1f} MiB")
    assert growth < 4 * 2**20, m  # a leak of even 250 bytes a step would show over the short run
    assert m["objects1"] - m["objects0"] < 100, m
    assert m["live_tapes"] == 0, m


def _record(persistent: bool) -> tuple[nt.GradientTape, nt.Tensor, nt.Tensor, nt.Variable]:
    x = nt.constant(np.linspace(0.0, 1.0, 5000))  # large: kept by reference, outside the arena
    v = nt.Variable(2.0)

    @nt.custom_gradient
    def scaled(t):
        return t * 3.0, lambda dy: dy * 3.0

    tape = nt.GradientTape(persistent=persistent)
    with tape:
        tape.watch(x)
        y = nt.reduce_sum(scaled(nt.sin(x[:100]) * v)) + nt.reduce_sum(x * x) + v * v
    return tape, x, y, v


def _buffer_refs(tape: nt.GradientTape) -> list[weakref.ref]:
    b = tape._tape.buffers
    return [weakref.ref(tape._tape)] + [weakref.ref(a) for a in (b.code, b.arg0, b.arg1, b.value, b.aux, b.arena)]


@pytest.mark.parametrize("path", ["fast", "recorded"])
def test_a_persistent_tape_is_freed_as_soon_as_it_is_deleted(path: str) -> None:
    tape, x, y, v = _record(persistent=True)
    refs = _buffer_refs(tape)
    with nt.GradientTape() as outer:
        if path == "fast":
            with outer.stop_recording():
                gx, gv = tape.gradient(y, [x, v])
        else:
            gx, gv = tape.gradient(y, [x, v])
        tape.gradient(y, x)  # asked twice
    np.testing.assert_allclose(gv.numpy(), 3.0 * np.sum(np.sin(x.numpy()[:100])) + 4.0)
    del outer
    gc.disable()
    try:
        del tape
        alive = [r for r in refs if r() is not None]
        assert not alive, "the tape and its buffers should be freed by reference counting (no cycles)"
    finally:
        gc.enable()


def test_a_non_persistent_tape_frees_its_buffers_after_its_gradient() -> None:
    from numtape.tape.recorder import clear_spare_buffers

    tape, x, y, v = _record(persistent=False)
    refs = _buffer_refs(tape)
    tape.gradient(y, [x, v])
    assert tape._tape is None
    clear_spare_buffers()  # the buffers may wait there for the next tape
    assert [r for r in refs if r() is not None] == []  # while the GradientTape object itself lives on


def test_a_tape_reusing_buffers_reads_exactly_like_a_new_one() -> None:
    from numtape.tape.buffers import TapeBuffers
    from numtape.tape.recorder import _spare_buffers, clear_spare_buffers

    def run(x0: np.ndarray) -> tuple:
        x = nt.constant(x0)
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = nt.reduce_sum(nt.gather(x[1:], [0, 2, 2]) * nt.sin(x[:3])) + nt.reduce_max(x) * x[0]
            buffers = tape._tape.buffers
        g = tape.gradient(y, x)
        return y.numpy(), g.numpy(), buffers

    clear_spare_buffers()
    x0 = np.array([0.5, 1.5, -0.25, 2.0, 0.75])
    first = run(x0)
    assert _spare_buffers and _spare_buffers[-1] is first[2]
    # a different recording in between leaves other codes, offsets and attributes behind
    with nt.GradientTape() as other:
        z = nt.constant(np.arange(12.0).reshape(3, 4))
        other.watch(z)
        w = nt.reduce_sum(nt.transpose(z) @ z, axis=0)
    other.gradient(w, z)
    second = run(x0)
    assert second[2] is first[2]  # reused, after the other recording used it
    clear_spare_buffers()
    fresh = run(x0)
    assert fresh[2] is not first[2]
    for result in (first, second):
        np.testing.assert_array_equal(result[0], fresh[0])
        np.testing.assert_array_equal(result[1], fresh[1])
    b = TapeBuffers()
    b.push_array(64, 0, np.ones(3), (3,), False, fn=5, b=2, c=1, ints=(1, 2, 3, 4))
    b.push_scalar(11, 0, 0, 0.5)
    b.reset()
    assert b.n == b.n_aux == b.arena_size == b.iarena_size == 0 and b.shapes == [] and b.external == []
    assert not b.aux[:, K.A_I0 :].any()  # the attributes an append may leave unwritten


@pytest.mark.slow
def test_a_long_scalar_tape_records_and_differentiates_within_40_bytes_per_entry() -> None:
    entries = scale(1_000_000, 10_000_000)
    result = run_python(_RSS + f"""
import json, math, time
import numtape as nt
from numtape import testing
testing.warmup()
x = nt.constant(0.5)
c = nt.constant(1.0000001)
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak-RSS counter (VmHWM) to the current RSS
    exact = True
except OSError:
    exact = False
base = status("VmRSS")
start = time.perf_counter()
with nt.GradientTape() as tape:
    tape.watch([x, c])
    y = x
    for _ in range({entries} // 2):
        y = nt.sin(y) * c
recorded = time.perf_counter()
n = tape._tape.buffers.n
g = tape.gradient(y, x)
done = time.perf_counter()
peak = status("VmHWM") if exact else status("VmRSS")
# the same derivative by forward mode, in plain floats
v, d = 0.5, 1.0
for _ in range({entries} // 2):
    d = math.cos(v) * d * 1.0000001
    v = math.sin(v) * 1.0000001
print(json.dumps(dict(n=n, bytes_per_entry=(peak - base) / n, exact=exact, record_s=recorded - start,
                      gradient_s=done - recorded, gradient=float(g), expected=d, value=float(y), expected_value=v)))
""", timeout=3600)
    m = json.loads(last_line(result))
    print(f"{m['n']} entries: {m['bytes_per_entry']:.1f} bytes/entry at peak, recorded in {m['record_s']:.1f} s, "
          f"differentiated in {m['gradient_s']:.2f} s")
    assert m["n"] >= entries
    assert m["value"] == m["expected_value"]
    assert m["gradient"] == pytest.approx(m["expected"], rel=1e-9)
    assert m["bytes_per_entry"] <= 40.0, m


_OOM = _RSS + """
import json, math, resource
import numpy as np
import numtape as nt
from numtape import testing
testing.warmup()
soft, hard = resource.getrlimit(resource.RLIMIT_AS)

def limit(extra):
    resource.setrlimit(resource.RLIMIT_AS, (status("VmSize") + extra, hard))

def unlimit():
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

x = nt.constant(0.5)
c = nt.constant(1.0000001)
big = nt.constant(np.full(10_000, 0.25))
report = {}
tape = nt.GradientTape(persistent=True)
with tape:
    tape.watch([x, c, big])
    y, v, d, ops = x, 0.5, 1.0, 0
    limit(96 * 2**20)
    try:
        while True:  # record until the buffers cannot double any more
            z = nt.sin(y) * c
            y = z
            d = math.cos(v) * d * 1.0000001
            v = math.sin(v) * 1.0000001
            ops += 1
            if ops % 4096 == 0:
                w = nt.reduce_sum(big * y)  # array entries too: aux rows, the arena, external arrays
    except MemoryError as error:
        report["recording_error"] = str(error)[:200]
    unlimit()
    report["ops"] = ops
    report["entries"] = tape._tape.buffers.n
    y = nt.sin(y) * c  # the tape keeps recording after the error
    d = math.cos(v) * d * 1.0000001
    v = math.sin(v) * 1.0000001
report["value_ok"] = float(y) == v
report["gradient_ok"] = math.isclose(float(tape.gradient(y, x)), d, rel_tol=1e-9)

limit(2**20)  # now the gradient's own adjoint buffers cannot be allocated
try:
    tape.gradient(y, x)
    report["gradient_error"] = None
except MemoryError as error:
    report["gradient_error"] = str(error)[:200]
unlimit()
report["gradient_after_ok"] = math.isclose(float(tape.gradient(y, x)), d, rel_tol=1e-9)
print(json.dumps(report))
"""


def test_running_out_of_memory_raises_memory_error_and_leaves_the_tape_correct() -> None:
    # a fixed mmap threshold: every large buffer is its own mapping, returned to the system when freed,
    # so that the address-space limit decides deterministically which allocation fails
    result = run_python(_OOM, env={"MALLOC_MMAP_THRESHOLD_": "65536"}, timeout=600)
    m = json.loads(last_line(result))
    print(m)
    assert "recording_error" in m and m["ops"] > 100_000, m
    assert m["value_ok"] and m["gradient_ok"], m
    assert m["gradient_error"] is not None, m
    assert m["gradient_after_ok"], m


def test_a_tape_refuses_entries_beyond_int32_slots_before_writing_anything() -> None:
    """Slots are int32: entry 2**31 would wrap. Simulated (no 36 GB tape): the buffers claim to be full."""
    from numtape.tape.buffers import MAX_ENTRIES

    x = nt.constant(2.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        b = tape._tape.buffers
        real_n, real_capacity = b.n, b.capacity
        b.n = b.capacity = MAX_ENTRIES
        with pytest.raises(MemoryError, match="at most 2147483648 entries"):
            nt.sin(x)
        with pytest.raises(MemoryError, match="at most 2147483648 entries"):
            x * nt.constant([1.0, 2.0])
        b.n, b.capacity = real_n, real_capacity
    assert tape.gradient(y, x).numpy() == 4.0
