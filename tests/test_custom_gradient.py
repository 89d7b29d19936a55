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
