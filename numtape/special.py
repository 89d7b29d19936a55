"""``nt.special``: SciPy's ``scipy.special`` names, generated from the op table.

Its contents are the rows that name themselves ``special.<name>`` (see numtape/_namespaces.py);
nothing here is written by hand.
"""
from ._namespaces import namespace_contents

_CONTENTS = namespace_contents("special")
globals().update(_CONTENTS)
__all__ = sorted(_CONTENTS)
