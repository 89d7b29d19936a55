"""Generate the API reference (``docs/reference.md``) from the op table and the public API.

``python -m numtape._apidoc`` imports numtape (so every row is registered), then writes
one Markdown file: the public classes and functions that are not ops (their docstring's
first paragraph), every elementwise row (its NumPy/SciPy names, its derivative as the
row's docstring states it, where it is not differentiable), and every composite row per
namespace (the NumPy/SciPy functions that record it on Tensors, its other names, its
derivative convention and conditions). ``tests/test_apidoc.py`` regenerates the text in
memory and compares it with the committed file, so the reference cannot go stale. A
development tool: the package never runs it.
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any, Iterable

import numtape

from ._namespaces import distributions, namespace_contents, namespaces
from .ops.registry import COMPOSITES, ELEMENTWISE
from .ops.tf_signature import TF_SIGNATURES

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def _numpy_name(f: Any) -> str:
    if isinstance(f, str):
        return f
    module = getattr(f, "__module__", None) or "numpy"
    module = {"numpy": "np", "numpy.linalg": "np.linalg"}.get(module, module)
    if module.startswith("scipy.") and module.count(".") > 1:  # scipy.linalg._basic -> scipy.linalg
        module = ".".join(module.split(".")[:2])
    return f"{module}.{f.__name__}"


def _names(items: Iterable[Any]) -> str:
    return ", ".join(f"`{_numpy_name(i)}`" for i in items) or ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return _cell(doc.split("\n\n")[0])


class _NotGiven:
    """A sentinel default (``object()``) shown without its address, so the file is reproducible."""

    def __repr__(self) -> str:
        return "<not given>"


_NOT_GIVEN = _NotGiven()


def _signature(fn: Any) -> str:
    """``(x, axis=None, ddof=0)``: the parameters without annotations."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return "(...)"
    bare = [p.replace(annotation=inspect.Parameter.empty,
                      default=_NOT_GIVEN if " at 0x" in repr(p.default) else p.default)
            for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=inspect.Signature.empty))


def _elementwise_rows() -> list[str]:
    lines = ["| function | NumPy / SciPy | other names | definition and derivative |", "|---|---|---|---|"]
    for spec in sorted(ELEMENTWISE.values(), key=lambda s: s.name):
        if not spec.public:
            continue
        scipy = tuple(f"scipy.special.{n}" for n in getattr(spec, "scipy", ()))
        aliases = ", ".join(f"`nt.{a}`" for a in getattr(spec, "aliases", ()))
        doc = _cell(spec.doc)
        if not spec.differentiable:
            doc += " Not differentiated: recorded as data, the gradient through it is None."
        elif spec.nondifferentiable_at:
            doc += f" Kinks at {', '.join(repr(k) for k in spec.nondifferentiable_at)}."
        lines.append(f"| `nt.{spec.name}` | {_names(spec.numpy + scipy)} | {aliases} | {doc} |")
    return lines


def _composite_rows(namespace: str) -> list[str]:
    rows = sorted((r for r in COMPOSITES.values() if r.namespace == namespace), key=lambda r: r.name)
    lines = ["| function | NumPy / SciPy | other names | description | derivative convention |",
             "|---|---|---|---|---|"]
    for row in rows:
        prefix = f"nt.{namespace}." if namespace else "nt."
        aliases = ", ".join(f"`nt.{a}`" for a in row.aliases)
        convention = _cell(row.convention) if row.differentiable else "not differentiated (data)"
        scipy = tuple(f"scipy.special.{n}" for n in row.scipy)
        lines.append(f"| `{prefix}{row.name}{_signature(row.fn)}` | {_names(row.numpy + scipy)} | {aliases} | "
                     f"{_summary(row.fn)} | {convention} |")
    return lines


def _core_api(ops: bool) -> list[str]:
    """The public names that are not rows: the tools (``ops=False``) or the older array ops."""
    rows = {s.name for s in ELEMENTWISE.values()} | {r.name for r in COMPOSITES.values() if not r.namespace}
    lines = ["| name | what it is |", "|---|---|"]
    for name in sorted(set(numtape.__all__) - rows - {"__version__"}):
        obj = getattr(numtape, name)
        if inspect.ismodule(obj) or getattr(obj, "__module__", "").startswith("numtape.ops") != ops:
            continue
        lines.append(f"| `nt.{name}{_signature(obj) if ops else ''}` | {_summary(obj)} |")
    return lines


def _namespace_lines() -> list[str]:
    """What each namespace module holds (every elementwise function is also in ``nt.math``)."""
    lines = ["| namespace | names |", "|---|---|"]
    for namespace in sorted(namespaces() | {"math", "linalg", "nn", "signal", "special", "stats"}):
        names = ", ".join(f"`{n}`" for n in namespace_contents(namespace)) or "(no rows yet)"
        objects = distributions(namespace)
        if objects:  # the distribution objects built from the rows <name>_<method>
            names += "; distributions: " + ", ".join(f"`{n}` ({', '.join(d.methods)})" for n, d in objects.items())
        lines.append(f"| `nt.{namespace}` | {names} |")
    return lines


def _tensorflow_signature_lines() -> list[str]:
    """Each op that also takes TensorFlow's keywords, with TensorFlow's signature."""
    lines = ["| name | TensorFlow's signature (also accepted) |", "|---|---|"]
    for qualified in sorted(TF_SIGNATURES):
        lines.append(f"| `nt.{qualified}` | `{_cell(TF_SIGNATURES[qualified].text)}` |")
    return lines


def generate() -> str:
    namespaces = sorted({r.namespace for r in COMPOSITES.values()})
    out = ["# numtape API reference", "",
           "GENERATED by `python -m numtape._apidoc` from the op table (`numtape/ops`) and the public API;",
           "`tests/test_apidoc.py` checks that this file is current. Do not edit it by hand.", "",
           "Every op is differentiable to any order unless it says otherwise, keeps float32 as float32",
           "(float64 by default), and records when NumPy's function of the same name is called on a Tensor.",
           "At a kink the derivative is the one-sided or sub-gradient TensorFlow uses, as each row states.", "",
           "## Tapes, functions and tools", "", *_core_api(ops=False), "",
           "## Array operations with TensorFlow's names", "", *_core_api(ops=True), "",
           "## Elementwise functions", "", *_elementwise_rows(), "",
           "## Namespaces", "",
           "Modules generated from the rows (`import numtape.linalg as la`, `from numtape.math import log1p`):",
           "every public elementwise function is in `nt.math` under its name, and each row's other names",
           "(TensorFlow's, SciPy's) put it in the namespace they name.", "", *_namespace_lines(), "",
           "## TensorFlow's keywords", "",
           "These ops also take TensorFlow's argument names (`nt.reduce_sum(input_tensor=x)`); a call mixing",
           "TensorFlow's and NumPy's keywords, or passing a TensorFlow argument numtape does not implement at a",
           "value other than its default, raises.", "", *_tensorflow_signature_lines(), ""]
    for namespace in namespaces:
        title = f"`nt.{namespace}`" if namespace else "Array operations (`nt.*`)"
        out += [f"## {title}", "", *_composite_rows(namespace), ""]
    return "\n".join(out)


def main() -> int:
    text = generate()
    REFERENCE.parent.mkdir(exist_ok=True)
    if not REFERENCE.exists() or REFERENCE.read_text() != text:
        REFERENCE.write_text(text)
        print(f"wrote {REFERENCE}")
    else:
        print(f"unchanged {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
