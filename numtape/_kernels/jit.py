"""The one place where numtape's Numba options are set.

Every compiled function of numtape goes through :func:`njit_kernel`:

* ``cache=True``: compiled code is written next to the source (or to
  ``NUMBA_CACHE_DIR``) so a new process loads it instead of compiling again.
  When no cache location is writable (a read-only install), numtape compiles
  without caching and says so once (a ``NumbaCacheWarning``).
* ``nogil=True``: the sweeps release the GIL, so tapes in several threads run
  their sweeps in parallel.
* ``error_model="numpy"``: 1/0 is inf and 0/0 is NaN, as in IEEE arithmetic,
  instead of a ``ZeroDivisionError``.
* no ``fastmath``: it would change NaN/inf handling and summation order.

Numba itself is imported here, lazily, the first time a kernel is needed, so
``import numtape`` stays cheap.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

_OPTIONS = dict(nogil=True, error_model="numpy")
_warned_no_cache = False


class NumbaCacheWarning(UserWarning):
    """Numba could not cache numtape's kernels; they are compiled in every process."""


def njit_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``function`` with numtape's options, cached when possible."""
    global _warned_no_cache
    import numba
    from numba.core.dispatcher import Dispatcher

    if isinstance(function, Dispatcher):
        # Several threads may run ensure_compiled() at once (their first gradients): one of
        # them has already replaced this kernel by its dispatcher, which is what we want.
        return function
    try:
        return numba.njit(cache=True, **_OPTIONS)(function)
    except RuntimeError as error:  # "cannot cache function ...: no locator available"
        if not _warned_no_cache:
            _warned_no_cache = True
            warnings.warn(
                f"numtape: Numba cannot cache compiled kernels ({error}); they will be "
                "compiled in every new process. Set NUMBA_CACHE_DIR to a writable "
                "directory to avoid this.",
                NumbaCacheWarning,
                stacklevel=2,
            )
        return numba.njit(cache=False, **_OPTIONS)(function)
