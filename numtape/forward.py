"""Forward mode: ``ForwardAccumulator`` (TensorFlow's), ``jvp``, ``linearize`` and ``jacfwd`` (JAX's).

There are no per-op tangent rules: a Jacobian-vector product is computed by transposing
the reverse mode. Inside ``with acc:`` a persistent tape records the computation (it
watches the primals). ``acc.jvp(t)`` then opens a second tape that watches a zero
cotangent ``u`` shaped like ``t`` and records the reverse sweep ``w = J^T u`` (the
VJPs are numtape ops, so it is recorded, and linear in ``u``). Its gradient in ``u`` of
``<w, v>`` is ``d/du (u^T J v) = J v``: exact, and available for every op that has a
VJP. Both sweeps are recorded on any tape that is recording around the call, so
forward-over-reverse (the jvp of a recorded gradient: a Hessian-vector product) and
reverse-over-forward (the gradient of a jvp) work as nested tapes do.

The cost (see DESIGN_NOTES.md): two reverse sweeps per ``jvp`` call (one of them over
the recorded backward graph) instead of one forward sweep, and the forward
computation is kept on the tape until the accumulator is dropped, where TensorFlow's
forward mode keeps nothing. ``CompiledTape`` has real tangent propagation
(``Function.jvp``).
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, Optional, Sequence, Union

import numpy as np

from . import _nest
from .errors import describe
from .functional import ArgNums, _normalize, _numpy, _prepare
from .gradient_tape import GradientTape, UnconnectedGradients, _unconnected
from .tensor import Tensor, constant, wrap
from .variable import Variable


def _as_tensor(x: Any) -> Tensor:
    return x._t if isinstance(x, Variable) else x


def _tangent_for(primal: Any, tangent: Any, method: str) -> Tensor:
    """``tangent`` as a Tensor of the primal's dtype and shape (TensorFlow converts it to the
    primal's dtype: a Tensor of another dtype is refused)."""
    if isinstance(tangent, Variable):
        tangent = tangent._t
    if isinstance(tangent, Tensor):
        if tangent.dtype != primal.dtype:
            raise TypeError(f"{method}: a tangent of dtype {tangent.dtype} for a primal of dtype {primal.dtype} "
                            f"(shape {primal.shape}); tangents have their primal's dtype")
        value = tangent
    else:
        try:
            value = constant(np.asarray(tangent, dtype=primal.dtype))
        except (TypeError, ValueError):
            raise TypeError(f"{method}: cannot convert the tangent {describe(tangent)} to the primal's dtype "
                            f"{primal.dtype}") from None
    if value.shape != primal.shape:
        raise ValueError(f"{method}: a tangent of shape {value.shape} for a primal of shape {primal.shape}; "
                         "each tangent has its primal's shape")
    return value


def _zeros(t: Tensor) -> Tensor:
    return wrap(np.zeros(t.shape, t.dtype) if t.shape else t.dtype.type(0.0))


def transposed_jvp(tape: GradientTape, targets: list[Tensor], sources: list[Any],
                   tangents: list[Tensor]) -> list[Optional[Tensor]]:
    """``J_i v`` for each target (None where unconnected) by differentiating the recorded,
    linear-in-``u`` reverse sweep ``J^T u`` of ``tape`` (see the module docstring)."""
    from .ops.reduce import reduce_sum

    if not targets:
        return []
    with GradientTape(watch_accessed_variables=False) as dual:
        cotangents = [_zeros(t) for t in targets]
        dual.watch(cotangents)
        backward = tape.gradient(targets, sources, output_gradients=cotangents)
        products = [reduce_sum(w * v) for w, v in zip(backward, tangents) if w is not None]
        total = products[0] if products else None
        for p in products[1:]:
            total = total + p
    if total is None:
        return [None] * len(targets)
    return dual.gradient(total, cotangents)


