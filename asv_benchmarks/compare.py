"""Measure every workload once, in one process, and print medians and ratios.

    cd asv_benchmarks && python compare.py [--quick] [--json performance.json]

Each workload is built in every implementation (numtape eager, numtape replay,
the hand-written NumPy and Numba references, and the peers that are installed),
then the implementations are timed in alternating rounds (so that a burst of load
on this noisy machine hits all of them alike) and the median per implementation
is kept. Ratios are numtape's median over the other median, from the same run.
The JSON it writes feeds ``plot.py`` and the README's Performance table.

This is the one-shot companion of the asv suite (``benchmarks/``), which tracks
the same workloads over the project's history.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # a checkout whose numtape is not installed

from benchmarks import gmm as G  # noqa: E402
from benchmarks import workloads as W  # noqa: E402
from benchmarks.common import IMPLS, interleaved_medians, warm_up  # noqa: E402

# key, label, builder, keyword arguments
WORKLOADS: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = [
    ("scalar_loop", "scalar loop, 1,000 iterations (8,000 ops)", W.scalar_loop, {}),
    ("rosenbrock_scalar", "Rosenbrock n=100, scalar loop", W.rosenbrock_scalar, {}),
    ("rosenbrock_vector", "Rosenbrock n=10^6, vectorised", W.rosenbrock_vector, {}),
    ("logistic", "logistic regression, X 10,000 x 100", W.logistic, {}),
    ("mlp", "MLP 256x64 -> 128 -> 10, softmax CE", W.mlp, {}),
    ("seed", "seed example (2x2, sum, square), per call", W.seed, {}),
    ("hessian_20", "Hessian of Rosenbrock, n=20", W.rosenbrock_hessian, {"n": 20}),
    ("hessian_100", "Hessian of Rosenbrock, n=100", W.rosenbrock_hessian, {"n": 100}),
    ("gmm", "ADBench GMM d=10 k=5 n=1,000, gradient", G.gmm, {}),
    ("gmm_objective", "ADBench GMM, objective only", G.gmm, {"grad": False}),
]


def build_all(builder: Callable[..., Any], kwargs: dict[str, Any], impls: list[str]) -> dict[str, Any]:
    runs = {}
    for impl in impls:
        try:
            run = builder(impl, **kwargs)
            run()  # JIT, tracing and first-call costs stay out of the timing
        except NotImplementedError as skip:
            print(f"    {impl}: skipped ({skip})", file=sys.stderr)
            continue
        runs[impl] = run
    return runs


def tape_bytes_per_entry() -> dict[str, float]:
    """Bytes of tape per scalar entry after recording the scalar loop (doubling slack included)."""
    import numtape as nt

    x = nt.constant(0.5)
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(1000):
            y = nt.sin(y) * x + 0.5 * y * y / (1.0 + y * y)
    b = tape._tape.buffers
    entry = b.code.itemsize + b.arg0.itemsize + b.arg1.itemsize + b.value.itemsize
    return {
        "entries": b.n,
        "bytes_per_entry_layout": float(entry),
        "bytes_per_entry_held": b.nbytes / b.n,
        "bytes_per_entry_with_adjoint": b.nbytes / b.n + 8.0,
    }


def startup() -> dict[str, float]:
    """Cold-cache compile seconds (fresh NUMBA_CACHE_DIR), warm load and ``import numtape`` (subprocesses)."""
    import tempfile

    from benchmarks.bench_compile import _COMPILE, _IMPORT, _run

    with tempfile.TemporaryDirectory() as cache_dir:
        cold = _run(_COMPILE, cache_dir)
        warm = min(_run(_COMPILE, cache_dir) for _ in range(3))
    return {"compile_seconds_cold_cache": cold, "load_seconds_warm_cache": warm,
            "import_seconds": min(_run(_IMPORT) for _ in range(5))}


def machine() -> dict[str, str]:
    info = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Hypervisor vendor"):
                info[key.strip()] = value.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    versions = {}
    for name in ("numtape", "numpy", "numba", "scipy", "torch", "jax", "autograd"):
        try:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "?")
        except ImportError:
            pass
    if "autograd" in versions and versions["autograd"] == "?":
        from importlib.metadata import version

        versions["autograd"] = version("autograd")
    info["versions"] = versions
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                                        text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke test)")
    parser.add_argument("--json", default=os.path.join(HERE, "performance.json"), help="where to write results")
    parser.add_argument("--only", default="", help="comma-separated workload keys")
    parser.add_argument("--impls", default=",".join(IMPLS), help="comma-separated implementations")
    args = parser.parse_args()
    rounds, budget = (3, 0.3) if args.quick else (7, 3.0)
    impls = args.impls.split(",")
    warm_up()
    results: dict[str, Any] = {"date": datetime.date.today().isoformat(), "machine": machine(), "workloads": {}}
    for key, label, builder, kwargs in WORKLOADS:
        if args.only and key not in args.only.split(","):
            continue
        print(f"{label}", file=sys.stderr)
        runs = build_all(builder, kwargs, impls)
        medians = interleaved_medians(runs, rounds=rounds, budget=budget)
        results["workloads"][key] = {"label": label, "seconds": medians}
        base = medians.get("numtape")
        cells = "  ".join(f"{impl}={sec * 1e3:.4g}ms" for impl, sec in medians.items())
        ratios = "  ".join(f"/{impl}={base / sec:.3g}" for impl, sec in medians.items() if base and impl != "numtape")
        print(f"{key:18s} {cells}\n{'':18s} numtape {ratios}", flush=True)
    w = results["workloads"]
    derived: dict[str, Any] = {}
    if "scalar_loop" in w and "numtape" in w["scalar_loop"]["seconds"]:
        ops = 1000 * W.SCALAR_LOOP_OPS_PER_ITERATION
        derived["scalar_loop_us_per_op"] = w["scalar_loop"]["seconds"]["numtape"] / ops * 1e6
    if "gmm" in w and "gmm_objective" in w:
        for impl, sec in w["gmm"]["seconds"].items():
            objective = w["gmm_objective"]["seconds"].get(impl)
            if objective:
                derived[f"gmm_gradient_over_objective_{impl}"] = sec / objective
    derived["tape"] = tape_bytes_per_entry()
    derived.update(startup())
    results["derived"] = derived
    print(json.dumps(derived, indent=2))
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
