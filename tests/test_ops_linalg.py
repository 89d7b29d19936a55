"""Linear algebra: values against NumPy's matmul, dot, tensordot and TF's trace."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

R = np.random.default_rng(0)


@pytest.mark.parametrize(
    "a, b",
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
     ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((2, 1, 2, 3), (3, 3, 4))],
    ids=str,
)
def test_matmul_matches_numpy(a, b) -> None:
    x, y = R.standard_normal(a), R.standard_normal(b)
    np.testing.assert_allclose((nt.constant(x) @ nt.constant(y)).numpy(), x @ y, rtol=1e-12)


@pytest.mark.parametrize("a, b", [((), (3,)), ((3,), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3,)),
                                  ((2, 2, 3), (3, 2)), ((2, 3), (4, 3, 2))], ids=str)
def test_dot_matches_numpy(a, b) -> None:
    x, y = R.standard_normal(a), R.standard_normal(b)
    np.testing.assert_allclose(nt.dot(nt.constant(x), nt.constant(y)).numpy(), np.dot(x, y), rtol=1e-12)


def test_tensordot_and_trace() -> None:
    x, y = R.standard_normal((2, 3, 4)), R.standard_normal((4, 3, 5))
    np.testing.assert_allclose(nt.tensordot(nt.constant(x), nt.constant(y), ([1, 2], [1, 0])).numpy(),
                               np.tensordot(x, y, ([1, 2], [1, 0])), rtol=1e-12)
    m = R.standard_normal((2, 3, 3))
    np.testing.assert_allclose(nt.trace(nt.constant(m)).numpy(), np.trace(m, axis1=1, axis2=2))


def test_matmul_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\) @ \(4, 5\)"):
        nt.matmul(nt.ones((2, 3)), nt.ones((4, 5)))
    with pytest.raises(ValueError, match="matmul"):
        nt.matmul(nt.ones((2, 2, 3)), nt.ones((3, 3, 4)))


def test_linalg_operands_that_are_lists_holding_tensors_are_differentiated() -> None:
    x = nt.constant(3.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        square = nt.matmul([[x]], [[x]])  # x^2; TF: 6 at x = 3
        inner = nt.dot([x, 1.0], (x, x))  # x^2 + x
        quad = nt.matmul([[x, 0.0], [1.0, x]], np.array([[1.0], [2.0]]))  # [x, 1 + 2x]
    assert square.shape == (1, 1) and tape.gradient(square, x).numpy() == 6.0
    assert tape.gradient(inner, x).numpy() == 7.0
    assert tape.gradient(quad, x).numpy() == 3.0
