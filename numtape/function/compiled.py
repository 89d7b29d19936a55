"""nt.function's frozen tape: the data of one trace, and the workspaces replays run in.

The first call with a new input signature runs ``f`` eagerly on a private tape, and
freezes the tape: its buffers, with every value moved into one arena, the slots of
the inputs, of the variables ``f`` read and of the outputs, and the guards. Later
calls write the new inputs into a pooled workspace (a copy of the value buffers,
reused between calls) and replay in it (large exp/log/tanh-like entries go to
NumPy: ``NUMPY_UNARY``, ``NUMPY_MIN_SIZE``). The replays themselves are
:class:`~numtape.function.replay.CompiledTape`'s, a subclass of :class:`FrozenTape`.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .._fpstate import quietly
from .._kernels import sweep as K
from ..ops.registry import ELEMENTWISE
from ..tape.buffers import TapeBuffers
from ..tape.recorder import Tape


#: value_and_grad uses forward mode (one pass carrying a tangent per input element)
#: when the inputs have at most this many elements in all; reverse mode otherwise.
FORWARD_MODE_MAX_INPUTS = 2


# ---------------------------------------------------------------------------
# The frozen tape
# ---------------------------------------------------------------------------
class FrozenTape:
    """The data and workspaces of a :class:`CompiledTape` (which adds the replays): picklable.

    ``inputs[k]`` is the slot of dynamic argument k (or -1), ``variables`` pairs each
    variable read with its slots, ``outputs`` lists the slots of ``f``'s outputs
    (or constants), and the guard arrays say which decisions the trace took.
    """

    def __init__(self, tape: Tape, inputs: list[int], input_meta: list[tuple[tuple[int, ...], np.dtype]],
                 outputs: list[Any], structure: Any, guards: list[tuple[int, int, int, np.ndarray]]) -> None:
        b = tape.buffers
        code, arg0, arg1, value, aux, arena, iarena = (v.copy() for v in b.views())
        aux, arena = _all_in_arena(b, aux, arena)
        self.code, self.arg0, self.arg1, self.value, self.aux = code, arg0, arg1, value, aux
        self.arena, self.iarena = arena, iarena
        self.shapes = list(b.shapes)
        self.inputs = inputs
        self.input_meta = input_meta
        self.variables = [(r.variable, list(r.slots)) for r in tape.variables.values()]
        self.outputs = outputs
        self.structure = structure
        self.custom = dict(tape.custom)
        kinds = np.array([g[0] for g in guards], np.int64)
        self.guard_kind = kinds
        self.guard_a = np.array([g[1] for g in guards], np.int64)
        self.guard_b = np.array([g[2] for g in guards], np.int64)
        sizes = [g[3].size for g in guards]
        self.guard_off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.guard_expected = np.concatenate([g[3] for g in guards]) if guards else np.zeros(0)
        self._live: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        self._hessian_plans: dict[int, tuple] = {}
        self._jacobian_plans: dict[tuple[int, ...], Any] = {}  # by wrt (see sparse_jacobian.py)
        self._pool: list[tuple[np.ndarray, ...]] = []  # reusable workspaces (see _acquire)
        self._tangent_pool: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}  # by wrt
        self._zones: dict[int, np.ndarray] = {}  # by id of a cached live array
        # where each input lives: (in the value column, index, size), or None
        self.input_locations = [self._location(slot) if slot >= 0 else None for slot in inputs]
        self.input_sizes = [int(np.prod(shape)) for shape, _ in input_meta]
        self.numpy_entries = _numpy_entries(code, arg1, aux)

    def __getstate__(self) -> dict:
        state_ = dict(self.__dict__)
        state_["_live"] = {}
        state_["_hessian_plans"] = {}
        state_["_jacobian_plans"] = {}
        state_["_pool"] = []
        state_["_tangent_pool"] = {}
        state_["_zones"] = {}
        state_.pop("_generated", None)  # generated kernels (codegen.py) are per process
        state_.pop("_output_plans", None)
        state_.pop("_reverse_plans", None)
        state_.pop("_forward_mode", None)
        if state_["custom"]:
            raise TypeError("a compiled tape with custom gradients refers to Python functions and cannot be pickled")
        return state_

    def has_float32_numpy_entries(self) -> bool:
        """True when a replay hands float32 entries to NumPy (see ``_numpy_entries``)."""
        return any(int(self.code[i]) & K.F32 for i in self.numpy_entries)

    @property
    def n_entries(self) -> int:
        return len(self.code)

    # -- workspaces ------------------------------------------------------------------
    def _location(self, slot: int) -> tuple[bool, int, int]:
        """(in the value column, index, size) of a slot."""
        if K.IS_SCALAR[self.code.item(slot) & K.CODE_MASK]:
            return True, slot, 1
        r = self.arg1.item(slot)
        offset = self.aux.item(r, K.A_OFF)
        if offset == K.IN_VALUE_COLUMN:
            return True, slot, 1
        return False, offset, self.aux.item(r, K.A_SIZE)

    def _write(self, value: np.ndarray, arena: np.ndarray, slot: int, data: Any) -> None:
        in_column, at, size = self._location(slot)
        if in_column:
            value[at] = float(np.asarray(data).reshape(-1)[0])
        else:
            arena[at : at + size] = np.asarray(data, np.float64).reshape(-1)

    def result(self, value: np.ndarray, arena: np.ndarray, slot: int, shape: tuple[int, ...], dtype: Any) -> Any:
        """The slot's data as a result: a NumPy scalar of ``dtype`` for shape (), else a copy."""
        if shape:
            return self.read(value, arena, slot, shape, dtype)
        in_column, at, _ = self._location(slot)
        return quietly(dtype.type, value[at] if in_column else arena[at])  # float32 overflow is inf, silently

    def read(self, value: np.ndarray, arena: np.ndarray, slot: int, shape: tuple[int, ...], dtype: Any) -> Any:
        """A copy of the slot's data (workspaces are reused by later calls)."""
        in_column, at, size = self._location(slot)
        data = value[at] if in_column else arena[at : at + size].reshape(shape)
        return quietly(np.array, data, dtype).reshape(shape)

    def workspace(self, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the value buffers with the inputs and current variable values written in."""
        value = self.value.copy()
        arena = self.arena.copy()
        self._write_inputs(value, arena, values)
        return value, arena

    def _acquire(self, values: Sequence[Any]) -> "Workspace":
        """A (value, arena, adj, adj_arena) workspace with the inputs written in; give it back
        with ``self._pool.append`` when done. Leaves and constants are never written by a
        replay, so a reused workspace needs only its inputs and variables rewritten:
        large constants (a 10,000 x 100 design matrix) are not copied on every call."""
        try:
            workspace = self._pool.pop()
        except IndexError:
            workspace = Workspace(self)
        value = workspace[0]
        for (at, view), v in zip(workspace.inputs, values):
            if view is not None:
                if type(v) is np.ndarray and v.shape == view.shape:
                    view[...] = v
                else:
                    workspace[1][at : at + view.size] = np.asarray(v).reshape(-1)
            elif at >= 0:
                value[at] = v if type(v) is float else float(np.asarray(v).reshape(-1)[0])
        for variable, slots in self.variables:
            for slot in slots:
                self._write(value, workspace[1], slot, variable._t._v)
        return workspace

    def _write_inputs(self, value: np.ndarray, arena: np.ndarray, values: Sequence[Any]) -> None:
        """Write the input values and the variables' current values into their leaf slots."""
        for location, v in zip(self.input_locations, values):
            if location is not None:
                in_column, at, size = location
                if in_column:
                    value[at] = v if type(v) is float else float(np.asarray(v).reshape(-1)[0])
                elif type(v) is np.ndarray:
                    arena[at : at + size] = v.reshape(-1)
                else:
                    arena[at : at + size] = np.asarray(v).reshape(-1)
        for variable, slots in self.variables:
            for slot in slots:
                self._write(value, arena, slot, variable._t._v)

    def live(self, targets: tuple[int, ...], sources: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Reachability from ``targets`` back to ``sources`` and the reverse codes (cached: the
        tape never changes)."""
        key = (targets, sources)
        if key not in self._live:
            K.ensure_compiled()
            self._live[key] = K.mark_live(self.code, self.arg0, self.arg1, self.aux, self.iarena,
                                          np.array(targets, np.int64), np.array(sources, np.int64))
        return self._live[key]

    def zones(self, live: np.ndarray) -> np.ndarray:
        """(offset, size) of every live array slot in the arena: the adjoint regions a replay zeroes."""
        key = id(live)
        if key not in self._zones:
            regions = []
            for slot in np.flatnonzero(live):
                in_column, at, size = self._location(int(slot))
                if not in_column:
                    regions.append((at, size))
            self._zones[key] = np.array(regions, np.int64).reshape(-1, 2)
        return self._zones[key]

    def _sources(self, wrt: Sequence[int]) -> tuple[int, ...]:
        return tuple(self.inputs[k] for k in wrt if self.inputs[k] >= 0)

    def _slot_value(self, value: np.ndarray, arena: np.ndarray, slot: int) -> Any:
        shape = self.shape_of(slot)
        f32 = bool(int(self.code[slot]) & K.F32)
        data = self.read(value, arena, slot, shape, np.float32 if f32 else np.float64)
        return data if shape else data.reshape(())[()]

    def shape_of(self, slot: int) -> tuple[int, ...]:
        if K.IS_SCALAR[int(self.code[slot]) & K.CODE_MASK]:
            return ()
        return self.shapes[int(self.arg1[slot])]

    def read_plan(self, slot: int, shape: tuple[int, ...], dtype: Any) -> tuple:
        """Where a slot's data is, for :func:`take` (computed once per slot: the tape never changes)."""
        in_column, at, size = self._location(slot)
        return in_column, at, at + size, shape, dtype, dtype == _F64

    def output_plans(self) -> list[Any]:
        """Per output: a :meth:`read_plan`, or the Python value f returned (cached)."""
        plans = self.__dict__.get("_output_plans")
        if plans is None:
            plans = self.__dict__["_output_plans"] = [
                self.read_plan(*out) if isinstance(out, tuple) else out for out in self.outputs]
        return plans

    def forward_mode_pays(self, wrt: tuple[int, ...]) -> bool:
        """True when value_and_grad for ``wrt`` runs forward mode: at most ``FORWARD_MODE_MAX_INPUTS``
        input elements, a Tensor output, no custom gradients and no NumPy-computed entries (cached per wrt)."""
        choices = self.__dict__.setdefault("_forward_mode", {})
        choice = choices.get(wrt)
        if choice is None:
            few_inputs = sum(self.input_sizes[j] for j in wrt) <= FORWARD_MODE_MAX_INPUTS
            # numpy_entries: their values come from NumPy in the reverse path only (one answer per input)
            choice = choices[wrt] = few_inputs and isinstance(self.outputs[0], tuple) and not self.custom \
                and not self.numpy_entries
        return choice

    def _reverse_plan(self, wrt: tuple[int, ...]) -> tuple:
        """What a reverse-mode value_and_gradient for ``wrt`` needs besides the workspace (cached)."""
        plans = self.__dict__.setdefault("_reverse_plans", {})
        plan = plans.get(wrt)
        if plan is None:
            target, shape, dtype = self.outputs[0]
            sources = [self.inputs[k] for k in wrt]
            stop = min([s for s in sources if s >= 0], default=target)
            live, rcode = self.live((target,), self._sources(wrt))
            grads = [self.read_plan(self.inputs[k], *self.input_meta[k])
                     if self.inputs[k] >= 0 and live[self.inputs[k]] else self.input_meta[k] for k in wrt]
            plan = plans[wrt] = (target, stop, live, rcode, self.zones(live), self.read_plan(target, shape, dtype),
                                 grads)
        return plan

    def output_values(self, value: np.ndarray, arena: np.ndarray) -> list[Any]:
        result = []
        for out in self.outputs:
            if isinstance(out, tuple):  # (slot, shape, dtype)
                slot, shape, dtype = out
                data = self.read(value, arena, slot, shape, dtype)
                result.append(data if shape else dtype.type(data.reshape(())[()]))
            else:
                result.append(out)
        return result


_F64 = np.dtype(np.float64)


class Workspace(tuple):
    """The (value, arena, adj, adj_arena) buffers of one replay, pooled by a trace, with the
    argument tuples of the compiled calls made on them built once (``forward``, ``guards``,
    and per wrt in ``reverse``): a replay on a warm workspace passes ``*args``."""

    def __new__(cls, trace: FrozenTape) -> "Workspace":
        value, arena = trace.value.copy(), trace.arena.copy()
        return super().__new__(cls, (value, arena, np.empty(len(trace.code)), np.empty(len(trace.arena))))

    def __init__(self, trace: FrozenTape) -> None:
        value, arena = self[0], self[1]
        t = trace
        self.forward = (t.code, t.arg0, t.arg1, value, t.aux, arena, t.iarena, 0, len(t.code))
        self.guards = (t.code, t.arg0, t.arg1, value, t.aux, arena, t.iarena, t.guard_kind, t.guard_a, t.guard_b,
                       t.guard_off, t.guard_expected)
        self.reverse: dict[tuple[int, ...], tuple] = {}
        #: per input: (index, None) in the value column, (offset, a view of the arena shaped as
        #: the input) in the arena, or (-1, None) when no entry reads it
        self.inputs = [(-1, None) if location is None else (location[1], None) if location[0] else
                       (location[1], arena[location[1] : location[1] + location[2]].reshape(meta[0]))
                       for location, meta in zip(t.input_locations, t.input_meta)]


def take(plan: tuple, value: np.ndarray, arena: np.ndarray) -> Any:
    """The data :meth:`FrozenTape.read_plan` locates, as :meth:`FrozenTape.result` gives it (a
    NumPy scalar for shape (), else a copy: workspaces are reused), without its lookups."""
    in_column, at, end, shape, dtype, f64 = plan
    if not shape:
        x = value[at] if in_column else arena[at]
        return x if f64 else quietly(dtype.type, x)  # float32 overflow is inf, silently
    data = value[at : at + 1] if in_column else arena[at:end]
    return data.reshape(shape).copy() if f64 else quietly(np.array, data, dtype).reshape(shape)


class _ReplayTape:
    """Enough of a Tape for ``fast_gradients``: replayed buffers and this call's custom records."""

    def __init__(self, trace: FrozenTape, value: np.ndarray, arena: np.ndarray, calls: dict) -> None:
        b = TapeBuffers.__new__(TapeBuffers)
        b.n = b.capacity = len(trace.code)
        b.code, b.arg0, b.arg1, b.value = trace.code, trace.arg0, trace.arg1, value
        b.n_aux, b.aux, b.shapes = len(trace.aux), trace.aux, trace.shapes
        b.arena_size, b.arena = len(arena), arena
        b.iarena_size, b.iarena = len(trace.iarena), trace.iarena
        b.external = []
        self.buffers = b
        self.custom = calls


def _all_finite(a: np.ndarray) -> bool:
    """np.all(np.isfinite(a)) without its 3 us of wrappers on the few elements forward mode has."""
    if a.size == 1:
        return math.isfinite(a.item())
    return bool(np.isfinite(a).all())


def _cast(data: Any, dtype: Any) -> np.ndarray:
    """``data`` as ``dtype`` (float32 results are computed in float64): overflow is inf, silently."""
    return quietly(np.asarray, data, dtype)


#: Unary functions whose NumPy ufuncs are much faster than a compiled loop calling the
#: C library per element (NumPy has SIMD versions: 5-11x for 32,768 float64 elements,
#: measured; sin and cos are not faster), and the array size from which a replay hands
#: them to NumPy (a round trip through Python costs a few microseconds).
NUMPY_UNARY = frozenset(code for code, spec in ELEMENTWISE.items() if spec.numpy_replay)
NUMPY_MIN_SIZE = 2048
#: Functions whose float32 entries, of any size, a replay hands to NumPy: eager float32 code
#: gets NumPy's float32 loops, which are not correctly rounded (the compiled formulas are),
#: and a float32 replay gives eager's bits (issue 10 item 9; DESIGN_NOTES, float32).
NUMPY_FLOAT32 = frozenset(code for code, spec in ELEMENTWISE.items() if spec.float32_numpy)


def _numpy_entries(code: np.ndarray, arg1: np.ndarray, aux: np.ndarray) -> list[int]:
    """The entries a replay computes with NumPy (their values are then the eager ones bit for
    bit: the same ufunc on the same dtype): large float64 unary array entries of NUMPY_UNARY,
    float32 array entries of NUMPY_FLOAT32, and float32 matrix products and sums. (float32
    scalar entries of NUMPY_FLOAT32 stay compiled: eager code rounds the row's float64 formula
    for them, ``ufunc._rounded_scalar``.)"""
    found = []
    f32_array = (K.OP_UNARY | K.F32, K.OP_BINARY | K.F32)
    for i, c in enumerate(code.tolist()):
        if c in (K.OP_MATMUL | K.F32, K.OP_REDUCE_SUM | K.F32):
            found.append(i)  # eager float32 code: sgemm, float32 pairwise sums; compiled: in float64
        elif c == K.OP_UNARY or c in f32_array:
            row = aux[int(arg1[i])]
            fn = int(row[K.A_FN])
            if c in f32_array:
                if fn in NUMPY_FLOAT32:
                    found.append(i)
            elif fn in NUMPY_UNARY and int(row[K.A_SIZE]) >= NUMPY_MIN_SIZE and int(row[K.A_OFF]) >= 0:
                found.append(i)
    return found


def _all_in_arena(b: TapeBuffers, aux: np.ndarray, arena: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move every externally held array into the arena (a replay computes them all)."""
    extra = []
    end = len(arena)
    for r in range(len(aux)):
        off = int(aux[r, K.A_OFF])
        if off <= -2:
            data = b.external[-2 - off]
            flat = np.asarray(data, np.float64).reshape(-1)
            aux[r, K.A_OFF] = end
            extra.append(flat)
            end += flat.size
    if extra:
        arena = np.concatenate([arena] + extra)
    return aux, arena

