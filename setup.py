"""Build hook: precompile the Numba kernels into the build tree, so wheels and installs ship them.

Metadata lives in setup.cfg. After the normal ``build_py`` copies the package, this runs
``python -m numtape._kernels.build_cache <build_lib>`` in a child (its cwd is the build tree,
so it imports the numtape being built and this build's Numba). The result,
``numtape/_kernels/_precompiled/<cpu>/``, is loaded at run time when it matches the installed
Numba, Python and CPU (see numtape/_kernels/cache.py). The wheel is therefore a platform wheel.

``NUMTAPE_PRECOMPILE=0`` skips the step; ``NUMTAPE_PRECOMPILE_TARGETS`` chooses the CPUs
(``host``, the default: x86-64-v3 when the build machine has it, else generic; ``all``; or a
list). If precompiling fails for any reason the build still succeeds, without precompiled
kernels (they then compile on first use), and says so.
"""
import os
import shutil
import subprocess
import sys
import time

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution


def _note(message):
    print(f"numtape build: {message}", file=sys.stderr, flush=True)


class BuildPyWithKernels(build_py):
    def run(self):
        super().run()
        # a reused build tree may hold kernels precompiled by an earlier build: start clean
        shutil.rmtree(os.path.join(self.build_lib, "numtape", "_kernels", "_precompiled"), ignore_errors=True)
        if os.environ.get("NUMTAPE_PRECOMPILE", "1") == "0":
            _note("NUMTAPE_PRECOMPILE=0: no precompiled kernels; they compile on first use")
            return
        if getattr(self, "editable_mode", False):  # an editable install runs the checkout: nothing to ship
            return
        started = time.perf_counter()
        try:
            result = subprocess.run([sys.executable, "-m", "numtape._kernels.build_cache", "."],
                                    cwd=os.path.abspath(self.build_lib), capture_output=True, text=True,
                                    timeout=float(os.environ.get("NUMTAPE_PRECOMPILE_TIMEOUT", "1800")))
            output = (result.stdout + result.stderr).strip()
            if result.returncode == 0:
                _note(f"precompiled kernels in {time.perf_counter() - started:.1f} s\n{output}")
            else:
                _note(f"precompiling the kernels failed (exit {result.returncode}); the package works and "
                      f"compiles them on first use instead.\n{output[-4000:]}")
        except Exception as error:  # noqa: BLE001 - any failure must leave a working, pure-JIT package
            _note(f"precompiling the kernels failed ({error!r}); they compile on first use instead")


class PlatformDistribution(Distribution):
    """The precompiled kernels are machine code for one platform and Python: a platform wheel."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithKernels}, distclass=PlatformDistribution)
