"""Creation ops: float64 constants by default, never recorded."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt


def test_creation_ops() -> None:
    assert nt.ones((2, 3)).shape == (2, 3) and nt.ones(3).dtype == np.float64
    assert nt.zeros((2,), dtype="float32").dtype == np.float32
    np.testing.assert_array_equal(nt.ones_like(nt.constant([1.0, 2.0])).numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(nt.zeros_like(np.ones((2, 2), np.float32)).numpy(), np.zeros((2, 2)))
    assert nt.zeros_like(np.ones(2, np.float32)).dtype == np.float32
    np.testing.assert_array_equal(nt.fill((2, 2), 7).numpy(), np.full((2, 2), 7.0))
    np.testing.assert_allclose(nt.linspace(0.0, 1.0, 5).numpy(), np.linspace(0, 1, 5))
    np.testing.assert_array_equal(nt.range(5).numpy(), np.arange(5.0))
    np.testing.assert_array_equal(nt.range(1, 2, 0.25).numpy(), np.arange(1, 2, 0.25))
    assert nt.range(3).dtype == np.float64 and nt.range(3, dtype="int32").dtype == np.int32


def test_creation_errors() -> None:
    with pytest.raises(ValueError, match="ones"):
        nt.ones((-1, 2))
    with pytest.raises(TypeError, match="zeros"):
        nt.zeros((1.5,))
    with pytest.raises(ValueError, match="range"):
        nt.range(0, 5, 0)
    with pytest.raises(TypeError, match="linspace"):
        nt.linspace(0, 1, -1)
