"""nt.function: replay equals eager, guards on both sides of every branch kind, no
Python per op on replay, pickling, retracing, custom gradients, batches, Numba callers."""
from __future__ import annotations

import math
import pickle
import sys
import warnings

import numpy as np
import pytest

import numtape as nt
from numtape.function import NUMPY_MIN_SIZE, NUMPY_UNARY
from numtape.ops.registry import ELEMENTWISE

from .test_registry import BINARY, CASES, UNARY, _op, _sample_binary, _sample_unary


def _eager_value_and_grad(f, args, argnums):
    ts = [nt.constant(a) for a in args]
    with nt.GradientTape() as tape:
        tape.watch([ts[k] for k in argnums])
        y = f(*ts)
    grads = tape.gradient(y, [ts[k] for k in argnums], unconnected_gradients="zero")
    return np.asarray(y), [np.asarray(g) for g in grads]


def _check_replay(f, shapes, rng, offset=0.5):
    """Trace at one input, then compare replays at new inputs with eager values and gradients."""
    g = nt.function(f)
    argnums = tuple(range(len(shapes)))
    g.value_and_grad(*[rng.standard_normal(s) + offset for s in shapes], argnums=argnums)
    for _ in range(2):
        args = [rng.standard_normal(s) + offset for s in shapes]
        value, grads = g.value_and_grad(*args, argnums=argnums)
        expected_value, expected_grads = _eager_value_and_grad(f, args, argnums)
        np.testing.assert_allclose(value, expected_value, rtol=1e-11, atol=1e-12)
        for a, b in zip(grads, expected_grads):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert sum(len(t) for t in g._traces.values()) >= 1


# ---------------------------------------------------------------------------
# Replay equals eager on the whole op table
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("spec", sorted(ELEMENTWISE.values(), key=lambda s: s.code), ids=lambda s: s.name)
def test_replay_equals_eager_for_every_elementwise_row(spec, rng) -> None:
    from numtape.ops import elementwise

    op = elementwise.OPS[spec.name]
    u = rng.standard_normal((2, 3))

    def f(*xs):
        return nt.reduce_sum(op(*xs) * u)

    g = nt.function(f)
    for _ in range(3):
        args = [_sample_unary(spec, (2, 3), rng)] if spec.arity == 1 else list(_sample_binary(spec, ((2, 3),) * 2, rng))
        value, grads = g.value_and_grad(*args, argnums=tuple(range(spec.arity)))
        expected_value, expected_grads = _eager_value_and_grad(f, args, range(spec.arity))
        np.testing.assert_allclose(value, expected_value, rtol=1e-12)
        for a, b in zip(grads, expected_grads):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


def _fd_hessian(f, w, h=1e-4):
    """Central second differences of a NumPy function: the Hessian without numtape."""
    n = w.size
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            hess[i, j] = (f(w + ei + ej) - f(w + ei - ej) - f(w - ei + ej) + f(w - ei - ej)) / (4 * h * h)
    return hess


@pytest.mark.parametrize("layout", ["array", "scalar"])
@pytest.mark.parametrize("spec", UNARY + BINARY, ids=lambda s: s.name)
def test_compiled_hessian_of_every_elementwise_row_matches_finite_differences(spec, layout, rng) -> None:
    """The compiled second order (forward over reverse) of each row, on array entries and on
    scalar entries, against second differences of the NumPy ufunc."""
    k = 3
    args = [_sample_unary(spec, (k,), rng)] if spec.arity == 1 else list(_sample_binary(spec, ((k,), (k,)), rng))
    op = _op(spec)
    fixed = {j: args[j] for j in spec.fixed_operands}  # data: not differentiated
    free = [j for j in range(spec.arity) if j not in fixed]
    w0 = np.concatenate([args[j] for j in free])

    def operands(w):
        parts = dict(fixed)
        parts.update((j, w[p * k : (p + 1) * k]) for p, j in enumerate(free))
        return [parts[j] for j in range(spec.arity)]
    u = rng.uniform(0.5, 1.5, k)

    def f(w):
        parts = operands(w)
        if layout == "array":
            return nt.reduce_sum(op(*parts) * u)
        return sum(op(*[part[i] for part in parts]) * u[i] for i in range(k))

    def f_numpy(w):
        return float(np.sum(spec.ufunc(*operands(w)) * u))

    expected = _fd_hessian(f_numpy, w0)
    g = nt.function(f)
    np.testing.assert_allclose(g.hessian(w0), expected, rtol=1e-5, atol=1e-6 * (1 + np.abs(expected).max()))
    v = rng.standard_normal(w0.size)
    np.testing.assert_allclose(g.hvp(w0, v), expected @ v, rtol=1e-5, atol=1e-6 * (1 + np.abs(expected @ v).max()))


