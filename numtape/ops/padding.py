"""Padding: ``pad`` with NumPy's signature (``pad_width`` in every form NumPy takes) and
TensorFlow's (``pad(tensor, paddings, mode='CONSTANT', constant_values=0)``), as one row.

The modes that copy elements (edge, reflect, symmetric, wrap) are gathers whose index
map is ``np.pad`` of the elements' positions in that mode: NumPy's rules, including
pads wider than the axis (reflected again and again), hold as they are. The constant
mode pads the positions with -1 and fills those places with the constants (a recorded
``where``, so the border has no gradient and the interior passes its cotangent
through). Modes that compute (mean, linear_ramp, ...) and reflect_type='odd' are refused.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from ..variable import Variable
from .index_maps import index_array, numpy_map, operand, take_map
from .registry import Case, composite
from .tf_signature import SAMPLE_MATRIX, tf_signature

_COPYING = ("edge", "reflect", "symmetric", "wrap")


def _constants(values: Any) -> Any:
    """``constant_values`` as data (a Tensor's value; the border is not differentiated)."""
    if isinstance(values, Variable):
        values = values._read()
    if isinstance(values, Tensor):
        return np.asarray(values._v)
    return values


def _widths(pad_width: Any) -> Any:
    if isinstance(pad_width, (int, np.integer)) and not isinstance(pad_width, bool):
        return int(pad_width)
    return index_array(pad_width, "pad", "pad_width")


def _pad_reference(array: np.ndarray, pad_width: Any, mode: str = "constant", **options: Any) -> np.ndarray:
    return np.pad(array, pad_width, mode.lower(), **options)


@composite(numpy=(np.pad,), reference=_pad_reference, convention="a gather (copying modes) or a where (constant): the border's "
                                        "cotangent goes to the elements it copies; constants get none", cases=(
    Case(((3,),), dict(pad_width=2)), Case(((2, 3),), dict(pad_width=((1, 2), (0, 1)), constant_values=1.5)),
    Case(((2, 3),), dict(pad_width=1, mode="edge")), Case(((4,),), dict(pad_width=(2, 5), mode="reflect")),
    Case(((2, 3, 2),), dict(pad_width=((1, 1), (2, 0), (0, 1)), mode="symmetric")),
    Case(((2, 3),), dict(pad_width=((2, 1),), mode="reflect")), Case(((3, 2),), dict(pad_width=2, mode="wrap")),
    Case(((2, 3),), dict(pad_width=[[1, 0], [2, 2]], mode="CONSTANT", constant_values=-1.0)),
    Case(((3, 3),), dict(pad_width=[[1, 1], [1, 2]], mode="SYMMETRIC"))))
@tf_signature("pad(tensor, paddings, mode='CONSTANT', constant_values=0, name=None)",
              rename={"tensor": "array", "paddings": "pad_width"},
              example=dict(tensor=SAMPLE_MATRIX, paddings=[[1, 0], [0, 2]], mode="REFLECT"),
              reference=lambda tensor, paddings, mode: np.pad(tensor, paddings, mode.lower()))
def pad(array: TensorLike, pad_width: Any = None, mode: str = "constant", *, constant_values: Any = 0,
        reflect_type: str = "even", paddings: Any = None, name: Optional[str] = None, **options: Any) -> Tensor:
    """Pad with NumPy's ``pad`` (modes constant, edge, reflect, symmetric, wrap) or TensorFlow's
    ``pad(tensor, paddings, mode='CONSTANT'|'REFLECT'|'SYMMETRIC', constant_values=0)``."""
    if options:
        raise op_type_error("pad", f"options {sorted(options)} not supported on Tensors")
    if not isinstance(mode, str):
        raise op_type_error("pad", f"mode must be a string, got {mode!r} (callable modes are not supported)")
    mode = mode.lower()
    if reflect_type != "even":
        raise op_value_error("pad", f"reflect_type={reflect_type!r} is not supported (only 'even')")
    t = operand(array, "pad")
    if (pad_width is None) == (paddings is None):
        raise op_type_error("pad", "give pad_width (NumPy) or paddings (TensorFlow), one of them", t)
    widths = _widths(pad_width if paddings is None else paddings)
    if mode == "constant":
        index_map = numpy_map("pad", np.pad, t.shape, widths, constant_values=-1)
        try:
            border = np.pad(np.zeros(t.shape), widths, constant_values=_constants(constant_values))
        except (TypeError, ValueError) as error:
            raise op_value_error("pad", f"constant_values: {error}", t) from None
        return take_map(t, index_map, fill=border)
    if not (np.ndim(constant_values) == 0 and _constants(constant_values) == 0):
        raise op_value_error("pad", f"constant_values is for mode 'constant', not {mode!r}", t)
    if mode not in _COPYING:
        raise op_value_error("pad", f"mode {mode!r} is not supported on Tensors (constant, edge, reflect, "
                                    f"symmetric, wrap)", t)
    return take_map(t, numpy_map("pad", np.pad, t.shape, widths, mode=mode))
