"""np.cross's keywords on Tensors: where NumPy raises, numtape raises (the same kind of error,
naming np.cross); where NumPy answers, the generated cases of the row (tests/test_composites.py)
check the values and the first and second derivatives against finite differences."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtape as nt

REFUSED = [  # (shape of a, shape of b, keywords) that np.cross refuses
    ((3, 4), (3, 4), dict(axis=2)),          # axis out of bounds
    ((3,), (3,), dict(axisa=-2)),
    ((3, 4), (4, 3), dict(axisb=-3)),
    ((3, 4), (3, 4), dict(axis=1)),          # 4-vectors
    ((3, 2), (3, 4), dict(axisa=0, axisb=0)),
    ((3, 3), (3, 2), dict(axisc=2)),         # axisc out of bounds for the 3-vector result
    ((4, 3), (5, 3), {}),                    # the other axes do not broadcast
    ((3, 5), (3, 4), dict(axis=0)),
    ((), (3,), {}),                          # a 0-d operand
    ((3,), (3,), dict(axisa=1.0)),           # not an integer (TypeError)
]


def _numpy_error(a, b, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            np.cross(a, b, **kwargs)
        except (TypeError, ValueError) as error:
            return error
    return None


@pytest.mark.parametrize("sa, sb, kwargs", REFUSED, ids=[f"{a}-{b}-{k}" for a, b, k in REFUSED])
def test_cross_raises_where_numpy_raises(sa, sb, kwargs) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    expected = _numpy_error(a, b, kwargs)
    assert expected is not None, "NumPy accepts this case: the test is wrong"
    kind = TypeError if isinstance(expected, TypeError) else ValueError
    for call in (lambda x, y: nt.cross(x, y, **kwargs), lambda x, y: np.cross(x, y, **kwargs)):
        with pytest.raises(kind, match="np.cross"):
            call(nt.constant(a), nt.constant(b))


def test_cross_with_axes_records_and_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 4, 3))
    x, y = nt.constant(a), nt.constant(b)
    with nt.GradientTape() as tape:
        tape.watch([x, y])
        c = np.cross(x, y, axisa=0, axisc=1)  # NumPy's function on Tensors records the row
        loss = nt.reduce_sum(c * c)
    expected = np.cross(a, b, axisa=0, axisc=1)
    assert isinstance(c, nt.Tensor) and c.shape == expected.shape == (5, 3, 4)
    np.testing.assert_allclose(c.numpy(), expected, rtol=1e-15)
    ga, gb = tape.gradient(loss, [x, y])
    # d/da of |a x b|^2 = 2 (b x (a x b)) summed over the batch, written with NumPy's cross itself
    ab = np.cross(np.moveaxis(a, 0, -1), b)
    np.testing.assert_allclose(ga.numpy(), np.moveaxis((2 * np.cross(b, ab)).sum(axis=0), -1, 0), rtol=1e-12)
    np.testing.assert_allclose(gb.numpy(), 2 * np.cross(ab, np.moveaxis(a, 0, -1)), rtol=1e-12)
