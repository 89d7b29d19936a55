"""einsum beyond the generated cases: the contraction is lowered to matmuls, integer operands,
NumPy's sublist form and explicit paths, and errors that name einsum."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import sweep as K
from numtape.testing import check_grads


def _recorded(f, *arrays):
    ts = [nt.constant(a) for a in arrays]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    b = tape._tape.buffers
    return y, (b.code[: b.n] & K.CODE_MASK), b.arena_size


def test_a_chain_is_contracted_pairwise_as_matmuls_not_one_broadcast(rng) -> None:
    a, b, c = rng.standard_normal((30, 40)), rng.standard_normal((40, 50)), rng.standard_normal((50, 3))
    y, codes, arena = _recorded(lambda x, y, z: nt.einsum("ij,jk,kl->il", x, y, z), a, b, c)
    np.testing.assert_allclose(y.numpy(), a @ b @ c, rtol=1e-12)
    assert int(np.sum(codes == K.OP_MATMUL)) == 2
    # greedy contracts b @ c first (40x3), then a @ (bc): nothing near the 30*40*50*3 broadcast
    assert arena < 30 * 40 + 40 * 50 + 50 * 3 + 2 * 40 * 3 + 30 * 3 + 1000


def test_batched_contraction_is_one_matmul(rng) -> None:
    a, b = rng.standard_normal((5, 3, 4)), rng.standard_normal((5, 4, 2))
    y, codes, _ = _recorded(lambda x, y: nt.einsum("bij,bjk->bik", x, y), a, b)
    np.testing.assert_allclose(y.numpy(), a @ b, rtol=1e-12)
    assert int(np.sum(codes == K.OP_MATMUL)) == 1


def test_integer_operands_are_converted_to_float() -> None:
    a = np.arange(6).reshape(2, 3)
    b = np.arange(12).reshape(3, 4)
    y = nt.einsum("ij,jk->ik", a, b)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), np.einsum("ij,jk->ik", a, b))
    np.testing.assert_array_equal(nt.einsum("ii", np.arange(9).reshape(3, 3)).numpy(), 12.0)


def test_numpy_dispatch_sublists_and_explicit_paths(rng) -> None:
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    expected = np.einsum("ij,jk->ik", a, b)
    np.testing.assert_allclose(np.einsum("ij,jk->ik", nt.constant(a), b).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(nt.einsum(a, [0, 1], b, [1, 2], [0, 2]).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(nt.einsum(a, [0, Ellipsis], b, [Ellipsis, 2]).numpy(),
                               np.einsum(a, [0, Ellipsis], b, [Ellipsis, 2]), rtol=1e-12)
    path = np.einsum_path("ij,jk->ik", a, b, optimize="greedy")[0]
    np.testing.assert_allclose(nt.einsum("ij,jk->ik", a, b, optimize=path).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(nt.einsum("i j , j k -> i k", a, b).numpy(), expected, rtol=1e-12)


def test_trace_gradient_is_the_identity_and_diagonal_scatters(rng) -> None:
    x = nt.constant(rng.standard_normal((3, 3)))
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        t = nt.einsum("ii", x)
        d = nt.einsum("ii->i", x)
    np.testing.assert_array_equal(tape.gradient(t, x).numpy(), np.eye(3))
    np.testing.assert_array_equal(tape.gradient(d, x, output_gradients=nt.constant([1.0, 2.0, 3.0])).numpy(),
                                  np.diag([1.0, 2.0, 3.0]))


def test_four_operands_match_finite_differences(rng) -> None:
    shapes = [(2, 3), (3, 4), (4,), (2, 5)]
    check_grads(lambda a, b, c, d: nt.einsum("ij,jk,k,il->l", a, b, c, d),
                *[rng.standard_normal(s) for s in shapes], order=2, rng=rng)


@pytest.mark.parametrize("args, match", [
    (("ij,jk", np.ones((2, 3))), "2 operands, 1 given"),
    (("ij,jk", np.ones((2, 3)), np.ones((4, 5))), "label 'j' has sizes 3 and 4"),
    (("ij->k", np.ones((2, 3))), "output label 'k'"),
    (("i1", np.ones((2, 3))), "invalid subscript '1'"),
    (("ijk", np.ones((2, 3))), "3 labels for operand 0 of rank 2"),
    (("ii", np.ones((2, 3))), "label 'i' has sizes 2 and 3"),
    (("ii", np.ones((1, 3))), "repeated label 'i' has sizes"),
    (("ij->ii", np.ones((2, 2))), "repeat a label"),
])
def test_errors_name_einsum(args, match) -> None:
    with pytest.raises(ValueError, match=r"numtape\.einsum: .*" + match):
        nt.einsum(*args)


def test_options_that_a_tensor_cannot_honour_are_refused() -> None:
    with pytest.raises(ValueError, match=r"numtape\.einsum: out= and dtype="):
        nt.einsum("i->", np.ones(3), dtype=np.float32)
    with pytest.raises(TypeError, match=r"numtape\.einsum"):
        nt.einsum()
