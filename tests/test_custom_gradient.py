"""custom_gradient and stop_gradient."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


@nt.custom_gradient
def log1pexp(x):
    e = nt.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))

    return nt.log(1 + e), grad


def test_custom_gradient_replaces_the_derivative() -> None:
    x = nt.constant(100.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert tape.gradient(y, x).numpy() == 1.0  # the naive derivative would be inf/inf = NaN


def test_custom_gradient_on_arrays_with_clipping() -> None:
    @nt.custom_gradient
    def clip_gradient(x):
        return nt.identity(x), lambda dy: nt.clip_by_value(dy, -1.0, 1.0)

    x = nt.constant([1.0, 2.0, 3.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(clip_gradient(x) * nt.constant([0.5, 5.0, -5.0]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.5, 1.0, -1.0])


def test_custom_gradient_second_order() -> None:
    @nt.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x

        return x * x * x, grad

    x = nt.constant(2.0)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        g = inner.gradient(y, x)
    assert g.numpy() == 12.0
    assert outer.gradient(g, x).numpy() == 12.0


def test_custom_gradient_with_two_inputs_and_two_outputs() -> None:
    @nt.custom_gradient
    def both(a, b):
        def grad(da, db):
            return da * 10.0 + db, da + db * 100.0

        return a * b, a + b, grad

    @nt.custom_gradient
    def pair(a, b):
        outputs = (a * b, a + b)

        def grad(da, db):
            return da * 10.0 + db, da + db * 100.0

        return outputs, grad

    a, b = nt.constant(1.0), nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch([a, b])
        p, s = pair(a, b)
        y = p * 2.0 + s
    ga, gb = tape.gradient(y, [a, b])
    assert ga.numpy() == 2.0 * 10.0 + 1.0
    assert gb.numpy() == 2.0 + 100.0


def test_custom_gradient_with_a_variable() -> None:
    w = nt.Variable(3.0)

    @nt.custom_gradient
    def scaled(x):
        def grad(dy, variables=None):
            return dy * w, [dy * x * 2.0]

        return x * w, grad

    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    gx, gw = tape.gradient(y, [x, w])
    assert gx.numpy() == 3.0 and gw.numpy() == 4.0


def test_custom_gradient_without_variables_keyword_is_an_error() -> None:
    w = nt.Variable(3.0)

    @nt.custom_gradient
    def scaled(x):
        return x * w, lambda dy: dy * w

    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    with pytest.raises(TypeError, match="variables"):
        tape.gradient(y, x)


def test_stop_gradient_blocks_the_gradient() -> None:
    x = nt.constant(3.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * nt.stop_gradient(x * x)
    assert tape.gradient(y, x).numpy() == 9.0


# ---------------------------------------------------------------------------
# Higher orders through a grad_fn the outer tape cannot see: right, or refused
# ---------------------------------------------------------------------------
@nt.custom_gradient
def _square_from_numpy(x):
    xv = x.numpy()  # read out: the outer tape cannot see 2 * xv depend on x
    return x * x, lambda dy: dy * 2.0 * xv


@nt.custom_gradient
def _softplus_from_forward(x):
    e = nt.exp(x)  # made in the forward, where nothing records

    def grad(dy):
        return dy * (1 - 1 / (1 + e))

    return nt.log(1 + e), grad


@nt.custom_gradient
def _tripled(x):
    return x * 3.0, lambda dy: dy * 3.0  # linear: its second derivative is truly 0


@pytest.mark.filterwarnings("ignore::numtape.function.trace.TraceFallbackWarning")  # .numpy(): runs eagerly
def test_hessian_through_a_numpy_grad_fn_is_refused_not_zero() -> None:
    x = np.array([1.0, 2.0])
    f = lambda t: nt.reduce_sum(_square_from_numpy(t))  # noqa: E731
    np.testing.assert_array_equal(nt.grad(f)(x), 2.0 * x)  # first order: right
    with pytest.raises(TypeError, match=r"custom_gradient.*'_square_from_numpy'.*numtape ops"):
        nt.hessian(f)(x)  # true Hessian 2I; today [[0, 0], [0, 0]]
    with pytest.raises(TypeError, match="custom_gradient"):
        nt.hvp(f, x, np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="custom_gradient"):
        nt.function(f).hessian(x)


def test_second_order_through_forward_values_is_refused_with_nested_tapes() -> None:
    x = nt.constant(0.5)
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = _softplus_from_forward(x)
        with pytest.raises(TypeError, match="custom_gradient"):
            inner.gradient(y, x)  # d2/dx2 softplus(0.5) = 0.235, not the 0 it would give


def test_a_grad_fn_constant_in_x_keeps_its_true_zero_second_derivative() -> None:
    x = np.array([1.0, 2.0])
    # f = sum(3x) and f = sum((3x)^2): d2f/dx2 = 0 and 18 I, by hand
    np.testing.assert_array_equal(nt.hessian(lambda t: nt.reduce_sum(_tripled(t)))(x), np.zeros((2, 2)))
    np.testing.assert_array_equal(nt.hessian(lambda t: nt.reduce_sum(_tripled(t) ** 2))(x), 18.0 * np.eye(2))
    np.testing.assert_array_equal(nt.hvp(lambda t: nt.reduce_sum(_tripled(t) * t), x, np.ones(2)), [6.0, 6.0])


def test_a_grad_fn_through_a_recorded_cotangent_or_stop_gradient_is_not_refused() -> None:
    @nt.custom_gradient
    def frozen_cos(t):
        return nt.sin(t), lambda dy: dy * nt.stop_gradient(nt.cos(t))  # a declared zero

    x, v = nt.constant(0.3), nt.constant(2.0)
    with nt.GradientTape(persistent=True) as outer:
        outer.watch([x, v])
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = _square_from_numpy(x) + frozen_cos(x)
        g = inner.gradient(y, x, output_gradients=v)  # connected through dy = v
    assert g.numpy() == pytest.approx(2.0 * (2 * 0.3 + np.cos(0.3)))
    assert outer.gradient(g, v).numpy() == pytest.approx(2 * 0.3 + np.cos(0.3))  # d/dv of v (2x + cos x)


def test_a_custom_gradient_outside_the_outer_tapes_reach_is_not_checked() -> None:
    x, z = nt.constant(1.5), nt.constant(2.0)
    with nt.GradientTape() as outer:
        outer.watch(z)  # watches nothing the custom function's input depends on
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = _square_from_numpy(x) * 1.0
        g = inner.gradient(y, x)
        w = g * z
    assert g.numpy() == 3.0 and outer.gradient(w, z).numpy() == 3.0


# ---------------------------------------------------------------------------
# TensorFlow's structures: methods, nested inputs and outputs (issue 11, item 4)
# ---------------------------------------------------------------------------
class _Scaler:
    def __init__(self, k: float) -> None:
        self.k = k

    @nt.custom_gradient
    def scale(self, x):
        def grad(dy):
            return dy * self.k * 10.0  # deliberately not the true derivative k

        return x * self.k, grad


def test_custom_gradient_on_a_method_passes_self_through() -> None:
    a, b = _Scaler(2.0), _Scaler(-1.0)
    x = nt.constant(3.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ya, yb = a.scale(x), b.scale(x)
        both = ya + yb
    assert ya.numpy() == 6.0 and yb.numpy() == -3.0
    assert tape.gradient(ya, x).numpy() == 20.0 and tape.gradient(yb, x).numpy() == -10.0
    assert tape.gradient(both, x).numpy() == 10.0
    assert _Scaler.scale.__name__ == "scale"  # the class attribute is the decorated function


def test_custom_gradient_with_parentheses() -> None:
    @nt.custom_gradient()
    def double(x):
        return x * 2.0, lambda dy: dy * 7.0

    x = nt.constant(1.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = double(x)
    assert tape.gradient(y, x).numpy() == 7.0


def test_nested_outputs_get_one_upstream_each_in_tensorflows_order() -> None:
    @nt.custom_gradient
    def fan(x):
        def grad(da, db, dc):  # dict leaves in sorted key order ("a", "b"), then the tuple's
            return da * 100.0 + db * 10.0 + dc

        return ({"b": x * 2.0, "a": x * 3.0}, (x * 4.0,)), grad

    x = nt.constant(1.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        out, (c,) = fan(x)
        y = out["a"] * 1.0 + out["b"] * 2.0 + c * 3.0
    assert set(out) == {"a", "b"} and out["a"].numpy() == 3.0 and out["b"].numpy() == 2.0 and c.numpy() == 4.0
    assert tape.gradient(y, x).numpy() == 1.0 * 100.0 + 2.0 * 10.0 + 3.0


def test_nested_inputs_are_flattened_and_so_are_their_gradients() -> None:
    @nt.custom_gradient
    def weighted(x, pair):
        a, b = pair

        def grad(dy):
            return dy * 1.0, (dy * 2.0, [dy * 3.0])  # any nesting: flattened to (x, a, b)

        return x + a + b, grad

    x, a, b = nt.constant(1.0), nt.constant(2.0), nt.constant(3.0)
    with nt.GradientTape() as tape:
        tape.watch([x, a, b])
        y = weighted(x, (a, b))
    assert y.numpy() == 6.0
    assert [g.numpy() for g in tape.gradient(y, [x, a, b])] == [1.0, 2.0, 3.0]


def test_a_list_of_tensors_is_one_input_per_tensor_and_replays() -> None:
    @nt.custom_gradient
    def total(xs):
        return xs[0] + xs[1], lambda dy: [dy * 5.0, dy * 6.0]

    def f(p, q):
        return total([p, q]) * 2.0

    tp, tq = nt.constant(1.0), nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch([tp, tq])
        y = f(tp, tq)
    assert [g.numpy() for g in tape.gradient(y, [tp, tq])] == [10.0, 12.0]
    g = nt.function(f)
    for p0, q0 in ((1.0, 2.0), (4.0, -1.0), (0.5, 0.25)):  # replays rebuild the list for the forward
        value, (gp, gq) = g.value_and_grad(np.array(p0), np.array(q0), argnums=(0, 1))
        assert value == 2.0 * (p0 + q0) and gp == 10.0 and gq == 12.0


def test_keyword_arguments_pass_through_undifferentiated() -> None:
    @nt.custom_gradient
    def scaled(x, scale=1.0):
        return x * scale, lambda dy: dy * scale

    x = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x, scale=3.0)
    assert y.numpy() == 6.0 and tape.gradient(y, x).numpy() == 3.0


def test_a_variable_input_is_not_one_of_the_variables() -> None:
    v, w = nt.Variable(2.0), nt.Variable(5.0)

    @nt.custom_gradient
    def times_w(x):
        def grad(dy, variables=None):
            assert variables == [w]  # v is an input (TF: variables not among the inputs)
            return dy * w * 10.0, [dy * x]

        return x * w, grad

    with nt.GradientTape() as tape:
        y = times_w(v)
    gv, gw = tape.gradient(y, [v, w])
    assert gv.numpy() == 50.0 and gw.numpy() == 2.0


def test_wrong_number_of_gradients_is_tensorflows_value_error() -> None:
    @nt.custom_gradient
    def pair_sum(a, b):
        return a + b, lambda dy: dy  # one gradient for two inputs

    a, b = nt.constant(1.0), nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch([a, b])
        y = pair_sum(a, b)
    with pytest.raises(ValueError, match="custom_gradient function expected to return 2 gradients, but returned 1"):
        tape.gradient(y, [a, b])


def test_nested_inputs_second_order() -> None:
    @nt.custom_gradient
    def prod(pair):
        a, b = pair
        return a * b, lambda dy: [dy * b, dy * a]

    a = nt.constant(3.0)
    with nt.GradientTape() as outer:
        outer.watch(a)
        with nt.GradientTape() as inner:
            inner.watch(a)
            y = prod([a, a * a])  # a^3
        g = inner.gradient(y, a)
    assert g.numpy() == 27.0  # 3 a^2
    assert outer.gradient(g, a).numpy() == 18.0  # 6 a
