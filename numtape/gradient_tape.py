"""GradientTape: TensorFlow's tape API over numtape's buffers.

The facade only pushes and pops tapes on this thread's stack, validates and
flattens arguments, and delegates to ``numtape/backward/``. Its rules are
TensorFlow's: a non-persistent tape answers one ``gradient``/``jacobian`` call and
then frees its buffers; calling ``gradient`` inside the tape's own ``with`` block
stops a non-persistent tape, while a persistent one records the gradient
computation onto itself; a gradient computed while another tape records is
recorded by that tape (higher-order derivatives).
"""
from __future__ import annotations

import contextlib
import enum
from typing import Any, Iterator, Optional, Union

import numpy as np

from . import _nest
from ._state import state
from .backward import Source, compute_gradients
from .backward.jacobian import batch_jacobian, jacobian
from .errors import WatchError, describe
from .tape.recorder import Tape
from .tensor import Tensor, to_value, wrap
from .variable import Variable

#: A second ``gradient`` on a non-persistent tape: the text the seed lab prints (TF 2.x's
#: older wording), kept exactly.
_ONCE_MESSAGE = "GradientTape.gradient can only be called once on non-persistent tapes."
#: A second ``jacobian``/``batch_jacobian``: TF 2.21's text.
_USED_MESSAGE = "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _unconnected(value: Any) -> UnconnectedGradients:
    if value is UnconnectedGradients.NONE:
        return value
    try:
        return UnconnectedGradients(value.value if isinstance(value, UnconnectedGradients) else value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


class GradientTape:
    """Record operations for automatic differentiation.

    >>> import numtape as nt
    >>> x = nt.constant(3.0)
    >>> with nt.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> g.gradient(y, x)
    nt.Tensor(6.0, shape=(), dtype=float64)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._tape: Optional[Tape] = None
        self._recording = False
        self._was_reset = False
        self._entered = False
        self._watched_after_release: tuple[Variable, ...] = ()

    # -- recording --------------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        if self._recording:
            raise ValueError(
                "Tape is still recording, This can happen if you try to re-enter an already-active tape."
            )
        self._push()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._recording:
            self._pop()

    def _push(self) -> None:
        if self._tape is None:
            self._tape = Tape(self._persistent, self._watch_accessed_variables)
            self._was_reset = False
        state.stack.append(self._tape)
        self._recording = True
        self._entered = True

    def _pop(self) -> None:
        stack = state.stack
        for k in range(len(stack) - 1, -1, -1):
            if stack[k] is self._tape:
                del stack[k]
                break
        self._recording = False

    def watch(self, tensor: Any) -> None:
        """Ensure ``tensor`` (a Tensor, Variable, or nested list/tuple/dict of them) is traced."""
        items = _nest.flatten(tensor)
        for t in items:  # validate everything before touching the tape
            if not isinstance(t, (Tensor, Variable)):
                raise WatchError(
                    f"GradientTape.watch: expected Tensors or Variables, got {describe(t)}: passed in object "
                    f"of type {type(t).__name__!r}, not nt.Tensor or nt.Variable (convert it with nt.constant)"
                )
            if t.dtype.kind != "f":
                raise TypeError(
                    f"GradientTape.watch: cannot watch a tensor of dtype {t.dtype}; only float "
                    "tensors have gradients (convert with nt.constant(x, dtype='float64'))"
                )
        tape = self._tape
        if tape is None:
            raise ValueError("GradientTape.watch: the tape is not recording; call watch inside its `with` block")
        for t in items:
            if isinstance(t, Variable):
                tape.watch_variable(t)
            else:
                tape.constant_tensors.discard(id(t))  # watched now: a source, no longer a constant
                tape.watch(t)

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Temporarily stop recording: ops inside this block are not traced."""
        if not self._recording:
            raise ValueError("GradientTape.stop_recording: the tape is not recording")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self) -> None:
        """Clear everything recorded so far, as if the ``with`` block had just been entered."""
        was_recording = self._recording
        if was_recording:
            self._pop()
        self._tape = None
        self._was_reset = True
        if was_recording:
            self._push()

    def watched_variables(self) -> tuple[Variable, ...]:
        """The variables this tape watches, in creation order (as TensorFlow sorts them)."""
        if self._tape is None:
            return self._watched_after_release
        return self._tape.watched_variables()

    # -- gradients --------------------------------------------------------------------
    def _check_usable(self, method: str) -> None:
        """Refuse a tape that cannot answer (checked first, as TensorFlow does)."""
        if self._tape is None:
            if self._was_reset:
                raise RuntimeError(
                    f"GradientTape.{method}: this tape was reset outside its `with` block and has "
                    "recorded nothing since; record a computation inside `with tape:` first."
                )
            if not self._entered:
                raise RuntimeError(
                    f"GradientTape.{method}: this tape has not recorded anything; use it as "
                    "`with nt.GradientTape() as tape:` and compute the target inside the block first."
                )
            raise RuntimeError(_ONCE_MESSAGE if method == "gradient" else _USED_MESSAGE)

    def _begin(self, method: str) -> tuple[Tape, bool]:
        """Check the tape can answer; return it and whether the backward pass is recorded."""
        self._check_usable(method)
        tape = self._tape
        assert tape is not None
        if self._recording and not self._persistent:
            self._pop()
        return tape, bool(state.stack)

    def _finish(self, tape: Tape, recycle: bool = False) -> None:
        if not self._persistent:
            self._watched_after_release = tape.watched_variables()
            tape.release(recycle)
            self._tape = None

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: Union[UnconnectedGradients, str] = UnconnectedGradients.NONE,
    ) -> Any:
        """The gradient of ``target`` (summed over elements and list items) with respect to ``sources``.

        Returns the structure of ``sources`` with one gradient (or None) per source.
        """
        self._check_usable("gradient")
        unconnected = _unconnected(unconnected_gradients)
        flat_targets = _check_targets(target, "gradient")
        flat_sources = _check_sources(sources, "gradient")
        seeds = _check_output_gradients(output_gradients, flat_targets)
        tape, recorded = self._begin("gradient")
        try:
            targets = _target_seeds(tape, flat_targets, seeds, recorded)
            infos = [_source_info(tape, s) for s in flat_sources]
            results = compute_gradients(tape, targets, infos, recorded)
            flat = [_finish_gradient(r, info, unconnected) for r, info in zip(results, infos)]
        except BaseException:
            self._finish(tape)
            raise
        self._finish(tape, recycle=not recorded)  # recorded is bool(state.stack)
        return _nest.pack_sequence_as(sources, flat)

    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: Union[UnconnectedGradients, str] = UnconnectedGradients.NONE,
        parallel_iterations: Optional[int] = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """The full Jacobian of ``target`` with respect to each source: ``target.shape + source.shape``.

        ``parallel_iterations`` and ``experimental_use_pfor`` are accepted as in TensorFlow
        and give the same numbers (numtape always sweeps row by row); the tapes TensorFlow
        refuses for them are refused here too.
        """
        self._check_usable("jacobian")
        unconnected = _unconnected(unconnected_gradients)
        (t,) = _check_targets(target, "jacobian", single=True)
        flat_sources = _check_sources(sources, "jacobian")
        self._check_loop("jacobian", parallel_iterations, experimental_use_pfor)
        tape, recorded = self._begin("jacobian")
        try:
            self._check_pfor("jacobian", parallel_iterations, experimental_use_pfor, t.size)
            infos = [_source_info(tape, s) for s in flat_sources]
            flat = jacobian(tape, t, infos, recorded, unconnected is UnconnectedGradients.ZERO)
        finally:
            self._finish(tape)
        return _nest.pack_sequence_as(sources, flat)

    def batch_jacobian(
        self,
        target: Any,
        source: Any,
        unconnected_gradients: Union[UnconnectedGradients, str] = UnconnectedGradients.NONE,
        parallel_iterations: Optional[int] = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        """Per-example Jacobians: ``result[b] = d target[b] / d source[b]`` for a leading batch axis.

        As in TensorFlow: target and source have rank 2 or more and the same first
        dimension; rows of different examples are assumed independent; a source the target
        does not depend on gives zeros in the target's dtype (whatever
        ``unconnected_gradients`` says, as TF keeps for compatibility).
        """
        self._check_usable("batch_jacobian")
        _unconnected(unconnected_gradients)  # validated; the answer is zeros either way
        (t,) = _check_targets(target, "batch_jacobian", single=True)
        (s,) = _check_sources(source, "batch_jacobian", single=True)
        for shape in (t.shape, s.shape):
            if len(shape) < 2:
                raise ValueError(
                    f"GradientTape.batch_jacobian: Shape {shape} must have rank at least 2 (target "
                    f"{t.shape}, source {s.shape}: both need a leading batch axis and at least one more)"
                )
        if t.shape[0] != s.shape[0]:
            raise ValueError(
                f"GradientTape.batch_jacobian: Need first dimension of target shape {t.shape} and "
                f"source shape {s.shape} to match."
            )
        self._check_loop("batch_jacobian", parallel_iterations, experimental_use_pfor)
        tape, recorded = self._begin("batch_jacobian")
        try:
            row_size = t.size // t.shape[0] if t.shape[0] else 0
            self._check_pfor("batch_jacobian", parallel_iterations, experimental_use_pfor, row_size)
            result = batch_jacobian(tape, t, _source_info(tape, s), recorded)
        finally:
            self._finish(tape)
        return result

    # -- TensorFlow's loop options ----------------------------------------------------
    def _check_loop(self, method: str, parallel_iterations: Any, use_pfor: Any) -> None:
        """What TensorFlow refuses before it computes anything (the tape stays usable)."""
        if parallel_iterations is not None and (
            isinstance(parallel_iterations, bool) or not isinstance(parallel_iterations, (int, np.integer))
        ):
            raise TypeError(
                f"GradientTape.{method}: parallel_iterations must be None or a positive integer, "
                f"got {describe(parallel_iterations)}"
            )
        if use_pfor:
            return
        if not self._persistent:
            raise RuntimeError(
                f"GradientTape must be created with persistent=True to compute the {method} with eager "
                "execution enabled and with experimental_use_pfor set to False."
            )
        if parallel_iterations is not None and parallel_iterations < 1:
            raise TypeError(f"GradientTape.{method}: 'parallel_iterations' must be a positive integer.")

    def _check_pfor(self, method: str, parallel_iterations: Optional[int], use_pfor: Any, iterations: int) -> None:
        """What TensorFlow's ``pfor`` refuses after its first iteration, which has used a
        non-persistent tape up (so the tape is released, as there)."""
        p = parallel_iterations
        if not use_pfor or p is None:
            return
        if p <= 1:
            reason = (f"Argument `parallel_iterations` must be None or a positive integer. Received: {p}."
                      if p < 1 else "Found `parallel_iterations == 1`. Use `for_loop` instead.")
            raise ValueError(
                f"Encountered an exception while vectorizing the {method} computation. Vectorization can be "
                f"disabled by setting experimental_use_pfor to False. ({reason})"
            ) from ValueError(reason)
        if p <= iterations and not self._persistent:
            # pfor runs the loop body once more for the tiles: a second gradient on this tape
            raise RuntimeError(
                f"GradientTape must be created with persistent=True to compute the {method} with "
                "parallel_iterations."
            )


# ---------------------------------------------------------------------------
# Argument checks (all before anything is computed)
# ---------------------------------------------------------------------------
def _check_targets(target: Any, method: str, single: bool = False) -> list[Tensor]:
    if target is None:
        raise TypeError(f"GradientTape.{method}: target is None; expected a Tensor")
    flat = [target] if single else _nest.flatten(target)
    if single and not isinstance(target, (Tensor, Variable)):
        raise TypeError(f"GradientTape.{method}: target must be a single Tensor, got {describe(target)}")
    result = []
    for t in flat:
        if isinstance(t, Variable):
            t = t._t
        if not isinstance(t, Tensor):
            raise TypeError(
                f"GradientTape.{method}: target must be a Tensor (or a list of Tensors), got {describe(t)}"
            )
        result.append(t)
    return result


def _check_sources(sources: Any, method: str, single: bool = False) -> list[Any]:
    if sources is None:
        raise TypeError(f"GradientTape.{method}: sources is None; expected Tensors or Variables")
    flat = [sources] if single else _nest.flatten(sources)
    for s in flat:
        if not isinstance(s, (Tensor, Variable)):
            raise TypeError(
                f"GradientTape.{method}: sources must be Tensors or Variables (or nested lists, tuples "
                f"or dicts of them), got {describe(s)}"
            )
    return flat


def _check_output_gradients(output_gradients: Any, targets: list[Tensor]) -> list[Any]:
    if output_gradients is None:
        return [None] * len(targets)
    flat = _nest.flatten(output_gradients)
    if len(flat) != len(targets):
        raise ValueError(
            f"GradientTape.gradient: {len(targets)} targets but {len(flat)} output_gradients"
        )
    seeds = []
    for g, t in zip(flat, targets):
        if g is None:
            seeds.append(None)
            continue
        seed = g if isinstance(g, Tensor) else wrap(to_value(g, "gradient", t.dtype))
        if seed.shape != t.shape:
            raise ValueError(
                f"GradientTape.gradient: output_gradients of shape {seed.shape} for a target of shape {t.shape}"
            )
        seeds.append(seed)
    return seeds


def _ones(t: Tensor) -> Any:
    return np.ones(t.shape, t.dtype) if t.shape else t.dtype.type(1.0)


def _target_seeds(tape: Tape, targets: list[Tensor], seeds: list[Any], recorded: bool) -> list[tuple[int, Any]]:
    pairs = []
    for t, seed in zip(targets, seeds):
        slot = tape.slot_of(t)
        if slot < 0:
            continue  # a target the tape never recorded contributes nothing
        if recorded:
            pairs.append((slot, seed if seed is not None else wrap(_ones(t))))
        else:
            pairs.append((slot, seed._v if seed is not None else None))  # None: ones
    return pairs


def _source_info(tape: Tape, source: Any) -> Source:
    if isinstance(source, Variable):
        record = tape.variables.get(id(source))
        slots = list(record.slots) if record is not None else []
        return slots, source.dtype, source.shape
    slot = tape.slot_of(source)
    return ([slot] if slot >= 0 else []), source.dtype, source.shape


def _finish_gradient(result: Any, info: Source, unconnected: UnconnectedGradients) -> Optional[Tensor]:
    _, dtype, shape = info
    if result is None:
        if unconnected is UnconnectedGradients.ZERO:
            return wrap(np.zeros(shape, dtype) if shape else dtype.type(0.0))
        return None
    if isinstance(result, Tensor):
        return result
    if type(result) is np.ndarray and result.dtype is dtype and result.shape == shape:
        return wrap(result)  # the fast path's copy, already as asked (a float64 array source)
    value = np.asarray(result, dtype).reshape(shape)
    return wrap(value)
