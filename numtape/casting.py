"""``nt.cast(x, dtype)``: TensorFlow's dtype conversion, as a composite row.

Between float dtypes the cast is differentiable and its gradient is the cotangent cast
back: float32 -> float64 is recorded as ``x + 0`` with a float64 zero (exact, and the
tape gives the float32 operand a float32 gradient); float64 -> float32 is a custom
gradient whose VJP is that widening, so outer tapes record it (higher order works).
To an integer or bool dtype the cast is data, as in TensorFlow (no gradient: None),
truncating toward zero and refusing values that do not fit (never a silent wrap).
From an integer or bool Tensor the result is a constant. This module sits above
``custom_gradient``, so ``numtape/__init__`` exports the row.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._fpstate import quietly
from .custom_gradient import custom_gradient
from .errors import op_type_error
from .ops.elementwise import add
from .ops.registry import Case, composite
from .tensor import Tensor, TensorLike, _check_dtype, _note_escape, as_operand, to_value, wrap
from .ops.tf_signature import SAMPLE_MATRIX, tf_signature

_F64 = np.dtype(np.float64)


def _widen(t: Tensor) -> Tensor:
    return add(t, np.zeros(t.shape, _F64))


@custom_gradient
def _narrow(x: Tensor) -> Any:
    y = wrap(quietly(np.asarray(x._v).astype, np.float32))  # beyond float32's range is inf, as NumPy

    def grad(dy: Tensor) -> Tensor:
        return _widen(dy)

    return y, grad


# values only here (orders=0): a float32 output fails central differences in float64, and the
# generated float32 test wants float32 out; tests/test_namespaces.py proves the gradients
@composite(cases=(Case(((2, 3),), dict(dtype="float32"), orders=0), Case(((5,),), dict(dtype=np.int32), orders=0),
                  Case(((2, 2),), dict(dtype="int64"), orders=0), Case(((4,),), dict(dtype=bool), orders=0)),
           reference=lambda x, dtype: np.asarray(x).astype(dtype),
           convention="float <-> float: the gradient is the cotangent cast back; to an integer or bool dtype: "
                      "data, gradient None (TensorFlow); ints truncate toward zero")
@tf_signature("cast(x, dtype, name=None)", example=dict(x=SAMPLE_MATRIX, dtype="float32"),
              reference=lambda x, dtype: np.asarray(x, dtype), differentiable=False)
def cast(x: TensorLike, dtype: Any) -> Tensor:
    """``x`` converted to ``dtype`` (TensorFlow's tf.cast); the same dtype returns ``x`` itself."""
    wanted = _check_dtype(dtype, "cast")
    if wanted is None:
        raise op_type_error("cast", "a dtype is required", x)
    t = as_operand(x, "cast")
    if t.dtype == wanted:
        return t
    if wanted.kind == "f" and t.dtype.kind == "f":
        return _widen(t) if wanted == _F64 else _narrow(t)
    _note_escape(t, "str")  # data from the value: a trace guards it
    return wrap(to_value(t._v, "cast", wanted))
