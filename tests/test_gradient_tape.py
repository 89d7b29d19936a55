"""GradientTape facade: TensorFlow's rules for persistence, structures, reset, jacobians."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


def test_second_gradient_on_non_persistent_tape_raises_tensorflows_error() -> None:
    x = nt.constant(3.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError) as info:
        tape.gradient(y, x)
    assert str(info.value) == "GradientTape.gradient can only be called once on non-persistent tapes."


def test_sources_structure_is_preserved() -> None:
    a, b = nt.constant(1.0), nt.constant(2.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * b
    assert isinstance(tape.gradient(y, [a, b]), list)
    assert isinstance(tape.gradient(y, (a, b)), tuple)
    d = tape.gradient(y, {"x": a, "nested": [b, (a,)]})
    assert d["x"].numpy() == 2.0 and d["nested"][0].numpy() == 1.0 and d["nested"][1][0].numpy() == 2.0


def test_gradient_inside_the_block_of_a_non_persistent_tape_stops_it() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        g = tape.gradient(y, x)
        z = y * 2.0  # not recorded any more
    assert g.numpy() == 4.0
    with pytest.raises(RuntimeError):
        tape.gradient(z, x)


def test_persistent_tape_inside_its_block_records_its_own_gradient() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x * x
        g = tape.gradient(y, x)
    assert g.numpy() == 12.0
    assert tape.gradient(g, x).numpy() == 12.0


def test_reentering_a_used_tape_starts_a_new_recording() -> None:
    x = nt.constant(2.0)
    tape = nt.GradientTape()
    for scale in (1.0, 3.0):
        with tape:
            tape.watch(x)
            y = x * x * scale
        assert tape.gradient(y, x).numpy() == 4.0 * scale


def test_reentering_an_active_tape_is_an_error() -> None:
    tape = nt.GradientTape()
    with tape:
        with pytest.raises(ValueError, match="still recording"):
            tape.__enter__()


def test_reset_inside_and_outside_the_block() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5.0
    assert tape.gradient([y, z], x).numpy() == 5.0
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    tape.reset()
    with pytest.raises(RuntimeError, match="reset"):
        tape.gradient(y, x)


def test_watched_variables_survive_release() -> None:
    v, w = nt.Variable(1.0), nt.Variable(2.0)
    with nt.GradientTape() as tape:
        y = v * w
    assert tape.watched_variables() == (v, w)
    tape.gradient(y, [v, w])
    assert tape.watched_variables() == (v, w)


def test_jacobian_shapes_and_unconnected() -> None:
    x = nt.constant([1.0, 2.0, 3.0])
    z = nt.constant([[1.0, 2.0]])
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = nt.stack([x[0] * x[1], x[2] ** 2])
    j = tape.jacobian(y, x)
    np.testing.assert_array_equal(j.numpy(), [[2.0, 1.0, 0.0], [0.0, 0.0, 6.0]])
    assert tape.jacobian(y, z) is None
    assert tape.jacobian(y, z, unconnected_gradients="zero").shape == (2, 1, 2)


def test_jacobian_matches_finite_differences_for_a_matrix_function() -> None:
    rng = np.random.default_rng(3)
    a0 = rng.standard_normal((2, 3))
    a = nt.constant(a0)
    with nt.GradientTape() as tape:
        tape.watch(a)
        y = nt.tanh(nt.matmul(a, nt.transpose(a)))
    j = tape.jacobian(y, a).numpy()
    eps = 1e-6
    for idx in np.ndindex(a0.shape):
        d = np.zeros_like(a0)
        d[idx] = eps
        f = lambda m: np.tanh(m @ m.T)  # noqa: E731
        np.testing.assert_allclose(j[(...,) + idx], (f(a0 + d) - f(a0 - d)) / (2 * eps), atol=1e-8)


def test_batch_jacobian() -> None:
    x0 = np.arange(6.0).reshape(3, 2) + 1
    x = nt.constant(x0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.stack([x[:, 0] * x[:, 1], x[:, 0] ** 2, x[:, 1] * 3.0], axis=1)
    bj = tape.batch_jacobian(y, x).numpy()
    assert bj.shape == (3, 3, 2)
    for b in range(3):
        u, v = x0[b]
        np.testing.assert_allclose(bj[b], [[v, u], [2 * u, 0.0], [0.0, 3.0]])


def test_unknown_unconnected_gradients_value() -> None:
    x = nt.constant(1.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="sometimes")
