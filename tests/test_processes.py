"""Compiled tapes in other processes: fork, spawn and ProcessPoolExecutor (issue 10, item 14).

A process forked after the parallel batch kernel ran must still compute batches (GNU
OpenMP terminates such a child at its first parallel region: numtape runs the child's
batches on one thread), and every process must give the parent's numbers.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing

import numpy as np
import pytest

import numtape as nt

XS = np.random.default_rng(0).standard_normal((6, 3))


def _objective(x):
    return nt.reduce_sum(nt.sin(x) * x)


_G = nt.function(_objective)


def _batch_in_child(xs):
    values, grads = _G.batch_value_and_grad(xs)
    return values, grads


def _expected():
    return np.sum(np.sin(XS) * XS, axis=1), np.cos(XS) * XS + np.sin(XS)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_batches_after_a_parallel_batch_work_in_child_processes(method) -> None:
    _G.batch_value_and_grad(XS)  # the parent has run the parallel kernel
    context = multiprocessing.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        values, grads = pool.submit(_batch_in_child, XS).result(timeout=300)
    expected_values, expected_grads = _expected()
    np.testing.assert_allclose(values, expected_values, rtol=1e-14)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-14)


def test_a_forked_multiprocessing_pool_gives_the_parents_numbers() -> None:
    _G.batch_value_and_grad(XS)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_batch_in_child, [XS[:3], XS[3:]])
    values = np.concatenate([r[0] for r in results])
    grads = np.concatenate([r[1] for r in results])
    expected_values, expected_grads = _expected()
    np.testing.assert_allclose(values, expected_values, rtol=1e-14)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-14)
