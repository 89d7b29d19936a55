"""Every example of the two seed documents, with ``tf`` replaced by ``nt``.

The numbers are the ones TensorFlow prints in the documents (shared/seeds/): the
autodiff notebook's asserts and the GradientTape lab's printed tensors.
"""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


# --- the autodiff notebook -------------------------------------------------------
def test_notebook_gradient_of_sum_squared() -> None:
    x = nt.ones((2, 2))
    with nt.GradientTape() as t:
        t.watch(x)
        y = nt.reduce_sum(x)
        z = nt.multiply(y, y)
    dz_dx = t.gradient(z, x)
    for i in [0, 1]:
        for j in [0, 1]:
            assert dz_dx[i][j].numpy() == 8.0


def test_notebook_gradient_with_respect_to_intermediate() -> None:
    x = nt.ones((2, 2))
    with nt.GradientTape() as t:
        t.watch(x)
        y = nt.reduce_sum(x)
        z = nt.multiply(y, y)
    dz_dy = t.gradient(z, y)
    assert dz_dy.numpy() == 8.0


def test_notebook_persistent_tape() -> None:
    x = nt.constant(3.0)
    with nt.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    dz_dx = t.gradient(z, x)  # 108.0 (4*x^3 at x = 3)
    dy_dx = t.gradient(y, x)  # 6.0
    assert dz_dx.numpy() == 108.0
    assert dy_dx.numpy() == 6.0
    del t


def test_notebook_control_flow() -> None:
    def f(x, y):
        output = 1.0
        for i in range(y):
            if i > 1 and i < 5:
                output = nt.multiply(output, x)
        return output

    def grad(x, y):
        with nt.GradientTape() as t:
            t.watch(x)
            out = f(x, y)
        return t.gradient(out, x)

    x = nt.convert_to_tensor(2.0)
    assert grad(x, 6).numpy() == 12.0
    assert grad(x, 5).numpy() == 12.0
    assert grad(x, 4).numpy() == 4.0


def test_notebook_higher_order() -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape() as t:
        with nt.GradientTape() as t2:
            y = x * x * x
        dy_dx = t2.gradient(y, x)
    d2y_dx2 = t.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0


# --- the GradientTape lab ----------------------------------------------------------
def test_lab_square_of_sum(capsys: pytest.CaptureFixture) -> None:
    x = nt.ones((2, 2))
    with nt.GradientTape() as t:
        t.watch(x)
        y = nt.reduce_sum(x)
        z = nt.square(y)
    dz_dx = t.gradient(z, x)
    print(dz_dx)
    np.testing.assert_array_equal(dz_dx.numpy(), [[8.0, 8.0], [8.0, 8.0]])
    assert capsys.readouterr().out == "nt.Tensor(\n[[8. 8.]\n [8. 8.]], shape=(2, 2), dtype=float64)\n"


def test_lab_non_persistent_tape_expires(capsys: pytest.CaptureFixture) -> None:
    x = nt.constant(3.0)
    with nt.GradientTape() as t:
        t.watch(x)
        y = x * x
        z = y * y
    dz_dx = t.gradient(z, x)
    print(dz_dx)
    try:
        dy_dx = t.gradient(y, x)  # 6.0
        print(dy_dx)
    except RuntimeError as e:
        print("The error message you get is:")
        print(e)
    assert capsys.readouterr().out == (
        "nt.Tensor(108.0, shape=(), dtype=float64)\n"
        "The error message you get is:\n"
        "GradientTape.gradient can only be called once on non-persistent tapes.\n"
    )


def test_lab_persistent_tape(capsys: pytest.CaptureFixture) -> None:
    x = nt.constant(3.0)
    with nt.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    dz_dx = t.gradient(z, x)
    print(dz_dx)
    dy_dx = t.gradient(y, x)  # 6.0
    print(dy_dx)
    del t
    assert capsys.readouterr().out == (
        "nt.Tensor(108.0, shape=(), dtype=float64)\nnt.Tensor(6.0, shape=(), dtype=float64)\n"
    )


def test_lab_first_gradient_inside_outer_block() -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
        dy_dx = tape_1.gradient(y, x)
    d2y_dx2 = tape_2.gradient(dy_dx, x)
    assert str(dy_dx) == "nt.Tensor(3.0, shape=(), dtype=float64)"
    assert str(d2y_dx2) == "nt.Tensor(6.0, shape=(), dtype=float64)"


def test_lab_first_gradient_inside_inner_block() -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
            dy_dx = tape_1.gradient(y, x)
    d2y_dx2 = tape_2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0


@pytest.mark.parametrize("persistent", [False, True])
def test_lab_first_gradient_outside_outer_block_is_none(persistent: bool, capsys: pytest.CaptureFixture) -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape(persistent=persistent) as tape_2:
        with nt.GradientTape(persistent=persistent) as tape_1:
            y = x * x * x
    dy_dx = tape_1.gradient(y, x)
    d2y_dx2 = tape_2.gradient(dy_dx, x)
    print(dy_dx)
    print(d2y_dx2)
    assert capsys.readouterr().out == "nt.Tensor(3.0, shape=(), dtype=float64)\nNone\n"


def test_lab_second_gradient_as_indented_as_first() -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
        dy_dx = tape_1.gradient(y, x)
        d2y_dx2 = tape_2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0


def test_lab_both_gradients_inside_inner_block() -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
            dy_dx = tape_1.gradient(y, x)
            d2y_dx2 = tape_2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0


def test_lab_first_inside_inner_second_inside_outer() -> None:
    x = nt.Variable(1.0)
    with nt.GradientTape() as tape_2:
        with nt.GradientTape() as tape_1:
            y = x * x * x
            dy_dx = tape_1.gradient(y, x)
        d2y_dx2 = tape_2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0
