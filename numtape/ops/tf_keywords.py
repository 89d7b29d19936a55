"""TensorFlow's keyword names on elementwise rows whose TensorFlow argument is not ``x``:
``tf.identity(input)``, ``tf.nn.relu(features)``, ``tf.nn.softplus(features)`` (also
``tf.math.softplus``).

The rows' generated ops take ``x`` (and ``name``); here each is wrapped by
:func:`~numtape.ops.tf_signature.tf_signature`, which reads TensorFlow's keyword and passes
positional calls straight through, and the wrapper replaces the op in ``ROW_OPS`` so that
``nt.<name>``, ``nt.math.<name>`` and the rows' aliases (``nt.nn.relu``) are that one wrapper.
Imported by ``numtape.ops`` before it exports ``ROW_OPS``.
"""
from __future__ import annotations

import numpy as np

from .elementwise import ROW_OPS
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
