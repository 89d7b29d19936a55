"""Matrix equations: ``scipy.linalg.solve_sylvester`` and ``scipy.linalg.sqrtm`` (real input with a
real square root), NumPy/SciPy hand-offs whose VJPs solve Sylvester equations.

For ``A X + X B = Q``: differentiating gives ``A dX + dX B = dQ - dA X - X dB``, so with
``Y`` solving the adjoint equation ``A^T Y + Y B^T = G``: ``Q_bar = Y``, ``A_bar = -Y X^T``,
``B_bar = -X^T Y``. For ``X = sqrtm(A)``, ``X X = A`` gives ``X dX + dX X = dA``, so
``A_bar`` solves ``X^T Y + Y X^T = G``. Each solve is the recorded ``solve_sylvester``
itself (Bartels-Stewart on Schur factors, never an explicit inverse), so higher orders
record. Conditions: ``A`` and ``-B`` share no eigenvalue (else the equation is singular:
ValueError); ``sqrtm`` needs a real principal square root (no eigenvalue on the closed
negative real axis; a complex root raises ValueError) and a non-singular ``A`` for its
derivative.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .handoff import handoff
from .linalg import matmul
from .index_maps import take_map
from .linalg_base import lapack, mT, operand, square
from .reduce import reduce_sum
from .shape import expand_dims
from .registry import Case, composite


def _sylvester_raw(a: Tensor, b: Tensor, q: Tensor) -> Tensor:
    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        from scipy.linalg import solve_sylvester as scipy_solve

        return (lapack("linalg.solve_sylvester", lambda: scipy_solve(*values), a, b, q),)

    return handoff("linalg.solve_sylvester", forward, _sylvester_vjp, [a, b, q])[0]


def _sylvester_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    (g,), (a, b, _), (x,) = upstream, inputs, outputs
    y = _sylvester_raw(mT(a), mT(b), g)
    return [-matmul(y, mT(x)), -matmul(mT(x), y), y]


def _sylvester_sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Square matrices with eigenvalues near 2 (A and -B never share one); others normal."""
    if len(shape) == 2 and shape[0] == shape[1]:
        return 2.0 * np.eye(shape[0]) + rng.standard_normal(shape) / (2 * np.sqrt(shape[0]))
    return rng.standard_normal(shape)


def _scipy_sylvester(a: Any, b: Any, q: Any) -> Any:
    from scipy.linalg import solve_sylvester as scipy_solve

    return scipy_solve(a, b, q)


@composite(namespace="linalg", reference=_scipy_sylvester, sample=_sylvester_sample,
           cases=(Case(((3, 3), (4, 4), (3, 4))), Case(((3, 3), (3, 3), (3, 3))), Case(((1, 1), (3, 3), (1, 3)))),
           convention="A and -B must share no eigenvalue (else ValueError). Rule: Y solves A^T Y + Y B^T = g; "
                      "Q_bar = Y, A_bar = -Y X^T, B_bar = -X^T Y (2-d only, as SciPy)")
def solve_sylvester(a: TensorLike, b: TensorLike, q: TensorLike) -> Tensor:
    """The solution ``X`` of ``A X + X B = Q``, as ``scipy.linalg.solve_sylvester``."""
    ta, tb = square(a, "linalg.solve_sylvester"), square(b, "linalg.solve_sylvester")
    tq = operand(q, "linalg.solve_sylvester")
    if ta.ndim != 2 or tb.ndim != 2 or tq.shape != (ta.shape[0], tb.shape[0]):
        raise op_value_error("linalg.solve_sylvester", f"expected A (m, m), B (n, n), Q (m, n); got {ta.shape}, "
                             f"{tb.shape}, {tq.shape}", ta, tb, tq)
    return _sylvester_raw(ta, tb, tq)


def _sqrtm_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    xt = mT(outputs[0])
    return [_sylvester_raw(xt, xt, upstream[0])]


def _real_root(values: list[np.ndarray]) -> tuple[np.ndarray]:
    from scipy.linalg import sqrtm as scipy_sqrtm

    root = np.asarray(scipy_sqrtm(values[0]))
    if root.dtype.kind == "c":
        scale = max(float(np.abs(root).max()), 1e-300)
        if float(np.abs(root.imag).max()) > 1e-10 * scale:
            raise op_value_error("linalg.sqrtm", "the matrix has no real square root (an eigenvalue on the negative "
                                 "real axis): numtape's Tensors are real")
        root = root.real
    return (root,)


