"""Axis arguments against NumPy, generated: every axis-taking function on Tensors either gives
NumPy's values or raises where NumPy raises (an axis out of range, the same axis twice).

Found by this test: a reduction over ``axis=(0, 0)`` or ``(1, -2)`` of a rank-3 tensor reduced
axis 0 (or 1) once and returned a value where NumPy, TensorFlow and JAX raise.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.special
from hypothesis import given
from hypothesis import strategies as st

import numtape as nt

from .test_fuzz import fuzz_settings

REDUCTIONS = {
    "sum": np.sum, "mean": np.mean, "std": np.std, "var": np.var, "max": np.max, "min": np.min,
    "prod": np.prod, "ptp": np.ptp, "nansum": np.nansum, "nanmean": np.nanmean, "median": np.median,
    "nanmax": np.nanmax, "nanmin": np.nanmin, "nanprod": np.nanprod, "nanstd": np.nanstd, "nanvar": np.nanvar,
    "nanmedian": np.nanmedian, "nanargmax": np.nanargmax, "nanargmin": np.nanargmin,
    "average": np.average, "logsumexp": scipy.special.logsumexp, "nt.special.logsumexp": scipy.special.logsumexp,
    "quantile": lambda a, axis: np.quantile(a, 0.3, axis=axis),
    "norm": lambda a, axis: np.linalg.norm(a, axis=axis),
    "squeeze": lambda a, axis: np.squeeze(a, axis=axis), "expand_dims": np.expand_dims,
    "flip": lambda a, axis: np.flip(a, axis=axis), "roll": lambda a, axis: np.roll(a, 1, axis=axis),
}

NUMTAPE = {"nt.special.logsumexp": nt.special.logsumexp}  # else the NumPy/SciPy function is called on the Tensor


@st.composite
def _cases(draw):
    shape = tuple(draw(st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=4)))
    rank = len(shape)
    axis = draw(st.one_of(st.integers(-rank - 1, rank),
                          st.lists(st.integers(-rank - 1, rank), min_size=1, max_size=3).map(tuple)))
    return draw(st.sampled_from(sorted(REDUCTIONS))), shape, axis


def _numpy_outcome(function, a, axis):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.asarray(function(a, axis=axis), float), None
        except (ValueError, TypeError, IndexError) as error:  # np.exceptions.AxisError is both
            return None, error


@fuzz_settings(300)
@given(case=_cases())
def test_axis_arguments_give_numpy_values_or_raise_where_numpy_raises(case) -> None:
    name, shape, axis = case
    function = REDUCTIONS[name]
    a = np.random.default_rng(len(shape)).uniform(0.5, 2.0, shape)
    expected, numpy_error = _numpy_outcome(function, a, axis)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = NUMTAPE.get(name, function)(nt.constant(a), axis=axis)
    except (ValueError, TypeError) as error:
        assert numpy_error is not None, f"{name}(shape {shape}, axis={axis}) refused: {error}"
        # numtape's message, or NumPy's own where SciPy's Python code calls NumPy on the Tensor
        assert str(error).startswith("numtape") or name == "logsumexp", error
        return
    assert numpy_error is None, f"{name}(shape {shape}, axis={axis}): NumPy raises {numpy_error!r}, numtape did not"
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), expected, rtol=1e-12)


def test_the_same_axis_twice_is_refused_by_name() -> None:
    x = nt.constant(np.ones((2, 3)))
    for call in (lambda: nt.reduce_sum(x, axis=[1, -1]), lambda: np.mean(x, axis=(0, 0)),
                 lambda: nt.math.reduce_std(x, axis=(0, -2))):
        try:
            call()
        except ValueError as error:
            assert "names an axis twice" in str(error), error
        else:
            raise AssertionError("a duplicate axis was accepted")
