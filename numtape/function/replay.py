"""nt.function's replays: the value and derivative strategies over a frozen tape.

A replay writes the inputs into a pooled workspace and runs the forward replay and,
when asked, the reverse sweep, in one Numba call. Derivatives: ``value_and_grad``/
``grad`` replay with one reverse sweep, or with one forward pass carrying tangents
when the inputs have at most ``FORWARD_MODE_MAX_INPUTS`` elements; ``jacobian`` runs
the vector-mode sweep (one pass carrying one seed per output), or forward mode when
there are fewer inputs than outputs; ``hvp`` is one forward-over-reverse pass, and
``hessian`` the same with one direction per color of the Hessian's structural
sparsity pattern (see :mod:`numtape.function.sparsity`).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import _nest
from .._fpstate import quietly
from .._kernels import replay as R
from .._kernels import sweep as K
from .._state import state
from ..ops.registry import ELEMENTWISE
from ..backward import Source, fast_gradients
from ..tape.custom_call import CustomCall
from ..tensor import Tensor, to_value, wrap
from .compiled import FORWARD_MODE_MAX_INPUTS, FrozenTape, _all_finite, _cast, _ReplayTape, take  # noqa: F401


#: compile="lazy": a trace's generated kernel is compiled at its HOT_CALLS-th value_and_grad
#: call for the same argnums (see DESIGN_NOTES "Generated replay kernels").
HOT_CALLS = 10_000


class _Forked:
    """``child`` is True in a process made by ``fork()``: its batches run on one thread, since
    the parallel kernel's OpenMP runtime (GNU) kills a forked child at its first parallel loop."""

    child = False


_forked = _Forked()
os.register_at_fork(after_in_child=lambda: setattr(_forked, "child", True))


