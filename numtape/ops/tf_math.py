"""TensorFlow's ``tf.math`` functions that have no NumPy twin, as composite rows (``nt.math.<name>``):
``reduce_euclidean_norm``, ``log_sigmoid``, ``xdivy``, ``divide_no_nan``, ``squared_difference``.

The two safe divisions select on a recorded (data) mask and divide by a denominator
that is 1 where the result is not selected, so neither the value nor the gradient
ever sees 0/0; TensorFlow's gradients agree: ``xdivy``'s derivatives are 0 where
x == 0 and ``divide_no_nan``'s where y == 0.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, not_equal, softplus, square
from .primitives import where
from .reduce import Axis, euclidean_norm
from .registry import Case, composite

_BINARY = (Case(((5,), (5,))), Case(((2, 3), (2, 3))), Case(((2, 3), (3,))), Case(((), (2, 2))))


def _denominators(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


@composite(namespace="math", cases=(Case(((5,),)), Case(((2, 3),), dict(axis=1)),
                                    Case(((2, 3),), dict(axis=0, keepdims=True))),
           reference=lambda x, axis=None, keepdims=False: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
           convention="sqrt(sum(x**2)); where the norm is 0 the gradient is 0 (nt.norm's subgradient; "
                      "TensorFlow's is NaN there)")
def reduce_euclidean_norm(input_tensor: TensorLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The Euclidean norm over ``axis`` (all axes when None)."""
    return euclidean_norm(float_operand(input_tensor, "math.reduce_euclidean_norm"), axis, keepdims)


@composite(namespace="math", cases=(Case(((7,),)), Case(((2, 3),))),
           sample=lambda rng, shape: rng.uniform(-30.0, 30.0, shape),
           reference=lambda x: -np.logaddexp(0.0, -x),
           convention="smooth: -softplus(-x), no overflow for large |x|")
def log_sigmoid(x: TensorLike) -> Tensor:
    """log(1 / (1 + exp(-x))), computed as -softplus(-x)."""
    return -softplus(-float_operand(x, "math.log_sigmoid"))


def _np_xdivy(x: Any, y: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x / y)


@composite(namespace="math", cases=_BINARY, sample=_denominators, reference=_np_xdivy,
           convention="0 where x == 0 (also when y == 0), else x / y; both derivatives are 0 where x == 0 "
                      "(TensorFlow's)")
def xdivy(x: TensorLike, y: TensorLike) -> Tensor:
    """x / y, but 0 where x is 0."""
    tx, ty = float_operand(x, "math.xdivy"), float_operand(y, "math.xdivy")
    keep = not_equal(tx, 0.0)
    return where(keep, tx / where(keep, ty, 1.0), 0.0)


def _np_divide_no_nan(x: Any, y: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y))


@composite(namespace="math", cases=_BINARY, sample=_denominators, reference=_np_divide_no_nan,
           convention="0 where y == 0, else x / y; both derivatives are 0 where y == 0 (TensorFlow's)")
def divide_no_nan(x: TensorLike, y: TensorLike) -> Tensor:
    """x / y, but 0 where y is 0."""
    tx, ty = float_operand(x, "math.divide_no_nan"), float_operand(y, "math.divide_no_nan")
    keep = not_equal(ty, 0.0)
    return where(keep, tx / where(keep, ty, 1.0), 0.0)


@composite(namespace="math", cases=_BINARY, reference=lambda x, y: (x - y) ** 2,
           convention="smooth: (x - y)**2")
def squared_difference(x: TensorLike, y: TensorLike) -> Tensor:
    """(x - y)**2, elementwise with broadcasting."""
    return square(float_operand(x, "math.squared_difference") - float_operand(y, "math.squared_difference"))
