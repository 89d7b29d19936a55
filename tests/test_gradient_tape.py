"""GradientTape facade: TensorFlow's rules for persistence, structures, reset, jacobians."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------------------
# output_gradients of a 0-d target, recorded by an outer tape (issue 10, item 4)
# ---------------------------------------------------------------------------
def _seeded_square_norm(x0: np.ndarray, v0: float, op: Any, w: np.ndarray) -> tuple[float, Any]:
    """s(v) = sum(w * g**2) with g = v * d op(x) / dx, and ds/dv as the outer tape records it."""
    x = nt.Variable(x0)
    v = nt.constant(v0)
    with nt.GradientTape() as outer:
        outer.watch(v)
        with nt.GradientTape() as inner:
            z = op(x)
        assert z.shape == ()
        g = inner.gradient(z, x, output_gradients=v)
        s = nt.reduce_sum(g * g * w)
    return float(s.numpy()), outer.gradient(s, v)


def _central_difference(f: Any, v0: float, eps: float = 1e-4) -> float:
    return (f(v0 + eps) - f(v0 - eps)) / (2 * eps)


def _zero_d_targets(b: np.ndarray) -> dict[str, Any]:
    return {
        "np.dot": lambda x: np.dot(x, b), "np.matmul": lambda x: np.matmul(x, b), "@": lambda x: x @ b,
        "b @ x": lambda x: b @ x, "x @ x": lambda x: x @ x, "nt.matmul": lambda x: nt.matmul(x, b),
        "nt.dot": lambda x: nt.dot(x, b), "nt.tensordot": lambda x: nt.tensordot(x, b, 1),
        "x @ (M @ x)": lambda x: x @ (np.outer(b, b) @ x), "np.sum": lambda x: np.sum(x * b),
        "element": lambda x: x[0] * x[-1], "reduce_max": lambda x: nt.reduce_max(x * b),
    }


@pytest.mark.parametrize("name", sorted(_zero_d_targets(np.ones(1))))
def test_output_gradients_of_a_0d_target_stay_differentiable(name: str) -> None:
    x0, b, w = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), np.array([1.0, -0.5, 2.0])
    op = _zero_d_targets(b)[name]
    _, dv = _seeded_square_norm(x0, 1.5, op, w)
    expected = _central_difference(lambda v: _seeded_square_norm(x0, v, op, w)[0], 1.5)
    assert dv is not None
    np.testing.assert_allclose(dv.numpy(), expected, rtol=1e-7)


@settings(derandomize=True, max_examples=40, deadline=None, database=None)
@given(n=st.integers(1, 6), data=st.data())
def test_output_gradients_of_a_0d_target_match_finite_differences(n: int, data: Any) -> None:
    values = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    x0, b, w = (np.array(data.draw(st.lists(values, min_size=n, max_size=n))) for _ in range(3))
    v0 = data.draw(values)
    name = data.draw(st.sampled_from(sorted(_zero_d_targets(b))))
    op = _zero_d_targets(b)[name]
    _, dv = _seeded_square_norm(x0, v0, op, w)
    expected = _central_difference(lambda v: _seeded_square_norm(x0, v, op, w)[0], v0)
    got = 0.0 if dv is None else float(dv.numpy())  # None only when s does not depend on v
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
