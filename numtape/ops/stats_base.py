"""Shared pieces of the ``nt.stats`` rows: operands, SciPy's conventions for invalid parameters and
points outside the support, references and test samplers.

SciPy's ``rv_continuous``/``rv_discrete`` methods return NaN where a parameter is invalid
(``scale <= 0``, ``df <= 0``, a NaN), the value at the edge of the support outside it (``-inf``
for a log density, 0 for a density), and the formula elsewhere. The rows do the same with two
recorded selects (:func:`scipy_conventions`); before the formula runs, every invalid parameter
and every point outside the support is replaced by a harmless value (:func:`safe`), so the
unselected branch is finite and its zero cotangent stays zero (never ``0 * inf = NaN`` in a
gradient). The masks are comparisons, recorded as data, so ``nt.function`` replays recompute them.

Python numbers and integer arrays (the defaults ``loc=0, scale=1``, integer counts) are weak, as
in NumPy: they take the dtype of the float arguments, so float32 in gives float32 out.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..tensor import Tensor
from .elementwise import (
    equal, floor, float_operand, greater, greater_equal, less, less_equal, maximum, multiply, not_equal,
)
from .elementwise import stop_gradient_op
from .primitives import where

LOG_2PI = float(np.log(2.0 * np.pi))


def _weak(value: Any) -> bool:
    """A Python number or a non-float array: it takes the dtype of the float arguments."""
    if isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, Tensor) or hasattr(value, "_read"):
        return False
    return np.asarray(value).dtype.kind in "biu"


def operands(op: str, *values: Any) -> list[Tensor]:
    """The arguments as float Tensors; weak ones (numbers, integer arrays) in the floats' dtype."""
    strong = [float_operand(v, op).dtype for v in values if not _weak(v)]
    dtype = np.result_type(*strong) if strong else np.dtype(np.float64)
    return [float_operand(np.asarray(v, dtype) if _weak(v) else v, op) for v in values]


def data(t: Tensor) -> Tensor:
    """``t`` recorded as data (an integer count or a shift): never differentiated."""
    return stop_gradient_op(t)


def both(*masks: Tensor) -> Tensor:
    """The elementwise "and" of 0/1 masks."""
    out = masks[0]
    for m in masks[1:]:
        out = multiply(out, m)
    return out


def either(*masks: Tensor) -> Tensor:
    """The elementwise "or" of 0/1 masks."""
    out = masks[0]
    for m in masks[1:]:
        out = maximum(out, m)
    return out


def positive(t: Tensor) -> Tensor:
    return greater(t, 0.0)


def nonnegative(t: Tensor) -> Tensor:
    return greater_equal(t, 0.0)


def not_integer(t: Tensor) -> Tensor:
    """1 where ``t`` is not an integer (NaN counts as an integer here, so it reaches the formula)."""
    return less(equal(floor(t), t) + not_equal(t, t), 0.5)  # not_equal(t, t): NaN


def outside_interval(t: Tensor, low: float, high: float) -> Tensor:
    """1 where ``t < low`` or ``t > high`` (NaN is inside, so it propagates through the formula)."""
    return either(less(t, low), greater(t, high))


def unit_interval(t: Tensor) -> Tensor:
    """1 where ``0 <= t <= 1``."""
    return both(greater_equal(t, 0.0), less_equal(t, 1.0))


def safe(valid: Tensor, t: Tensor, value: float = 1.0) -> Tensor:
    """``t`` where ``valid``, else ``value``: the formula never sees an invalid argument."""
    return where(valid, t, value)


def scipy_conventions(value: Tensor, valid: Tensor, outside: Any = None, edge: float = -np.inf) -> Tensor:
    """SciPy's result: NaN where a parameter is invalid, ``edge`` outside the support, else ``value``."""
    if outside is not None:
        value = where(outside, edge, value)
    return where(valid, value, np.nan)


def scipy_reference(distribution: str, method: str) -> Callable[..., Any]:
    """``scipy.stats.<distribution>.<method>``, imported when a test calls it (never at start-up)."""

    def reference(*args: Any, **kwargs: Any) -> Any:
        import scipy.stats

        return getattr(getattr(scipy.stats, distribution), method)(*args, **kwargs)

    reference.__name__ = f"{distribution}.{method}"
    reference.__module__ = "scipy.stats"
    return reference


def positive_sample(low: float = 0.5, high: float = 3.0) -> Callable[[np.random.Generator, tuple], np.ndarray]:
    """A test sampler of values in ``[low, high]`` (scales, shapes, degrees of freedom)."""
    return lambda rng, shape: rng.uniform(low, high, shape)
