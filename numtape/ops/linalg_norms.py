"""Norms and matrix functions: norm (NumPy's every ord, TensorFlow's), matrix_power, multi_dot, expm.

``norm`` is composed of other ops, so its derivative is theirs: the 2-norm and Frobenius
norm are ``nt.norm`` (gradient x / ||x||, 0 where the norm is 0: a subgradient); ``1``,
``inf`` and their negatives are sums and max/min of ``abs`` (at a tie of maxima the gradient
goes as ``reduce_max`` sends it, at an entry 0 abs's subgradient 0); other ``p`` are
``sum(|x|^p)^(1/p)``; ``0`` counts nonzero entries (data, no gradient); ``'nuc'``, ``2`` and
``-2`` of matrices are the sum, the largest and the smallest singular value (the SVD rule on
the singular values alone: finite also at repeated singular values, where the spectral norm
has a kink and the rule gives LAPACK's singular vectors' derivative). ``matrix_power`` is
repeated squaring (negative powers invert first), ``multi_dot`` a chain of ``matmul`` in the
cheapest order, both recorded as matmuls. ``expm`` is SciPy's (a hand-off) with the adjoint
Frechet derivative as its VJP, by the block-matrix identity
``expm([[A^T, G], [0, A^T]]) = [[e^(A^T), L(A^T, G)], [0, e^(A^T)]]`` (Najfeld and Havel;
JAX's expm_frechet), whose upper right block is the cotangent; the block expm is itself
recorded, so every order works.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, wrap
from .elementwise import absolute, float_operand, not_equal
from .handoff import handoff
from .linalg import matmul
from .linalg_base import mT, square as square_operand, well_conditioned
from .linalg_solve import inv
from .linalg_spectral import _svd_all
from .reduce import euclidean_norm
from .reduce import reduce_max, reduce_min, reduce_sum
from .registry import Case, composite
from .shape import concat, getitem, normalize_axis, reshape, transpose

_INF = float("inf")


def _vector_norm(t: Tensor, ord: Any, axis: int, keepdims: bool, op: str) -> Tensor:
    if isinstance(ord, str):
        raise op_value_error(op, f"invalid norm order {ord!r} for vectors", t)
    if ord is None or ord == 2:
        return euclidean_norm(t, axis, keepdims)
    if ord == _INF:
        return reduce_max(absolute(t), axis, keepdims)
    if ord == -_INF:
        return reduce_min(absolute(t), axis, keepdims)
    if ord == 0:
        return reduce_sum(not_equal(t, 0.0), axis, keepdims)
    if ord == 1:
        return reduce_sum(absolute(t), axis, keepdims)
    p = float(ord)
    return reduce_sum(absolute(t) ** np.asarray(p, t.dtype), axis, keepdims) ** np.asarray(1.0 / p, t.dtype)


def _matrix_norm(t: Tensor, ord: Any, axes: tuple[int, int], keepdims: bool, op: str) -> Tensor:
    row, col = axes
    if ord is None or ord == "fro":
        return euclidean_norm(t, axes, keepdims)
    kept = tuple(1 if i in axes else d for i, d in enumerate(t.shape))
    if ord in (1, -1, _INF, -_INF) and not isinstance(ord, bool):
        inner, outer = (row, col) if abs(ord) == 1 else (col, row)
        sums = reduce_sum(absolute(t), inner, keepdims=True)
        result = (reduce_max if ord > 0 else reduce_min)(sums, outer, keepdims=True)
    elif ord in ("nuc", 2, -2):
        others = [i for i in range(t.ndim) if i not in axes]
        s = _svd_all(transpose(t, others + [row, col]), False)[1]
        result = reduce_sum(s, -1) if ord == "nuc" else getitem(s, (Ellipsis, 0 if ord == 2 else -1))
    else:
        raise op_value_error(op, f"invalid norm order {ord!r} for matrices", t)
    out = kept if keepdims else tuple(d for i, d in enumerate(t.shape) if i not in axes)
    return result if result.shape == out else reshape(result, out)


def _axes_of(axis: Any, t: Tensor, op: str) -> tuple[int, ...]:
    if isinstance(axis, (int, np.integer)):
        return (normalize_axis(axis, t.ndim, op),)
    try:
        axes = tuple(normalize_axis(a, t.ndim, op) for a in axis)
    except TypeError as error:
        raise op_type_error(op, f"axis must be None, an int or a pair of ints, got {axis!r}", t) from error
    if len(axes) not in (1, 2) or len(set(axes)) != len(axes):
        raise op_value_error(op, f"axis must name one axis or two distinct axes, got {axis!r}", t)
    return axes


def _norm(t: Tensor, ord: Any, axes: tuple[int, ...], keepdims: bool, op: str) -> Tensor:
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims, op)
    return _matrix_norm(t, ord, (axes[0], axes[1]), keepdims, op)


_NORM_CASES = tuple(Case(((5,),), dict(ord=o), orders=0 if o == 0 else 2)
                    for o in (None, 2, 1, -1, np.inf, -np.inf, 0, 3, 0.5, -2)) + tuple(
    Case(((3, 4),), dict(ord=o)) for o in (None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf)) + (
    Case(((2, 3, 4),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(2, 0), ord="nuc", keepdims=True)),
    Case(((2, 3, 4),), dict(axis=(0, 1), ord=1)), Case(((3, 4),), dict(axis=0, ord=np.inf, keepdims=True)),
    Case(((2, 3, 2),)))


@composite("norm", namespace="numpy.linalg", numpy=(np.linalg.norm,), cases=_NORM_CASES,
           convention="every ord NumPy accepts: 2/'fro' give 0 where the norm is 0 (a subgradient); 1, inf and "
                      "their negatives follow abs (0 at 0) and reduce_max/min at ties; ord=0 is a count (no "
                      "gradient); 'nuc', 2 and -2 use the singular values (finite at repeated ones, where 2 and -2 "
                      "have a kink; the sum 'nuc' has one where a singular value is 0)")
def numpy_norm(x: TensorLike, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Vector and matrix norms, as ``np.linalg.norm``."""
    t = float_operand(x, "linalg.norm")
    if axis is None:
        if ord is None:
            return _vector_norm(reshape(t, (-1,)), None, 0, False, "linalg.norm") if not keepdims else \
                reshape(euclidean_norm(t, None, False), (1,) * t.ndim)
        if t.ndim not in (1, 2):
            raise op_value_error("linalg.norm", f"ord={ord!r} with axis=None needs a 1-d or 2-d input, got shape "
                                 f"{t.shape}", t)
        axes = tuple(range(t.ndim))
    else:
        axes = _axes_of(axis, t, "linalg.norm")
    return _norm(t, ord, axes, bool(keepdims), "linalg.norm")


