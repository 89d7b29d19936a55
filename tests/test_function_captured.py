"""nt.function and the Python state f reads outside its arguments (issue 10, item 11).

Rebinding a global, a closure variable or a default argument that f reads retraces (the
replay equals eager f with the new binding); what stays frozen (in-place mutation, globals
of functions f calls) is pinned here as documented, so the documentation cannot drift.
"""
from __future__ import annotations

import numpy as np

import numtape as nt

SCALE = 2.0
TABLE = np.array([1.0, 2.0])


def _helper(x):
    return x * 3.0


def _uses_global(x):
    return nt.reduce_sum(x * SCALE)


def _uses_helper(x):
    return nt.reduce_sum(_helper(x))


def _uses_table(x):
    return nt.reduce_sum(x * TABLE)


X = np.array([1.0, 2.0])


def test_a_rebound_global_retraces() -> None:
    global SCALE
    g = nt.function(_uses_global)
    assert g.grad(X).tolist() == [2.0, 2.0]
    SCALE = 5.0
    try:
        assert g.grad(X).tolist() == [5.0, 5.0]
        assert float(g(X)) == 15.0
    finally:
        SCALE = 2.0
    assert g.grad(X).tolist() == [2.0, 2.0]


def test_a_replaced_helper_function_retraces() -> None:
    global _helper
    g = nt.function(_uses_helper)
    assert float(g(X)) == 9.0
    saved = _helper
    _helper = lambda x: x * 10.0  # noqa: E731
    try:
        assert float(g(X)) == 30.0
    finally:
        _helper = saved


def test_a_rebound_closure_variable_retraces() -> None:
    factor = 2.0

    def f(x):
        return nt.reduce_sum(x * factor)

    g = nt.function(f)
    assert float(g(X)) == 6.0
    factor = 4.0  # noqa: F841  (read by f through its closure cell)
    assert float(g(X)) == 12.0


def test_a_nonlocal_counter_inside_f_keeps_replays_right() -> None:
    calls = 0

    def f(x):
        nonlocal calls
        calls += 1
        return nt.reduce_sum(x * float(calls))

    g = nt.function(f)
    first = float(g(X))
    second = float(g(X))  # the cell changed during the trace: traced again, with calls = 2
    assert (first, second) == (3.0, 6.0)


def test_rebound_defaults_retrace() -> None:
    def f(x, scale=2.0):
        return nt.reduce_sum(x * scale)

    g = nt.function(f)
    assert float(g(X)) == 6.0
    f.__defaults__ = (3.0,)
    assert float(g(X)) == 9.0


def test_in_place_mutation_stays_frozen_as_documented() -> None:
    g = nt.function(_uses_table)
    assert float(g(X)) == 5.0
    TABLE[0] = 100.0  # not detected: the trace holds the values it read (documented)
    try:
        assert float(g(X)) == 5.0
        assert float(_uses_table(nt.constant(X))) == 104.0
    finally:
        TABLE[0] = 1.0


def test_variables_are_read_at_every_call() -> None:
    w = nt.Variable(2.0)
    g = nt.function(lambda x: nt.reduce_sum(x * w))
    assert float(g(X)) == 6.0
    w.assign(3.0)
    assert float(g(X)) == 9.0
