"""The benchmark workloads compute the right thing: numtape agrees with the hand-written references.

``asv_benchmarks/benchmarks/workloads.py`` times numtape against gradients written by
hand in NumPy and Numba; a wrong reference would make every ratio meaningless. Here
each workload runs at a small size through numtape, the NumPy reference and the
Numba reference's Python body (``py_func``: no compilation in the test suite), and
all must agree. No timing happens here: speed is measured by the asv suite.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "asv_benchmarks")


@pytest.fixture(scope="module")
def W() -> Any:
    sys.path.insert(0, BENCH)
    try:
        return importlib.import_module("benchmarks.workloads")
    finally:
        sys.path.remove(BENCH)


def _flat(g: Any) -> np.ndarray:
    if isinstance(g, (list, tuple)):
        return np.concatenate([_flat(e) for e in g])
    return np.asarray(g, np.float64).reshape(-1)


def _check(nt_result: Any, *references: Any, rtol: float = 1e-10) -> None:
    value, grad = nt_result
    for ref_value, ref_grad in references:
        np.testing.assert_allclose(float(value), ref_value, rtol=rtol)
        np.testing.assert_allclose(_flat(grad), _flat(ref_grad), rtol=rtol, atol=1e-12)


def test_scalar_loop(W: Any) -> None:
    x, n = W.SCALAR_LOOP_X, 50
    _check(W.scalar_loop("numtape", n)(), W.scalar_loop_python(x, n), W.scalar_loop_numba.py_func(x, n))


def test_scalar_loop_gradient_is_the_derivative(W: Any) -> None:
    h = 1e-6
    f = lambda x: W.scalar_loop_python(x, 30)[0]  # noqa: E731
    fd = (f(0.7 + h) - f(0.7 - h)) / (2 * h)
    np.testing.assert_allclose(W.scalar_loop_python(0.7, 30)[1], fd, rtol=1e-6)


@pytest.mark.parametrize("n", [2, 7])
def test_rosenbrock(W: Any, n: int) -> None:
    x = W.rosenbrock_x(n)
    refs = (W.rosenbrock_numpy(x), W.rosenbrock_numba.py_func(x))
    _check(W.rosenbrock_scalar("numtape", n)(), *refs)
    _check(W.rosenbrock_vector("numtape", n)(), *refs)


def test_logistic(W: Any) -> None:
    data = W.logistic_data(60, 7)
    _check(W.logistic("numtape", 60, 7)(), W.logistic_numpy(*data), W.logistic_numba.py_func(*data))


def test_mlp(W: Any) -> None:
    shape = (9, 5, 6, 4)
    data = W.mlp_data(*shape)
    _check(W.mlp("numtape", shape)(), W.mlp_numpy(*data), W.mlp_numba.py_func(*data))


def test_seed(W: Any) -> None:
    x = np.ones((2, 2))
    _check(W.seed("numtape")(), W.seed_numpy(x), W.seed_numba.py_func(x))
    assert float(W.seed("numtape")()[0]) == 16.0


@pytest.mark.parametrize("n", [3, 6])
def test_rosenbrock_hessian(W: Any, n: int) -> None:
    x = W.rosenbrock_x(n)
    H = np.asarray(W.rosenbrock_hessian("numtape", n)())
    np.testing.assert_allclose(H, W.rosenbrock_hessian_numpy(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(H, W.rosenbrock_hessian_numba.py_func(x), rtol=1e-12, atol=1e-9)


def test_implementations_missing_here_are_skips(W: Any) -> None:
    with pytest.raises(NotImplementedError):
        W.scalar_loop("no-such-library")
