"""The gradient algorithm: reachability, seeds, intermediate sources, hand-offs."""
from __future__ import annotations

import numpy as np

import numtape as nt
from numtape.tape.buffers import ARENA_MAX_SIZE


def test_unconnected_is_decided_by_reachability_not_by_zero() -> None:
    x = nt.constant(0.0)
    z = nt.constant(1.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = x * 0.0 + nt.sign(x)  # connected, with a zero derivative
    gx, gz = tape.gradient(y, [x, z])
    assert gx is not None and gx.numpy() == 0.0
    assert gz is None
    assert tape.gradient(y, z, unconnected_gradients=nt.UnconnectedGradients.ZERO).numpy() == 0.0


def test_output_gradients_weight_the_targets() -> None:
    x = nt.constant([1.0, 2.0, 3.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=nt.constant([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(g.numpy(), [2.0, 0.0, 12.0])


def test_list_of_targets_is_their_sum_and_repeats_count() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        a = x * x
        b = x * 3.0
    assert tape.gradient([a, b, a], x).numpy() == 4.0 + 3.0 + 4.0


def test_intermediate_sources_and_target_that_is_a_source() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = x * x
        y = h * h + x
    assert tape.gradient(y, h).numpy() == 2 * 4.0
    assert tape.gradient(x, x).numpy() == 1.0
    assert tape.gradient(y, [x, h, x])[2].numpy() == 4 * 8.0 + 1.0


def test_nan_and_inf_follow_ieee_in_gradients() -> None:
    x = nt.constant([0.0, 1.0, -1.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(nt.sqrt(x))
    g = tape.gradient(y, x).numpy()
    assert g[0] == np.inf and g[1] == 0.5 and np.isnan(g[2])


def test_large_arrays_kept_outside_the_arena_are_differentiated() -> None:
    n = ARENA_MAX_SIZE * 3
    x0 = np.linspace(-1.0, 1.0, n)
    x = nt.constant(x0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(nt.tanh(x) * x[::-1]) + nt.square(x)[3] * 2.0
    expected = (1 - np.tanh(x0) ** 2) * x0[::-1] + np.tanh(x0)[::-1]
    expected[3] += 4 * x0[3]
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected, rtol=1e-12)


def test_mixed_small_and_large_arrays() -> None:
    w0 = np.random.default_rng(1).standard_normal((3, 5000))
    b0 = np.random.default_rng(2).standard_normal(3)
    w, b = nt.constant(w0), nt.constant(b0)
    with nt.GradientTape() as tape:
        tape.watch([w, b])
        h = nt.reduce_sum(w * w, axis=1) + b  # large -> small
        y = nt.reduce_sum(h * h)
    gw, gb = tape.gradient(y, [w, b])
    h0 = (w0 * w0).sum(axis=1) + b0
    np.testing.assert_allclose(gb.numpy(), 2 * h0)
    np.testing.assert_allclose(gw.numpy(), 4 * h0[:, None] * w0)


def test_gradient_of_a_target_never_recorded_is_none() -> None:
    x = nt.constant(1.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
    assert tape.gradient(nt.constant(3.0), x) is None
