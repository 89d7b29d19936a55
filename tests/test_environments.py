"""Installs and environments: a read-only install, NUMBA_DISABLE_JIT=1, and a wheel in a fresh venv.

* **No writable cache.** numtape is copied to a directory that really cannot be
  written: a read-only bind mount in a private mount namespace when the machine
  allows it (``unshare -m``), otherwise cache paths that lie under a regular file
  (the OS refuses to create them, root or not). Numba then has no cache locator;
  numtape must compile in memory, warn exactly once, and give correct gradients.
* **NUMBA_DISABLE_JIT=1.** ``tests/test_kernels.py`` runs the kernel tests that way;
  here the error, tape and higher-order suites run that way too.
* **A wheel.** ``pip wheel .`` builds it (precompiling the kernels into it), a fresh
  virtualenv installs it, and the installed copy (not this checkout) computes gradients,
  replays, a Hessian and a batch, and runs the demo, compiling nothing (also read-only).
  CI gives the venv this interpreter's NumPy/Numba/SciPy through a ``.pth`` file;
  NUMTAPE_FULL=1 installs them from the package index.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from ._background import background, run
from ._support import FULL, ROOT, last_line

_GRADIENTS = """
import json, math, warnings
import numtape as nt
from numtape._kernels.jit import NumbaCacheWarning
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for _ in range(3):  # three gradients: the warning must come once
        x = nt.constant([0.5, 1.5])
        s = nt.constant(0.25)
        with nt.GradientTape() as tape:
            tape.watch([x, s])
            y = nt.reduce_sum(nt.sin(x) * x) + s * s
        gx, gs = tape.gradient(y, [x, s])
expected = [math.sin(v) + v * math.cos(v) for v in (0.5, 1.5)]
print(json.dumps(dict(
    file=nt.__file__,
    ok=all(abs(a - b) < 1e-14 for a, b in zip(gx.numpy().tolist(), expected)) and float(gs) == 0.5,
    warnings=[(w.category.__name__, str(w.message)) for w in caught],
)))
"""


_REPLAY = """
import json, warnings
import numpy as np
import numtape as nt
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    f = nt.function(lambda x: nt.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))
    x = np.array([0.5, -1.0, 2.0, 1.5])
    value, grad = f.value_and_grad(x)
    h = f.hessian(x)
    values, grads = f.batch_value_and_grad(np.stack([x, x]))
print(json.dumps(dict(file=nt.__file__, ok=bool(abs(h[0, 0] - (1200 * 0.25 + 400 + 2)) < 1e-9
                                                   and np.allclose(grads[1], grad)),
                      warnings=[(w.category.__name__, str(w.message)) for w in caught])))
