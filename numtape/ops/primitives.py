"""Structural array primitives: the few shapes of data movement every public op lowers to.

Each primitive here has a forward (NumPy), a record step (its tape layout) and a
VJP written with the other primitives, so the set is closed under differentiation:

================  ==========================================  =====================
primitive         forward                                     VJP uses
================  ==========================================  =====================
element           x.flat[k] (a scalar entry)                  scatter_add_flat
gather_flat       y.flat = x.flat[map]                        scatter_add_flat
scatter_add_flat  y = zeros; y.flat[map] += x.flat            gather_flat
window            y[o, j] = x[o*stride + start + j]           pad
pad               zeros with x placed as a window             window
concat_flat       rows of pieces side by side                 window
reduce_sum_3      (outer, mid, inner) -> sum over mid         broadcast_3
broadcast_3       (outer, inner) -> repeat along mid          reduce_sum_3
reduce_extreme    max or min over mid; ties share equally     broadcast_3, multiply
matmul_raw        batched op(A) @ op(B), op = transpose flag  matmul_raw
where             cond ? a : b                                where
================  ==========================================  =====================

Public ops (``numtape/ops/shape.py``, ``reduce.py``, ``linalg.py``) compute the
attributes (offsets, strides, index maps) from shapes at record time, so the
compiled sweep never deals with shapes.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .._fpstate import quietly
from .._kernels import sweep as K
from .._state import state
from ..errors import op_value_error
from ..tape.recorder import record_entry
from ..tensor import Tensor, TensorLike, as_operand, wrap
from ..variable import Variable
from .elementwise import float_operand, multiply
from .registry import register_primitive


def _is_f32(v: Any) -> bool:
    return getattr(v, "dtype", None) == np.float32


def _size(shape: Sequence[int]) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def _push(code: int, out: Tensor, fn: int = 0, ints: tuple[int, ...] = (), b_slot: bool = False,
          index_map: Optional[np.ndarray] = None):
    """A ``build`` function for record_entry: an array entry with ``out``'s value."""
    v = out._v
    shape = out.shape
    f32 = _is_f32(v)

    def build(buffers: Any, slots: list[int]) -> int:
        attrs = ints
        if index_map is not None:
            attrs = (buffers.store_ints(index_map),) + ints
        return buffers.push_array(code, slots[0], v, shape, f32, fn=fn, b=slots[1] if b_slot else -1, ints=attrs)

    return build


# ---------------------------------------------------------------------------
# element: one element of an array, as a scalar entry
# ---------------------------------------------------------------------------
def element(x: Tensor, k: int) -> Tensor:
    """``x.flat[k]`` as a 0-d Tensor."""
    v = x._v.reshape(-1)[k]
    out = wrap(v)
    if state.stack:
        fv = float(v)
        code = K.OP_ELEM | (K.F32 if _is_f32(v) else 0)

        def build(buffers: Any, slots: list[int]) -> int:
            buffers.promote(slots[0])
            return buffers.push_scalar(code, slots[0], k, fv)

        record_entry((x,), out, build)
    return out


@register_primitive(60, "element", "x.flat[k]; its VJP scatters g to position k.", short="elem")
def _element_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [scatter_add_flat(g, np.array([entry.element_index], np.int64), x.shape)]


# ---------------------------------------------------------------------------
# gather / scatter_add
# ---------------------------------------------------------------------------
def gather_flat(x: Tensor, index_map: np.ndarray, shape: tuple[int, ...]) -> Tensor:
    """``y`` of ``shape`` with ``y.flat[k] = x.flat[index_map[k]]``."""
    index_map = np.ascontiguousarray(index_map, np.int64).reshape(-1)
    out = wrap(np.asarray(x._v).reshape(-1)[index_map].reshape(shape))  # x may be 0-d (a float)
    if state.stack:
        record_entry((x,), out, _push(K.OP_GATHER, out, ints=(x.size,), index_map=index_map))
    return out


@register_primitive(68, "gather", "y.flat[k] = x.flat[map[k]]; the VJP scatter-adds g back.")
def _gather_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [scatter_add_flat(g, entry.index_map(ans.size), x.shape)]


