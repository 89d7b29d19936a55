"""TensorFlow's ``tf.math`` functions that have no NumPy twin, as composite rows (``nt.math.<name>``):
``reduce_euclidean_norm``, ``log_sigmoid``, ``xdivy``, ``divide_no_nan``, ``squared_difference``,
``add_n`` (also ``nt.add_n``), ``polyval``, and ``nt.clip_by_norm``.

The two safe divisions select on a recorded (data) mask and divide by a denominator
that is 1 where the result is not selected, so neither the value nor the gradient
ever sees 0/0; TensorFlow's gradients agree: ``xdivy``'s derivatives are 0 where
x == 0 and ``divide_no_nan``'s where y == 0. ``add_n`` is a chain of recorded adds,
``polyval`` Horner's rule, ``clip_by_norm`` TensorFlow's own formula
``t * clip_norm / maximum(norm, clip_norm)`` with the norm's square root taken only where
the sum of squares is positive (so the gradient at t = 0 is finite, as TensorFlow's).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, greater, maximum, not_equal, softplus, sqrt, square
from .index_maps import operand
from .primitives import where
from .reduce import Axis, euclidean_norm, reduce_sum
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


def _np_add_n(inputs: Sequence[Any]) -> Any:
    return np.sum(np.stack(inputs), axis=0)


@composite(aliases=("math.add_n",), reference=_np_add_n, cases=(
    Case(((3,), (3,), (3,)), pack=lambda *xs: (list(xs),)), Case(((2, 3),), pack=lambda *xs: (list(xs),)),
    Case(((2, 2), (2, 2)), pack=lambda *xs: (list(xs),))),
           convention="linear: every input receives the cotangent")
def add_n(inputs: Sequence[TensorLike], name: Optional[str] = None) -> Tensor:
    """The elementwise sum of a non-empty list of tensors of one shape and dtype (TensorFlow's add_n)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise op_type_error("add_n", "inputs must be a non-empty list of tensors", inputs)
    ts = [operand(x, "add_n") for x in inputs]
    if any(t.shape != ts[0].shape or t.dtype != ts[0].dtype for t in ts):
        raise op_value_error("add_n", "inputs must all have the same shape and dtype", *ts)
    total = ts[0]
    for t in ts[1:]:
        total = total + t
    return total


def _np_polyval(coeffs: Sequence[Any], x: Any) -> Any:
    p = coeffs[0]
    for c in coeffs[1:]:
        p = c + p * x
    return p


@composite(namespace="math", reference=_np_polyval, cases=(
    Case(((), (), (), (5,)), pack=lambda c0, c1, c2, x: ([c0, c1, c2], x)),
    Case(((3,), (), (2, 3), (2, 3)), pack=lambda c0, c1, c2, x: ([c0, c1, c2], x)),
    Case(((4,), (4,)), pack=lambda c0, x: ([c0], x))),
           convention="smooth in the coefficients and x (Horner's rule); one coefficient is a constant "
                      "polynomial, x unused (gradient None), as TensorFlow")
def polyval(coeffs: Sequence[TensorLike], x: TensorLike, name: Optional[str] = None) -> Tensor:
    """``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by Horner's rule (TensorFlow's polyval, highest
    degree first); an empty list gives zeros like x."""
    if not isinstance(coeffs, (list, tuple)):
        raise op_value_error("math.polyval", "coeffs must be a list of tensors", coeffs)
    tx = float_operand(x, "math.polyval")
    if not coeffs:
        return tx * 0.0
    terms = [c if type(c) is float else float_operand(c, "math.polyval") for c in coeffs]
    p = terms[0] if isinstance(terms[0], Tensor) else float_operand(terms[0], "math.polyval")
    for c in terms[1:]:
        p = c + p * tx
    return p


def _np_clip_by_norm(t: Any, clip_norm: Any, axes: Any = None) -> Any:
    norm = np.sqrt(np.sum(t * t, axis=tuple(axes) if isinstance(axes, list) else axes, keepdims=True))
    return t * clip_norm / np.maximum(norm, clip_norm)


def _clip_sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.5, 3.0) if shape == () else rng.standard_normal(shape)


@composite(reference=_np_clip_by_norm, cases=(
    Case(((5,),), dict(clip_norm=1.0)), Case(((5,),), dict(clip_norm=20.0)),
    Case(((3, 4),), dict(clip_norm=1.5, axes=1)), Case(((2, 3, 2),), dict(clip_norm=1.0, axes=[0, 2])),
    Case(((6,), ()), sample=_clip_sample)),
           convention="t * clip_norm / maximum(norm, clip_norm): at norm == clip_norm the gradient is the "
                      "clipping branch's (maximum's first operand, TensorFlow's); at t = 0 it is clip_norm/clip_norm")
def clip_by_norm(t: TensorLike, clip_norm: TensorLike, axes: Axis = None, name: Optional[str] = None) -> Tensor:
    """``t`` scaled so that its L2 norm over ``axes`` (all axes when None) is at most ``clip_norm``
    (TensorFlow's clip_by_norm; ``clip_norm`` a positive scalar)."""
    tt = float_operand(t, "clip_by_norm")
    c = float(clip_norm) if isinstance(clip_norm, (int, float)) and not isinstance(clip_norm, bool) \
        else float_operand(clip_norm, "clip_by_norm")
    if np.ndim(c._v if isinstance(c, Tensor) else c) != 0 or np.any(np.asarray(c._v if isinstance(c, Tensor) else c) < 0):
        raise op_value_error("clip_by_norm", "clip_norm must be a non-negative scalar", tt, clip_norm)
    squares = reduce_sum(square(tt), axes, keepdims=True)
    positive = greater(squares, 0.0)
    norm = where(positive, sqrt(where(positive, squares, 1.0)), squares)
    return tt * c / maximum(norm, c)
