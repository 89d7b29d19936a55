"""Elementwise ops: subgradient conventions, IEEE values, dtype rules, floor division."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import sweep as K


def _grad(f, x0):
    x = nt.constant(x0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def test_subgradients_at_kinks_follow_tensorflow() -> None:
    assert _grad(nt.abs, 0.0).numpy() == 0.0
    assert _grad(nt.relu, 0.0).numpy() == 0.0
    assert _grad(nt.sign, 0.0).numpy() == 0.0
    assert _grad(lambda x: nt.maximum(x, 0.0), 0.0).numpy() == 1.0  # tie goes to the first operand
    assert _grad(lambda x: nt.minimum(0.0, x), 0.0).numpy() == 0.0
    assert _grad(lambda x: nt.clip_by_value(x, 0.0, 1.0), np.array([0.0, 0.5, 1.0, 2.0])).numpy().tolist() == [
        1.0, 1.0, 1.0, 0.0]


def test_ieee_values_without_warnings_or_exceptions() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nt.log(nt.constant(0.0)).numpy() == -np.inf
        assert math.isnan(nt.log(nt.constant(-1.0)).numpy())
        assert math.isnan((nt.constant(0.0) / 0.0).numpy())
        assert (nt.constant(1.0) / 0.0).numpy() == np.inf
        assert (nt.constant(-1.0) / nt.constant(0.0)).numpy() == -np.inf
        assert nt.exp(nt.constant(1000.0)).numpy() == np.inf
        assert math.isnan(nt.sqrt(nt.constant(-1.0)).numpy())
        assert math.isnan(nt.sin(nt.constant(np.inf)).numpy())
        assert math.isnan((nt.constant(-8.0) ** (1 / 3)).numpy())
        assert math.isnan((nt.constant(1.0) % 0.0).numpy())
        assert _grad(nt.sqrt, 0.0).numpy() == np.inf
        assert _grad(nt.log, 0.0).numpy() == np.inf
        np.testing.assert_array_equal(nt.log(nt.constant([0.0, 1.0])).numpy(), [-np.inf, 0.0])


def test_sigmoid_and_softplus_do_not_overflow() -> None:
    assert nt.sigmoid(nt.constant(-1000.0)).numpy() == 0.0
    assert nt.sigmoid(nt.constant(1000.0)).numpy() == 1.0
    assert nt.softplus(nt.constant(1000.0)).numpy() == 1000.0
    assert nt.softplus(nt.constant(-1000.0)).numpy() == 0.0
    assert _grad(nt.softplus, 1000.0).numpy() == 1.0


def test_pow_derivatives() -> None:
    x, y = nt.constant(2.0), nt.constant(3.0)
    with nt.GradientTape() as tape:
        tape.watch([x, y])
        z = x ** y
    gx, gy = tape.gradient(z, [x, y])
    assert gx.numpy() == 12.0 and abs(gy.numpy() - 8 * math.log(2)) < 1e-14
    x = nt.constant(0.0)
    with nt.GradientTape() as tape:
        tape.watch([x, y])
        z = x ** y
    gx, gy = tape.gradient(z, [x, y])
    assert gx.numpy() == 0.0 and gy.numpy() == 0.0  # the exponent's derivative is 0 where x <= 0


def test_mod_follows_numpy_and_its_gradient_tensorflow() -> None:
    np.testing.assert_array_equal((nt.constant([5.0, -5.0]) % 3.0).numpy(), np.array([5.0, -5.0]) % 3.0)
    x, y = nt.constant(7.0), nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch([x, y])
        z = x % y
    gx, gy = tape.gradient(z, [x, y])
    assert gx.numpy() == 1.0 and gy.numpy() == -3.0


def test_floor_divide_is_not_recorded() -> None:
    x = nt.constant(7.0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        z = x // 2.0
    assert z.numpy() == 3.0
    assert tape.gradient(z, x) is None


def test_python_scalars_keep_float32() -> None:
    x = nt.constant(np.ones(3, np.float32))
    assert (x * 2).dtype == np.float32
    assert (2.5 - x).dtype == np.float32
    assert (x * np.ones(3)).dtype == np.float64  # a float64 array promotes, as in NumPy


def test_integer_tensors_allow_integer_arithmetic_only() -> None:
    i = nt.constant([1, 2], dtype=np.int64)
    assert (i + i).dtype == np.int64
    with pytest.raises(TypeError, match="float"):
        nt.sin(i)
    with pytest.raises(TypeError, match="float"):
        i * nt.constant([1.0, 2.0])


def test_operators_and_reflections() -> None:
    x = nt.constant(3.0)
    assert (2.0 - x).numpy() == -1.0 and (2.0 / x).numpy() == 2.0 / 3.0 and (2.0 ** x).numpy() == 8.0
    assert (-x).numpy() == -3.0 and abs(nt.constant(-2.0)).numpy() == 2.0 and (+x) is x
    assert (7.0 % x).numpy() == 1.0 and (7.0 // x).numpy() == 2.0


@pytest.mark.parametrize("shapes, layout", [
    (((256, 128), (128,)), (128, K.BROADCAST_BY_SIZE, K.BROADCAST_ROW)),
    (((256, 10), (256, 1)), (10, K.BROADCAST_BY_SIZE, K.BROADCAST_COLUMN)),
    (((3, 1), (1, 4)), (4, K.BROADCAST_COLUMN, K.BROADCAST_ROW)),
    (((2, 3), ()), ()),
    (((2, 1, 3), (1, 4, 1)), None),  # neither a row nor a column: an explicit broadcast
])
def test_row_and_column_broadcasts_record_no_broadcast_entry(shapes, layout) -> None:
    from numtape.ops.elementwise import _broadcast_layout

    out_shape = np.broadcast_shapes(*shapes)
    assert _broadcast_layout(shapes[0], shapes[1], out_shape, int(np.prod(out_shape))) == layout
    a, b = (nt.constant(np.ones(s)) for s in shapes)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        nt.add(a, b)
    buffers = tape._tape.buffers
    codes = [int(c) & K.CODE_MASK for c in buffers.code[: buffers.n]]
    assert (K.OP_BROADCAST in codes) == (layout is None)
    if layout:
        row = buffers.aux[int(buffers.arg1[codes.index(K.OP_BINARY)])]
        assert tuple(int(v) for v in row[K.A_I0 : K.A_I2 + 1]) == layout


def _d(build, x: float) -> float:
    """d reduce_sum(build(t)) / dt at x, on a tape."""
    t = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = nt.reduce_sum(build(t))
    g = tape.gradient(y, t)
    return None if g is None else float(g.numpy())


def test_elementwise_operands_that_are_lists_holding_tensors_are_differentiated() -> None:
    x = 1.5
    assert _d(lambda t: nt.sin([t, 2 * t]), x) == pytest.approx(math.cos(x) + 2 * math.cos(2 * x))
    assert _d(lambda t: t * [t, t], x) == pytest.approx(4 * x)  # sum 2 t^2; TF: 12 at x = 3
    assert _d(lambda t: [t, 1.0] * t, x) == pytest.approx(2 * x + 1)  # the reflected operator
    assert _d(lambda t: nt.add(([t], [t]), [[1.0], [np.float32(2.0)]]), x) == pytest.approx(2.0)
    assert _d(lambda t: nt.pow([t, 2.0], 3.0), x) == pytest.approx(3 * x * x)


def test_clip_and_where_take_lists_holding_tensors() -> None:
    x = 1.5  # [x, 3x] clipped to [0, [2, x^2]]: x passes, 3x = 4.5 is clipped to x^2 (TF's rule)
    assert _d(lambda t: nt.clip_by_value([t, 3 * t], 0.0, [2.0, t * t]), x) == pytest.approx(1 + 2 * x)
    assert _d(lambda t: nt.where([True, False], [t, t], (2 * t, 3 * t)), x) == pytest.approx(4.0)
