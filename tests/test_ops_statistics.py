"""NumPy-signature reductions, averages, logsumexp, gradient and interp beyond the generated
cases: differentiable weights, NaNs, knots, ties and the errors that name the function."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape.ops.special_reductions import logsumexp
from numtape.testing import check_grads


def _grads(f, *arrays):
    ts = [nt.constant(a) for a in arrays]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return y, [g.numpy() for g in tape.gradient(y, ts, unconnected_gradients="zero")]


def test_average_is_differentiable_in_the_weights(rng) -> None:
    a, w = rng.standard_normal((3, 4)), rng.uniform(0.5, 2.0, (3, 4))
    np.testing.assert_allclose(nt.average(a, weights=w).numpy(), np.average(a, weights=w), rtol=1e-13)
    check_grads(lambda x, v: nt.average(x, weights=v), a, w, order=2, rng=rng)
    w1 = rng.uniform(0.5, 2.0, 4)
    avg, total = nt.average(a, axis=1, weights=w1, returned=True)
    expected = np.average(a, axis=1, weights=w1, returned=True)
    np.testing.assert_allclose(avg.numpy(), expected[0], rtol=1e-13)
    np.testing.assert_allclose(total.numpy(), expected[1], rtol=1e-13)
    check_grads(lambda x, v: nt.average(x, axis=1, weights=v, keepdims=True), a, w1, order=2, rng=rng)
    _, (_, gw) = _grads(lambda x, v: nt.average(x, weights=v), a, w)  # d/dw_i = (a_i - avg) / sum(w)
    np.testing.assert_allclose(gw, (a - np.average(a, weights=w)) / w.sum(), rtol=1e-12)


def test_average_weights_errors_name_average() -> None:
    with pytest.raises(ValueError, match=r"numtape\.average: axis must be given"):
        nt.average(np.ones((2, 3)), weights=np.ones(3))
    with pytest.raises(ValueError, match=r"numtape\.average: weights of length 2 differ from axis 1"):
        nt.average(np.ones((2, 3)), axis=1, weights=np.ones(2))


def test_logsumexp_weights_are_differentiable_and_zero_weights_drop_out(rng) -> None:
    from scipy.special import logsumexp as reference

    a, b = rng.standard_normal((2, 5)), rng.uniform(0.2, 2.0, (2, 5))
    np.testing.assert_allclose(logsumexp(a, axis=1, b=b).numpy(), reference(a, axis=1, b=b), rtol=1e-13)
    check_grads(lambda x, v: logsumexp(x, axis=1, b=v), a, b, order=2, rng=rng)
    value, (ga, gb) = _grads(lambda x, v: logsumexp(x, b=v), np.array([np.inf, 0.0, 1.0]), np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(value.numpy(), reference([np.inf, 0.0, 1.0], b=[0.0, 1.0, 2.0]), rtol=1e-14)
    assert ga[0] == 0.0 and np.isfinite(ga).all() and np.isfinite(gb[1:]).all()
    signed = logsumexp(np.array([1.0, 2.0]), b=np.array([-1.0, 0.1]), return_sign=True)
    np.testing.assert_allclose([t.numpy() for t in signed], reference([1.0, 2.0], b=[-1.0, 0.1], return_sign=True))


def test_nan_reductions_give_nans_a_zero_gradient() -> None:
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    total, (g,) = _grads(lambda t: nt.nansum(t), x)
    assert total.numpy() == 6.0
    np.testing.assert_array_equal(g, [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    means, (g,) = _grads(lambda t: nt.reduce_sum(nt.nanmean(t, axis=1)), x)
    np.testing.assert_array_equal(g, [[0.5, 0.0, 0.5], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(np.nanmean(nt.constant(x), axis=1).numpy(), np.nanmean(x, axis=1))


def test_tied_extremes_share_the_gradient_equally() -> None:
    _, (g,) = _grads(lambda t: np.max(t), np.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])
    _, (g,) = _grads(lambda t: np.ptp(t), np.array([1.0, 3.0, 1.0, 3.0]))
    np.testing.assert_array_equal(g, [-0.5, 0.5, -0.5, 0.5])


def test_numpy_options_a_tensor_cannot_honour_are_refused_by_name() -> None:
    t = nt.constant([1.0, 2.0])
    with pytest.raises(ValueError, match=r"numtape\.mean: dtype= is not supported"):
        np.mean(t, dtype=np.float32)
    with pytest.raises(ValueError, match=r"numtape\.sum: where= is not supported"):
        np.sum(t, where=np.array([True, False]))
    with pytest.raises(ValueError, match=r"numtape\.max: initial= is not supported"):
        np.max(t, initial=0.0)
    with pytest.raises(ValueError, match=r"numtape\.amin: cannot reduce an empty axis"):
        np.amin(nt.constant(np.zeros((0, 2))), axis=0)
    assert np.sum(t, initial=1.5).numpy() == 4.5 and np.prod(t, initial=2.0).numpy() == 4.0
    assert np.max(nt.constant(np.zeros((0, 2))), axis=1).shape == (0,)


def test_interp_slopes_at_knots_and_weights_in_fp() -> None:
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, -np.inf, np.inf, np.nan])
    y, (gx, gxp, gfp) = _grads(lambda a, b, c: nt.interp(a, b, c), x, xp, fp)
    np.testing.assert_array_equal(y.numpy(), np.interp(x, xp, fp))
    # the right segment's slope at a knot (2 on [0, 1), 0.5 on [1, 3)); 0 outside and at the last knot
    np.testing.assert_array_equal(gx, [0.0, 2.0, 2.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert np.isfinite(gxp).all()
    # d/dfp: the hat weights of each query point, summed
    hats = np.array([[np.interp(xi, xp, np.eye(3)[k]) for k in range(3)] for xi in x[:9]]).sum(axis=0)
    np.testing.assert_allclose(gfp, hats, rtol=1e-15)


def test_interp_refusals_name_interp() -> None:
    with pytest.raises(ValueError, match=r"numtape\.interp: xp must be increasing"):
        nt.interp(0.5, [1.0, 0.0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"numtape\.interp: xp and fp must be 1-d"):
        nt.interp(0.5, [0.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"numtape\.interp: period="):
        nt.interp(0.5, [0.0, 1.0], [0.0, 1.0], period=2.0)


def test_gradient_spacing_is_differentiable_and_refusals_name_gradient(rng) -> None:
    f = rng.standard_normal(6)
    _, (gf, gh) = _grads(lambda a, h: nt.reduce_sum(nt.gradient(a, h)), f, np.array(0.5))
    np.testing.assert_allclose(gh, -np.sum(np.gradient(f, 0.5)) / 0.5, rtol=1e-13)
    with pytest.raises(ValueError, match=r"numtape\.gradient: only edge_order=1"):
        nt.gradient(f, edge_order=2)
    with pytest.raises(ValueError, match=r"numtape\.gradient: axis 0 of shape \(1,\) is too short"):
        nt.gradient(np.ones(1))
    with pytest.raises(ValueError, match=r"numtape\.gradient: only scalar spacings"):
        nt.gradient(f, np.arange(6.0))


def test_order_statistics_select_their_elements_and_propagate_nan() -> None:
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    _, (g,) = _grads(lambda t: nt.median(t), x)
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0, 0.0, 0.0])
    _, (g,) = _grads(lambda t: nt.quantile(t, 0.1), x)  # position 0.4 between the tied 1.0s: the earlier is lower
    np.testing.assert_allclose(g, [0.0, 0.6, 0.0, 0.4, 0.0], rtol=1e-15)
    _, (g,) = _grads(lambda t: np.percentile(t, 75.0), x)  # position 3: exactly the 4.0
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, 0.0, 0.0])
    assert np.isnan(nt.median(np.array([1.0, np.nan, 2.0])).numpy())
    with pytest.raises(ValueError, match=r"numtape\.quantile: only method='linear'"):
        nt.quantile(x, 0.5, method="nearest")
    with pytest.raises(ValueError, match=r"numtape\.percentile: q must be .* within \[0, 100\]"):
        nt.percentile(x, 150.0)


def test_order_statistics_replay_reranks_new_inputs() -> None:
    f = nt.function(lambda t: nt.median(t))
    first = f.value_and_grad(np.array([1.0, 2.0, 3.0]))
    value, grad = f.value_and_grad(np.array([3.0, 1.0, 2.0]))
    assert float(first[0]) == 2.0 and float(value) == 2.0
    np.testing.assert_array_equal(np.asarray(grad), [0.0, 0.0, 1.0])