def _tf_norm_reference(x: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Optional[bool] = None) -> Any:
    order = {"euclidean": None, "fro": None}.get(ord, ord) if isinstance(ord, str) else ord
    if axis is None:
        value = np.linalg.norm(np.ravel(x), order)
        return np.reshape(value, (1,) * np.ndim(x)) if keepdims else value
    return np.linalg.norm(x, order, axis if isinstance(axis, int) else tuple(axis), bool(keepdims))


@composite("norm", namespace="linalg", reference=_tf_norm_reference,
           cases=(Case(((2, 3),)), Case(((2, 3),), dict(ord=1)), Case(((4,),), dict(ord=np.inf)),
                  Case(((2, 3, 4),), dict(axis=[1, 2], ord=2)), Case(((3, 4),), dict(axis=(0, 1), ord="fro")),
                  Case(((3, 4),), dict(axis=1, ord=3, keepdims=True)), Case(((2, 3),), dict(keepdims=True))),
           convention="TensorFlow's tf.linalg.norm: axis=None is the norm of all entries as one vector; "
                      "'euclidean' is the 2-norm of vectors and the Frobenius norm of matrices (a 2-tuple axis); "
                      "derivatives as numpy.linalg.norm")
def norm(tensor: TensorLike, ord: Any = "euclidean", axis: Any = None, keepdims: Optional[bool] = None,
         name: Optional[str] = None) -> Tensor:
    """TensorFlow's ``tf.linalg.norm(tensor, ord='euclidean', axis=None, keepdims=None)``."""
    t = float_operand(tensor, "linalg.norm")
    order = None if ord in ("euclidean", "fro") else ord
    if axis is None:
        flat = _vector_norm(reshape(t, (-1,)), order, 0, False, "linalg.norm")
        return reshape(flat, (1,) * t.ndim) if keepdims else flat
    return _norm(t, order, _axes_of(axis, t, "linalg.norm"), bool(keepdims), "linalg.norm")


@composite(namespace="linalg", numpy=(np.linalg.matrix_power,), sample=well_conditioned,
           cases=(Case(((3, 3),), dict(n=3)), Case(((3, 3),), dict(n=0)), Case(((2, 3, 3),), dict(n=2)),
                  Case(((3, 3),), dict(n=-2)), Case(((3, 3),), dict(n=1))),
           convention="repeated squaring with matmul (its derivative is the products'); n < 0 inverts first, so "
                      "a singular matrix raises ValueError; n = 0 gives the identity (no gradient)")