def scatter_add_flat(x: Tensor, index_map: np.ndarray, shape: tuple[int, ...]) -> Tensor:
    """``y`` = zeros of ``shape`` with ``y.flat[index_map[k]] += x.flat[k]``."""
    index_map = np.ascontiguousarray(index_map, np.int64).reshape(-1)
    xv = x._v
    sums = np.bincount(index_map, weights=np.asarray(xv, np.float64).reshape(-1), minlength=_size(shape))
    sums = sums.astype(np.float64, copy=False)  # an empty index_map gives int64 zeros, weights or not
    v = quietly(sums.astype, np.float32) if _is_f32(xv) else sums  # overflow is inf, silently
    out = wrap(v.reshape(shape))
    if state.stack:
        record_entry((x,), out, _push(K.OP_SCATTER_ADD, out, ints=(x.size,), index_map=index_map))
    return out


@register_primitive(69, "scatter_add", "y.flat[map[k]] += x.flat[k]; the VJP gathers g.")
def _scatter_add_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [gather_flat(g, entry.index_map(x.size), x.shape)]


# ---------------------------------------------------------------------------
# window / pad
# ---------------------------------------------------------------------------
def _rows(flat: np.ndarray, outer: int, stride: int, start: int, width: int) -> np.ndarray:
    """The (outer, width) strided view of ``flat`` at rows ``o*stride + start``."""
    if outer == 0 or width == 0:
        return flat[:0].reshape(outer, width)
    item = flat.itemsize
    return np.lib.stride_tricks.as_strided(
        flat[start:], shape=(outer, width), strides=(stride * item, item), writeable=False
    )


def window(x: Tensor, outer: int, stride: int, start: int, width: int, shape: tuple[int, ...]) -> Tensor:
    """Rows ``x.flat[o*stride + start : o*stride + start + width]`` for ``o < outer``."""
    flat = np.ascontiguousarray(x._v).reshape(-1)
    if outer > 1:
        v = np.array(_rows(flat, outer, stride, start, width)).reshape(shape)
    else:
        # A plain slice, not a read-only as_strided view: NumPy's matmul does not use
        # BLAS for the latter (a 10,000 x 100 matrix-vector product took 2.3 ms, not 0.06).
        v = flat[start : start + width * outer].reshape(shape)
    out = wrap(v)
    if state.stack:
        record_entry((x,), out, _push(K.OP_WINDOW, out, ints=(outer, stride, start, width)))
    return out


@register_primitive(70, "window", "A strided window of x; the VJP pads g with zeros.")
def _window_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [pad(g, *entry.ints, x.shape)]


def pad(x: Tensor, outer: int, stride: int, start: int, width: int, shape: tuple[int, ...]) -> Tensor:
    """Zeros of ``shape`` with ``x``'s rows placed at the window (outer, stride, start, width)."""
    v = np.zeros(_size(shape), x.dtype)
    if outer and width:
        item = v.itemsize
        rows = np.lib.stride_tricks.as_strided(v[start:], shape=(outer, width), strides=(stride * item, item))
        rows[...] = np.asarray(x._v).reshape(outer, width)
    out = wrap(v.reshape(shape))
    if state.stack:
        record_entry((x,), out, _push(K.OP_PAD, out, ints=(outer, stride, start, width)))
    return out


@register_primitive(71, "pad", "x placed in zeros; the VJP takes the window of g.")
def _pad_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [window(g, *entry.ints, x.shape)]


