"""Shared fixtures: a fixed NumPy seed for every test; the bounds-checked kernel run started early.

The bounds-checked run (tests/test_kernels.py) compiles every kernel again in a subprocess, about
two minutes of one core; started when collection ends, it runs beside the suite on the second core
instead of after it, and its test waits for it.
"""
from __future__ import annotations

import numpy as np
import pytest

from ._bounds_check import BOUNDS_CHECK_TEST, start_bounds_check, stop_bounds_check


@pytest.fixture(autouse=True)
def _seed_numpy() -> None:
    np.random.seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(item.nodeid.endswith(BOUNDS_CHECK_TEST) for item in session.items):
        start_bounds_check()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop_bounds_check()
