"""Reductions: values against NumPy for every axis/keepdims combination, ties, stability."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import numtape as nt

X = np.random.default_rng(0).standard_normal((2, 3, 4))
AXES = [None, 0, 1, 2, -1, (0, 2), (1, 2), (0, 1, 2)]
REDUCTIONS = [
    (nt.reduce_sum, np.sum), (nt.reduce_mean, np.mean), (nt.reduce_prod, np.prod),
    (nt.reduce_max, np.max), (nt.reduce_min, np.min),
]


@pytest.mark.parametrize("axis, keepdims", list(itertools.product(AXES, [False, True])), ids=str)
@pytest.mark.parametrize("op, ref", REDUCTIONS, ids=lambda r: getattr(r, "__name__", str(r)))
def test_values_match_numpy(op, ref, axis, keepdims) -> None:
    got = op(nt.constant(X), axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got.numpy(), ref(X, axis=axis, keepdims=keepdims), rtol=1e-13)


def test_logsumexp_is_stable_and_matches_the_definition() -> None:
    x = np.array([[1000.0, 1000.0], [-1000.0, 0.0]])
    got = nt.reduce_logsumexp(nt.constant(x), axis=1).numpy()
    np.testing.assert_allclose(got, [1000.0 + np.log(2.0), np.log1p(np.exp(-1000.0))])
    assert nt.reduce_logsumexp(nt.constant([-np.inf, -np.inf])).numpy() == -np.inf


def test_max_ties_share_the_gradient_equally() -> None:
    x = nt.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(nt.reduce_max(x, axis=1))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_max_over_non_adjacent_axes_shares_ties_over_the_whole_set() -> None:
    x = nt.constant(np.zeros((2, 1, 2)))
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_max(x, axis=(0, 2))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.full((2, 1, 2), 0.25))


def test_prod_gradient_is_exact_with_zeros() -> None:
    x = nt.constant([2.0, 0.0, 3.0, 0.0, 5.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_prod(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.0, 0.0, 0.0, 0.0])
    x = nt.constant([2.0, 0.0, 3.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_prod(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 6.0, 0.0])


def test_norm_and_its_subgradient_at_zero() -> None:
    assert nt.norm(nt.constant([3.0, 4.0])).numpy() == 5.0
    x = nt.constant([0.0, 0.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.norm(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.0])


def test_nan_propagates_through_max() -> None:
    assert np.isnan(nt.reduce_max(nt.constant([1.0, np.nan, 2.0])).numpy())


def test_bad_axes() -> None:
    with pytest.raises(ValueError, match="reduce_sum"):
        nt.reduce_sum(nt.constant(X), axis=3)
    with pytest.raises(TypeError, match="reduce_sum"):
        nt.reduce_sum(nt.constant(X), axis="0")


def test_reductions_of_lists_holding_tensors_are_differentiated() -> None:
    x, v = nt.constant(1.5), nt.Variable(0.5)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        total = nt.reduce_sum([x, 2 * x])  # TF: 3
        mean = nt.reduce_mean([[x, v], [x * v, 1.0]])  # (x + v + x v + 1) / 4
        top = nt.reduce_max((x, np.float64(1.0)))
    assert tape.gradient(total, x).numpy() == 3.0
    gx, gv = tape.gradient(mean, [x, v])
    assert gx.numpy() == pytest.approx((1 + 0.5) / 4) and gv.numpy() == pytest.approx((1 + 1.5) / 4)
    assert tape.gradient(top, x).numpy() == 1.0
