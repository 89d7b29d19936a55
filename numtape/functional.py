"""The functional API: grad, value_and_grad, jacobian, hessian and hvp, eager.

Each is a few lines over :class:`GradientTape`, with ``argnums`` as in JAX (an int,
or a tuple of ints for several gradients). ``f`` takes Tensors (the arguments are
converted) and returns a Tensor or a number; a non-scalar output is summed, as
``GradientTape.gradient`` does. Results are NumPy values, not Tensors, and a
gradient with respect to an argument ``f`` does not use is zeros. For repeated
evaluation of the same function, ``nt.function`` replays a compiled trace instead.

Nested in a recording tape or an ``nt.function`` trace that differentiates the
arguments (``nt.grad(lambda x: nt.reduce_sum(nt.grad(f)(x)))``), a result that
depends on them is returned as the recorded Tensor instead: a NumPy value would be a
constant to the outer derivative, and silently wrong.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np

from . import _nest
from .errors import describe
from .gradient_tape import GradientTape
from ._state import state
from .tensor import Tensor, constant, differentiable_here
from .variable import Variable

ArgNums = Union[int, Sequence[int]]


def _normalize(argnums: ArgNums, n_args: int) -> tuple[list[int], bool]:
    many = not isinstance(argnums, (int, np.integer))
    wrt = [int(a) for a in (argnums if many else [argnums])]  # type: ignore[union-attr]
    for a in wrt:
        if not -n_args <= a < n_args:
            raise ValueError(f"argnums {a} is out of range for a function called with {n_args} arguments")
    return [a % n_args for a in wrt], many


def _is_tree(a: Any) -> bool:
    """A list/tuple/dict holding arrays or Tensors (a pytree), not a list of numbers (an array)."""
    if isinstance(a, dict):
        return True
    return isinstance(a, (list, tuple)) and any(
        isinstance(leaf, (np.ndarray, Tensor, Variable)) for leaf in _nest.flatten(a))


def _tree_input(a: Any, k: int) -> Any:
    leaves = []
    for leaf in _nest.flatten(a):
        if isinstance(leaf, Variable):
            leaves.append(leaf)
        elif isinstance(leaf, Tensor) and leaf.dtype.kind == "f":
            leaves.append(leaf)
        elif isinstance(leaf, (np.ndarray, float, np.floating)) and np.asarray(leaf).dtype.kind == "f":
            leaves.append(constant(leaf))
        else:
            raise TypeError(f"argnums {k}: every leaf of a list/tuple/dict argument must be a float array or "
                            f"Tensor to be differentiated, got {describe(leaf)}")
    return _nest.pack_sequence_as(a, leaves)


def _inputs(args: tuple, wrt: list[int]) -> list[Any]:
    inputs = list(args)
    for k in wrt:
        a = args[k]
        if _is_tree(a):  # gradients come back in its structure
            inputs[k] = _tree_input(a, k)
        elif not isinstance(a, (Tensor, Variable)):
            if a is None or isinstance(a, (str, bytes)):
                raise TypeError(f"argnums {k} refers to {describe(a)}, which cannot be differentiated")
            inputs[k] = constant(a)
        elif isinstance(a, Tensor) and a.dtype.kind != "f":
            raise TypeError(f"argnums {k} refers to a {a.dtype} tensor; only float tensors have gradients")
    return inputs


def _prepare(args: tuple, argnums: ArgNums) -> tuple[list[Any], list[Any], bool]:
    """(all inputs with args[argnums] converted to Tensors, those sources, whether argnums was a tuple)."""
    wrt, many = _normalize(argnums, len(args))
    inputs = _distinct(_inputs(args, wrt), wrt)
    return inputs, [inputs[k] for k in wrt], many


def _distinct(inputs: list[Any], wrt: list[int]) -> list[Any]:
    """Each differentiated position its own source, as in JAX: a Tensor passed twice
    (``grad(f, (0, 1))(t, t)``, or ``(t, t)`` as one argument) is a recorded copy the second
    time, so d(a*b)/da is b, not 2t; the same in a position not differentiated. The copy is an
    identity op: outer tapes still see t."""
    from .ops.elementwise import identity

    seen: set[int] = set()

    def own(leaf: Any) -> Any:
        if isinstance(leaf, Tensor):
            if id(leaf) in seen:
                leaf = identity(leaf)
            seen.add(id(leaf))
        return leaf

    others = [k for k in range(len(inputs)) if k not in wrt]  # a source passed there too: a constant copy
    for k in wrt + others:
        a = inputs[k]
        inputs[k] = _nest.pack_sequence_as(a, [own(x) for x in _nest.flatten(a)]) if _is_tree(a) else own(a)
    return inputs


def _record(f: Callable[..., Any], inputs: list[Any], sources: list[Any], kwargs: dict,
            name: str) -> tuple[GradientTape, Tensor]:
    """f run on a new tape watching ``sources``; its output as a Tensor (a constant if it is not one)."""
    with GradientTape() as tape:
        tape.watch(sources)
        y = f(*inputs, **kwargs)
    if isinstance(y, Variable):
        y = y._t
    kind = y.dtype.kind if isinstance(y, Tensor) else np.asarray(y).dtype.kind
    if kind not in "fc":
        raise TypeError(f"numtape.{name}: f returned {describe(y)}, which cannot be differentiated (a bool or "
                        "integer output has no gradient; JAX refuses it too); return a float Tensor")
    return tape, (y if isinstance(y, Tensor) else constant(y))


def _numpy(value: Any) -> Any:
    """A result as NumPy, unless an outer recording tape or trace differentiates it (see above)."""
    if isinstance(value, (list, tuple, dict)):
        return _nest.pack_sequence_as(value, [_numpy(v) for v in _nest.flatten(value)])
    if isinstance(value, (Tensor, Variable)):
        if state.stack and differentiable_here(value):
            return value
        return value.numpy()
    return value


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), gradient of f with respect to args[argnums])`` as NumPy values.

    >>> import numtape as nt
    >>> nt.value_and_grad(lambda x: x * x)(3.0)
    (np.float64(9.0), np.float64(6.0))
    """
    return _value_and_grad(f, argnums, "value_and_grad")


