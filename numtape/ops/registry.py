"""The op table: every tape primitive, defined once, in one row.

Three kinds of rows:

* :class:`Elementwise`: a unary or binary function with an explicit code. It is a
  scalar entry when its output is 0-d and the ``fn`` of an ``OP_UNARY`` /
  ``OP_BINARY`` array entry otherwise. The row holds everything about the function:
  the ``math`` fast path for Python floats, the NumPy ufunc, the VJP written in
  numtape ops (so that outer tapes record it: higher order derivatives), the
  compiled formulas (value, partial derivatives, second derivatives), its
  properties (differentiable, curvature, select, kinks, test domain, integer
  safety, NumPy aliases) and the docstring.
* :class:`Primitive`: a structural array primitive (gather, window, reduce_sum,
  matmul, ...) with an explicit code and its VJP.
* :data:`FORMAT_CODES`: the codes of the tape format that no op defines (leaves,
  the two elementwise array entries, custom gradients).

``python -m numtape._codegen`` writes the code table and the per-code property
arrays (``numtape/_kernels/codes.py``) and the compiled scalar switches
(``numtape/_kernels/scalar.py``) from these rows; ``tests/test_codegen.py`` checks
that the committed files are what the rows generate. Codes are append-only: never
renumber one (caches and pickled compiled tapes store them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

ELEMENTWISE: dict[int, "Elementwise"] = {}
PRIMITIVES: dict[int, "Primitive"] = {}

#: ``second`` of a function whose partial derivatives are constant (piecewise):
#: the second-order sweeps skip its term and the Hessian pattern adds nothing.
LINEAR = "LINEAR"

#: Tape codes that are not an op of their own: (code, constant name, meaning).
FORMAT_CODES = (
    (0, "OP_LEAF", "a watched tensor, a variable read or a constant: a value, no operands"),
    (65, "OP_UNARY", "y = fn(x) on arrays, fn an elementwise code in aux A_FN"),
    (66, "OP_BINARY", "z = fn(x, y) on arrays; each operand full-size, size 1, or a row/column broadcast"),
    (78, "OP_CUSTOM_CALL", "a custom_gradient call: handed to Python"),
    (79, "OP_CUSTOM_OUT", "one output of a custom_gradient call (arg0 = the call)"),
)

#: Where codes may go (the F32 bit leaves 7 bits; 127 is HANDOFF, never an op code). Array
#: entries (format codes and structural primitives) take 64..95, allocated upwards; elementwise
#: functions (scalar entries) take 1..63 and 96..126. The kernels tell scalar entries from array
#: entries by the generated ``SCALAR`` property array, never by a code range.
ARRAY_CODES = range(64, 96)
ELEMENTWISE_CODES = tuple(range(1, 64)) + tuple(range(96, 127))
#: One past the largest code in use.
CODE_LIMIT = 127


@dataclass(frozen=True)
class Elementwise:
    """An elementwise function, its derivatives and everything the compiled code needs.

    Formulas are Python expressions that ``numtape._codegen`` pastes into the
    compiled switches. Unary: ``kernel`` in ``x``; ``partial`` in ``x`` and ``y`` (the
    value); ``second`` (d partial / dx) in ``x``, ``y`` and ``d`` (the partial).
    Binary: ``kernel`` in ``a``, ``b``; ``partial`` a pair in ``a``, ``b``, ``z``;
    ``second`` a 4-tuple (d da/da, d da/db, d db/da, d db/db) in ``a, b, z, da, db``.
    ``M.`` names a helper of ``numtape/_kernels/mathfn.py``, ``SF.`` and ``GF.`` one of
    ``specialfn.py`` and ``gammafn.py`` there. ``second`` is
    :data:`LINEAR` when the partials are (piecewise) constant.
    """

    code: int
    name: str
    arity: int
    scalar: Callable[..., float]  # on Python floats; may raise, then the ufunc is used
    ufunc: Callable[..., Any]  # NumPy forward, any shape
    vjp: Callable[..., Any]  # (g, ans, x) -> gx, or (g, ans, x, y) -> (gx, gy), in numtape ops
    doc: str
    kernel: str  # compiled value
    partial: Optional[str] = None  # compiled partial derivative(s); None when not differentiable
    second: Optional[str] = None  # compiled second derivative(s), or LINEAR
    differentiable: bool = True  # False: recorded as data, the gradient through it is None
    short: str = ""  # the code's constant is FN_<short>, default FN_<NAME>
    domain: tuple[float, float] = (-2.0, 2.0)  # where tests sample inputs
    domains: tuple[tuple[float, float], ...] = ()  # binary: each operand's own test range (else domain)
    # operands that are integer data (polygamma's order n): tests sample integers there and never
    # differentiate them; the public op records them through stop_gradient (gradient None)
    integer_operands: tuple[int, ...] = ()
    nondifferentiable_at: tuple[float, ...] = field(default=())  # kinks, avoided by tests
    select: bool = False  # the derivative selects (g where d != 0, else 0) instead of multiplying
    bilinear: bool = False  # binary: only the mixed second derivative is nonzero (x * y)
    integer_safe: bool = False  # binary: integer operands give the integer ufunc's result, unrecorded
    numpy_replay: bool = False  # large replays compute it with the ufunc (faster than the scalar loop)
    numpy: tuple[Any, ...] = ()  # NumPy ufuncs that dispatch to this op on Tensors
    # names in scipy.special of the ufuncs that dispatch to this op on Tensors (resolved lazily:
    # numtape never imports SciPy at start-up)
    scipy: tuple[str, ...] = ()
    public: bool = True  # exported as nt.<name> (False: an internal op, or exported by a wrapper)
    # Binary rows may add (d/dx, d/dy) as two rules computing exactly what ``vjp``
    # returns, so that a cotangent nobody reads (a constant operand) is not computed.
    partials: Optional[tuple[Callable[..., Any], Callable[..., Any]]] = None

    @property
    def constant(self) -> str:
        return "FN_" + (self.short or self.name).upper()

    def operand_domain(self, k: int) -> tuple[float, float]:
        """Where tests sample operand ``k``."""
        return self.domains[k] if self.domains else self.domain

    @property
    def curved(self) -> bool:
        """The second derivative is not identically 0."""
        return self.differentiable and self.second != LINEAR


@dataclass(frozen=True)
class Primitive:
    """A structural array primitive: its VJP maps the output cotangent to the operands'."""

    code: int
    name: str
    vjp: Callable[..., list[Optional[Any]]]  # (g, ans, operands, entry) -> cotangent per operand
    doc: str
    short: str = ""  # the code's constant is OP_<short>, default OP_<NAME>

    @property
    def constant(self) -> str:
        return "OP_" + (self.short or self.name).upper()


def register_elementwise(spec: Elementwise) -> Elementwise:
    if spec.code in ELEMENTWISE:
        raise AssertionError(f"code {spec.code} registered twice ({spec.name})")
    ELEMENTWISE[spec.code] = spec
    return spec


def register_primitive(code: int, name: str, doc: str, short: str = "") -> Callable[[Callable[..., Any]],
                                                                                    Callable[..., Any]]:
    """Decorator registering ``vjp`` as the derivative rule of primitive ``code``."""

    def decorate(vjp: Callable[..., Any]) -> Callable[..., Any]:
        if code in PRIMITIVES:
            raise AssertionError(f"code {code} registered twice ({name})")
        PRIMITIVES[code] = Primitive(code, name, vjp, doc, short)
        return vjp

    return decorate
