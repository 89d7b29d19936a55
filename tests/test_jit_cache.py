"""The kernel cache (numtape/_kernels/cache.py) on a toy kernel package, in fresh processes.

The toy package is numtape's ``jit.py``, ``cache.py`` and ``build_cache.py`` copied beside a
caller and a callee in two files, so every run is a real cold or warm start but compiles
two tiny functions instead of numtape's sweeps:

* an edited callee in another file gives the new value (Numba's own cache serves a stale one);
* the second process loads from the cache; the compile notice comes once, only when compiling;
* a shipped (precompiled) tier is used only when it matches, and never breaks a call.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from ._support import ROOT, last_line

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="nothing is compiled")

KERNELS = os.path.join(ROOT, "numtape", "_kernels")
CALLEE = "from .jit import njit_kernel\n\n\ndef _f(x):\n    return x + {c}\n\n\nf = njit_kernel(_f)\n"
CALLER = ("from . import callee\nfrom .jit import njit_kernel\n\n\ndef _g(x):\n    return callee.f(x) * 2.0\n\n\n"
          "g = njit_kernel(_g)\n")
RUN = """
import json, sys
sys.path.insert(0, {root!r})
from toy import caller
value = caller.g(1.0)
print(json.dumps(dict(value=value, hits=sum(caller.g.stats.cache_hits.values()),
                      misses=sum(caller.g.stats.cache_misses.values()))))
"""


def _toy(tmp_path, constant="1.0"):
    package = tmp_path / "toy"
    package.mkdir(parents=True, exist_ok=True)
    for name in ("jit.py", "cache.py", "build_cache.py"):
        shutil.copy(os.path.join(KERNELS, name), package / name)
    (package / "__init__.py").write_text("")
    (package / "callee.py").write_text(CALLEE.format(c=constant))
    (package / "caller.py").write_text(CALLER)
    return package


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "NUMTAPE_", "PYTHON", "_NUMTAPE"))}
    env.update(NUMTAPE_CACHE_DIR=str(tmp_path / "cache"), HOME=str(tmp_path / "home"), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def _run(tmp_path, **extra):
    result = subprocess.run([sys.executable, "-W", "error", "-c", RUN.format(root=str(tmp_path))],
                            env=_env(tmp_path, **extra), capture_output=True, text=True, timeout=300,
                            cwd=str(tmp_path))
    report = json.loads(last_line(result))
    report["stderr"] = result.stderr
    report["compiles"] = result.stderr.count("numtape: compiled ")
    return report


def test_an_edited_callee_in_another_file_is_recompiled_and_then_loaded(tmp_path) -> None:
    _toy(tmp_path, "1.0")
    first, second = _run(tmp_path), _run(tmp_path)
    assert (first["value"], first["misses"], first["hits"]) == (4.0, 1, 0)
    assert (second["value"], second["misses"], second["hits"]) == (4.0, 0, 1)  # loaded, not compiled
    (tmp_path / "toy" / "callee.py").write_text(CALLEE.format(c="100.0"))
    edited, again = _run(tmp_path), _run(tmp_path)
    assert (edited["value"], edited["misses"]) == (202.0, 1)  # Numba's own cache would say 4.0
    assert (again["value"], again["hits"]) == (202.0, 1)
    directories = sorted(os.listdir(tmp_path / "cache"))
    assert len(directories) == 2 and all(d.startswith("kernels-") for d in directories), directories


def test_the_cache_directory_follows_the_environment(tmp_path) -> None:
    _toy(tmp_path)
    env = dict(NUMTAPE_CACHE_DIR="")
    numba_dir, xdg = tmp_path / "numba", tmp_path / "xdg"
    _run(tmp_path, NUMBA_CACHE_DIR=str(numba_dir), **env)
    assert os.listdir(numba_dir / "numtape")[0].startswith("kernels-")
    _run(tmp_path, XDG_CACHE_HOME=str(xdg), **env)
    assert os.listdir(xdg / "numtape")[0].startswith("kernels-")
    # bounds checking changes the code, so it gets a directory of its own
    _run(tmp_path, XDG_CACHE_HOME=str(xdg), NUMBA_BOUNDSCHECK="1", **env)
    assert len(os.listdir(xdg / "numtape")) == 2


def test_the_compile_notice_comes_once_only_when_compiling_and_can_be_silenced(tmp_path) -> None:
    _toy(tmp_path)
    notice = "numtape: compiling kernels for first use"
    cold = _run(tmp_path, _NUMTAPE_NOTICE_AFTER_S="0")  # the toy compiles in well under the real 1 s
    assert cold["stderr"].count(notice) == 1, cold["stderr"]  # two kernels compiled, one line
    warm = _run(tmp_path, _NUMTAPE_NOTICE_AFTER_S="0")
    assert notice not in warm["stderr"] and warm["hits"] == 1
    _toy(tmp_path / "q")
    quiet = _run(tmp_path / "q", _NUMTAPE_NOTICE_AFTER_S="0", NUMTAPE_QUIET="1", NUMTAPE_CACHE_DIR=str(tmp_path / "q1"))
    assert quiet["misses"] == 1 and notice not in quiet["stderr"]
    fast = _run(tmp_path / "q", NUMTAPE_CACHE_DIR=str(tmp_path / "q2"))  # under a second: no notice
    assert fast["misses"] == 1 and notice not in fast["stderr"]


def _ship(tmp_path, cpu="generic"):
    """Precompile the toy into toy/_kernels-like shipped tier, as build_cache does for numtape."""
    tier = tmp_path / "toy" / "_precompiled" / cpu
    code = RUN.format(root=str(tmp_path)) + textwrap.dedent(f"""
        from toy import build_cache, cache
        build_cache.write_manifest({str(tier)!r}, {cpu!r}, cache.kernel_source_hash(), 2)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env=_env(tmp_path, NUMBA_CPU_NAME=cpu, NUMBA_CPU_FEATURES="",
                                     _NUMTAPE_BUILD_INTO=str(tier)))
    last_line(result)
    assert any(name.endswith(".nbc") for name in os.listdir(tier))
    return tier


