"""Bessel functions of general order as elementwise rows, SciPy's names and signature ``f(v, x)``.

``nt.jv`` (also ``nt.jn``: SciPy's ``jn`` is ``jv``), ``nt.yv``, ``nt.yn``, ``nt.iv``, ``nt.ive``,
``nt.kv``, ``nt.kve``. The order is data: its gradient is None (as polygamma's n, and as
TensorFlow's special functions); a float Tensor order is recorded through stop_gradient.
``yn`` takes integer orders (a non-integer one is truncated, as SciPy's yn does; ``yv`` takes any). The compiled
kernels are numtape/_kernels/besseljy.py and besselik.py (Temme's method, pure Python that
Numba compiles); NumPy arrays go through the same kernels (one compiled loop), not through
``scipy.special``, whose algorithms differ in the last digits: so eager arrays, Python floats
and compiled tapes give one value and one derivative. Derivatives in x are written
with the rows themselves by the recurrences (DLMF 10.6.1, 10.29.1), so every order is recorded;
the compiled partials are the same expressions, float operation for float operation.

Accuracy of the kernels (scalar fast path, compiled tapes), measured against mpmath on orders
0..50 and fractional ones, x from 1e-10 to 1e3 and beyond (tests/test_bessel_orders.py): I, K,
ive, kve within 5e-15 relative; J and Y within 5e-15 of max(|f|, |H_v(x)|) (relative where
the functions do not oscillate, else against their envelope: near a zero only absolute
accuracy has a meaning). SciPy itself is off by up to 5e-13 on that grid, and flushes J_v,
ive below about 1e-290 to 0, where the kernels give the value.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._kernels import besselik as BI
from .._kernels import besseljy as BJ
from ..tensor import Tensor, TensorLike
from ..variable import Variable
from .elementwise import OPS, ROW_OPS, _binary, sign, stop_gradient_op
from .special_functions import _float_order, _py
from .ufunc import binary_op

_ORDER_DOMAIN = (0.0, 4.0)  # where tests sample the order (integers for yn)
_X_DOMAIN = (0.5, 8.0)


_KINDS = {"jv": (BJ, "jy_array", 0), "yv": (BJ, "jy_array", 1), "yn": (BJ, "jy_array", 2),
          "iv": (BI, "ik_array", 0), "ive": (BI, "ik_array", 1), "kv": (BI, "ik_array", 2), "kve": (BI, "ik_array", 3)}


def _kernel_ufunc(name: str) -> Any:
    """The row's NumPy path: its compiled kernel over broadcast arrays (float64 inside, the
    result in the inputs' float type, NumPy's promotion with Python floats weak)."""
    module, loop, kind = _KINDS[name]

    def call(v: Any, x: Any) -> Any:
        from .._kernels.jit import ensure_compiled

        ensure_compiled()
        wanted = np.result_type(v, x)
        va, xa = np.broadcast_arrays(np.asarray(v, np.float64), np.asarray(x, np.float64))
        out = np.empty(va.shape)
        getattr(module, loop)(kind, np.ascontiguousarray(va).reshape(-1), np.ascontiguousarray(xa).reshape(-1),
                              out.reshape(-1))
        out = out.astype(wanted) if wanted.kind == "f" and wanted != np.float64 else out
        return out if out.ndim else out[()]

    call.__name__ = name
    return call


def _order_row(code: int, name: str, module: Any, doc: str, vjp: Any, *, kernel: str, partial: str,
               second: str, domain: tuple[float, float] = _X_DOMAIN, integer: bool = False,
               scipy_names: tuple[str, ...] = ()) -> Any:
    names = scipy_names or (name,)
    return _binary(code, name, _py(name, module), _kernel_ufunc(name), vjp, doc, kernel=kernel, partial=partial,
                   second=second, domains=(_ORDER_DOMAIN, domain),
                   **({"integer_operands": (0,)} if integer else {"data_operands": (0,)}),
                   scipy=names, public=False, aliases=tuple(f"special.{n}" for n in names))


def _jv_vjp(g: Tensor, z: Tensor, v: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_jv(v - 1.0, x) - _jv(v + 1.0, x)) * 0.5)


def _yv_vjp(g: Tensor, z: Tensor, v: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_yv(v - 1.0, x) - _yv(v + 1.0, x)) * 0.5)


def _yn_vjp(g: Tensor, z: Tensor, n: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_yn(n - 1.0, x) - _yn(n + 1.0, x)) * 0.5)


def _iv_vjp(g: Tensor, z: Tensor, v: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_iv(v - 1.0, x) + _iv(v + 1.0, x)) * 0.5)


def _ive_vjp(g: Tensor, z: Tensor, v: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_ive(v - 1.0, x) + _ive(v + 1.0, x)) * 0.5 - sign(x) * z)


def _kv_vjp(g: Tensor, z: Tensor, v: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_kv(v - 1.0, x) + _kv(v + 1.0, x)) * -0.5)


def _kve_vjp(g: Tensor, z: Tensor, v: Tensor, x: Tensor) -> tuple[None, Tensor]:
    return None, g * ((_kve(v - 1.0, x) + _kve(v + 1.0, x)) * -0.5 + z)


_ROWS = [
    _order_row(135, "jv", BJ, "Elementwise Bessel function of the first kind J_v(x) of real order v (SciPy's "
               "jv, also named jn). Negative v by DLMF 10.4.7; x < 0 only for integer v (NaN otherwise: the "
               "value is complex). The order is data (gradient None). Derivative in x: (J_v-1 - J_v+1)/2.",
               _jv_vjp, kernel="BJ.jv(a, b)", partial="(0.0, (BJ.jv(a - 1.0, b) - BJ.jv(a + 1.0, b)) * 0.5)", second="BJ.jv_second(a, b, z, db)",
               scipy_names=("jv", "jn")),
    _order_row(136, "yv", BJ, "Elementwise Bessel function of the second kind Y_v(x) of real order v, x > 0 "
               "(-inf at 0, NaN below). Negative v by DLMF 10.4.8. The order is data (gradient None). "
               "Derivative in x: (Y_v-1 - Y_v+1)/2.",
               _yv_vjp, kernel="BJ.yv(a, b)", partial="(0.0, (BJ.yv(a - 1.0, b) - BJ.yv(a + 1.0, b)) * 0.5)",
               second="BJ.bessel_second(a, b, z, db)"),
    _order_row(137, "yn", BJ, "Elementwise Bessel function of the second kind Y_n(x) of integer order n, x > 0 "
               "(Cephes' recurrence; -inf at 0, NaN below; a non-integer n is truncated, as SciPy's yn does: yv "
               "takes real orders). The order is "
               "data (gradient None). Derivative in x: (Y_n-1 - Y_n+1)/2.",
               _yn_vjp, kernel="BJ.yn(a, b)", partial="(0.0, (BJ.yn(a - 1.0, b) - BJ.yn(a + 1.0, b)) * 0.5)", second="BJ.yn_second(a, b, z, db)",
               integer=True),
    _order_row(138, "iv", BI, "Elementwise modified Bessel function of the first kind I_v(x) of real order v "
               "(inf where it overflows; negative v by DLMF 10.27.2; x < 0 only for integer v). The order is "
               "data (gradient None). Derivative in x: (I_v-1 + I_v+1)/2.",
               _iv_vjp, kernel="BI.iv(a, b)", partial="(0.0, (BI.iv(a - 1.0, b) + BI.iv(a + 1.0, b)) * 0.5)", second="BI.iv_second(a, b, z, db)",
               domain=(0.3, 4.0)),
    _order_row(139, "ive", BI, "Elementwise exponentially scaled I_v: exp(-|x|) I_v(x), finite for large x. The "
               "order is data (gradient None). Derivative in x: (ive_v-1 + ive_v+1)/2 - sign(x) ive_v (a kink "
               "at 0, where the subgradient is I_v'(0)).",
               _ive_vjp, kernel="BI.ive(a, b)", partial="(0.0, (BI.ive(a - 1.0, b) + BI.ive(a + 1.0, b)) * 0.5 - M.sign(b) * z)",
               second="BI.ive_second(a, b, z, db)", domain=(0.3, 4.0)),
    _order_row(140, "kv", BI, "Elementwise modified Bessel function of the second kind K_v(x) of real order v, "
               "x > 0 (inf at 0, NaN below; K_-v = K_v). The order is data (gradient None). Derivative in x: "
               "-(K_v-1 + K_v+1)/2.",
               _kv_vjp, kernel="BI.kv(a, b)", partial="(0.0, (BI.kv(a - 1.0, b) + BI.kv(a + 1.0, b)) * -0.5)",
               second="BI.modified_second(a, b, z, db)", domain=(0.3, 4.0)),
    _order_row(141, "kve", BI, "Elementwise exponentially scaled K_v: exp(x) K_v(x), finite for large x. The order "
               "is data (gradient None). Derivative in x: -(kve_v-1 + kve_v+1)/2 + kve_v.",
               _kve_vjp, kernel="BI.kve(a, b)", partial="(0.0, (BI.kve(a - 1.0, b) + BI.kve(a + 1.0, b)) * -0.5 + z)",
               second="BI.kve_second(a, b, z, db)", domain=(0.3, 4.0)),
]
_RAW = {spec.name: binary_op(spec) for spec in _ROWS}
_jv, _yv, _yn, _iv, _ive, _kv, _kve = (_RAW[n] for n in ("jv", "yv", "yn", "iv", "ive", "kv", "kve"))


def _data_order(v: Any, x: Any) -> Any:
    """The order as data: a float Tensor through stop_gradient, integers as floats of x's precision."""
    if type(v) is Variable:
        v = v._read()
    if isinstance(v, Tensor):
        return stop_gradient_op(v) if v.dtype.kind == "f" else _float_order(v._v, x)
    return v if type(v) is float else _float_order(v, x)


def _order_op(spec_name: str) -> Any:
    raw = _RAW[spec_name]

    def op(v: TensorLike, x: TensorLike, name: Any = None) -> Tensor:  # name: ignored, as TF
        return raw(_data_order(v, x), x)

    op.__name__ = op.__qualname__ = spec_name
    op.__doc__ = raw.__doc__
    return op


jv, yv, yn = _order_op("jv"), _order_op("yv"), _order_op("yn")
iv, ive, kv, kve = _order_op("iv"), _order_op("ive"), _order_op("kv"), _order_op("kve")
jn = jv
OPS.update(jv=jv, jn=jv, yv=yv, yn=yn, iv=iv, ive=ive, kv=kv, kve=kve)
ROW_OPS.update(jv=jv, jn=jv, yv=yv, yn=yn, iv=iv, ive=ive, kv=kv, kve=kve)