class ForwardAccumulator:
    """Computes Jacobian-vector products, with TensorFlow's ``tf.autodiff.ForwardAccumulator`` API.

    >>> import numtape as nt
    >>> x = nt.constant([1.0, 2.0])
    >>> with nt.ForwardAccumulator(x, nt.constant([1.0, 0.0])) as acc:
    ...     y = nt.reduce_sum(x ** 3.0)
    >>> acc.jvp(y)
    nt.Tensor(3.0, shape=(), dtype=float64)

    Nested with a ``GradientTape`` both ways: ``acc.jvp(tape.gradient(y, x))`` of a
    gradient recorded inside ``with acc:`` is a Hessian-vector product, and
    ``tape.gradient(acc.jvp(y), x)`` differentiates a jvp. Computed by transposing the
    recorded reverse mode (numtape/forward.py), not by propagating tangents.
    """

    def __init__(self, primals: Any, tangents: Any) -> None:
        flat_primals = _nest.flatten(primals)
        flat_tangents = _flatten_like(primals, tangents, "ForwardAccumulator")
        seen: set[int] = set()
        for p in flat_primals:
            if not isinstance(p, (Tensor, Variable)):
                raise TypeError(f"ForwardAccumulator: primals must be Tensors or Variables, got {describe(p)}")
            if id(p) in seen:
                raise ValueError(f"Tensor {describe(p)} was specified as a primal multiple times. This may "
                                 "indicate an error. If it was intended, please sum the corresponding tangents.")
            seen.add(id(p))
        float_primals = [p for p in flat_primals if p.dtype.kind == "f"]
        self._tangents = [_tangent_for(p, v, "ForwardAccumulator") for p, v in zip(flat_primals, flat_tangents)
                          if p.dtype.kind == "f"]  # a non-float primal has no tangent (TF warns)
        self._primals = float_primals
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)
        self._recording = False
        self._outer: list["ForwardAccumulator"] = []  # accumulators recording around this one
        with self._tape:  # watched now, as TensorFlow watches in the constructor
            self._tape.watch(float_primals)

    def __enter__(self) -> "ForwardAccumulator":
        if self._recording:
            raise ValueError("Accumulator is already recording.")
        self._outer = [a for a in _RECORDING.open if a is not self]
        self._tape.__enter__()
        self._recording = True
        _RECORDING.open.append(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._recording:
            self._tape.__exit__(*exc_info)
            self._recording = False
            _RECORDING.open.remove(self)

    def jvp(self, primals: Any, unconnected_gradients: Union[UnconnectedGradients, str] = UnconnectedGradients.NONE
            ) -> Any:
        """The Jacobian-vector product of each Tensor in ``primals`` (a Tensor or nested structure),
        in its structure: None (zeros with ``unconnected_gradients="zero"``) for a Tensor that was
        not computed from the watched primals inside this accumulator."""
        unconnected = _unconnected(unconnected_gradients)
        flat = _nest.flatten(primals)
        for t in flat:
            if not isinstance(t, (Tensor, Variable)):
                raise TypeError(f"ForwardAccumulator.jvp: expected Tensors or Variables, got {describe(t)}")
        tensors = [_as_tensor(t) for t in flat]
        tape = self._tape._tape
        connected = [k for k, t in enumerate(tensors)
                     if t.dtype.kind == "f" and tape is not None and tape.slot_of(t) >= 0]
        results: list[Any] = [None] * len(flat)
        # TensorFlow's outer accumulators see an inner one's tangents (computed as the ops ran):
        # here the jvp is computed now, so it is recorded on the accumulators that enclosed this one.
        with _recorded_by([a for a in self._outer if not a._recording]):
            found = transposed_jvp(self._tape, [tensors[k] for k in connected], self._primals, self._tangents)
        for k, r in zip(connected, found):
            results[k] = r
        if unconnected is UnconnectedGradients.ZERO:
            results = [_zeros(t) if r is None else r for r, t in zip(results, tensors)]
        return _nest.pack_sequence_as(primals, results)


class _Recording(threading.local):
    """Per thread, the accumulators whose ``with`` block is open, outermost first (tapes record
    per thread, so an accumulator open on another thread never encloses this one's ops)."""

    def __init__(self) -> None:
        self.open: list[ForwardAccumulator] = []


_RECORDING = _Recording()


@contextlib.contextmanager
def _recorded_by(accumulators: list[ForwardAccumulator]) -> Iterator[None]:
    """Re-open, for one jvp computation, the tapes of accumulators that enclosed it."""
    entered = []
    try:
        for a in accumulators:
            if a._tape._tape is not None:
                a._tape.__enter__()
                entered.append(a)
        yield
    finally:
        for a in reversed(entered):
            a._tape.__exit__(None, None, None)


def _flatten_like(primals: Any, tangents: Any, method: str) -> list[Any]:
    """The tangents, one per leaf of ``primals`` (in flatten's order): their nesting must be the
    primals' down to each primal, whose tangent is then one value (a list there is a vector)."""
    if isinstance(primals, dict):
        if not isinstance(tangents, dict) or set(tangents) != set(primals):
            raise ValueError(f"{method}: The two structures don't have the same nested structure (primals "
                             f"{describe(primals)}, tangents {describe(tangents)})")
        return [t for k in _nest._sorted_keys(primals) for t in _flatten_like(primals[k], tangents[k], method)]
    if isinstance(primals, (list, tuple)):
        if not isinstance(tangents, (list, tuple)) or len(tangents) != len(primals):
            raise ValueError(f"{method}: The two structures don't have the same nested structure (primals "
                             f"{describe(primals)}, tangents {describe(tangents)})")
        return [t for p, v in zip(primals, tangents) for t in _flatten_like(p, v, method)]
    return [tangents]


# ---------------------------------------------------------------------------
# JAX's functional forward mode
# ---------------------------------------------------------------------------
def _output_tensors(y: Any) -> tuple[Any, list[Tensor]]:
    flat = [_as_tensor(leaf) if isinstance(leaf, (Tensor, Variable)) else constant(leaf) for leaf in _nest.flatten(y)]
    return _nest.pack_sequence_as(y, flat), flat


def _zeros_or(results: list[Optional[Tensor]], outputs: list[Tensor]) -> list[Any]:
    return [_zeros(t) if r is None else r for r, t in zip(results, outputs)]


class _Linearization:
    """f recorded once at its primals; ``tangents(*v)`` is its Jacobian-vector product along the
    arguments ``wrt`` (Tensors, in the structure of f's output)."""

    def __init__(self, f: Callable[..., Any], args: Sequence[Any], wrt: Sequence[int], method: str) -> None:
        self._method = method
        self.inputs, sources, _ = _prepare(tuple(args), tuple(wrt))
        self.primals = sources
        self._leaves = [leaf for s in sources for leaf in _nest.flatten(s)]
        self.tape = GradientTape(persistent=True, watch_accessed_variables=False)
        with self.tape:
            self.tape.watch(self._leaves)
            y = f(*self.inputs)
        self.output, self.outputs = _output_tensors(y)

    def tangents(self, *tangents: Any) -> Any:
        if len(tangents) != len(self.primals):
            raise TypeError(f"{self._method}: {len(tangents)} tangents for {len(self.primals)} primals")
        flat = []
        for k, (primal, tangent) in enumerate(zip(self.primals, tangents)):
            leaves, given = _nest.flatten(primal), _flatten_like(primal, tangent, self._method)
            flat += [_tangent_for(p, v, self._method) for p, v in zip(leaves, given)]
        results = transposed_jvp(self.tape, self.outputs, self._leaves, flat)
        return _nest.pack_sequence_as(self.output, _zeros_or(results, self.outputs))

    def __call__(self, *tangents: Any) -> Any:
        return _numpy_tree(self.tangents(*tangents))


def _check_tuple(x: Any, name: str, method: str) -> tuple:
    if not isinstance(x, (tuple, list)):
        raise TypeError(f"{method}: {name} must be a tuple or list of arguments (JAX's convention), "
                        f"got {describe(x)}; write ({name[:-1]},)")
    return tuple(x)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), J @ tangents)`` as JAX's ``jax.jvp``: primals and tangents are tuples of
    arguments, results NumPy values in the structure of f's output (zeros where unconnected).

    >>> import numtape as nt
    >>> nt.jvp(nt.sin, (0.0,), (2.0,))
    (np.float64(0.0), np.float64(2.0))
    """
    primals = _check_tuple(primals, "primals", "nt.jvp")
    tangents = _check_tuple(tangents, "tangents", "nt.jvp")
    if len(primals) != len(tangents):
        raise ValueError(f"nt.jvp: {len(primals)} primals but {len(tangents)} tangents")
    linear = _Linearization(f, primals, range(len(primals)), "nt.jvp")
    out = linear(*tangents)
    return _numpy_tree(linear.output), out


def _numpy_tree(y: Any) -> Any:
    return _nest.pack_sequence_as(y, [_numpy(leaf) for leaf in _nest.flatten(y)])


def linearize(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(f(*primals), f_jvp)`` as ``jax.linearize``: ``f_jvp(*tangents)`` is ``J @ tangents``,
    from the one recording of f (f does not run again)."""
    linear = _Linearization(f, primals, range(len(primals)), "nt.linearize")

    def f_jvp(*tangents: Any) -> Any:
        return linear(*tangents)

    return _numpy_tree(linear.output), f_jvp


