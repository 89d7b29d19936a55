"""The import layering of numtape, read from the source (module-level and function-local imports).

Packages (``_kernels``, ``tape``, ``ops``, ``backward``, ``function``) count as one node each, top-level
modules as one node each; imports inside a package (the ``ops`` modules call each other's ops in their
VJPs) are therefore free. A node imports only nodes of a lower layer: ``_state`` and the others of
layer 0 import nothing of numtape, so any module may read ``state.trace`` through ``_state``.
"""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "numtape"
PACKAGES = ("numtape._kernels", "numtape.tape", "numtape.ops", "numtape.backward", "numtape.function")
LAYER = {
    "numtape._kernels": 0, "numtape.errors": 0, "numtape._state": 0, "numtape._fpstate": 0, "numtape._nest": 0,
    "numtape.tensor": 1, "numtape.sparsity": 1, "numtape.variable": 2, "numtape.tape": 3, "numtape.ops": 4,
    "numtape.backward": 5, "numtape._operators": 5, "numtape._codegen": 5,  # (the kernel split's generator)
    "numtape._namespaces": 5, "numtape.math": 6, "numtape.linalg": 6, "numtape.nn": 6, "numtape.signal": 6, "numtape.special": 6, "numtape.stats": 6,
    "numtape.gradient_tape": 6, "numtape.custom_gradient": 6,
    "numtape.numpy_dispatch": 6, "numtape.functional": 7, "numtape.forward": 7.5, "numtape.testing": 7, "numtape.function": 8,
    "numtape": 9, "numtape.__main__": 10, "numtape._warmup": 10, "numtape._apidoc": 10, "numtape.dask": 10,  # the package's __init__ and __main__ import everything
    "numtape.casting": 7, "numtape._methods": 8,
}
ALLOWED = {  # (importer, imported): why the edge is there for now
}


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ("numtape",) + path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _node(module: str) -> str:
    return next((p for p in PACKAGES if module == p or module.startswith(p + ".")), module)


def _edges() -> dict[tuple[str, str], list[str]]:
    modules, edges = _modules(), {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
                full = ".".join(p for p in (base, node.module) if p)
                targets = [f"{full}.{a.name}" if f"{full}.{a.name}" in modules else full for a in node.names]
            else:
                continue
            for target in dict.fromkeys(targets):
                a, b = _node(name), _node(target)
                if (target == "numtape" or target.startswith("numtape.")) and a != b:
                    edges.setdefault((a, b), []).append(f"{path.relative_to(ROOT.parent)}:{node.lineno} -> {target}")
    return edges


def test_every_import_points_down_the_layers() -> None:
    edges = _edges()
    unranked = sorted({n for e in edges for n in e} - set(LAYER))
    assert not unranked, f"modules without a layer (add them to LAYER): {unranked}"
    bad = [f"{a} (layer {LAYER[a]}) imports {b} (layer {LAYER[b]}): {sites}"
           for (a, b), sites in sorted(edges.items()) if LAYER[b] >= LAYER[a] and (a, b) not in ALLOWED]
    assert not bad, "imports against the layering:\n" + "\n".join(bad)
    stale = sorted(set(ALLOWED) - set(edges))
    assert not stale, f"allowed exceptions no longer needed (delete them from ALLOWED): {stale}"


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for a, b in set(_edges()) - set(ALLOWED):
        graph.setdefault(a, set()).add(b)
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for n in graph.get(todo.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        reach[start] = seen
    cycles = {frozenset(m for m in reach if start in reach[m] and m in reach[start]) for start in reach}
    assert not [c for c in cycles if c], "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in cycles if c)