"""


def _copy_package(destination: str) -> None:
    shutil.copytree(os.path.join(ROOT, "numtape"), os.path.join(destination, "numtape"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))


def _child_env(site: str, cache_root: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "NUMTAPE_", "PYTHON"))}
    env.update(PYTHONPATH=site, HOME=os.path.join(cache_root, "home"), XDG_CACHE_HOME=os.path.join(cache_root, "xdg"),
               NUMBA_CACHE_DIR=os.path.join(cache_root, "numba"), PYTHONDONTWRITEBYTECODE="1")
    return env


def _can_mount_privately() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o ro tmpfs /mnt"],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


NOTICE = "numtape: compiling kernels for first use"


def _assert_compiled_without_cache(result: subprocess.CompletedProcess, site: str, tree: str) -> None:
    report = json.loads(last_line(result))
    assert result.stderr.count(NOTICE) == 1, result.stderr[-2000:]  # the long compile is announced, once
    assert report["file"].startswith(site), report["file"]  # the read-only copy, not the checkout
    assert report["ok"], report
    categories = [c for c, _ in report["warnings"]]
    assert categories == ["NumbaCacheWarning"], report["warnings"]  # once, and nothing else
    assert "NUMBA_CACHE_DIR" in report["warnings"][0][1]  # the message says what to do
    assert not glob.glob(os.path.join(tree, "**", "*.nb[ic]"), recursive=True)


@background
def test_a_read_only_install_compiles_without_a_cache_and_says_so_once(tmp_path) -> None:
    """Every kernel compiled in memory, about a minute: a background job (tests/_background.py)."""
    site = str(tmp_path / "site")
    _copy_package(site)
    if _can_mount_privately():
        # A private mount namespace: the bind mount is read-only for everyone, root included.
        for d in ("home", "xdg", "numba"):
            (tmp_path / d).mkdir()
        env = _child_env(site, str(tmp_path))
        script = (f"mount --bind {tmp_path} {tmp_path} && mount -o remount,bind,ro {tmp_path} && "
                  f"touch {site}/numtape/probe 2>/dev/null && exit 97; "
                  f'exec "{sys.executable}" -c "$CODE"')
        env["CODE"] = textwrap.dedent(_GRADIENTS)
        result = run(["unshare", "-m", "sh", "-c", script], env=env, timeout=600, cwd=str(tmp_path))
        assert result.returncode != 97, "the bind mount was writable"
    else:
        # No mount namespaces here: every cache location lies under a regular file instead.
        blocker = tmp_path / "blocker"
        blocker.write_text("a file, so nothing can be created below it")
        for pycache in ["numtape", "numtape/_kernels", "numtape/ops", "numtape/tape"]:
            (tmp_path / "site" / pycache / "__pycache__").write_text("not a directory")
        env = _child_env(site, str(blocker))
        result = run([sys.executable, "-c", textwrap.dedent(_GRADIENTS)], env=env, timeout=600, cwd=str(tmp_path))
    _assert_compiled_without_cache(result, site, str(tmp_path))


def test_the_error_tape_and_higher_order_suites_pass_with_numba_disabled() -> None:
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("already running without JIT")
    tests = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         *(os.path.join(tests, name) for name in ("test_errors.py", "test_gradient_tape.py", "test_higher_order.py",
                                                  "test_custom_gradient.py", "test_threads.py")),
         "-k", "not test_every_op_refuses_bad_input"],  # that sweep is JIT-independent and long
        env=dict(os.environ, NUMBA_DISABLE_JIT="1"), capture_output=True, text=True, timeout=900, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.xfail(strict=True, reason="a documented limitation: run as plain Python (NUMBA_DISABLE_JIT=1, for "
                   "coverage and tracebacks) the kernels use the math module, which raises on overflow and domain "
                   "errors where compiled code follows IEEE; real runs are always compiled")
def test_ieee_gradients_with_numba_disabled() -> None:
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("already running without JIT")
    code = """
import warnings, math
warnings.simplefilter("error")
import numtape as nt
for f, x0 in [(nt.sqrt, 0.0), (nt.sin, math.inf), (nt.sinh, 1000.0), (nt.asin, 2.0)]:
    x = nt.constant(x0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    tape.gradient(y, x)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONPATH=ROOT),
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]


def _venv_python(venv: str) -> str:
    return os.path.join(venv, "Scripts" if os.name == "nt" else "bin", "python")


def _assert_one_compiled_version_per_kernel(installed: str) -> None:
    """The build compiled every kernel from scratch (numtape._warmup runs every path): each kernel's
    index must hold one signature. A literal argument (``False``, ``-1``) or an int32 slot passed
    where an int64 is elsewhere makes Numba compile a kernel twice, which costs cold-start time."""
    import pickle

    indexes = glob.glob(os.path.join(installed, "_kernels", "_precompiled", "*", "*.nbi"))
    assert len(indexes) > 50, indexes
    versions = {}
    for path in indexes:
        with open(path, "rb") as f:
            pickle.load(f)  # the Numba version
            _, overloads = pickle.loads(f.read())
        versions[os.path.basename(path)] = len(overloads)
    assert {name: n for name, n in versions.items() if n != 1} == {}


