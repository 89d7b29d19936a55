"""Print the README's Performance table (Markdown) from compare.py's results.

    cd asv_benchmarks && python table.py [performance.json]

Every number comes from one compare.py run; the targets are issue 4's.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional

HERE = os.path.dirname(os.path.abspath(__file__))

# workload key -> (target text, function of (seconds, derived) giving (measured text, met or None))
PEERS = ["torch", "jax", "jax_jit", "autograd"]


def _ms(sec: Optional[float]) -> str:
    if sec is None:
        return "-"
    if sec < 1e-3:
        return f"{sec * 1e6:.3g} us"
    if sec < 1.0:
        return f"{sec * 1e3:.3g} ms"
    return f"{sec:.3g} s"


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return f"{a / b:.3g}" if a and b else "-"


def targets(key: str, s: dict[str, float], derived: dict[str, Any]) -> list[tuple[str, str, Optional[bool]]]:
    """(target, measured, met) rows for workload ``key``."""
    nt, numpy, numba = s.get("numtape"), s.get("numpy"), s.get("numba")
    rows: list[tuple[str, str, Optional[bool]]] = []
    if key == "scalar_loop":
        us = derived.get("scalar_loop_us_per_op")
        rows.append(("eager <= 1.5 us per op", f"{us:.3g} us/op", us <= 1.5))
        if "torch" in s:
            speed = s["torch"] / nt
            rows.append((">= 5x faster than PyTorch eager", f"{speed:.3g}x", speed >= 5))
        if "replay" in s:
            r = s["replay"] / numba
            rows.append(("replay within 3x of Numba", f"{r:.3g}x", r <= 3))
        else:
            rows.append(("replay within 3x of Numba", "pending (nt.function not in this branch)", None))
    elif key in ("rosenbrock_vector", "logistic", "mlp"):
        limit = 2.0 if key == "mlp" else 1.5
        for impl, label in (("numtape", "eager"), ("replay", "replay")):
            if impl in s:
                r = s[impl] / numpy
                rows.append((f"{label} within {limit:g}x of NumPy", f"{r:.3g}x", r <= limit))
    elif key == "seed":
        rows.append(("eager under 20 us per call", _ms(nt), nt < 20e-6))
        if "replay" in s:
            rows.append(("replay under 20 us per call", _ms(s["replay"]), s["replay"] < 20e-6))
    elif key == "gmm":
        r = derived.get("gmm_gradient_over_objective_numtape")
        if r is not None:
            rows.append(("gradient / objective <= 5", f"{r:.3g}", r <= 5))
    return rows


def _ordered(results: dict[str, Any]) -> list[tuple[str, Any]]:
    """Workloads in compare.py's order (the JSON's keys are sorted)."""
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(HERE))
    from compare import WORKLOADS

    w = results["workloads"]
    return [(key, w[key]) for key, *_ in WORKLOADS if key in w]


def main(path: str) -> None:
    with open(path) as f:
        results = json.load(f)
    m = results["machine"]
    v = m.get("versions", {})
    print(f"Measured {results['date']} with `asv_benchmarks/compare.py` (commit {m.get('commit', '?')}) on "
          f"{m.get('Model name', '?')}, {m.get('CPU(s)', '?')} shared cores ({m.get('Hypervisor vendor', '')} VM), "
          f"Python {m.get('python')}, " + ", ".join(f"{k} {v[k]}" for k in sorted(v)) + "; one thread each.")
    print()
    print("| workload (value + gradient) | numtape eager | numtape replay | NumPy by hand | Numba by hand | "
          "eager / NumPy | replay / NumPy | replay / Numba | PyTorch | JAX eager | JAX jit | autograd |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, w in _ordered(results):
        s = w["seconds"]
        peers = " | ".join(_ms(s.get(p)) for p in PEERS)
        print(f"| {w['label']} | {_ms(s.get('numtape'))} | {_ms(s.get('replay'))} | {_ms(s.get('numpy'))} | "
              f"{_ms(s.get('numba'))} | {_ratio(s.get('numtape'), s.get('numpy'))} | "
              f"{_ratio(s.get('replay'), s.get('numpy'))} | {_ratio(s.get('replay'), s.get('numba'))} | {peers} |")
    print()
    print("| target (issue 4) | measured | |")
    print("|---|---|---|")
    derived = results.get("derived", {})
    for key, w in _ordered(results):
        for target, measured, met in targets(key, w["seconds"], derived):
            status = "pending" if met is None else ("met" if met else "**missed**")
            print(f"| {w['label']}: {target} | {measured} | {status} |")
    tape = derived.get("tape", {})
    if tape:
        b = tape["bytes_per_entry_with_adjoint"]
        print(f"| tape memory <= 40 bytes per scalar entry (buffers with slack + adjoint) | {b:.3g} bytes | "
              f"{'met' if b <= 40 else '**missed**'} |")
    for name, label in (("compile_seconds_cold_cache", "cold-cache compile (fresh NUMBA_CACHE_DIR)"),
                        ("load_seconds_warm_cache", "kernels loaded from the cache"),
                        ("import_seconds", "`import numtape`")):
        if name in derived:
            print(f"| {label} | {derived[name]:.3g} s | |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "performance.json"))
