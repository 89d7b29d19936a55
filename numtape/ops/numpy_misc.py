"""Small NumPy functions as composite rows: atleast_nd, rollaxis, nan_to_num, the complex
helpers on real input (real, imag, conj, angle), select, NumPy's linspace signature and polyval.

Each lowers to existing ops: reshapes and transposes (atleast_nd, rollaxis), recorded
``where`` selections (nan_to_num, select: the gradient flows to the selected element, and
replaced values get 0), and the identity or a constant for the complex helpers, since
numtape's Tensors are real: ``real`` and ``conj`` are the identity (derivative 1), ``imag``
is 0 and ``angle`` is 0 or pi (both constants: no gradient). ``polyval`` is Horner's rule over
the coefficients ``p[0], p[1], ...`` (each may broadcast against x, as NumPy iterates ``p``).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike
from .creation import linspace as nt_linspace
from .creation import zeros_like
from .elementwise import equal, float_operand, identity, less, not_equal
from .primitives import where
from .registry import Case, composite
from .shape import normalize_axis, reshape, transpose


_ATLEAST_SHAPES = {  # (n, ndim) -> the new shape from the old one, NumPy's layouts
    (1, 0): lambda s: (1,), (2, 0): lambda s: (1, 1), (2, 1): lambda s: (1,) + s,
    (3, 0): lambda s: (1, 1, 1), (3, 1): lambda s: (1,) + s + (1,), (3, 2): lambda s: s + (1,),
}


def _atleast(arys: tuple, n: int, name: str) -> Any:
    out = []
    for a in arys:
        t = float_operand(a, name)
        new_shape = _ATLEAST_SHAPES.get((n, t.ndim))
        out.append(reshape(t, new_shape(t.shape)) if new_shape else identity(t))
    return out[0] if len(out) == 1 else out


@composite(numpy=(np.atleast_1d,), cases=(Case(((),)), Case(((3,),)), Case(((2, 3),))), convention="a reshape")
def atleast_1d(*arys: TensorLike) -> Any:
    """Each input with at least one axis (NumPy's ``atleast_1d``)."""
    return _atleast(arys, 1, "atleast_1d")


@composite(numpy=(np.atleast_2d,), cases=(Case(((),)), Case(((3,),)), Case(((2, 3),))), convention="a reshape")
def atleast_2d(*arys: TensorLike) -> Any:
    """Each input with at least two axes (NumPy's ``atleast_2d``: a vector becomes a row)."""
    return _atleast(arys, 2, "atleast_2d")


@composite(numpy=(np.atleast_3d,), cases=(Case(((),)), Case(((3,),)), Case(((2, 3),)), Case(((2, 3, 2),))),
           convention="a reshape")
def atleast_3d(*arys: TensorLike) -> Any:
    """Each input with at least three axes (NumPy's ``atleast_3d`` layout: (1, n, 1), (m, n, 1))."""
    return _atleast(arys, 3, "atleast_3d")


@composite(numpy=(np.rollaxis,), cases=(Case(((2, 3, 4),), dict(axis=2)), Case(((2, 3, 4),), dict(axis=0, start=2)),
                                        Case(((2, 3, 4),), dict(axis=-1, start=1))), convention="a transpose")
def rollaxis(a: TensorLike, axis: int, start: int = 0) -> Tensor:
    """``axis`` rolled back until it lies before ``start`` (NumPy's ``rollaxis``)."""
    t = float_operand(a, "rollaxis")
    n = t.ndim
    axis = normalize_axis(axis, n, "rollaxis")
    if not -n <= start <= n:
        raise op_value_error("rollaxis", f"start {start} is out of range for a {n}-d tensor", t)
    start = start + n if start < 0 else start
    axes = list(range(n))
    if axis < start:
        start -= 1
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(t, axes)


@composite(numpy=(np.nan_to_num,), cases=(Case(((2, 3),)), Case(((4,),), dict(nan=1.5, posinf=9.0, neginf=-9.0))),
           convention="1 where x is finite; 0 where a NaN or infinity is replaced")
def nan_to_num(x: TensorLike, copy: bool = True, nan: float = 0.0, posinf: Optional[float] = None,
               neginf: Optional[float] = None) -> Tensor:
    """NaN replaced by ``nan``, +-inf by ``posinf``/``neginf`` (default: the dtype's extremes)."""
    t = float_operand(x, "nan_to_num")
    info = np.finfo(t.dtype)
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf
    out = where(not_equal(t, t), np.array(nan, t.dtype), t)
    out = where(equal(t, np.inf), np.array(high, t.dtype), out)
    return where(equal(t, -np.inf), np.array(low, t.dtype), out)


@composite(numpy=(np.real,), cases=(Case(((2, 3),)),), convention="the identity on real input")
def real(val: TensorLike) -> Tensor:
    """The real part: the value itself (numtape's Tensors are real)."""
    return identity(float_operand(val, "real"))


@composite(numpy=(np.conjugate,), cases=(Case(((2, 3),)),), convention="the identity on real input")
def conj(x: TensorLike) -> Tensor:
    """The complex conjugate: the value itself (numtape's Tensors are real)."""
    return identity(float_operand(x, "conj"))


@composite(numpy=(np.imag,), cases=(Case(((2, 3),)),), differentiable=False, convention="0 (a constant)")
def imag(val: TensorLike) -> Tensor:
    """The imaginary part: zeros (numtape's Tensors are real)."""
    return zeros_like(float_operand(val, "imag"))


@composite(numpy=(np.angle,), cases=(Case(((2, 3),)),), differentiable=False,
           convention="0 or pi: piecewise constant, no gradient")
def angle(z: TensorLike, deg: bool = False) -> Tensor:
    """The argument of a real number: 0 for x >= 0, pi (180 with ``deg``) for x < 0; NaN stays NaN."""
    t = float_operand(z, "angle")
    half_turn = np.array(180.0 if deg else np.pi, t.dtype)
    return where(not_equal(t, t), np.array(np.nan, t.dtype), where(less(t, 0.0), half_turn, np.zeros((), t.dtype)))


_CONDITIONS = [np.array([True, False, True, False]), np.array([False, True, True, True])]


@composite(numpy=(np.select,), cases=(Case(((4,), (4,)), const=(_CONDITIONS,), pack=lambda a, b: ([a, b],)),),
           convention="the gradient goes to the chosen element")
def select(condlist: Any, choicelist: Any, default: Any = 0) -> Tensor:
    """``choicelist[k]`` where ``condlist[k]`` is the first true condition, else ``default``."""
    if len(condlist) != len(choicelist):
        raise op_value_error("select", f"{len(condlist)} conditions but {len(choicelist)} choices")
    if not len(choicelist):
        raise op_value_error("select", "select needs at least one choice")
    out = float_operand(default, "select")
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        if isinstance(cond, Tensor):
            if cond.dtype.kind != "b":
                raise op_type_error("select", f"conditions must be booleans, got {cond.dtype}")
            cond = np.asarray(cond._v)
        out = where(np.asarray(cond, bool), float_operand(choice, "select"), out)
    return out


@composite("linspace", namespace="numpy", numpy=(np.linspace,), reference=np.linspace,
           cases=(Case(((), ()), dict(num=5)),), convention="linear in start and stop")
def numpy_linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
                   dtype: Any = None, axis: int = 0) -> Any:
    """NumPy's ``linspace`` on Tensor endpoints (``endpoint=True``, scalar endpoints)."""
    if not endpoint or retstep or axis != 0:
        raise op_type_error("linspace", "on Tensors, np.linspace supports endpoint=True, retstep=False and axis=0")
    return nt_linspace(start, stop, num, dtype)


