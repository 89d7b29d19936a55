"""Linear-algebra hand-off rows: what the generated tests (tests/test_composites.py) cannot express.

Gradients are checked against closed forms (d log|det A| = inv(A)^T, d det = det inv(A)^T, the
Hessian of log det), against central differences at near-singular inputs, and for the
conditions the rows document: a non-SPD matrix for cholesky, singular matrices, degenerate
eigenvalues, batches equal to the loop over their matrices, and nt.function replays where the
LU pivots change between the trace and the call.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape.ops.registry import COMPOSITES
from numtape.testing import check_grads


def op(name: str) -> Callable[..., Any]:
    return COMPOSITES[name].fn


def grad(f: Callable[..., Any], *args: np.ndarray) -> list[np.ndarray]:
    ts = [nt.constant(a) for a in args]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return [g.numpy() for g in tape.gradient(y, ts)]


def near_singular(rng: np.random.Generator, n: int, smallest: float) -> np.ndarray:
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.linspace(1.0, 2.0, n)
    s[-1] = smallest
    return (u * s) @ v.T


# -- closed forms -----------------------------------------------------------------------------------
def test_d_logabsdet_is_the_inverse_transpose(rng: np.random.Generator) -> None:
    a = rng.standard_normal((4, 4)) + 3 * np.eye(4)
    (g,) = grad(lambda t: op("linalg.slogdet")(t)[1], a)
    np.testing.assert_allclose(g, np.linalg.inv(a).T, rtol=1e-12, atol=1e-14)


def test_d_det_is_det_times_inverse_transpose(rng: np.random.Generator) -> None:
    a = rng.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    (g,) = grad(lambda t: nt.reduce_sum(op("linalg.det")(t)), a)
    expected = np.linalg.det(a)[:, None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-14)


def test_hessian_of_logdet_matches_the_closed_form(rng: np.random.Generator) -> None:
    """d^2 log|det A| / dA_ij dA_kl = -inv(A)_li inv(A)_jk."""
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    h = nt.hessian(lambda t: op("linalg.slogdet")(t)[1])(a)
    b = np.linalg.inv(a)
    np.testing.assert_allclose(h, -np.einsum("li,jk->ijkl", b, b), rtol=1e-10, atol=1e-12)


def test_solve_gradients_match_the_closed_form(rng: np.random.Generator) -> None:
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    w = rng.standard_normal((3, 2))
    ga, gb = grad(lambda s, t: nt.reduce_sum(op("linalg.solve")(s, t) * w), a, b)
    gb_expected = np.linalg.solve(a.T, w)
    np.testing.assert_allclose(gb, gb_expected, rtol=1e-12)
    np.testing.assert_allclose(ga, -gb_expected @ np.linalg.solve(a, b).T, rtol=1e-12)


def test_third_order_through_cholesky(rng: np.random.Generator) -> None:
    """Each order records the next: the third derivative of sum(cholesky) matches differences."""
    b = rng.standard_normal((3, 3))
    a = b @ b.T / 3 + np.eye(3)
    check_grads(lambda t: nt.reduce_sum(op("linalg.cholesky")(t) ** 2), a, order=3, rng=rng, eps=1e-4, rtol=1e-4,
                atol=1e-5)


# -- near-singular inputs against finite differences -------------------------------------------------
@pytest.mark.parametrize("name", ["linalg.solve", "linalg.inv", "linalg.det", "linalg.slogdet"])
def test_near_singular_matrices_against_differences(name: str, rng: np.random.Generator) -> None:
    a = near_singular(rng, 3, 1e-3)
    fn = op(name)
    if name == "linalg.solve":
        b = rng.standard_normal(3)
        check_grads(lambda s, t: fn(s, t), a, b, order=1, rng=rng, eps=1e-8, rtol=1e-4, atol=1e-6)
    elif name == "linalg.slogdet":
        check_grads(lambda s: fn(s)[1], a, order=1, rng=rng, eps=1e-8, rtol=1e-4, atol=1e-6)
    else:
        check_grads(fn, a, order=1, rng=rng, eps=1e-8, rtol=1e-4, atol=1e-6)


# -- conditions: errors name the function ------------------------------------------------------------
def test_cholesky_of_a_matrix_that_is_not_positive_definite_raises() -> None:
    a = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"linalg\.cholesky.*positive definite"):
        op("linalg.cholesky")(nt.constant(a))
    with pytest.raises(ValueError, match=r"linalg\.cho_factor"):
        op("linalg.cho_factor")(nt.constant(a))
    with pytest.raises(ValueError, match=r"linalg\.logdet"):
        op("linalg.logdet")(nt.constant(a))


def test_singular_matrices_raise_in_solve_and_inv() -> None:
    a = nt.constant(np.array([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(ValueError, match=r"linalg\.solve.*[Ss]ingular"):
        op("linalg.solve")(a, nt.constant(np.ones(2)))
    with pytest.raises(ValueError, match=r"linalg\.inv.*[Ss]ingular"):
        op("linalg.inv")(a)


def test_det_of_a_singular_matrix_is_zero_but_its_gradient_raises() -> None:
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert op("linalg.det")(nt.constant(a)).numpy() == 0.0
    sign, logabsdet = op("linalg.slogdet")(nt.constant(a))
    assert sign.numpy() == 0.0 and logabsdet.numpy() == -np.inf
    with pytest.raises(ValueError, match=r"linalg\.det \(its gradient at a singular matrix\)"):
        grad(op("linalg.det"), a)
    with pytest.raises(ValueError, match=r"linalg\.slogdet"):
        grad(lambda t: op("linalg.slogdet")(t)[1], a)


@pytest.mark.parametrize("name", ["linalg.inv", "linalg.det", "linalg.slogdet", "linalg.cholesky"])
def test_non_square_and_low_rank_inputs_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=rf"numtape\.{name}: needs square matrices.*\(2, 3\)"):
        op(name)(nt.constant(np.ones((2, 3))))
    with pytest.raises(ValueError, match=rf"numtape\.{name}: needs a matrix"):
        op(name)(nt.constant(np.ones(3)))


def test_solve_refuses_a_right_hand_side_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match=r"linalg\.solve: the right-hand side of shape \(4,\)"):
        op("linalg.solve")(nt.constant(np.eye(3)), nt.constant(np.ones(4)))
    with pytest.raises(ValueError, match=r"linalg\.solve: batch shapes"):
        op("linalg.solve")(nt.constant(np.ones((2, 3, 3))), nt.constant(np.ones((4, 3, 1))))


def test_solve_triangular_refuses_non_finite_inputs_and_bad_trans() -> None:
    a = nt.constant(np.triu(np.ones((2, 2))))
    with pytest.raises(ValueError, match=r"linalg\.solve_triangular: array must not contain infs"):
        op("linalg.solve_triangular")(a, nt.constant(np.array([1.0, np.nan])))
    with pytest.raises(ValueError, match=r"linalg\.solve_triangular: trans must be"):
        op("linalg.solve_triangular")(a, nt.constant(np.ones(2)), trans="X")


# -- what each rule reads ---------------------------------------------------------------------------
def test_cholesky_reads_only_the_lower_triangle(rng: np.random.Generator) -> None:
    b = rng.standard_normal((4, 4))
    a = b @ b.T / 4 + np.eye(4)
    (g,) = grad(lambda t: nt.reduce_sum(op("linalg.cholesky")(t) * rng.standard_normal((4, 4))), a)
    assert np.all(np.triu(g, 1) == 0.0)
    (gu,) = grad(lambda t: nt.reduce_sum(op("linalg.cholesky")(t, upper=True)), a)
    assert np.all(np.tril(gu, -1) == 0.0)


def test_cholesky_gradient_on_symmetric_directions_matches_the_symmetric_rule(rng: np.random.Generator) -> None:
    """For a symmetric perturbation E (applied to both triangles), <G, tril part> = the directional derivative."""
    b = rng.standard_normal((3, 3))
    a = b @ b.T / 3 + np.eye(3)
    w = rng.standard_normal((3, 3))
    e = rng.standard_normal((3, 3))
    e = e + e.T
    (g,) = grad(lambda t: nt.reduce_sum(op("linalg.cholesky")(t) * w), a)
    h = 1e-6
    numeric = (np.sum(np.linalg.cholesky(a + h * e) * w) - np.sum(np.linalg.cholesky(a - h * e) * w)) / (2 * h)
    np.testing.assert_allclose(np.sum(g * e), numeric, rtol=1e-6)


# -- batches ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["linalg.inv", "linalg.det", "linalg.cholesky", "linalg.logdet"])
def test_a_batch_gives_the_gradients_of_its_matrices(name: str, rng: np.random.Generator) -> None:
    b = rng.standard_normal((3, 4, 4))
    a = b @ np.swapaxes(b, -1, -2) / 4 + np.eye(4)
    w = rng.standard_normal(np.shape(op(name)(nt.constant(a))))
    (batched,) = grad(lambda t: nt.reduce_sum(op(name)(t) * w), a)
    for k in range(3):
        (single,) = grad(lambda t: nt.reduce_sum(op(name)(t) * w[k]), a[k])
        np.testing.assert_allclose(batched[k], single, rtol=1e-12, atol=1e-14)


def test_float32_gradients_stay_float32(rng: np.random.Generator) -> None:
    b = rng.standard_normal((3, 3))
    a = (b @ b.T / 3 + np.eye(3)).astype(np.float32)
    for name in ("linalg.inv", "linalg.det", "linalg.cholesky", "linalg.logdet"):
        (g,) = grad(lambda t: nt.reduce_sum(op(name)(t)), a)
        assert g.dtype == np.float32, name


# -- nt.function ------------------------------------------------------------------------------------
def test_replay_recomputes_lu_pivots(rng: np.random.Generator) -> None:
    """The trace's pivots are not constants: a replay at a matrix that pivots differently is right."""
    lu_factor, lu_solve = op("linalg.lu_factor"), op("linalg.lu_solve")
    b = rng.standard_normal(3)

    def f(a: Any) -> Any:
        return nt.reduce_sum(lu_solve(lu_factor(a), b) ** 2)

    g = nt.function(f)
    first = np.array([[3.0, 0.1, 0.2], [0.1, 2.0, 0.3], [0.2, 0.3, 4.0]])  # no interchanges
    g.value_and_grad(first)
    second = np.array([[0.1, 2.0, 0.3], [3.0, 0.1, 0.2], [0.2, 4.0, 0.3]])  # row interchanges
    value, gradient = g.value_and_grad(second)
    x = np.linalg.solve(second, b)
    np.testing.assert_allclose(value, np.sum(x**2), rtol=1e-12)
    np.testing.assert_allclose(gradient, -np.outer(np.linalg.solve(second.T, 2 * x), x), rtol=1e-10)


