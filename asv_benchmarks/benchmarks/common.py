"""Shared benchmark helpers: imports guarded so older commits still benchmark."""
from __future__ import annotations

try:
    import numtape as nt
    from numtape._kernels import sweep as _sweep
except ImportError:  # pragma: no cover - a commit without numtape
    nt = None
    _sweep = None


def warm_up() -> None:
    """Compile (or load) numtape's kernels outside any timed region."""
    if nt is None:
        raise NotImplementedError("numtape is not importable")
    _sweep.warmup()
