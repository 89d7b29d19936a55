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