def jacfwd(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning the Jacobian of f (``f.shape + x.shape`` per argument, NumPy, as
    ``nt.jacobian``), one column per element of ``args[argnums]``, each a jvp of the one
    recording of f along a basis vector."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        wrt, many = _normalize(argnums, len(args))
        linear = _Linearization(lambda *a: f(*a, **kwargs), args, wrt, "nt.jacfwd")
        for k, primal in zip(wrt, linear.primals):
            if not isinstance(primal, (Tensor, Variable)):
                raise TypeError(f"nt.jacfwd: argument {k} must be one array, not {describe(args[k])}")
        if len(linear.outputs) != 1:
            raise TypeError(f"nt.jacfwd: f must return a single Tensor, got {describe(linear.output)}")
        blocks = [_numpy(_columns(linear, i)) for i in range(len(wrt))]
        return tuple(blocks) if many else blocks[0]

    wrapped.__name__ = f"jacfwd_{getattr(f, '__name__', 'f')}"
    return wrapped


def _columns(linear: _Linearization, i: int) -> Any:
    """The Jacobian block of primal ``i``: the jvps along its basis vectors, stacked last."""
    from .ops.shape import reshape, stack

    out, primal = linear.outputs[0], linear.primals[i]
    zeros = [np.zeros(p.shape, p.dtype) for p in linear.primals]
    columns = []
    for j in range(int(np.prod(primal.shape))):
        basis = np.zeros(primal.size, primal.dtype)
        basis[j] = 1.0
        tangents = list(zeros)
        tangents[i] = basis.reshape(primal.shape)
        columns.append(linear.tangents(*tangents))
    if not columns:
        return np.zeros(tuple(out.shape) + tuple(primal.shape), out.dtype)
    return reshape(stack(columns, axis=-1), tuple(out.shape) + tuple(primal.shape))
