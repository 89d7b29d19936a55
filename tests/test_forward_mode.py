"""Forward mode: nt.ForwardAccumulator (TF's semantics), nt.jvp / linearize / jacfwd (JAX's) and
Function.jvp / Function.jacobian(mode=).

Per op, from the op table: jvp . u == v . vjp for random u, v (one case per composite row, every
elementwise row). Whole programs: against central finite differences and analytic Hessians.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape._state import state

from .test_composites import DIFFERENTIABLE, _call, _flat_float, _ids, _sample
from .test_registry import BINARY, UNARY, _op, _sample_binary, _sample_unary, differentiated

ONE_CASE_PER_ROW = list({row.qualified: (row, case) for row, case in reversed(DIFFERENTIABLE)}.values())


def _central(f: Callable[..., Any], xs: list[np.ndarray], vs: list[np.ndarray], h: float = 1e-6) -> np.ndarray:
    """d/dt f(xs + t vs) at t = 0 by central differences (f on NumPy values)."""
    plus = np.asarray(f(*[x + h * v for x, v in zip(xs, vs)]), np.float64)
    minus = np.asarray(f(*[x - h * v for x, v in zip(xs, vs)]), np.float64)
    return (plus - minus) / (2 * h)


def _numpy_f(f: Callable[..., Any]) -> Callable[..., np.ndarray]:
    return lambda *xs: f(*[nt.constant(x) for x in xs]).numpy()


def _check_transposition(f: Callable[..., Any], args: list[np.ndarray], rng: np.random.Generator) -> None:
    """<u, J v> from the accumulator equals <v, J^T u> from the tape."""
    ts = [nt.constant(a) for a in args]
    vs = [rng.standard_normal(np.shape(a)) for a in args]
    with nt.ForwardAccumulator(ts, [nt.constant(v) for v in vs]) as acc:
        with nt.GradientTape(persistent=True) as tape:
            tape.watch(ts)
            y = f(*ts)
    u = rng.standard_normal(y.shape)
    jv = acc.jvp(y, unconnected_gradients="zero").numpy()
    vjp = tape.gradient(y, ts, output_gradients=nt.constant(u), unconnected_gradients="zero")
    forward = float(np.sum(u * jv))
    reverse = sum(float(np.sum(v * g.numpy())) for v, g in zip(vs, vjp))
    assert np.isfinite(forward)
    np.testing.assert_allclose(forward, reverse, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("row, case", ONE_CASE_PER_ROW, ids=_ids)
def test_jvp_transposes_the_vjp_of_every_composite_row(row: Any, case: Any, rng: np.random.Generator) -> None:
    f = _call(row, case)
    _check_transposition(lambda *ts: _flat_float(f(*ts)), _sample(row, case, rng), rng)


@pytest.mark.parametrize("spec", UNARY + BINARY, ids=lambda s: s.name)
def test_jvp_transposes_the_vjp_of_every_elementwise_row(spec: Any, rng: np.random.Generator) -> None:
    if spec.arity == 1:
        args = [_sample_unary(spec, (2, 3), rng)]
    else:
        args = list(_sample_binary(spec, ((2, 3), (1, 3)), rng))
    f, free = differentiated(spec, _op(spec), args)
    _check_transposition(lambda *ts: f(*ts), free, rng)


PROGRAMS = [
    (lambda x: nt.sin(x) * nt.exp(x[0]), [(4,)]),
    (lambda a, b: nt.matmul(a, b) + nt.tanh(a[:, :1]), [(2, 3), (3, 2)]),
    (lambda x: nt.reduce_logsumexp(x * x, axis=1), [(3, 4)]),
    (lambda x, y: nt.linalg.solve(x + 4 * np.eye(3), y) ** 2, [(3, 3), (3, 2)]),
    (lambda x: nt.cumsum(nt.sqrt(x * x + 1.0)) / nt.reduce_sum(x), [(5,)]),
]


@pytest.mark.parametrize("f, shapes", PROGRAMS)
def test_jvp_matches_central_differences(f: Callable[..., Any], shapes: list, rng: np.random.Generator) -> None:
    xs = [rng.uniform(0.5, 1.5, s) for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]
    value, tangent = nt.jvp(f, tuple(xs), tuple(vs))
    np.testing.assert_allclose(value, _numpy_f(f)(*xs), rtol=1e-12)
    np.testing.assert_allclose(tangent, _central(_numpy_f(f), xs, vs), rtol=1e-6, atol=1e-8)
    ys, f_jvp = nt.linearize(f, *xs)
    np.testing.assert_allclose(f_jvp(*vs), tangent, rtol=1e-12, atol=1e-14)


def _cubic(x: Any) -> Any:
    return nt.reduce_sum(x ** 3.0) + x[0] * x[1]


def _cubic_hessian(x: np.ndarray) -> np.ndarray:
    return np.diag(6 * x) + np.array([[0.0, 1.0], [1.0, 0.0]])


def test_tensorflows_forward_over_backward_example() -> None:
    v = nt.Variable(np.array([1.0, 2.0], np.float32))
    with nt.ForwardAccumulator(v, nt.constant(np.array([1.0, 0.0], np.float32))) as acc:
        with nt.GradientTape() as tape:
            y = nt.reduce_sum(v ** 3.0)
        backward = tape.gradient(y, v)
    np.testing.assert_allclose(backward.numpy(), [3.0, 12.0])
    hvp = acc.jvp(backward)
    assert hvp.dtype == np.float32
    np.testing.assert_allclose(hvp.numpy(), [6.0, 0.0])  # H = diag(6 v), times (1, 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_over_reverse_is_the_hessian_vector_product(dtype: Any) -> None:
    x, v = np.array([0.7, -1.3], dtype), np.array([0.4, 2.0], dtype)
    primal = nt.constant(x)
    with nt.ForwardAccumulator(primal, nt.constant(v)) as acc:
        with nt.GradientTape() as tape:
            tape.watch(primal)
            y = _cubic(primal)
        g = tape.gradient(y, primal)
    hv = acc.jvp(g)
    assert hv.dtype == dtype
    np.testing.assert_allclose(hv.numpy(), _cubic_hessian(x.astype(np.float64)) @ v, rtol=1e-5 if dtype == np.float32
                               else 1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reverse_over_forward_differentiates_the_jvp(dtype: Any) -> None:
    x, v = np.array([0.7, -1.3], dtype), np.array([0.4, 2.0], dtype)
    primal = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(primal)
        with nt.ForwardAccumulator(primal, nt.constant(v)) as acc:
            y = _cubic(primal)
        jv = acc.jvp(y)
    gradient = tape.gradient(jv, primal)
    assert jv.dtype == dtype and gradient.dtype == dtype
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(jv.numpy(), (3 * x64 ** 2 + x64[::-1]) @ v, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(gradient.numpy(), _cubic_hessian(x64) @ v, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_unconnected_targets_give_none_or_zeros() -> None:
    x, other = nt.constant([1.0, 2.0]), nt.constant([3.0, 4.0])
    before = other * 2.0  # computed outside the accumulator
    with nt.ForwardAccumulator(x, [1.0, 1.0]) as acc:
        inside = other * 3.0  # inside, but not from the primal
        y = x * other
        count = nt.constant(3)
    assert acc.jvp(before) is None and acc.jvp(inside) is None and acc.jvp(count) is None
    result = acc.jvp([before, y, inside], unconnected_gradients="zero")
    np.testing.assert_array_equal(result[0].numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(result[1].numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(result[2].numpy(), [0.0, 0.0])
    after = x * 5.0  # the accumulator has stopped recording
    assert acc.jvp(after) is None
    np.testing.assert_array_equal(acc.jvp(x).numpy(), [1.0, 1.0])  # a primal's jvp is its tangent
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients"):
        acc.jvp(y, unconnected_gradients="nan")


def test_nested_structures_and_variables() -> None:
    a, b = nt.constant([1.0, 2.0]), nt.Variable(3.0)
    primals = {"a": a, "rest": [b]}
    tangents = {"a": nt.constant([1.0, -1.0]), "rest": [0.5]}
    with nt.ForwardAccumulator(primals, tangents) as acc:
        y = a * b
        z = nt.reduce_sum(a) + b * b
    out = acc.jvp({"y": y, "pair": (z, a)})
    np.testing.assert_allclose(out["y"].numpy(), [1.0 * 3 + 1.0 * 0.5, -1.0 * 3 + 2.0 * 0.5])
    np.testing.assert_allclose(out["pair"][0].numpy(), 0.0 + 2 * 3.0 * 0.5)
    np.testing.assert_allclose(out["pair"][1].numpy(), [1.0, -1.0])


def test_misuse_raises_and_leaves_tapes_usable() -> None:
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape() as outer:
        outer.watch(x)
        with pytest.raises(ValueError, match="tangent of shape \\(3,\\) for a primal of shape \\(2,\\)"):
            nt.ForwardAccumulator(x, [1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="dtype float32 for a primal of dtype float64"):
            nt.ForwardAccumulator(x, nt.constant(np.ones(2, np.float32)))
        with pytest.raises(ValueError, match="specified as a primal multiple times"):
            nt.ForwardAccumulator([x, x], [[1.0, 0.0], [0.0, 1.0]])
        with pytest.raises(ValueError, match="same nested structure"):
            nt.ForwardAccumulator({"a": x}, {"b": [1.0, 0.0]})
        with pytest.raises(ValueError, match="same nested structure"):
            nt.ForwardAccumulator([x], [[1.0, 0.0], [0.0, 1.0]])
        acc = nt.ForwardAccumulator(x, [1.0, 0.0])
        with acc:
            with pytest.raises(ValueError, match="Accumulator is already recording."):
                acc.__enter__()
            y = nt.reduce_sum(x * x)
        with pytest.raises(TypeError, match="expected Tensors or Variables"):
            acc.jvp("y")
        np.testing.assert_allclose(acc.jvp(y).numpy(), 2.0)
    np.testing.assert_allclose(outer.gradient(y, x).numpy(), [2.0, 4.0])
    assert state.stack == []


def test_jvp_and_linearize_follow_jax() -> None:
    calls = []

    def f(x, y):
        calls.append(1)
        return {"sum": x * y, "first": nt.sin(x[0])}

    x, y = np.array([0.3, 0.9]), np.array([2.0, -1.0])
    value, tangent = nt.jvp(f, (x, y), (np.array([1.0, 0.0]), np.zeros(2)))
    np.testing.assert_allclose(value["sum"], x * y)
    np.testing.assert_allclose(tangent["sum"], [2.0, 0.0])
    np.testing.assert_allclose(tangent["first"], np.cos(0.3))
    calls.clear()
    value, f_jvp = nt.linearize(f, x, y)
    for _ in range(3):
        np.testing.assert_allclose(f_jvp(np.zeros(2), np.ones(2))["sum"], x)
    assert len(calls) == 1  # one recording answers every f_jvp call
    with pytest.raises(TypeError, match="primals must be a tuple"):
        nt.jvp(nt.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        nt.jvp(nt.sin, (1.0,), (1.0, 2.0))
    unconnected = nt.jvp(lambda a, b: a * 2.0, (np.ones(2), np.ones(3)), (np.zeros(2), np.ones(3)))[1]
    np.testing.assert_array_equal(unconnected, [0.0, 0.0])
    v32, t32 = nt.jvp(nt.exp, (np.float32([0.5, 1.0]),), (np.float32([1.0, 2.0]),))
    assert v32.dtype == np.float32 and t32.dtype == np.float32


def test_jacfwd_matches_jacobian_and_differences(rng: np.random.Generator) -> None:
    f, shapes = PROGRAMS[1]
    a, b = (rng.uniform(0.5, 1.5, s) for s in shapes)
    forward = nt.jacfwd(f, argnums=(0, 1))(a, b)
    reverse = nt.jacobian(f, argnums=(0, 1))(a, b)
    for fw, rv in zip(forward, reverse):
        assert isinstance(fw, np.ndarray) and fw.shape == rv.shape
        np.testing.assert_allclose(fw, rv, rtol=1e-12, atol=1e-14)
    column = _central(lambda x: _numpy_f(f)(x, b), [a], [np.eye(6)[2].reshape(2, 3)])
    np.testing.assert_allclose(forward[0][..., 0, 2], column, rtol=1e-6, atol=1e-8)
    assert nt.jacfwd(lambda x, k: x * k, argnums=0)(np.ones(3), 2).shape == (3, 3)


def _fd_jacobian(f: Callable[..., Any], x: np.ndarray) -> np.ndarray:
    columns = [_central(_numpy_f(f), [x], [e.reshape(x.shape)]) for e in np.eye(x.size)]
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + x.shape)


def _program(x: Any) -> Any:
    return nt.sin(x) * x[0] + nt.reduce_sum(x * x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_function_jvp_equals_nt_jvp_and_differences(dtype: Any, rng: np.random.Generator) -> None:
    g = nt.function(_program)
    x, v = rng.uniform(0.5, 1.5, 4).astype(dtype), rng.standard_normal(4).astype(dtype)
    value, tangent = g.jvp(x, v)
    eager_value, eager_tangent = nt.jvp(_program, (x,), (v,))
    assert value.dtype == dtype and tangent.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(value, eager_value, rtol=tol)
    np.testing.assert_allclose(tangent, eager_tangent, rtol=tol)
    expected = _central(_numpy_f(_program), [x.astype(np.float64)], [v.astype(np.float64)])
    np.testing.assert_allclose(tangent, expected, rtol=1e-4 if dtype == np.float32 else 1e-7)
    assert len(g._traces) >= 1 and g.jvp(x, tangents=v)[1].dtype == dtype


def test_function_jvp_arguments_and_fallbacks() -> None:
    g = nt.function(lambda a, b: a * nt.exp(b))
    a, b = np.array([1.0, 2.0]), np.array([0.1, 0.2])
    _, both = g.jvp(a, b, tangents=(np.ones(2), np.ones(2)), argnums=(0, 1))
    np.testing.assert_allclose(both, np.exp(b) + a * np.exp(b))
    _, second = g.jvp(a, b, tangents=np.ones(2), argnums=1)
    np.testing.assert_allclose(second, a * np.exp(b))
    with pytest.raises(ValueError, match="tangent of argument 0 has shape \\(3,\\)"):
        g.jvp(a, b, tangents=np.ones(3))
    with pytest.raises(TypeError, match="needs the tangents"):
        g.jvp(a)

    @nt.custom_gradient
    def scaled(x):
        return x * 3.0, lambda dy: dy * 3.0

    h = nt.function(lambda x: nt.sin(scaled(x)))  # a custom gradient: eager nt.jvp
    x, v = np.array([0.2, 0.4]), np.array([1.0, -1.0])
    np.testing.assert_allclose(h.jvp(x, v)[1], 3 * np.cos(3 * x) * v, rtol=1e-12)
    k = nt.function(nt.sqrt)  # an infinite partial at 0: reverse mode's numbers, by nt.jvp
    np.testing.assert_array_equal(k.jvp(np.array([0.0, 4.0]), np.array([0.0, 1.0]))[1],
                                  nt.jvp(nt.sqrt, (np.array([0.0, 4.0]),), (np.array([0.0, 1.0]),))[1])
    square = nt.function(lambda a, b: a * a * nt.exp(b))
    with nt.GradientTape() as tape:  # inside a recording tape: eagerly, recorded
        t = nt.constant(a)
        tape.watch(t)
        _, jv = square.jvp(t, nt.constant(b), tangents=np.ones(2))  # 2 a exp(b)
    np.testing.assert_allclose(tape.gradient(jv, t).numpy(), 2 * np.exp(b), rtol=1e-12)


def test_function_jacobian_modes_agree_with_differences(rng: np.random.Generator) -> None:
    g = nt.function(_program)
    for size in (3, 1):  # forward is auto's choice for neither; both forced
        x = rng.uniform(0.5, 1.5, size)
        modes = {m: g.jacobian(x, mode=m) for m in ("forward", "reverse", "auto")}
        np.testing.assert_allclose(modes["forward"], modes["reverse"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(modes["auto"], modes["reverse"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(modes["forward"], _fd_jacobian(_program, x), rtol=1e-6, atol=1e-8)
    wide = nt.function(lambda x: nt.reduce_sum(x * x, axis=0))  # 2 outputs, 6 inputs
    x = rng.standard_normal((3, 2))
    np.testing.assert_allclose(wide.jacobian(x, mode="forward"), wide.jacobian(x, mode="reverse"), rtol=1e-12)
    with pytest.raises(ValueError, match="mode must be 'auto', 'forward' or 'reverse'"):
        g.jacobian(x, mode="sideways")


def test_an_accumulator_open_on_another_thread_does_not_enclose_this_one():
    import threading

    opened, done = threading.Event(), threading.Event()
    other = {}

    def hold_one_open():
        x = nt.constant(1.0)
        with nt.ForwardAccumulator(x, nt.constant(1.0)) as acc:
            other["acc"] = acc
            opened.set()
            done.wait(30)

    holder = threading.Thread(target=hold_one_open)
    holder.start()
    try:
        assert opened.wait(30)
        x = nt.constant(3.0)
        with nt.ForwardAccumulator(x, nt.constant(0.5)) as acc:
            y = x * x
        assert acc._outer == []
        assert float(acc.jvp(y)) == 3.0  # d(x^2) = 2 x dx = 2 * 3 * 0.5
    finally:
        done.set()
        holder.join(30)
