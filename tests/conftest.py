"""Shared fixtures (a fixed NumPy seed for every test) and the start of the background jobs.

Tests marked ``@background`` (tests/_background.py: the wheel build, the bounds-checked run, the
read-only install) mostly wait for child processes that compile every kernel again; they start
when collection ends and run beside the rest of the suite, on the second core; the tests that
wait for them run last.
"""
from __future__ import annotations

import numpy as np
import pytest

from . import _background


@pytest.fixture(autouse=True)
def _seed_numpy() -> None:
    np.random.seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _job(item: pytest.Item):
    return getattr(getattr(item, "function", None), "background_job", None)


def pytest_collection_modifyitems(items: list) -> None:
    """The tests that wait for a job go last, so the suite runs while the jobs do."""
    items.sort(key=lambda item: _job(item) is not None)  # stable: the order is otherwise kept


def pytest_collection_finish(session: pytest.Session) -> None:
    _background.start([_job(item) for item in session.items if _job(item) is not None])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _background.stop()