def _sqrtm_sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Matrices with eigenvalues near 2 (far from the negative real axis and from 0)."""
    return 2.0 * np.eye(shape[-1]) + rng.standard_normal(shape) / (2 * np.sqrt(shape[-1]))


def _scipy_sqrtm(a: Any) -> Any:
    from scipy.linalg import sqrtm as scipy_sqrtm

    return np.real(scipy_sqrtm(a))


@composite(namespace="linalg", reference=_scipy_sqrtm, sample=_sqrtm_sample,
           cases=(Case(((3, 3),)), Case(((1, 1),)), Case(((4, 4),))),
           convention="the principal square root of a real matrix with no eigenvalue on the closed negative real "
                      "axis (a complex root raises ValueError); A_bar solves X^T Y + Y X^T = g, singular when A is "
                      "(2-d only, as SciPy)")
def sqrtm(a: TensorLike) -> Tensor:
    """The principal matrix square root ``X`` (``X @ X = A``), as ``scipy.linalg.sqrtm`` on real input."""
    t = square(a, "linalg.sqrtm")
    if t.ndim != 2:
        raise op_value_error("linalg.sqrtm", f"expected one matrix (n, n), got shape {t.shape}", t)
    return handoff("linalg.sqrtm", _real_root, _sqrtm_vjp, [t])[0]


def _banded_raw(lu: tuple[int, int], ab: Tensor, b: Tensor) -> Tensor:
    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        from scipy.linalg import solve_banded as scipy_solve

        return (lapack("linalg.solve_banded", lambda: scipy_solve(lu, values[0], values[1]), ab, b),)

    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (g,), (tab, tb), (x,) = upstream, inputs, outputs
        lower, upper = lu
        rows, n = tab.shape
        r, j = np.arange(rows)[:, None], np.arange(n)[None, :]
        col = j + r - lower  # A^T in band storage: abT[r, j] = ab[u + l - r, j + r - l]
        transposed = take_map(tab, np.where((col >= 0) & (col < n), (upper + lower - r) * n + col, -1), fill=0.0)
        gb = _banded_raw((upper, lower), transposed, g)
        i = r - upper + j  # ab[r, j] is A[i, j]: its cotangent is -(gb x^T)[i, j]
        inside = (i >= 0) & (i < n)
        if tb.ndim == 1:
            gab = -(take_map(gb, np.where(inside, i, -1), fill=0.0) * expand_dims(x, 0))
        else:
            k = tb.shape[1]
            index = np.where(inside[..., None], i[..., None] * k + np.arange(k), -1)
            gab = -reduce_sum(take_map(gb, index, fill=0.0) * expand_dims(x, 0), -1)
        return [gab, gb]

    return handoff("linalg.solve_banded", forward, vjp, [ab, b])[0]


def _banded_sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Band storage (l + u + 1, n) of a diagonally dominant matrix (row u is the diagonal: 4..5)."""
    out = rng.standard_normal(shape) / 2
    if len(shape) == 2 and shape[0] == 3:
        out[1] = rng.uniform(4.0, 5.0, shape[1])
    return out


def _scipy_banded(lu: Any, ab: Any, b: Any) -> Any:
    from scipy.linalg import solve_banded as scipy_solve

    return scipy_solve(lu, ab, b)


@composite(namespace="linalg", reference=_scipy_banded, sample=_banded_sample,
           cases=(Case(((3, 5), (5,)), const=((1, 1),)), Case(((3, 4), (4, 2)), const=((1, 1),))),
           convention="scipy.linalg.solve_banded((l, u), ab, b): entries of ab outside the matrix get a zero "
                      "gradient; b_bar solves A^T (the transposed band) and ab_bar is -b_bar x^T on the band; a "
                      "singular matrix raises ValueError")
def solve_banded(l_and_u: Any, ab: TensorLike, b: TensorLike, overwrite_ab: bool = False, overwrite_b: bool = False,
                 check_finite: bool = True) -> Tensor:
    """The solution ``x`` of ``A x = b`` for ``A`` in band storage, as ``scipy.linalg.solve_banded``."""
    lower, upper = (int(v) for v in l_and_u)
    tab, tb = operand(ab, "linalg.solve_banded"), operand(b, "linalg.solve_banded", 1)
    if tab.ndim != 2 or tab.shape[0] != lower + upper + 1 or tb.ndim > 2 or tb.shape[0] != tab.shape[1]:
        raise op_value_error("linalg.solve_banded", f"expected ab ({lower + upper + 1}, n) and b (n,) or (n, k); got "
                             f"{tab.shape} and {tb.shape}", tab, tb)
    return _banded_raw((lower, upper), tab, tb)
