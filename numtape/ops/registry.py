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

from ..errors import PUBLIC_CODES

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

#: Where codes may go (codes are uint16; the F32 bit, 256, leaves 8 bits; 255 is HANDOFF, never
#: an op code). Array entries (format codes and structural primitives) take 64..95, allocated
#: upwards; elementwise functions (scalar entries) take 1..63 and 96..254. The kernels tell scalar entries from array
#: entries by the generated ``SCALAR`` property array, never by a code range.
ARRAY_CODES = range(64, 96)
ELEMENTWISE_CODES = tuple(range(1, 64)) + tuple(range(96, 255))
#: The largest code a row may take (HANDOFF, one above, is the largest a tape holds).
CODE_LIMIT = 254

#: The modules of ``numtape/_kernels`` a formula may name, with the prefix it names them by
#: (``BF.j0``): the generated code (``_kernels/scalar.py``, nt.function's generated kernels)
#: imports exactly these.
FORMULA_MODULES = (("besselfn", "BF"), ("besselik", "BI"), ("besseljy", "BJ"), ("gammafn", "GF"), ("incgammafn", "IG"),
                   ("mathfn", "M"),
                   ("specialfn", "SF"))


@dataclass(frozen=True)
class Elementwise:
    """An elementwise function, its derivatives and everything the compiled code needs.

    Formulas are Python expressions that ``numtape._codegen`` pastes into the
    compiled switches. Unary: ``kernel`` in ``x``; ``partial`` in ``x`` and ``y`` (the
    value); ``second`` (d partial / dx) in ``x``, ``y`` and ``d`` (the partial).
    Binary: ``kernel`` in ``a``, ``b``; ``partial`` a pair in ``a``, ``b``, ``z``;
    ``second`` a 4-tuple (d da/da, d da/db, d db/da, d db/db) in ``a, b, z, da, db``.
    ``M.`` names a helper of ``numtape/_kernels/mathfn.py``, ``SF.``, ``GF.``, ``IG.``, ``BF.``, ``BI.``
    and ``BJ.`` one of ``specialfn.py``, ``gammafn.py``, ``incgammafn.py``, ``besselfn.py``,
    ``besselik.py`` and ``besseljy.py`` there. ``second`` is
    :data:`LINEAR` when the partials are (piecewise) constant.

    Tangent (forward mode, the jvp of one direction): unary ``d * dx`` and binary
    ``da * dx + db * dy``, which the generator derives from ``partial`` (a ``select`` row
    passes a direction where its partial is nonzero). A row whose tangent is better written
    directly gives ``tangent``: unary in ``x, y, d, dx`` (``d`` the partial, ``dx`` the
    direction), binary in ``a, b, z, da, db, dx, dy``. An infinite partial (sqrt at 0) keeps
    ``0 * inf = NaN`` along a zero direction, as reverse mode gives: compiled forward mode
    must agree with eager forward mode, which transposes reverse mode (DESIGN_NOTES.md).
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
    tangent: Optional[str] = None  # compiled tangent when not the derived d * dx (see above)
    differentiable: bool = True  # False: recorded as data, the gradient through it is None
    short: str = ""  # the code's constant is FN_<short>, default FN_<NAME>
    domain: tuple[float, float] = (-2.0, 2.0)  # where tests sample inputs
    domains: tuple[tuple[float, float], ...] = ()  # binary: each operand's own test range (else domain)
    # operands that are integer data (polygamma's order n): tests sample integers there and never
    # differentiate them; the public op records them through stop_gradient (gradient None)
    integer_operands: tuple[int, ...] = ()
    # operands that are real data (iv's order v): tests sample reals there and never differentiate
    # them; the public op records them through stop_gradient (gradient None)
    data_operands: tuple[int, ...] = ()
    nondifferentiable_at: tuple[float, ...] = field(default=())  # kinks, avoided by tests
    select: bool = False  # the derivative selects (g where d != 0, else 0) instead of multiplying
    bilinear: bool = False  # binary: only the mixed second derivative is nonzero (x * y)
    integer_safe: bool = False  # binary: integer operands give the integer ufunc's result, unrecorded
    numpy_replay: bool = False  # large replays compute it with the ufunc (faster than the scalar loop)
    # float32 replays compute it with the ufunc, as eager code does: NumPy's float32 loop is not
    # the correctly rounded value the compiled formula gives (SIMD exp/log/tanh...), and a
    # float32 replay must give eager's bits (numtape/function/compiled.py, ``_numpy_entries``)
    float32_numpy: bool = False
    numpy: tuple[Any, ...] = ()  # NumPy ufuncs that dispatch to this op on Tensors
    # names in scipy.special of the ufuncs that dispatch to this op on Tensors (resolved lazily:
    # numtape never imports SciPy at start-up)
    scipy: tuple[str, ...] = ()
    public: bool = True  # exported as nt.<name> (False: an internal op, or exported by a wrapper)
    # Qualified names besides ``nt.<name>`` and ``nt.math.<name>`` (every public row is in
    # nt.math): TensorFlow's names where they differ, e.g. ("math.is_finite", "nn.relu").
    aliases: tuple[str, ...] = ()
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
    def fixed_operands(self) -> tuple[int, ...]:
        """The operands that are data, never differentiated (integer or real)."""
        return tuple(sorted(self.integer_operands + self.data_operands))

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


# ---------------------------------------------------------------------------
# Composite rows: every public op that is not an elementwise function
# ---------------------------------------------------------------------------
#: Public name (qualified by its namespace: "var", "linalg.cholesky") -> row.
COMPOSITES: dict[str, "Composite"] = {}
#: NumPy/SciPy function object -> the numtape callable it dispatches to on Tensors.
NUMPY_FUNCTIONS: dict[Any, Callable[..., Any]] = {}


@dataclass(frozen=True)
class Case:
    """One generated test of a composite row: ``fn(*const, *tensors, **kwargs)``.

    ``shapes`` gives one shape per differentiated argument; ``sample(rng, shape)``
    draws it (default: the row's sampler, else standard normal). ``const`` are
    positional arguments before the tensors that are not differentiated (an order,
    an index array); ``kwargs`` static keyword arguments (axis, ddof, ord).
    """

    shapes: tuple[tuple[int, ...], ...]
    kwargs: dict = field(default_factory=dict)
    const: tuple = ()
    sample: Optional[Callable[..., Any]] = None
    orders: int = 2  # derivative orders checked against finite differences (0: values only)
    # How the tensors become positional arguments when they are not passed one by one: e.g.
    # ``lambda c, b: ((c, False), b)`` for SciPy's ``cho_solve((c, lower), b)``.
    pack: Optional[Callable[..., tuple]] = None

    def arguments(self, values: Any) -> tuple:
        """The positional arguments of a call: ``const``, then the (packed) tensors or arrays."""
        return tuple(self.const) + (tuple(self.pack(*values)) if self.pack else tuple(values))

    @property
    def label(self) -> str:
        parts = ["x".join(map(str, s)) or "scalar" for s in self.shapes]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ",".join(parts)


@dataclass(frozen=True)
class Composite:
    """A public op written with other ops (its derivative is theirs), or a NumPy/SciPy
    hand-off whose VJP is written in numtape ops.

    The row drives: NumPy dispatch (``numpy``: the NumPy/SciPy functions that record
    this op when given Tensors), the namespaces (``namespace``: "" for ``nt.<name>``,
    else ``nt.<namespace>.<name>``; ``aliases``: other qualified names, e.g.
    ``"math.reduce_variance"``), the generated tests (``cases``, checked against
    ``reference`` or the first ``numpy`` function) and the API reference
    (``convention``: the derivative at kinks and singular points, and the conditions
    under which the rule holds).
    """

    name: str
    fn: Callable[..., Any]
    namespace: str = ""
    numpy: tuple[Any, ...] = ()
    aliases: tuple[str, ...] = ()
    cases: tuple[Case, ...] = ()
    reference: Optional[Callable[..., Any]] = None
    convention: str = ""
    differentiable: bool = True
    sample: Optional[Callable[..., Any]] = None  # default sampler of the row's cases
    # names in scipy.special of the ufuncs that record this op on Tensors (resolved lazily, as
    # Elementwise.scipy: numtape never imports SciPy at start-up)
    scipy: tuple[str, ...] = ()
    # False: NumPy's result for float32 input is float64 (np.cov: result_type(m, float64)), and so is
    # the row's; the generated float32 test then expects float64, as NumPy gives
    float32_out: bool = True

    @property
    def public_name(self) -> str:
        """The name errors give: ``qualified``, but a distribution's method as SciPy spells it
        (``stats.norm.logpdf`` for the row ``stats.norm_logpdf``; nt.stats has both), and a NumPy
        signature row as NumPy names it (``linspace``, ``linalg.svd``, ``trace`` for ``numpy_trace``)."""
        if self.namespace == "numpy" or self.namespace.startswith("numpy."):  # NumPy's signature of an op
            return f"{self.namespace[6:]}.{self.name}" if self.namespace != "numpy" else self.name  # linalg.svd
        if self.name.startswith("numpy_") and self.numpy:  # np.trace, beside TensorFlow's nt.trace
            return self.name[len("numpy_"):]
        if self.namespace == "stats" and "_" in self.name:
            distribution, _, method = self.name.rpartition("_")
            return f"stats.{distribution}.{method}"
        return self.qualified

    @property
    def qualified(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    def expected(self, *args: Any, **kwargs: Any) -> Any:
        """What the op must return, from NumPy/SciPy."""
        ref = self.reference or (self.numpy[0] if self.numpy else None)
        if ref is None:
            raise AssertionError(f"row {self.qualified} has no reference to test against")
        return ref(*args, **kwargs)


def composite(name: Optional[str] = None, *, namespace: str = "", numpy: tuple[Any, ...] = (),
              aliases: tuple[str, ...] = (), cases: tuple[Case, ...] = (),
              reference: Optional[Callable[..., Any]] = None, convention: str = "",
              differentiable: bool = True, sample: Optional[Callable[..., Any]] = None,
              scipy: tuple[str, ...] = (), float32_out: bool = True) -> Callable[[Callable[..., Any]],
                                                                                    Callable[..., Any]]:
    """Decorator registering ``fn`` as a composite row (returns ``fn`` unchanged)::

        @composite(numpy=(np.var,), aliases=("math.reduce_variance",),
                   cases=(Case(((2, 3),)), Case(((2, 3),), dict(axis=1, ddof=1))),
                   convention="ddof >= n gives inf/NaN, as NumPy")
        def var(x, axis=None, ddof=0, keepdims=False): ...

    The module defining the row must be imported by ``numtape`` (so that the row is
    registered before dispatch, the namespaces and the tests read the table).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        row = Composite(name or fn.__name__, fn, namespace, tuple(numpy), tuple(aliases), tuple(cases),
                        reference, convention, differentiable, sample, tuple(scipy),
                        float32_out)
        if row.qualified in COMPOSITES:
            raise AssertionError(f"composite {row.qualified} registered twice")
        COMPOSITES[row.qualified] = row
        _name_errors_after(row, fn)
        for f in row.numpy:
            if f in NUMPY_FUNCTIONS:
                raise AssertionError(f"{f} dispatches to two ops")
            NUMPY_FUNCTIONS[f] = fn
        return fn

    return decorate


def _name_errors_after(row: "Composite", fn: Callable[..., Any]) -> None:
    """An error raised inside ``fn`` names this row (errors.py). A code object that several rows
    share (a wrapper made by a factory) names none of them: its frame is passed over."""
    import inspect

    entry = (row.public_name, frozenset((row.public_name, row.qualified, *row.aliases)))
    for code in {fn.__code__, inspect.unwrap(fn).__code__}:
        PUBLIC_CODES[code] = entry if PUBLIC_CODES.get(code, entry) == entry else None


def top_level_composites() -> dict[str, Callable[..., Any]]:
    """``{name: fn}`` of the composite rows registered so far that are named ``nt.<name>``."""
    return {row.name: row.fn for row in COMPOSITES.values() if not row.namespace}