class CompiledTape(FrozenTape):
    """A frozen trace of one function at one input signature: data only, picklable.

    Its data and workspaces are :class:`FrozenTape`'s; this class adds the replays
    (it is the class traces are frozen into, cached and pickled as).
    """

    # -- replays -----------------------------------------------------------------------
    def forward(self, values: Sequence[Any]) -> Optional[tuple[np.ndarray, np.ndarray, dict]]:
        """The values of every slot for ``values``, or None when a guard fails."""
        K.ensure_compiled()
        value, arena = self.workspace(values)
        calls = self._replay_values(value, arena)
        if not R.guards_hold(self.code, self.arg0, self.arg1, value, self.aux, arena, self.iarena, self.guard_kind,
                             self.guard_a, self.guard_b, self.guard_off, self.guard_expected):
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
        """Entry ``i`` (see ``_numpy_entries``) computed by NumPy in place."""
        c = int(self.code[i])
        if c & K.F32:
            self._numpy_float32(i, c, value, arena)
            return
        r = int(self.arg1[i])
        fn, off, size = int(self.aux[r, K.A_FN]), int(self.aux[r, K.A_OFF]), int(self.aux[r, K.A_SIZE])
        x_off = int(self.aux[int(self.arg1[int(self.arg0[i])]), K.A_OFF])
        ufunc = ELEMENTWISE[fn].ufunc
        if isinstance(ufunc, np.ufunc):
            quietly(ufunc, arena[x_off : x_off + size], out=arena[off : off + size])
        else:  # a composite (softplus)
            arena[off : off + size] = quietly(ufunc, arena[x_off : x_off + size])

    def _numpy_float32(self, i: int, c: int, value: np.ndarray, arena: np.ndarray) -> None:
        """A float32 entry computed as eager code computes it: the row's ufunc on float32
        operands (a float64 operand is a constant NumPy 2 would have read as float32)."""
        if c & K.CODE_MASK == K.OP_MATMUL:
            self._write(value, arena, i, self._matmul_float32(i, value, arena))
            return
        if c & K.CODE_MASK == K.OP_REDUCE_SUM:  # as primitives.reduce_sum_3 computes it eagerly
            row = self.aux[int(self.arg1[i])]
            x = np.asarray(self._slot_value(value, arena, int(self.arg0[i])), np.float32)
            self._write(value, arena, i, quietly(np.add.reduce, x.reshape(row[K.A_I0], row[K.A_I1], row[K.A_I2]), 1))
            return
        fn = int(self.aux[int(self.arg1[i]), K.A_FN])
        operands = (int(self.arg0[i]),) if c & K.CODE_MASK == K.OP_UNARY else \
            (int(self.arg0[i]), int(self.aux[int(self.arg1[i]), K.A_B]))
        args = [np.asarray(self._slot_value(value, arena, s), np.float32) for s in operands]
        self._write(value, arena, i, quietly(ELEMENTWISE[fn].ufunc, *args))

    def _matmul_float32(self, i: int, value: np.ndarray, arena: np.ndarray) -> np.ndarray:
        """A float32 OP_MATMUL entry as ``primitives.matmul_raw`` computes it eagerly (sgemm)."""
        row = self.aux[int(self.arg1[i])]
        flags = int(row[K.A_FN])
        batch, m, k, n = (int(row[c]) for c in (K.A_I0, K.A_I1, K.A_I2, K.A_I3))
        a = np.asarray(self._slot_value(value, arena, int(self.arg0[i])), np.float32)
        b = np.asarray(self._slot_value(value, arena, int(row[K.A_B])), np.float32)
        av = a.reshape(1 if flags & K.MM_BROADCAST_A else batch, *((k, m) if flags & K.MM_TRANSPOSE_A else (m, k)))
        bv = b.reshape(1 if flags & K.MM_BROADCAST_B else batch, *((n, k) if flags & K.MM_TRANSPOSE_B else (k, n)))
        av = av.transpose(0, 2, 1) if flags & K.MM_TRANSPOSE_A else av
        bv = bv.transpose(0, 2, 1) if flags & K.MM_TRANSPOSE_B else bv
        return quietly(np.matmul, av, bv)

    def _custom_forward(self, call: int, value: np.ndarray, arena: np.ndarray, calls: dict) -> int:
        """Run a custom_gradient function on replayed inputs; return where the replay resumes."""
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

    def call_outputs(self, values: Sequence[Any]) -> Optional[list[Any]]:
        """f's outputs (copies, Python values as they were) for ``values``, or None when a guard fails:
        the forward replay in a pooled workspace, one compiled call when nothing hands off to Python."""
        K.ensure_compiled()
        workspace = self._acquire(values)
        try:
            if self.custom or self.numpy_entries:
                self._replay_values(workspace[0], workspace[1])
            else:
                K.forward_replay(*workspace.forward)
            if len(self.guard_kind) and not R.guards_hold(*workspace.guards):
                return None
            plans = self.output_plans()
            if len(plans) == 1:  # the common case, without a comprehension's frame
                plan = plans[0]
                return [take(plan, workspace[0], workspace[1]) if type(plan) is tuple else plan]
            return [take(plan, workspace[0], workspace[1]) if type(plan) is tuple else plan for plan in plans]
        finally:
            self._pool.append(workspace)

    def value_and_gradient(self, values: Sequence[Any], wrt: Sequence[int]) -> Optional[tuple[Any, list[Any]]]:
        """(f's value, gradients with respect to the inputs ``wrt``), or None when a guard fails."""
        out = self.outputs[0]
        if not isinstance(out, tuple):  # a constant output: no gradient anywhere
            forward = self.forward(values)
            if forward is None:
                return None
            return _constant_value(out), [_zeros(*self.input_meta[k]) for k in wrt]
        wrt = tuple(wrt)
        target, stop, live, rcode, zones, value_plan, grad_plans = self._reverse_plan(wrt)
        if self.custom:
            return self._segmented_value_and_gradient(values, wrt, target, out[1], out[2], live, rcode)
        generated = self.__dict__.get("_generated")
        if generated is not None:
            generated = generated.get(wrt)
        workspace = self._acquire(values)
        try:
            value, arena, adj, adj_arena = workspace
            if callable(generated):
                replay = generated  # the generated kernel: same arguments and returns (codegen.py)
            elif self.numpy_entries:
                self._replay_values(value, arena)
                replay = R.replay_gradient
            else:
                replay = R.replay_value_and_gradient  # values and gradient in one compiled call
            arguments = workspace.reverse.get(wrt)
            if arguments is None:
                arguments = workspace.reverse[wrt] = (
                    self.code, rcode, self.arg0, self.arg1, value, self.aux, arena, self.iarena, adj, adj_arena,
                    zones, self.guard_kind, self.guard_a, self.guard_b, self.guard_off, self.guard_expected,
                    target, stop)
            status = replay(*arguments)
            if status == -2:
                return None
            f_value = take(value_plan, value, arena)
            # a read plan (6 fields), or the (shape, dtype) of a gradient that is zero (the input is dead)
            if len(grad_plans) == 1:
                plan = grad_plans[0]
                grads = [take(plan, adj, adj_arena) if len(plan) == 6 else _zeros(*plan)]
            else:
                grads = [take(plan, adj, adj_arena) if len(plan) == 6 else _zeros(*plan) for plan in grad_plans]
        finally:
            self._pool.append(workspace)
        return f_value, grads

    def use_generated(self, wrt: Sequence[int], mode: str) -> bool:
        """True when ``value_and_gradient(values, wrt)`` runs a generated kernel (compiling it now if
        ``mode`` is "eager", or "lazy" and this is the ``HOT_CALLS``-th call); False while it stays
        on the interpreter (mode "never", not hot yet, or declined by the generator)."""
        if mode == "never":
            return False
        generated = self.__dict__.setdefault("_generated", {})
        key = tuple(wrt)
        state_ = generated.get(key, 0)
        if state_ is None or callable(state_):
            return state_ is not None
        if mode == "lazy" and state_ + 1 < HOT_CALLS:
            generated[key] = state_ + 1
            return False
        generated[key] = self._generate(key)
        return generated[key] is not None

    def _generate(self, wrt: tuple[int, ...]) -> Optional[Callable[..., Any]]:
        """The generated value-and-gradient kernel for ``wrt``, or None when the generator declines."""
        from . import codegen

        out = self.outputs[0]
        if not isinstance(out, tuple):
            return None
        target = out[0]
        sources = [self.inputs[k] for k in wrt]
        stop = min([s for s in sources if s >= 0], default=target)
        _, rcode = self.live((target,), self._sources(wrt))
        text = codegen.source(self, target, stop, rcode)
        return None if text is None else codegen.load(text)

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
            raise TypeError("jacobians of nt.function traces with custom gradients are not supported (the trace "
                            f"hands {_custom_names(self.custom)} to Python); use nt.jacobian (eager)")
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
        return R.replay_tangents(self.code, self.arg0, self.arg1, value, self.aux, arena, self.iarena, dvalue,
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
            status = R.replay_tangents_finite(self.code, self.arg0, self.arg1, value, self.aux, arena, self.iarena,
                                              dvalue, darena, self.guard_kind, self.guard_a, self.guard_b,
                                              self.guard_off, self.guard_expected)
            if status == -2:
                return None
            if status == -3:  # a non-finite tangent: the numbers are reverse mode's (see below)
                return self.value_and_gradient(values, wrt)
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
            # at a = inf, b = 0), and drops the tangent of a branch a select does not take (reverse mode
            # gives 0 * inf = NaN there), so its NaNs need not be reverse mode's, whose are TensorFlow's:
            # any non-finite tangent or value is recomputed in reverse mode (the kernel returns -3 for a
            # tangent; finite results agree up to rounding).
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
            status = R.replay_second_order(
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
            status, h = R.replay_hessian(self.code, rcode, self.arg0, self.arg1, value, self.aux, arena,
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

    def batch_value_and_gradient(self, batches: Sequence[np.ndarray], wrt: int, parallel: bool = True
                                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Values, gradients and statuses for examples stacked on a leading axis, in parallel
        (on one thread with ``parallel=False``, where the caller runs several processes)."""
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
        serial = _forked.child or not parallel
        batch = R.batch_value_and_gradient_serial if serial else R.batch_value_and_gradient
        batch(
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
            raise TypeError(f"a trace with custom gradients ({_custom_names(self.custom)}) needs Python and cannot "
                            "run inside Numba code")
        if len(self.inputs) != 1 or not isinstance(self.outputs[0], tuple):
            raise TypeError("compiled_value_and_grad needs a function of one array argument with a Tensor output")
        target, shape, _ = self.outputs[0]
        if shape:
            raise TypeError("compiled_value_and_grad needs a scalar output")
        K.ensure_compiled()
        slot = self.inputs[0]
        in_shape, in_dtype = self.input_meta[0]
        in_column, at, size = self._location(slot) if slot >= 0 else (True, 0, 0)
        live, rcode = self.live((target,), self._sources([0]))
        variable_slots = [s for _, slots in self.variables for s in slots]
        if variable_slots:
            raise TypeError("compiled_value_and_grad does not support functions that read variables")
        data = (self.code, rcode, self.arg0, self.arg1, self.value, self.aux, self.arena, self.iarena, live,
                self.zones(live),
                self.guard_kind, self.guard_a, self.guard_b, self.guard_off, self.guard_expected,
                np.int64(target), np.int64(slot), np.int64(at), np.int64(size), in_column,
                np.array(in_shape, np.int64), np.empty(0, in_dtype))
        return R.standalone_value_and_grad, data


def _custom_names(custom: dict) -> str:
    """The functions a trace hands to Python (custom gradients, NumPy/SciPy hand-off ops), for messages."""
    names = dict.fromkeys(getattr(getattr(r.forward, "func", r.forward), "__name__", "?") for r in custom.values())
    return ", ".join(repr(n) for n in names)


def _constant_value(out: Any) -> Any:
    """A constant output as the NumPy value a traced output gives (and eager nt.value_and_grad)."""
    return out.numpy() if isinstance(out, Tensor) else wrap(to_value(out, "value_and_grad")).numpy()


def _zeros(shape: tuple[int, ...], dtype: Any) -> Any:
    """The zero gradient of an input, typed as a computed one (a NumPy scalar for a 0-d input)."""
    return np.zeros(shape, dtype) if shape else dtype.type(0.0)
