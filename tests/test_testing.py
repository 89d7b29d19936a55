"""The gradient checker rejects wrong derivatives (it can fail) and accepts right ones."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape.testing import check_grads


@nt.custom_gradient
def wrong_sin(x):
    return nt.sin(x), lambda dy: dy * nt.cos(x) * 1.01  # 1% off


@nt.custom_gradient
def sin_with_wrong_second_derivative(x):
    # first derivative right, but written with a constant cosine: its own derivative is 0
    return nt.sin(x), lambda dy: dy * nt.stop_gradient(nt.cos(x))


def test_check_grad_measures_the_error() -> None:
    assert nt.check_grad(lambda x: nt.sin(x) * x, np.array([0.3, 1.2])) < 1e-8
    assert nt.check_grad(wrong_sin, np.array([0.3, 1.2])) > 5e-3


def test_check_grads_rejects_a_wrong_first_derivative() -> None:
    with pytest.raises(AssertionError, match="order 2"):
        check_grads(wrong_sin, np.array([0.3, 1.2]), order=2)


def test_check_grads_rejects_a_wrong_second_derivative() -> None:
    check_grads(sin_with_wrong_second_derivative, np.array([0.3, 1.2]), order=1)
    with pytest.raises(AssertionError, match="order 1"):
        check_grads(sin_with_wrong_second_derivative, np.array([0.3, 1.2]), order=2)


def test_check_grads_accepts_a_right_derivative_to_third_order() -> None:
    check_grads(lambda x, y: nt.exp(x) * nt.sin(y), np.array([0.1, 0.2]), np.array([0.3, -0.4]), order=3)
