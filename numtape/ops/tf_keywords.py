"""TensorFlow's keyword names on elementwise rows whose TensorFlow arguments are not ``x, y``:
``tf.identity(input)``, ``tf.nn.relu(features)``, ``tf.nn.softplus(features)`` (also
``tf.math.softplus``) and ``tf.math.atan2(y, x)``.

The rows' generated ops take ``x`` (and ``name``); here each is wrapped by
:func:`~numtape.ops.tf_signature.tf_signature`, which reads TensorFlow's keyword and passes
positional calls straight through, and the wrapper replaces the op in ``ROW_OPS`` so that
``nt.<name>``, ``nt.math.<name>`` and the rows' aliases (``nt.nn.relu``) are that one wrapper.
``atan2`` is different: TensorFlow names its operands ``y, x`` (first, second), so the
generated op's ``x, y`` would silently read ``atan2(y=a, x=b)`` backwards; its public op is a
function whose own parameters are TensorFlow's (positional calls are unchanged).
Imported by ``numtape.ops`` before it exports ``ROW_OPS``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..tensor import Tensor, TensorLike
from .elementwise import ROW_OPS, atan2 as _atan2
from .tf_signature import SAMPLE_MATRIX, SAMPLE_VECTOR, tf_signature

ROW_OPS["identity"] = tf_signature("identity(input, name=None)", rename={"input": "x"},
                                   example=dict(input=SAMPLE_MATRIX),
                                   reference=lambda input: np.asarray(input))(ROW_OPS["identity"])
ROW_OPS["relu"] = tf_signature("relu(features, name=None)", rename={"features": "x"}, namespaces=("nn",),
                               example=dict(features=SAMPLE_VECTOR),
                               reference=lambda features: np.maximum(features, 0.0))(ROW_OPS["relu"])
ROW_OPS["softplus"] = tf_signature("softplus(features, name=None)", rename={"features": "x"},
                                   namespaces=("nn", "math"), example=dict(features=SAMPLE_MATRIX),
                                   reference=lambda features: np.logaddexp(0.0, features))(ROW_OPS["softplus"])


@tf_signature("atan2(y, x, name=None)", namespaces=("", "math"),
              example=dict(y=SAMPLE_VECTOR, x=(0.5, 0.8, -1.1, -0.3)), reference=lambda y, x: np.arctan2(y, x))
def atan2(y: TensorLike, x: TensorLike, name: Optional[str] = None) -> Tensor:
    """Elementwise arctan(y / x) in the quadrant of (x, y): TensorFlow's ``atan2(y, x)``, NumPy's
    ``arctan2(y, x)``."""
    return _atan2(y, x)


ROW_OPS["atan2"] = atan2
