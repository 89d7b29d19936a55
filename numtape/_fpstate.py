"""Silence NumPy's floating-point warnings around numtape's own array arithmetic.

numtape follows IEEE arithmetic (1/0 is inf, 0/0 is NaN) without warnings, while
leaving the user's NumPy error state alone outside numtape's calls. ``np.errstate``
costs about 1.3 microseconds per use; setting NumPy's error-state context variable
directly costs 0.2, which matters for small-array ops. If that private variable
moves in a future NumPy, we fall back to ``np.errstate``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar as _contextvar

    with np.errstate(all="ignore"):
        _IGNORE_ALL = _contextvar.get()

    def quietly(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``function(*args, **kwargs)`` with NumPy FP warnings off."""
        token = _contextvar.set(_IGNORE_ALL)
        try:
            return function(*args, **kwargs)
        finally:
            _contextvar.reset(token)

except (ImportError, AttributeError):  # pragma: no cover - depends on NumPy internals

    def quietly(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``function(*args, **kwargs)`` with NumPy FP warnings off."""
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)
