"""``@njit`` for the hand-written references: cached, so asv's per-benchmark processes load them.

``common`` is imported first so that ``NUMBA_CACHE_DIR`` is set before numba reads it.
"""
from __future__ import annotations

from typing import Any, Callable

from . import common  # noqa: F401  (sets NUMBA_CACHE_DIR)


def njit(function: Callable[..., Any]) -> Callable[..., Any]:
    import numba

    return numba.njit(cache=True, error_model="numpy")(function)
