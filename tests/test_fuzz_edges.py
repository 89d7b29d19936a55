"""Generators for two classes of wrong derivatives found by autograd's suite (issue 11).

* A power with a constant exponent at a base of 0: x**0 is 1 and x**1 is x everywhere, so
  their derivatives there are 0 and 1, not 0 * inf = NaN; checked against the calculus
  c x**(c-1), c (c-1) x**(c-2) wherever that is finite, eagerly and compiled.
* Moments over slices of one element: std and var are identically 0 there, so every
  derivative is 0; checked against central finite differences (check_grads).
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import numtape as nt
from numtape.testing import check_grads

from .test_fuzz import fuzz_settings


def _exact(c: float, x: float, order: int) -> float:
    """d^order/dx^order of x**c by the calculus; NaN where it is not finite (skipped)."""
    if order == 1:
        coefficient, power = c, c - 1.0
    else:
        coefficient, power = c * (c - 1.0), c - 2.0
    if coefficient == 0.0:
        return 0.0
    if x == 0.0 and power < 0.0 or x < 0.0 and power != int(power):
        return math.nan
    return coefficient * x**power


@fuzz_settings(60)
@given(c=st.sampled_from([0.0, 1.0, 2.0, 3.0, 0.5, 1.5]), x=st.sampled_from([0.0, -0.0, 1e-3, 2.0, -1.5, 0.7]))
def test_powers_with_constant_exponents_at_every_base(c: float, x: float) -> None:
    first = nt.grad(lambda t: nt.pow(t, c))
    second = nt.grad(first)
    compiled = nt.function(lambda t: nt.reduce_sum(nt.pow(t, c)))
    got = {1: [float(first(x)), float(compiled.grad(np.array([x]))[0])],
           2: [float(second(x)), float(compiled.hessian(np.array([x]))[0, 0])]}
    for order in (1, 2):
        expected = _exact(c, x, order)
        if math.isfinite(expected):
            for value in got[order]:
                assert value == expected or abs(value - expected) <= 1e-12 * abs(expected), (c, x, order, got)


@st.composite
def _single_element_slices(draw):
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.sampled_from([1, 1, 2, 3])) for _ in range(ndim))
    ones = [a for a, d in enumerate(shape) if d == 1]
    axis = draw(st.sampled_from(ones)) if ones else None
    return shape, axis, draw(st.integers(0, 2**16))


@fuzz_settings(40)
@given(case=_single_element_slices(), op=st.sampled_from(["std", "var"]), keepdims=st.booleans())
def test_moments_over_slices_of_one_element_have_zero_derivatives(case, op, keepdims) -> None:
    shape, axis, seed = case
    if axis is None:
        shape, axis = (1,) + shape, 0
    x = np.random.default_rng(seed).standard_normal(shape)
    f = getattr(nt, op)
    check_grads(lambda t: f(t, axis=axis, keepdims=keepdims), x, order=2)
