"""Eigen-decomposition of general (non-symmetric) real matrices: eig and eigvals.

``eig`` is a LAPACK hand-off (``np.linalg.eig``, :mod:`numtape.ops.handoff`) whose VJP is
written in numtape ops, so it records for higher orders. With ``A = V diag(w) V^-1`` and
``P = V^-1 dA V``, perturbing ``A V = V diag(w)`` gives ``dw = diag(P)`` and
``dV = V (F o P + diag(c))`` with ``F_ij = 1 / (w_j - w_i)`` off the diagonal and 0 on it
(Giles 2008, "An extended collection of matrix derivative results", 3.1). ``c`` is fixed by
NumPy's normalisation, unit 2-norm columns: ``v_i^T dv_i = 0`` removes from each column's
tangent its component along ``v_i``. Transposed, the VJP is (PyTorch's linalg_eig_backward for
real matrices)::

    G = V^T gV - V^T V diag(diag(V^T gV))       (the normalisation's projection)
    gA = V^-T (diag(gw) + F o G) V^T            (solved with V^T, never an inverse)

numtape has no complex dtype: a matrix with a complex eigenvalue (nonzero imaginary part, where
NumPy returns complex arrays) raises ValueError, in the forward, never its real part.
Conditions: the eigenvector term needs distinct eigenvalues (exactly equal ones make ``F``
infinite: inf/NaN, as ``eigh``: the vectors are not unique there); an output nobody uses has no
term, so a loss of the eigenvalues alone is finite at repeated eigenvalues of a diagonalizable
matrix (the derivative in LAPACK's eigenbasis). A defective matrix (numerically dependent
eigenvectors: a Jordan block) has eigenvalues with no derivative, so the backward pass raises
ValueError there. Eigenvector gradients are those of NumPy's normalisation: unit norm and
LAPACK's sign of each column, which is locally constant; a loss that depends on the signs
depends on that choice.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .handoff import handoff
from .linalg import matmul
from .linalg_base import diag_part, eye_like, lapack, mT, square as square_operand
from .linalg_solve import solve_with
from .linalg_spectral import _off_diagonal_reciprocal as off_diagonal_reciprocal
from .registry import Case, composite
from .shape import expand_dims
from .tf_signature import tf_signature

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])

#: A non-symmetric matrix with real, distinct eigenvalues (about 2.09, 0.93, -1.02) for the TF examples.
EIG_SAMPLE = ((2.0, 0.5, 0.1), (0.3, 1.0, -0.2), (0.0, 0.4, -1.0))


def distinct_real_eigenvalues(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Non-symmetric matrices ``V diag(w) V^-1`` with real eigenvalues 1.3 apart (shuffled) and a
    well-conditioned ``V = I + B / (2 sqrt(n))``."""
    n = shape[-1]
    v = np.eye(n) + rng.standard_normal(shape) / (2.0 * np.sqrt(n))
    w = rng.permutation(1.0 + 1.3 * np.arange(n) - 0.5 * n)
    return np.linalg.solve(np.swapaxes(v, -1, -2), np.swapaxes(v * w, -1, -2)).swapaxes(-1, -2)


def _check_real(op: str, w: np.ndarray, shape: tuple[int, ...]) -> None:
    if not np.iscomplexobj(w):
        return
    first = w[np.unravel_index(int(np.argmax(w.imag != 0)), w.shape)]
    raise op_value_error(op, f"the matrix of shape {shape} has complex eigenvalues (e.g. {complex(first):.6g}); "
                         "complex eigenvalues are not supported (numtape has no complex dtype). For symmetric "
                         "matrices use linalg.eigh / linalg.eigvalsh")


