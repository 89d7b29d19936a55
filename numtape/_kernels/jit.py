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


def njit_kernel(function: Callable[..., Any], parallel: bool = False) -> Callable[..., Any]:
    """Compile ``function`` with numtape's options, cached when possible (see :mod:`.cache`)."""
    global _warned_no_cache
    import numba

    from . import cache

    options = dict(_OPTIONS, parallel=True) if parallel else _OPTIONS
    dispatcher = numba.njit(**options)(function)
    if dispatcher is function:  # NUMBA_DISABLE_JIT=1: the plain function, nothing to cache
        return dispatcher
    if cache.attach(dispatcher):  # the shipped tier, then the content-keyed local directory
        return dispatcher
    try:  # Numba's internals moved: its own cache, keyed per file
        return numba.njit(cache=True, **options)(function)
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
        return dispatcher
