"""nt.function's argument model: what is traced, what is static, and the cache key.

Each call's arguments (positional and keyword) are split into **inputs**, the float
values a trace takes as variables, and **static** values, which are part of the key
that selects a trace, compared by type and exact value:

* traced: float Tensors, float NumPy arrays and scalars, Python floats, a list or tuple
  of Python/NumPy numbers with at least one float (one array, as NumPy reads it), and the
  float leaves of lists, tuples and dicts (pytrees) holding arrays or Tensors;
* static: Python ints, bools, strings, None and any other hashable object; integer and
  bool arrays and Tensors (index arrays, masks: keyed by dtype, shape and bytes); lists
  and tuples of ints; anything named by ``static_argnums``/``static_argnames``;
  Variables (by identity: their values are read at every call).

"Exact value" means ``True`` and ``1`` are different keys, and so are ``0.0`` and
``-0.0`` (a static float is keyed by its bits). A call's :class:`Layout` maps the
arguments to the flat list of input values (the leaves) and back, so that a trace can
be called with Tensors in place of the leaves and derivatives can be packed into the
structure of the argument they belong to.
"""
from __future__ import annotations

import struct
from typing import Any, Optional, Sequence, Union

import numpy as np

from .. import _nest
from .._state import state
from ..errors import describe
from ..tensor import Tensor, differentiable_here, to_value, wrap
from ..variable import Variable

ArgNums = Union[int, Sequence[int]]

_FLOAT_KEY = ("input", (), np.dtype(np.float64).str)


def _is_number_list(arg: Any) -> bool:
    """A list/tuple of numbers with a float among them: one array input, as NumPy reads it."""
    if not isinstance(arg, (list, tuple)) or not arg:
        return False
    leaves = _nest.flatten(arg)
    if not all(isinstance(e, (float, int, np.number)) and not isinstance(e, (bool, np.bool_)) for e in leaves):
        return False
    return any(isinstance(e, (float, np.floating)) for e in leaves)


def is_input(arg: Any) -> bool:
    """True for an argument that is one traced input (not a pytree of them)."""
    if isinstance(arg, (float, np.floating)):
        return True
    if isinstance(arg, np.ndarray):
        return arg.dtype.kind == "f"
    if isinstance(arg, Tensor):
        return arg.dtype.kind == "f"
    return _is_number_list(arg)


def _is_tree(arg: Any) -> bool:
    return isinstance(arg, (list, tuple, dict)) and not _is_number_list(arg)


def input_value(arg: Any) -> Any:
    if isinstance(arg, Tensor):
        return arg._v
    return to_value(arg, "function")


def exact(value: Any) -> Any:
    """A hashable key for a static value: equal only for the same type and exact value."""
    kind = type(value)
    if kind is float or isinstance(value, np.floating):
        return (kind.__name__, struct.pack("<d", float(value)) if kind is float else np.asarray(value).tobytes())
    if kind in (tuple, list):
        return (kind.__name__,) + tuple(exact(v) for v in value)
    if isinstance(value, (np.ndarray, Tensor)):
        v = np.asarray(value._v if isinstance(value, Tensor) else value)
        return ("array", kind.__name__, v.dtype.str, v.shape, v.tobytes())
    if isinstance(value, np.generic):
        return (kind.__name__, value.tobytes())
    return (kind, value)