def _check_diagonalizable(op: str, v: Tensor, a: Tensor) -> None:
    """Raise where the eigenvectors are numerically dependent (a defective matrix)."""
    n = v.shape[-1]
    if n == 0:
        return
    s = np.linalg.svd(np.asarray(v._v, np.float64), compute_uv=False)
    if np.any(s[..., -1] <= s[..., 0] * n * np.finfo(np.float64).eps):
        raise op_value_error(op, f"the matrix of shape {a.shape} is defective (a repeated eigenvalue without a full "
                             "set of eigenvectors): its eigenvalues have no derivative there", a)


def _eig_vjp(op: str) -> Any:
    def vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
        (gw, gv), (a,), (w, v) = upstream, inputs, outputs
        _check_diagonalizable(op, v, a)
        inner = 0.0
        if gw is not None:
            inner = expand_dims(gw, -2) * eye_like(w, w.shape[-1])
        if gv is not None:
            vtgv = matmul(mT(v), gv)
            projected = vtgv - matmul(mT(v), v * expand_dims(diag_part(vtgv), -2))
            f = off_diagonal_reciprocal(expand_dims(w, -2) - expand_dims(w, -1))  # F_ij = 1/(w_j - w_i)
            inner = inner + f * projected
        return [solve_with(mT(v), matmul(inner, mT(v)), op)]

    return vjp


def _eig_both(t: Tensor, op: str) -> list[Tensor]:
    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        w, v = lapack(op, lambda: np.linalg.eig(values[0]))
        _check_real(op, w, values[0].shape)
        return w, v

    return handoff("linalg.eig", forward, _eig_vjp(op), [t])


_SHAPES = (Case(((3, 3),)), Case(((2, 4, 4),)), Case(((1, 1),)))
_EIG_CONVENTION = ("real eigenvalues only: a complex eigenvalue raises ValueError (use eigh for symmetric matrices); "
                   "unsorted, as LAPACK gives them. Eigenvector gradients need distinct eigenvalues (equal ones give "
                   "inf/NaN, the vectors are not unique) and are those of NumPy's normalisation (unit-norm columns, "
                   "LAPACK's sign); a defective matrix raises ValueError in the backward pass. tf.linalg.eig's "
                   "name: TensorFlow returns complex tensors (its vectors may differ by a phase), numtape real ones")


@composite(namespace="linalg", numpy=(np.linalg.eig,), sample=distinct_real_eigenvalues, cases=_SHAPES,
           convention=_EIG_CONVENTION)
@tf_signature("eig(tensor, name=None)", namespaces=("linalg",), rename={"tensor": "a"}, reads_positions=True,
              differentiable=False, example=dict(tensor=EIG_SAMPLE),
              reference=lambda tensor: tuple(np.linalg.eig(tensor)))
def eig(a: TensorLike, name: Optional[str] = None) -> EigResult:
    """``EigResult(eigenvalues, eigenvectors)`` of real square matrices with real eigenvalues, as
    ``np.linalg.eig`` (unit-norm eigenvector columns, LAPACK's order and signs)."""
    w, v = _eig_both(square_operand(a, "linalg.eig"), "linalg.eig")
    return EigResult(w, v)


@composite(namespace="linalg", numpy=(np.linalg.eigvals,), sample=distinct_real_eigenvalues, cases=_SHAPES,
           convention="gA = V^-T diag(g) V^T (left times right eigenvectors); finite also at repeated eigenvalues "
                      "of a diagonalizable matrix (the derivative in LAPACK's eigenbasis), ValueError at a defective "
                      "one; real eigenvalues only: a complex one raises ValueError (use eigvalsh for symmetric "
                      "matrices)")
@tf_signature("eigvals(tensor, name=None)", namespaces=("linalg",), rename={"tensor": "a"}, reads_positions=True,
              example=dict(tensor=EIG_SAMPLE), reference=lambda tensor: np.linalg.eigvals(tensor))
def eigvals(a: TensorLike, name: Optional[str] = None) -> Tensor:
    """The eigenvalues of real square matrices with real eigenvalues (unsorted), as ``np.linalg.eigvals``."""
    return _eig_both(square_operand(a, "linalg.eigvals"), "linalg.eigvals")[0]
