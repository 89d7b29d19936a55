"""``nt.signal``: SciPy's ``scipy.signal`` names (``convolve``, ``correlate``), generated from the op table.

Its contents are the rows that name themselves ``signal.<name>`` (see numtape/_namespaces.py);
nothing here is written by hand.
"""
from ._namespaces import namespace_contents

_CONTENTS = namespace_contents("signal")
globals().update(_CONTENTS)
__all__ = sorted(_CONTENTS)