def test_a_shipped_tier_is_used_only_when_it_matches(tmp_path) -> None:
    _toy(tmp_path)
    tier = _ship(tmp_path)
    log = dict(NUMTAPE_LOG_COMPILES="1")
    loaded = _run(tmp_path, **log)
    assert (loaded["value"], loaded["compiles"], loaded["hits"]) == (4.0, 0, 1), loaded["stderr"]
    assert not (tmp_path / "cache").exists()  # nothing written: a read-only install needs nothing
    for setting in (dict(NUMBA_BOUNDSCHECK="1"), dict(NUMBA_OPT="2"), dict(NUMTAPE_PRECOMPILED="0"),
                    dict(NUMBA_CPU_NAME="generic")):
        skipped = _run(tmp_path, **log, **setting)
        assert (skipped["value"], skipped["compiles"]) == (4.0, 2), (setting, skipped["stderr"])
    manifest = json.loads((tier / "manifest.json").read_text())
    (tier / "manifest.json").write_text(json.dumps(dict(manifest, numba="0.0.1")))
    other_numba = _run(tmp_path, **log, NUMTAPE_CACHE_DIR=str(tmp_path / "c2"))
    assert (other_numba["value"], other_numba["compiles"]) == (4.0, 2)
    (tier / "manifest.json").write_text(json.dumps(dict(manifest, features=["no-such-feature"])))
    other_cpu = _run(tmp_path, **log, NUMTAPE_CACHE_DIR=str(tmp_path / "c3"))
    assert (other_cpu["value"], other_cpu["compiles"]) == (4.0, 2)
    (tier / "manifest.json").write_text(json.dumps(manifest))
    for data in tier.glob("*.nbc"):  # damaged files: compile instead, never crash
        data.write_bytes(b"not a pickle")
    damaged = _run(tmp_path, **log, NUMTAPE_CACHE_DIR=str(tmp_path / "c4"))
    assert (damaged["value"], damaged["compiles"]) == (4.0, 2)
    (tmp_path / "toy" / "callee.py").write_text(CALLEE.format(c="100.0"))  # other sources: never stale
    _ship(tmp_path)  # (rebuilt for the new sources, then the caller edited after the build)
    (tmp_path / "toy" / "caller.py").write_text(CALLER.replace("* 2.0", "* 3.0"))
    edited = _run(tmp_path, **log, NUMTAPE_CACHE_DIR=str(tmp_path / "c5"))
    assert (edited["value"], edited["compiles"]) == (303.0, 2)