@pytest.mark.parametrize("name, f, shapes", CASES, ids=[c[0] for c in CASES])
def test_replay_equals_eager_for_every_case(name, f, shapes, rng) -> None:
    shape_out = np.shape(f(*[nt.constant(np.ones(s)) for s in shapes]))
    u = rng.standard_normal(shape_out)
    _check_replay(lambda *xs: nt.reduce_sum(f(*xs) * u), shapes, rng)


def test_replay_of_large_arrays_and_float32(rng) -> None:
    def f(x, w):
        return nt.reduce_sum(nt.tanh(nt.matmul(x, w)) ** 2) + nt.reduce_sum(x[:, 1:] * x[:, :-1])

    _check_replay(f, [(100, 60), (60, 80)], rng)
    g = nt.function(lambda x: nt.reduce_sum(nt.sin(x) * x))
    x = np.linspace(0, 1, 5, dtype=np.float32)
    value, grad = g.value_and_grad(x)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-6)
    assert g(x).dtype == np.float32


@pytest.mark.parametrize("fn", sorted(NUMPY_UNARY), ids=lambda fn: ELEMENTWISE[fn].name)
def test_large_unary_entries_replayed_by_numpy_equal_eager_exactly(fn, rng) -> None:
    spec = ELEMENTWISE[fn]
    op = getattr(nt, spec.name)
    lo, hi = spec.domain
    u = rng.standard_normal(NUMPY_MIN_SIZE + 10)

    def f(x):
        return nt.reduce_sum(op(x) * u)

    g = nt.function(f)
    g.value_and_grad(rng.uniform(lo, hi, u.size))
    trace = next(t for ts in g._traces.values() for t in ts)
    assert trace.numpy_entries  # the path under test
    x = rng.uniform(lo, hi, u.size)
    value, grad = g.value_and_grad(x)
    expected_value, (expected_grad,) = _eager_value_and_grad(f, [x], [0])
    assert value == expected_value  # the same ufunc, the same pairwise sum: the same bits
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(g(x).numpy(), expected_value)


