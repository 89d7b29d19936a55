"""``nt.math``: TensorFlow's ``tf.math`` names (every public elementwise function, the reductions TF names ``reduce_variance`` ...), generated from the op table.

Its contents are the rows that name themselves ``math.<name>`` (see numtape/_namespaces.py);
nothing here is written by hand.
"""
from ._namespaces import namespace_contents

_CONTENTS = namespace_contents("math")
globals().update(_CONTENTS)
__all__ = sorted(_CONTENTS)
