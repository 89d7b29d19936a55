"""Uniform error messages: every user error names the op, the shapes and the dtypes.

User errors are ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong shape or content). They are raised before anything is recorded, so a tape
stays usable after any of them.

An error met inside a composite row (``nt.stats.norm.logpdf`` subtracting its operands) names
the row the user called, not the op that found it: when the message is made, the frames above
it are walked up to the first frame outside numtape, and the outermost row among them (their
code objects are registered in :data:`PUBLIC_CODES` by ``ops/registry.py``) is the name given;
the op that found the error follows in brackets. Only the error path pays for the walk.
"""
from __future__ import annotations

import sys
from types import CodeType
from typing import Any

import numpy as np

#: code object of each composite row's function -> (the name errors give, every name the row itself
#: raises under); None: a code object several rows share
PUBLIC_CODES: dict[CodeType, "tuple[str, frozenset[str]] | None"] = {}
_PACKAGE = __name__.rpartition(".")[0] + "."


def describe(x: Any) -> str:
    """A short description of a value for error messages: kind, dtype and shape."""
    if _is_a(x, "numtape.tensor", "Tensor"):
        return f"Tensor(shape={x.shape}, dtype={x.dtype})"
    if _is_a(x, "numtape.variable", "Variable"):
        return f"Variable(shape={x.shape}, dtype={x.dtype})"
    if isinstance(x, np.ndarray):
        return f"ndarray(shape={x.shape}, dtype={x.dtype})"
    if isinstance(x, np.generic):
        return f"NumPy {type(x).__name__} scalar"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    return type(x).__name__


class WatchError(TypeError, ValueError):
    """``GradientTape.watch`` of something that is not a Tensor or Variable.

    TensorFlow raises ``ValueError`` there, numtape's rule for a wrong kind of value is
    ``TypeError``: this is both, so code written for either catches it.
    """


def op_type_error(op: str, message: str, *values: Any) -> TypeError:
    """A TypeError for ``op`` that lists the offending values' kinds, dtypes and shapes."""
    return TypeError(_format(op, message, values))


def op_value_error(op: str, message: str, *values: Any) -> ValueError:
    """A ValueError for ``op`` that lists the offending values' kinds, dtypes and shapes."""
    return ValueError(_format(op, message, values))


def _called(op: str) -> tuple[str, frozenset]:
    """The outermost public row on the stack between here and the user's code, and its names."""
    called: tuple[str, frozenset] = (op, frozenset((op,)))
    frame = sys._getframe(3)  # the caller of op_type_error / op_value_error
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module.startswith(_PACKAGE) or module == _PACKAGE[:-1]):
            break
        called = PUBLIC_CODES.get(frame.f_code) or called
        frame = frame.f_back
    return called


def _format(op: str, message: str, values: tuple[Any, ...]) -> str:
    called, own_names = _called(op) if PUBLIC_CODES else (op, frozenset((op,)))
    if op not in own_names:  # found by an op the row calls, not by the row itself
        message = f"{message} [found by numtape.{op}]"
    text = f"numtape.{called}: {message}"
    if values:
        text += " (got " + ", ".join(describe(v) for v in values) + ")"
    return text


def _is_a(x: Any, module: str, name: str) -> bool:
    """``isinstance(x, module.name)`` by name: everything imports this module, so it
    imports nothing of numtape (it cannot import the classes)."""
    return any(c.__name__ == name and c.__module__ == module for c in type(x).__mro__)
