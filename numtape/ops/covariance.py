"""NumPy's ``cov`` and ``corrcoef`` with NumPy's signatures, values and dtypes, differentiable in
``m``/``x`` and ``y`` (to any order: they are written in recorded ops).

``cov`` follows NumPy's algorithm step by step so that the values agree to rounding:
the input is made 2-d (variables x observations; ``rowvar=False`` transposes it, and
``y`` is stacked below as extra variables), the (weighted) mean of each variable is
subtracted, and ``c = X_c @ (X_c * w).T * (1 / fact)`` with NumPy's normalisation
``fact`` (``n - ddof``, or from the weights ``fweights * aweights``). The weights are
data (constants; a Tensor given as weights is read, its gradient is None), so ``fact``
is a number: ``fact <= 0`` warns (RuntimeWarning) and multiplies by ``1/0 = inf``, as
NumPy. The result is squeezed (one variable gives a 0-d Tensor). The dtype is NumPy's:
``result_type(m, y, float64)`` unless ``dtype`` is given, so float32 input gives a
float64 result (the float32 values are widened exactly, and the gradient comes back
as float32). ``corrcoef`` divides ``cov`` by the square roots of its diagonal, rows
then columns, and clips to [-1, 1] as NumPy (the clipped diagonal is constant 1).
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from ..errors import op_type_error, op_value_error
from ..tensor import Tensor, TensorLike, as_operand, constant, wrap
from .elementwise import add, clip_by_value, sqrt
from .linalg import matmul
from .linalg_base import diag_part
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import concat, reshape, transpose
from .tf_data import read_value


def _float_input(x: Any, op: str, name: str) -> Tensor:
    t = as_operand(x, op)
    if t.dtype.kind in "biu":  # integer data: NumPy computes in float64
        return wrap(np.asarray(read_value(t, op), np.float64))
    if t.dtype.kind != "f":
        raise op_type_error(op, f"{name} must be a real float or integer array, got dtype {t.dtype}", x)
    if t.ndim > 2:
        raise op_value_error(op, f"{name} has more than 2 dimensions (shape {t.shape})", x)
    return t


def _as_dtype(t: Tensor, dtype: np.dtype, op: str) -> Tensor:
    if t.dtype == dtype:
        return t
    if dtype == np.float64:  # exact widening, recorded (the gradient is cast back)
        return add(t, np.zeros(t.shape, np.float64))
    raise op_value_error(op, f"dtype={dtype} would narrow a {t.dtype} input; cast it first (nt.cast)", t)


def _variables(t: Tensor, rowvar: bool, first: bool) -> Tensor:
    """``t`` as 2-d (variables, observations), NumPy's ``array(m, ndmin=2)`` and its transposes."""
    x = reshape(t, (1,) * (2 - t.ndim) + t.shape)
    # NumPy's test: m by its own rank, y by its 2-d shape
    if not rowvar and (t.ndim != 1 if first else x.shape[0] != 1):
        x = transpose(x)
    return x


def _weights(values: Any, name: str, n: int, op: str, t: Tensor) -> np.ndarray:
    w = np.asarray(read_value(values, op) if isinstance(values, Tensor) else values, dtype=float)
    if name == "fweights" and not np.all(w == np.around(w)):
        raise op_type_error(op, "fweights must be integer", t)
    if w.ndim > 1:
        raise op_value_error(op, f"cannot handle multidimensional {name} (shape {w.shape})", t)
    if w.shape[0] != n:
        raise op_value_error(op, f"incompatible numbers of samples ({n}) and {name} ({w.shape[0]})", t)
    if np.any(w < 0):
        raise op_value_error(op, f"{name} cannot be negative", t)
    return w