def test_hessian_and_jacobian_of_a_trace_with_a_handoff_are_the_eager_ones(rng: np.random.Generator) -> None:
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    g = nt.function(lambda t: op("linalg.slogdet")(t)[1])
    b = np.linalg.inv(a)
    np.testing.assert_allclose(g.hessian(a), -np.einsum("li,jk->ijkl", b, b), rtol=1e-10, atol=1e-12)
    jac = nt.function(lambda t: op("linalg.inv")(t)).jacobian(a)
    np.testing.assert_allclose(jac, -np.einsum("ik,lj->ijkl", b, b), rtol=1e-10, atol=1e-12)


def test_trace_refusals_name_the_handed_off_ops(rng: np.random.Generator) -> None:
    g = nt.function(lambda t: nt.reduce_sum(op("linalg.inv")(t)))
    with pytest.raises(TypeError, match=r"'linalg\.inv'"):
        g.compiled_value_and_grad(np.eye(2) * 2)


# -- eigh ------------------------------------------------------------------------------------------
def symmetric(rng: np.random.Generator, eigenvalues: list[float]) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return (q * np.array(eigenvalues)) @ q.T


def test_eigh_gradient_does_not_depend_on_the_eigenvector_signs(rng: np.random.Generator) -> None:
    """A loss invariant to each eigenvector's sign gets the gradient of the sign-free function."""
    a = symmetric(rng, [1.0, 2.5, 4.0])
    w = rng.standard_normal((3, 3))

    def loss(t: Any) -> Any:
        vals, vecs = op("linalg.eigh")(t)
        return nt.reduce_sum((vecs * vecs) * w) + nt.reduce_sum(vals**2)

    (g,) = grad(loss, a)

    def reference(m: np.ndarray) -> float:
        vals, vecs = np.linalg.eigh(m)
        return float(np.sum(vecs**2 * w) + np.sum(vals**2))

    e = rng.standard_normal((3, 3))
    h = 1e-6
    numeric = (reference(a + h * e) - reference(a - h * e)) / (2 * h)
    np.testing.assert_allclose(np.sum(g * e), numeric, rtol=1e-6)
    assert np.all(np.triu(g, 1) == 0.0)  # LAPACK reads the lower triangle