def test_call_returns_the_function_structure(rng) -> None:
    g = nt.function(lambda x, y: {"sum": x + y, "pair": (x * y, nt.constant(7.0))})
    out = g(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    out = g(np.array([1.0, 2.0]), np.array([3.0, 5.0]))
    np.testing.assert_array_equal(out["sum"].numpy(), [4.0, 7.0])
    np.testing.assert_array_equal(out["pair"][0].numpy(), [3.0, 10.0])
    assert float(out["pair"][1]) == 7.0


# ---------------------------------------------------------------------------
# Guards: both sides of every kind of branch
# ---------------------------------------------------------------------------
def test_if_on_a_comparison() -> None:
    def f(x):
        if x > 0:
            return x * x
        return -3.0 * x

    g = nt.function(f)
    for x in [2.0, -1.0, 3.0, -2.0, 0.0]:
        value, grad = g.value_and_grad(x)
        assert value == (x * x if x > 0 else -3 * x)
        assert grad == (2 * x if x > 0 else -3.0)
    assert len(next(iter(g._traces.values()))) == 2


def test_while_loop_with_a_value_dependent_count() -> None:
    def f(x):
        y = x
        steps = 0
        while y < 10.0:
            y = y * 2.0
            steps += 1
        return y

    g = nt.function(f)
    for x in [1.0, 3.0, 0.1, 1.5, 6.0]:
        k = 0
        y = x
        while y < 10:
            y *= 2
            k += 1
        value, grad = g.value_and_grad(x)
        assert value == y and grad == 2.0**k


def test_python_max_and_bool_and_int_and_float() -> None:
    g = nt.function(lambda a, b: max(a, b) * 2.0)
    assert g.value_and_grad(1.0, 3.0, argnums=(0, 1))[1] == (0.0, 2.0)
    assert g.value_and_grad(4.0, 3.0, argnums=(0, 1))[1] == (2.0, 0.0)

    def truth(x):
        return x * 2.0 if bool(nt.sign(x) + 1.0) else x * 5.0

    gt = nt.function(truth)
    assert gt.grad(1.0) == 2.0 and gt.grad(-1.0) == 5.0 and gt.grad(2.0) == 2.0

    def loop(x, n):
        y = x
        for _ in range(int(n)):
            y = y * x
        return y

    gl = nt.function(loop)
    assert gl.grad(2.0, 3.0) == 4 * 2.0**3
    assert gl.grad(2.0, 1.0) == 2 * 2.0
    assert gl.grad(3.0, 3.7) == 4 * 3.0**3

    def pulled_out(x):
        c = float(x * 2.0)  # leaves the tape as a Python float, used as a constant
        return x * c

    gp = nt.function(pulled_out)
    with pytest.warns(nt.ConversionWarning, match="constant"):  # flagged, as eagerly inside a tape
        assert gp.value_and_grad(3.0) == (18.0, 6.0)  # d/dx of x * const
        assert gp.value_and_grad(4.0) == (32.0, 8.0)  # retraced: the constant is new


def test_elementwise_mask_from_a_comparison_guards_the_whole_mask() -> None:
    def f(x):
        return nt.reduce_sum(nt.where(x > 0, x, 0.1 * x))

    g = nt.function(f)
    np.testing.assert_allclose(g.grad(np.array([1.0, -1.0])), [1.0, 0.1])
    np.testing.assert_allclose(g.grad(np.array([-1.0, 1.0])), [0.1, 1.0])
    np.testing.assert_allclose(g.grad(np.array([2.0, -3.0])), [1.0, 0.1])


def test_numpy_escape_falls_back_to_eager_with_one_warning() -> None:
    def f(x):
        scale = x.numpy().sum()  # cannot be guarded
        return x * scale

    g = nt.function(f)
    with pytest.warns(nt.TraceFallbackWarning):
        assert g.value_and_grad(np.array(2.0))[0] == 4.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = g.value_and_grad(np.array(3.0))
    assert value == 9.0 and grad == 3.0  # eager: scale is a constant there too


def test_variable_assignment_falls_back() -> None:
    v = nt.Variable(1.0)

    def f(x):
        v.assign_add(1.0)
        return x * v

    g = nt.function(f)
    with pytest.warns(nt.TraceFallbackWarning):
        g(2.0)
    assert float(v) == 2.0
    g(2.0)
    assert float(v) == 3.0  # the side effect happens on every call


def test_variables_are_read_at_every_call() -> None:
    w = nt.Variable([1.0, 2.0])
    g = nt.function(lambda x: nt.reduce_sum(x * w))
    assert g.value_and_grad(np.array([1.0, 1.0]))[0] == 3.0
    w.assign([10.0, 20.0])
    value, grad = g.value_and_grad(np.array([1.0, 1.0]))
    assert value == 30.0
    np.testing.assert_array_equal(grad, [10.0, 20.0])


def test_new_shapes_and_static_arguments_retrace() -> None:
    calls = []

    def f(x, power):
        calls.append(np.shape(x))
        return nt.reduce_sum(x ** power)

    g = nt.function(f)
    assert g(np.ones(3), 2) == 3.0
    assert g(np.ones(3) * 2, 2) == 12.0
    assert g(np.ones(4), 2) == 4.0
    assert g(np.ones(3), 3) == 3.0
    assert calls == [(3,), (4,), (3,)]


# ---------------------------------------------------------------------------
# No Python per op on replay
# ---------------------------------------------------------------------------
def test_replay_runs_no_python_per_op() -> None:
    def loop(x):
        y = x
        for _ in range(500):
            y = nt.sin(y) * x + 0.5 * y * y / (1.0 + y * y)
        return y

    g = nt.function(loop)
    g.value_and_grad(0.5)
    calls = [0]

    def count(frame, event, arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        g.value_and_grad(0.7)
    finally:
        sys.setprofile(None)
    assert calls[0] < 60, calls[0]  # a constant number of Python calls, not ~4,000 op calls


# ---------------------------------------------------------------------------
# Derivatives from compiled tapes
# ---------------------------------------------------------------------------
def _rosenbrock(x):
    return nt.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
        h[i + 1, i + 1] += 200
    return h


def test_jacobian_hessian_and_hvp(rng) -> None:
    def f(x):
        return nt.stack([x[0] * x[1], nt.sin(x[2]), nt.reduce_sum(x * x)])

    g = nt.function(f)
    for _ in range(2):
        x = rng.standard_normal(3)
        j = g.jacobian(x)
        expected = np.array([[x[1], x[0], 0], [0, 0, math.cos(x[2])], 2 * x])
        np.testing.assert_allclose(j, expected, rtol=1e-13)
    r = nt.function(_rosenbrock)
    for _ in range(3):
        x = rng.standard_normal(6)
        np.testing.assert_allclose(r.hessian(x), _rosenbrock_hessian(x), rtol=1e-12)
        v = rng.standard_normal(6)
        np.testing.assert_allclose(r.hvp(x, v), _rosenbrock_hessian(x) @ v, rtol=1e-12)


def test_hessian_of_a_function_with_relu_and_max_is_right_on_both_sides(rng) -> None:
    def f(x):
        return nt.reduce_sum(nt.relu(x) ** 3) + nt.reduce_max(x) ** 2

    g = nt.function(f)
    for _ in range(4):
        x = rng.standard_normal(4)
        expected = np.diag(np.where(x > 0, 6 * x, 0.0))
        k = int(np.argmax(x))
        expected[k, k] += 2.0
        np.testing.assert_allclose(g.hessian(x), expected, rtol=1e-12, atol=1e-14)


def test_several_arguments_and_argnums(rng) -> None:
    def f(a, b, c):
        return nt.reduce_sum(a * b) + nt.reduce_sum(nt.exp(c) * b)

    g = nt.function(f)
    a, b, c = (rng.standard_normal(3) for _ in range(3))
    value, (ga, gc) = g.value_and_grad(a, b, c, argnums=(0, 2))
    np.testing.assert_allclose(ga, b)
    np.testing.assert_allclose(gc, np.exp(c) * b)
    np.testing.assert_allclose(g.grad(a, b, c, argnums=1), a + np.exp(c))


def test_jacobian_of_a_constant_branch_still_checks_its_guards() -> None:
    def f(x):
        return nt.constant(1.0) if x > 0 else x * x

    g = nt.function(f)
    assert g.jacobian(1.0) == 0.0  # traced on the constant branch
    assert g.jacobian(-1.5) == pytest.approx(-3.0)  # d(x^2)/dx: the other branch, retraced
    assert g.jacobian(2.0) == 0.0


def test_hvp_that_runs_eagerly_keeps_keyword_and_other_arguments() -> None:
    """A custom gradient makes hvp fall back to eager: f must get every argument."""
    @nt.custom_gradient
    def cube(t):
        return t * t * t, lambda dy: dy * 3.0 * t * t

    def f(x, y, scale=1.0):
        return nt.reduce_sum(cube(x) * y) * scale

    g = nt.function(f)
    x, y, v = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, -1.0])
    # d2/dx2 of scale * sum(y x^3) = diag(6 scale y x); d2/dy2 = 0
    np.testing.assert_allclose(g.hvp(x, y, v, argnums=0, scale=2.0), 12.0 * y * x * v)
    np.testing.assert_allclose(g.hvp(x, y, v, argnums=1, scale=2.0), np.zeros(2))
    h = nt.function(lambda x, scale=1.0: nt.reduce_sum(cube(x)) * scale)
    np.testing.assert_allclose(h.hvp(x, v, scale=3.0), 18.0 * x * v)


