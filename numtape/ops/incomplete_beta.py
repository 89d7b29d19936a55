"""The regularized incomplete beta function ``betainc(a, b, x)`` (SciPy's name and argument order;
``nt.special.betainc``, ``nt.math.betainc``; ``scipy.special.betainc`` on Tensors records it).

It has three operands and the tape's elementwise entries have two, so it is a hand-off
(:func:`.handoff.handoff`) over a compiled kernel (``numtape/_kernels/betaincfn.py``: Cephes'
algorithm, carrying the derivatives in a and b), not an elementwise row; the operands are
broadcast first (recorded, so the gradients sum back). Its VJP is written in numtape ops:

* in ``x``, the beta density ``exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))``, made of
  rows, so every order in x and the mixed derivatives with a, b are recorded;
* in ``a`` and ``b``, ``dI/da`` and ``dI/db`` from a second hand-off over the same kernel, whose own
  VJP has the closed-form x-derivatives ``density * (log x - psi(a) + psi(a + b))`` and
  ``density * (log(1 - x) - psi(b) + psi(a + b))``. Second derivatives in (a, b) are not
  implemented: that hand-off takes a and b as inputs only when a tape records them, and then
  asking for them raises ValueError naming betainc (never a silent None or 0). TensorFlow's
  betainc has no gradient in a and b at all; numtape gives the first one.

Values follow ``scipy.special.betainc``'s conventions (NaN outside the domain, SciPy's limits at a
or b = 0 or inf); the derivatives in a and b are NaN at those limits (one-sided there).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .._kernels import betaincfn as BI
from .._kernels import sweep as K
from .._state import state
from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import exp, log, log1p
from .handoff import handoff
from .registry import Case, composite
from .shape import broadcast_to
from .special_functions import betaln, digamma, xlog1py, xlogy
from .stats_base import operands

OP = "betainc"


def _kernel(values: Sequence[np.ndarray], partials: bool) -> tuple[np.ndarray, ...]:
    """The compiled kernel over same-shape float64 arrays: ``(I,)`` or ``(dI/da, dI/db)``."""
    K.ensure_compiled()
    a, b, x = (np.ascontiguousarray(v, np.float64).ravel() for v in values)
    value = np.empty(a.size)
    da, db = (np.empty(a.size), np.empty(a.size)) if partials else (np.empty(0), np.empty(0))
    BI.betainc_arrays(a, b, x, value, da, db)
    shape = np.shape(values[0])
    return (da.reshape(shape), db.reshape(shape)) if partials else (value.reshape(shape),)


def _recorded(t: Tensor) -> bool:
    """Some recording tape knows ``t`` (it may be differentiated)."""
    return any(tape.slot_of(t) >= 0 for tape in state.stack)


def density(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    """The beta density ``x^(a-1) (1-x)^(b-1) / B(a, b)``, dI/dx, in log space, recorded."""
    return exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b))


def _value_vjp(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]
               ) -> list[Optional[Tensor]]:
    (g,) = upstream
    a, b, x = inputs
    da, db = shape_partials(a, b, x)
    return [g * da, g * db, g * density(a, b, x)]


def _value_vjp_x_only(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]
                      ) -> list[Optional[Tensor]]:
    (g,) = upstream
    a, b, x = inputs
    return [None, None, g * density(a, b, x)]


def shape_partials(a: Tensor, b: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
    """``(dI/da, dI/db)`` as Tensors, differentiable in ``x`` (closed form); a second derivative in
    a or b raises ValueError."""
    a_in, b_in = _recorded(a), _recorded(b)
    captured = [np.asarray(a._v, np.float64), np.asarray(b._v, np.float64)]
    inputs = [x] + [t for t, keep in ((a, a_in), (b, b_in)) if keep]

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray, ...]:
        rest = iter(values[1:])
        av = next(rest) if a_in else captured[0]
        bv = next(rest) if b_in else captured[1]
        return _kernel((av, bv, values[0]), True)

    def vjp(upstream: list[Optional[Tensor]], ins: list[Tensor], outs: list[Tensor]) -> list[Optional[Tensor]]:
        if len(ins) > 1:
            raise op_value_error(OP, "second derivatives in a and b are not implemented (first derivatives in a "
                                     "and b are, and every order in x); differentiate dI/da or dI/db in x only, "
                                     "with a and b not watched")
        ua, ub = upstream
        digamma_ab = digamma(a + b)
        gx = None
        if ua is not None:
            gx = ua * (log(x) - digamma(a) + digamma_ab)
        if ub is not None:
            term = ub * (log1p(-x) - digamma(b) + digamma_ab)
            gx = term if gx is None else gx + term
        return [None if gx is None else gx * density(a, b, x)]

    da, db = handoff("betainc_partials", forward, vjp, inputs)
    return da, db


def incomplete_beta(a: Tensor, b: Tensor, x: Tensor, shape_gradients: bool = True) -> Tensor:
    """``betainc`` on same-shape float Tensors (``shape_gradients=False``: a and b are data, their
    gradient None, as for the counts of ``binom.cdf``)."""
    vjp = _value_vjp if shape_gradients else _value_vjp_x_only
    return handoff(OP, lambda values: _kernel(values, False), vjp, [a, b, x])[0]


def _broadcast(op: str, *values: TensorLike) -> list[Tensor]:
    tensors = operands(op, *values)
    try:
        shape = np.broadcast_shapes(*(t.shape for t in tensors))
    except ValueError as error:
        raise op_value_error(op, "the operands do not broadcast together", *tensors) from error
    return [t if t.shape == shape else broadcast_to(t, shape) for t in tensors]


def _scipy_betainc(a: Any, b: Any, x: Any) -> Any:
    import scipy.special

    return scipy.special.betainc(a, b, x)


def _sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.3, 4.0, shape)


def _unit(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.05, 0.95, shape)


def _with_x(a: Any, b: Any, x: Any) -> tuple[Any, Any, Any]:
    """Samples in (0.3, 4) with x moved into (0.075, 1): the third sample divided by 4."""
    return a, b, x * 0.25


_CASES = (Case(((5,), (5,), (5,)), orders=1, pack=_with_x), Case(((2, 3), (3,), (2, 1)), orders=1, pack=_with_x),
          Case(((4,),), const=(np.array([1, 2, 3, 7]), np.array([3, 1, 5, 2])), sample=_unit),
          Case(((),), const=(2.0, 3.0), sample=_unit), Case(((3,),), const=(0.5, 2.5), sample=_unit))
_CONVENTION = ("smooth in 0 < x < 1 to every order (the derivative in x is the beta density, infinite at x = 0 for "
               "a < 1 and at x = 1 for b < 1); first derivatives in a and b (compiled, differentiated continued "
               "fraction), whose second derivatives in a and b raise ValueError (TensorFlow: no gradient in a, b). "
               "x outside [0, 1], a < 0 or b < 0 give NaN, a = 0 or b = 0 SciPy's limits (derivatives in a, b "
               "NaN there), as scipy.special.betainc")


@composite(aliases=("special.betainc", "math.betainc"), scipy=("betainc",), cases=_CASES, sample=_sample,
           reference=_scipy_betainc, convention=_CONVENTION)
def betainc(a: TensorLike, b: TensorLike, x: TensorLike) -> Tensor:
    """The regularized incomplete beta function ``I_x(a, b) = B(x; a, b) / B(a, b)``, elementwise
    with broadcasting (``scipy.special.betainc``, ``tf.math.betainc``)."""
    ta, tb, tx = _broadcast(OP, a, b, x)
    return incomplete_beta(ta, tb, tx)
