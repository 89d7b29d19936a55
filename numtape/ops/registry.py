"""The op table: every tape primitive, defined once.

Two kinds of rows:

* :class:`Elementwise`: a unary or binary function with an ``FN_*`` code. It is
  a scalar entry when its output is 0-d and the ``fn`` of an ``OP_UNARY`` /
  ``OP_BINARY`` array entry otherwise. The row holds the ``math`` fast path for
  Python floats, the NumPy ufunc, the VJP written in numtape ops (so that outer
  tapes record it: higher order derivatives), the test domain and the docstring.
* :class:`Primitive`: a structural array primitive (gather, window, reduce_sum,
  matmul, ...) with an ``OP_*`` code and its VJP.

The compiled twin of each VJP is the branch with the same code in
``numtape/_kernels/sweep.py``; ``tests/test_registry.py`` checks that both give the
same numbers for every row, and that every code has exactly one row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

ELEMENTWISE: dict[int, "Elementwise"] = {}
PRIMITIVES: dict[int, "Primitive"] = {}


@dataclass(frozen=True)
class Elementwise:
    """An elementwise function and its derivative."""

    code: int
    name: str
    arity: int
    scalar: Callable[..., float]  # on Python floats; may raise, then the ufunc is used
    ufunc: Callable[..., Any]  # NumPy forward, any shape
    vjp: Callable[..., Any]  # (g, ans, x) -> gx, or (g, ans, x, y) -> (gx, gy), in numtape ops
    doc: str
    domain: tuple[float, float] = (-2.0, 2.0)  # where tests sample inputs
    nondifferentiable_at: tuple[float, ...] = field(default=())  # kinks, avoided by tests
    # Binary rows may add (d/dx, d/dy) as two rules computing exactly what ``vjp``
    # returns, so that a cotangent nobody reads (a constant operand) is not computed.
    partials: Optional[tuple[Callable[..., Any], Callable[..., Any]]] = None

    @property
    def differentiable(self) -> bool:
        """False for the functions recorded only as data (comparisons, floor, stop_gradient)."""
        from .._kernels.sweep import FIRST_NONDIFF_BINARY, FIRST_NONDIFF_UNARY

        return self.code < (FIRST_NONDIFF_UNARY if self.arity == 1 else FIRST_NONDIFF_BINARY)


@dataclass(frozen=True)
class Primitive:
    """A structural array primitive: its VJP maps the output cotangent to the operands'."""

    code: int
    name: str
    vjp: Callable[..., list[Optional[Any]]]  # (g, ans, operands, entry) -> cotangent per operand
    doc: str


def register_elementwise(spec: Elementwise) -> Elementwise:
    if spec.code in ELEMENTWISE:
        raise AssertionError(f"code {spec.code} registered twice ({spec.name})")
    ELEMENTWISE[spec.code] = spec
    return spec


def register_primitive(code: int, name: str, doc: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``vjp`` as the derivative rule of primitive ``code``."""

    def decorate(vjp: Callable[..., Any]) -> Callable[..., Any]:
        if code in PRIMITIVES:
            raise AssertionError(f"code {code} registered twice ({name})")
        PRIMITIVES[code] = Primitive(code, name, vjp, doc)
        return vjp

    return decorate
