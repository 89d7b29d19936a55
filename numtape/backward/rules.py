"""The pieces of the gradient algorithm both paths share: what a VJP rule sees of an
entry (``EntryView``), the operands of an entry (``operand_slots``), one entry's VJP
on numtape ops (``entry_vjp``), and reading stored values and dtypes back.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._kernels import sweep as K
from ..ops.primitives import _to_size
from ..ops.registry import ELEMENTWISE, PRIMITIVES
from ..tape.buffers import TapeBuffers
from ..tensor import Tensor, wrap

_ARITY = tuple(K.ARITY.tolist())  # a tuple: indexing a NumPy array from Python costs ~5x more

# A source is a list of slots (one for a Tensor, one per read for a Variable),
# plus the dtype and shape its gradient takes.
Source = tuple[list[int], np.dtype, tuple[int, ...]]


class EntryView:
    """What a VJP rule may ask about an entry besides its operands' values."""

    __slots__ = ("buffers", "slot", "row", "wanted")

    def __init__(self, buffers: TapeBuffers, slot: int, wanted: Optional[list[bool]] = None) -> None:
        self.buffers = buffers
        self.slot = slot
        self.row = int(buffers.arg1[slot])
        self.wanted = wanted

    def needs(self, k: int) -> bool:
        """False when the cotangent of operand ``k`` would be thrown away (a rule may return None)."""
        return self.wanted is None or self.wanted[k]

    @property
    def fn(self) -> int:
        return int(self.buffers.aux[self.row, K.A_FN])

    @property
    def ints(self) -> tuple[int, int, int, int]:
        a = self.buffers.aux[self.row]
        return int(a[K.A_I0]), int(a[K.A_I1]), int(a[K.A_I2]), int(a[K.A_I3])

    @property
    def element_index(self) -> int:
        return self.row  # OP_ELEM keeps the flat index in arg1

    def index_map(self, length: int) -> np.ndarray:
        off = self.ints[0]
        return self.buffers.iarena[off : off + length].copy()

    def _listing(self) -> np.ndarray:
        off, count = self.ints[0], self.ints[1]
        return self.buffers.iarena[off : off + 2 * count].reshape(count, 2)

    def piece_widths(self) -> list[int]:
        return [int(w) for w in self._listing()[:, 1]]

    def listed_slots(self) -> list[int]:
        return [int(s) for s in self._listing()[:, 0]]


def operand_slots(buffers: TapeBuffers, slot: int) -> list[int]:
    """The operand slots of an entry, in the order its VJP rule returns cotangents."""
    op = int(buffers.code[slot]) & K.CODE_MASK
    if op == K.OP_LEAF or op == K.OP_ARRAY_LEAF:
        return []
    a0 = int(buffers.arg0[slot])
    arity = _ARITY[op]
    if arity == 1 or op == K.OP_ELEM:
        return [a0]
    if arity == 2:
        return [a0, int(buffers.arg1[slot])]
    aux = buffers.aux[int(buffers.arg1[slot])]
    if op == K.OP_CONCAT or op == K.OP_CUSTOM_CALL:
        return EntryView(buffers, slot).listed_slots()
    if op == K.OP_WHERE:
        return [a0, int(aux[K.A_B]), int(aux[K.A_C])]
    if op == K.OP_BINARY or op == K.OP_MATMUL:
        return [a0, int(aux[K.A_B])]
    return [a0]


def entry_vjp(buffers: TapeBuffers, slot: int, g: Tensor, tensor_for: Callable[[int], Tensor],
              needed: Optional[Callable[[int], bool]] = None) -> list[tuple[int, Optional[Tensor]]]:
    """Cotangents of entry ``slot``'s operands given its cotangent ``g`` (numtape ops).

    ``needed(s)`` False says that nobody reads the adjoint of operand slot ``s``
    (a constant leaf): its cotangent is then None, and rules that can skip the
    work (matmul) do.
    """
    op = int(buffers.code[slot]) & K.CODE_MASK
    slots = operand_slots(buffers, slot)
    if not slots:
        return []
    wanted = None if needed is None else [needed(s) for s in slots]
    if wanted is not None and not any(wanted):
        return []
    if _ARITY[op] or op == K.OP_UNARY or op == K.OP_BINARY:
        fn = op if _ARITY[op] else int(buffers.aux[int(buffers.arg1[slot]), K.A_FN])
        spec = ELEMENTWISE[fn]
        ans = tensor_for(slot)
        if spec.arity == 1:
            return [(slots[0], spec.vjp(g, ans, tensor_for(slots[0])))]
        x, y = tensor_for(slots[0]), tensor_for(slots[1])
        if wanted is not None and spec.partials is not None and not all(wanted):
            k = 0 if wanted[0] else 1
            operand = x if k == 0 else y
            return [(slots[k], _to_size(_as_tensor(spec.partials[k](g, ans, x, y)), operand))]
        gx, gy = spec.vjp(g, ans, x, y)
        pairs = []
        for k, (s, ct, operand) in enumerate(((slots[0], gx, x), (slots[1], gy, y))):
            if ct is not None and (wanted is None or wanted[k]):  # None: a non-differentiable row
                pairs.append((s, _to_size(_as_tensor(ct), operand)))
        return pairs
    operands = [tensor_for(s) for s in slots]
    cotangents = PRIMITIVES[op].vjp(g, tensor_for(slot), operands, EntryView(buffers, slot, wanted))
    if wanted is not None:
        cotangents = [c if w else None for c, w in zip(cotangents, wanted)]
    return list(zip(slots, cotangents))


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else wrap(x)


def stored_value(buffers: TapeBuffers, slot: int) -> Any:
    """The canonical Tensor value of ``slot`` as stored (float32 restored)."""
    data = buffers.data(slot)
    if buffers.is_float32(slot):
        return np.float32(data) if type(data) is float else np.asarray(data, np.float32)
    return data


def _dtype(buffers: TapeBuffers, slot: int) -> np.dtype:
    return np.dtype(np.float32) if buffers.is_float32(slot) else np.dtype(np.float64)


def _lowest_live(source_slots: Sequence[int], live: np.ndarray) -> int:
    lows = [s for s in source_slots if live[s]]
    return min(lows) if lows else len(live)

