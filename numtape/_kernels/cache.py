"""Where numtape's compiled kernels are kept: a shipped tier and a content-keyed local tier.

Every kernel dispatcher gets a :class:`KernelCache` (``dispatcher._cache``) with two tiers:

1. **Shipped** (``_precompiled/<cpu>/`` beside this file, read-only is fine): kernels compiled
   when the wheel was built, for a portable CPU (``x86-64-v3``, ``generic``). Used only when its
   manifest matches this process: the same Numba, llvmlite and Python, the same kernel sources
   (a hash of every ``_kernels/*.py``), a host that has the CPU's features, and no setting that
   asks for other code (``NUMBA_BOUNDSCHECK``, ``NUMBA_OPT`` other than 3, ``NUMBA_DEBUGINFO``,
   ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES``, ``NUMTAPE_PRECOMPILED=0``). Its entries are keyed
   on the portable CPU name instead of the host's (Numba's key pins the exact host CPU).
2. **Local** (a user cache directory): whatever the shipped tier does not have is compiled for
   the host and saved in ``<root>/kernels-<key>/``, where ``<key>`` hashes the kernel sources,
   the Numba/llvmlite/Python versions and the code-changing settings. So an edit to any kernel
   file (a callee in another file included, which Numba's own cache misses) gets a new
   directory, and a clone and an installed copy of the same version share one compile.
   ``<root>``: ``$NUMTAPE_CACHE_DIR``, else ``$NUMBA_CACHE_DIR/numtape``, else the user cache
   directory (``$XDG_CACHE_HOME/numtape`` or ``~/.cache/numtape``), the first that is writable.
   When none is, kernels compile in memory and a ``NumbaCacheWarning`` says so once.

This uses ``numba.core.caching`` internals (checked against Numba 0.68); :func:`attach` returns
False when they are missing, and the caller falls back to Numba's plain ``cache=True``.

Compiles are visible: when one takes more than a second, one line goes to stderr (once per
process; ``NUMTAPE_QUIET=1`` silences it), and ``NUMTAPE_LOG_COMPILES=1`` logs every kernel
compile (the wheel tests count them).

Nothing of numtape is imported here; Numba is imported only by the functions that need it.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import inspect
import json
import os
import sys
import threading
import time
import warnings
from typing import Any, Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
PRECOMPILED = os.path.join(HERE, "_precompiled")
TIER_PREFERENCE = ("x86-64-v3", "generic")  # the best first; a host takes the first it can run
MANIFEST = "manifest.json"
BUILD_INTO = "_NUMTAPE_BUILD_INTO"  # set by build_cache for its children: save here, load nothing shipped
_PRUNE_AFTER_S = 30 * 86400  # local kernel directories unused this long are removed when a new one is made


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def kernel_source_hash(directory: str = HERE) -> str:
    """sha256 of every ``*.py`` file of ``directory`` (names and contents, sorted by name)."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py"):
            with open(os.path.join(directory, name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read() + b"\0")
    return digest.hexdigest()


def runtime_identity() -> dict:
    """What compiled code depends on besides the sources: Numba, llvmlite, Python, platform."""
    import platform

    import llvmlite
    import numba

    return dict(numba=numba.__version__, llvmlite=llvmlite.__version__,
                python="%s-%d.%d%s" % (sys.implementation.name, *sys.version_info[:2], getattr(sys, "abiflags", "")),
                machine=platform.machine(), system=platform.system())


def _code_settings() -> dict:
    """Numba settings that change the generated code (part of the local key; the shipped tier needs defaults)."""
    from numba.core import config

    return dict(boundscheck=bool(config.BOUNDSCHECK), opt=repr(config.OPT), debuginfo=bool(config.DEBUGINFO_DEFAULT),
                cpu_name=config.CPU_NAME, cpu_features=config.CPU_FEATURES, svml=bool(config.USING_SVML))


def _local_key() -> str:
    parts = dict(runtime_identity(), kernels=kernel_source_hash(), settings=_code_settings())
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


# ---------------------------------------------------------------------------
# Where: the shipped tier and the local directory (each decided once per process)
# ---------------------------------------------------------------------------
def _default_settings() -> bool:
    from numba.core import config

    return (not config.BOUNDSCHECK and int(config.OPT) == 3 and not config.OPT.is_opt_max
            and not config.DEBUGINFO_DEFAULT and config.CPU_NAME is None and config.CPU_FEATURES is None)


def _host_features() -> set:
    import llvmlite.binding as ll

    return {name for name, on in ll.get_host_cpu_features().items() if on}


@functools.lru_cache(maxsize=None)
def shipped_tier() -> Optional[tuple]:
    """``(directory, cpu)`` of the shipped tier this process can use, or None."""
    if os.environ.get("NUMTAPE_PRECOMPILED", "1") == "0" or os.environ.get(BUILD_INTO):
        return None
    if not os.path.isdir(PRECOMPILED):
        return None
    try:
        if not _default_settings():
            return None
        names = [n for n in TIER_PREFERENCE if os.path.isdir(os.path.join(PRECOMPILED, n))]
        names += sorted(n for n in os.listdir(PRECOMPILED) if n not in names and not n.startswith("."))
        wanted = dict(runtime_identity(), kernels=kernel_source_hash())
        host = None
        for name in names:
            directory = os.path.join(PRECOMPILED, name)
            try:
                with open(os.path.join(directory, MANIFEST)) as f:
                    manifest = json.load(f)
            except (OSError, ValueError):
                continue
            if any(manifest.get(k) != v for k, v in wanted.items()) or manifest.get("cpu") != name:
                continue
            if manifest.get("svml", False):  # the objects call SVML: only where Numba uses it too
                from numba.core import config

                if not config.USING_SVML:
                    continue
            host = _host_features() if host is None else host
            if set(manifest.get("features", ())) <= host:
                return directory, name
    except Exception:  # never let the shipped tier break a gradient: compile instead
        return None
    return None


def _candidate_roots() -> list:
    roots = []
    if os.environ.get("NUMTAPE_CACHE_DIR"):
        roots.append(os.environ["NUMTAPE_CACHE_DIR"])
    from numba.core import config

    if config.CACHE_DIR:
        roots.append(os.path.join(config.CACHE_DIR, "numtape"))
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~")
        roots.append(os.path.join(base, "numtape", "Cache"))
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        roots.append(os.path.join(base, "numtape"))
    return roots


def _writable(directory: str) -> bool:
    import tempfile

    try:
        os.makedirs(directory, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
        return True
    except OSError:
        return False


def _prune(root: str, keep: str) -> None:
    """Remove sibling ``kernels-*`` directories unused for a month (old numtape versions, old edits)."""
    import shutil

    now = time.time()
    try:
        for name in os.listdir(root):
            path = os.path.join(root, name)
            if name.startswith("kernels-") and path != keep:
                marker = os.path.join(path, ".used")
                used = os.path.getmtime(marker if os.path.exists(marker) else path)
                if now - used > _PRUNE_AFTER_S:
                    shutil.rmtree(path, ignore_errors=True)
    except OSError:
        pass


_local_lock = threading.Lock()
_local: list = []  # [directory or None], decided once
_tried: list = []  # the roots that were tried, for the warning


def local_directory() -> Optional[str]:
    """The writable local kernel directory, or None when nothing is writable (decided once per process)."""
    if _local:
        return _local[0]
    with _local_lock:
        if _local:
            return _local[0]
        found = None
        build = os.environ.get(BUILD_INTO)
        if build:
            found = build if _writable(build) else None
            _tried.append(build)
        else:
            key = _local_key()
            for root in _candidate_roots():
                _tried.append(root)
                path = os.path.join(root, "kernels-" + key)
                existed = os.path.isdir(path)
                if _writable(path):
                    found = path
                    try:
                        with open(os.path.join(path, ".used"), "a"):
                            pass
                        os.utime(os.path.join(path, ".used"))
                    except OSError:
                        pass
                    if not existed:
                        _prune(root, path)
                    break
        _local.append(found)
        return found


_warned_no_cache = False


def warn_no_cache(reason: str) -> None:
    global _warned_no_cache
    if _warned_no_cache:
        return
    _warned_no_cache = True
    from .jit import NumbaCacheWarning

    warnings.warn(
        f"numtape: cannot cache compiled kernels ({reason}); they will be compiled in every new "
        "process. Set NUMTAPE_CACHE_DIR (or NUMBA_CACHE_DIR) to a writable directory to avoid this.",
        NumbaCacheWarning, stacklevel=4,
    )


# ---------------------------------------------------------------------------
# The cache objects
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _classes() -> tuple:
    """Subclasses of Numba's cache machinery with a fixed directory, a content stamp and an optional CPU."""
    from numba.core import caching

    class Locator(caching._CacheLocator):
        def __init__(self, py_func, path, stamp, writable):
            self._py_file = inspect.getfile(py_func)
            self._lineno = py_func.__code__.co_firstlineno
            self._path, self._stamp, self._writable = path, stamp, writable

        def ensure_cache_path(self):
            if not self._writable:
                raise OSError("read-only tier")
            os.makedirs(self._path, exist_ok=True)

        def get_cache_path(self):
            return self._path

        def get_source_stamp(self):
            return self._stamp

        def get_disambiguator(self):
            return str(self._lineno)

    class Impl(caching.CompileResultCacheImpl):
        def __init__(self, py_func, locator):  # Numba's __init__ searches its own locators: skip it
            self._lineno = py_func.__code__.co_firstlineno
            self._locator = locator
            modname = os.path.splitext(os.path.basename(inspect.getfile(py_func)))[0]
            qualname = getattr(py_func, "__qualname__", py_func.__name__)
            self._filename_base = self.get_filename_base(f"{modname}.{qualname}", getattr(sys, "abiflags", ""))

    class Tier(caching.Cache):
        def __init__(self, py_func, path, stamp, writable, cpu=None):
            self._name = repr(py_func)
            self._py_func = py_func
            self._impl = Impl(py_func, Locator(py_func, path, stamp, writable))
            self._cache_path = path
            self._cache_file = caching.IndexDataCacheFile(cache_path=path, filename_base=self._impl.filename_base,
                                                          source_stamp=stamp)
            self._cpu = cpu
            self.enable()

        def _index_key(self, sig, codegen):
            key = super()._index_key(sig, codegen)
            if self._cpu is None:
                return key
            return key[0], (codegen.magic_tuple()[0], self._cpu, ""), key[2]  # the portable CPU, not the host's

    return Tier, caching.NullCache


class KernelCache:
    """The cache of one kernel dispatcher: the shipped tier first, then the local one (made on first miss)."""

    def __init__(self, py_func: Callable[..., Any]) -> None:
        self._py_func = py_func
        Tier, self._null = _classes()
        self._tier_class = Tier
        shipped = shipped_tier()
        stamp = kernel_source_hash()
        self._shipped = Tier(py_func, shipped[0], stamp, False, cpu=shipped[1]) if shipped else None
        self._local: Any = None
        self._enabled = True

    # what a Dispatcher calls -------------------------------------------------
    @property
    def cache_path(self) -> str:
        return self._shipped.cache_path if self._shipped is not None else (self._local_tier().cache_path or "")

    def enable(self) -> None:
        self._enabled = True

    def disable(self) -> None:
        self._enabled = False

    def flush(self) -> None:
        self._local_tier().flush()

    def load_overload(self, sig, target_context):
        if not self._enabled:
            return None
        if self._shipped is not None:
            try:
                data = self._shipped.load_overload(sig, target_context)
            except Exception:  # a damaged or foreign shipped file: compile instead
                data = None
            if data is not None:
                return data
        data = self._local_tier().load_overload(sig, target_context)
        if data is None and isinstance(self._local, self._null):
            warn_no_cache("no writable cache directory among " + ", ".join(_tried))
        return data

    def save_overload(self, sig, data) -> None:
        if self._enabled:
            self._local_tier().save_overload(sig, data)

    # ------------------------------------------------------------------------
    def _local_tier(self):
        if self._local is None:
            directory = local_directory()
            if directory is None:
                self._local = self._null()
            else:
                self._local = self._tier_class(self._py_func, directory, kernel_source_hash(), True)
        return self._local


def attach(dispatcher: Any) -> bool:
    """Give ``dispatcher`` numtape's two-tier cache; False when Numba's internals do not allow it."""
    try:
        dispatcher._cache = KernelCache(dispatcher.py_func)
    except Exception:
        return False
    install_compile_listener()
    return True


# ---------------------------------------------------------------------------
# Compile events: the first-use notice and NUMTAPE_LOG_COMPILES
# ---------------------------------------------------------------------------
NOTICE = ("numtape: compiling kernels for first use (once per machine and numtape version; "
          "typically 10-60 s)...")
NOTICE_AFTER_S = float(os.environ.get("_NUMTAPE_NOTICE_AFTER_S", "1.0"))  # the variable: for tests
_listener_installed = False
_noticed = False
_state = threading.local()
#: Kernel compilations (or cache loads) in this process, by kernel and argument types: how
#: numtape.dask checks that a worker compiled each kernel once, not once per task.
COMPILES: collections.Counter = collections.Counter()


def _is_ours(event) -> bool:
    data = event.data or {}
    return isinstance(getattr(data.get("dispatcher"), "_cache", None), KernelCache)


def _print_notice() -> None:
    global _noticed
    if _noticed:
        return
    _noticed = True
    try:
        print(NOTICE, file=sys.stderr, flush=True)
    except Exception:
        pass


def install_compile_listener() -> None:
    global _listener_installed
    if _listener_installed:
        return
    _listener_installed = True
    try:
        from numba.core import event
    except ImportError:
        return
    quiet = os.environ.get("NUMTAPE_QUIET", "0") not in ("", "0")
    log = os.environ.get("NUMTAPE_LOG_COMPILES", "0") not in ("", "0")

    class Listener(event.Listener):
        def on_start(self, ev):
            if not _is_ours(ev):
                return
            depth = getattr(_state, "depth", 0)
            _state.depth = depth + 1
            if log:
                _state.starts = getattr(_state, "starts", []) + [time.perf_counter()]
            if depth == 0:
                _state.started = time.perf_counter()
                if not quiet and not _noticed and not os.environ.get(BUILD_INTO):
                    _state.timer = threading.Timer(NOTICE_AFTER_S, _print_notice)
                    _state.timer.daemon = True
                    _state.timer.start()

        def on_end(self, ev):
            if not _is_ours(ev):
                return
            _state.depth = getattr(_state, "depth", 1) - 1
            d = ev.data["dispatcher"]
            COMPILES[(d.py_func.__qualname__, str(tuple(ev.data.get("args", ()))))] += 1
            if log:
                d = ev.data["dispatcher"]
                started = _state.starts.pop() if getattr(_state, "starts", None) else time.perf_counter()
                print(f"numtape: compiled {d.py_func.__module__}.{d.py_func.__qualname__}"
                      f"{tuple(ev.data.get('args', ()))} in {time.perf_counter() - started:.2f} s (inclusive)",
                      file=sys.stderr, flush=True)
            if _state.depth == 0:
                timer = getattr(_state, "timer", None)
                if timer is not None:
                    timer.cancel()
                    _state.timer = None

    event.register("numba:compile", Listener())