def _cov(op: str, m: TensorLike, y: Optional[TensorLike], rowvar: bool, bias: bool, ddof: Any, fweights: Any,
         aweights: Any, dtype: Any) -> Tensor:
    if ddof is not None and (isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer, float, np.floating))
                             or ddof != int(ddof)):
        raise op_value_error(op, f"ddof must be integer, got {ddof!r}", m)
    t = _float_input(m, op, "m")
    u = None if y is None else _float_input(y, op, "y")
    wanted = np.result_type(*([t.dtype] if u is None else [t.dtype, u.dtype]), np.float64) \
        if dtype is None else np.dtype(dtype)
    if wanted.kind != "f":
        raise op_type_error(op, f"dtype must be a float dtype, got {wanted}", t)
    x = _variables(_as_dtype(t, wanted, op), rowvar, True)
    if x.shape[0] == 0:
        return constant(np.array([], wanted).reshape(0, 0))
    if u is not None:
        v = _variables(_as_dtype(u, wanted, op), rowvar, False)
        if v.shape[1] != x.shape[1]:
            raise op_value_error(op, f"m and y have different numbers of observations ({x.shape[1]} and "
                                     f"{v.shape[1]}; shapes {t.shape} and {u.shape}, rowvar={rowvar!r})", t, u)
        x = concat([x, v], 0)
    ddof = (0 if bias else 1) if ddof is None else int(ddof)
    n = x.shape[1]
    f = None if fweights is None else _weights(fweights, "fweights", n, op, t)
    a = None if aweights is None else _weights(aweights, "aweights", n, op, t)
    w = f if a is None else (a if f is None else f * a)
    if w is None:
        average = reduce_sum(x, 1, keepdims=True) / np.array(n, wanted)
        fact = float(n - ddof)
    else:
        w_sum = w.astype(wanted).sum()
        average = reduce_sum(x * w.astype(wanted), 1, keepdims=True) / w_sum
        fact = float(w_sum if ddof == 0 else w_sum - ddof if a is None else w_sum - ddof * np.sum(w * a) / w_sum)
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
        fact = 0.0
    centred = x - average
    weighted = centred if w is None else centred * w.astype(wanted)
    with np.errstate(divide="ignore"):
        scale = np.array(np.true_divide(1, fact), wanted)
    c = matmul(centred, transpose(weighted)) * scale
    return reshape(c, tuple(d for d in c.shape if d != 1))


_COV_CASES = (Case(((3, 5),)), Case(((6, 2),), dict(rowvar=False)), Case(((7,),)), Case(((2, 5), (1, 5))),
              Case(((4, 3), (4,)), dict(rowvar=False, bias=True)), Case(((2, 6),), dict(ddof=3)),
              Case(((2, 5),), dict(fweights=np.array([1, 2, 1, 3, 2]))),
              Case(((3, 5),), dict(aweights=np.array([0.5, 1.0, 2.0, 0.25, 1.5]), ddof=1)),
              Case(((2, 4),), dict(fweights=np.array([2, 1, 1, 3]), aweights=np.array([1.0, 0.3, 2.0, 0.7]))))


@composite("cov", numpy=(np.cov,), cases=_COV_CASES, float32_out=False,
           convention="smooth (a product of centred data), differentiable in m and y; fweights and aweights are "
                      "data; fact <= 0 warns and gives inf/NaN, as NumPy; float32 input gives float64, as NumPy")
def cov(m: TensorLike, y: Optional[TensorLike] = None, rowvar: bool = True, bias: bool = False,
        ddof: Optional[int] = None, fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Tensor:
    """Covariance matrix of the variables (rows, or columns with ``rowvar=False``), NumPy's ``cov``."""
    return _cov("cov", m, y, rowvar, bias, ddof, fweights, aweights, dtype)


@composite("corrcoef", numpy=(np.corrcoef,), float32_out=False,
           cases=(Case(((3, 5),)), Case(((6, 2),), dict(rowvar=False)), Case(((2, 5), (2, 5))),
                  Case(((5,), (5,))), Case(((4, 3), (4,)), dict(rowvar=False))),
           convention="cov / sqrt(diag) rows then columns, clipped to [-1, 1] (a clipped entry has derivative 0: "
                      "the diagonal is constant 1); a constant variable gives NaN, as NumPy")
def corrcoef(x: TensorLike, y: Optional[TensorLike] = None, rowvar: bool = True, *, dtype: Any = None) -> Tensor:
    """Pearson correlation coefficients, NumPy's ``corrcoef``."""
    c = _cov("corrcoef", x, y, rowvar, False, None, None, None, dtype)
    if c.ndim == 0:  # one variable: 1, or NaN where the variance is 0, inf or NaN (NumPy's c / c)
        return c / c
    stddev = sqrt(diag_part(c))
    c = c / reshape(stddev, (-1, 1))
    c = c / reshape(stddev, (1, -1))
    return clip_by_value(c, -1.0, 1.0)
