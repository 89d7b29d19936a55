"""The one place where numtape's Numba options are set.

Every compiled function of numtape goes through :func:`njit_kernel`:

* a cache of numtape's own (``cache.py``): kernels precompiled into the wheel,
  then a user cache directory keyed by a hash of every kernel file, so a new
  process loads instead of compiling and an edited callee is never served stale.
  When nothing is writable, numtape compiles in memory and says so once (a
  ``NumbaCacheWarning``).
* ``nogil=True``: the sweeps release the GIL, so tapes in several threads run
  their sweeps in parallel.
* ``error_model="numpy"``: 1/0 is inf and 0/0 is NaN, as in IEEE arithmetic,
  instead of a ``ZeroDivisionError``.
* no ``fastmath``: it would change NaN/inf handling and summation order.

Kernels are plain Python functions marked ``@kernel`` in the modules of this
package; :func:`ensure_compiled` replaces each by its dispatcher, in its own
module's namespace, on the first gradient (never at import). Kernels call kernels
of other modules through the module (``S.unary(...)``, ``V.slot_data(...)``), which
Numba resolves to the swapped-in dispatcher; a ``from .scalar import unary`` would
keep the plain function and fail loudly at typing time, never silently. Numba
itself is imported here, lazily, so ``import numtape`` stays cheap.
"""
from __future__ import annotations

import importlib
import sys
import threading
import warnings
from typing import Any, Callable

_OPTIONS = dict(nogil=True, error_model="numpy")
_warned_no_cache = False


class NumbaCacheWarning(UserWarning):
    """Numba could not cache numtape's kernels; they are compiled in every process."""


def njit_kernel(function: Callable[..., Any], parallel: bool = False, inline: bool = False) -> Callable[..., Any]:
    """Compile ``function`` with numtape's options, cached when possible (see :mod:`.cache`)."""
    global _warned_no_cache
    import numba

    from . import cache

    options = dict(_OPTIONS, parallel=True) if parallel else _OPTIONS
    if inline:
        options = dict(options, inline="always")
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


#: Every module of this package that defines kernels, in dependency order.
KERNEL_MODULES = ("gammafn", "betaincfn", "incgammafn", "specialfn", "besselfn", "besselik", "besseljy", "mathfn", "scalar",
                  "views", "elementwise", "structural", "matmul", "arrays",
                  "sweep", "replay")
_REGISTRY: list[tuple[str, str, str]] = []  # (module, function, "plain" | "parallel" | "inline")
_compiled = False
_compile_lock = threading.Lock()  # threads taking their first gradient at once compile once


def kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function for compilation by :func:`ensure_compiled`."""
    _REGISTRY.append((function.__module__, function.__name__, "plain"))
    return function


def inline_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Like :func:`kernel`, inlined into its callers by Numba (``inline="always"``).

    For the small dispatch layers called once per tape entry: a call between compiled
    functions that LLVM does not inline passes every array as ~7 machine words, and a
    sweep that makes several such calls per entry measured 10-15% slower on small
    arrays. Inlining costs compile time at each call site, so only helpers with one or
    two callers are marked.

    It also saves compile time where a helper is a thin layer over a large callee (the
    special functions' wrappers and their single-caller internals): every dispatcher
    links, re-optimises and re-generates machine code for the whole tree of the
    dispatchers it calls, so ``jv = jy_any(v, x)[0]`` as a dispatcher of its own cost as
    much LLVM work as ``jy_any`` itself. Inlined, it is typed once in its caller. Numba
    inlines at the IR level, before LLVM: the float operations are the same.
    """
    _REGISTRY.append((function.__module__, function.__name__, "inline"))
    return function


def parallel_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Like :func:`kernel`, compiled with ``parallel=True`` (its ``prange`` loops use every core)."""
    _REGISTRY.append((function.__module__, function.__name__, "parallel"))
    return function


def ensure_compiled() -> None:
    """Replace every ``@kernel`` function by its Numba dispatcher (once per process).

    Dispatchers compile on their first call; with a warm cache they load instead.
    """
    global _compiled
    if _compiled:
        return
    with _compile_lock:
        if _compiled:
            return
        import numba

        package = __name__.rpartition(".")[0]
        for name in KERNEL_MODULES:
            module = importlib.import_module(f"{package}.{name}")
            if hasattr(module, "prange"):
                module.prange = numba.prange
        for module_name, name, mode in _REGISTRY:
            namespace = sys.modules[module_name].__dict__
            namespace[name] = njit_kernel(namespace[name], parallel=mode == "parallel", inline=mode == "inline")
        _compiled = True
