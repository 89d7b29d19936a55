"""Neural-network helpers built from primitives: softmax and log_softmax.

Both subtract the (constant) maximum along the axis before exponentiating, so large
logits never overflow; the gradient is unaffected because softmax is invariant to
that shift.
"""
from __future__ import annotations

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import exp, float_operand
from .reduce import max_shift, reduce_logsumexp, reduce_sum
from .shape import normalize_axis


def softmax(logits: TensorLike, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``."""
    t = float_operand(logits, "softmax")
    if t.ndim == 0:
        raise op_value_error("softmax", "logits must have at least one axis", t)
    a = normalize_axis(axis, t.ndim, "softmax")
    e = exp(t - max_shift(t, (a,)))
    return e / reduce_sum(e, a, keepdims=True)


def log_softmax(logits: TensorLike, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``."""
    t = float_operand(logits, "log_softmax")
    if t.ndim == 0:
        raise op_value_error("log_softmax", "logits must have at least one axis", t)
    a = normalize_axis(axis, t.ndim, "log_softmax")
    return t - reduce_logsumexp(t, a, keepdims=True)
