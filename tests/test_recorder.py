"""Recording: what tapes record, nesting, stop_recording, constants keep identity."""
from __future__ import annotations

import numpy as np

import numtape as nt


def test_ops_without_a_watched_input_are_not_recorded() -> None:
    x = nt.constant(1.0)
    with nt.GradientTape() as tape:
        y = nt.sin(x) * 2.0
    assert tape._tape.buffers.n == 0
    assert tape.gradient(y, x) is None


def test_nested_tapes_each_record_what_they_watch() -> None:
    x = nt.constant(1.0)
    z = nt.constant(2.0)
    w = nt.constant(3.0)
    with nt.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with nt.GradientTape(persistent=True) as inner:
            inner.watch(z)
            y = x * x
            v = z * w
    assert outer.gradient(y, x).numpy() == 2.0 and outer.gradient(v, z) is None
    assert inner.gradient(v, z).numpy() == 3.0 and inner.gradient(y, x) is None
    # As in TensorFlow, an unwatched input of a recorded op is still a valid source.
    assert inner.gradient(v, w).numpy() == 2.0


def test_stop_recording_pauses_the_tape() -> None:
    x = nt.constant(3.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            hidden = x * x
        y = x * hidden
    assert tape.gradient(y, x).numpy() == 9.0


def test_constant_tensor_keeps_its_identity_on_the_tape() -> None:
    # As in TensorFlow, a tensor that fed a recorded op can be asked for as a source.
    x = nt.constant(2.0)
    c = nt.constant(5.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * c + c
    assert tape.gradient(y, c).numpy() == 3.0
    assert tape.gradient(y, x).numpy() == 5.0


def test_ops_recorded_on_two_nested_tapes_use_one_slot_each() -> None:
    x = nt.constant(np.array([1.0, 2.0]))
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = nt.reduce_sum(x * x)
        g = inner.gradient(y, x)
        s = nt.reduce_sum(g * g)
    np.testing.assert_allclose(outer.gradient(s, x).numpy(), 8 * x.numpy())


def test_recording_keeps_working_across_buffer_growth() -> None:
    x = nt.constant(1.0001)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(5000):
            y = y * x
    assert abs(tape.gradient(y, x).numpy() - 5001 * 1.0001**5000) < 1e-6 * 5001 * 1.0001**5000


def test_python_float_constants_are_recorded_once_per_tape() -> None:
    x = nt.constant(0.3)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(5):
            y = 0.5 * y * y + 0.5 * y + 1.5  # two distinct constants
    b = tape._tape.buffers
    leaves = int(np.sum(b.code[: b.n] == 0))
    assert leaves == 1 + 2  # x, 0.5 and 1.5
    expected, dy = 0.3, 1.0
    for _ in range(5):
        dy *= expected + 0.5
        expected = 0.5 * expected * expected + 0.5 * expected + 1.5
    assert float(y) == expected
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), dy, rtol=1e-14)


def test_signed_zero_and_nan_constants_keep_their_own_leaves() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a = x / 0.0
        b = x / -0.0
        c = x * float("nan")
        d = x * float("nan")
    assert tape.gradient(a, x).numpy() == np.inf and tape.gradient(b, x).numpy() == -np.inf
    assert np.isnan(tape.gradient(c, x).numpy()) and np.isnan(tape.gradient(d, x).numpy())
    code = tape._tape.buffers.code[: tape._tape.buffers.n]
    assert int(np.sum(code == 0)) == 1 + 4