def test_forward_mode_replays_reuse_their_tangents_correctly(rng) -> None:
    """Few inputs run forward mode, whose seeded tangent buffers are reused between calls:
    every call, with either argnums and on both sides of a branch, must match the math."""
    u = np.array([0.5, -1.5, 2.0])

    def f(s, w):
        y = s * s * nt.reduce_sum(nt.sin(w * u)) + nt.reduce_sum(nt.square(w))
        if s > 0:
            y = y + 3.0 * s
        return y

    def expected(s, w):
        value = s * s * np.sum(np.sin(w * u)) + np.sum(w * w) + (3.0 * s if s > 0 else 0.0)
        ds = 2 * s * np.sum(np.sin(w * u)) + (3.0 if s > 0 else 0.0)
        dw = s * s * np.cos(w * u) * u + 2 * w
        return value, ds, dw

    g = nt.function(f)
    for s in (0.7, -1.3, 2.1, -0.2, 0.4):
        w = rng.standard_normal(3)
        value, ds, dw = expected(s, w)
        v, (gs,) = g.value_and_grad(s, w, argnums=(0,))
        np.testing.assert_allclose([v, gs], [value, ds], rtol=1e-12)
        np.testing.assert_allclose(g.grad(s, w, argnums=1), dw, rtol=1e-12)  # three inputs: reverse mode
        np.testing.assert_allclose(g.value_and_grad(s, w, argnums=0)[1], ds, rtol=1e-12)


