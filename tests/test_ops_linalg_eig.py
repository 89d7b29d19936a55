"""eig and eigvals (numtape/ops/linalg_eig.py): what the generated tests cannot express.

Gradients against closed forms (the eigenvalue derivative u_i v_i^T / (u_i^T v_i) from SciPy's
left and right eigenvectors; trace, trace of the square and det as sums and products of the
eigenvalues; unit-norm eigenvectors), the refusal of complex eigenvalues (a rotation), repeated
eigenvalues and defective matrices, and batches equal to the loop.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
import scipy.linalg

import numtape as nt
from numtape.ops.linalg_eig import distinct_real_eigenvalues
from numtape.testing import check_grads

ROTATION = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])


def grad(f: Callable[..., Any], a: np.ndarray) -> np.ndarray:
    t = nt.constant(a)
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
    return tape.gradient(y, t).numpy()


@pytest.mark.parametrize("call, name", [(lambda a: nt.linalg.eig(a), "linalg.eig"),
                                        (lambda a: nt.linalg.eigvals(a), "linalg.eigvals"),
                                        (lambda a: np.linalg.eig(nt.constant(a)), "linalg.eig"),
                                        (lambda a: np.linalg.eigvals(nt.constant(a)), "linalg.eigvals")])
def test_complex_eigenvalues_raise_instead_of_returning_real_parts(call: Callable[..., Any], name: str) -> None:
    with pytest.raises(ValueError, match=rf"numtape\.{name}: .*complex eigenvalues are not supported.*eigh"):
        call(ROTATION)
    batch = np.stack([np.diag([1.0, 2.0]), ROTATION])  # one matrix of the batch is enough
    with pytest.raises(ValueError, match="complex eigenvalues"):
        call(batch)


def test_a_replay_at_a_matrix_with_complex_eigenvalues_raises(rng: np.random.Generator) -> None:
    f = nt.function(lambda t: nt.reduce_sum(nt.linalg.eigvals(t)))
    f.value_and_grad(distinct_real_eigenvalues(rng, (2, 2)))
    with pytest.raises(ValueError, match=r"numtape\.linalg\.eigvals: .*complex eigenvalues"):
        f.value_and_grad(ROTATION)


def test_eigvals_gradient_is_left_times_right_eigenvector(rng: np.random.Generator) -> None:
    """d w_i / dA = u_i v_i^T / (u_i^T v_i), with u_i, v_i SciPy's left and right eigenvectors."""
    a = distinct_real_eigenvalues(rng, (4, 4))
    weights = rng.standard_normal(4)
    g = grad(lambda t: nt.reduce_sum(nt.linalg.eigvals(t) * weights), a)
    w, left, right = scipy.linalg.eig(a, left=True, right=True)
    order = [int(np.argmin(np.abs(w.real - x))) for x in np.linalg.eigvals(a)]  # numtape's order
    u, v = left[:, order].real, right[:, order].real
    expected = sum(weights[i] * np.outer(u[:, i], v[:, i]) / (u[:, i] @ v[:, i]) for i in range(4))
    np.testing.assert_allclose(g, expected, rtol=1e-9, atol=1e-11)


def test_sums_and_products_of_eigenvalues_have_the_trace_and_det_gradients(rng: np.random.Generator) -> None:
    a = distinct_real_eigenvalues(rng, (4, 4))
    np.testing.assert_allclose(grad(lambda t: nt.reduce_sum(nt.linalg.eigvals(t)), a), np.eye(4), atol=1e-12)
    np.testing.assert_allclose(grad(lambda t: nt.reduce_sum(nt.linalg.eig(t)[0] ** 2), a), 2 * a.T,
                               rtol=1e-10, atol=1e-11)  # sum w^2 = trace(A^2)
    np.testing.assert_allclose(grad(lambda t: nt.reduce_prod(nt.linalg.eigvals(t)), a),
                               np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-10, atol=1e-11)


def test_hessian_of_the_sum_of_squared_eigenvalues_is_that_of_trace_a_squared(rng: np.random.Generator) -> None:
    """d^2 trace(A^2) / dA_ij dA_kl = 2 delta_il delta_jk."""
    a = distinct_real_eigenvalues(rng, (3, 3))
    h = nt.hessian(lambda t: nt.reduce_sum(nt.linalg.eigvals(t) ** 2))(a)
    eye = np.eye(3)
    np.testing.assert_allclose(h, 2 * np.einsum("il,jk->ijkl", eye, eye), atol=1e-9)


