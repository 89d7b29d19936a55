"""Uniform error messages: every user error names the op, the shapes and the dtypes.

User errors are ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong shape or content). They are raised before anything is recorded, so a tape
stays usable after any of them.
"""
from __future__ import annotations

from typing import Any

import numpy as np


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


def _format(op: str, message: str, values: tuple[Any, ...]) -> str:
    text = f"numtape.{op}: {message}"
    if values:
        text += " (got " + ", ".join(describe(v) for v in values) + ")"
    return text


def _is_a(x: Any, module: str, name: str) -> bool:
    """``isinstance(x, module.name)`` by name: everything imports this module, so it
    imports nothing of numtape (it cannot import the classes)."""
    return any(c.__name__ == name and c.__module__ == module for c in type(x).__mro__)
