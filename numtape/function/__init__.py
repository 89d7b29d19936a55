"""nt.function: trace once, then replay the tape in compiled code.

The first call with a new input signature (shapes, dtypes, and the values of any
non-array arguments) runs ``f`` eagerly on a private tape, and freezes the tape
into a :class:`CompiledTape`. Later calls replay it in compiled code, checking the
guards the trace recorded: inputs that take another branch are traced again (never
a stale answer), and a trace that cannot be replayed runs eagerly.

The package: ``trace`` (guards, escapes, call signatures), ``compiled`` (the frozen
tape's data and workspaces), ``replay`` (:class:`CompiledTape`: the value and
derivative strategies), ``sparsity`` (Hessian sparsity patterns and coloring), and
here the user-facing :class:`Function`.
"""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
import weakref
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .. import _nest
from .._state import state
from ..errors import describe
from ..gradient_tape import GradientTape
from ..tape.recorder import Tape
from ..tensor import Tensor, differentiable_here, to_value, wrap
from ..variable import Variable
from .captured import CapturedState
from .compiled import NUMPY_MIN_SIZE, NUMPY_UNARY  # noqa: F401  (re-exported)
from .replay import FORWARD_MODE_MAX_INPUTS, CompiledTape
from .arguments import Layout, eager_arguments, signature
from .trace import TraceFallbackWarning, _Trace

ArgNums = Union[int, Sequence[int]]

#: Signatures (shapes, dtypes, static argument values) whose traces a Function keeps: past
#: this, a new signature evicts the least recently used one's traces (an LRU, with a one-time
#: TraceFallbackWarning), so a static argument that takes many values never grows memory.
MAX_SIGNATURES = 64
#: Signatures a Function remembers as running eagerly (their trace could not be replayed),
#: least recently used first out: a forgotten one is traced again when it comes back.
MAX_EAGER_SIGNATURES = 256