# ---------------------------------------------------------------------------
# concat
# ---------------------------------------------------------------------------
def concat_flat(pieces: Sequence[Tensor], outer: int, shape: tuple[int, ...]) -> Tensor:
    """Rows of the pieces side by side: piece q is viewed as (outer, size_q // outer)."""
    widths = [p.size // outer if outer else 0 for p in pieces]
    dtype = np.result_type(*[p.dtype for p in pieces])
    rows = [np.asarray(p._v, dtype).reshape(outer, w) for p, w in zip(pieces, widths)]
    out = wrap(np.concatenate(rows, axis=1).reshape(shape))
    if state.stack:
        v = out._v
        f32 = _is_f32(v)

        def build(buffers: Any, slots: list[int]) -> int:
            listing = np.array([[s, w] for s, w in zip(slots, widths)], np.int64)
            offset = buffers.store_ints(listing)
            return buffers.push_array(K.OP_CONCAT, slots[0], v, shape, f32, ints=(offset, len(slots), outer))

        record_entry(list(pieces), out, build)
    return out


@register_primitive(72, "concat", "Pieces side by side; the VJP cuts g into windows.")
def _concat_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    outer = entry.ints[2]
    total = ans.size // outer if outer else 0
    result: list[Optional[Tensor]] = []
    col = 0
    for piece, width in zip(operands, entry.piece_widths()):
        result.append(window(g, outer, total, col, width, piece.shape))
        col += width
    return result


# ---------------------------------------------------------------------------
# reduce_sum / broadcast
# ---------------------------------------------------------------------------
def reduce_sum_3(x: Tensor, outer: int, mid: int, inner: int, shape: tuple[int, ...]) -> Tensor:
    """x viewed as (outer, mid, inner), summed over mid, reshaped to ``shape``."""
    # np.add.reduce is np.sum without its Python wrapper; inf - inf is NaN, silently
    v = x._v
    if outer == 1 and inner == 1 and not shape and type(v) is np.ndarray and v.flags.c_contiguous:
        out = wrap(quietly(np.add.reduce, v, None))  # a total: the same pairwise order, without reshapes
    else:
        v = quietly(np.add.reduce, np.asarray(v).reshape(outer, mid, inner), 1)
        out = wrap(v.reshape(shape))
    if state.stack:
        record_entry((x,), out, _push(K.OP_REDUCE_SUM, out, ints=(outer, mid, inner)))
    return out


@register_primitive(73, "reduce_sum", "Sum over the middle axis; the VJP broadcasts g.")
def _reduce_sum_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [broadcast_3(g, *entry.ints[:3], x.shape)]


def broadcast_3(x: Tensor, outer: int, mid: int, inner: int, shape: tuple[int, ...]) -> Tensor:
    """x viewed as (outer, 1, inner), repeated ``mid`` times along the middle axis."""
    v = np.broadcast_to(np.asarray(x._v).reshape(outer, 1, inner), (outer, mid, inner))
    out = wrap(np.ascontiguousarray(v).reshape(shape))
    if state.stack:
        record_entry((x,), out, _push(K.OP_BROADCAST, out, ints=(outer, mid, inner)))
    return out


@register_primitive(74, "broadcast", "Repeat along the middle axis; the VJP sums g.")
def _broadcast_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    (x,) = operands
    return [reduce_sum_3(g, *entry.ints[:3], x.shape)]


# ---------------------------------------------------------------------------
# reduce_max / reduce_min
# ---------------------------------------------------------------------------
def reduce_extreme(x: Tensor, outer: int, mid: int, inner: int, shape: tuple[int, ...], is_max: bool) -> Tensor:
    """Max (or min) over the middle axis of x viewed as (outer, mid, inner); NaN propagates."""
    reduce = np.max if is_max else np.min
    v = reduce(np.asarray(x._v).reshape(outer, mid, inner), axis=1)
    out = wrap(v.reshape(shape))
    if state.stack:
        code = K.OP_REDUCE_MAX if is_max else K.OP_REDUCE_MIN
        record_entry((x,), out, _push(code, out, ints=(outer, mid, inner)))
    return out


def _extreme_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    """Ties share the gradient equally: g * hit / count (0/0 is NaN when the extreme is NaN, as in TF)."""
    from .elementwise import equal

    (x,) = operands
    outer, mid, inner = entry.ints[:3]
    hits = equal(x, broadcast_3(ans, outer, mid, inner, x.shape))
    count = reduce_sum_3(hits, outer, mid, inner, ans.shape)
    weights = hits / broadcast_3(count, outer, mid, inner, x.shape)
    return [multiply(broadcast_3(g, outer, mid, inner, x.shape), weights)]


register_primitive(75, "reduce_max", "Max over the middle axis; tied maxima share g equally.")(
    _extreme_vjp
)
register_primitive(76, "reduce_min", "Min over the middle axis; tied minima share g equally.")(
    _extreme_vjp
)


# ---------------------------------------------------------------------------
# matmul
# ---------------------------------------------------------------------------
def matmul_raw(a: Tensor, b: Tensor, flags: int, batch: int, m: int, k: int, n: int,
               shape: tuple[int, ...]) -> Tensor:
    """Batched ``op(A) @ op(B)`` of (m, k) and (k, n) blocks; ``flags`` as OP_MATMUL's."""
    a_block = (k, m) if flags & K.MM_TRANSPOSE_A else (m, k)
    b_block = (n, k) if flags & K.MM_TRANSPOSE_B else (k, n)
    av = np.asarray(a._v).reshape(1 if flags & K.MM_BROADCAST_A else batch, *a_block)
    bv = np.asarray(b._v).reshape(1 if flags & K.MM_BROADCAST_B else batch, *b_block)
    if flags & K.MM_TRANSPOSE_A:
        av = av.transpose(0, 2, 1)
    if flags & K.MM_TRANSPOSE_B:
        bv = bv.transpose(0, 2, 1)
    out = wrap(quietly(np.matmul, av, bv).reshape(shape))
    if state.stack:
        record_entry((a, b), out, _push(K.OP_MATMUL, out, fn=flags, ints=(batch, m, k, n), b_slot=True))
    return out


@register_primitive(77, "matmul", "op(A) @ op(B); the VJP is G op(B)^T and op(A)^T G in A's and B's layouts.")
def _matmul_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    a, b = operands
    flags = entry.fn
    batch, m, k, n = entry.ints
    ta = bool(flags & K.MM_TRANSPOSE_A)
    tb = bool(flags & K.MM_TRANSPOSE_B)
    # the batch flags of the cotangent products: G always has the full batch
    fa = K.MM_BROADCAST_B if flags & K.MM_BROADCAST_B else 0
    fb = K.MM_BROADCAST_B if flags & K.MM_BROADCAST_A else 0
    result: list[Optional[Tensor]] = [None, None]
    if entry.needs(0):  # skipped for a constant operand (data X in X @ w): often the biggest product
        if ta:  # dA = op(B) @ G^T, (k, m)
            da = matmul_raw(b, g, _flags(tb, True) | (K.MM_BROADCAST_A if fa else 0), batch, k, n, m, (batch, k, m))
        else:  # dA = G @ op(B)^T, (m, k)
            da = matmul_raw(g, b, _flags(False, not tb) | fa, batch, m, n, k, (batch, m, k))
        result[0] = _sum_batch(da, a, flags & K.MM_BROADCAST_A)
    if entry.needs(1):
        if tb:  # dB = G^T @ op(A), (n, k)
            db = matmul_raw(g, a, _flags(True, ta) | fb, batch, n, m, k, (batch, n, k))
        else:  # dB = op(A)^T @ G, (k, n)
            db = matmul_raw(a, g, _flags(not ta, False) | (K.MM_BROADCAST_A if fb else 0), batch, k, m, n,
                            (batch, k, n))
        result[1] = _sum_batch(db, b, flags & K.MM_BROADCAST_B)
    return result


def _flags(transpose_a: bool, transpose_b: bool) -> int:
    return (K.MM_TRANSPOSE_A if transpose_a else 0) | (K.MM_TRANSPOSE_B if transpose_b else 0)


def _sum_batch(d: Tensor, operand: Tensor, broadcast: int) -> Tensor:
    """The cotangent in the operand's shape; a shared (broadcast) operand sums over the batch."""
    if d.shape == operand.shape:
        return d
    batch = d.shape[0]
    if broadcast:
        block = d.size // batch
        return reduce_sum_3(d, 1, batch, block, operand.shape)
    return window(d, 1, d.size, 0, d.size, operand.shape)


# ---------------------------------------------------------------------------
# where
# ---------------------------------------------------------------------------
def where(condition: Any, x: TensorLike, y: TensorLike) -> Tensor:
    """Elementwise ``x if condition else y``, with broadcasting.

    ``condition`` is a boolean array (e.g. the result of a comparison) or a Tensor,
    whose nonzero elements count as true; it is not differentiated. The gradient
    flows to x where the condition holds and to y elsewhere.
    """
    if isinstance(condition, Variable):
        condition = condition._read()
    cond_tensor = condition if isinstance(condition, Tensor) else None
    raw = condition._v if cond_tensor is not None else condition
    if raw is None or isinstance(raw, str):
        raise TypeError(f"numtape.where: condition must be a boolean array, got {type(raw).__name__}")
    cond = np.asarray(raw)
    if cond.dtype.kind not in "biuf":
        raise TypeError(f"numtape.where: condition must be a boolean array, got dtype {cond.dtype}")
    cond = cond != 0
    tx = x if isinstance(x, Tensor) else float_operand(x, "where")
    ty = y if isinstance(y, Tensor) else float_operand(y, "where")
    if isinstance(x, Tensor) and x.dtype.kind != "f" or isinstance(y, Tensor) and y.dtype.kind != "f":
        raise TypeError(f"numtape.where: expected float tensors, got {tx.dtype} and {ty.dtype}")
    xv = x if type(x) is float else tx._v  # Python numbers stay weak, as in NumPy
    yv = y if type(y) is float else ty._v
    try:
        value = np.where(cond, xv, yv)
    except ValueError as error:
        raise op_value_error(
            "where", f"shapes {cond.shape}, {tx.shape} and {ty.shape} cannot be broadcast together"
        ) from error
    out = wrap(value)
    if state.stack:
        from .elementwise import _full_or_single

        shape = out.shape
        if cond_tensor is not None and cond_tensor.dtype.kind == "f":
            mask: Any = _full_or_single(cond_tensor, shape)  # recorded: replays recompute it
        else:
            mask = np.broadcast_to(cond, shape).astype(np.float64)
        a = _full_or_single(tx, shape)
        b = _full_or_single(ty, shape)
        v = out._v
        f32 = _is_f32(v)

        def build(buffers: Any, slots: list[int]) -> int:
            return buffers.push_array(K.OP_WHERE, slots[0], v, shape, f32, b=slots[1], c=slots[2])

        record_entry((mask, a, b), out, build)
    return out


@register_primitive(67, "where", "cond ? a : b; the VJP routes g to a where cond holds, else to b.")
def _where_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    cond, a, b = operands
    ga = where(cond, g, 0.0)
    gb = where(cond, 0.0, g)
    return [None, _to_size(ga, a), _to_size(gb, b)]


def _to_size(ct: Tensor, operand: Tensor) -> Tensor:
    """A cotangent summed down to its operand's shape where the operand was broadcast."""
    if operand.size == ct.size:
        return ct if ct.shape == operand.shape else window(ct, 1, ct.size, 0, ct.size, operand.shape)
    if operand.size == 1:
        return reduce_sum_3(ct, 1, ct.size, 1, operand.shape)
    from .reduce import reduce_sum
    from .shape import reshape

    padded = (1,) * (ct.ndim - operand.ndim) + operand.shape
    axes = tuple(k for k, (d, c) in enumerate(zip(padded, ct.shape)) if d == 1 and c != 1)
    return reshape(reduce_sum(ct, axes, keepdims=True), operand.shape)


@register_primitive(64, "leaf", "A source or constant array: no operands.", short="array_leaf")
def _leaf_vjp(g: Tensor, ans: Tensor, operands: list[Tensor], entry: Any) -> list[Optional[Tensor]]:
    return []


def as_tensor(x: Any, op: str) -> Tensor:
    """``x`` as a Tensor (float or integer; raw input becomes an unrecorded constant, a list
    holding Tensors a recorded stack: ``tensor.as_operand``)."""
    return as_operand(x, op)
