"""Neural-network helpers built from primitives: softmax and log_softmax (composite rows, also
``nt.nn.softmax`` and ``nt.nn.log_softmax``).

Both subtract the (constant) maximum along the axis before exponentiating, so large
logits never overflow; the gradient is unaffected because softmax is invariant to
that shift.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import exp, float_operand
from .reduce import max_shift, reduce_logsumexp, reduce_sum
from .registry import Case, composite
from .shape import normalize_axis

_CASES = (Case(((5,),)), Case(((2, 3),), dict(axis=0)), Case(((2, 3, 4),), dict(axis=1)))


def _np_log_softmax(x: Any, axis: int = -1) -> Any:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _np_softmax(x: Any, axis: int = -1) -> Any:
    return np.exp(_np_log_softmax(x, axis))


@composite(aliases=("nn.softmax", "math.softmax"), cases=_CASES, reference=_np_softmax,
           convention="smooth everywhere; the constant shift by the maximum passes no gradient (softmax is "
                      "invariant to it)")
def softmax(logits: TensorLike, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``."""
    t = float_operand(logits, "softmax")
    if t.ndim == 0:
        raise op_value_error("softmax", "logits must have at least one axis", t)
    a = normalize_axis(axis, t.ndim, "softmax")
    e = exp(t - max_shift(t, (a,)))
    return e / reduce_sum(e, a, keepdims=True)


@composite(aliases=("nn.log_softmax", "math.log_softmax"), cases=_CASES, reference=_np_log_softmax,
           convention="smooth everywhere; x - logsumexp(x), the maximum subtracted first")
def log_softmax(logits: TensorLike, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``."""
    t = float_operand(logits, "log_softmax")
    if t.ndim == 0:
        raise op_value_error("log_softmax", "logits must have at least one axis", t)
    a = normalize_axis(axis, t.ndim, "log_softmax")
    return t - reduce_logsumexp(t, a, keepdims=True)
