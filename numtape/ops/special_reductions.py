"""SciPy's ``special`` functions that are not ufuncs, as ``special.*`` rows: ``logsumexp(a, axis,
b, keepdims, return_sign)``, ``softmax``/``log_softmax`` (SciPy's signature), ``rgamma`` and
``multigammaln``; each is checked against SciPy's function of the same name (``_scipy``).

``log(sum(b * exp(a)))`` is computed as ``shift + log(sum(b * exp(a - shift)))`` with
``shift`` the maximum of ``a`` over the axes (a constant to every tape: ``max_shift``),
so it never overflows. Where ``b == 0`` the element is left out (``a`` is replaced by
-inf with a recorded ``where``, as SciPy does), so it gets a zero gradient even where
``a`` is infinite. A negative sum is NaN unless ``return_sign`` asks for
``(log|sum|, sign)``; the sign is data (derivative 0). Both ``a`` and ``b`` are
differentiable.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import TensorLike
from .elementwise import absolute, equal, exp, float_operand, log, sign, stop_gradient_op
from .primitives import where
from .reduce import Axis, _axes, max_shift, reduce_sum
from .registry import Case, composite
from .shape import reshape


def _scipy(name: str) -> Any:
    def reference(*args: Any, **kwargs: Any) -> Any:
        import scipy.special

        return getattr(scipy.special, name)(*args, **kwargs)

    return reference


@composite("logsumexp", namespace="special", reference=_scipy("logsumexp"),
           cases=(Case(((5,),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 4),), dict(axis=(0, 2), keepdims=True)),
                  Case(((3, 4),), dict(axis=0, return_sign=True)), Case(((2, 3),), dict(axis=-1, keepdims=True))),
           convention="smooth; the gradient in a is softmax(a) weighted by b; b == 0 elements are left out "
                      "(zero gradient); a negative sum is NaN unless return_sign")
def logsumexp(a: TensorLike, axis: Axis = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (SciPy's ``special.logsumexp``)."""
    t = float_operand(a, "logsumexp")
    if b is not None:
        weights = float_operand(b, "logsumexp")
        t = where(equal(weights, 0.0), -np.inf, t)  # broadcast with b, as SciPy
    axes = _axes(axis, t.ndim, "logsumexp")
    shift = max_shift(t, axes)
    terms = exp(t - shift)
    total = reduce_sum(terms if b is None else terms * weights, axes, bool(keepdims))
    offset = shift if keepdims else reshape(shift, total.shape)
    if not return_sign:
        return log(total) + offset
    return log(absolute(total)) + offset, stop_gradient_op(sign(total))


_SOFTMAX_CASES = (Case(((5,),)), Case(((2, 3),)), Case(((2, 3),), dict(axis=1)), Case(((2, 3, 2),), dict(axis=(0, 2))))


@composite("log_softmax", namespace="special", reference=_scipy("log_softmax"), cases=_SOFTMAX_CASES,
           convention="smooth: x - logsumexp(x) over axis (all axes by default, as SciPy; nt.log_softmax's "
                      "default is the last axis, TensorFlow's)")
def special_log_softmax(x: TensorLike, axis: Axis = None) -> Any:
    """``x - logsumexp(x, axis, keepdims=True)``, SciPy's ``special.log_softmax`` (axis None: all)."""
    return float_operand(x, "log_softmax") - logsumexp(x, axis, keepdims=True)


@composite("softmax", namespace="special", reference=_scipy("softmax"), cases=_SOFTMAX_CASES,
           convention="smooth: exp(log_softmax(x)) over axis (all axes by default, as SciPy)")
def special_softmax(x: TensorLike, axis: Axis = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, SciPy's ``special.softmax`` (axis None: all axes)."""
    return exp(special_log_softmax(x, axis))


def _above(low: float) -> Any:
    return lambda rng, shape: rng.uniform(low, low + 3.0, shape)


@composite("rgamma", namespace="special", reference=_scipy("rgamma"), cases=(Case(((5,),)), Case(((2, 3),))),
           sample=_above(0.3), convention="1/gamma(x): smooth; 0 at the poles of gamma (x = 0, -1, ...)")
def rgamma(x: TensorLike) -> Any:
    """``1 / gamma(x)`` (SciPy's ``special.rgamma``)."""
    from .special_functions import gamma

    return 1.0 / gamma(float_operand(x, "rgamma"))


@composite("multigammaln", namespace="special", reference=_scipy("multigammaln"),
           cases=(Case(((),), dict(d=3)), Case(((4,),), dict(d=2))), sample=_above(2.0),
           convention="a sum of gammaln: smooth for a > (d - 1)/2")
def multigammaln(a: TensorLike, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d`` (SciPy's ``special.multigammaln``)."""
    from .special_functions import gammaln

    t = float_operand(a, "multigammaln")
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise TypeError(f"numtape.special.multigammaln: d must be a positive int, got {d!r}")
    total = np.array(d * (d - 1) / 4.0 * np.log(np.pi), t.dtype)
    for j in range(int(d)):
        total = total + gammaln(t - j / 2.0)
    return total
