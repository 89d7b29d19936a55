"""Draw the README's performance chart from compare.py's results.

    cd asv_benchmarks && python plot.py [performance.json] [performance.png]

One group of bars per workload: each implementation's median time divided by the
hand-written NumPy reference's, measured in the same run (log scale; lower is
faster; the NumPy reference is the line at 1). Needs matplotlib (the ``bench``
extra: ``pip install ".[bench]"``).
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

ORDER = ["numtape", "replay", "numba", "torch", "jax", "jax_jit", "autograd"]
LABELS = {
    "numtape": "numtape (eager)", "replay": "numtape nt.function", "numba": "hand-written @njit",
    "torch": "PyTorch", "jax": "JAX eager", "jax_jit": "JAX jit", "autograd": "HIPS autograd",
}
COLORS = {
    "numtape": "#d62728", "replay": "#ff9896", "numba": "#7f7f7f", "torch": "#1f77b4",
    "jax": "#9edae5", "jax_jit": "#17becf", "autograd": "#bcbd22",
}
SKIP = {"gmm_objective"}  # the denominator of a ratio, not a workload of its own


def main(path: str, out: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(path) as f:
        results = json.load(f)
    from table import _ordered

    workloads = [(k, w) for k, w in _ordered(results) if k not in SKIP and "numpy" in w["seconds"]]
    impls = [i for i in ORDER if any(i in w["seconds"] for _, w in workloads)]
    fig, ax = plt.subplots(figsize=(9, 0.62 * len(workloads) * max(1, len(impls)) / 4 + 1.6), dpi=90)
    height = 0.8 / len(impls)
    for j, impl in enumerate(impls):
        ys, xs = [], []
        for i, (_, w) in enumerate(workloads):
            sec = w["seconds"].get(impl)
            if sec is not None:
                ys.append(i + (j - (len(impls) - 1) / 2) * height)
                xs.append(sec / w["seconds"]["numpy"])
        ax.barh(ys, xs, height=height, color=COLORS[impl], label=LABELS[impl], left=0)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(workloads)))
    ax.set_yticklabels([w["label"] for _, w in workloads], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time / hand-written NumPy reference (log scale; lower is faster)")
    machine = results.get("machine", {})
    versions = machine.get("versions", {})
    ax.set_title(
        f"numtape {versions.get('numtape', '?')} value + gradient, {results.get('date', '')}, "
        f"{machine.get('Model name', '')} ({machine.get('CPU(s)', '?')} cores, one thread)",
        fontsize=9,
    )
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "performance.json"),
         sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "performance.png"))
