"""Tests that spend minutes in child processes, run beside the suite instead of in series.

A few tests mostly wait for children that compile every kernel again: the wheel build, the
bounds-checked run, the NUMBA_DISABLE_JIT suites, the read-only install. pytest runs one test at
a time, on one of this machine's two cores. A test marked ``@background`` is a *job*: when
collection ends (conftest.py), one worker thread starts running the selected jobs, one after
another in collection order, each in a temporary directory of its own, while the rest of the
suite runs in the main thread. The test itself waits for its job and re-raises what the job
raised (an assertion, a skip), so its outcome and its traceback are the job's. A job never reads
the suite's state: it only starts processes (``run``, which ``stop`` can kill when the session
ends early) and checks their output. Run alone (``pytest tests/x.py::test_job``) a job simply
runs when its test waits for it.
"""
from __future__ import annotations

import functools
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Optional

_JOBS: dict[str, Callable[[Path], None]] = {}
_OUTCOMES: dict[str, Optional[BaseException]] = {}
_DONE: dict[str, threading.Event] = {}
_CHILDREN: set[subprocess.Popen] = set()
_LOCK = threading.Lock()
_stopping = threading.Event()
_worker: list[threading.Thread] = []


def background(job: Callable[[Path], None]) -> Callable[[], None]:
    """Make ``job(tmp_path)`` a test whose work runs in the background worker (see above)."""
    name = f"{job.__module__}.{job.__qualname__}"
    _JOBS[name] = job

    @functools.wraps(job)
    def test() -> None:
        outcome = wait(name)
        if outcome is not None:
            raise outcome

    del test.__wrapped__  # pytest would read the job's signature and ask for a tmp_path fixture
    test.background_job = name  # type: ignore[attr-defined]
    return test


def _run_job(name: str) -> None:
    directory = Path(tempfile.mkdtemp(prefix="numtape-job-"))
    try:
        if _stopping.is_set():
            raise RuntimeError("the session ended before this job ran")
        _JOBS[name](directory)
        _OUTCOMES[name] = None
    except BaseException as error:  # noqa: BLE001 - a skip or a failure, re-raised by the test
        _OUTCOMES[name] = error
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        _DONE[name].set()


def start(names: list[str]) -> None:
    """Run these jobs one after another in the worker thread (once each)."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    with _LOCK:
        for name in names:
            if name in _JOBS and name not in _DONE:
                _DONE[name] = threading.Event()
                pending.put(name)
    if pending.empty():
        return

    def work() -> None:
        while not pending.empty():
            _run_job(pending.get())

    worker = threading.Thread(target=work, name="numtape-test-jobs", daemon=True)
    _worker.append(worker)
    worker.start()


def wait(name: str) -> Optional[BaseException]:
    """The job's outcome (None: passed), running it here if it was never started."""
    with _LOCK:
        mine = name not in _DONE
        if mine:
            _DONE[name] = threading.Event()
    if mine:
        _run_job(name)
    _DONE[name].wait()
    return _OUTCOMES[name]


def run(args: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess:
    """``subprocess.run(args, capture_output=True, text=True)`` for jobs: killed by :func:`stop`."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    with _LOCK:
        _CHILDREN.add(process)
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        process.kill()
        process.communicate()
        raise
    finally:
        with _LOCK:
            _CHILDREN.discard(process)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def stop() -> None:
    """At the end of the session: jobs nobody waited for (deselected by -x) are not run, and the
    children of a running one are killed."""
    _stopping.set()
    with _LOCK:
        children = list(_CHILDREN)
    for process in children:
        process.kill()
    for worker in _worker:
        worker.join(timeout=60)
    if any(worker.is_alive() for worker in _worker):
        print("numtape tests: a background job did not stop", file=sys.stderr)
