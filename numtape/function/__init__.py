"""nt.function: trace once, then replay the tape in compiled code.

The first call with a new input signature (shapes, dtypes, and the values of any
non-array arguments) runs ``f`` eagerly on a private tape, and freezes the tape
into a :class:`CompiledTape`. Later calls replay it in compiled code, checking the
guards the trace recorded: inputs that take another branch are traced again (never
a stale answer), and a trace that cannot be replayed runs eagerly.

The package: ``arguments`` (what is traced, what is static: the cache key),
``captured`` (the globals and closure cells a trace froze), ``trace`` (guards and
escapes), ``compiled`` (the frozen tape's data and workspaces), ``replay``
(:class:`CompiledTape`: the value and derivative strategies), ``derivatives``
(Jacobians, sparse Jacobians, Hessians and hvps: a mixin of :class:`Function`),
``sparsity``/``jacobian_sparsity``/``sparse_jacobian`` (patterns and colourings), and
here the user-facing :class:`Function`.
"""
from __future__ import annotations

import functools
import importlib
import warnings
from collections import OrderedDict
import weakref
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import _nest
from .._state import state
from ..gradient_tape import GradientTape
from ..tape.recorder import Tape
from ..tensor import Tensor, to_value, wrap
from ..variable import Variable
from .captured import CapturedState
from .compiled import NUMPY_MIN_SIZE, NUMPY_UNARY  # noqa: F401  (re-exported)
from .replay import FORWARD_MODE_MAX_INPUTS, CompiledTape  # noqa: F401  (re-exported)
from .arguments import (
    ArgNums, Layout, eager_arguments, one_argnum, quick_key, refuse_differentiated,
    signature, static_argnum_list,
)
from .derivatives import EAGER, DerivativeMethods  # noqa: F401  (EAGER: the replays' sentinel)
from .trace import TraceFallbackWarning, _Trace


#: Signatures (shapes, dtypes, static argument values) whose traces a Function keeps: past
#: this, a new signature evicts the least recently used one's traces (an LRU, with a one-time
#: TraceFallbackWarning), so a static argument that takes many values never grows memory.
MAX_SIGNATURES = 64
#: Signatures a Function remembers as running eagerly (their trace could not be replayed),
#: least recently used first out: a forgotten one is traced again when it comes back.
MAX_EAGER_SIGNATURES = 256



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


def _replay_call(trace: CompiledTape, values: list[Any]) -> Optional[tuple[Any]]:
    """``(f's result,)`` replayed, or None when a guard fails (the replay behind ``Function.__call__``)."""
    outputs = trace.call_outputs(values)
    if outputs is None:
        return None
    if not isinstance(trace.structure, (list, tuple, dict)):  # one output, the common case
        return (wrap(outputs[0]) if isinstance(trace.outputs[0], tuple) else outputs[0],)
    outputs = [wrap(v) if isinstance(out, tuple) else v  # Python outputs (None, 3, "ok") as they were
               for out, v in zip(trace.outputs, outputs)]
    return (_nest.pack_sequence_as(trace.structure, outputs),)


