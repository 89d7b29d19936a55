"""TensorFlow's cross-entropy losses (``nt.nn.*_cross_entropy_with_logits``), as composite rows.

``sigmoid_cross_entropy_with_logits`` uses TF's stable formula
``max(x, 0) - x z + log(1 + exp(-|x|))``, written as TF writes it (two selects on
``x >= 0``), so the gradient at x = 0 is the true one, ``sigmoid(0) - z``. The softmax
losses are ``-sum(labels * log_softmax(logits))`` along the class axis; the sparse one
takes integer class labels (one per row, as a one-hot mask) and refuses labels outside
``[0, classes)`` (TensorFlow's CPU kernel refuses them too). Labels are differentiated
in the dense losses, as in TensorFlow 2.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, _note_escape, wrap
from .elementwise import exp, float_operand, greater_equal, log1p
from .nn import log_softmax
from .primitives import where
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import normalize_axis


def _np_sigmoid_xent(labels: Any, logits: Any) -> Any:
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


def _same_shape(labels: Tensor, logits: Tensor, op: str) -> None:
    if labels.shape != logits.shape:
        raise op_value_error(op, f"labels and logits must have the same shape, got {labels.shape} and "
                                 f"{logits.shape}", labels, logits)


@composite(namespace="nn", cases=(Case(((5,), (5,))), Case(((2, 3), (2, 3)))),
           sample=lambda rng, shape: rng.uniform(-2.0, 2.0, shape), reference=_np_sigmoid_xent,
           convention="smooth in logits x (derivative sigmoid(x) - z, also at x = 0) and linear in labels z "
                      "(derivative -x)")
def sigmoid_cross_entropy_with_logits(labels: TensorLike = None, logits: TensorLike = None) -> Tensor:
    """Elementwise logistic loss ``max(x, 0) - x z + log(1 + exp(-|x|))`` for logits x and labels z."""
    op = "nn.sigmoid_cross_entropy_with_logits"
    z, x = float_operand(labels, op), float_operand(logits, op)
    _same_shape(z, x, op)
    nonnegative = greater_equal(x, 0.0)
    relu_x = where(nonnegative, x, 0.0)
    neg_abs_x = where(nonnegative, -x, x)
    return relu_x - x * z + log1p(exp(neg_abs_x))


def _np_softmax_xent(labels: Any, logits: Any, axis: int = -1) -> Any:
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return -np.sum(labels * log_p, axis=axis)


@composite(namespace="nn", cases=(Case(((4,), (4,))), Case(((2, 3), (2, 3))), Case(((3, 2), (3, 2)), dict(axis=0))),
           reference=_np_softmax_xent,
           convention="smooth: -sum(labels * log_softmax(logits)); the derivative in labels is -log_softmax")
def softmax_cross_entropy_with_logits(labels: TensorLike, logits: TensorLike, axis: int = -1) -> Tensor:
    """Cross entropy between ``labels`` (distributions along ``axis``) and ``softmax(logits)``."""
    op = "nn.softmax_cross_entropy_with_logits"
    z, x = float_operand(labels, op), float_operand(logits, op)
    _same_shape(z, x, op)
    if x.ndim == 0:
        raise op_value_error(op, "logits must have at least one axis", x)
    a = normalize_axis(axis, x.ndim, op)
    return -reduce_sum(z * log_softmax(x, a), a)


def _class_mask(labels: Any, logits: Tensor, op: str) -> Tensor:
    if hasattr(labels, "_read"):
        labels = labels._read()
    if isinstance(labels, Tensor):
        _note_escape(labels, "str")  # a trace guards the labels it read
    value = np.asarray(labels._v if isinstance(labels, Tensor) else labels)
    if value.dtype.kind not in "iu":
        raise op_type_error(op, f"labels must be integers, got dtype {value.dtype}", labels)
    if value.shape != logits.shape[:-1]:
        raise op_value_error(op, f"labels of shape {value.shape} do not match logits of shape {logits.shape} "
                                 f"(labels have the shape of logits without its last axis)", labels, logits)
    classes = logits.shape[-1]
    if value.size and (value.min() < 0 or value.max() >= classes):
        raise op_value_error(op, f"labels must be in [0, {classes}), got values from {value.min()} to "
                                 f"{value.max()}", labels)
    return wrap((value[..., None] == np.arange(classes)).astype(logits.dtype))


def _np_sparse_xent(labels: Any, logits: Any) -> Any:
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return -np.take_along_axis(log_p, np.asarray(labels)[..., None], axis=-1)[..., 0]


@composite(namespace="nn", cases=(Case(((4,),), const=(np.array(2),)), Case(((3, 4),), const=(np.array([0, 3, 1]),))),
           reference=_np_sparse_xent,
           convention="smooth in logits: softmax(logits) - onehot(labels); integer labels are not differentiated")
def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: TensorLike) -> Tensor:
    """Cross entropy of integer class ``labels`` under ``softmax(logits)`` (classes on the last axis)."""
    op = "nn.sparse_softmax_cross_entropy_with_logits"
    x = float_operand(logits, op)
    if x.ndim == 0:
        raise op_value_error(op, "logits must have at least one axis", x)
    return -reduce_sum(_class_mask(labels, x, op) * log_softmax(x, -1), -1)
