"""nt.signal.convolve / correlate against scipy.signal: SciPy's output layout for every mode on
every shape pair up to 4 per axis in 1-d and 2-d (and a sample in 3-d), both SciPy methods;
SciPy's errors; dtypes; the gradient against the math; the hint when scipy.signal meets a
differentiated Tensor. First and second derivatives against finite differences are the rows'
generated cases (tests/test_composites.py)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.signal as ss

import numtape as nt

FUNCTIONS = [("convolve", ss.convolve, nt.signal.convolve), ("correlate", ss.correlate, nt.signal.correlate)]


def _shape_pairs():
    for d, sizes in ((1, range(1, 6)), (2, range(1, 5))):
        for n in itertools.product(sizes, repeat=d):
            for m in itertools.product(sizes, repeat=d):
                yield n, m
    rng = np.random.default_rng(3)
    for _ in range(40):
        yield tuple(rng.integers(1, 5, 3)), tuple(rng.integers(1, 5, 3))


def _scipy_outcome(fn, a, v, mode, method):
    try:
        return fn(a, v, mode, method=method)
    except ValueError:
        return None


@pytest.mark.parametrize("name, scipy_fn, nt_fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_layout_and_values_match_scipy_for_every_mode_and_shape(name, scipy_fn, nt_fn) -> None:
    rng = np.random.default_rng(1)
    checked = refused = 0
    for n, m in _shape_pairs():
        a, v = rng.standard_normal(n), rng.standard_normal(m)
        for mode in ("full", "same", "valid"):
            direct, fft = (_scipy_outcome(scipy_fn, a, v, mode, method) for method in ("direct", "fft"))
            assert (direct is None) == (fft is None)
            if direct is None:  # SciPy refuses ('valid' with neither operand the larger in every axis)
                with pytest.raises(ValueError, match="at least as large"):
                    nt_fn(a, v, mode)
                refused += 1
                continue
            got = nt_fn(a, v, mode).numpy()
            assert got.shape == direct.shape, (name, n, m, mode)
            np.testing.assert_allclose(got, direct, rtol=1e-12, atol=1e-13, err_msg=f"{name} {n} {m} {mode}")
            np.testing.assert_allclose(got, fft, rtol=1e-9, atol=1e-12)
            checked += 1
    assert checked > 800 and refused > 30, (checked, refused)  # the loop reached both kinds


@pytest.mark.parametrize("name, scipy_fn, nt_fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_methods_are_accepted_and_give_scipys_values(name, scipy_fn, nt_fn) -> None:
    rng = np.random.default_rng(2)
    a, v = rng.standard_normal((6, 7)), rng.standard_normal((3, 4))
    for method in ("auto", "direct", "fft"):
        np.testing.assert_allclose(nt_fn(a, v, "same", method).numpy(), scipy_fn(a, v, "same", method=method),
                                   rtol=1e-10, atol=1e-12)


ERRORS = [  # (in1, in2, keywords): SciPy raises ValueError for each
    (np.ones((3, 3)), np.ones(3), {}),                            # dimensionalities differ
    (np.ones(3), np.ones(3), dict(mode="circular")),
    (np.ones(3), np.ones(3), dict(method="overlap")),
    (np.ones((3, 4)), np.ones((4, 3)), dict(mode="valid")),       # neither is the larger in every axis
    (np.ones((0, 3)), np.ones((2, 2)), {}),                       # empty
]


@pytest.mark.parametrize("name, scipy_fn, nt_fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_raises_where_scipy_raises(name, scipy_fn, nt_fn, k) -> None:
    a, v, kwargs = ERRORS[k]
    with pytest.raises((ValueError, IndexError)):
        scipy_fn(a, v, **kwargs)
    with pytest.raises(ValueError, match=f"numtape.signal.{name}"):
        nt_fn(nt.constant(a), nt.constant(v), **kwargs)


@pytest.mark.parametrize("name, scipy_fn, nt_fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_integer_operands_are_constants_beside_a_float_one_and_complex_raises(name, scipy_fn, nt_fn) -> None:
    integers = [np.arange(3), np.ones(3, bool), [1, 2, 3], nt.constant(np.arange(3), dtype=np.int64),
                nt.constant(np.ones(3, bool), dtype=bool)]
    signal = np.array([0.5, -1.0, 2.0, 0.25])
    for x in integers:
        for order in (1, -1):
            t = nt.constant(signal)
            with nt.GradientTape() as tape:
                tape.watch(t)
                y = nt_fn(*(t, x)[::order])
                loss = nt.reduce_sum(y * y)
            expected = scipy_fn(*(signal, np.asarray(x))[::order])
            assert y.dtype == expected.dtype == np.float64
            np.testing.assert_allclose(y.numpy(), expected, rtol=1e-14)
            step = 1e-6 * np.eye(4)
            numeric = [(np.sum(scipy_fn(*(signal + e, np.asarray(x))[::order]) ** 2)
                        - np.sum(scipy_fn(*(signal - e, np.asarray(x))[::order]) ** 2)) / 2e-6 for e in step]
            np.testing.assert_allclose(tape.gradient(loss, t).numpy(), numeric, rtol=1e-7, atol=1e-8)
        with pytest.raises(TypeError, match=f"numtape.signal.{name}: expected a float operand"):
            nt_fn(x, np.arange(2))  # integers only: SciPy's result is an integer array
    for args in ((np.ones(3, complex), np.ones(2)), (nt.constant(np.ones(2)), np.ones(3, complex))):
        with pytest.raises(TypeError, match=f"numtape.signal.{name}: complex"):
            nt_fn(*args)


@pytest.mark.parametrize("name, scipy_fn, nt_fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_dtypes_and_zero_dimensional_operands_follow_scipy(name, scipy_fn, nt_fn) -> None:
    a32, v32 = np.arange(1.0, 5.0, dtype=np.float32), np.array([1.0, -2.0], np.float32)
    assert nt_fn(a32, v32).dtype == scipy_fn(a32, v32).dtype == np.float32
    assert nt_fn(a32, v32.astype(np.float64)).dtype == scipy_fn(a32, v32.astype(np.float64)).dtype == np.float64
    np.testing.assert_array_equal(nt_fn(a32, v32).numpy(), scipy_fn(a32, v32))
    assert nt_fn(np.array(2.0), np.array(3.0), mode="bogus").numpy() == scipy_fn(np.array(2.0), np.array(3.0),
                                                                                   mode="bogus") == 6.0


def test_gradient_of_a_convolution_is_a_correlation_of_the_cotangent() -> None:
    """d/da <w, convolve(a, v, 'full')> = correlate(w, v, 'valid'), and likewise in v (the math)."""
    rng = np.random.default_rng(4)
    a, v = rng.standard_normal((4, 5, 3)), rng.standard_normal((2, 3, 2))
    w = rng.standard_normal((5, 7, 4))
    ta, tv = nt.constant(a), nt.constant(v)
    with nt.GradientTape() as tape:
        tape.watch([ta, tv])
        loss = nt.reduce_sum(nt.signal.convolve(ta, tv) * w)
    ga, gv = tape.gradient(loss, [ta, tv])
    np.testing.assert_allclose(ga.numpy(), ss.correlate(w, v, "valid"), rtol=1e-12)
    np.testing.assert_allclose(gv.numpy(), ss.correlate(w, a, "valid"), rtol=1e-12)


def test_scipy_signal_on_a_differentiated_tensor_names_the_nt_function() -> None:
    x = nt.constant(np.ones((3, 3)))
    with nt.GradientTape() as tape:
        tape.watch(x)
        for name in ("convolve", "correlate"):
            with pytest.raises(TypeError, match=f"scipy.signal.{name}: use nt.signal.{name}"):
                getattr(ss, name)(x, np.ones((2, 2)))


def test_lists_holding_tensors_and_variables_are_operands() -> None:
    x, y = nt.constant(1.0), nt.constant(2.0)
    w = nt.Variable(np.array([1.0, -1.0, 0.5]))
    with nt.GradientTape() as tape:
        tape.watch([x, y, w])
        z = nt.signal.correlate([x, y, 3.0, x], w, mode="valid")  # [x - y + 1.5, y - 3 + x / 2]
        total = nt.reduce_sum(z)
    np.testing.assert_allclose(z.numpy(), ss.correlate([1.0, 2.0, 3.0, 1.0], [1.0, -1.0, 0.5], "valid"))
    gx, gy, gw = tape.gradient(total, [x, y, w])
    assert (gx.numpy(), gy.numpy()) == (1.5, 0.0)
    np.testing.assert_allclose(gw.numpy(), [3.0, 5.0, 4.0])  # the sums of the windows
