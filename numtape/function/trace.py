"""nt.function's tracing: what a trace records besides its tape, and the key of a call.

Guards make a replay never return a stale answer. While tracing, every decision
Python makes on a recorded value is recorded: a comparison (``if x > 0``, ``while
y < k``, ``max(a, b)``), ``bool(t)``, ``int(t)`` and ``float(t)``. A replay checks
them all after its forward pass; if any fails, ``f`` is traced again for those
inputs and the new trace is kept beside the old ones (the other branch). A value
that leaves the tape where it cannot be guarded (``t.numpy()``, ``np.asarray(t)``,
a variable assignment) makes the trace unusable: that signature then runs eagerly,
with a one-time warning (:class:`TraceFallbackWarning`).

A call's signature (shapes, dtypes, and the values of any non-array arguments) is
the key of the traces cached for it.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._kernels import sweep as K
from ..tape.recorder import Tape
from ..tensor import Tensor, to_value, wrap
from ..variable import Variable

_GUARD_KINDS = {
    np.less: K.GUARD_LESS, np.less_equal: K.GUARD_LESS_EQUAL, np.greater: K.GUARD_GREATER,
    np.greater_equal: K.GUARD_GREATER_EQUAL, np.equal: K.GUARD_EQUAL, np.not_equal: K.GUARD_NOT_EQUAL,
}


_SWAPPED = {
    K.GUARD_LESS: K.GUARD_GREATER, K.GUARD_LESS_EQUAL: K.GUARD_GREATER_EQUAL, K.GUARD_GREATER: K.GUARD_LESS,
    K.GUARD_GREATER_EQUAL: K.GUARD_LESS_EQUAL, K.GUARD_EQUAL: K.GUARD_EQUAL, K.GUARD_NOT_EQUAL: K.GUARD_NOT_EQUAL,
}


def _plain(x: Any) -> Any:
    """The value a comparison saw: a Tensor's or Variable's value, else x (lists as arrays)."""
    if isinstance(x, Variable):
        x = x._t
    if isinstance(x, Tensor):
        return x._v
    return np.asarray(x) if isinstance(x, (list, tuple)) else x


def _below(kind: int, c: np.ndarray, wide: np.ndarray) -> tuple[int, np.ndarray]:
    """``x kind c`` for float64 x and a wider constant c, as a comparison with float64 values.

    With P the largest float64 below c and Q the largest at most c: x < c iff x <= P,
    x <= c iff x <= Q, x > c iff x > Q, x >= c iff x > P; x == c (x != c) compares with
    c where it is exact, and with NaN (never equal) where it is not. (-1, _) when no such
    rewrite exists (a -inf among inexact values).
    """
    exact = wide == c
    q = np.where(wide > c, np.nextafter(wide, -np.inf), wide)
    p = np.where(exact, np.nextafter(wide, -np.inf), q)
    if kind in (K.GUARD_EQUAL, K.GUARD_NOT_EQUAL):
        return kind, np.where(exact, wide, np.nan)
    if np.any(np.isneginf(wide) & exact) and kind in (K.GUARD_LESS, K.GUARD_GREATER_EQUAL):
        return -1, wide
    if kind == K.GUARD_LESS:
        return K.GUARD_LESS_EQUAL, p
    if kind == K.GUARD_LESS_EQUAL:
        return K.GUARD_LESS_EQUAL, q
    if kind == K.GUARD_GREATER:
        return K.GUARD_GREATER, q
    return K.GUARD_GREATER, p


class TraceFallbackWarning(UserWarning):
    """nt.function cannot replay a trace and runs the function eagerly instead."""


# ---------------------------------------------------------------------------
# Tracing
# ---------------------------------------------------------------------------
class _Trace:
    """What tracing records besides the tape: guards, and values that escaped it."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.guards: list[tuple[int, int, int, np.ndarray]] = []
        self.escape: Optional[str] = None

    def _slot(self, x: Any) -> int:
        if isinstance(x, Variable):
            x = x._t
        return self.tape.slot_of(x) if isinstance(x, Tensor) else -1

    def _operand_slot(self, x: Any, shape: tuple[int, ...]) -> int:
        """A slot holding ``x`` with ``shape``'s size (or size 1) on the trace tape."""
        from ..ops.elementwise import _full_or_single

        if isinstance(x, Variable):
            x = x._t
        if not isinstance(x, Tensor):
            x = wrap(to_value(x, "comparison"))
        x = _full_or_single(x, shape)
        slot = self.tape.slot_of(x)
        return slot if slot >= 0 else self.tape.watch(x)

    def comparison(self, ufunc: Any, a: Any, b: Any, result: Any) -> None:
        """A comparison computed on recorded values: the trace holds only if it repeats.

        The guard compares as NumPy did (NEP 50): in the dtype of the comparison (a float32
        Tensor against a Python float compares in float32), with a constant operand
        converted to that dtype. A constant that float64 cannot hold exactly (a longdouble
        threshold) becomes the equivalent comparison against a float64 neighbour.
        """
        if self._slot(a) < 0 and self._slot(b) < 0:
            return
        kind = _GUARD_KINDS[ufunc]
        if self._slot(a) < 0:  # the constant on the right: c op x is x op' c
            a, b, kind = b, a, _SWAPPED[kind]
        shape = np.shape(result)
        expected = np.asarray(result, np.float64).reshape(-1)
        try:
            dtype = np.result_type(_plain(a), _plain(b))
        except TypeError:
            dtype = np.dtype(np.float64)
        if dtype.kind != "f":
            dtype = np.dtype(np.float64)
        if self._slot(b) < 0:
            c = np.asarray(_plain(b))
            with np.errstate(all="ignore"):
                c = c.astype(dtype)
                wide = c.astype(np.float64)
            if dtype.itemsize > 8 and not np.array_equal(wide, c, equal_nan=True):
                kind, wide = _below(kind, c, wide)
                if kind < 0:
                    self.escape = self.escape or f"a comparison with a {dtype} constant"
                    return
            b = wrap(wide)
        if dtype == np.float32:
            kind |= K.GUARD_FLOAT32
        sa = self._operand_slot(a, shape)
        sb = self._operand_slot(b, shape)
        self.guards.append((kind, sa, sb, expected))

    def value_escapes(self, t: Any, how: str) -> None:
        """A recorded value reached Python: guard it if possible, else the trace is unusable."""
        slot = self._slot(t)
        if slot < 0:
            return
        value = np.asarray(t._v if isinstance(t, Tensor) else t._t._v, np.float64).reshape(-1)
        if how == "bool":
            self.guards.append((K.GUARD_TRUTH, slot, -1, (value != 0).astype(np.float64)))
        elif how in ("int", "index"):
            self.guards.append((K.GUARD_INT, slot, -1, np.trunc(value)))
        elif how in ("float", "str"):  # the exact value reached Python: guard it bitwise
            self.guards.append((K.GUARD_SAME, slot, -1, value.copy()))
        else:
            self.escape = self.escape or how

    def side_effect(self, what: str) -> None:
        self.escape = self.escape or what
