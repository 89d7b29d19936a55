"""Sparse Jacobians by coloring (issue 13, item 2): ``g.jacobian(x, sparse=True)``.

The sparse result must equal the dense ``g.jacobian``, itself checked here against
central finite differences; the structural pattern must contain every nonzero at every
input (not only the traced one); banded problems need few colors; a dense row (a sum)
is handled by row coloring; custom gradients and non-finite sweeps take the dense path.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse
from hypothesis import given
from hypothesis import strategies as st

import numtape as nt
from numtape.function.sparse_jacobian import plan
from numtape.ops.primitives import scatter_add_flat

from .test_fuzz import fuzz_settings

pytestmark = pytest.mark.filterwarnings("ignore::numtape.TraceFallbackWarning")


def _central_differences(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = eps
        plus = np.asarray(f(x + e.reshape(x.shape)), np.float64).reshape(-1)
        minus = np.asarray(f(x - e.reshape(x.shape)), np.float64).reshape(-1)
        columns.append((plus - minus) / (2 * eps))
    return np.stack(columns, axis=1)


def _value(f):
    return lambda x: f(nt.constant(x)).numpy()  # eagerly


def _pad1(v):
    z = np.zeros(1)
    return nt.concat([z, v, z], 0)


def tridiagonal(x):
    w = _pad1(x)
    return w[:-2] - 2.0 * w[1:-1] + w[2:] + nt.sin(x) * x


def laplacian_2d(u, n):
    grid = nt.reshape(u, (n, n))
    zc, zr = np.zeros((n, 1)), np.zeros((1, n + 2))
    p = nt.concat([zr, nt.concat([zc, grid, zc], 1), zr], 0)
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * grid
    return nt.reshape(lap - 0.1 * grid ** 3, (-1,))


def _check(g, x, *args, rtol=1e-12, **kwargs):
    sparse = g.jacobian(x, *args, sparse=True, **kwargs)
    dense = np.asarray(g.jacobian(x, *args, **kwargs))
    assert scipy.sparse.isspmatrix_csr(sparse) or isinstance(sparse, scipy.sparse.csr_array)
    dense = dense.reshape(sparse.shape)
    np.testing.assert_allclose(sparse.toarray(), dense, rtol=rtol, atol=rtol)
    pattern = g.jacobian_sparsity(x, *args, **kwargs).toarray()
    assert pattern.dtype == bool and not np.any((dense != 0) & ~pattern), "a nonzero outside the pattern"
    return sparse, dense


@pytest.mark.parametrize("n", [3, 10, 200])
def test_tridiagonal_needs_three_colors_for_any_size(n, rng) -> None:
    g = nt.function(tridiagonal)
    x = rng.standard_normal(n)
    sparse, dense = _check(g, x)
    p = plan(g.get_compiled(x), [0])
    assert p.n_colors == 3 and p.mode == "forward"
    assert sparse.nnz == 3 * n - 2
    if n <= 10:
        np.testing.assert_allclose(dense, _central_differences(_value(tridiagonal), x), rtol=1e-6, atol=1e-8)


def test_2d_laplacian_against_finite_differences_and_few_colors(rng) -> None:
    g = nt.function(laplacian_2d, static_argnums=1)
    for n in (6, 40):
        u = rng.standard_normal(n * n)
        sparse, dense = _check(g, u, n)
        assert sparse.nnz == 5 * n * n - 4 * n
        assert plan(g.get_compiled(u, n), [0]).n_colors <= 8
    u = rng.standard_normal(36)
    fd = _central_differences(lambda v: g(v, 6).numpy(), u)
    np.testing.assert_allclose(g.jacobian(u, 6, sparse=True).toarray(), fd, rtol=1e-6, atol=1e-7)


def test_pattern_is_structural_replays_at_other_points(rng) -> None:
    def f(x):  # relu is zero at the traced point's negative entries: the pattern must not be
        return nt.relu(_pad1(x)[2:] * x) + nt.maximum(x, 0.5)

    g = nt.function(f)
    x0 = -np.abs(rng.standard_normal(8)) - 1.0
    _check(g, x0)
    for _ in range(3):
        x = rng.standard_normal(8)
        sparse, dense = _check(g, x)
        np.testing.assert_allclose(dense, _central_differences(_value(f), x), rtol=1e-6, atol=1e-8)


def test_float32_stays_float32(rng) -> None:
    g = nt.function(tridiagonal)
    x = rng.standard_normal(12).astype(np.float32)
    sparse, dense = _check(g, x, rtol=1e-5)
    assert sparse.dtype == np.float32
    assert g.jacobian_sparsity(x).shape == (12, 12)


def test_branches_each_use_their_trace_and_pattern(rng) -> None:
    def f(x):
        w = _pad1(x)
        if nt.reduce_sum(x) > 0:
            return w[:-2] * w[1:-1]  # lower bidiagonal
        return w[1:-1] * w[2:] * w[2:]  # upper bidiagonal

    g = nt.function(f)
    up = np.abs(rng.standard_normal(7)) + 0.1
    down = -up
    s_up, _ = _check(g, up)
    s_down, _ = _check(g, down)
    assert not np.any(np.triu(s_up.toarray(), 1)) and not np.any(np.tril(s_down.toarray(), -1))
    assert not np.any(np.triu(g.jacobian_sparsity(up).toarray(), 1))
    assert not np.any(np.tril(g.jacobian_sparsity(down).toarray(), -1))
    _check(g, up * 2.0)  # the first branch again, replayed
    for x in (up, down):
        np.testing.assert_allclose(g.jacobian(x, sparse=True).toarray(), _central_differences(_value(f), x),
                                   rtol=1e-6, atol=1e-8)


def test_argnums_gives_one_matrix_per_argument(rng) -> None:
    def f(x, y):
        return _pad1(x)[2:] * y + nt.exp(y) * x

    g = nt.function(f)
    x, y = rng.standard_normal(6), rng.standard_normal(6)
    jx, jy = g.jacobian(x, y, argnums=(0, 1), sparse=True)
    dx, dy = g.jacobian(x, y, argnums=(0, 1))
    np.testing.assert_allclose(jx.toarray(), dx, rtol=1e-12)
    np.testing.assert_allclose(jy.toarray(), dy, rtol=1e-12)
    np.testing.assert_allclose(dy, _central_differences(lambda v: f(x, v).numpy(), y), rtol=1e-6, atol=1e-8)
    assert jy.nnz == 6  # diagonal in y
    np.testing.assert_allclose(g.jacobian(x, y, argnums=1, sparse=True).toarray(), dy, rtol=1e-12)
    px, py = g.jacobian_sparsity(x, y, argnums=(0, 1))
    assert px.nnz == 11 and py.nnz == 6
    with pytest.raises(TypeError, match="must be one array"):
        nt.function(lambda d: d["a"] * d["b"]).jacobian({"a": x, "b": y}, sparse=True)


def test_a_dense_row_is_colored_by_rows(rng) -> None:
    def f(x):
        return nt.concat([tridiagonal(x), nt.reshape(nt.reduce_sum(x * x), (1,))], 0)

    g = nt.function(f)
    x = rng.standard_normal(50)
    sparse, dense = _check(g, x)
    p = plan(g.get_compiled(x), [0])
    assert p.mode == "reverse" and p.n_colors <= 6, (p.mode, p.n_colors)
    assert sparse.shape == (51, 50)
    np.testing.assert_allclose(dense[-1], 2 * x, rtol=1e-12)


def test_custom_gradient_takes_the_dense_path(rng) -> None:
    @nt.custom_gradient
    def double(x):
        return 2.0 * x, lambda dy: 2.0 * dy

    g = nt.function(lambda x: double(tridiagonal(x)))
    x = rng.standard_normal(5)
    sparse = g.jacobian(x, sparse=True)
    np.testing.assert_allclose(sparse.toarray(), 2 * nt.function(tridiagonal).jacobian(x), rtol=1e-12)
    assert g.jacobian_sparsity(x).toarray().all()  # unknown: every entry may be nonzero


def test_non_finite_sweeps_take_the_dense_path() -> None:
    g = nt.function(lambda x: nt.sqrt(x) * _pad1(x)[2:])
    x = np.array([0.0, 1.0, 4.0, 0.0])
    sparse = g.jacobian(x, sparse=True)
    dense = g.jacobian(x)
    np.testing.assert_array_equal(sparse.toarray(), dense)
    assert not np.all(np.isfinite(dense))


def test_constant_output_and_nt_jacobian_and_inside_a_tape(rng) -> None:
    x = rng.standard_normal(4)
    zero = nt.function(lambda v: np.ones(3)).jacobian(x, sparse=True)
    assert zero.shape == (3, 4) and zero.nnz == 0
    assert nt.function(lambda v: np.ones(3)).jacobian_sparsity(x).nnz == 0
    jac = nt.jacobian(tridiagonal, sparse=True)
    np.testing.assert_allclose(jac(x).toarray(), nt.jacobian(tridiagonal)(x), rtol=1e-12)
    np.testing.assert_allclose(jac(x * 2).toarray(), nt.jacobian(tridiagonal)(x * 2), rtol=1e-12)
    g = nt.function(tridiagonal)
    with nt.GradientTape():
        inside = g.jacobian(x, sparse=True)
    np.testing.assert_allclose(inside.toarray(), g.jacobian(x), rtol=1e-12)


def _broyden_tridiagonal(x):
    w = _pad1(x)
    return (3.0 - 2.0 * x) * x - w[:-2] - 2.0 * w[2:] + 1.0


def test_least_squares_broyden_tridiagonal_converges() -> None:
    g = nt.function(_broyden_tridiagonal)
    x0 = -np.ones(500)
    result = scipy.optimize.least_squares(lambda x: g(x).numpy(), x0, jac=lambda x: g.jacobian(x, sparse=True),
                                          jac_sparsity=g.jacobian_sparsity(x0), tr_solver="lsmr", xtol=1e-14,
                                          ftol=1e-14, gtol=1e-14)
    assert result.success and np.max(np.abs(result.fun)) < 1e-10
    assert np.max(np.abs(_broyden_tridiagonal(result.x).numpy())) < 1e-10  # eagerly, too


def test_least_squares_2d_pde_finds_the_manufactured_solution(rng) -> None:
    n = 20
    exact = np.sin(np.linspace(0, np.pi, n * n))
    forcing = laplacian_2d(exact, n).numpy()

    g = nt.function(lambda u: laplacian_2d(u, n) - forcing)
    u0 = np.zeros(n * n)
    result = scipy.optimize.least_squares(lambda u: g(u).numpy(), u0, jac=lambda u: g.jacobian(u, sparse=True),
                                          jac_sparsity=g.jacobian_sparsity(u0), tr_solver="lsmr", xtol=1e-15,
                                          ftol=1e-15, gtol=1e-15)
    np.testing.assert_allclose(result.x, exact, atol=1e-8)


# ---------------------------------------------------------------------------
# Random sparse programs
# ---------------------------------------------------------------------------
SMOOTH_STEPS = ["stencil", "sin", "square", "gather", "partial_sum", "grid", "scatter", "matmul", "exp"]
KINKED_STEPS = ["relu", "maximum", "where", "column_max"]


def _step(name, v, n, p):
    if name == "stencil":
        w = _pad1(v)
        c = [float(v) for v in p[0]]
        return c[0] * w[:-2] + c[1] * w[1:-1] + c[2] * w[2:]
    if name == "sin":
        return nt.sin(v) + v
    if name == "square":
        return v * v - v
    if name == "exp":
        return nt.exp(0.3 * v)
    if name == "gather":
        return nt.gather(v, p[3])
    if name == "partial_sum":
        return v + 0.1 * nt.reduce_sum(v[: max(1, n // 3)]) * v
    if name == "grid":
        a = p[4]
        m = nt.reshape(v, (a, n // a))
        m = m * nt.reshape(v[: n // a], (1, n // a)) + nt.reduce_sum(m, axis=1, keepdims=True)
        return nt.reshape(m + 0.5 * nt.reduce_sum(m * m, axis=0, keepdims=True), (-1,))
    if name == "column_max":
        m = nt.reshape(v, (p[4], n // p[4]))
        return nt.reshape(m - nt.reduce_max(m, axis=0), (-1,))
    if name == "scatter":  # out[idx[k]] += v[k], and a reversal
        return v[::-1] + scatter_add_flat(v, p[3], (n,))
    if name == "matmul":
        return nt.matmul(p[5], nt.reshape(v, (n, 1)))[:, 0] * 0.5
    if name == "relu":
        return nt.relu(v - 0.2)
    if name == "maximum":
        return nt.maximum(v, _pad1(v)[2:])
    return nt.where(v > 0.0, v * 2.0, _pad1(v)[:-2])


@st.composite
def programs(draw):
    n = draw(st.sampled_from([4, 6, 8, 9, 12]))
    steps = draw(st.lists(st.sampled_from(SMOOTH_STEPS + KINKED_STEPS), min_size=1, max_size=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    divisors = [a for a in range(2, n) if n % a == 0]
    band = np.triu(np.tril(rng.standard_normal((n, n)), 1), -1)
    params = (rng.standard_normal(3), rng.integers(0, n, n), None, rng.integers(0, n, n),
              int(rng.choice(divisors)), band)
    dense_row = draw(st.booleans())
    return n, steps, params, dense_row, rng.standard_normal((3, n))


@given(programs())
@fuzz_settings(30)
def test_random_sparse_programs_equal_the_dense_jacobian(program) -> None:
    n, steps, params, dense_row, points = program

    def f(x):
        v = x
        for name in steps:
            v = _step(name, v, n, params)
        if dense_row:
            v = nt.concat([v, nt.reshape(nt.reduce_sum(v), (1,))], 0)
        return v

    g = nt.function(f)
    for x in points:
        sparse, dense = _check(g, x, rtol=1e-10)
        if not set(steps) & set(KINKED_STEPS):
            fd = _central_differences(_value(f), x)
            np.testing.assert_allclose(dense, fd, rtol=1e-5, atol=1e-6 * (1 + np.abs(fd).max()))
