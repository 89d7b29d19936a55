"""Bessel functions of general order (jv/jn, yv, yn, iv, ive, kv, kve): values against SciPy over
orders 0..50 (and fractional) and x from 1e-10 to 1e3 and beyond, against the Wronskians (DLMF
10.5.2, 10.28.2: math, not SciPy), edges (0, negative x, negative orders, overflow), and first
and second derivatives against SciPy's jvp/yvp/ivp/kvp (DLMF 10.6, 10.29), never numtape.

Measured against mpmath (40 digits) on the grid below, outside CI: I, K, ive, kve within 5e-15
relative; J, Y within 5e-15 of max(|f|, |H_v(x)|). SciPy itself is off by up to 5e-13 there,
which bounds the tolerance of the comparisons with SciPy.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special as sp

import numtape as nt

ORDERS = np.concatenate([np.arange(0.0, 51.0), [0.1, 0.25, 0.5, 0.75, 1.3, 2.5, 7.7, 10.5, 25.25, 49.9]])
X = np.concatenate([np.geomspace(1e-10, 1e3, 90), [1.999, 2.0, 2.001, 24.9, 25.1, 5e3, 2e4, 1e5]])
V, XX = (a.ravel() for a in np.meshgrid(ORDERS, X))


def _scipy(name, v, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(sp, name)(v, x)


def _relative(got, want, scale):
    ok = np.isfinite(want) & (np.abs(want) > 1e-290) & (np.abs(want) < 1e290)
    return np.max(np.abs(got[ok] - want[ok]) / scale[ok]), ok


@pytest.mark.parametrize("name", ["iv", "ive", "kv", "kve"])
def test_modified_functions_match_scipy_over_the_grid(name) -> None:
    got, want = getattr(nt, name)(V, XX).numpy(), _scipy(name, V, XX)
    error, ok = _relative(got, want, np.abs(want))
    assert error < 2e-13, error  # SciPy's own error on this grid reaches 1.6e-13 (ive, v = 41, x = 2e-6)
    assert ok.sum() > 0.8 * ok.size


@pytest.mark.parametrize("name", ["jv", "yv"])
def test_oscillating_functions_match_scipy_over_the_grid(name) -> None:
    got, want = getattr(nt, name)(V, XX).numpy(), _scipy(name, V, XX)
    envelope = np.hypot(_scipy("jv", V, XX), _scipy("yv", V, XX))  # |H_v(x)|: the scale of J and Y
    error, ok = _relative(got, want, np.maximum(np.abs(want), envelope))
    assert error < 6e-13, error  # SciPy's own error on this grid: 5e-13 (jv, v = 49.9, x = 1e3)


def test_yn_matches_scipy_over_the_grid() -> None:
    n = np.floor(V)
    got, want = nt.yn(n, XX).numpy(), _scipy("yn", n, XX)
    envelope = np.hypot(_scipy("jv", n, XX), want)
    error, _ = _relative(got, want, np.maximum(np.abs(want), envelope))
    assert error < 5e-15, error  # the same recurrence from the same y0, y1 as SciPy's (Cephes')


def test_wronskians_hold_to_rounding() -> None:
    """J_v+1 Y_v - J_v Y_v+1 = 2/(pi x) and I_v K_v+1 + I_v+1 K_v = 1/x (scaled: ive, kve)."""
    v, x = V[(XX > 1e-3) & (XX < 600)], XX[(XX > 1e-3) & (XX < 600)]
    keep = np.abs(nt.yv(v + 1, x).numpy()) < 1e150  # the product of J and Y stays representable
    v, x = v[keep], x[keep]
    jy = (nt.jv(v + 1, x) * nt.yv(v, x) - nt.jv(v, x) * nt.yv(v + 1, x)).numpy()
    np.testing.assert_allclose(jy * x * np.pi / 2, 1.0, rtol=2e-14)
    ik = (nt.ive(V, XX) * nt.kve(V + 1, XX) + nt.ive(V + 1, XX) * nt.kve(V, XX)).numpy() * XX
    finite = np.isfinite(ik) & (nt.kve(V + 1, XX).numpy() < 1e290)
    np.testing.assert_allclose(ik[finite], 1.0, rtol=3e-14)  # four factors within 5e-15 each


def test_scalars_arrays_and_replays_give_one_value() -> None:
    v, x = np.array([0.0, 0.5, 3.0, 17.25, 40.0]), np.array([1e-8, 0.7, 3.0, 25.5, 900.0])
    for name in ("jv", "yv", "yn", "iv", "ive", "kv", "kve"):
        op = getattr(nt, name)
        array = op(v, x).numpy()
        scalar = [op(float(a), float(b)).numpy() for a, b in zip(v, x)]
        replay = nt.function(lambda t: op(v, t))(x)
        np.testing.assert_array_equal(array, scalar, err_msg=name)
        np.testing.assert_array_equal(array, replay, err_msg=name)


EDGES = [  # (name, v, x): the value SciPy gives, checked to agree
    ("jv", [0.0, 1.0, 2.5, -0.5, -1.5, -2.0, 3.0, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0, -7.5]),
    ("yv", [0.0, 2.5, 1.0], [0.0, 0.0, -1.0]),
    ("jv", [-0.3, -2.5, -7.0, -10.5], [0.4, 3.0, 12.0, 40.0]),  # DLMF 10.4.7
    ("yv", [-0.3, -2.5, -7.0, -10.5], [0.4, 3.0, 12.0, 40.0]),
    ("iv", [0.0, 1.0, 2.5, -2.0, 3.0, 1.5, -0.3, -2.5], [0.0, 0.0, 0.0, 0.0, -2.0, -2.0, 0.4, 3.0]),
    ("iv", [0.0, 2.0, 50.0], [800.0, 720.0, 1e-10]),  # overflow to inf, underflow to 0
    ("ive", [0.0, 3.0, -2.5, 1.5], [-3.0, -3.0, 3.0, -1.0]),
    ("kv", [0.0, 2.5, 1.0, -1.5, 50.0, 0.5], [0.0, 0.0, -1.0, 2.0, 1e-10, 800.0]),
    ("kve", [0.0, -1.5, 3.0], [0.0, 2.0, -1.0]),
    ("yn", [0.0, 1.0, 5.0, -3.0, -4.0, 60.0], [0.0, 0.0, 0.0, 2.0, 2.0, 1e-6]),
]


@pytest.mark.parametrize("name, v, x", EDGES, ids=[f"{e[0]}-{i}" for i, e in enumerate(EDGES)])
def test_edges_match_scipy(name, v, x) -> None:
    got, want = getattr(nt, name)(np.array(v), np.array(x)).numpy(), _scipy(name, np.array(v), np.array(x))
    atol = 1e-14 if name[0] in "jy" else 0.0  # J, Y: absolute near their zeros (SciPy's error there)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=atol)


def test_out_of_reach_gives_nan_never_a_wrong_number() -> None:
    # orders above 1e5 where the value does not underflow/overflow, and ive/kve where CF1 would
    # need more than 1e5 iterations (x large, v**2 >= x)
    assert np.isnan(nt.jv(2e5, 3e5).numpy()) and np.isnan(nt.yv(2e5, 3e5).numpy())
    assert np.isnan(nt.ive(5e4, 1e9).numpy()) and np.isnan(nt.kve(5e4, 1e9).numpy())
    assert nt.jv(2e5, 10.0).numpy() == 0.0 and nt.yv(2e5, 10.0).numpy() == -np.inf  # the bound DLMF 10.14.4
    assert nt.ive(2e5, 10.0).numpy() == 0.0 and nt.kv(2e5, 10.0).numpy() == np.inf
    assert np.isnan(nt.jv(0.5, -1.0).numpy()) and np.isnan(nt.iv(0.5, -1.0).numpy())  # complex values


DERIVATIVE_POINTS = [(0.0, [1e-3, 0.3, 1.7, 9.0, 60.0]), (0.5, [0.2, 1.3, 30.0]), (1.0, [1e-4, 0.8, 4.0, 40.0]),
                     (2.5, [0.5, 3.0, 27.0]), (7.0, [0.9, 6.0, 12.0]), (20.0, [5.0, 21.0, 80.0])]


def _derivatives(op, v, x):
    first = nt.grad(lambda t: nt.reduce_sum(op(v, t)))(x)
    second = np.diag(nt.hessian(lambda t: nt.reduce_sum(op(v, t)))(x))
    return first, second


def _expected(name, v, x, k):
    if name in ("jv", "yv", "iv", "kv"):
        return getattr(sp, name[0] + "vp")(v, x, k)
    f, fp = getattr(sp, name[:2])(v, x), getattr(sp, name[0] + "vp")(v, x, 1)
    s = -1.0 if name == "ive" else 1.0  # ive = I exp(-x), kve = K exp(x), x > 0
    if k == 1:
        return (fp + s * f) * np.exp(s * x)
    return (getattr(sp, name[0] + "vp")(v, x, 2) + 2 * s * fp + f) * np.exp(s * x)


@pytest.mark.parametrize("name", ["jv", "yv", "iv", "ive", "kv", "kve", "yn"])
@pytest.mark.parametrize("v, xs", DERIVATIVE_POINTS, ids=[f"v={p[0]}" for p in DERIVATIVE_POINTS])
def test_first_and_second_derivatives_match_scipy(name, v, xs) -> None:
    v = float(int(v)) if name == "yn" else v  # yn: integer orders
    x = np.array(xs)
    first, second = _derivatives(getattr(nt, name), v, x)
    for got, k in ((first, 1), (second, 2)):
        want = _expected("yv" if name == "yn" else name, v, x, k)
        scale = np.abs(want) + (np.hypot(sp.jv(v, x), sp.yv(v, x)) if name[0] in "jy" else 0.0)
        assert np.all(np.abs(got - want) <= 1e-11 * scale), (name, v, k, got, want)


def test_the_order_is_data_with_no_gradient() -> None:
    v = nt.constant(np.array([0.5, 2.0]))
    x = nt.constant(np.array([1.5, 3.0]))
    for op in (nt.jv, nt.yv, nt.iv, nt.ive, nt.kv, nt.kve, nt.yn):
        with nt.GradientTape() as tape:
            tape.watch([v, x])
            y = op(v, x)
        gv, gx = tape.gradient(y, [v, x])
        assert gv is None and gx is not None, op.__name__


def test_scipy_names_record_on_tensors() -> None:
    x = nt.constant(np.array([0.5, 2.0, 9.0]))
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = sp.jv(1.5, x) + sp.jn(2, x) + sp.yn(3, x) + sp.iv(0.3, x) * sp.kv(1.2, x) + sp.ive(2, x) + sp.kve(0, x)
    assert isinstance(y, nt.Tensor)
    xv = x.numpy()
    want = (sp.jvp(1.5, xv) + sp.jvp(2, xv) + sp.yvp(3, xv) + sp.ivp(0.3, xv) * sp.kv(1.2, xv)
            + sp.iv(0.3, xv) * sp.kvp(1.2, xv) + (sp.ivp(2, xv) - sp.iv(2, xv)) * np.exp(-xv)
            + (sp.kvp(0, xv) + sp.kv(0, xv)) * np.exp(xv))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-12)
    assert nt.special.jn is nt.jv and nt.special.kve is nt.kve


def test_float32_in_float32_out_and_replay_equals_eager() -> None:
    v = np.array([0.0, 1.0, 2.0, 5.0], np.float32)
    x = np.array([0.3, 1.5, 4.0, 12.0], np.float32)
    for name in ("jv", "yv", "yn", "iv", "ive", "kv", "kve"):
        op = getattr(nt, name)
        t = nt.constant(x)
        with nt.GradientTape() as tape:
            tape.watch(t)
            y = op(v, t)
        assert y.dtype == np.float32 and tape.gradient(y, t).dtype == np.float32, name
        np.testing.assert_allclose(y.numpy(), _scipy(name, v.astype(float), x.astype(float)), rtol=2e-6)
        g = nt.function(lambda s: op(v, s))
        g(np.full(4, 0.5, np.float32))
        np.testing.assert_array_equal(g(x), y.numpy(), err_msg=name)
