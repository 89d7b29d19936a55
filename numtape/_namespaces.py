"""The namespaces ``nt.math``, ``nt.linalg``, ``nt.nn``, ``nt.signal``, ``nt.special``, ``nt.stats``, generated
from the op table.

A namespace holds exactly what the rows say, never a hand-written list of functions:

* composite rows with ``namespace == "linalg"`` (``nt.linalg.<name>``), and every
  composite row's ``aliases`` (qualified names such as ``"math.reduce_variance"``);
* every public elementwise row, in ``nt.math`` under its own name (TensorFlow's
  ``tf.math`` holds them all), plus its ``aliases`` (``"nn.relu"``, ``"math.is_finite"``)
  and, in ``nt.special``, its SciPy names (the row's ``scipy`` field, where rows have one).

A TensorFlow signature (``@tf_signature`` on a function, numtape/ops/tf_signature.py) named
``math.reduce_sum`` puts its op in ``nt.math`` too. :data:`TF_NAMES_OF_ROWS_ELSEWHERE` gives TensorFlow names to rows that other modules
define; an entry applies only when its row is registered, so a namespace never holds a
stub.

A second kind of content, in ``nt.stats`` only (:data:`DISTRIBUTION_NAMESPACES`): the
distribution objects, SciPy's spelling ``nt.stats.norm.logpdf(x, loc, scale)``. They are built
from the rows too: a row ``stats.<distribution>_<method>`` (``method`` one of :data:`METHODS`)
makes ``<method>`` of the object ``<distribution>`` that very row's op, so an object holds
nothing but rows. Each namespace module (``numtape/math.py``, ...) fills its globals when imported;
``numtape/__init__`` imports them after every module that registers rows. Two ops under
one qualified name is an error at import, so the table can never say two things.
"""
from __future__ import annotations

from typing import Any, Callable

from . import ops
from .ops.registry import COMPOSITES, ELEMENTWISE
from .ops.tf_signature import TF_SIGNATURES

#: Rows under ``namespace="numpy"`` (or ``"numpy.linalg"``) have NumPy's signature where the
#: nt function of that name has TensorFlow's (cumsum, svd, norm): NumPy dispatch reaches them,
#: no namespace module holds them.
NUMPY_ONLY = "numpy"

#: Row name -> TensorFlow qualified names of it, for rows whose modules do not list them yet.
TF_NAMES_OF_ROWS_ELSEWHERE: dict[str, tuple[str, ...]] = {
    "gammaln": ("math.lgamma",), "lgamma": ("math.lgamma",), "digamma": ("math.digamma",),
    "erf": ("math.erf",), "erfc": ("math.erfc",), "xlogy": ("math.xlogy",),
    "cumsum": ("math.cumsum",), "cumprod": ("math.cumprod",),
    "arcsinh": ("math.asinh",), "arccosh": ("math.acosh",), "arctanh": ("math.atanh",),
    "einsum": ("linalg.einsum",),
    "polygamma": ("special.polygamma", "math.polygamma"), "sinc": ("special.sinc",),
}


#: Namespaces whose rows named ``<distribution>_<method>`` also form distribution objects.
DISTRIBUTION_NAMESPACES = ("stats",)
#: The methods a distribution object takes from its rows (SciPy's names).
METHODS = ("logpdf", "pdf", "logpmf", "pmf", "logcdf", "cdf", "logsf", "sf", "mean", "var", "cov", "entropy")


class Distribution:
    """A ``scipy.stats``-style distribution object whose methods are the rows'
    ``<namespace>.<name>_<method>`` ops (``nt.stats.norm.logpdf is nt.stats.norm_logpdf``)."""

    def __init__(self, qualified: str, methods: dict[str, Callable[..., Any]]) -> None:
        self._qualified = qualified
        self.methods = tuple(sorted(methods))
        for method, fn in methods.items():
            setattr(self, method, fn)

    def __repr__(self) -> str:
        return f"<nt.{self._qualified}: {', '.join(self.methods)}>"


def distributions(namespace: str) -> dict[str, Distribution]:
    """``{name: Distribution}`` of ``nt.<namespace>``, grouped from its rows ``<name>_<method>``."""
    if namespace not in DISTRIBUTION_NAMESPACES:
        return {}
    grouped: dict[str, dict[str, Callable[..., Any]]] = {}
    for name, fn in namespace_contents(namespace).items():
        distribution, _, method = name.rpartition("_")
        if distribution and method in METHODS:
            grouped.setdefault(distribution, {})[method] = fn
    return {name: Distribution(f"{namespace}.{name}", methods) for name, methods in sorted(grouped.items())}


def elementwise_op(name: str) -> Callable[..., Any]:
    """The public op of the elementwise row ``name`` (``nt.<name>``; for ``pow``, the wrapper)."""
    fn = getattr(ops, name, None)
    if fn is None:
        raise AssertionError(f"the public elementwise row {name!r} is not exported by numtape.ops")
    return fn


def _row_function(name: str) -> Any:
    """The op of the top-level row ``name`` (composite or public elementwise), or None."""
    row = COMPOSITES.get(name)
    if row is not None:
        return row.fn
    if any(spec.name == name for spec in ELEMENTWISE.values()):  # public, or exported by a wrapper
        return getattr(ops, name, None)
    return None


def qualified_names() -> list[tuple[str, Callable[..., Any], str]]:
    """Every (qualified name, op, the row that gives it) the table defines in a namespace."""
    out = []
    for row in COMPOSITES.values():
        if row.namespace.split(".")[0] == NUMPY_ONLY:
            continue  # reached only as np.<name>(tensor): NumPy's signature where nt's differs
        if row.namespace:
            out.append((row.qualified, row.fn, f"composite {row.qualified}"))
        out += [(alias, row.fn, f"composite {row.qualified}") for alias in row.aliases]
    for spec in ELEMENTWISE.values():
        if not (spec.public or spec.aliases):
            continue  # an internal op (a row exported by a wrapper, as pow, names it in its aliases)
        fn, source = elementwise_op(spec.name), f"elementwise {spec.name}"
        if spec.public:
            out.append((f"math.{spec.name}", fn, source))
        out += [(alias, fn, source) for alias in spec.aliases]
        out += [(f"special.{name}", fn, source) for name in getattr(spec, "scipy", ())]
    for name, aliases in TF_NAMES_OF_ROWS_ELSEWHERE.items():
        fn = _row_function(name)
        if fn is not None:
            out += [(alias, fn, f"row {name}") for alias in aliases]
    out += [(q, entry.fn, f"TensorFlow signature {entry.text}") for q, entry in TF_SIGNATURES.items() if "." in q]
    return out


def namespace_contents(namespace: str) -> dict[str, Callable[..., Any]]:
    """``{name: op}`` of ``nt.<namespace>``, from the rows registered so far."""
    found: dict[str, tuple[Callable[..., Any], str]] = {}
    for qualified, fn, source in qualified_names():
        space, _, name = qualified.rpartition(".")
        if space != namespace:
            continue
        if name in found and found[name][0] is not fn:
            raise AssertionError(f"nt.{qualified} names two ops: {found[name][1]} and {source}")
        found[name] = (fn, source)
    return {name: fn for name, (fn, _) in sorted(found.items())}


def namespaces() -> set[str]:
    """The namespaces the rows use."""
    return {qualified.rpartition(".")[0] for qualified, _, _ in qualified_names()}