def test_unit_norm_eigenvectors_have_no_gradient_along_their_norm(rng: np.random.Generator) -> None:
    """Each column has norm 1 for every A, so sum(V**2) is constant: its gradient is 0 (only with
    the normalisation term of the rule)."""
    a = distinct_real_eigenvalues(rng, (4, 4))
    g = grad(lambda t: nt.reduce_sum(nt.linalg.eig(t)[1] ** 2), a)
    np.testing.assert_allclose(g, np.zeros((4, 4)), atol=1e-12)


def test_eigenvector_gradients_match_differences_of_numpys_eig(rng: np.random.Generator) -> None:
    a = distinct_real_eigenvalues(rng, (5, 5))
    w = rng.standard_normal((5, 5))
    g = grad(lambda t: nt.reduce_sum(nt.linalg.eig(t)[1] * w), a)
    e = rng.standard_normal((5, 5))
    h = 1e-6
    numeric = (np.sum(np.linalg.eig(a + h * e)[1] * w) - np.sum(np.linalg.eig(a - h * e)[1] * w)) / (2 * h)
    np.testing.assert_allclose(np.sum(g * e), numeric, rtol=1e-6)


def test_near_repeated_eigenvalues_give_large_correct_derivatives(rng: np.random.Generator) -> None:
    v = np.eye(3) + 0.3 * rng.standard_normal((3, 3))
    a = v @ np.diag([1.0, 1.0 + 1e-3, 3.0]) @ np.linalg.inv(v)
    weights = rng.standard_normal((3, 3))
    check_grads(lambda t: nt.reduce_sum(nt.linalg.eig(t)[1] * weights), a, order=1, rng=rng, eps=1e-8,
                rtol=1e-4, atol=1e-6)


def test_repeated_eigenvalues_give_finite_eigenvalue_and_non_finite_eigenvector_gradients() -> None:
    a = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]])  # diagonalizable, eigenvalue 1 twice
    weights = np.where(np.linalg.eigvals(a) < 2, 0.5, 2.0)  # equal weights on the pair: 0.5 trace + 1.5 w_3
    g = grad(lambda t: nt.reduce_sum(nt.linalg.eigvals(t) * weights), a)
    w, left, right = scipy.linalg.eig(a, left=True, right=True)
    u, v = left[:, np.argmax(w.real)].real, right[:, np.argmax(w.real)].real
    np.testing.assert_allclose(g, 0.5 * np.eye(3) + 1.5 * np.outer(u, v) / (u @ v), atol=1e-12)
    with np.errstate(all="ignore"):
        g = grad(lambda t: nt.reduce_sum(nt.linalg.eig(t)[1] * np.arange(9.0).reshape(3, 3)), a)
    assert not np.all(np.isfinite(g))


def test_a_defective_matrix_has_no_eigenvalue_derivative() -> None:
    jordan = np.array([[2.0, 1.0], [0.0, 2.0]])
    values = nt.linalg.eigvals(jordan).numpy()
    np.testing.assert_allclose(values, [2.0, 2.0])
    with pytest.raises(ValueError, match=r"numtape\.linalg\.eigvals: .*defective"):
        grad(lambda t: nt.reduce_sum(nt.linalg.eigvals(t)), jordan)


def test_eig_of_a_batch_is_the_loop(rng: np.random.Generator) -> None:
    a = distinct_real_eigenvalues(rng, (3, 4, 4))
    w = rng.standard_normal((3, 4, 4))
    batched = grad(lambda t: nt.reduce_sum(nt.linalg.eig(t)[1] * w), a)
    for k in range(3):
        single = grad(lambda t: nt.reduce_sum(nt.linalg.eig(t)[1] * w[k]), a[k])
        np.testing.assert_allclose(batched[k], single, rtol=1e-10, atol=1e-12)


def test_tensorflow_and_numpy_calls_agree(rng: np.random.Generator) -> None:
    a = distinct_real_eigenvalues(rng, (3, 3))
    values, vectors = nt.linalg.eig(tensor=a, name="eig")
    result = np.linalg.eig(a)
    np.testing.assert_array_equal(values.numpy(), result.eigenvalues)
    np.testing.assert_array_equal(vectors.numpy(), result.eigenvectors)
    assert type(nt.linalg.eig(a)).__name__ == "EigResult"
    np.testing.assert_array_equal(nt.linalg.eigvals(tensor=a).numpy(), np.linalg.eigvals(a))
