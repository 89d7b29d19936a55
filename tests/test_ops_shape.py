"""Shape ops and indexing: values against NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

X = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize(
    "key",
    [0, -1, (1, 2), (1, 2, 3), slice(None), (slice(None), 1), (..., 2), (slice(None), slice(1, 3), slice(None, None, 2)),
     (None, 0), [1, 0], (0, [2, 2, 0]), np.array([True, False]), (slice(None, None, -1),), (1, slice(None), 0)],
    ids=str,
)
def test_indexing_matches_numpy(key) -> None:
    np.testing.assert_array_equal(nt.constant(X)[key].numpy(), X[key])


def test_index_errors() -> None:
    with pytest.raises(IndexError):
        nt.constant([1.0, 2.0])[2]
    with pytest.raises(IndexError):
        nt.constant(X)[5]


def test_shape_ops_match_numpy() -> None:
    t = nt.constant(X)
    np.testing.assert_array_equal(nt.reshape(t, (4, -1)).numpy(), X.reshape(4, -1))
    np.testing.assert_array_equal(nt.transpose(t, (1, 2, 0)).numpy(), X.transpose(1, 2, 0))
    np.testing.assert_array_equal(nt.transpose(t).numpy(), X.T)
    np.testing.assert_array_equal(t.T.numpy(), X.T)
    np.testing.assert_array_equal(nt.expand_dims(t, -1).numpy(), X[..., None])
    np.testing.assert_array_equal(nt.squeeze(nt.constant(np.ones((1, 3, 1)))).numpy(), np.ones(3))
    np.testing.assert_array_equal(nt.broadcast_to(nt.constant([[1.0], [2.0]]), (3, 2, 4)).numpy(),
                                  np.broadcast_to([[1.0], [2.0]], (3, 2, 4)))
    np.testing.assert_array_equal(nt.tile(t, (1, 2, 1)).numpy(), np.tile(X, (1, 2, 1)))
    np.testing.assert_array_equal(nt.gather(t, [1, 1, 0], axis=1).numpy(), np.take(X, [1, 1, 0], axis=1))
    np.testing.assert_array_equal(nt.concat([t, t], axis=2).numpy(), np.concatenate([X, X], axis=2))
    np.testing.assert_array_equal(nt.stack([t, t], axis=-1).numpy(), np.stack([X, X], axis=-1))


def test_shape_errors_name_the_op_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3, 4\)"):
        nt.reshape(nt.constant(X), (5, 5))
    with pytest.raises(ValueError, match="broadcast_to"):
        nt.broadcast_to(nt.constant(X), (3, 3, 4))
    with pytest.raises(ValueError, match="concat"):
        nt.concat([nt.constant(X), nt.ones((2, 2, 4))], axis=2)
    with pytest.raises(ValueError, match="stack"):
        nt.stack([nt.ones(2), nt.ones(3)])
    with pytest.raises(ValueError, match="gather"):
        nt.gather(nt.ones(3), [3])
    with pytest.raises(ValueError, match="transpose"):
        nt.transpose(nt.constant(X), (0, 1))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("index, shape", [((), ()), (Ellipsis, ()), (None, (1,)), ((None, Ellipsis, None), (1, 1)),
                                          (np.True_, (1,)), (np.False_, (0,))])
def test_indexing_a_scalar_tensor_is_differentiable(index, shape, dtype) -> None:
    """Found by fuzzing: x[()] on a 0-d Tensor raised AttributeError ('float' has no reshape)."""
    a = nt.constant(2.0, dtype=dtype)
    with nt.GradientTape() as outer:
        outer.watch(a)
        with nt.GradientTape() as tape:
            tape.watch(a)
            picked = a[index]
            y = nt.reduce_sum(picked * a * 3.0)  # 3 a**2 when picked, else 0
        g = tape.gradient(y, a)
    assert picked.shape == shape and picked.dtype == np.dtype(dtype)
    expected = 12.0 if shape != (0,) else 0.0
    assert g.numpy() == expected and outer.gradient(g, a).numpy() == expected / 2.0
    with pytest.raises(IndexError, match=r"getitem: too many indices.*shape \(\)"):
        a[0]


def test_tiling_a_scalar_tensor_is_differentiable() -> None:
    """Found by fuzzing: nt.tile(scalar, ()) raised AttributeError."""
    a = nt.constant(2.0)
    with nt.GradientTape() as tape:
        tape.watch(a)
        y = nt.tile(a, ()) * a
    assert y.numpy() == 4.0 and tape.gradient(y, a).numpy() == 4.0


def test_shape_ops_of_lists_holding_tensors_are_differentiated() -> None:
    x = nt.constant(2.0)
    with nt.GradientTape(persistent=True) as tape:
        tape.watch(x)
        flat = nt.reshape([[x, 1.0], [x * x, 3.0]], (4,))
        flipped = nt.transpose([[x, 1.0]])
        joined = nt.concat([[x, x], np.array([5.0]), (x * 3.0,)], 0)
        piece = nt.convert_to_tensor([x, 2 * x])[1]
        sums = [nt.reduce_sum(t) for t in (flat, flipped, joined)]
    np.testing.assert_array_equal(flat.numpy(), [2.0, 1.0, 4.0, 3.0])
    np.testing.assert_array_equal(joined.numpy(), [2.0, 2.0, 5.0, 6.0])
    assert flipped.shape == (2, 1)
    # d/dx of x + 1 + x^2 + 3, of x + 1, of 2x + 5 + 3x, of 2x
    assert [tape.gradient(s, x).numpy() for s in sums + [piece]] == [1 + 2 * 2.0, 1.0, 5.0, 2.0]
