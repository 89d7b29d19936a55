"""Sparse Jacobians of compiled traces: one compiled sweep per color, decompressed into CSR.

The structural pattern and its coloring (:mod:`numtape.function.jacobian_sparsity`)
are computed once per trace and input set, and cached on the trace (a replay that
takes another branch uses that branch's trace, so its own pattern). A call then runs

* forward mode with one tangent per column color (``seeds[c] = sum_{color(j) = c} e_j``),
  and reads ``J[i, j]`` at row i of color(j)'s tangent; or
* reverse mode with one adjoint seed per row color, and reads ``J[i, j]`` at column j
  of color(i)'s vector-Jacobian product,

whichever needs fewer colors. Every entry of a compressed result is exactly the one
pattern entry of its color in that row (or column), or a structural zero. Where this
cannot be trusted the caller takes the dense Jacobian instead and converts it: no
pattern (custom gradients, unknown entries, too many dependencies), or a non-finite
number anywhere in the compressed result (an infinite partial times a zero tangent
gives NaN in forward mode where reverse mode, the reference, may not).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .jacobian_sparsity import choose_coloring, jacobian_pattern

#: Returned when the dense Jacobian must be used instead (see the module docstring).
DENSE = object()


class JacobianPlan:
    """The pattern of one trace's Jacobian in some inputs, its coloring and read-back indices."""

    def __init__(self, pattern: Optional[Any]) -> None:
        self.pattern = pattern
        if pattern is None:
            return
        self.mode, self.colors = choose_coloring(pattern)
        self.n_colors = int(self.colors.max()) + 1 if self.colors.size else 0
        self.rows = np.repeat(np.arange(pattern.shape[0]), np.diff(pattern.indptr))
        self.cols = pattern.indices.astype(np.int64)


def plan(trace: Any, wrt: Sequence[int]) -> JacobianPlan:
    """The trace's cached plan for the inputs ``wrt`` (computed on first use)."""
    plans = trace.__dict__.setdefault("_jacobian_plans", {})
    key = tuple(wrt)
    if key not in plans:
        plans[key] = JacobianPlan(jacobian_pattern(trace, wrt, trace.outputs[0][0]))
    return plans[key]


def compressed_jacobian(trace: Any, values: Sequence[Any], wrt: Sequence[int], dtype: Any) -> Any:
    """The Jacobian of the trace's one output in the inputs ``wrt`` (columns concatenated) as a
    CSR matrix of ``dtype``; None when a guard fails, DENSE when the dense Jacobian is needed."""
    from scipy import sparse

    p = plan(trace, wrt)
    if p.pattern is None:
        return DENSE
    m, n = p.pattern.shape
    if p.n_colors == 0:  # no dependency at all: only the guards decide
        return None if trace.forward(values) is None else sparse.csr_matrix((m, n), dtype=dtype)
    if p.mode == "forward":
        compressed = _forward_colors(trace, values, wrt, p, n)
        if compressed is None:
            return None
        entries = compressed[p.colors[p.cols], p.rows]
    else:
        compressed = _reverse_colors(trace, values, wrt, p, m)
        if compressed is None:
            return None
        entries = compressed[p.colors[p.rows], p.cols]
    if not np.all(np.isfinite(compressed)):
        return DENSE
    return sparse.csr_matrix((entries.astype(dtype), p.pattern.indices.copy(), p.pattern.indptr.copy()),
                             shape=(m, n))


def _forward_colors(trace: Any, values: Sequence[Any], wrt: Sequence[int], p: JacobianPlan,
                    n: int) -> Optional[np.ndarray]:
    """(colors, outputs): the output's tangent for each color's seed, by one forward pass."""
    seeds = np.zeros((p.n_colors, n))
    seeds[p.colors, np.arange(n)] = 1.0
    forward = trace.forward_mode(values, wrt, seeds)
    if forward is None:
        return None
    _, _, dvalue, darena = forward
    in_column, at, size = trace._location(trace.outputs[0][0])
    return dvalue[:, at : at + 1] if in_column else darena[:, at : at + size]


def _reverse_colors(trace: Any, values: Sequence[Any], wrt: Sequence[int], p: JacobianPlan,
                    m: int) -> Optional[np.ndarray]:
    """(colors, inputs): each row color's seed times J, by one vector-mode reverse sweep."""
    seeds = np.zeros((p.n_colors, m))
    seeds[p.colors, np.arange(m)] = 1.0
    result = trace.vector_jacobian(values, wrt, seeds)
    if result is None:
        return None
    return np.concatenate([r.reshape(p.n_colors, -1) for r in result[1]], axis=1)


def pattern_or_dense(trace: Any, wrt: Sequence[int]) -> Any:
    """The boolean CSR pattern, or all True where it cannot be known (always a superset)."""
    from scipy import sparse

    p = plan(trace, wrt)
    if p.pattern is not None:
        return p.pattern.copy()
    m = int(np.prod(trace.outputs[0][1]))
    n = sum(trace.input_sizes[j] for j in wrt)
    return sparse.csr_matrix(np.ones((m, n), bool))


def jacobian(f: Any, argnums: Any = 0, sparse: bool = False) -> Any:
    """A function returning the Jacobian of ``f``: ``f(x).shape + x.shape`` per argument (NumPy).

    With ``sparse=True``, a ``scipy.sparse.csr_matrix`` of shape ``(f(x).size, x.size)`` per
    argument, by coloring the structural sparsity pattern of ``f``'s compiled trace
    (``nt.function(f).jacobian(x, sparse=True)``).
    """
    from .. import functional

    if not sparse:
        return functional.jacobian(f, argnums)
    from . import Function

    g = f if isinstance(f, Function) else Function(f)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return g.jacobian(*args, argnums=argnums, sparse=True, **kwargs)

    wrapped.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    return wrapped
