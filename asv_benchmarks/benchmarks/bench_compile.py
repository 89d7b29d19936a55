"""Start-up costs: ``import numtape`` and compiling the kernels with a cold Numba cache."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from .common import require_numtape

_COMPILE = (
    "import time, numtape\n"
    "try:\n"
    "    from numtape.testing import warmup\n"
    "except ImportError:  # commits before warmup moved\n"
    "    from numtape._kernels.sweep import warmup\n"
    "t = time.perf_counter(); warmup(); print(time.perf_counter() - t)\n"
)
_IMPORT = "import time; t = time.perf_counter(); import numtape; print(time.perf_counter() - t)\n"
_SHIPPED = (  # 1.0 when the installed numtape has precompiled kernels this process can load
    "import numtape\n"
    "try:\n"
    "    from numtape._kernels.cache import shipped_tier\n"
    "except ImportError:  # commits before the precompiled kernels\n"
    "    shipped_tier = lambda: None\n"
    "print(float(shipped_tier() is not None))\n"
)


def _run(code: str, cache_dir: str | None = None, shipped: bool = False) -> float:
    """Seconds ``code`` prints in a fresh interpreter. With ``cache_dir``, kernels compile into
    (or load from) that directory only; the kernels shipped in an installed wheel are used only
    when ``shipped`` (the JIT path is what these benchmarks time)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMTAPE_")}
    nt = require_numtape()  # the child imports the same numtape (asv drops PYTHONPATH)
    root = os.path.dirname(os.path.dirname(os.path.abspath(nt.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = env["NUMTAPE_CACHE_DIR"] = cache_dir
    if not shipped:
        env["NUMTAPE_PRECOMPILED"] = "0"
    env["NUMTAPE_QUIET"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


class Compile:
    """Seconds to compile every kernel in a fresh process with an empty Numba cache, then to load them.

    ``setup_cache`` compiles once into a cache directory under asv's per-run
    working directory; the cold time is its result, the warm time loads from it.
    """

    timeout = 600.0
    unit = "seconds"

    def setup_cache(self):
        require_numtape()
        cache_dir = os.path.abspath("numba-cache-cold")
        return {"dir": cache_dir, "cold": _run(_COMPILE, cache_dir)}

    def track_compile_seconds_cold_cache(self, cache):
        return cache["cold"]

    def track_load_seconds_warm_cache(self, cache):
        return min(_run(_COMPILE, cache["dir"]) for _ in range(3))


class ShippedKernels:
    """Seconds of the first gradient of a fresh process with an empty local cache, loading the
    kernels precompiled into the installed package (skipped where there are none: a source
    checkout, or an install built without precompiling)."""

    timeout = 300.0
    unit = "seconds"

    def setup(self):
        require_numtape()
        with tempfile.TemporaryDirectory() as empty:
            if not _run(_SHIPPED, empty, shipped=True):
                raise NotImplementedError("this numtape has no usable precompiled kernels")

    def track_first_gradient_seconds_shipped_kernels(self):
        with tempfile.TemporaryDirectory() as empty:
            return _run(_COMPILE, empty, shipped=True)


class Import:
    """Seconds of ``import numtape`` in a fresh interpreter (best of 5; numba is not imported)."""

    unit = "seconds"

    def setup(self):
        require_numtape()

    def track_import_seconds(self):
        return min(_run(_IMPORT) for _ in range(5))