def _static_key(value: Any, where: str, fn: Any) -> Any:
    if isinstance(value, (np.ndarray, Tensor)):
        return exact(value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_static_key(v, where, fn) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple((k, _static_key(value[k], where, fn)) for k in _nest._sorted_keys(value))
    if not _hashable(value):
        _unhashable(value, where, fn)
    return exact(value)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _unhashable(value: Any, where: str, fn: Any) -> Any:
    raise TypeError(
        f"nt.function({getattr(fn, '__name__', 'f')}): {where} is {describe(value)}, which is neither an array "
        "input nor hashable; static arguments are part of the trace's key (pass a tuple, or arrays)"
    )


class Layout:
    """Where each argument's traced leaves sit in the flat input list, and how to rebuild them.

    ``arg_leaves[k]``: the input indices of positional argument k (empty if static);
    ``masks[k]``: None for a single input, else one bool per flattened leaf of the tree
    (True where the leaf is an input). The same for keyword arguments by name.
    """

    __slots__ = ("arg_leaves", "masks", "kw_leaves", "kw_masks", "n_inputs", "differentiated")

    def __init__(self) -> None:
        self.arg_leaves: list[tuple[int, ...]] = []
        self.masks: list[Optional[tuple[bool, ...]]] = []
        self.kw_leaves: dict[str, tuple[int, ...]] = {}
        self.kw_masks: dict[str, Optional[tuple[bool, ...]]] = {}
        self.n_inputs = 0
        #: argnums (int or tuple) -> (the arguments, their input leaves, argnums was a tuple): a
        #: layout is shared by the calls of one quick key, so this is worked out once per argnums
        self.differentiated: dict[Any, tuple[list[int], tuple[int, ...], bool]] = {}

    def wrt(self, argnums: ArgNums, args: Sequence[Any], method: str) -> tuple[list[int], tuple[int, ...], bool]:
        """(the arguments ``argnums`` names, their input leaves, argnums was a tuple); raises as
        :func:`argnums_of` for an argument out of range or not traced."""
        cacheable = type(argnums) is int or (type(argnums) is tuple and all(type(a) is int for a in argnums))
        known = self.differentiated.get(argnums) if cacheable else None
        if known is None:
            wrt, many = argnums_of(argnums, args, self, method)
            known = (wrt, tuple(j for k in wrt for j in self.arg_leaves[k]), many)
            if cacheable and len(self.differentiated) < 16:
                self.differentiated[argnums] = known
        return known

    def packs_flat(self, wrt: Sequence[int]) -> bool:
        """True when each argument in ``wrt`` is one input (no pytree to rebuild)."""
        masks = self.masks
        return masks.count(None) == len(masks) or all(masks[k] is None for k in wrt)

    def call_arguments(self, inputs: Sequence[Any], args: tuple, kwargs: dict) -> tuple[list[Any], dict]:
        """``args``/``kwargs`` with every traced leaf replaced by ``inputs[index]``."""
        call_args = [self._rebuild(a, leaves, mask, inputs)
                     for a, leaves, mask in zip(args, self.arg_leaves, self.masks)]
        call_kwargs = {name: self._rebuild(value, self.kw_leaves.get(name, ()), self.kw_masks.get(name), inputs)
                       for name, value in kwargs.items()}
        return call_args, call_kwargs

    @staticmethod
    def _rebuild(arg: Any, leaves: tuple[int, ...], mask: Optional[tuple[bool, ...]], inputs: Sequence[Any]) -> Any:
        if not leaves:
            return arg
        if mask is None:
            return inputs[leaves[0]]
        it = iter(leaves)
        flat = [inputs[next(it)] if m else leaf for leaf, m in zip(_nest.flatten(arg), mask)]
        return _nest.pack_sequence_as(arg, flat)

    def pack(self, arg: Any, k: int, values: Sequence[Any]) -> Any:
        """``values`` (one per input leaf of argument k) in the structure of ``arg``; None at its
        static leaves."""
        mask = self.masks[k]
        if mask is None:
            return values[0]
        it = iter(values)
        return _nest.pack_sequence_as(arg, [next(it) if m else None for m in mask])


def _classify(value: Any, where: str, fn: Any, key: list, values: list, layout: Layout,
              static: bool) -> tuple[tuple[int, ...], Optional[tuple[bool, ...]]]:
    """Append ``value``'s key part (and its input leaves) and return (its leaves, its mask)."""
    if static:
        key.append(("static", _static_key(value, where, fn)))
        return (), None
    if is_input(value):
        v = input_value(value)
        values.append(v)
        key.append(("input", np.shape(v), np.asarray(v).dtype.str))
        layout.n_inputs += 1
        return (layout.n_inputs - 1,), None
    if _is_tree(value):
        leaves, mask, parts = [], [], []
        for leaf in _nest.flatten(value):
            if is_input(leaf):
                v = input_value(leaf)
                values.append(v)
                parts.append(("input", np.shape(v), np.asarray(v).dtype.str))
                leaves.append(layout.n_inputs)
                layout.n_inputs += 1
                mask.append(True)
            else:
                parts.append(("static", _static_key(leaf, where, fn)))
                mask.append(False)
        key.append(("tree", _tree_shape(value), tuple(parts)))
        return tuple(leaves), tuple(mask)
    if isinstance(value, Variable):
        key.append(("static", (Variable, id(value))))
        return (), None
    key.append(("static", _static_key(value, where, fn)))
    return (), None


def _tree_shape(value: Any) -> Any:
    """The nesting of a pytree (container types, lengths, dict keys), without its leaves."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _tree_shape(value[k])) for k in _nest._sorted_keys(value)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_tree_shape(v) for v in value))
    return None


def signature(args: tuple, kwargs: dict, fn: Any = None, static_argnums: frozenset = frozenset(),
              static_argnames: frozenset = frozenset()) -> tuple[tuple, list[Any], Layout]:
    """(the cache key of a call, its input values, its layout)."""
    key: list[Any] = []
    values: list[Any] = []
    layout = Layout()
    for k, arg in enumerate(args):
        kind = type(arg)
        if kind is float and k not in static_argnums:  # the common cases first: this runs on every call
            values.append(arg)
            key.append(_FLOAT_KEY)
            leaves: tuple[int, ...] = (layout.n_inputs,)
            layout.n_inputs += 1
            mask = None
        elif kind is np.ndarray and arg.dtype.kind == "f" and arg.dtype.itemsize in (4, 8) \
                and k not in static_argnums:
            values.append(arg)
            key.append(("input", arg.shape, arg.dtype.str))
            leaves = (layout.n_inputs,)
            layout.n_inputs += 1
            mask = None
        else:
            leaves, mask = _classify(arg, f"argument {k}", fn, key, values, layout, k in static_argnums)
        layout.arg_leaves.append(leaves)
        layout.masks.append(mask)
    for name in sorted(kwargs):
        key.append(("keyword", name))
        leaves, mask = _classify(kwargs[name], f"keyword argument {name!r}", fn, key, values, layout,
                                 name in static_argnames)
        if leaves:
            layout.kw_leaves[name] = leaves
            layout.kw_masks[name] = mask
    return tuple(key), values, layout


_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)


def quick_key(args: tuple) -> Optional[tuple[tuple, list[Any]]]:
    """A cheap stand-in for :func:`signature`'s key, and the call's input values; or None.

    Defined only for positional arguments that are all float64/float32 NumPy arrays
    (exact type, native byte order), Python floats, or Tensors holding one of these:
    for those, ``signature``'s key, layout and values follow from the types, shapes and
    dtypes alone, so a Function keeps the key and layout it computed once per quick key.
    Values are never part of it (arrays mutated in place are read anew); the input
    values are the arguments themselves (a Tensor's ``_v``), as ``signature`` lists them.
    """
    parts = []
    values = []
    for arg in args:
        if type(arg) is Tensor:
            arg = arg._v
        kind = type(arg)
        if kind is np.ndarray:
            dtype = arg.dtype
            if dtype is not _F64 and dtype is not _F32:
                return None
            parts.append((arg.shape, dtype))
        elif kind is float:
            parts.append(float)
        else:
            return None
        values.append(arg)
    return tuple(parts), values


def eager_arguments(args: tuple, kwargs: dict, static_argnums: frozenset = frozenset(),
                    static_argnames: frozenset = frozenset()) -> tuple[list[Any], dict]:
    """Arguments for an eager call of f: every traced leaf as a Tensor (Tensors and Variables
    themselves, so that recording tapes see their identity), as a trace passes them."""

    def convert(value: Any) -> Any:
        if isinstance(value, (Tensor, Variable)) or not is_input(value):
            return value
        return wrap(input_value(value))

    def leaves(value: Any, static: bool) -> Any:
        if static:
            return value
        if _is_tree(value):
            return _nest.pack_sequence_as(value, [convert(v) for v in _nest.flatten(value)])
        return convert(value)

    return ([leaves(a, k in static_argnums) for k, a in enumerate(args)],
            {name: leaves(v, name in static_argnames) for name, v in kwargs.items()})


def refuse_differentiated(args: Sequence[Any], method: str) -> None:
    """A NumPy-only method given a Tensor an outer tape or trace differentiates: its result
    would be a constant to that derivative, so refuse rather than be silently wrong."""
    for a in _nest.flatten(list(args)):
        if isinstance(a, (Tensor, Variable)) and state.stack and differentiable_here(a):
            raise TypeError(f"Function.{method} returns NumPy values, which an outer recording tape or trace "
                            "cannot differentiate; call value_and_grad per example inside the tape instead")


def static_argnum_list(static_argnums: Any) -> list[int]:
    items = [static_argnums] if isinstance(static_argnums, (int, np.integer)) else list(static_argnums)
    if any(not isinstance(k, (int, np.integer)) or k < 0 for k in items):
        raise TypeError(f"nt.function: static_argnums must be non-negative ints, got {static_argnums!r}")
    return [int(k) for k in items]


def argnums_of(argnums: ArgNums, args: Sequence[Any], layout: Optional[Layout] = None,
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


def one_argnum(argnums: Any, args: Sequence[Any], method: str) -> int:
    """The one argument ``Function.<method>`` differentiates twice (an int, or a 1-tuple)."""
    if not isinstance(argnums, (int, np.integer)) and len(argnums) != 1:  # type: ignore[arg-type]
        hint = "; for the blocks of several arguments use nt.hessian(f, argnums=(0, 1))" if method == "hessian" else ""
        raise TypeError(f"Function.{method}: argnums must be one int, got {argnums!r}{hint}")
    (k,), _ = argnums_of(argnums, args, None, method)
    return k


