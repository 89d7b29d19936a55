"""``nt.nn``: TensorFlow's ``tf.nn`` names (activations, losses, ``moments``), generated from the op table.

Its contents are the rows that name themselves ``nn.<name>`` (see numtape/_namespaces.py);
nothing here is written by hand.
"""
from ._namespaces import namespace_contents

_CONTENTS = namespace_contents("nn")
globals().update(_CONTENTS)
__all__ = sorted(_CONTENTS)
