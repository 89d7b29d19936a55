"""Tests generated from the op table: forward mode (the rows' tangent rules) against reverse mode.

For every differentiable elementwise row, as a scalar entry and as an array entry, the
compiled tangent pass (``Function.jvp``: ``scalar.unary_tangent``/``binary_tangent``, the
switches generated from the rows) is checked

* against reverse mode: ``<J v, u> == <v, J^T u>`` for random u, v (float64, rtol 1e-10);
* against central finite differences of the row's own function (h = 1e-6, rtol 1e-5);
* in float32: float32 in, float32 tangent out, within float32 rounding of float64.

For every differentiable composite row, case by case (as tests/test_composites.py iterates
them), eager ``nt.jvp`` is checked against reverse mode the same way and against central
finite differences. Composite rows are built of primitives, so their tangents are the
primitives' (there is no rule of their own to check).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import codes as K
from numtape.ops.registry import ELEMENTWISE

from .test_composites import DIFFERENTIABLE, _call, _flat_float, _ids, _sample
from .test_registry import BINARY, UNARY, _op, _sample_binary, _sample_unary


def _elementwise_function(spec: Any, args: list[np.ndarray]) -> Callable[..., Any]:
    """f of one array x: the row applied to x (unary) or to x[0], x[1] (binary), with the row's
    integer operands fixed as constants (data, never differentiated)."""
    op = _op(spec)
    if spec.arity == 1:
        return op
    if spec.fixed_operands:
        fixed = {k: args[k] for k in spec.fixed_operands}
        return lambda x: op(*[np.asarray(fixed[k], x.dtype) if k in fixed else x[k] for k in range(2)])
    return lambda x: op(x[0], x[1])


def _point(spec: Any, shape: tuple, rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    if spec.arity == 1:
        x = _sample_unary(spec, shape, rng)
        return x, [x]
    a, b = _sample_binary(spec, (shape, shape), rng)
    return np.stack([np.asarray(a), np.asarray(b)]), [a, b]


def _vjp(f: Callable[..., Any], x: np.ndarray, u: np.ndarray) -> np.ndarray:
    xt = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt)
    g = tape.gradient(y, xt, output_gradients=nt.constant(u))
    return np.zeros_like(x) if g is None else g.numpy()


def _central(f: Callable[..., Any], x: np.ndarray, v: np.ndarray, h: float = 1e-6) -> np.ndarray:
    plus = np.asarray(nt.constant(f(nt.constant(x + h * v))).numpy(), np.float64)
    minus = np.asarray(nt.constant(f(nt.constant(x - h * v))).numpy(), np.float64)
    return (plus - minus) / (2 * h)


ROWS = UNARY + BINARY


@pytest.mark.parametrize("shape", [(), (4,)], ids=["scalar-entry", "array-entry"])
@pytest.mark.parametrize("spec", ROWS, ids=lambda s: s.name)
def test_compiled_tangent_rule_against_reverse_mode_and_finite_differences(spec: Any, shape: tuple,
                                                                           rng: np.random.Generator) -> None:
    x, args = _point(spec, shape, rng)
    f = _elementwise_function(spec, args)
    v = rng.standard_normal(x.shape)
    if spec.fixed_operands:  # the fixed operand's direction is 0 (it is data)
        v[list(spec.fixed_operands)] = 0.0
    g = nt.function(f)
    y, t = g.jvp(x, v)
    u = rng.standard_normal(np.shape(y))
    np.testing.assert_allclose(np.sum(t * u), np.sum(v * _vjp(f, x, u)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t, _central(f, x, v), rtol=1e-5, atol=1e-7)
    x32, v32 = x.astype(np.float32), v.astype(np.float32)
    y32, t32 = g.jvp(x32, v32)
    assert np.asarray(t32).dtype == np.float32 and np.asarray(y32).dtype == np.float32
    ref = g.jvp(x32.astype(np.float64), v32.astype(np.float64))[1]
    np.testing.assert_allclose(t32, ref, rtol=2e-3, atol=2e-4)


def test_rows_with_a_tangent_of_their_own_are_flagged_and_the_rest_derive_it() -> None:
    for spec in ELEMENTWISE.values():
        assert bool(K.TANGENT[spec.code]) == bool(spec.tangent), spec.name
    # the inline branches of the forward tangent sweep are derived tangents (no formula of their own)
    for code in (K.FN_MUL, K.FN_ADD, K.FN_SUB, K.FN_DIV, K.FN_SIN, K.FN_SQUARE):
        assert not K.TANGENT[code]


@pytest.mark.parametrize("row, case", DIFFERENTIABLE, ids=_ids)
def test_composite_jvp_against_reverse_mode_and_finite_differences(row: Any, case: Any,
                                                                  rng: np.random.Generator) -> None:
    values = _sample(row, case, rng)
    call = _call(row, case)

    def f(*xs: Any) -> Any:
        return _flat_float(call(*xs))

    vs = [rng.standard_normal(np.shape(x)) for x in values]
    y, t = nt.jvp(f, tuple(values), tuple(vs))
    u = rng.standard_normal(np.shape(y))
    tensors = [nt.constant(x) for x in values]
    with nt.GradientTape() as tape:
        tape.watch(tensors)
        out = f(*tensors)
    grads = tape.gradient(out, tensors, output_gradients=nt.constant(u))
    back = sum(np.sum(v * g.numpy()) for v, g in zip(vs, grads) if g is not None)
    np.testing.assert_allclose(np.sum(np.asarray(t) * u), back, rtol=1e-9, atol=1e-10)
    h = 1e-6
    plus = f(*[nt.constant(x + h * v) for x, v in zip(values, vs)]).numpy()
    minus = f(*[nt.constant(x - h * v) for x, v in zip(values, vs)]).numpy()
    np.testing.assert_allclose(t, (plus - minus) / (2 * h), rtol=1e-4, atol=1e-6)
