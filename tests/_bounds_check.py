"""The bounds-checked kernel run of tests/test_kernels.py, started by conftest.py when the suite
begins so that its compile runs beside the other tests (see conftest.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Optional

BOUNDS_CHECK_TEST = "test_kernels.py::test_kernels_never_index_out_of_bounds"
HERE = os.path.dirname(os.path.abspath(__file__))
_RUN: dict = {}


def _special_run() -> bool:
    return os.environ.get("NUMBA_DISABLE_JIT") == "1" or os.environ.get("NUMBA_BOUNDSCHECK") == "1"


def start_bounds_check() -> None:
    """Start the run once (the kernels compiled with bounds checks, in their own cache)."""
    if _RUN or _special_run():
        return
    cache = tempfile.mkdtemp(prefix="numtape-boundscheck-")
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=cache, NUMTAPE_CACHE_DIR=cache)
    _RUN["cache"] = cache
    _RUN["process"] = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         os.path.join(HERE, "test_registry.py"), os.path.join(HERE, "test_function.py"),
         os.path.join(HERE, "test_sparsity.py"),
         "-k", "fast_path or replay or hessian or jacobian or batch or forward_mode"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=os.path.dirname(HERE))


def bounds_check_result(timeout: float = 1500) -> Optional[tuple[int, str, str]]:
    """(return code, stdout, stderr) of the run, started now if conftest did not."""
    start_bounds_check()
    process = _RUN.get("process")
    if process is None:
        return None
    if "result" not in _RUN:
        out, err = process.communicate(timeout=timeout)
        _RUN["result"] = (process.returncode, out, err)
        shutil.rmtree(_RUN["cache"], ignore_errors=True)
    return _RUN["result"]


def stop_bounds_check() -> None:
    """At the end of the session: a run nobody waited for (its test deselected, -x) is stopped."""
    process = _RUN.get("process")
    if process is not None and process.poll() is None:
        process.kill()
        process.communicate()
    if "cache" in _RUN:
        shutil.rmtree(_RUN["cache"], ignore_errors=True)
