"""``einsum``: any subscripts NumPy accepts, lowered to gathers, sums, transposes and matmuls.

1. The subscripts (string or NumPy's sublist form) are parsed into one label per
   axis; ``...`` becomes fresh labels, right-aligned as broadcasting aligns them;
   the implicit output is the ellipsis labels then the labels used once, sorted.
   Labels of size 1 broadcast against the same label elsewhere (as NumPy): that
   axis is dropped from the operand (a reshape).
2. Each operand alone: a label repeated within it (``ii``) is a diagonal, one
   ``gather_flat``; labels used by no other operand nor the output are summed out
   (``reduce_sum``).
3. The operands are contracted pairwise in the order ``np.einsum_path(...,
   optimize="greedy")`` gives (an explicit ``einsum_path`` list is used as given).
   A pair becomes one batched ``matmul``: each operand is transposed and reshaped to
   (batch, free, contracted) / (batch, contracted, free), where batch labels are
   shared and still needed, contracted labels are shared and not needed later.
4. The last operand is summed over what the output does not hold and transposed
   into the output's order.

The derivatives, to any order, are those of the primitives (gather's is a scatter,
matmul's are matmuls), so a differentiated einsum is as fast as the forward one.
"""
from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor
from .elementwise import float_operand
from .linalg import matmul
from .primitives import gather_flat
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import reshape, transpose

_LETTERS = string.ascii_letters


def _size(shape: Any) -> int:
    size = 1
    for d in shape:
        size *= int(d)
    return size


