"""Entries handed back to Python (arrays kept outside the arena): the fast path's shortcuts.

The fast path skips cotangents that nobody reads (constant leaves), keeps the
first cotangent of an external slot instead of copying it, and drops an entry's
adjoint once the entry is done. Each case here is checked against the recorded
path (which has none of these shortcuts) and, where simple, against a formula.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape.tape.buffers import ARENA_MAX_SIZE

N = ARENA_MAX_SIZE + 904  # every array here is kept by reference


def _both_paths(f: Callable[..., Any], args: list[np.ndarray], sources: Callable[[list, Any], list]) -> tuple:
    """Gradients of sum(f(...)) with respect to ``sources(inputs, intermediates)``, fast and recorded."""
    results = []
    for recorded in (False, True):
        ts = [nt.constant(a) for a in args]
        with nt.GradientTape() as outer:
            with nt.GradientTape(persistent=True) as tape:
                tape.watch(ts)
                y, extra = f(*ts)
            wanted = sources(ts, extra)
            if recorded:
                grads = tape.gradient(y, wanted, unconnected_gradients="zero")
            else:
                with outer.stop_recording():
                    grads = tape.gradient(y, wanted, unconnected_gradients="zero")
        results.append([np.asarray(g.numpy()) for g in grads])
    return results[0], results[1]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _shared_then_accumulated(x: Any) -> tuple:
    u, v = nt.sin(x), nt.cos(x)
    a = u * 2.0  # processed after b: adds into u's adjoint, which b set
    b = u + v  # its cotangent goes to u and v
    return nt.reduce_sum(a * a + b), None


def _source_passed_on(x: Any) -> tuple:
    t = x * 3.0
    q = t * t  # processed after h: adds into t's adjoint, which h set to h's own cotangent
    h = t + 1.0  # a source: its adjoint is read after the sweep
    return nt.reduce_sum(h * h + q), h


CASES = {
    # the same cotangent object reaches both operands of an add
    "x_plus_x": (lambda x: (nt.reduce_sum((x + x) * x), None), 1),
    "square_as_product": (lambda x: (nt.reduce_sum(nt.sin(x) * nt.sin(x)), None), 1),
    # constants on either side: their cotangents are skipped
    "constant_factors": (lambda x, c: (nt.reduce_sum(2.0 * (c * x) / c - c + x * 3.0), None), 2),
    "constant_matrix_matmul": (lambda w, X: (nt.reduce_sum(nt.tanh(nt.matmul(X, w))), None), "matmul"),
    # pieces of one cotangent (views of the same buffer) go to different slots
    "concat_pieces": (lambda x: (nt.reduce_sum(nt.concat([x, x * 2.0, x], axis=0) ** 2), None), 1),
    "windows": (lambda x: (nt.reduce_sum(x[1:] * x[:-1] + x[1:]), None), 1),
    # one cotangent reaches two slots, then one of them accumulates more
    "shared_then_accumulated": (_shared_then_accumulated, 1),
    # an intermediate is also a source: its adjoint must survive its own hand-off
    "intermediate_source": (lambda x: ((lambda h: (nt.reduce_sum(h * h + h), h))(x * 3.0 + 1.0)), 1),
    "intermediate_source_passed_on": (_source_passed_on, 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_equals_recorded_path_for_external_arrays(name: str) -> None:
    f, arity = CASES[name]
    if arity == "matmul":
        args = [_rng(1).standard_normal(40), _rng(2).standard_normal((N // 40 + 1, 40))]
        pick = lambda ts, extra: [ts[0]]  # noqa: E731  (X is data: only w is a source)
    else:
        args = [_rng(k).uniform(0.5, 1.5, N) for k in range(arity)]
        pick = lambda ts, extra: list(ts) + ([extra] if extra is not None else [])  # noqa: E731
    fast, recorded = _both_paths(f, args, pick)
    for a, b in zip(fast, recorded):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-300)


def test_constant_operand_gets_no_gradient_but_source_does() -> None:
    x0 = _rng(3).uniform(0.5, 1.5, N)
    c0 = _rng(4).uniform(0.5, 1.5, N)
    x, c = nt.constant(x0), nt.constant(c0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = nt.reduce_sum(x * c)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), c0)
    # c was never watched, but a Tensor that fed an op is a source when asked for (TF's rule)
    np.testing.assert_array_equal(tape.gradient(y, c).numpy(), x0)


def test_repeated_gradients_on_a_persistent_tape_do_not_share_buffers() -> None:
    x0 = _rng(5).uniform(0.5, 1.5, N)
    x = nt.constant(x0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = x + x
        y = nt.reduce_sum(h * x)
    first = tape.gradient(y, x).numpy()
    second = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(first, 4 * x0)
    np.testing.assert_array_equal(second, 4 * x0)


def test_seed_arrays_are_never_written_to() -> None:
    x0 = _rng(6).uniform(0.5, 1.5, N)
    seed = np.ones(N)
    x = nt.constant(x0)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0 + x
    g = tape.gradient(y, x, output_gradients=seed)
    np.testing.assert_array_equal(g.numpy(), np.full(N, 3.0))
    np.testing.assert_array_equal(seed, np.ones(N))


# ---------------------------------------------------------------------------
# The compiled hand-off (K.flat_backward on arrays outside the arena), row by row
# ---------------------------------------------------------------------------
def _elementwise_op(spec: Any) -> Callable[..., Any]:
    from numtape.ops import elementwise

    return elementwise.OPS[spec.name]


def _differentiable_rows() -> list:
    from numtape.ops.registry import ELEMENTWISE

    return sorted((s for s in ELEMENTWISE.values() if s.differentiable), key=lambda s: s.code)


# Which operands are full arrays (N elements) and which broadcast scalars (0-d).
_LAYOUTS = {1: [("full",)], 2: [("full", "full"), ("full", "scalar"), ("scalar", "full")]}


@pytest.mark.parametrize(
    "spec, layout",
    [(s, lay) for s in _differentiable_rows() for lay in _LAYOUTS[s.arity]],
    ids=lambda v: v.name if hasattr(v, "name") else "-".join(v),
)
def test_every_elementwise_row_on_external_arrays_matches_finite_differences_and_the_rules(spec, layout) -> None:
    from .test_registry import differentiated, sample_operand

    op = _elementwise_op(spec)
    rng = _rng(spec.code)
    args = [sample_operand(spec, k, N if kind == "full" else (), rng) for k, kind in enumerate(layout)]
    u = rng.standard_normal(N)

    def full(*xs: Any) -> Any:
        return nt.reduce_sum(op(*xs) * u)

    f, args = differentiated(spec, full, args)  # integer operands (data) fixed
    nt.testing.check_grads(f, *args, order=1, rng=_rng(7))
    fast, recorded = _both_paths(lambda *ts: (f(*ts), None), args, lambda ts, extra: list(ts))
    for a, b in zip(fast, recorded):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


_MASK = _rng(11).uniform(size=(N // 4, 4)) > 0.5
_INDEX = _rng(12).integers(0, N // 4, N // 3)  # repeated rows: a gather's adjoint accumulates

STRUCTURAL = {
    "window_1d": (lambda x: x[3:-5], [(N,)]),
    "window_rows": (lambda x: x[:, 1:3], [(N // 4, 4)]),
    "gather_rows": (lambda x: nt.gather(x, _INDEX), [(N // 4, 4)]),
    "reduce_sum_all": (lambda x: nt.reduce_sum(x) * x, [(N,)]),
    "reduce_sum_rows": (lambda x: nt.reduce_sum(x, axis=1), [(N // 4, 4)]),
    "reduce_sum_columns": (lambda x: nt.reduce_sum(x, axis=0), [(N // 4, 4)]),
    "broadcast_rows": (lambda x: nt.broadcast_to(x, (N // 4, 4)) * 1.0, [(N // 4, 1)]),
    "reduce_max_ties": (lambda x: nt.reduce_max(nt.floor(x * 2.0) + x * 0.0, axis=1), [(N // 4, 4)]),
    "reduce_min_rows": (lambda x: nt.reduce_min(x, axis=1), [(N // 4, 4)]),
    "where_full": (lambda a, b: nt.where(_MASK, a, b), [(N // 4, 4), (N // 4, 4)]),
    "where_scalar_branch": (lambda a, b: nt.where(_MASK, a, b), [(N // 4, 4), ()]),
    "where_same_branch": (lambda a: nt.where(_MASK, a * a, a), [(N // 4, 4)]),
    "sum_then_pass_through": (lambda a, b: (a + b) - (b - a), [(N,), (N,)]),
    "bias_row": (lambda a, b: a * b + b, [(N // 4, 4), (4,)]),
    "column_shift": (lambda a, b: (a - b) / b, [(N // 4, 4), (N // 4, 1)]),
    "outer_product": (lambda a, b: nt.maximum(a * b, b), [(N // 4, 1), (1, 4)]),
}


@pytest.mark.parametrize("name", sorted(STRUCTURAL))
def test_structural_ops_on_external_arrays_match_finite_differences_and_the_rules(name: str) -> None:
    g, shapes = STRUCTURAL[name]
    rng = _rng(len(name))
    args = [rng.uniform(0.5, 1.5, s) for s in shapes]
    u = rng.standard_normal(np.shape(g(*[nt.constant(a) for a in args])))

    def f(*xs: Any) -> Any:
        return nt.reduce_sum(g(*xs) * u)

    if name != "reduce_max_ties":  # ties: not differentiable where floor jumps or values tie
        nt.testing.check_grads(f, *args, order=1, rng=_rng(8))
    fast, recorded = _both_paths(lambda *ts: (f(*ts), None), args, lambda ts, extra: list(ts))
    for a, b in zip(fast, recorded):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


def test_a_gradient_from_recycled_buffers_is_not_changed_by_later_gradients() -> None:
    """The adjoint pool recycles buffers between sweeps; a gradient handed to the user
    (and an intermediate source's) must never be one of them."""
    x0 = _rng(9).uniform(0.5, 1.5, N)
    x = nt.constant(x0)

    def gradients() -> tuple:
        with nt.GradientTape() as tape:
            tape.watch(x)
            h = nt.sin(x) + x  # add: hands its adjoint buffer over to sin's
            tape.watch(h)
            y = nt.reduce_sum(h * h * 0.5)
        gx, gh = tape.gradient(y, [x, h])
        return gx.numpy(), gh.numpy()

    gx, gh = gradients()
    expected_h = np.sin(x0) + x0
    np.testing.assert_allclose(gh, expected_h, rtol=1e-15)
    np.testing.assert_allclose(gx, expected_h * (np.cos(x0) + 1.0), rtol=1e-14)
    saved = gx.copy(), gh.copy()
    for _ in range(3):
        gradients()
    np.testing.assert_array_equal(gx, saved[0])
    np.testing.assert_array_equal(gh, saved[1])

