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