def test_eigenvalue_gradients_stay_finite_at_degenerate_eigenvalues(rng: np.random.Generator) -> None:
    a = symmetric(rng, [1.0, 1.0, 3.0])
    weights = np.array([0.5, 0.5, 2.0])  # equal weights on the repeated pair: a true derivative
    (g,) = grad(lambda t: nt.reduce_sum(op("linalg.eigvalsh")(t) * weights), a)
    vals, vecs = np.linalg.eigh(a)
    m = (vecs * weights) @ vecs.T
    np.testing.assert_allclose(g, np.tril(m) + np.tril(m.T, -1), rtol=1e-10, atol=1e-12)
    (g2,) = grad(lambda t: nt.reduce_sum(op("linalg.eigh")(t)[0] * weights), a)  # eigh, vectors unused
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-14)


def test_eigenvector_gradients_at_degenerate_eigenvalues_are_not_finite(rng: np.random.Generator) -> None:
    a = np.diag([1.0, 1.0, 3.0])
    w = rng.standard_normal((3, 3))
    with np.errstate(all="ignore"):
        (g,) = grad(lambda t: nt.reduce_sum(op("linalg.eigh")(t)[1] * w), a)
    assert not np.all(np.isfinite(g))


def test_eigenvector_gradients_near_degenerate_eigenvalues_match_differences(rng: np.random.Generator) -> None:
    a = symmetric(rng, [1.0, 1.0 + 1e-3, 3.0])
    w = rng.standard_normal((3, 3))

    def loss(t: Any) -> Any:
        return nt.reduce_sum(op("linalg.eigh")(t)[1] ** 2 * w)

    check_grads(loss, a, order=1, rng=rng, eps=1e-8, rtol=1e-4, atol=1e-6)