def _value_and_grad(f: Callable[..., Any], argnums: ArgNums, name: str) -> Callable[..., tuple[Any, Any]]:
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        inputs, sources, many = _prepare(args, argnums)
        tape, y = _record(f, inputs, sources, kwargs, name)
        grads = [_numpy(g) for g in tape.gradient(y, sources, unconnected_gradients="zero")]
        return _numpy(y), (tuple(grads) if many else grads[0])

    wrapped.__name__ = f"{name}_{getattr(f, '__name__', 'f')}"
    return wrapped


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning the gradient of ``f`` with respect to ``args[argnums]`` (NumPy).

    >>> import numtape as nt
    >>> float(nt.grad(nt.sin)(0.0))
    1.0
    """
    vg = _value_and_grad(f, argnums, "grad")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    wrapped.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return wrapped


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning the Jacobian of ``f``: ``f(x).shape + x.shape`` per argument (NumPy)."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        inputs, sources, many = _prepare(args, argnums)
        tape, y = _record(f, inputs, sources, kwargs, "jacobian")
        result = [_numpy(j) for j in tape.jacobian(y, sources, unconnected_gradients="zero")]
        return tuple(result) if many else result[0]

    wrapped.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    return wrapped


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """A function returning the Hessian of scalar ``f``: ``x.shape + x.shape`` (NumPy).

    The Hessian is the Jacobian of the gradient, ``H[i, j] = d/dx_j (df/dx_i)``; it is
    not symmetric where pow's convention (d/dbase of the exponent term is 0 for a base
    <= 0) breaks the symmetry of second derivatives. :func:`hvp` gives ``H @ v``.

    With a tuple ``argnums``, a tuple of tuples of blocks ``d2f / dx_i dx_j``.
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from .ops.shape import concat, reshape

        inputs, sources, many = _prepare(args, argnums)
        with GradientTape() as outer:
            outer.watch(sources)
            inner, y = _record(f, inputs, sources, kwargs, "hessian")
            gradients = inner.gradient(y, sources, unconnected_gradients="zero")
            flat = concat([reshape(g, (-1,)) for g in gradients], 0)  # recorded: one jacobian for all blocks
        jacobians = outer.jacobian(flat, sources, unconnected_gradients="zero")
        blocks = []
        start = 0
        for s in sources:
            size = int(np.prod(np.shape(s)))
            blocks.append([_numpy(reshape(j[start : start + size], np.shape(s) + np.shape(t)))
                           for t, j in zip(sources, jacobians)])
            start += size
        if not many:
            return blocks[0][0]
        return tuple(tuple(row) for row in blocks)

    wrapped.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return wrapped


def hvp(f: Callable[..., Any], x: Any, v: Any, argnums: int = 0) -> np.ndarray:
    """The Hessian-vector product of scalar ``f`` at ``x`` with ``v``: H(x) @ v (NumPy).

    ``H`` is the Hessian as :func:`hessian` returns it, the Jacobian of the gradient:
    ``H[i, j] = d/dx_j (df/dx_i)``, so ``hvp(f, x, v) == hessian(f)(x) @ v`` and
    ``Function.hvp`` gives the same, even where ``H`` is not symmetric (pow's
    convention that d/dbase of the exponent term is 0 for a base <= 0). That is the
    derivative of the gradient along ``v`` (forward over reverse), computed as
    ``d/du (v . J^T u)`` with ``J^T u`` the recorded, linear-in-``u`` reverse sweep of
    the gradient: three reverse sweeps, and the Hessian is never formed.

    ``x`` is the argument to differentiate (or, with ``argnums``, the tuple of all
    arguments).
    """
    if not isinstance(argnums, (int, np.integer)):
        raise TypeError(f"nt.hvp: argnums must be one int, got {argnums!r}")
    args = tuple(x) if argnums and isinstance(x, (tuple, list)) else (x,)
    inputs, (source,), _ = _prepare(args, argnums)
    vector = constant(v)
    with GradientTape() as dual:  # records J^T u, linear in u
        with GradientTape() as outer:  # records the gradient g(x), to differentiate it
            outer.watch(source)
            inner, y = _record(f, inputs, [source], {}, "hvp")
            g = inner.gradient(y, source, unconnected_gradients="zero")
        if vector.shape != g.shape:
            raise ValueError(f"hvp: v has shape {vector.shape}, the argument has shape {g.shape}")
        u = constant(np.zeros(g.shape, g.dtype) if g.shape else g.dtype.type(0.0))
        dual.watch(u)
        transposed = outer.gradient(g, source, output_gradients=u, unconnected_gradients="zero")
        from .ops.reduce import reduce_sum

        projected = reduce_sum(transposed * vector)
    result = dual.gradient(projected, u, unconnected_gradients="zero")
    return _numpy(result)