def matrix_power(a: TensorLike, n: int) -> Tensor:
    """``a`` to the integer power ``n`` (batched), as ``np.linalg.matrix_power``."""
    t = square_operand(a, "linalg.matrix_power")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise op_type_error("linalg.matrix_power", f"the exponent must be an integer, got {n!r}", t)
    n = int(n)
    if n == 0:
        return wrap(np.broadcast_to(np.eye(t.shape[-1], dtype=t.dtype), t.shape).copy())
    base = inv(t) if n < 0 else t
    result: Optional[Tensor] = None
    power = abs(n)
    while True:
        if power & 1:
            result = base if result is None else matmul(result, base)
        power >>= 1
        if not power:
            break
        base = matmul(base, base)
    assert result is not None
    return result


def _chain_order(dims: Sequence[int]) -> list[list[int]]:
    """The cheapest split of the chain of matrices with sizes ``dims`` (dynamic programming)."""
    k = len(dims) - 1
    cost = [[0.0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = _INF
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def _chain(ts: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    if i == j:
        return ts[i]
    s = split[i][j]
    return matmul(_chain(ts, split, i, s), _chain(ts, split, s + 1, j))


@composite(namespace="linalg", numpy=(np.linalg.multi_dot,),
           cases=(Case(((2, 3), (3, 4), (4, 2)), pack=lambda *ts: (list(ts),)),
                  Case(((3,), (3, 4), (4,)), pack=lambda *ts: (list(ts),)),
                  Case(((5, 2), (2, 6), (6, 3), (3, 1)), pack=lambda *ts: (list(ts),))),
           convention="a chain of matmul in the cheapest order (its derivative is the products'); a first 1-d "
                      "operand is a row, a last one a column, as NumPy")
def multi_dot(arrays: Sequence[TensorLike], *, out: None = None) -> Tensor:
    """The product of two or more matrices in the cheapest order, as ``np.linalg.multi_dot``."""
    if out is not None:
        raise op_value_error("linalg.multi_dot", "out is not supported on Tensors")
    ts = [float_operand(a, "linalg.multi_dot") for a in arrays]
    if len(ts) < 2:
        raise op_value_error("linalg.multi_dot", f"needs at least two arrays, got {len(ts)}")
    first_vector, last_vector = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vector:
        ts[0] = reshape(ts[0], (1, -1))
    if last_vector:
        ts[-1] = reshape(ts[-1], (-1, 1))
    if any(t.ndim != 2 for t in ts):
        raise op_value_error("linalg.multi_dot", f"needs 2-d arrays (1-d first and last), got shapes "
                             f"{[t.shape for t in ts]}")
    for a, b in zip(ts, ts[1:]):
        if a.shape[1] != b.shape[0]:
            raise op_value_error("linalg.multi_dot", f"shapes {a.shape} and {b.shape} are not aligned")
    dims = [ts[0].shape[0]] + [t.shape[1] for t in ts]
    result = _chain(ts, _chain_order(dims), 0, len(ts) - 1)
    shape = result.shape[1:] if first_vector else result.shape
    shape = shape[:-1] if last_vector else shape
    return result if shape == result.shape else reshape(result, shape)


def _expm_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[Tensor]:
    (g,), (a,) = upstream, inputs
    n = a.shape[-1]
    at = mT(a)
    zeros = wrap(np.zeros(np.broadcast_shapes(a.shape, g.shape), a.dtype))
    g = g if g.shape == zeros.shape else g + zeros
    at = at if at.shape == zeros.shape else at + zeros
    block = concat([concat([at, g], -1), concat([zeros, at], -1)], -2)
    return [getitem(expm(block), (Ellipsis, slice(0, n), slice(n, 2 * n)))]


def _scipy_expm(a: Any) -> Any:
    from scipy.linalg import expm as scipy_expm

    return scipy_expm(a)


@composite(namespace="linalg", reference=_scipy_expm,
           cases=(Case(((3, 3),)), Case(((2, 3, 3),)), Case(((1, 1),))),
           convention="scipy.linalg.expm (TensorFlow's tf.linalg.expm): the VJP is the adjoint Frechet derivative "
                      "L(A^T, G), the upper right block of expm([[A^T, G], [0, A^T]]), itself recorded")
def expm(A: TensorLike, name: Optional[str] = None) -> Tensor:
    """The matrix exponential (batched), as ``scipy.linalg.expm``."""
    t = square_operand(A, "linalg.expm")

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        return (_scipy_expm(values[0]),)

    return handoff("linalg.expm", forward, _expm_vjp, [t])[0]