@composite(numpy=(np.real_if_close,), cases=(Case(((3,),)), Case(((2, 3),), dict(tol=1000))),
           convention="real input: the identity (derivative 1)")
def real_if_close(a: TensorLike, tol: float = 100) -> Tensor:
    """``a`` itself for real input, as ``np.real_if_close`` (numtape's Tensors are real)."""
    return identity(float_operand(a, "real_if_close"))


@composite("polyval", namespace="numpy", numpy=(np.polyval,), reference=np.polyval,
           cases=(Case(((3,), (5,))), Case(((4,), (2, 3))), Case(((1,), (3,))), Case(((3, 2), (2,))),
                  Case(((2,), ()))),
           convention="Horner's rule: smooth in p and x")
def numpy_polyval(p: Any, x: Any) -> Tensor:
    """NumPy's ``polyval(p, x)``: ``p[0] * x**(N-1) + ... + p[N-1]``, highest degree first."""
    if isinstance(p, np.poly1d):
        p = p.coeffs
    if isinstance(x, np.poly1d):
        raise op_type_error("polyval", "x as a poly1d composes polynomials; numtape evaluates them at Tensors", x)
    coefficients = float_operand(p, "polyval")
    tx = float_operand(x, "polyval")
    if coefficients.ndim == 0:
        raise op_value_error("polyval", "p must be a sequence of coefficients, got a scalar", p)
    if coefficients.shape[0] == 0:
        return zeros_like(tx)
    y = coefficients[0] + 0.0 * tx  # x's shape also for a constant polynomial, as NumPy
    for i in range(1, coefficients.shape[0]):
        y = y * tx + coefficients[i]
    return y
