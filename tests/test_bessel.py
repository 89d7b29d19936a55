"""Bessel j0 j1 y0 y1: Cephes ports against SciPy across the domain (large x, tiny x, the
zeros), and first and second derivatives against SciPy's jvp/yvp (DLMF 10.6), not numtape."""
import numpy as np
import pytest
import scipy.special as sp

import numtape as nt
from numtape._kernels import besselfn as BF

_X = np.concatenate([np.linspace(-40.0, 40.0, 1601), np.geomspace(1e-9, 1e5, 400), [4.999, 5.0, 5.001, 1e8, 1e12]])
_ZEROS = np.concatenate([sp.jn_zeros(0, 20), sp.jn_zeros(1, 20), sp.yn_zeros(0, 20), sp.yn_zeros(1, 20)])


@pytest.mark.parametrize("name", ["j0", "j1", "y0", "y1"])
def test_values_match_scipy(name):
    x = _X if name[0] == "j" else _X[_X > 0]
    got = np.array([getattr(BF, name)(float(v)) for v in x])
    want = getattr(sp, name)(x)
    scale = np.maximum(np.abs(want), 1e-3)  # absolute error near the zeros, relative elsewhere
    assert np.max(np.abs(got - want) / scale) < 5e-15
    at_zeros = np.array([getattr(BF, name)(float(v)) for v in _ZEROS])
    assert np.max(np.abs(at_zeros - getattr(sp, name)(_ZEROS))) < 1e-15


def test_domain_edges_match_scipy():
    for name in ("y0", "y1"):
        assert getattr(BF, name)(0.0) == -np.inf and np.isnan(getattr(BF, name)(-1.0))
    for name in ("j0", "j1", "y0", "y1"):
        assert np.isnan(getattr(BF, name)(np.inf)) and np.isnan(getattr(sp, name)(np.inf))


@pytest.mark.parametrize("name,order,kind", [("j0", 0, "j"), ("j1", 1, "j"), ("y0", 0, "y"), ("y1", 1, "y")])
def test_first_and_second_derivatives_match_scipy(name, order, kind):
    x = np.array([1e-6, 0.01, 0.3, 0.99, 1.01, 2.4048, 4.9, 5.1, 12.0, 60.0, 1e3]) if kind == "y" else \
        np.array([-7.0, -0.5, -1e-6, 0.0, 1e-6, 0.01, 0.3, 0.99, 1.01, 3.8317, 4.9, 5.1, 12.0, 60.0, 1e3])
    deriv = sp.jvp if kind == "j" else sp.yvp
    fn = getattr(nt, name)
    first = nt.grad(lambda t: nt.sum(fn(t)))(x)
    second = np.diag(nt.hessian(lambda t: nt.sum(fn(t)))(x))
    for got, k in ((first, 1), (second, 2)):
        want = deriv(order, x, k)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14 * np.maximum(1.0, np.abs(want))), (name, k, got, want)


def test_scipy_names_record_on_tensors():
    x = np.array([0.5, 2.0, 9.0])
    got = nt.grad(lambda t: nt.sum(sp.j0(t) * sp.y1(t)))(x)
    want = sp.jvp(0, x, 1) * sp.y1(x) + sp.j0(x) * sp.yvp(1, x, 1)
    assert np.allclose(got, want, rtol=1e-12)
    assert nt.special.j1 is nt.j1
