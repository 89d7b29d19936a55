"""nt.function: trace once, then replay the tape in compiled code.

The first call with a new input signature (shapes, dtypes, and the values of any
non-array arguments) runs ``f`` eagerly on a private tape, and freezes the tape
into a :class:`CompiledTape`: its buffers, with every value moved into one arena,
the slots of the inputs, of the variables ``f`` read and of the outputs, and the
**guards**. Later calls write the new inputs into a pooled workspace (a copy of the
value buffers, reused between calls) and run the forward replay and, when asked,
the reverse sweep, in one Numba call (large exp/log/tanh-like entries go to NumPy).

Guards make a replay never return a stale answer. While tracing, every decision
Python makes on a recorded value is recorded: a comparison (``if x > 0``, ``while
y < k``, ``max(a, b)``), ``bool(t)``, ``int(t)`` and ``float(t)``. A replay checks
them all after its forward pass; if any fails, ``f`` is traced again for those
inputs and the new trace is kept beside the old ones (the other branch). A value
that leaves the tape where it cannot be guarded (``t.numpy()``, ``np.asarray(t)``,
a variable assignment) makes the trace unusable: that signature then runs eagerly,
with a one-time warning.

Derivatives: ``value_and_grad``/``grad`` replay with one reverse sweep, or with one
forward pass carrying tangents when the inputs have at most
``FORWARD_MODE_MAX_INPUTS`` elements; ``jacobian`` runs the vector-mode sweep (one
pass carrying one seed per output), or forward mode when there are fewer inputs
than outputs; ``hvp`` is one forward-over-reverse pass, and ``hessian`` the same with
one direction per color of the Hessian's structural sparsity pattern.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from . import _nest
from ._kernels import sweep as K
from ._fpstate import quietly
from ._state import state
from .backward import Source, fast_gradients
from .errors import describe
from .gradient_tape import GradientTape
from .ops.registry import ELEMENTWISE
from .tape.buffers import TapeBuffers
from .tape.recorder import Tape
from .tensor import Tensor, to_value, wrap
from .variable import Variable

ArgNums = Union[int, Sequence[int]]

_GUARD_KINDS = {
    np.less: K.GUARD_LESS, np.less_equal: K.GUARD_LESS_EQUAL, np.greater: K.GUARD_GREATER,
    np.greater_equal: K.GUARD_GREATER_EQUAL, np.equal: K.GUARD_EQUAL, np.not_equal: K.GUARD_NOT_EQUAL,
}


#: value_and_grad uses forward mode (one pass carrying a tangent per input element)
#: when the inputs have at most this many elements in all; reverse mode otherwise.
FORWARD_MODE_MAX_INPUTS = 2


def _all_finite(a: np.ndarray) -> bool:
    """np.all(np.isfinite(a)) without its 3 us of wrappers on the few elements forward mode has."""
    if a.size == 1:
        return math.isfinite(a.item())
    return bool(np.isfinite(a).all())

#: Signatures (shapes, dtypes, static argument values) traced per function before new
#: ones run eagerly: a static argument that takes many values must not grow the cache forever.
MAX_SIGNATURES = 64

_EAGER = object()  # a replay asking its caller to run the function eagerly


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
        from .ops.elementwise import _full_or_single

        if isinstance(x, Variable):
            x = x._t
        if not isinstance(x, Tensor):
            x = wrap(to_value(x, "comparison"))
        x = _full_or_single(x, shape)
        slot = self.tape.slot_of(x)
        return slot if slot >= 0 else self.tape.watch(x)

    def comparison(self, ufunc: Any, a: Any, b: Any, result: Any) -> None:
        """A comparison computed on recorded values: the trace holds only if it repeats."""
        if self._slot(a) < 0 and self._slot(b) < 0:
            return
        shape = np.shape(result)
        sa = self._operand_slot(a, shape)
        sb = self._operand_slot(b, shape)
        self.guards.append((_GUARD_KINDS[ufunc], sa, sb, np.asarray(result, np.float64).reshape(-1)))

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
        elif how == "float":
            self.guards.append((K.GUARD_SAME, slot, -1, value.copy()))
        else:
            self.escape = self.escape or how

    def side_effect(self, what: str) -> None:
        self.escape = self.escape or what


def _is_dynamic(arg: Any) -> bool:
    """Arrays, Tensors and floats are inputs of a trace; other arguments are part of its key."""
    if isinstance(arg, (Tensor, np.ndarray, float, np.floating)):
        return True
    return isinstance(arg, (list, tuple)) and len(arg) > 0 and all(
        isinstance(e, (float, int, np.number)) and not isinstance(e, bool) for e in _nest.flatten(arg))


def _input_value(arg: Any) -> Any:
    if isinstance(arg, Tensor):
        return arg._v
    return to_value(arg, "function")


_FLOAT_KEY = ("input", (), np.dtype(np.float64).str)


def _signature(args: tuple, kwargs: dict) -> tuple[tuple, list[Any]]:
    """The cache key of a call (shapes and dtypes of inputs, values of the rest) and its input values."""
    key = []
    values = []
    for arg in args:
        kind = type(arg)
        if kind is float:  # the common cases first: this runs on every call
            values.append(arg)
            key.append(_FLOAT_KEY)
        elif kind is np.ndarray and arg.dtype.kind == "f" and arg.dtype.itemsize in (4, 8):
            values.append(arg)
            key.append(("input", arg.shape, arg.dtype.str))
        elif kind is Tensor and type(arg._v) is np.ndarray:  # canonical: a float32/64 array
            v = arg._v
            values.append(v)
            key.append(("input", v.shape, v.dtype.str))
        elif _is_dynamic(arg):
            v = _input_value(arg)
            values.append(v)
            key.append(("input", np.shape(v), np.asarray(v).dtype.str))
        else:
            values.append(None)
            try:
                hash(arg)
            except TypeError:
                raise TypeError(
                    f"nt.function: argument {describe(arg)} is neither an array nor hashable; pass arrays, "
                    "Tensors, numbers, or hashable static values"
                ) from None
            key.append(("static", type(arg), arg))
    for name in sorted(kwargs):
        value = kwargs[name]
        if isinstance(value, (Tensor, Variable, np.ndarray)):
            raise TypeError(f"nt.function: pass array inputs positionally (keyword argument {name!r} is an array); "
                            "keyword arguments are static, part of the trace's key")
        key.append(("keyword", name, value))
    return tuple(key), values


# ---------------------------------------------------------------------------
# The frozen tape
# ---------------------------------------------------------------------------
class CompiledTape:
    """A frozen trace of one function at one input signature: data only, picklable.

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
        state_["_pool"] = []
        state_["_tangent_pool"] = {}
        state_["_zones"] = {}
        if state_["custom"]:
            raise TypeError("a compiled tape with custom gradients refers to Python functions and cannot be pickled")
        return state_

    @property
    def n_entries(self) -> int:
        return len(self.code)

    # -- workspaces ------------------------------------------------------------------
    def _location(self, slot: int) -> tuple[bool, int, int]:
        """(in the value column, index, size) of a slot."""
        if (self.code.item(slot) & K.CODE_MASK) < K.OP_ARRAY_LEAF:
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

    def _acquire(self, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A (value, arena, adj, adj_arena) workspace with the inputs written in; give it back
        with ``self._pool.append`` when done. Leaves and constants are never written by a
        replay, so a reused workspace needs only its inputs and variables rewritten:
        large constants (a 10,000 x 100 design matrix) are not copied on every call."""
        try:
            workspace = self._pool.pop()
        except IndexError:
            workspace = (self.value.copy(), self.arena.copy(), np.empty(len(self.code)), np.empty(len(self.arena)))
        self._write_inputs(workspace[0], workspace[1], values)
        return workspace

    def _write_inputs(self, value: np.ndarray, arena: np.ndarray, values: Sequence[Any]) -> None:
        """Write the input values and the variables' current values into their leaf slots."""
        for location, v in zip(self.input_locations, values):
            if location is not None:
                in_column, at, size = location
                if in_column:
                    value[at] = v if type(v) is float else float(np.asarray(v).reshape(-1)[0])
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

    # -- replays -----------------------------------------------------------------------
    def forward(self, values: Sequence[Any]) -> Optional[tuple[np.ndarray, np.ndarray, dict]]:
        """The values of every slot for ``values``, or None when a guard fails."""
        K.ensure_compiled()
        value, arena = self.workspace(values)
        calls = self._replay_values(value, arena)
        if not K.guards_hold(self.code, self.arg1, value, self.aux, arena, self.guard_kind, self.guard_a,
                             self.guard_b, self.guard_off, self.guard_expected):
            return None
        return value, arena, calls

    def _replay_values(self, value: np.ndarray, arena: np.ndarray) -> dict[int, Any]:
        """Recompute every entry's value in place: compiled segments, with NumPy for the
        ``numpy_entries`` and Python for custom-gradient calls. Returns the calls' records."""
        calls: dict[int, Any] = {}
        start = 0
        n = len(self.code)
        for stop in self.numpy_entries + [n]:
            while start < stop:
                i = K.forward_replay(self.code, self.arg0, self.arg1, value, self.aux, arena, self.iarena,
                                     start, stop)
                if i < 0:
                    start = stop
                else:
                    start = self._custom_forward(i, value, arena, calls)
            if stop < n:
                self._numpy_forward(stop, value, arena)
                start = stop + 1
        return calls

    def _numpy_forward(self, i: int, value: np.ndarray, arena: np.ndarray) -> None:
        """Entry ``i`` (a large unary function, see ``_numpy_entries``) computed by NumPy in place."""
        r = int(self.arg1[i])
        fn, off, size = int(self.aux[r, K.A_FN]), int(self.aux[r, K.A_OFF]), int(self.aux[r, K.A_SIZE])
        x_off = int(self.aux[int(self.arg1[int(self.arg0[i])]), K.A_OFF])
        ufunc = ELEMENTWISE[fn].ufunc
        if isinstance(ufunc, np.ufunc):
            quietly(ufunc, arena[x_off : x_off + size], out=arena[off : off + size])
        else:  # a composite (softplus)
            arena[off : off + size] = quietly(ufunc, arena[x_off : x_off + size])

    def _custom_forward(self, call: int, value: np.ndarray, arena: np.ndarray, calls: dict) -> int:
        """Run a custom_gradient function on replayed inputs; return where the replay resumes."""
        from .custom_gradient import CustomCall

        record = self.custom[call]
        inputs = [wrap(self._slot_value(value, arena, s)) for s in record.input_slots[: record.n_args]]
        saved = state.stack
        state.stack = []
        try:
            result, grad_fn = record.forward(*inputs)
        finally:
            state.stack = saved
        outputs = _nest.flatten(result)
        for slot, out in zip(record.output_slots, outputs):
            self._write(value, arena, slot, out._v if isinstance(out, Tensor) else out)
        calls[call] = CustomCall(grad_fn, record.input_slots, record.output_slots, record.n_args,
                                 record.variables, record.forward)
        return max(record.output_slots) + 1

    def _slot_value(self, value: np.ndarray, arena: np.ndarray, slot: int) -> Any:
        shape = self.shape_of(slot)
        f32 = bool(int(self.code[slot]) & K.F32)
        data = self.read(value, arena, slot, shape, np.float32 if f32 else np.float64)
        return data if shape else data.reshape(())[()]

    def shape_of(self, slot: int) -> tuple[int, ...]:
        if (int(self.code[slot]) & K.CODE_MASK) < K.OP_ARRAY_LEAF:
            return ()
        return self.shapes[int(self.arg1[slot])]

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

    def value_and_gradient(self, values: Sequence[Any], wrt: Sequence[int]) -> Optional[tuple[Any, list[Any]]]:
        """(f's value, gradients with respect to the inputs ``wrt``), or None when a guard fails."""
        out = self.outputs[0]
        if not isinstance(out, tuple):  # a constant output: no gradient anywhere
            forward = self.forward(values)
            if forward is None:
                return None
            return out, [np.zeros(self.input_meta[k][0], self.input_meta[k][1]) for k in wrt]
        target, shape, dtype = out
        sources = [self.inputs[k] for k in wrt]
        stop = min([s for s in sources if s >= 0], default=target)
        live, rcode = self.live((target,), self._sources(wrt))
        if self.custom:
            return self._segmented_value_and_gradient(values, wrt, target, shape, dtype, live, rcode)
        workspace = self._acquire(values)
        try:
            value, arena, adj, adj_arena = workspace
            if self.numpy_entries:
                self._replay_values(value, arena)
                replay = K.replay_gradient
            else:
                replay = K.replay_value_and_gradient  # values and gradient in one compiled call
            status = replay(
                self.code, rcode, self.arg0, self.arg1, value, self.aux, arena, self.iarena, adj, adj_arena,
                self.zones(live), self.guard_kind, self.guard_a, self.guard_b, self.guard_off, self.guard_expected,
                target, stop)
            if status == -2:
                return None
            f_value = self.result(value, arena, target, shape, dtype)
            grads = [self._gradient(adj, adj_arena, k, live) for k in wrt]
        finally:
            self._pool.append(workspace)
        return f_value, grads

    def _gradient(self, adj: np.ndarray, adj_arena: np.ndarray, k: int, live: np.ndarray) -> np.ndarray:
        shape, dtype = self.input_meta[k]
        slot = self.inputs[k]
        if slot < 0 or not live[slot]:
            return np.zeros(shape, dtype) if shape else dtype.type(0.0)
        return self.result(adj, adj_arena, slot, shape, dtype)  # read copies: workspaces are reused

    def _segmented_value_and_gradient(self, values: Sequence[Any], wrt: Sequence[int], target: int,
                                      shape: tuple[int, ...], dtype: np.dtype, live: np.ndarray,
                                      rcode: np.ndarray) -> Optional[tuple[Any, list[Any]]]:
        """The replay of a trace with custom gradients: compiled segments, Python for each call."""
        forward = self.forward(values)
        if forward is None:
            return None
        value, arena, calls = forward
        tape = _ReplayTape(self, value, arena, calls)
        infos: list[Source] = [([self.inputs[k]] if self.inputs[k] >= 0 else [], self.input_meta[k][1],
                                self.input_meta[k][0]) for k in wrt]
        seed = np.ones(shape, np.float64) if shape else 1.0
        grads = fast_gradients(tape, [(target, seed)], infos, live, rcode)  # type: ignore[arg-type]
        f_value = self.read(value, arena, target, shape, dtype)
        result = [np.zeros(info[2], info[1]) if g is None else _cast(g, info[1]).reshape(info[2])
                  for g, info in zip(grads, infos)]
        return (f_value if shape else dtype.type(f_value.reshape(())[()])), result

    def vector_jacobian(self, values: Sequence[Any], wrt: Sequence[int], seeds: np.ndarray
                        ) -> Optional[tuple[Any, list[np.ndarray]]]:
        """Row j of the result is ``seeds[j] @ J`` for each input in ``wrt`` (one vector-mode sweep)."""
        target, shape, dtype = self.outputs[0]
        forward = self.forward(values)
        if forward is None:
            return None
        value, arena, calls = forward
        if self.custom:
            raise TypeError("jacobians of nt.function traces with custom gradients are not supported")
        live, rcode = self.live((target,), self._sources(wrt))
        k = seeds.shape[0]
        adj = np.zeros((k, len(self.code)))
        adj_arena = np.zeros((k, len(self.arena)))
        in_column, at, size = self._location(target)
        if in_column:
            adj[:, at] = seeds.reshape(k)
        else:
            adj_arena[:, at : at + size] = seeds.reshape(k, size)
        sources = [self.inputs[j] for j in wrt]
        stop = min([s for s in sources if s >= 0], default=target)
        K.reverse_sweep_multi(self.code, rcode, self.arg0, self.arg1, value, self.aux, arena, self.iarena,
                              adj, adj_arena, target, stop)
        f_value = self.read(value, arena, target, shape, dtype)
        rows = []
        for j in wrt:
            in_shape, in_dtype = self.input_meta[j]
            slot = self.inputs[j]
            if slot < 0 or not live[slot]:
                rows.append(np.zeros((k,) + in_shape, in_dtype))
                continue
            col, at_j, size_j = self._location(slot)
            block = adj[:, at_j] if col else adj_arena[:, at_j : at_j + size_j]
            rows.append(_cast(block, in_dtype).reshape((k,) + in_shape))
        return f_value, rows

    # -- forward mode and second order -------------------------------------------------
    def _tangents(self, wrt: Sequence[int], seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Zero tangents with direction j of ``seeds`` (k, total size of wrt) at the inputs."""
        k = seeds.shape[0]
        dvalue = np.zeros((k, len(self.code)))
        darena = np.zeros((k, len(self.arena)))
        start = 0
        for j in wrt:
            size = self.input_sizes[j]
            location = self.input_locations[j]
            if location is not None:
                in_column, at, _ = location
                if in_column:
                    dvalue[:, at] += seeds[:, start]
                else:
                    darena[:, at : at + size] += seeds[:, start : start + size]
            start += size
        return dvalue, darena

    def _replay_tangents(self, value: np.ndarray, arena: np.ndarray, dvalue: np.ndarray, darena: np.ndarray) -> int:
        """One compiled forward pass with tangents, then the guards: -1, -2 (a guard failed) or a hand-off."""
        return K.replay_tangents(self.code, self.arg0, self.arg1, value, self.aux, arena, self.iarena, dvalue,
                                 darena, self.guard_kind, self.guard_a, self.guard_b, self.guard_off,
                                 self.guard_expected)

    def forward_mode(self, values: Sequence[Any], wrt: Sequence[int], seeds: np.ndarray
                     ) -> Optional[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Values and tangents of every slot for the directions ``seeds`` (copies), or None when a
        guard fails."""
        K.ensure_compiled()
        dvalue, darena = self._tangents(wrt, seeds)
        workspace = self._acquire(values)
        try:
            value, arena = workspace[0], workspace[1]
            status = self._replay_tangents(value, arena, dvalue, darena)
            result = None if status == -2 else (value.copy(), arena.copy(), dvalue, darena)
        finally:
            self._pool.append(workspace)
        return result

    def value_and_gradient_forward(self, values: Sequence[Any], wrt: Sequence[int]
                                   ) -> Optional[tuple[Any, list[Any]]]:
        """value_and_gradient by forward mode: one pass with one tangent per input element."""
        K.ensure_compiled()
        target, shape, dtype = self.outputs[0]
        sizes = [self.input_sizes[j] for j in wrt]
        # Seeded tangent buffers are reused: a replay writes every tangent but the leaves',
        # and those (seeds at the inputs, zeros elsewhere) are the same on every call.
        pool = self._tangent_pool.setdefault(tuple(wrt), [])
        try:
            tangent_workspace = pool.pop()
        except IndexError:
            tangent_workspace = self._tangents(wrt, np.eye(sum(sizes)))
        dvalue, darena = tangent_workspace
        workspace = self._acquire(values)
        try:
            value, arena = workspace[0], workspace[1]
            status = self._replay_tangents(value, arena, dvalue, darena)
            if status == -2:
                return None
            f_value = self.result(value, arena, target, shape, dtype)
            in_column, at, size = self._location(target)
            tangents = dvalue[:, at].copy() if in_column else darena[:, at : at + size].sum(axis=1)
        finally:
            self._pool.append(workspace)
            pool.append(tangent_workspace)
        grads = []
        start = 0
        for j, size_j in zip(wrt, sizes):
            in_shape, in_dtype = self.input_meta[j]
            g = _cast(tangents[start : start + size_j], in_dtype).reshape(in_shape)
            grads.append(g if in_shape else in_dtype.type(g.reshape(())[()]))
            start += size_j
        if not (_all_finite(f_value) and _all_finite(tangents)):
            # Forward mode multiplies zero tangents by infinite partials (1*0 + 0*inf = NaN for d(a*b)/da
            # at a = inf, b = 0), so its NaNs need not be reverse mode's, whose are TensorFlow's: any
            # non-finite number is recomputed in reverse mode (finite results agree up to rounding).
            return self.value_and_gradient(values, wrt)
        return f_value, grads

    def second_order(self, values: Sequence[Any], k: int, seeds: np.ndarray) -> Optional[np.ndarray]:
        """Rows ``H @ seeds[j]`` for the Hessian of f (summed over its elements) in argument k."""
        K.ensure_compiled()
        target, _, _ = self.outputs[0]
        slot = self.inputs[k]
        in_shape, _ = self.input_meta[k]
        n = int(np.prod(in_shape))
        if slot < 0:
            return np.zeros((seeds.shape[0], n))
        dvalue, darena = self._tangents([k], seeds)
        live, rcode = self.live((target,), self._sources([k]))
        dadj = np.empty_like(dvalue)
        dadj_arena = np.empty_like(darena)
        workspace = self._acquire(values)
        try:
            value, arena, adj, adj_arena = workspace
            status = K.replay_second_order(
                self.code, rcode, self.arg0, self.arg1, value, self.aux, arena, self.iarena, dvalue, darena, adj,
                adj_arena, dadj, dadj_arena, self.guard_kind, self.guard_a, self.guard_b, self.guard_off,
                self.guard_expected, target, slot)
        finally:
            self._pool.append(workspace)
        if status == -2:
            return None
        if not live[slot]:
            return np.zeros((seeds.shape[0], n))
        in_column, at, size = self._location(slot)
        return dadj[:, at : at + 1].copy() if in_column else dadj_arena[:, at : at + size].copy()

    def hessian(self, values: Sequence[Any], k: int) -> Optional[np.ndarray]:
        """The dense Hessian in argument k, by forward-over-reverse with compressed directions."""
        in_shape, in_dtype = self.input_meta[k]
        slot = self.inputs[k]
        if slot < 0:
            return np.zeros(in_shape + in_shape, in_dtype)
        plan = self._hessian_plans.get(k) or self._hessian_plan(k)
        seeds, rows, cols, col_colors = plan
        target = self.outputs[0][0]
        _, rcode = self.live((target,), self._sources([k]))
        workspace = self._acquire(values)
        try:
            value, arena = workspace[0], workspace[1]
            status, h = K.replay_hessian(self.code, rcode, self.arg0, self.arg1, value, self.aux, arena,
                                         self.iarena, self.guard_kind, self.guard_a, self.guard_b, self.guard_off,
                                         self.guard_expected, target, slot, seeds, rows, cols, col_colors)
        finally:
            self._pool.append(workspace)
        if status == -2:
            return None
        return _cast(h, in_dtype).reshape(in_shape + in_shape)

    def _hessian_plan(self, k: int) -> tuple:
        """Seeds and read-back indices from the coloring of the structural sparsity pattern (once)."""
        from .sparsity import color_columns, hessian_pattern

        K.ensure_compiled()
        n = self.input_sizes[k]
        pattern = hessian_pattern(self, self.inputs[k], self.outputs[0][0])
        if pattern is None:
            pattern = np.ones((n, n), bool)
            colors = np.arange(n)
        else:
            colors = color_columns(pattern)
        seeds = np.zeros((int(colors.max()) + 1 if n else 0, n))
        seeds[colors, np.arange(n)] = 1.0
        rows, cols = np.nonzero(pattern)
        plan = (seeds, rows.astype(np.int64), cols.astype(np.int64), colors[cols].astype(np.int64))
        self._hessian_plans[k] = plan
        return plan

    def batch_value_and_gradient(self, batches: Sequence[np.ndarray], wrt: int) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray]:
        """Values, gradients and statuses for examples stacked on a leading axis, in parallel."""
        K.ensure_compiled()
        target, shape, dtype = self.outputs[0]
        n_batch = len(batches[0])
        values = np.empty((n_batch, len(self.code)))
        arenas = np.empty((n_batch, len(self.arena)))
        for b in range(n_batch):
            values[b], arenas[b] = self.workspace([column[b] for column in batches])
        live, rcode = self.live((target,), self._sources([wrt]))
        source = self.inputs[wrt]
        stop = source if source >= 0 else target
        adjs = np.empty_like(values)
        adj_arenas = np.empty_like(arenas)
        status = np.zeros(n_batch, np.int64)
        K.batch_value_and_gradient(
            self.code, rcode, self.arg0, self.arg1, values, self.aux, arenas, self.iarena, self.zones(live),
            self.guard_kind, self.guard_a, self.guard_b, self.guard_off, self.guard_expected, target, stop,
            adjs, adj_arenas, status)
        in_shape, in_dtype = self.input_meta[wrt]
        f_values = np.stack([self.read(values[b], arenas[b], target, shape, dtype) for b in range(n_batch)])
        grads = np.stack([self._gradient(adjs[b], adj_arenas[b], wrt, live) for b in range(n_batch)]) \
            if n_batch else np.zeros((0,) + in_shape, in_dtype)
        return f_values, grads, status

    def standalone_value_and_grad(self) -> tuple[Callable[..., Any], tuple]:
        """(njit function, data) so that ``fn(data, x)`` returns ``(value, gradient, ok)`` in Numba code."""
        if self.custom:
            raise TypeError("a trace with custom gradients needs Python and cannot run inside Numba code")
        if len(self.inputs) != 1 or not isinstance(self.outputs[0], tuple):
            raise TypeError("compiled_value_and_grad needs a function of one array argument with a Tensor output")
        target, shape, _ = self.outputs[0]
        if shape:
            raise TypeError("compiled_value_and_grad needs a scalar output")
        K.ensure_compiled()
        slot = self.inputs[0]
        in_column, at, size = self._location(slot) if slot >= 0 else (True, 0, 0)
        live, rcode = self.live((target,), self._sources([0]))
        variable_slots = [s for _, slots in self.variables for s in slots]
        if variable_slots:
            raise TypeError("compiled_value_and_grad does not support functions that read variables")
        data = (self.code, rcode, self.arg0, self.arg1, self.value, self.aux, self.arena, self.iarena, live,
                self.zones(live),
                self.guard_kind, self.guard_a, self.guard_b, self.guard_off, self.guard_expected,
                np.int64(target), np.int64(slot), np.int64(at), np.int64(size), in_column)
        return K.standalone_value_and_grad, data


class _TraceRun:
    """One tracing run of f: its eager result, its tape, its input Tensors, and the frozen trace."""

    def __init__(self, result: Any, tape: Tape, inputs: list[Optional[Tensor]]) -> None:
        self.result = result
        self.tape = tape
        self.inputs = inputs
        self.compiled: Optional[CompiledTape] = None

    def gradient_tape(self) -> GradientTape:
        """A persistent GradientTape over this run's tape, to differentiate the result eagerly."""
        facade = GradientTape(persistent=True)
        facade._tape = self.tape
        return facade

    def sources(self, wrt: Sequence[int]) -> list[Tensor]:
        return [self.inputs[k] for k in wrt]  # type: ignore[misc]

    def value_and_grad(self, wrt: Sequence[int]) -> tuple[Any, list[Any]]:
        y = _single_output(self.result)
        grads = self.gradient_tape().gradient(y, self.sources(wrt), unconnected_gradients="zero")
        return y.numpy(), [g.numpy() for g in grads]

    def jacobian(self, wrt: Sequence[int]) -> list[Any]:
        y = _single_output(self.result)
        jacobians = self.gradient_tape().jacobian(y, self.sources(wrt), unconnected_gradients="zero")
        return [j.numpy() for j in jacobians]


def _single_output(result: Any) -> Tensor:
    if isinstance(result, Variable):
        return result._t
    if isinstance(result, Tensor):
        return result
    if isinstance(result, (list, tuple, dict)):
        raise TypeError("nt.function: derivatives need f to return a single Tensor")
    return wrap(to_value(result, "function"))


class _ReplayTape:
    """Enough of a Tape for ``fast_gradients``: replayed buffers and this call's custom records."""

    def __init__(self, trace: CompiledTape, value: np.ndarray, arena: np.ndarray, calls: dict) -> None:
        b = TapeBuffers.__new__(TapeBuffers)
        b.n = b.capacity = len(trace.code)
        b.code, b.arg0, b.arg1, b.value = trace.code, trace.arg0, trace.arg1, value
        b.n_aux, b.aux, b.shapes = len(trace.aux), trace.aux, trace.shapes
        b.arena_size, b.arena = len(arena), arena
        b.iarena_size, b.iarena = len(trace.iarena), trace.iarena
        b.external = []
        self.buffers = b
        self.custom = calls


def _cast(data: Any, dtype: Any) -> np.ndarray:
    """``data`` as ``dtype`` (float32 results are computed in float64): overflow is inf, silently."""
    return quietly(np.asarray, data, dtype)


#: Unary functions whose NumPy ufuncs are much faster than a compiled loop calling the
#: C library per element (NumPy has SIMD versions: 5-11x for 32,768 float64 elements,
#: measured; sin and cos are not faster), and the array size from which a replay hands
#: them to NumPy (a round trip through Python costs a few microseconds).
NUMPY_UNARY = frozenset((K.FN_EXP, K.FN_EXPM1, K.FN_LOG, K.FN_LOG1P, K.FN_TAN, K.FN_ASIN, K.FN_ACOS, K.FN_ATAN,
                         K.FN_SINH, K.FN_COSH, K.FN_TANH, K.FN_SOFTPLUS))
NUMPY_MIN_SIZE = 2048


def _numpy_entries(code: np.ndarray, arg1: np.ndarray, aux: np.ndarray) -> list[int]:
    """The entries a replay computes with NumPy: large float64 unary entries of NUMPY_UNARY.
    Their values are then the eager ones bit for bit (same ufunc)."""
    found = []
    for i in np.flatnonzero(code == K.OP_UNARY):  # float32 entries have the F32 bit set: compiled
        row = aux[int(arg1[i])]
        if int(row[K.A_FN]) in NUMPY_UNARY and int(row[K.A_SIZE]) >= NUMPY_MIN_SIZE and int(row[K.A_OFF]) >= 0:
            found.append(int(i))
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


# ---------------------------------------------------------------------------
# The user-facing object
# ---------------------------------------------------------------------------
class Function:
    """A function whose tape is traced once per input signature and replayed compiled.

    >>> import numtape as nt
    >>> @nt.function
    ... def f(x):
    ...     return nt.reduce_sum(nt.sin(x) * x)
    >>> value, grad = f.value_and_grad([0.5, 1.0])
    """

    def __init__(self, fn: Callable[..., Any], max_traces: int = 8) -> None:
        self._fn = fn
        self._max_traces = max_traces
        self._traces: dict[tuple, list[CompiledTape]] = {}
        self._eager: set[tuple] = set()
        self._warned = False
        functools.update_wrapper(self, fn)

    def __getstate__(self) -> dict:
        state_ = dict(self.__dict__)
        state_.pop("__wrapped__", None)
        return state_

    @property
    def python_function(self) -> Callable[..., Any]:
        return self._fn

    # -- tracing ----------------------------------------------------------------------
    def _trace(self, args: tuple, kwargs: dict, values: list[Any]) -> "_TraceRun":
        """Run f on a fresh tape: its eager result, the tape, and the frozen trace (None if unusable)."""
        tape = Tape(persistent=True, watch_accessed_variables=True)
        tape.capture_all_variables = True
        trace = _Trace(tape)
        inputs = [wrap(np.array(v, copy=True)) if v is not None else None for v in values]
        call_args = [t if t is not None else a for t, a in zip(inputs, args)]
        saved_stack, saved_trace = state.stack, state.trace
        state.stack, state.trace = [tape], trace
        try:
            for t in inputs:
                if t is not None:
                    tape.watch(t)
            result = self._fn(*call_args, **kwargs)
        finally:
            state.stack, state.trace = saved_stack, saved_trace
        run = _TraceRun(result, tape, inputs)
        if trace.escape is not None:
            return run
        outputs = []
        for out in _nest.flatten(result):
            if isinstance(out, Variable):
                out = out._t
            if isinstance(out, Tensor) and tape.slot_of(out) >= 0:
                outputs.append((tape.slot_of(out), out.shape, out.dtype))
            else:
                outputs.append(out)
        slots = [tape.slot_of(t) if t is not None else -1 for t in inputs]
        meta = [(np.shape(v), np.asarray(v).dtype) if v is not None else ((), np.dtype(np.float64)) for v in values]
        run.compiled = CompiledTape(tape, slots, meta, outputs, result, trace.guards)
        return run

    def _lookup(self, args: tuple, kwargs: dict, method: Callable[[CompiledTape, list[Any]], Any],
                from_run: Callable[["_TraceRun"], Any]) -> Any:
        """Run ``method`` on a trace whose guards hold for these arguments, tracing if none does.

        When this call had to trace and the trace cannot be replayed, the answer comes
        from the trace's own (eager) tape through ``from_run``: f runs once per call.
        Returns None when this signature runs eagerly (the caller then runs f itself).
        """
        key, values = _signature(args, kwargs)
        if key in self._eager:
            return None
        for trace in self._traces.get(key, []):
            result = method(trace, values)
            if result is not None:
                return result
        if key not in self._traces and len(self._traces) >= MAX_SIGNATURES:
            self._fall_back(key, f"more than {MAX_SIGNATURES} input signatures (shapes, dtypes, static arguments)")
            return None
        traces = self._traces.setdefault(key, [])
        run = self._trace(args, kwargs, values)
        if run.compiled is None:
            self._fall_back(key, "a traced value left the tape (.numpy(), np.asarray or an assignment)")
            return from_run(run)
        if len(traces) >= self._max_traces:
            self._fall_back(key, f"more than {self._max_traces} traces for one input signature")
            return from_run(run)
        result = method(run.compiled, values)
        if result is None:  # the trace does not hold for its own inputs: never replay it
            self._fall_back(key, "the trace's guards do not hold for the inputs it was traced with")
            return from_run(run)
        traces.append(run.compiled)
        return result

    def _fall_back(self, key: tuple, reason: str) -> None:
        self._eager.add(key)
        if not self._warned:
            self._warned = True
            warnings.warn(f"nt.function({self._fn.__name__}): {reason}; running it eagerly for these inputs",
                          TraceFallbackWarning, stacklevel=4)

    def get_compiled(self, *args: Any, **kwargs: Any) -> CompiledTape:
        """The compiled tape for these arguments (traced now if needed)."""
        result = self._lookup(args, kwargs, lambda trace, values: trace if trace.forward(values) else None,
                              lambda run: None)
        if result is None:
            raise ValueError(f"nt.function({self._fn.__name__}) cannot be traced for these arguments")
        return result

    @staticmethod
    def _records_outside() -> bool:
        """True while a tape records (or an outer nt.function traces): f then runs eagerly, so that
        the recording sees every op, including reads of variables it watches."""
        return bool(state.stack) or state.trace is not None

    # -- calls ------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """f's value, replayed (outside recording tapes; inside them f runs eagerly and is recorded)."""
        if self._records_outside():
            return self._fn(*_eager_args(args), **kwargs)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            forward = trace.forward(values)
            if forward is None:
                return None
            outputs = [wrap(v) if not isinstance(v, Tensor) else v for v in trace.output_values(*forward[:2])]
            return (_nest.pack_sequence_as(trace.structure, outputs),)

        result = self._lookup(args, kwargs, replay, lambda run: (run.result,))
        return result[0] if result is not None else self._fn(*_eager_args(args), **kwargs)

    def value_and_grad(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> tuple[Any, Any]:
        """(f's value, its gradient with respect to ``args[argnums]``) as NumPy values."""
        wrt, many = _argnums(argnums, args)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = trace.outputs[0]
            if len(trace.outputs) != 1 or (not isinstance(out, tuple) and isinstance(trace.structure, (list, tuple,
                                                                                                          dict))):
                raise TypeError("nt.function: derivatives need f to return a single Tensor")
            few_inputs = sum(trace.input_sizes[j] for j in wrt) <= FORWARD_MODE_MAX_INPUTS
            if few_inputs and isinstance(out, tuple) and not trace.custom:
                return trace.value_and_gradient_forward(values, wrt)
            return trace.value_and_gradient(values, wrt)

        result = self._lookup(args, kwargs, replay, lambda run: run.value_and_grad(wrt))
        if result is None:
            from .functional import value_and_grad

            return value_and_grad(self._fn, argnums)(*args, **kwargs)
        value, grads = result
        return value, (tuple(grads) if many else grads[0])

    def grad(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> Any:
        """The gradient of f with respect to ``args[argnums]`` as NumPy values."""
        return self.value_and_grad(*args, argnums=argnums, **kwargs)[1]

    def jacobian(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> Any:
        """The Jacobian of f: ``f.shape + x.shape`` per argument, from one vector-mode sweep."""
        wrt, many = _argnums(argnums, args)

        def jac(trace: CompiledTape, values: list[Any]) -> Any:
            out = trace.outputs[0]
            if not isinstance(out, tuple):  # a constant output: zeros, if this trace's branch holds
                if trace.forward(values) is None:
                    return None
                return [np.zeros(np.shape(out) + trace.input_meta[j][0]) for j in wrt]
            target, shape, _ = out
            size = int(np.prod(shape))
            sizes = [int(np.prod(trace.input_meta[j][0])) for j in wrt]
            if sum(sizes) < size and not trace.custom:  # forward mode: one tangent per input element
                forward = trace.forward_mode(values, wrt, np.eye(sum(sizes)))
                if forward is None:
                    return None
                _, _, dvalue, darena = forward
                in_column, at, out_size = trace._location(target)
                tangents = dvalue[:, at : at + 1] if in_column else darena[:, at : at + out_size]
                if not np.all(np.isfinite(tangents)):  # reverse mode defines the non-finite cases
                    result = trace.vector_jacobian(values, wrt, np.eye(size))
                    return None if result is None else [r.reshape(shape + r.shape[1:]) for r in result[1]]
                blocks, start = [], 0
                for j, size_j in zip(wrt, sizes):
                    block = tangents[start : start + size_j].T  # (outputs, inputs)
                    blocks.append(block.reshape(shape + trace.input_meta[j][0]))
                    start += size_j
                return blocks
            result = trace.vector_jacobian(values, wrt, np.eye(size))
            if result is None:
                return None
            return [r.reshape(shape + r.shape[1:]) for r in result[1]]

        result = self._lookup(args, kwargs, jac, lambda run: run.jacobian(wrt))
        if result is None:
            from .functional import jacobian

            return jacobian(self._fn, argnums)(*args, **kwargs)
        return tuple(result) if many else result[0]

    def hessian(self, *args: Any, argnums: int = 0, **kwargs: Any) -> np.ndarray:
        """The dense Hessian of scalar f with respect to ``args[argnums]``: ``x.shape + x.shape``.

        Forward-over-reverse on the compiled trace, with one tangent direction per color
        of the structural sparsity pattern (3 for a tridiagonal Hessian of any size).
        """
        (k,), _ = _argnums(argnums, args)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            if trace.custom or not isinstance(trace.outputs[0], tuple):
                return _EAGER
            h = trace.hessian(values, k)
            if h is None:
                return None
            return (h,) if np.all(np.isfinite(h)) else _EAGER  # non-finite: the recorded path's IEEE results

        result = self._lookup(args, kwargs, replay, lambda run: _EAGER)
        if result is None or result is _EAGER:
            from .functional import hessian

            return hessian(self._fn, k)(*args, **kwargs)
        return result[0]

    def hvp(self, *args: Any, v: Any = None, argnums: int = 0, **kwargs: Any) -> np.ndarray:
        """The Hessian-vector product H @ v (``hvp(x, v)`` for a one-argument f), by one
        forward-over-reverse pass: the Hessian is never formed."""
        if v is None:
            if len(args) < 2:
                raise TypeError("hvp needs the vector v: hvp(x, v) or hvp(*args, v=v)")
            args, v = args[:-1], args[-1]
        (k,), _ = _argnums(argnums, args)
        vector = np.asarray(to_value(v, "hvp"), np.float64)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            shape = trace.input_meta[k][0]
            if vector.shape != shape:
                raise ValueError(f"hvp: v has shape {vector.shape}, the argument has shape {shape}")
            if trace.custom or not isinstance(trace.outputs[0], tuple):
                return _EAGER
            rows = trace.second_order(values, k, vector.reshape(1, -1))
            if rows is None:
                return None
            return (rows[0].reshape(shape),) if np.all(np.isfinite(rows)) else _EAGER

        result = self._lookup(args, kwargs, replay, lambda run: _EAGER)
        if result is None or result is _EAGER:
            from .functional import hvp

            def f_of_k(x_k: Any) -> Any:  # f as a function of argument k alone
                return self._fn(*args[:k], x_k, *args[k + 1 :], **kwargs)

            return hvp(f_of_k, args[k], v)
        return result[0]

    def batch_value_and_grad(self, *stacked: Any, argnums: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Values and gradients for a batch of inputs stacked on a leading axis, in parallel.

        Every argument is a batch (its leading axis indexes the examples).
        """
        (k,), _ = _argnums(argnums, stacked)
        batches = [np.asarray(to_value(s, "batch_value_and_grad")) for s in stacked]
        n = len(batches[0])
        if any(len(b) != n for b in batches):
            raise ValueError("batch_value_and_grad: all arguments need the same leading (batch) size")
        if n == 0:
            raise ValueError("batch_value_and_grad: the batch is empty")
        first = tuple(b[0] for b in batches)
        trace = self.get_compiled(*first)
        if trace.custom or not isinstance(trace.outputs[0], tuple):
            results = [self.value_and_grad(*(b[i] for b in batches), argnums=k) for i in range(n)]
            return np.stack([np.asarray(r[0]) for r in results]), np.stack([np.asarray(r[1]) for r in results])
        values, grads, status = trace.batch_value_and_gradient(batches, k)
        for i in np.flatnonzero(status != -1):  # another branch: replay those examples one by one
            values[i], grads[i] = self.value_and_grad(*(b[i] for b in batches), argnums=k)
        return values, grads

    def compiled_value_and_grad(self, *args: Any) -> tuple[Callable[..., Any], tuple]:
        """``(fn, data)``: ``fn(data, x)`` returns ``(value, gradient, ok)`` and runs inside ``@njit`` code.

        ``ok`` is False when ``x`` takes another branch than the traced one (a guard
        failed); ``value`` and ``gradient`` are then meaningless. Trace-time inputs
        ``args`` fix the signature (shape and dtype of the one array argument).
        """
        return self.get_compiled(*args).standalone_value_and_grad()


def _eager_args(args: tuple) -> list[Any]:
    """Arguments for an eager call: array inputs as Tensors (Tensors and Variables themselves, so
    that recording tapes see their identity), as a trace would pass them."""
    return [a if isinstance(a, (Tensor, Variable)) or not _is_dynamic(a) else wrap(_input_value(a)) for a in args]


def _argnums(argnums: ArgNums, args: Sequence[Any]) -> tuple[list[int], bool]:
    many = not isinstance(argnums, (int, np.integer))
    wrt = [int(a) for a in (argnums if many else [argnums])]  # type: ignore[union-attr]
    for a in wrt:
        if not -len(args) <= a < len(args):
            raise ValueError(f"argnums {a} is out of range for {len(args)} arguments")
        if not _is_dynamic(args[a]):
            raise TypeError(f"argnums {a} refers to {describe(args[a])}, which is not an array input")
    return [a % len(args) for a in wrt], many


def function(fn: Optional[Callable[..., Any]] = None, *, max_traces: int = 8) -> Any:
    """Trace ``fn`` once per input signature and replay it in compiled code (also a decorator).

    ``g = nt.function(f)``: ``g(x)`` is f's value; ``g.value_and_grad(x)``,
    ``g.grad(x)``, ``g.jacobian(x)``, ``g.hessian(x)``, ``g.hvp(x, v)`` and
    ``g.batch_value_and_grad(xs)`` return NumPy values. Inputs that take another
    branch than a trace did are traced again; never a stale answer.
    """
    if fn is None:
        return lambda f: Function(f, max_traces)
    return Function(fn, max_traces)
