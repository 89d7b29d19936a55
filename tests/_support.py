"""Helpers shared by the reliability tests (memory, threads, environments).

Tests marked ``slow`` run in CI in a shortened form; ``NUMTAPE_FULL=1`` runs them at
the sizes the issue names (10**6 gradient evaluations, 10**7-entry tapes, a wheel
installed with its dependencies from the package index).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL = os.environ.get("NUMTAPE_FULL") == "1"


def scale(short: int, full: int) -> int:
    """``full`` when NUMTAPE_FULL=1, else ``short`` (what CI runs)."""
    return full if FULL else short


def run_python(code: str, env: Optional[dict] = None, timeout: float = 600, cwd: Optional[str] = None,
               python: str = sys.executable) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter that imports numtape from this checkout."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = ROOT
    environment.update(env or {})
    return subprocess.run([python, "-W", "error", "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=environment, cwd=cwd or ROOT)


def last_line(result: subprocess.CompletedProcess) -> str:
    """The last line a child printed; fails with its output when it did not exit cleanly."""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]