def test_batch_value_and_grad_matches_examples_and_handles_other_branches(rng) -> None:
    def f(x):
        y = nt.reduce_sum(nt.sin(x) * x)
        if x[0] > 0:
            return y * 2.0
        return y

    g = nt.function(f)
    xs = rng.standard_normal((64, 5))
    values, grads = g.batch_value_and_grad(xs)
    for i in range(64):
        value, grad = nt.value_and_grad(f)(xs[i])
        np.testing.assert_allclose(values[i], value, rtol=1e-13)
        np.testing.assert_allclose(grads[i], grad, rtol=1e-13)


def test_scipy_minimize_uses_value_and_grad_and_hessian() -> None:
    from scipy.optimize import minimize

    g = nt.function(_rosenbrock)
    x0 = np.array([1.3, 0.7, 0.8, 1.9])  # in the global minimum's basin (4-d Rosenbrock has a local one too)
    result = minimize(g.value_and_grad, x0, jac=True, hess=g.hessian, method="trust-exact")
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-4)
    np.testing.assert_allclose(g.hessian(result.x), _rosenbrock_hessian(result.x), rtol=1e-12)
    result = minimize(g.value_and_grad, x0, jac=True, method="BFGS")
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-4)


def test_compiled_value_and_grad_runs_inside_user_numba_code() -> None:
    import numba

    g = nt.function(_rosenbrock)
    fn, data = g.compiled_value_and_grad(np.zeros(5))

    @numba.njit
    def gradient_descent(data, x, steps, rate):
        for _ in range(steps):
            value, grad, ok = fn(data, x)
            if not ok:
                break
            x = x - rate * grad
        return x, value

    x, value = gradient_descent(data, np.zeros(5), 2000, 1e-3)
    expected_value, expected_grad = nt.value_and_grad(_rosenbrock)(x)
    v, gr, ok = fn(data, x)
    assert ok and abs(v - expected_value) < 1e-12
    np.testing.assert_allclose(gr, expected_grad, rtol=1e-12)
    assert value < _rosenbrock(nt.constant(np.zeros(5))).numpy()


