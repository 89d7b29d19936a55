"""``nt.stats``: ``scipy.stats``-style distributions, generated from the op table.

Its contents are the rows that name themselves ``stats.<distribution>_<method>`` (``nt.stats.norm_logpdf``)
and, built from exactly those rows, the distribution objects with SciPy's spelling
(``nt.stats.norm.logpdf(x, loc=0, scale=1)``; see numtape/_namespaces.py). Nothing here is written by hand.
"""
from ._namespaces import distributions as _distributions
from ._namespaces import namespace_contents

_CONTENTS = {**namespace_contents("stats"), **_distributions("stats")}
globals().update(_CONTENTS)
__all__ = sorted(_CONTENTS)