def _from_sublists(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """NumPy's ``einsum(op0, sublist0, op1, sublist1, ..., [sublist_out])`` as a subscripts string."""
    def term(sublist: Any) -> str:
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise op_value_error("einsum", f"sublist entries must be ints in [0, 52) or Ellipsis, got {s!r}")
        return "".join(out)

    operands, terms = list(args[0::2]), [term(s) for s in args[1::2]]
    if len(args) % 2:  # the last one is the output sublist
        output = term(operands.pop())
        return ",".join(terms) + "->" + output, operands
    return ",".join(terms), operands


def _split_term(term: str, ndim: int, ellipsis: list[str], k: int) -> list[str]:
    """The labels of one operand's axes (ellipsis labels right-aligned)."""
    if term.count("...") > 1 or "." in term.replace("...", ""):
        raise op_value_error("einsum", f"invalid subscripts term {term!r} for operand {k}")
    letters = term.replace("...", "")
    bad = [c for c in letters if c not in _LETTERS]
    if bad:
        raise op_value_error("einsum", f"invalid subscript {bad[0]!r} in term {term!r} (letters only)")
    if "..." not in term:
        if len(term) != ndim:
            raise op_value_error("einsum", f"term {term!r} has {len(term)} labels for operand {k} of rank {ndim}")
        return list(term)
    extra = ndim - len(letters)
    if extra < 0:
        raise op_value_error("einsum", f"term {term!r} has too many labels for operand {k} of rank {ndim}")
    head, tail = term.split("...")
    return list(head) + ellipsis[len(ellipsis) - extra:] + list(tail)


def parse(subscripts: str, ranks: Sequence[int]) -> tuple[list[list[str]], list[str]]:
    """(labels per operand, output labels); ellipsis axes get labels "0", "1", ... (not letters)."""
    if not isinstance(subscripts, str):
        raise op_type_error("einsum", f"subscripts must be a string, got {type(subscripts).__name__}")
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise op_value_error("einsum", f"subscripts {subscripts!r} have more than one '->'")
    lhs, arrow, rhs = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise op_value_error("einsum", f"subscripts {subscripts!r} name {len(terms)} operands, {len(ranks)} given")
    width = max([r - len(t.replace("...", "")) for t, r in zip(terms, ranks) if "..." in t] + [0])
    ellipsis = [str(i) for i in range(width)]
    inputs = [_split_term(t, r, ellipsis, k) for k, (t, r) in enumerate(zip(terms, ranks))]
    if arrow:
        if "." in rhs.replace("...", "", 1) or any(c not in _LETTERS for c in rhs.replace("...", "")):
            raise op_value_error("einsum", f"invalid output subscripts {rhs!r}")
        head, dots, tail = rhs.partition("...")
        output = list(head) + (ellipsis if dots else []) + list(tail)
        used = {label for labels in inputs for label in labels}
        for label in output:
            if label not in used and label not in ellipsis:
                raise op_value_error("einsum", f"output label {label!r} is not in the inputs of {subscripts!r}")
        if len(set(output)) != len(output):
            raise op_value_error("einsum", f"output subscripts {rhs!r} repeat a label")
        output = [label for label in output if label not in ellipsis or label in used]
    else:
        counts: dict[str, int] = {}
        for labels in inputs:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        once = sorted(c for c, n in counts.items() if n == 1 and c in _LETTERS)
        output = [e for e in ellipsis if e in counts] + once
    return inputs, output


def _label_sizes(tensors: Sequence[Tensor], inputs: list[list[str]]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for t, labels in zip(tensors, inputs):
        for label, d in zip(labels, t.shape):
            known = sizes.get(label, 1)
            if d != 1 and known != 1 and d != known:
                shapes = [x.shape for x in tensors]
                raise op_value_error("einsum", f"label {_shown(label)} has sizes {known} and {d} (shapes {shapes})")
            sizes[label] = max(known, d) if label in sizes else d
    return sizes


def _shown(label: str) -> str:
    return repr(label) if label in _LETTERS else f"of ellipsis axis {label}"


def _diagonal(t: Tensor, labels: list[str]) -> tuple[Tensor, list[str]]:
    """Repeated labels of one operand taken as a diagonal (one gather)."""
    unique = list(dict.fromkeys(labels))
    if len(unique) == len(labels):
        return t, labels
    for label in unique:
        dims = {d for lab, d in zip(labels, t.shape) if lab == label}
        if len(dims) > 1:
            raise op_value_error("einsum", f"repeated label {label!r} has sizes {sorted(dims)} in one operand")
    shape = tuple(t.shape[labels.index(label)] for label in unique)
    strides = np.cumprod((1,) + t.shape[:0:-1])[::-1]
    index = np.zeros(shape, np.int64)
    for axis, label in enumerate(labels):
        p = unique.index(label)
        index += np.arange(t.shape[axis], dtype=np.int64).reshape((-1,) + (1,) * (len(unique) - p - 1)) * strides[axis]
    return gather_flat(t, index, shape), unique


def _drop_broadcast(t: Tensor, labels: list[str], sizes: dict[str, int]) -> tuple[Tensor, list[str]]:
    """Axes of size 1 whose label is larger elsewhere removed (they broadcast)."""
    keep = [i for i, label in enumerate(labels) if not (t.shape[i] == 1 and sizes[label] != 1)]
    if len(keep) == len(labels):
        return t, labels
    return reshape(t, tuple(t.shape[i] for i in keep)), [labels[i] for i in keep]


def _sum_unneeded(t: Tensor, labels: list[str], needed: set[str]) -> tuple[Tensor, list[str]]:
    axes = [i for i, label in enumerate(labels) if label not in needed]
    if not axes:
        return t, labels
    return reduce_sum(t, axes), [label for label in labels if label in needed]


def _ordered(t: Tensor, labels: list[str], order: list[str]) -> Tensor:
    return transpose(t, [labels.index(label) for label in order])


def _contract(a: Tensor, la: list[str], b: Tensor, lb: list[str], needed: set[str]) -> tuple[Tensor, list[str]]:
    """One pairwise contraction as a (batched) matmul; labels in ``needed`` are kept."""
    a, la = _sum_unneeded(a, la, needed | set(lb))
    b, lb = _sum_unneeded(b, lb, needed | set(la))
    batch = [label for label in la if label in lb and label in needed]
    summed = [label for label in la if label in lb and label not in needed]
    free_a = [label for label in la if label not in lb]
    free_b = [label for label in lb if label not in la]
    dims = dict(zip(la, a.shape)) | dict(zip(lb, b.shape))
    nb, m, k, n = (_size(dims[label] for label in group) for group in (batch, free_a, summed, free_b))
    lead = (nb,) if batch else ()
    a3 = reshape(_ordered(a, la, batch + free_a + summed), lead + (m, k))
    b3 = reshape(_ordered(b, lb, batch + summed + free_b), lead + (k, n))
    labels = batch + free_a + free_b
    return reshape(matmul(a3, b3), tuple(dims[label] for label in labels)), labels


def _path(optimize: Any, subscripts: str, operands: list[tuple[Tensor, list[str]]], output: list[str]) -> list:
    if isinstance(optimize, (list, tuple)) and optimize and optimize[0] == "einsum_path":
        return [tuple(step) for step in optimize[1:]]
    if len(operands) <= 2:
        return [tuple(range(len(operands)))]
    letters: dict[str, str] = {}
    for _, labels in operands:
        for label in labels:
            letters.setdefault(label, _LETTERS[len(letters)] if len(letters) < len(_LETTERS) else "")
    if "" in letters.values():
        raise op_value_error("einsum", f"{subscripts!r} uses more than {len(_LETTERS)} labels")
    spec = ",".join("".join(letters[c] for c in labels) for _, labels in operands)
    spec += "->" + "".join(letters[c] for c in output)
    dummies = [np.broadcast_to(np.float64(0.0), t.shape) for t, _ in operands]
    return [tuple(step) for step in np.einsum_path(spec, *dummies, optimize="greedy")[0][1:]]


def _check_options(out: Any, dtype: Any, casting: str, tensors: Sequence[Tensor]) -> None:
    if out is not None or dtype is not None:
        raise op_value_error("einsum", "out= and dtype= are not supported on Tensors", *tensors)
    if casting not in ("safe", "same_kind", "equiv", "no", "unsafe"):
        raise op_value_error("einsum", f"invalid casting {casting!r}", *tensors)


_SUBSCRIPT_CASES = (
    ("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("ii->i", (3, 3)), ("ii", (3, 3)),
    ("ij->ji", (2, 3)), ("ij->i", (2, 3)), ("i,i", (4,), (4,)), ("i,i->", (4,), (4,)), ("i,j->ij", (2,), (3,)),
    ("...ij,...jk", (2, 1, 2, 3), (3, 3, 4)), ("...ij,...jk->...ik", (2, 3), (3, 4)), ("ijk,kj->i", (2, 3, 4), (4, 3)),
    ("bij,bjk->bik", (2, 2, 3), (2, 3, 4)), ("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)), ("iij->j", (2, 2, 3)),
    ("ijj,jk->ik", (2, 3, 3), (3, 2)), ("i,ij,j", (3,), (3, 4), (4,)), ("...,...", (2, 3), (3,)),
    ("ij,j->", (2, 3), (1,)), ("Ab,bC", (2, 3), (3, 2)), (",i->i", (), (3,)), ("abc,cd,bd->a", (2, 3, 4), (4, 2), (3, 2)),
)


@composite(numpy=(np.einsum,), aliases=("linalg.einsum",),
           cases=tuple(Case(tuple(shapes), const=(spec,)) for spec, *shapes in _SUBSCRIPT_CASES),
           convention="multilinear: smooth everywhere")
def einsum(*operands: Any, out: None = None, optimize: Any = "greedy", dtype: None = None, order: str = "K",
           casting: str = "safe") -> Tensor:
    """Einstein summation with NumPy's subscripts (explicit or implicit output, ``...``,
    diagonals, sums), contracted pairwise in ``np.einsum_path``'s greedy order as matmuls."""
    if not operands:
        raise op_type_error("einsum", "needs subscripts and at least one operand")
    if isinstance(operands[0], str):
        subscripts, raw = operands[0], list(operands[1:])
    else:
        subscripts, raw = _from_sublists(operands)
    if not raw:
        raise op_value_error("einsum", f"subscripts {subscripts!r} without operands")
    tensors = [float_operand(x, "einsum") for x in raw]
    _check_options(out, dtype, casting, tensors)
    inputs, output = parse(subscripts, [t.ndim for t in tensors])
    sizes = _label_sizes(tensors, inputs)
    prepared = []
    for k, (t, labels) in enumerate(zip(tensors, inputs)):
        t, labels = _diagonal(t, labels)
        t, labels = _drop_broadcast(t, labels, sizes)
        others = {label for j, ls in enumerate(inputs) if j != k for label in ls}
        prepared.append(_sum_unneeded(t, labels, others | set(output)))
    for step in _path(optimize, subscripts, prepared, output):
        picked = [prepared[i] for i in step]
        for i in sorted(step, reverse=True):
            del prepared[i]
        needed = set(output) | {label for _, ls in prepared for label in ls}
        t, labels = picked[0]
        for u, lu in picked[1:]:
            t, labels = _contract(t, labels, u, lu, needed | {c for _, ls in picked[2:] for c in ls})
        prepared.append((t, labels))
    (t, labels), = prepared
    t, labels = _sum_unneeded(t, labels, set(output))
    missing = [label for label in output if label not in labels]  # size-1 labels every operand dropped
    if missing:
        t, labels = reshape(t, t.shape + (1,) * len(missing)), labels + missing
    return _ordered(t, labels, output)