@pytest.mark.parametrize("traced, given", [
    (np.float64(0.5), np.zeros(3)),  # a scalar trace given a 3-vector: not f(x[0])
    (np.zeros(3), np.zeros(0)),  # an empty x: nothing read past its end
    (np.zeros(3), np.zeros(4)),
    (np.zeros(3), np.zeros((3, 1))),  # the same size, another shape
    (np.zeros(3), np.zeros(3, np.float32)),  # another dtype: eager would compute in float32
    (np.zeros((2, 2)), np.zeros(4)),
], ids=["scalar-vs-vector", "empty", "longer", "reshaped", "float32", "flattened"])
def test_compiled_value_and_grad_refuses_other_shapes_and_dtypes(traced, given) -> None:
    """Issue 10, item 13: ok is False (value NaN, gradient 0) for an x the trace was not made for."""
    g = nt.function(lambda x: nt.reduce_sum(nt.sin(x) * x))
    fn, data = g.compiled_value_and_grad(np.asarray(traced))
    value, grad, ok = fn(data, np.asarray(given))
    assert not ok and np.isnan(value) and grad.shape == np.shape(given) and not grad.any()
    moved = np.asarray(np.asarray(traced) + 0.25)  # the traced signature still works
    value, grad, ok = fn(data, moved)
    expected_value, expected_grad = nt.value_and_grad(lambda x: nt.reduce_sum(nt.sin(x) * x))(moved)
    assert ok and value == pytest.approx(expected_value, rel=1e-14)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-14)


# ---------------------------------------------------------------------------
# Custom gradients, pickling, recording tapes
# ---------------------------------------------------------------------------
@nt.custom_gradient
def _soft_clip(x):
    y = nt.tanh(x)

    def grad(dy):
        return dy * 0.5  # deliberately not tanh's derivative: the replay must use it

    return y, grad


def test_custom_gradients_inside_function(rng) -> None:
    g = nt.function(lambda x: nt.reduce_sum(_soft_clip(x * 2.0) * x))
    for _ in range(3):
        x = rng.standard_normal(4)
        value, grad = g.value_and_grad(x)
        np.testing.assert_allclose(value, np.sum(np.tanh(2 * x) * x), rtol=1e-13)
        np.testing.assert_allclose(grad, np.tanh(2 * x) + x * 0.5 * 2.0, rtol=1e-13)


def _module_level(x):
    return nt.reduce_sum(nt.exp(x) * x)


def test_compiled_tapes_and_functions_pickle(rng) -> None:
    g = nt.function(_module_level)
    x = rng.standard_normal(3)
    tape = g.get_compiled(x)
    restored = pickle.loads(pickle.dumps(tape))
    value, grads = restored.value_and_gradient([x * 2], [0])
    np.testing.assert_allclose(grads[0], np.exp(2 * x) * (2 * x + 1), rtol=1e-13)
    g2 = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(g2.grad(x), np.exp(x) * (x + 1), rtol=1e-13)


def test_inside_a_recording_tape_a_variable_read_by_the_function_is_recorded() -> None:
    w = nt.Variable([1.0, 2.0])
    g = nt.function(lambda x: nt.reduce_sum(x * w * w))
    g(np.array([3.0, 4.0]))  # traced outside any tape
    with nt.GradientTape() as tape:
        y = g(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [6.0, 16.0])


def test_array_keyword_arguments_and_many_signatures() -> None:
    g = nt.function(lambda x, scale=1.0: x * scale)
    np.testing.assert_array_equal(g(1.0, scale=np.ones(2)).numpy(), [1.0, 1.0])  # a traced keyword input
    np.testing.assert_array_equal(g(1.0, scale=np.array([2.0, 3.0])).numpy(), [2.0, 3.0])
    assert sum(len(t) for t in g._traces.values()) == 1  # the same trace, new values
    h = nt.function(lambda x, n: x * float(n))
    with pytest.warns(nt.TraceFallbackWarning, match="signatures"):
        for n in range(70):
            assert h(2.0, n).numpy() == 2.0 * n
    assert len(h._traces) == 64


def test_inside_a_recording_tape_the_function_runs_eagerly_and_is_recorded() -> None:
    g = nt.function(lambda x: x * x * x)
    g(2.0)
    x = nt.constant(2.0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = g(x)
        dy = inner.gradient(y, x)
    assert dy.numpy() == 12.0 and outer.gradient(dy, x).numpy() == 12.0


def test_argnums_must_name_an_array_argument() -> None:
    g = nt.function(lambda x, n: x * n)
    with pytest.raises(TypeError, match="argnums 1"):
        g.grad(1.0, 3, argnums=1)
    with pytest.raises(ValueError, match="out of range"):
        g.grad(1.0, 3, argnums=2)
