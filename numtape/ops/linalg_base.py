"""Shared pieces of the linear-algebra rows: checks, samplers and matrix helpers in numtape ops.

The rows (``linalg_solve``, ``linalg_factor``, ``linalg_spectral``, ``linalg_norms``,
``linalg_tf``) are NumPy/SciPy hand-offs (:mod:`numtape.ops.handoff`) whose VJPs are
written with the helpers here: ``mT`` (swap the last two axes), ``masked`` (multiply by a
constant 0/1 triangle, in the operand's dtype), ``diag_embed`` and ``diag_part`` (batched),
``sum_to`` (undo a broadcast of the batch axes). Every check raises before anything runs,
naming the public function, the shapes and the dtypes; ``np.linalg.LinAlgError`` from
the forward (a singular matrix, a matrix that is not positive definite) is turned into a
ValueError naming the function.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import float_operand, multiply
from .reduce import reduce_sum
from .shape import expand_dims, reshape, transpose


def operand(x: TensorLike, op: str, min_ndim: int = 2) -> Tensor:
    """``x`` as a float Tensor of rank >= ``min_ndim`` (integers converted as the other ops do)."""
    t = float_operand(x, op)
    if t.ndim < min_ndim:
        kind = "a matrix (rank >= 2)" if min_ndim == 2 else f"rank >= {min_ndim}"
        raise op_value_error(op, f"needs {kind}, got shape {t.shape}", t)
    return t


def square(x: TensorLike, op: str) -> Tensor:
    """``x`` as a float Tensor of square matrices (..., n, n)."""
    t = operand(x, op)
    if t.shape[-1] != t.shape[-2]:
        raise op_value_error(op, f"needs square matrices in the last two axes, got shape {t.shape}", t)
    return t


def lapack(op: str, compute: Callable[[], Any], *operands: Tensor) -> Any:
    """``compute()``, with a LinAlgError (singular, not positive definite) as a ValueError naming ``op``."""
    try:
        with np.errstate(all="ignore"):
            return compute()
    except np.linalg.LinAlgError as error:
        raise op_value_error(op, f"{error}", *operands) from error


def mT(x: Tensor) -> Tensor:
    """The transpose of the last two axes."""
    perm = list(range(x.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return transpose(x, perm)


def masked(x: Tensor, mask: np.ndarray) -> Tensor:
    """``x * mask`` with the constant mask in ``x``'s dtype (float32 stays float32)."""
    return multiply(x, mask.astype(x.dtype))


def tril_mask(n: int, k: int = 0, m: int | None = None) -> np.ndarray:
    return np.tri(n, m if m is not None else n, k, dtype=np.float64)


def triu_mask(n: int, k: int = 0, m: int | None = None) -> np.ndarray:
    return 1.0 - np.tri(n, m if m is not None else n, k - 1, dtype=np.float64)


def eye_like(x: Tensor, n: int) -> np.ndarray:
    return np.eye(n, dtype=x.dtype)


def diag_embed(v: Tensor) -> Tensor:
    """Batched diagonal matrices (..., n, n) from vectors (..., n)."""
    return multiply(expand_dims(v, -1), eye_like(v, v.shape[-1]))


def diag_part(x: Tensor) -> Tensor:
    """The main diagonals (..., n) of square matrices (..., n, n)."""
    return reduce_sum(multiply(x, eye_like(x, x.shape[-1])), axis=-1)


def sum_to(g: Tensor, shape: Sequence[int]) -> Tensor:
    """``g`` summed over the axes a broadcast to ``g.shape`` added or stretched from ``shape``."""
    shape = tuple(shape)
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = reduce_sum(g, axis=tuple(range(extra)))
    stretched = tuple(i for i, (d, s) in enumerate(zip(g.shape, shape)) if s == 1 and d != 1)
    if stretched:
        g = reduce_sum(g, axis=stretched, keepdims=True)
    return g if g.shape == shape else reshape(g, shape)


def scalar_to_matrix(g: Tensor) -> Tensor:
    """Cotangents of a batch of scalars (...) as (..., 1, 1), to scale matrices."""
    return expand_dims(expand_dims(g, -1), -1)


def spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A well-conditioned symmetric positive definite batch: ``B B^T / n + I``."""
    b = rng.standard_normal(shape)
    n = shape[-1]
    return b @ np.swapaxes(b, -1, -2) / n + np.eye(n)


def well_conditioned(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A square batch far from singular: ``I * 2 + B / sqrt(n)`` (|det| bounded away from 0)."""
    if len(shape) < 2 or shape[-1] != shape[-2]:
        return rng.standard_normal(shape)
    n = shape[-1]
    return 2.0 * np.eye(n) + rng.standard_normal(shape) / np.sqrt(n)


def symmetric_distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Symmetric matrices with eigenvalues 1.3 apart, ``Q diag(w) Q^T`` for a random orthogonal ``Q``."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = 1.0 + 1.3 * np.arange(n) - 0.5 * n
    return (q * w) @ np.swapaxes(q, -1, -2)


def distinct_singular(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Matrices (..., m, n) with well-separated nonzero singular values ``1, 1.7, 2.4, ...``
    (vectors: standard normal)."""
    if len(shape) < 2:
        return rng.standard_normal(shape)
    m, n = shape[-2:]
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, k)))
    v, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, k)))
    s = 1.0 + 0.7 * np.arange(k)
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def triangular(lower: bool) -> Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]:
    """A sampler of well-conditioned triangular matrices (diagonal 1.5..2.5); other shapes normal."""

    def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        if len(shape) < 2 or shape[-1] != shape[-2]:
            return rng.standard_normal(shape)
        n = shape[-1]
        a = rng.standard_normal(shape) / np.sqrt(n)
        a = np.tril(a, -1) if lower else np.triu(a, 1)
        return a + np.diag(rng.uniform(1.5, 2.5, n))

    return sample


def vector_rhs(b: Tensor) -> bool:
    """NumPy 2's rule (and SciPy's) for a right-hand side: a vector only when it is 1-d."""
    return b.ndim == 1


def check_rhs(op: str, a: Tensor, b: Tensor) -> None:
    """``b`` fits ``a`` (..., n, n): (n,) or (..., n, k) with batch axes that broadcast."""
    n = a.shape[-1]
    if b.ndim == 0 or (b.shape[0] if b.ndim == 1 else b.shape[-2]) != n:
        raise op_value_error(op, f"the right-hand side of shape {b.shape} does not fit matrices of shape {a.shape}"
                             " (it needs (n,) or (..., n, k))", a, b)
    if b.ndim > 1:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError as error:
            raise op_value_error(op, f"batch shapes of {a.shape} and {b.shape} do not broadcast", a, b) from error


def outer_last(u: Tensor, v: Tensor) -> Tensor:
    """Batched outer products ``u v^T`` of vectors (..., m) and (..., n)."""
    return multiply(expand_dims(u, -1), expand_dims(v, -2))
