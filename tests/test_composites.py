"""Tests generated from the composite rows (numtape/ops/registry.py, ``@composite``).

Every composite row is tested, case by case, the moment it is registered:

* values against its NumPy/SciPy reference, in float64 and float32 (float32 in,
  float32 out);
* derivatives up to the case's order against central finite differences
  (``check_grads``: random projections of the VJP and of its derivative);
* the compiled fast path against the recorded path (the backward pass recorded by an
  outer tape), and an ``nt.function`` replay at new inputs against eager;
* ``np.<function>(tensor)`` for every NumPy/SciPy function the row answers.

Rows that are not differentiable (``differentiable=False``) get the value tests and a
check that no gradient flows.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape import _nest
from numtape.ops.registry import COMPOSITES, Case, Composite
from numtape.testing import check_grads

from .test_registry import _fast_and_recorded

ROWS = sorted(COMPOSITES.values(), key=lambda r: r.qualified)
CASES = [(row, case) for row in ROWS for case in row.cases]
DIFFERENTIABLE = [(row, case) for row, case in CASES if row.differentiable and case.orders > 0]


def _ids(item: Any) -> str:
    if isinstance(item, Composite):
        return item.qualified
    if isinstance(item, Case):
        return item.label
    return str(item)


def _sample(row: Composite, case: Case, rng: np.random.Generator) -> list[np.ndarray]:
    sample = case.sample or row.sample
    if sample is None:
        return [rng.standard_normal(s) for s in case.shapes]
    return [np.asarray(sample(rng, s), np.float64) for s in case.shapes]


def _call(row: Composite, case: Case) -> Callable[..., Any]:
    return lambda *ts: row.fn(*case.arguments(ts), **case.kwargs)


def _flat_float(outputs: Any) -> Any:
    """The float outputs of an op, flattened and joined into one vector Tensor (for the checks)."""
    parts = [o for o in _nest.flatten(outputs) if isinstance(o, nt.Tensor) and o.dtype.kind == "f"]
    if len(parts) == 1:
        return parts[0]
    return nt.concat([nt.reshape(p, (-1,)) for p in parts], 0)


def _as_arrays(value: Any) -> list[np.ndarray]:
    return [np.asarray(v) for v in _nest.flatten(value)] if isinstance(value, (tuple, list)) else [np.asarray(value)]


def _assert_matches(got: Any, expected: Any, rtol: float, atol: float) -> None:
    got_parts, expected_parts = _as_arrays(got), _as_arrays(expected)
    assert len(got_parts) == len(expected_parts)
    for g, e in zip(got_parts, expected_parts):
        assert g.shape == np.shape(e), (g.shape, np.shape(e))
        np.testing.assert_allclose(g.astype(np.float64) if g.dtype.kind in "fc" else g, e, rtol=rtol, atol=atol)


def test_every_differentiable_row_has_a_case() -> None:
    missing = [r.qualified for r in ROWS if not r.cases]
    assert not missing, f"composite rows without a test case: {missing}"


@pytest.mark.parametrize("row, case", CASES, ids=_ids)
def test_values_match_the_reference(row: Composite, case: Case, rng: np.random.Generator) -> None:
    args = _sample(row, case, rng)
    got = _call(row, case)(*[nt.constant(a) for a in args])
    expected = row.expected(*case.arguments(args), **case.kwargs)
    _assert_matches(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("row, case", CASES, ids=_ids)
def test_float32_in_float32_out(row: Composite, case: Case, rng: np.random.Generator) -> None:
    args = [a.astype(np.float32) for a in _sample(row, case, rng)]
    got = _call(row, case)(*[nt.constant(a) for a in args])
    expected = row.expected(*case.arguments([a.astype(np.float64) for a in args]), **case.kwargs)
    wanted = np.float32 if row.float32_out else np.float64  # float64: NumPy's own result for float32 input
    if not row.float32_out:
        assert np.asarray(row.expected(*case.arguments(args), **case.kwargs)).dtype == np.float64, row.qualified
    for g in _nest.flatten(got):
        if isinstance(g, nt.Tensor) and g.dtype.kind == "f":
            assert g.dtype == wanted, (row.qualified, g.dtype)
    _assert_matches(got, expected, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("row, case", DIFFERENTIABLE, ids=_ids)
def test_derivatives_match_finite_differences(row: Composite, case: Case, rng: np.random.Generator) -> None:
    f = _call(row, case)
    check_grads(lambda *ts: _flat_float(f(*ts)), *_sample(row, case, rng), order=case.orders, rng=rng)


@pytest.mark.parametrize("row, case", DIFFERENTIABLE, ids=_ids)
def test_fast_path_equals_recorded_path(row: Composite, case: Case, rng: np.random.Generator) -> None:
    f = _call(row, case)
    args = _sample(row, case, rng)
    u = rng.standard_normal(np.shape(_flat_float(f(*[nt.constant(a) for a in args]))))
    fast, recorded = _fast_and_recorded(lambda *ts: _flat_float(f(*ts)), args, u)
    for a, b in zip(fast, recorded):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("row, case", DIFFERENTIABLE, ids=_ids)
def test_replay_equals_eager(row: Composite, case: Case, rng: np.random.Generator) -> None:
    f = _call(row, case)
    first = _sample(row, case, rng)
    u = rng.standard_normal(np.shape(_flat_float(f(*[nt.constant(a) for a in first]))))

    def objective(*ts: Any) -> Any:
        return nt.reduce_sum(_flat_float(f(*ts)) * u)

    argnums = tuple(range(len(first)))
    g = nt.function(objective)
    g.value_and_grad(*first, argnums=argnums)
    args = _sample(row, case, rng)
    value, grads = g.value_and_grad(*args, argnums=argnums)
    ts = [nt.constant(a) for a in args]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = objective(*ts)
    expected = tape.gradient(y, ts, unconnected_gradients="zero")
    np.testing.assert_allclose(value, y.numpy(), rtol=1e-11, atol=1e-12)
    for a, b in zip(grads, expected):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("row, case", [(r, r.cases[0]) for r in ROWS if r.numpy and r.cases], ids=_ids)
def test_numpy_functions_dispatch_to_the_row(row: Composite, case: Case, rng: np.random.Generator) -> None:
    args = _sample(row, case, rng)
    for function in row.numpy:
        ts = [nt.constant(a) for a in args]
        with nt.GradientTape(persistent=True) as tape:
            tape.watch(ts)
            got = function(*case.arguments(ts), **case.kwargs)
            flat = _flat_float(got) if row.differentiable else None  # joined while the tape records
        _assert_matches(got, row.expected(*case.arguments(args), **case.kwargs), rtol=1e-10, atol=1e-12)
        if row.differentiable:
            grads = tape.gradient(flat, ts)
            assert any(g is not None for g in grads), f"{function.__name__} recorded nothing"


@pytest.mark.parametrize("row, case", [(r, r.cases[0]) for r in ROWS if not r.differentiable and r.cases], ids=_ids)
def test_nondifferentiable_rows_pass_no_gradient(row: Composite, case: Case, rng: np.random.Generator) -> None:
    ts = [nt.constant(a) for a in _sample(row, case, rng)]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        out = _call(row, case)(*ts)
    floats = [o for o in _nest.flatten(out) if isinstance(o, nt.Tensor) and o.dtype.kind == "f"]
    for o in floats:
        assert tape.gradient(o, ts) == [None] * len(ts)
