"""TensorFlow's activations (``nt.nn.relu6``, ``elu``, ``selu``, ``gelu``, ``silu``, ``softsign``) and
``l2_loss`` / ``moments``, as composite rows written with elementwise ops.

Kinks follow TensorFlow's gradient kernels: ``relu6`` passes the gradient only where
0 < x < 6 (0 at both kinks: ``relu'(0) = 0``, and ``minimum(6, .)`` gives a tie to the
constant); ``elu``/``selu`` take the linear branch at x = 0 (TF's ``EluGrad`` tests
``output < 0``), so ``elu'(0) = 1`` and ``selu'(0) = scale``. The exponential branch
is computed at ``min(x, 0)``, so it never overflows where it is not selected (an inf
there would turn the select's zero cotangent into NaN).

``gelu(approximate=False)`` is TF's exact form ``x/2 (1 + erf(x/sqrt 2))`` and needs
the ``erf`` row: until that row is registered (before this module is imported), the
exact form raises a TypeError and only the tanh approximation is tested.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import op_type_error
from ..tensor import Tensor, TensorLike
from .elementwise import (
    absolute, expm1, float_operand, greater_equal, minimum, relu, sigmoid, square, tanh,
)
from .primitives import where
from .reduce import reduce_mean, reduce_sum
from .registry import ELEMENTWISE, Case, composite
from .statistics import var

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_UNARY = (Case(((7,),)), Case(((2, 3),)))


def _away_from(*kinks: float) -> Any:
    def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        x = rng.uniform(-3.0, 8.0, shape) if 6.0 in kinks else rng.standard_normal(shape) * 2.0
        for k in kinks:
            x = np.where(np.abs(x - k) < 0.1, k + 0.3, x)
        return x

    return sample


@composite(namespace="nn", cases=_UNARY, sample=_away_from(0.0, 6.0),
           reference=lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
           convention="derivative 1 on 0 < x < 6, else 0; 0 at both kinks x = 0 and x = 6 (TensorFlow)")
def relu6(features: TensorLike) -> Tensor:
    """min(max(x, 0), 6)."""
    return minimum(6.0, relu(float_operand(features, "nn.relu6")))


def _exp_branch(t: Tensor) -> Tensor:
    return expm1(minimum(t, 0.0))


@composite(namespace="nn", cases=_UNARY, sample=_away_from(0.0),
           reference=lambda x: np.where(x >= 0, x, np.expm1(np.minimum(x, 0.0))),
           convention="x for x >= 0, exp(x) - 1 below; elu'(0) = 1 (TensorFlow's EluGrad, both sides agree)")
def elu(features: TensorLike) -> Tensor:
    """Exponential linear unit: x where x >= 0, else exp(x) - 1."""
    t = float_operand(features, "nn.elu")
    return where(greater_equal(t, 0.0), t, _exp_branch(t))


@composite(namespace="nn", cases=_UNARY, sample=_away_from(0.0),
           reference=lambda x: _SELU_SCALE * np.where(x >= 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0.0))),
           convention="scale * (x for x >= 0, alpha (exp(x) - 1) below); selu'(0) = scale, the linear side "
                      "(TensorFlow's SeluGrad)")
def selu(features: TensorLike) -> Tensor:
    """Scaled ELU with TensorFlow's alpha = 1.67326... and scale = 1.05070..."""
    t = float_operand(features, "nn.selu")
    return where(greater_equal(t, 0.0), t * _SELU_SCALE, _exp_branch(t) * (_SELU_SCALE * _SELU_ALPHA))


def _erf_op() -> Any:
    from .. import ops

    return getattr(ops, "erf", None)


def _np_gelu(x: Any, approximate: bool = False) -> Any:
    if approximate:
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


_HAS_ERF = any(spec.name == "erf" and spec.public for spec in ELEMENTWISE.values())
_GELU_CASES = (Case(((7,),), dict(approximate=True)), Case(((2, 3),), dict(approximate=True)))
if _HAS_ERF:
    _GELU_CASES += (Case(((7,),)), Case(((2, 3),), dict(approximate=False)))


@composite(namespace="nn", cases=_GELU_CASES, reference=_np_gelu,
           convention="smooth everywhere; approximate=False is x/2 (1 + erf(x / sqrt 2)) (needs nt.erf), "
                      "approximate=True TF's tanh form")
def gelu(features: TensorLike, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit, exact (erf) or TensorFlow's tanh approximation."""
    t = float_operand(features, "nn.gelu")
    if approximate:
        inner = (t + 0.044715 * (t * square(t))) * math.sqrt(2.0 / math.pi)
        return 0.5 * t * (1.0 + tanh(inner))
    erf = _erf_op()
    if erf is None:
        raise op_type_error("nn.gelu", "approximate=False needs nt.erf, which this numtape does not have "
                                       "(use approximate=True)", features)
    return 0.5 * t * (1.0 + erf(t * (1.0 / math.sqrt(2.0))))


@composite(namespace="nn", aliases=("nn.swish",), cases=_UNARY + (Case(((4,),), dict(beta=0.7)),),
           reference=lambda x, beta=1.0: x / (1.0 + np.exp(-beta * x)),
           convention="smooth everywhere: x * sigmoid(beta x)")
def silu(features: TensorLike, beta: float = 1.0) -> Tensor:
    """Sigmoid linear unit (swish): x * sigmoid(beta * x)."""
    t = float_operand(features, "nn.silu")
    return t * sigmoid(t * beta if beta != 1.0 else t)


@composite(namespace="nn", cases=_UNARY, sample=_away_from(0.0), reference=lambda x: x / (1.0 + np.abs(x)),
           convention="x / (1 + |x|); differentiable at 0 too (derivative 1), whatever |x|'s subgradient")
def softsign(features: TensorLike) -> Tensor:
    """x / (1 + |x|)."""
    t = float_operand(features, "nn.softsign")
    return t / (1.0 + absolute(t))


@composite(namespace="nn", cases=(Case(((5,),)), Case(((2, 3),))), reference=lambda x: np.sum(x * x) / 2.0,
           convention="smooth: sum(x**2) / 2")
def l2_loss(t: TensorLike) -> Tensor:
    """Half the sum of squares, sum(t**2) / 2 (TensorFlow's l2_loss, no square root)."""
    return reduce_sum(square(float_operand(t, "nn.l2_loss"))) * 0.5


@composite(namespace="nn", cases=(Case(((5,),), dict(axes=(0,))), Case(((3, 4),), dict(axes=(0,))),
                                  Case(((2, 3, 4),), dict(axes=(0, 2), keepdims=True))),
           reference=lambda x, axes, shift=None, keepdims=False: (np.mean(x, axis=axes, keepdims=keepdims),
                                                                  np.var(x, axis=axes, keepdims=keepdims)),
           convention="(mean, variance) over axes, the variance divided by n (the mean subtracted first)")
def moments(x: TensorLike, axes: Any, shift: None = None, keepdims: bool = False) -> tuple[Tensor, Tensor]:
    """Mean and variance of ``x`` over ``axes`` (TensorFlow's ``tf.nn.moments``; ``shift`` is unused, as in TF)."""
    t = float_operand(x, "nn.moments")
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    return reduce_mean(t, axes, keepdims=bool(keepdims)), var(t, axes, keepdims=bool(keepdims))