def test_eigh_of_a_batch_is_the_loop(rng: np.random.Generator) -> None:
    a = np.stack([symmetric(rng, [1.0, 2.0, 4.0]) for _ in range(3)])
    w = rng.standard_normal((3, 3, 3))
    (batched,) = grad(lambda t: nt.reduce_sum(op("linalg.eigh")(t)[1] ** 2 * w), a)
    for k in range(3):
        (single,) = grad(lambda t: nt.reduce_sum(op("linalg.eigh")(t)[1] ** 2 * w[k]), a[k])
        np.testing.assert_allclose(batched[k], single, rtol=1e-10, atol=1e-12)


# -- svd -------------------------------------------------------------------------------------------
def test_tensorflow_svd_returns_s_u_v_with_v_not_transposed(rng: np.random.Generator) -> None:
    a = rng.standard_normal((4, 3))
    s, u, v = op("linalg.svd")(nt.constant(a))
    assert s.shape == (3,) and u.shape == (4, 3) and v.shape == (3, 3)
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ v.numpy().T, a, atol=1e-12)
    numpy_result = op("numpy.linalg.svd")(nt.constant(a), full_matrices=False)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(numpy_result.Vh.numpy().T), atol=1e-12)
    only_s = op("linalg.svd")(nt.constant(a), compute_uv=False)
    np.testing.assert_allclose(only_s.numpy(), s.numpy(), rtol=1e-12)


def test_singular_value_gradient_is_u_v_transpose(rng: np.random.Generator) -> None:
    a = rng.standard_normal((4, 3))
    (g,) = grad(lambda t: nt.reduce_sum(op("numpy.linalg.svd")(t, compute_uv=False)), a)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(g, u @ vh, rtol=1e-10, atol=1e-12)


def test_nuclear_norm_gradient_is_finite_at_repeated_singular_values() -> None:
    a = np.diag([2.0, 2.0, 1.0])
    (g,) = grad(lambda t: op("numpy.linalg.norm")(t, "nuc"), a)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)


def test_singular_vector_gradients_at_repeated_singular_values_are_not_finite(rng: np.random.Generator) -> None:
    a = np.diag([2.0, 2.0, 1.0])
    w = rng.standard_normal((3, 3))
    with np.errstate(all="ignore"):
        (g,) = grad(lambda t: nt.reduce_sum(op("numpy.linalg.svd")(t)[0] * w), a)
    assert not np.all(np.isfinite(g))


def test_full_matrices_of_a_rectangular_matrix_have_no_vector_derivative(rng: np.random.Generator) -> None:
    a = rng.standard_normal((4, 2))
    with pytest.raises(ValueError, match=r"linalg\.svd: U and Vh of full_matrices=True"):
        grad(lambda t: nt.reduce_sum(op("numpy.linalg.svd")(t)[0]), a)
    (g,) = grad(lambda t: nt.reduce_sum(op("numpy.linalg.svd")(t)[1]), a)  # S alone is fine
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(g, u @ vh, rtol=1e-10, atol=1e-12)


def test_numpy_svd_dispatches_and_records(rng: np.random.Generator) -> None:
    a = rng.standard_normal((3, 3))
    t = nt.constant(a)
    with nt.GradientTape() as tape:
        tape.watch(t)
        u, s, vh = np.linalg.svd(t)
        y = nt.reduce_sum(s)
    np.testing.assert_allclose(tape.gradient(y, t).numpy(), np.linalg.svd(a)[0] @ np.linalg.svd(a)[2], atol=1e-12)