@background
def test_a_wheel_built_by_pip_installs_into_a_fresh_venv_and_works(tmp_path) -> None:
    """The wheel precompiles the kernels at build time: the installed copy compiles nothing.
    The build compiles every kernel, about two minutes: a background job (tests/_background.py)."""
    wheels = tmp_path / "wheels"
    # the isolated build environment gets this interpreter's Numba (the precompiled kernels are
    # valid only with the Numba they were built by, and the venv below runs this one)
    import llvmlite
    import numba
    import numpy
    import scipy

    pins = tmp_path / "pins.txt"
    pins.write_text("".join(f"{m.__name__}=={m.__version__}\n" for m in (numba, llvmlite, numpy, scipy)))
    build_env = dict({k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "NUMTAPE_"))},
                     PIP_CONSTRAINT=str(pins), PIP_BUILD_CONSTRAINT=str(pins))
    venv = str(tmp_path / "venv")
    made = run([sys.executable, "-m", "venv", venv], timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    python = _venv_python(venv)
    # built by the new venv's pip, which has no NumPy or Numba of its own: the precompiling
    # children must find them in pip's isolated build environment, as on a user's machine
    build = run([python, "-m", "pip", "wheel", ".", "--no-deps", "-v", "-w", str(wheels)], timeout=1800, cwd=ROOT,
                env={k: v for k, v in build_env.items() if not k.startswith("PYTHON")})
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "precompiling the kernels failed" not in build.stdout + build.stderr, build.stdout[-5000:]
    (wheel,) = glob.glob(str(wheels / "numtape-*.whl"))
    # the venv alone decides what is installed: a PYTHONPATH reaching the checkout would make pip
    # think numtape is installed already and skip the wheel
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "PYTHON"))}
    if FULL:  # dependencies from the package index, as a user gets them
        install = [python, "-m", "pip", "install", "-q", wheel]
    else:
        install = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel]
    result = run(install, timeout=1800, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if not FULL:  # then this interpreter's NumPy/Numba/SciPy, after the venv's own packages (written after
        # the install: pip must not find the numtape that CI installed here and skip the wheel)
        purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        import sysconfig

        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        with open(os.path.join(purelib, "_numtape_test_deps.pth"), "w") as f:
            f.write("\n".join(sorted(ours)) + "\n")
    elsewhere = str(tmp_path)  # not the checkout: only the installed copy can be imported
    for d in ("home", "xdg", "cache"):
        (tmp_path / d).mkdir()
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "xdg"),
               NUMTAPE_CACHE_DIR=str(tmp_path / "cache"), NUMTAPE_LOG_COMPILES="1")
    runs = []
    for code in (_GRADIENTS, _REPLAY):  # the seed-like gradient, then a fresh process replaying
        result = run([python, "-W", "error", "-c", textwrap.dedent(code)], env=env, cwd=elsewhere, timeout=900)
        runs.append(json.loads(last_line(result)))
        # the wheel ships precompiled kernels: nothing is compiled, nothing announced
        assert "numtape: compiled " not in result.stderr and NOTICE not in result.stderr, result.stderr[-3000:]
    for report in runs:
        assert report["file"].startswith(venv), report["file"]
        assert report["ok"] and report["warnings"] == [], report
    installed = os.path.dirname(runs[0]["file"])
    assert os.path.exists(os.path.join(installed, "py.typed"))
    assert glob.glob(os.path.join(installed, "_kernels", "_precompiled", "*", "manifest.json"))
    _assert_one_compiled_version_per_kernel(installed)
    assert not os.listdir(tmp_path / "cache"), "the local kernel cache was written"
    assert wheel.endswith(".whl") and "-none-any" not in wheel  # machine code inside: a platform wheel
    if _can_mount_privately():  # the same install read-only, nothing writable anywhere: still no compile
        script = (f"mount --bind {tmp_path} {tmp_path} && mount -o remount,bind,ro {tmp_path} && "
                  f'exec "{python}" -W error -c "$CODE"')
        result = run(["unshare", "-m", "sh", "-c", script], env=dict(env, CODE=textwrap.dedent(_GRADIENTS)),
                     timeout=600, cwd=elsewhere)
        report = json.loads(last_line(result))
        assert report["ok"] and report["warnings"] == [], report
        assert "numtape: compiled " not in result.stderr, result.stderr[-3000:]
    demo = run([python, "-m", "numtape"], env=env, cwd=elsewhere, timeout=600)
    assert demo.returncode == 0 and "d2y/dx2 = nt.Tensor(6.0" in demo.stdout, demo.stderr[-2000:]
    assert "numtape: compiled " not in demo.stderr, demo.stderr[-3000:]