_EAGER = object()  # a replay asking its caller to run the function eagerly


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

    def __init__(self, fn: Callable[..., Any], max_traces: int = 8, static_argnums: Sequence[int] = (),
                 static_argnames: Sequence[str] = ()) -> None:
        self._fn = fn
        self._max_traces = max_traces
        self._static_argnums = frozenset(_static_argnums(static_argnums))
        self._static_argnames = frozenset([static_argnames] if isinstance(static_argnames, str) else static_argnames)
        # Both bounded LRUs keyed by call signature (MAX_SIGNATURES, MAX_EAGER_SIGNATURES).
        self._traces: OrderedDict[tuple, list[CompiledTape]] = OrderedDict()
        self._eager: OrderedDict[tuple, None] = OrderedDict()
        self._warned = False
        self._warned_full = False
        self._instances: dict[int, tuple[weakref.ref, Function]] = {}
        self._captured: Optional[CapturedState] = None  # what the traces froze (see captured.py)
        functools.update_wrapper(self, fn)

    def __getstate__(self) -> dict:
        state_ = dict(self.__dict__)
        state_.pop("__wrapped__", None)
        state_["_instances"] = {}  # bound to live objects: rebuilt on the next access
        state_["_captured"] = None  # this process's bindings: snapshotted again at the next call
        return state_

    def __get__(self, obj: Any, objtype: Any = None) -> "Function":
        """``obj.method`` of an ``@nt.function`` method: a Function of the method bound to ``obj``.

        ``self`` is static: each instance has its own Function and traces (kept while
        ``obj`` lives, by a weak reference), so what a trace read of ``obj`` is frozen
        per instance, as for any static argument. An object that cannot be weakly
        referenced gets a new Function, traced anew, on every access.
        """
        if obj is None:
            return self
        entry = self._instances.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        try:
            ref = weakref.ref(obj, lambda _, key=id(obj): self._instances.pop(key, None))
        except TypeError:
            return Function(functools.wraps(self._fn)(functools.partial(self._fn, obj)), *self._bound_options())
        bound = Function(_weakly_bound(self._fn, ref), *self._bound_options())
        self._instances[id(obj)] = (ref, bound)
        return bound

    def _bound_options(self) -> tuple:
        """The options of the Function of a bound method: static_argnums count ``self`` as 0."""
        return self._max_traces, [k - 1 for k in self._static_argnums if k > 0], self._static_argnames

    @property
    def python_function(self) -> Callable[..., Any]:
        return self._fn

    # -- tracing ----------------------------------------------------------------------
    def _signature(self, args: tuple, kwargs: dict) -> tuple[tuple, list[Any], Layout]:
        return signature(args, kwargs, self._fn, self._static_argnums, self._static_argnames)

    def _eager_call_arguments(self, args: tuple, kwargs: dict) -> tuple[list[Any], dict]:
        return eager_arguments(args, kwargs, self._static_argnums, self._static_argnames)

    def _trace(self, args: tuple, kwargs: dict, values: list[Any], layout: Layout) -> "_TraceRun":
        """Run f on a fresh tape: its eager result, the tape, and the frozen trace (None if unusable)."""
        tape = Tape(persistent=True, watch_accessed_variables=True)
        tape.capture_all_variables = True
        trace = _Trace(tape)
        inputs = [wrap(np.array(v, copy=True)) for v in values]
        call_args, call_kwargs = layout.call_arguments(inputs, args, kwargs)
        saved_stack, saved_trace = state.stack, state.trace
        state.stack, state.trace = [tape], trace
        try:
            for t in inputs:
                tape.watch(t)
            result = self._fn(*call_args, **call_kwargs)
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
        slots = [tape.slot_of(t) for t in inputs]
        meta = [(np.shape(v), np.asarray(v).dtype) for v in values]
        run.compiled = CompiledTape(tape, slots, meta, outputs, result, trace.guards)
        return run

    def _lookup(self, args: tuple, kwargs: dict, method: Callable[[CompiledTape, list[Any]], Any],
                from_run: Callable[["_TraceRun"], Any], call: Optional[tuple] = None) -> Any:
        """Run ``method`` on a trace whose guards hold for these arguments, tracing if none does.

        When this call had to trace and the trace cannot be replayed, the answer comes
        from the trace's own (eager) tape through ``from_run``: f runs once per call.
        Returns None when this signature runs eagerly (the caller then runs f itself).
        """
        key, values, layout = call if call is not None else self._signature(args, kwargs)
        if self._captured is None and self._traces:  # unpickled: the bindings of this process
            self._captured = CapturedState(self._fn)
        elif self._captured is not None and not self._captured.unchanged():
            self._traces.clear()  # a global, closure cell or default f read was rebound: trace again
            self._eager.clear()
            self._captured = None
        traces = self._traces.get(key)
        if traces is not None:
            self._traces.move_to_end(key)
            for trace in traces:
                result = method(trace, values)
                if result is not None:
                    return result
        elif key in self._eager:
            self._eager.move_to_end(key)
            return None
        else:
            if len(self._traces) >= MAX_SIGNATURES:
                self._traces.popitem(last=False)
                self._warn_full(f"more than {MAX_SIGNATURES} input signatures (shapes, dtypes, static arguments): "
                                "the least recently used one's traces are dropped")
            traces = self._traces[key] = []
        if self._captured is None:
            self._captured = CapturedState(self._fn)
        run = self._trace(args, kwargs, values, layout)
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

    def _warn_full(self, reason: str) -> None:
        if not self._warned_full:
            self._warned_full = True
            warnings.warn(f"nt.function({self._fn.__name__}): {reason}", TraceFallbackWarning, stacklevel=5)

    def _fall_back(self, key: tuple, reason: str) -> None:
        self._traces.pop(key, None)
        self._eager[key] = None
        if len(self._eager) > MAX_EAGER_SIGNATURES:
            self._eager.popitem(last=False)
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
            return self._run_eagerly(args, kwargs)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            forward = trace.forward(values)
            if forward is None:
                return None
            outputs = [wrap(v) if isinstance(out, tuple) else v  # Python outputs (None, 3, "ok") as they were
                       for out, v in zip(trace.outputs, trace.output_values(*forward[:2]))]
            return (_nest.pack_sequence_as(trace.structure, outputs),)

        result = self._lookup(args, kwargs, replay, lambda run: (run.result,))
        return result[0] if result is not None else self._run_eagerly(args, kwargs)

    def _run_eagerly(self, args: tuple, kwargs: dict) -> Any:
        call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
        return self._fn(*call_args, **call_kwargs)

    def _derivative_call(self, argnums: ArgNums, args: tuple, kwargs: dict, method: str
                         ) -> tuple[tuple, list[int], list[int], bool]:
        """(the call's signature, the arguments differentiated, their input leaves, argnums was a tuple)."""
        call = self._signature(args, kwargs)
        wrt, many = _argnums(argnums, args, call[2], method)
        return call, wrt, [j for k in wrt for j in call[2].arg_leaves[k]], many

    @staticmethod
    def _pack(call: tuple, args: tuple, wrt: list[int], per_leaf: Sequence[Any]) -> list[Any]:
        """Results per input leaf, in the structure of the argument each belongs to."""
        layout, results, it = call[2], [], iter(per_leaf)
        for k in wrt:
            results.append(layout.pack(args[k], k, [next(it) for _ in layout.arg_leaves[k]]))
        return results

    def value_and_grad(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> tuple[Any, Any]:
        """(f's value, its gradient with respect to ``args[argnums]``) as NumPy values.

        Inside a recording tape or another Function's trace, f runs eagerly (as ``nt.value_and_grad``),
        and results that the outer tape differentiates are returned as recorded Tensors."""
        if self._records_outside():
            from ..functional import value_and_grad

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return value_and_grad(self._fn, argnums)(*call_args, **call_kwargs)
        call, wrt_args, wrt, many = self._derivative_call(argnums, args, kwargs, "value_and_grad")

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = trace.outputs[0]
            if len(trace.outputs) != 1 or (not isinstance(out, tuple) and isinstance(trace.structure, (list, tuple,
                                                                                                          dict))):
                raise TypeError("nt.function: derivatives need f to return a single Tensor")
            few_inputs = sum(trace.input_sizes[j] for j in wrt) <= FORWARD_MODE_MAX_INPUTS
            if few_inputs and isinstance(out, tuple) and not trace.custom:
                return trace.value_and_gradient_forward(values, wrt)
            return trace.value_and_gradient(values, wrt)

        result = self._lookup(args, kwargs, replay, lambda run: run.value_and_grad(wrt), call)
        if result is None:
            from ..functional import value_and_grad

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return value_and_grad(self._fn, argnums)(*call_args, **call_kwargs)
        value, grads = result
        grads = self._pack(call, args, wrt_args, grads)
        return value, (tuple(grads) if many else grads[0])

    def grad(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> Any:
        """The gradient of f with respect to ``args[argnums]`` as NumPy values."""
        return self.value_and_grad(*args, argnums=argnums, **kwargs)[1]

    def jacobian(self, *args: Any, argnums: ArgNums = 0, sparse: bool = False, **kwargs: Any) -> Any:
        """The Jacobian of f: ``f.shape + x.shape`` per argument, from one vector-mode sweep
        (eagerly, by ``nt.jacobian``, when f uses a custom gradient, or inside a recording tape).

        With ``sparse=True``, a ``scipy.sparse.csr_matrix`` of shape ``(f.size, x.size)`` per
        argument (each one array), by one compiled sweep per color of the structural sparsity
        pattern (see :meth:`jacobian_sparsity`); the dense Jacobian converted where the pattern
        cannot be known (custom gradients) or a compressed sweep is not finite."""
        if sparse:
            return self._sparse_jacobian(args, argnums, kwargs)
        if self._records_outside():
            from ..functional import jacobian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return jacobian(self._fn, argnums)(*call_args, **call_kwargs)
        call, wrt_args, wrt, many = self._derivative_call(argnums, args, kwargs, "jacobian")

        def jac(trace: CompiledTape, values: list[Any]) -> Any:
            out = trace.outputs[0]
            if not isinstance(out, tuple):  # a constant output: zeros, if this trace's branch holds
                if trace.forward(values) is None:
                    return None
                return [np.zeros(np.shape(out) + trace.input_meta[j][0]) for j in wrt]
            if trace.custom:  # a custom gradient's VJP runs in Python: the eager tape's jacobian
                return _EAGER
            target, shape, _ = out
            size = int(np.prod(shape))
            sizes = [int(np.prod(trace.input_meta[j][0])) for j in wrt]
            if sum(sizes) < size:  # forward mode: one tangent per input element
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
            blocks = _reverse_jacobian(trace, values, wrt, size)
            return None if blocks is None else [b.reshape(shape + b.shape[1:]) for b in blocks]

        result = self._lookup(args, kwargs, jac, lambda run: run.jacobian(wrt), call)
        if result is None or result is _EAGER:
            from ..functional import jacobian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return jacobian(self._fn, argnums)(*call_args, **call_kwargs)
        result = self._pack(call, args, wrt_args, result)
        return tuple(result) if many else result[0]

    def _sparse_jacobian(self, args: tuple, argnums: ArgNums, kwargs: dict) -> Any:
        from .sparse_jacobian import DENSE, compressed_jacobian

        call, wrt_args, wrt, many = self._array_arguments(argnums, args, kwargs, "jacobian")
        if self._records_outside():
            return self._dense_as_sparse(args, argnums, kwargs, [call[1][j] for j in wrt], many)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = _one_output(trace)
            if not isinstance(out, tuple):  # a constant output: the dense path's zeros
                return _EAGER
            dtypes = [trace.input_meta[j][1] for j in wrt]
            result = compressed_jacobian(trace, values, wrt, np.result_type(*dtypes))
            return _EAGER if result is DENSE else result

        result = self._lookup(args, kwargs, replay, lambda run: _EAGER, call)
        if result is None or result is _EAGER:
            return self._dense_as_sparse(args, argnums, kwargs, [call[1][j] for j in wrt], many)
        blocks = _split_columns(result, [call[1][j] for j in wrt])
        return tuple(blocks) if many else blocks[0]

    def _dense_as_sparse(self, args: tuple, argnums: ArgNums, kwargs: dict, leaves: list[Any], many: bool) -> Any:
        """The dense Jacobian (every path of :meth:`jacobian`) as CSR matrices (f.size, x.size),
        in each input's dtype as the sparse path gives them."""
        from scipy import sparse

        dense = self.jacobian(*args, argnums=argnums, **kwargs)
        out = []
        for block, leaf in zip(list(dense) if many else [dense], leaves):
            block = np.asarray(block)
            x_shape = np.shape(leaf)
            m = int(np.prod(block.shape[: block.ndim - len(x_shape)]))
            out.append(sparse.csr_matrix(block.reshape(m, int(np.prod(x_shape))).astype(np.asarray(leaf).dtype)))
        return tuple(out) if many else out[0]

    def jacobian_sparsity(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> Any:
        """The structural sparsity pattern of :meth:`jacobian`: a boolean ``scipy.sparse.csr_matrix``
        ``(f.size, x.size)`` per argument (``jac_sparsity=`` of ``scipy.optimize.least_squares``).

        It holds for every input that takes the branch these arguments take (each trace has
        its own); where it cannot be known (custom gradients, a trace that runs eagerly) every
        entry is True."""
        from scipy import sparse

        from .sparse_jacobian import pattern_or_dense

        call, wrt_args, wrt, many = self._array_arguments(argnums, args, kwargs, "jacobian_sparsity")

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = _one_output(trace)
            if trace.forward(values) is None:
                return None
            if not isinstance(out, tuple):
                return sparse.csr_matrix((int(np.prod(np.shape(out))), sum(trace.input_sizes[j] for j in wrt)),
                                         dtype=bool)
            return pattern_or_dense(trace, wrt)

        result = None if self._records_outside() else self._lookup(args, kwargs, replay, lambda run: None, call)
        sizes = [int(np.prod(np.shape(call[1][j]))) for j in wrt]
        if result is None:  # no replayable trace: every entry may be nonzero
            value = to_value(self._run_eagerly(args, kwargs), "jacobian_sparsity")
            result = sparse.csr_matrix(np.ones((int(np.size(value)), sum(sizes)), bool))
        blocks = _split_columns(result, [call[1][j] for j in wrt])
        return tuple(blocks) if many else blocks[0]

    def _array_arguments(self, argnums: ArgNums, args: tuple, kwargs: dict, method: str
                         ) -> tuple[tuple, list[int], list[int], bool]:
        """``_derivative_call`` for methods whose arguments must each be one array."""
        call, wrt_args, wrt, many = self._derivative_call(argnums, args, kwargs, method)
        for k in wrt_args:
            if len(call[2].arg_leaves[k]) != 1 or call[2].masks[k] is not None:
                raise TypeError(f"Function.{method}: argument {k} must be one array, not {describe(args[k])}; "
                                "concatenate several arrays into one")
        return call, wrt_args, wrt, many

    def hessian(self, *args: Any, argnums: int = 0, **kwargs: Any) -> np.ndarray:
        """The dense Hessian of scalar f with respect to ``args[argnums]``: ``x.shape + x.shape``.

        Forward-over-reverse on the compiled trace, with one tangent direction per color
        of the structural sparsity pattern (3 for a tridiagonal Hessian of any size).
        """
        if self._records_outside():
            from ..functional import hessian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return hessian(self._fn, _one_argnum(argnums, args, "hessian"))(*call_args, **call_kwargs)
        call, k_arg, k = self._one_input(argnums, args, kwargs, "hessian")

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            if trace.custom or not isinstance(trace.outputs[0], tuple):
                return _EAGER
            h = trace.hessian(values, k)
            if h is None:
                return None
            return (h,) if np.all(np.isfinite(h)) else _EAGER  # non-finite: the recorded path's IEEE results

        result = self._lookup(args, kwargs, replay, lambda run: _EAGER, call)
        if result is None or result is _EAGER:
            from ..functional import hessian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return hessian(self._fn, k_arg)(*call_args, **call_kwargs)
        return result[0]

    def hvp(self, *args: Any, v: Any = None, argnums: int = 0, **kwargs: Any) -> np.ndarray:
        """The Hessian-vector product H @ v (``hvp(x, v)`` for a one-argument f), by one
        forward-over-reverse pass: the Hessian is never formed.

        ``H`` is :meth:`hessian`'s (and ``nt.hessian``'s), ``H[i, j] = d/dx_j (df/dx_i)``:
        the derivative of the gradient along ``v``, as ``nt.hvp`` computes it, also where
        pow's convention makes ``H`` asymmetric."""
        if v is None:
            if len(args) < 2:
                raise TypeError("hvp needs the vector v: hvp(x, v) or hvp(*args, v=v)")
            args, v = args[:-1], args[-1]
        if self._records_outside():
            from ..functional import hvp

            k_arg = _one_argnum(argnums, args, "hvp")
            eager, eager_kwargs = self._eager_call_arguments(args, kwargs)
            return hvp(lambda x_k: self._fn(*eager[:k_arg], x_k, *eager[k_arg + 1 :], **eager_kwargs), eager[k_arg], v)
        call, k_arg, k = self._one_input(argnums, args, kwargs, "hvp")
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
            if not np.all(np.isfinite(rows)):
                return _EAGER
            return (rows[0].reshape(shape).astype(trace.input_meta[k][1], copy=False),)  # the input's dtype

        result = self._lookup(args, kwargs, replay, lambda run: _EAGER, call)
        if result is None or result is _EAGER:
            from ..functional import hvp

            eager, eager_kwargs = self._eager_call_arguments(args, kwargs)

            def f_of_k(x_k: Any) -> Any:  # f as a function of argument k alone
                return self._fn(*eager[:k_arg], x_k, *eager[k_arg + 1 :], **eager_kwargs)

            return hvp(f_of_k, eager[k_arg], v)
        return result[0]

    def _one_input(self, argnums: Any, args: tuple, kwargs: dict, method: str) -> tuple[tuple, int, int]:
        """(the call's signature, the argument differentiated twice, its one input leaf)."""
        k_arg = _one_argnum(argnums, args, method)
        call = self._signature(args, kwargs)
        leaves = call[2].arg_leaves[k_arg]
        if len(leaves) != 1 or call[2].masks[k_arg] is not None:
            raise TypeError(f"Function.{method}: argument {k_arg} must be one array, not {describe(args[k_arg])}; "
                            "for several arrays use nt.hessian(f, argnums=(0, 1)) or concatenate them")
        return call, k_arg, leaves[0]

    def batch_value_and_grad(self, *stacked: Any, argnums: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Values and gradients for a batch of inputs stacked on a leading axis, in parallel.

        Every argument is a batch (its leading axis indexes the examples). Where the
        trace cannot be replayed, the examples run one by one through
        :meth:`value_and_grad`, eagerly, with the one-time :class:`TraceFallbackWarning`
        every method gives.
        """
        k = _one_argnum(argnums, stacked, "batch_value_and_grad")
        if not all(isinstance(s, (np.ndarray, Tensor, list, tuple)) for s in stacked):
            raise TypeError("Function.batch_value_and_grad: every argument is a batch of arrays (a leading axis)")
        _refuse_differentiated(stacked, "batch_value_and_grad")
        batches = [np.asarray(to_value(s, "batch_value_and_grad")) for s in stacked]
        n = len(batches[0])
        if any(len(b) != n for b in batches):
            raise ValueError("batch_value_and_grad: all arguments need the same leading (batch) size")
        if n == 0:
            raise ValueError("batch_value_and_grad: the batch is empty")
        if any(b.dtype.kind != "f" for b in batches):
            raise TypeError("Function.batch_value_and_grad: every argument must be a batch of float arrays "
                            f"(got {[str(b.dtype) for b in batches]}); pass static values through a closure")
        first = tuple(b[0] for b in batches)
        trace = self._lookup(first, {}, lambda trace, values: trace if trace.forward(values) else None,
                             lambda run: None)
        if trace is None or trace.custom or not isinstance(trace.outputs[0], tuple):
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


#: The dense reverse-mode Jacobian runs its seeds in chunks whose adjoint buffers stay under this.
JACOBIAN_CHUNK_BYTES = 256 * 2**20


def _reverse_jacobian(trace: CompiledTape, values: list[Any], wrt: Sequence[int], size: int
                      ) -> Optional[list[np.ndarray]]:
    """The rows of the Jacobian (size, *input shape) per input, by vector-mode sweeps over chunks of
    the output's unit seeds (one sweep for all when the buffers are small); None if a guard fails."""
    per_seed = 8 * (len(trace.code) + len(trace.arena))
    chunk = max(1, min(size, JACOBIAN_CHUNK_BYTES // max(per_seed, 1)))
    pieces: list[list[np.ndarray]] = []
    for start in range(0, size, chunk) if size else [0]:
        stop = min(size, start + chunk)
        seeds = np.zeros((stop - start, size))
        seeds[np.arange(stop - start), np.arange(start, stop)] = 1.0
        result = trace.vector_jacobian(values, wrt, seeds)
        if result is None:
            return None
        pieces.append(result[1])
    return [np.concatenate(rows, axis=0) for rows in zip(*pieces)]


def _one_output(trace: CompiledTape) -> Any:
    """The trace's one output (a traced slot's ``(slot, shape, dtype)`` or a constant)."""
    out = trace.outputs[0]
    if len(trace.outputs) != 1 or (not isinstance(out, tuple) and isinstance(trace.structure, (list, tuple, dict))):
        raise TypeError("nt.function: derivatives need f to return a single Tensor")
    return out


def _split_columns(matrix: Any, leaf_values: list[Any]) -> list[Any]:
    """A CSR matrix over the concatenated inputs, split into one block of columns per argument."""
    blocks, start = [], 0
    for value in leaf_values:
        size = int(np.prod(np.shape(value)))
        blocks.append(matrix[:, start : start + size].tocsr())
        start += size
    return blocks


def _weakly_bound(fn: Callable[..., Any], ref: "weakref.ref") -> Callable[..., Any]:
    """``fn`` with its first argument the object ``ref`` refers to (not kept alive by it)."""
    @functools.wraps(fn)
    def method(*args: Any, **kwargs: Any) -> Any:
        return fn(ref(), *args, **kwargs)

    return method


def _refuse_differentiated(args: Sequence[Any], method: str) -> None:
    """A NumPy-only method given a Tensor an outer tape or trace differentiates: its result
    would be a constant to that derivative, so refuse rather than be silently wrong."""
    for a in _nest.flatten(list(args)):
        if isinstance(a, (Tensor, Variable)) and state.stack and differentiable_here(a):
            raise TypeError(f"Function.{method} returns NumPy values, which an outer recording tape or trace "
                            "cannot differentiate; call value_and_grad per example inside the tape instead")


def _static_argnums(static_argnums: Any) -> list[int]:
    items = [static_argnums] if isinstance(static_argnums, (int, np.integer)) else list(static_argnums)
    if any(not isinstance(k, (int, np.integer)) or k < 0 for k in items):
        raise TypeError(f"nt.function: static_argnums must be non-negative ints, got {static_argnums!r}")
    return [int(k) for k in items]


def _argnums(argnums: ArgNums, args: Sequence[Any], layout: Optional[Layout] = None,
             method: str = "value_and_grad") -> tuple[list[int], bool]:
    many = not isinstance(argnums, (int, np.integer))
    wrt = [int(a) for a in (argnums if many else [argnums])]  # type: ignore[union-attr]
    for a in wrt:
        if not -len(args) <= a < len(args):
            raise ValueError(f"Function.{method}: argnums {a} is out of range for {len(args)} arguments")
    wrt = [a % len(args) for a in wrt]
    for a in wrt:
        if layout is not None and not layout.arg_leaves[a]:
            raise TypeError(f"Function.{method}: argnums {a} refers to {describe(args[a])}, which is not a "
                            "traced input (a float array, Tensor or number, or a list/tuple/dict of them)")
    return wrt, many


def _one_argnum(argnums: Any, args: Sequence[Any], method: str) -> int:
    """The one argument ``Function.<method>`` differentiates twice (an int, or a 1-tuple)."""
    if not isinstance(argnums, (int, np.integer)) and len(argnums) != 1:  # type: ignore[arg-type]
        hint = "; for the blocks of several arguments use nt.hessian(f, argnums=(0, 1))" if method == "hessian" else ""
        raise TypeError(f"Function.{method}: argnums must be one int, got {argnums!r}{hint}")
    (k,), _ = _argnums(argnums, args, None, method)
    return k


def function(fn: Optional[Callable[..., Any]] = None, *, max_traces: int = 8, static_argnums: Any = (),
             static_argnames: Any = ()) -> Any:
    """Trace ``fn`` once per input signature and replay it in compiled code (also a decorator).

    ``g = nt.function(f)``: ``g(x)`` is f's value; ``g.value_and_grad(x)``,
    ``g.grad(x)``, ``g.jacobian(x)``, ``g.hessian(x)``, ``g.hvp(x, v)`` and
    ``g.batch_value_and_grad(xs)`` return NumPy values. Inputs that take another
    branch than a trace did are traced again (every comparison, ``bool()``, ``int()``
    and ``float()`` of a traced value is a guard).

    Arguments (positional or keyword): float arrays, Tensors and numbers, lists of
    numbers, and the float leaves of lists/tuples/dicts of arrays (pytrees) are traced
    inputs: new values replay the same trace, and ``argnums`` derivatives come back in
    the argument's structure. Everything else is static, part of the trace's key by type
    and exact value: ints, bools, strings, None, integer/bool arrays (index arrays and
    masks), lists of ints, other hashable objects, and whatever ``static_argnums`` /
    ``static_argnames`` name. Python values f returns come back as they were.

    What a trace freezes: the Python values f read that are not its arguments. A global
    name, closure variable or default argument of f that is rebound afterwards is
    detected and f is traced again; objects mutated in place (``a[0] = 1`` on a global
    array, a list appended to, an attribute set) and globals read by the functions f
    calls are not, as in ``tf.function`` and ``jax.jit``: pass such values as arguments.
    Variables are read at every call.
    """
    if fn is None:
        return lambda f: Function(f, max_traces, static_argnums, static_argnames)
    return Function(fn, max_traces, static_argnums, static_argnames)
