"""Parameter sweeps on Dask (issue 13, item 3): a real LocalCluster of 2 worker processes.

The results must equal a local loop of g.value_and_grad (itself checked against finite
differences in the function tests), including rows that take another branch than the
traced one, and each worker must compile (or load) each kernel at most once.
"""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

pytestmark = pytest.mark.filterwarnings("ignore")  # distributed's own shutdown and deprecation warnings


def branchy(x):
    y = nt.reduce_sum(nt.sin(x) * x)
    return y * 2.0 if nt.reduce_sum(x) > 0.0 else y - nt.reduce_sum(x * x)


def _local(g, xs):
    results = [g.value_and_grad(x) for x in xs]
    return np.array([r[0] for r in results]), np.stack([r[1] for r in results])


def test_without_a_client_the_local_scheduler_gives_the_same_numbers() -> None:
    import numtape.dask as ntd

    g = nt.function(branchy)
    xs = np.random.default_rng(2).standard_normal((9, 3))
    if distributed.client._get_global_client() is not None:
        pytest.skip("a distributed client is active in this process")
    values, grads = ntd.map_value_and_grad(g, xs, chunk_size=4)
    expected_values, expected_grads = _local(g, xs)
    np.testing.assert_allclose(values, expected_values, rtol=1e-14)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-14)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_a_sweep_on_two_worker_processes_equals_a_local_loop(client) -> None:
    import numtape.dask as ntd

    g = nt.function(branchy)
    xs = np.random.default_rng(0).standard_normal((40, 5))  # both branches occur
    values, grads = ntd.map_value_and_grad(g, xs, client=client, chunk_size=7)
    expected_values, expected_grads = _local(nt.function(branchy), xs)
    np.testing.assert_allclose(values, expected_values, rtol=1e-14)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-14)
    ntd.map_value_and_grad(g, xs[::-1].copy(), client=client, chunk_size=5)  # more tasks, same kernels
    for worker, compiles in client.run(ntd.worker_compiles).items():
        repeated = {k: n for k, n in compiles.items() if n > 1}
        assert not repeated, f"{worker} compiled kernels more than once: {repeated}"


def test_a_dask_array_keeps_its_chunks(client) -> None:
    import numtape.dask as ntd

    g = nt.function(branchy)
    xs = np.random.default_rng(1).standard_normal((12, 4))
    values, grads = ntd.map_value_and_grad(g, da.from_array(xs, chunks=(5, 2)), client=client)
    expected_values, expected_grads = _local(g, xs)
    np.testing.assert_allclose(values, expected_values, rtol=1e-14)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-14)


def test_bad_arguments_are_clear_errors() -> None:
    import numtape.dask as ntd

    with pytest.raises(TypeError, match="nt.function"):
        ntd.map_value_and_grad(branchy, np.ones((2, 3)))
    with pytest.raises(TypeError, match="scalar"):
        ntd.map_value_and_grad(nt.function(lambda x: x * 2.0), np.ones((2, 3)))
    with pytest.raises(ValueError, match="no rows"):
        ntd.map_value_and_grad(nt.function(branchy), np.ones((0, 3)))
