"""The special-function rows (numtape/ops/special_functions.py) against scipy.special over wide
ranges, their derivatives against the math (scipy's own digamma, i1, ...), float32, and
``scipy.special.<name>(tensor)`` dispatch."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

import numtape as nt

RNG = np.random.default_rng(20240611)


def _values(name, x):
    """nt.<name> on an array (the ufunc path) and element by element (the scalar fast path)."""
    op = getattr(nt, name)
    return op(nt.constant(x)).numpy(), np.array([op(nt.constant(float(v))).numpy() for v in x])


WIDE = [  # (name, inputs, rtol against scipy: its own error where it is the less accurate one)
    ("erf", np.linspace(-6, 6, 401), 1e-14),
    ("erfc", np.linspace(-6, 26, 401), 1e-13),
    ("erfcx", np.linspace(-5, 1e5, 401), 1e-14),
    ("erfcx", np.geomspace(25, 1e300, 200), 1e-14),
    ("erfinv", np.concatenate([np.linspace(-0.999, 0.999, 301), 1 - np.geomspace(1e-16, 1e-2, 50)]), 2e-15),
    ("erfcinv", np.concatenate([np.linspace(0.01, 1.99, 301), np.geomspace(1e-300, 1e-2, 100)]), 2e-15),
    ("ndtri", np.concatenate([np.geomspace(1e-300, 0.4, 200), 1 - np.geomspace(1e-16, 0.4, 100),
                              0.5 + np.linspace(-1e-9, 1e-9, 21)]), 2e-15),
    ("ndtr", np.linspace(-8, 8, 401), 1e-14),
    ("log_ndtr", np.concatenate([np.linspace(-5, 10, 301), -np.geomspace(5, 1e5, 100)]), 1e-14),
    ("gammaln", np.concatenate([np.geomspace(1e-300, 1, 100), np.linspace(0.5, 50, 300),
                                np.geomspace(50, 1e300, 100)]), 1e-14),
    ("gammaln", np.linspace(-9.95, -0.05, 199), 1e-14),
    ("loggamma", np.linspace(0.05, 100, 300), 1e-14),
    ("gamma", np.linspace(-9.95, 170, 500), 1e-14),
    ("digamma", np.concatenate([np.linspace(-9.97, 10, 400), np.linspace(-0.8, -0.2, 61),
                                np.geomspace(1e-5, 1e10, 50)]), 1e-14),
    ("logit", np.linspace(0.001, 0.999, 301), 1e-14),
    ("log_expit", np.linspace(-700, 700, 301), 1e-14),
    ("entr", np.linspace(0, 20, 301), 1e-14),
    ("i0", np.linspace(-700, 700, 401), 1e-14),
    ("i0e", np.linspace(-1e4, 1e4, 401), 1e-14),
    ("i1", np.linspace(-700, 700, 401), 1e-14),
    ("i1e", np.linspace(-1e4, 1e4, 401), 1e-14),
]


@pytest.mark.parametrize("name, x, rtol", WIDE, ids=[f"{w[0]}-{i}" for i, w in enumerate(WIDE)])
def test_values_match_scipy_over_wide_ranges(name, x, rtol) -> None:
    expected = getattr(sp, name)(x)
    array_path, scalar_path = _values(name, x)
    np.testing.assert_array_equal(array_path, expected)  # arrays go to scipy itself
    np.testing.assert_allclose(scalar_path, expected, rtol=rtol, atol=0)  # the ported kernels


def test_erfcx_for_negative_x_is_accurate_where_scipy_rounds_x_squared() -> None:
    x = -25.609927904349234  # exp(x**2) erfc(x) by mpmath: 1.38375794023183...e285
    assert abs(nt.erfcx(nt.constant(x)).numpy() / 1.3837579402318326e285 - 1) < 1e-15
    assert abs(sp.erfcx(x) / 1.3837579402318326e285 - 1) > 1e-14  # scipy's own error


BINARY = [
    ("xlogy", RNG.uniform(-3, 3, 200), RNG.uniform(0, 5, 200), 1e-14),
    ("xlog1py", RNG.uniform(-3, 3, 200), RNG.uniform(-1, 5, 200), 1e-14),
    ("rel_entr", RNG.uniform(0, 5, 200), RNG.uniform(0, 5, 200), 1e-14),
    ("beta", RNG.uniform(0.05, 30, 200), RNG.uniform(0.05, 30, 200), 2e-14),
    ("betaln", RNG.uniform(5, 1e5, 200), RNG.uniform(0.05, 3, 200), 1e-11),  # lgamma differences cancel
    ("polygamma", RNG.integers(0, 6, 200).astype(float), RNG.uniform(-5, 20, 200), 1e-12),
]


@pytest.mark.parametrize("name, a, b, rtol", BINARY, ids=[b[0] for b in BINARY])
def test_binary_values_match_scipy(name, a, b, rtol) -> None:
    expected = getattr(sp, name)(a, b)
    op = getattr(nt, name)
    np.testing.assert_allclose(op(nt.constant(a), nt.constant(b)).numpy(), expected, rtol=1e-15)
    scalar = np.array([op(nt.constant(float(u)), nt.constant(float(v))).numpy() for u, v in zip(a, b)])
    np.testing.assert_allclose(scalar, expected, rtol=rtol, atol=1e-15)  # near zeros (x ~ y in rel_entr)


def test_xlogy_family_is_zero_at_x_zero_and_keeps_jax_derivatives() -> None:
    x = nt.constant(np.zeros(3))
    y = nt.constant(np.array([0.0, 2.0, np.nan]))
    with nt.GradientTape() as tape:
        tape.watch([x, y])
        z = nt.xlogy(x, y)
    np.testing.assert_array_equal(z.numpy(), [0.0, 0.0, np.nan])
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [-np.inf, np.log(2.0), np.nan])  # log(y)
    np.testing.assert_array_equal(gy.numpy()[1], 0.0)  # x / y


def _grad(name, x, *extra):
    t = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = getattr(nt, name)(*extra, t)
    return tape.gradient(y, t).numpy()


DERIVATIVES = [  # (name, x, the derivative by scipy)
    ("gammaln", np.linspace(0.1, 20, 50), sp.digamma),
    ("digamma", np.linspace(0.1, 20, 50), lambda x: sp.polygamma(1, x)),
    ("gamma", np.linspace(0.1, 5, 50), lambda x: sp.gamma(x) * sp.digamma(x)),
    ("i0", np.linspace(-5, 5, 51), sp.i1),
    ("i1", np.linspace(-5, 5, 51), lambda x: np.where(x == 0, 0.5, sp.i0(x) - sp.i1(x) / np.where(x == 0, 1, x))),
    ("erfinv", np.linspace(-0.99, 0.99, 51), lambda x: np.sqrt(np.pi) / 2 * np.exp(sp.erfinv(x) ** 2)),
    ("ndtri", np.linspace(0.01, 0.99, 51), lambda x: 1 / (np.exp(-sp.ndtri(x) ** 2 / 2) / np.sqrt(2 * np.pi))),
    ("log_ndtr", np.linspace(-30, 5, 51), lambda x: np.exp(-x * x / 2 - sp.log_ndtr(x)) / np.sqrt(2 * np.pi)),
    ("logit", np.linspace(0.01, 0.99, 51), lambda p: 1 / (p * (1 - p))),
]


@pytest.mark.parametrize("name, x, expected", DERIVATIVES, ids=[d[0] for d in DERIVATIVES])
def test_derivatives_match_the_math(name, x, expected) -> None:
    np.testing.assert_allclose(_grad(name, x), expected(x), rtol=1e-12)
    np.testing.assert_allclose([_grad(name, nt.constant(float(v)).numpy().item()) for v in x[::5]], expected(x[::5]), rtol=1e-12)


def test_polygamma_order_is_data_with_no_gradient() -> None:
    n = nt.constant(np.array([0.0, 1.0, 2.0]))
    x = nt.constant(np.array([0.5, 1.5, 2.5]))
    with nt.GradientTape() as tape:
        tape.watch([n, x])
        y = nt.polygamma(n, x)
    gn, gx = tape.gradient(y, [n, x])
    assert gn is None
    np.testing.assert_allclose(gx.numpy(), sp.polygamma([1, 2, 3], [0.5, 1.5, 2.5]), rtol=1e-14)
    np.testing.assert_allclose(nt.polygamma([1, 2], x[:2]).numpy(), sp.polygamma([1, 2], [0.5, 1.5]))


def test_second_derivative_of_gammaln_is_trigamma() -> None:
    x = nt.constant(np.linspace(0.2, 6, 7))
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = nt.gammaln(x)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), sp.polygamma(1, x.numpy()), rtol=1e-13)


@pytest.mark.parametrize("name", ["erf", "gammaln", "ndtri", "i1e", "log_ndtr"])
def test_float32_in_float32_out(name) -> None:
    x = np.linspace(0.1, 0.9, 5, dtype=np.float32)
    t = nt.constant(x)
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = getattr(nt, name)(t)
    assert y.dtype == np.float32 and tape.gradient(y, t).dtype == np.float32
    np.testing.assert_allclose(y.numpy(), getattr(sp, name)(x.astype(np.float64)), rtol=1e-6)


def test_scipy_special_on_tensors_records_the_rows() -> None:
    x = nt.constant(np.array([0.3, 0.6]))
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = sp.gammaln(x) + sp.erf(x) + sp.expit(x) + sp.xlogy(x, x) + sp.psi(x)
    assert isinstance(y, nt.Tensor)
    expected = sp.digamma(x.numpy()) + 2 / np.sqrt(np.pi) * np.exp(-x.numpy() ** 2)
    s = sp.expit(x.numpy())
    expected += s * (1 - s) + np.log(x.numpy()) + 1 + sp.polygamma(1, x.numpy())
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected, rtol=1e-13)
    with pytest.raises(TypeError, match="not supported on Tensors"):
        sp.ellipkinc(x, 0.5)  # no row: refused, never a silent constant


def test_import_does_not_import_scipy() -> None:
    from ._support import last_line, run_python

    assert last_line(run_python("import sys, numtape; print('scipy' in sys.modules)")) == "False"


@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "rel_entr", "beta", "betaln"])
def test_float32_with_a_python_float_stays_float32(name) -> None:
    """NumPy's rule (NEP 50) for every op: SciPy's own ufuncs would promote to float64."""
    op = getattr(nt, name)
    x = nt.constant(np.array([0.5, 1.5], np.float32))
    for args in ((x, 2.0), (2.0, x)):
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = op(*args)
        assert y.dtype == np.float32 and tape.gradient(y, x).dtype == np.float32, (name, args)


#: gammasgn's grid: the poles (0, -0, the negative integers), NaN, +-inf, halves and near-integers
#: on both sides of the poles, subnormals, the last non-integers above -2**52 and floats past it.
GAMMASGN_GRID = np.concatenate([
    [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1e-300, -1e-300, 1e308, -1e308, 171.7, -171.5, -170.5],
    -np.arange(0.0, 40.0), -np.arange(0.0, 40.0) - 0.5, np.linspace(-12.0, 6.0, 721),
    np.nextafter(-np.arange(1.0, 12.0), 0.0), np.nextafter(-np.arange(1.0, 12.0), -np.inf),
    [-4503599627370495.5, -4503599627370496.0, -4503599627370497.0, -2.0 ** 53, -1e20, -2251799813685247.5],
])


def _same_bits(got, expected) -> None:
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    np.testing.assert_array_equal(got.view(np.uint64), expected.view(np.uint64))


def test_gammasgn_is_scipys_bit_for_bit_on_every_path() -> None:
    from numtape._kernels import gammafn as GF
    from numtape._kernels import scalar as S
    from numtape._kernels import sweep as K
    from numtape.ops.registry import ELEMENTWISE

    x = GAMMASGN_GRID
    expected = sp.gammasgn(x)
    assert np.isnan(expected[2]) and expected[0] == 1.0 and expected[1] == -1.0  # the grid reaches the edges
    array_path, scalar_path = _values("gammasgn", x)
    _same_bits(array_path, expected)
    _same_bits(scalar_path, expected)
    _same_bits([GF.gammasgn(float(v)) for v in x], expected)  # the formula as plain Python
    K.ensure_compiled()
    code = next(c for c, spec in ELEMENTWISE.items() if spec.name == "gammasgn")
    _same_bits([S.unary(code, float(v)) for v in x], expected)  # the compiled formula
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)  # +-1e308 become +-inf
    y32 = nt.gammasgn(nt.constant(x32))
    assert y32.dtype == np.float32
    _same_bits(y32.numpy(), sp.gammasgn(x32))


def test_gammasgn_records_from_scipy_and_its_derivative_is_zero() -> None:
    x = nt.constant(np.array([-2.5, -1.5, -0.5, 0.5, 3.0]))
    with nt.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with nt.GradientTape() as inner:
            inner.watch(x)
            y = sp.gammasgn(x) * x  # scipy.special.gammasgn on a Tensor records nt.gammasgn
        g = inner.gradient(y, x)
    assert nt.special.gammasgn is nt.gammasgn is nt.math.gammasgn
    np.testing.assert_array_equal(y.numpy(), [2.5, -1.5, 0.5, 0.5, 3.0])  # |x|: gammasgn is sign(x) here
    np.testing.assert_array_equal(g.numpy(), [-1.0, 1.0, -1.0, 1.0, 1.0])  # d(s x)/dx = s, s' = 0
    np.testing.assert_array_equal(outer.gradient(g, x).numpy(), np.zeros(5))