def _run_result(run: _TraceRun) -> tuple[Any]:
    return (run.result,)


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
class Function(DerivativeMethods):
    """A function whose tape is traced once per input signature and replayed compiled.

    >>> import numtape as nt
    >>> @nt.function
    ... def f(x):
    ...     return nt.reduce_sum(nt.sin(x) * x)
    >>> value, grad = f.value_and_grad([0.5, 1.0])
    """

    def __init__(self, fn: Callable[..., Any], max_traces: int = 8, static_argnums: Sequence[int] = (),
                 static_argnames: Sequence[str] = (), compile: str = "never") -> None:
        if compile not in ("lazy", "eager", "never"):
            raise ValueError(f"nt.function: compile must be 'lazy', 'eager' or 'never', not {compile!r}")
        self._compile = compile
        self._fn = fn
        self._max_traces = max_traces
        self._static_argnums = frozenset(static_argnum_list(static_argnums))
        self._static_argnames = frozenset([static_argnames] if isinstance(static_argnames, str) else static_argnames)
        # Both bounded LRUs keyed by call signature (MAX_SIGNATURES, MAX_EAGER_SIGNATURES).
        self._traces: OrderedDict[tuple, list[CompiledTape]] = OrderedDict()
        self._eager: OrderedDict[tuple, None] = OrderedDict()
        self._warned = False
        self._warned_full = False
        self._instances: dict[int, tuple[weakref.ref, Function]] = {}
        self._captured: Optional[CapturedState] = None  # what the traces froze (see captured.py)
        self._quick: dict[tuple, tuple[tuple, Layout]] = {}  # quick_key -> (signature key, layout)
        functools.update_wrapper(self, fn)

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as Python pickles functions: an ``@nt.function`` importable by its qualified
        name is pickled by reference (the loaded one is that module's, reading that module's
        globals and Variables); any other Function by value, its traces included."""
        module, name = getattr(self._fn, "__module__", None), getattr(self._fn, "__qualname__", "")
        if module and "<" not in name:
            try:
                found: Any = importlib.import_module(module)
                for part in name.split("."):
                    found = getattr(found, part)
            except (ImportError, AttributeError):
                found = None
            if found is self:
                return _by_reference, (module, name)
        return super().__reduce_ex__(protocol)

    def __getstate__(self) -> dict:
        state_ = dict(self.__dict__)
        state_.pop("__wrapped__", None)
        state_["_instances"] = {}  # bound to live objects: rebuilt on the next access
        state_["_quick"] = {}
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
        return self._max_traces, [k - 1 for k in self._static_argnums if k > 0], self._static_argnames, self._compile

    @property
    def python_function(self) -> Callable[..., Any]:
        return self._fn

    # -- tracing ----------------------------------------------------------------------
    def _signature(self, args: tuple, kwargs: dict) -> tuple[tuple, list[Any], Layout]:
        """(key, input values, layout) of a call: cached by :func:`quick_key` for plain array calls."""
        quick = None if kwargs or self._static_argnums else quick_key(args)
        if quick is None:
            return signature(args, kwargs, self._fn, self._static_argnums, self._static_argnames)
        known = self._quick.get(quick[0])
        if known is None:
            key, values, layout = signature(args, kwargs, self._fn, self._static_argnums, self._static_argnames)
            if len(self._quick) >= MAX_SIGNATURES:
                self._quick.clear()
            self._quick[quick[0]] = (key, layout)
            return key, values, layout
        return known[0], quick[1], known[1]

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
        captured = self._captured
        if captured is not None:
            if not captured.unchanged():
                self._traces.clear()  # a global, closure cell or default f read was rebound: trace again
                self._eager.clear()
                self._captured = None
        elif self._traces:  # unpickled: the bindings of this process
            self._captured = CapturedState(self._fn)
        traces = self._traces.get(key)
        if traces is not None:
            if len(self._traces) > 1:  # with one signature the LRU order is already right
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
        if state.stack or state.trace is not None:  # _records_outside(), inlined: this runs on every call
            return self._run_eagerly(args, kwargs)
        result = self._lookup(args, kwargs, _replay_call, _run_result)
        return result[0] if result is not None else self._run_eagerly(args, kwargs)

    def _run_eagerly(self, args: tuple, kwargs: dict) -> Any:
        call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
        return self._fn(*call_args, **call_kwargs)

    def _derivative_call(self, argnums: ArgNums, args: tuple, kwargs: dict, method: str
                         ) -> tuple[tuple, list[int], tuple[int, ...], bool]:
        """(the call's signature, the arguments differentiated, their input leaves, argnums was a tuple)."""
        call = self._signature(args, kwargs)
        wrt, leaves, many = call[2].wrt(argnums, args, method)
        return call, wrt, leaves, many

    @staticmethod
    def _pack(call: tuple, args: tuple, wrt: list[int], per_leaf: Sequence[Any]) -> list[Any]:
        """Results per input leaf, in the structure of the argument each belongs to."""
        layout = call[2]
        if layout.packs_flat(wrt):
            return list(per_leaf)
        results, it = [], iter(per_leaf)
        for k in wrt:
            results.append(layout.pack(args[k], k, [next(it) for _ in layout.arg_leaves[k]]))
        return results

    def value_and_grad(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> tuple[Any, Any]:
        """(f's value, its gradient with respect to ``args[argnums]``) as NumPy values.

        Inside a recording tape or another Function's trace, f runs eagerly (as ``nt.value_and_grad``),
        and results that the outer tape differentiates are returned as recorded Tensors."""
        if state.stack or state.trace is not None:  # _records_outside(), inlined: this runs on every call
            from ..functional import value_and_grad

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return value_and_grad(self._fn, argnums)(*call_args, **call_kwargs)
        call, wrt_args, wrt, many = self._derivative_call(argnums, args, kwargs, "value_and_grad")

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = trace.outputs[0]
            if len(trace.outputs) != 1 or (not isinstance(out, tuple) and isinstance(trace.structure, (list, tuple,
                                                                                                          dict))):
                raise TypeError("nt.function: derivatives need f to return a single Tensor")
            if self._compile != "never" and trace.use_generated(wrt, self._compile):  # hot: generated (codegen.py)
                return trace.value_and_gradient(values, wrt)
            if trace.forward_mode_pays(wrt):
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

    def batch_value_and_grad(self, *stacked: Any, argnums: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Values and gradients for a batch of inputs stacked on a leading axis, in parallel.

        Every argument is a batch (its leading axis indexes the examples). Where the
        trace cannot be replayed, the examples run one by one through
        :meth:`value_and_grad`, eagerly, with the one-time :class:`TraceFallbackWarning`
        every method gives.
        """
        k = one_argnum(argnums, stacked, "batch_value_and_grad")
        if not all(isinstance(s, (np.ndarray, Tensor, list, tuple)) for s in stacked):
            raise TypeError("Function.batch_value_and_grad: every argument is a batch of arrays (a leading axis)")
        refuse_differentiated(stacked, "batch_value_and_grad")
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
        # float32 entries NumPy computes: the batch kernel would not give eager's bits
        if trace is None or trace.custom or trace.has_float32_numpy_entries() or \
                not isinstance(trace.outputs[0], tuple):
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
def _by_reference(module: str, qualname: str) -> "Function":
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _weakly_bound(fn: Callable[..., Any], ref: "weakref.ref") -> Callable[..., Any]:
    """``fn`` with its first argument the object ``ref`` refers to (not kept alive by it)."""
    @functools.wraps(fn)
    def method(*args: Any, **kwargs: Any) -> Any:
        return fn(ref(), *args, **kwargs)

    return method


def function(fn: Optional[Callable[..., Any]] = None, *, max_traces: int = 8, static_argnums: Any = (),
             static_argnames: Any = (), compile: str = "never") -> Any:
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

    ``compile``: "never" (default) keeps the compiled interpreter; "lazy" replays in the
    interpreter and, for a scalar trace, switches ``value_and_grad`` to a generated @njit
    kernel (bitwise the interpreter's reverse-mode numbers) once a signature has been
    called ``HOT_CALLS`` times; "eager" generates it at the first replay. Generating
    costs seconds of compile (cached on disk) for a few percent per call today, so it
    is opt-in (DESIGN_NOTES "Generated replay kernels").
    """
    if fn is None:
        return lambda f: Function(f, max_traces, static_argnums, static_argnames, compile)
    return Function(fn, max_traces, static_argnums, static_argnames, compile)