# -- pinv, lstsq, qr ------------------------------------------------------------------------------
def test_pinv_of_a_rank_deficient_matrix_has_no_derivative() -> None:
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(op("linalg.pinv")(nt.constant(a)).numpy(), np.linalg.pinv(a), atol=1e-12)
    with pytest.raises(ValueError, match=r"linalg\.pinv: the matrix of shape \(3, 2\) is rank-deficient"):
        grad(lambda t: nt.reduce_sum(op("linalg.pinv")(t)), a)


def test_qr_refuses_derivatives_of_wide_matrices(rng: np.random.Generator) -> None:
    with pytest.raises(ValueError, match=r"linalg\.qr: the derivative needs m >= n"):
        grad(lambda t: nt.reduce_sum(op("linalg.qr")(t).R), rng.standard_normal((2, 3)))


def test_qr_accepts_tensorflow_full_matrices(rng: np.random.Generator) -> None:
    a = rng.standard_normal((4, 2))
    q, r = op("linalg.qr")(nt.constant(a), full_matrices=True)
    assert q.shape == (4, 4) and r.shape == (4, 2)
    q2, r2 = op("linalg.qr")(nt.constant(a), False)
    assert q2.shape == (4, 2) and r2.shape == (2, 2)


def test_qr_gradient_of_r_against_differences_for_a_tall_batch(rng: np.random.Generator) -> None:
    a = rng.standard_normal((2, 5, 3))
    check_grads(lambda t: op("linalg.qr")(t).Q[..., 0, :] + nt.reduce_sum(op("linalg.qr")(t).R, axis=-1), a,
                order=2, rng=rng)


def test_lstsq_solution_gradient_matches_normal_equations(rng: np.random.Generator) -> None:
    a = rng.standard_normal((5, 2))
    b = rng.standard_normal(5)
    w = rng.standard_normal(2)
    numpy_lstsq, tf_lstsq = op("numpy.linalg.lstsq"), op("linalg.lstsq")
    ga, gb = grad(lambda s, t: nt.reduce_sum(numpy_lstsq(s, t)[0] * w), a, b)
    ta, tb = grad(lambda s, t: nt.reduce_sum(tf_lstsq(s, nt.reshape(t, (5, 1))) * w[:, None]), a, b)
    np.testing.assert_allclose(ga, ta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gb, tb, rtol=1e-9, atol=1e-12)


# -- norms, expm ------------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [None, 2, 1, np.inf])
def test_vector_norm_gradient_at_zero_is_finite(ord: Any) -> None:
    (g,) = grad(lambda t: op("numpy.linalg.norm")(t, ord), np.zeros(3))
    assert np.all(np.isfinite(g))


def test_norm_of_order_zero_is_a_count_without_gradient() -> None:
    t = nt.constant(np.array([1.0, 0.0, -2.0]))
    with nt.GradientTape() as tape:
        tape.watch(t)
        y = op("numpy.linalg.norm")(t, 0)
    assert y.numpy() == 2.0
    g = tape.gradient(y, t, unconnected_gradients="zero")
    assert np.all(g.numpy() == 0.0)


def test_norm_refuses_invalid_orders() -> None:
    with pytest.raises(ValueError, match=r"linalg\.norm: invalid norm order 'fro' for vectors"):
        op("numpy.linalg.norm")(nt.constant(np.ones(3)), "fro")
    with pytest.raises(ValueError, match=r"linalg\.norm: invalid norm order 3 for matrices"):
        op("numpy.linalg.norm")(nt.constant(np.ones((2, 2))), 3)


def test_expm_gradient_of_a_diagonal_matrix_is_the_exponential() -> None:
    """For diagonal A, d sum(expm(A)) / dA_ii = exp(a_i); off-diagonal entries get the divided difference."""
    a = np.diag([0.5, -1.0])
    (g,) = grad(lambda t: nt.reduce_sum(op("linalg.expm")(t)), a)
    divided = (np.exp(0.5) - np.exp(-1.0)) / 1.5
    np.testing.assert_allclose(g, [[np.exp(0.5), divided], [divided, np.exp(-1.0)]], rtol=1e-12)


def test_tensorflow_matmul_refuses_transpose_and_adjoint_together() -> None:
    with pytest.raises(ValueError, match=r"linalg\.matmul: only one of transpose and adjoint"):
        op("linalg.matmul")(nt.constant(np.eye(2)), nt.constant(np.eye(2)), transpose_a=True, adjoint_a=True)
