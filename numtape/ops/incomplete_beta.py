"""The regularized incomplete beta function ``betainc(a, b, x)`` (SciPy's name and argument order;
``nt.special.betainc``, ``nt.math.betainc``; ``scipy.special.betainc`` on Tensors records it).

It has three operands and the tape's elementwise entries have two, so it is a hand-off
(:func:`.handoff.handoff`), not an elementwise row; the operands are broadcast first (recorded, so
the gradients sum back). The value is ``scipy.special.betainc``'s (exactly SciPy's, and 4-8x faster
than the kernel below, which carries five derivatives). The VJP is written in numtape ops:

* in ``x``, the beta density ``exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))``, made of
  rows, so every order in x is recorded;
* in ``a`` and ``b``, ``I_a`` and ``I_b`` from a hand-off over the compiled kernel
  (``numtape/_kernels/betaincfn.py``: Cephes' algorithm in hyper-dual numbers), whose VJP has
  the closed-form x-derivatives ``density * (log x - psi(a) + psi(a + b))`` and ``density *
  (log(1 - x) - psi(b) + psi(a + b))`` and, in a and b, ``I_aa, I_ab, I_bb`` from a third hand-off
  over the same kernel; its own x-derivatives are closed form too. Third derivatives in (a, b)
  raise ValueError naming betainc (never a silent None or 0). A hand-off takes a and b as inputs
  only when a tape records them, so constant shape parameters never raise. TensorFlow's betainc
  has no gradient in a and b; numtape's goes to second order.

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
from .special_functions import betaln, digamma, polygamma, xlog1py, xlogy
from .stats_base import operands

OP = "betainc"


def partials(values: Sequence[np.ndarray]) -> np.ndarray:
    """The compiled kernel over same-shape float64 arrays ``(a, b, x)``: an array of shape
    ``(6,) + shape`` holding ``I, I_a, I_b, I_aa, I_ab, I_bb``."""
    K.ensure_compiled()
    a, b, x = (np.ascontiguousarray(v, np.float64).ravel() for v in values)
    out = np.empty((6, a.size))
    BI.betainc_arrays(a, b, x, out)
    return out.reshape((6,) + np.shape(values[0]))


def _recorded(t: Tensor) -> bool:
    """Some recording tape knows ``t`` (it may be differentiated)."""
    return any(tape.slot_of(t) >= 0 for tape in state.stack)


def density(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    """The beta density ``x^(a-1) (1-x)^(b-1) / B(a, b)``, dI/dx, in log space, recorded."""
    return exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b))


def _log_density_slopes(a: Tensor, b: Tensor, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """d log(density)/da, d/db and the mixed psi1(a + b): ``log x - psi(a) + psi(a + b)``, ..."""
    digamma_ab = digamma(a + b)
    return log(x) - digamma(a) + digamma_ab, log1p(-x) - digamma(b) + digamma_ab, polygamma(1, a + b)


def _x_cotangent(terms: list[tuple[Optional[Tensor], Any]], a: Tensor, b: Tensor, x: Tensor) -> Optional[Tensor]:
    """``density * sum(u * factor)`` over the terms whose cotangent ``u`` is not None."""
    total = _add(*(u * factor() for u, factor in terms if u is not None))
    return None if total is None else total * density(a, b, x)


def _shape_handoff(name: str, rows: slice, a: Tensor, b: Tensor, x: Tensor, vjp_ab: Any) -> list[Tensor]:
    """Rows ``rows`` of the kernel's output as Tensors, recorded with ``vjp_ab(upstream, a, b, x)`` ->
    (cotangent of x, of a, of b). a and b are inputs only when a recording tape knows them."""
    a_in, b_in = _recorded(a), _recorded(b)
    captured = (np.asarray(a._v, np.float64), np.asarray(b._v, np.float64))
    inputs = [x] + [t for t, keep in ((a, a_in), (b, b_in)) if keep]

    def forward(values: list[np.ndarray]) -> list[np.ndarray]:
        rest = iter(values[1:])
        av = next(rest) if a_in else captured[0]
        bv = next(rest) if b_in else captured[1]
        return list(partials((av, bv, values[0]))[rows])

    def vjp(upstream: list[Optional[Tensor]], ins: list[Tensor], outs: list[Tensor]) -> list[Optional[Tensor]]:
        gx, ga, gb = vjp_ab(upstream, a, b, x, len(ins) > 1)
        return [gx] + ([ga] if a_in else []) + ([gb] if b_in else [])

    return handoff(name, forward, vjp, inputs)


def _add(*terms: Optional[Tensor]) -> Optional[Tensor]:
    kept = [t for t in terms if t is not None]
    if not kept:
        return None
    total = kept[0]
    for t in kept[1:]:
        total = total + t
    return total


def _first_vjp(upstream: list[Optional[Tensor]], a: Tensor, b: Tensor, x: Tensor, shapes: bool
               ) -> tuple[Optional[Tensor], Optional[Tensor], Optional[Tensor]]:
    ua, ub = upstream
    la, lb, _ = _log_density_slopes(a, b, x)
    gx = _x_cotangent([(ua, lambda: la), (ub, lambda: lb)], a, b, x)
    if not shapes:
        return gx, None, None
    i_aa, i_ab, i_bb = second_partials(a, b, x)
    ga = _add(None if ua is None else ua * i_aa, None if ub is None else ub * i_ab)
    gb = _add(None if ua is None else ua * i_ab, None if ub is None else ub * i_bb)
    return gx, ga, gb


def _second_vjp(upstream: list[Optional[Tensor]], a: Tensor, b: Tensor, x: Tensor, shapes: bool
                ) -> tuple[Optional[Tensor], None, None]:
    if shapes:
        raise op_value_error(OP, "third derivatives in a and b are not implemented (derivatives in a and b "
                                 "go to second order, in x to every order)")
    uaa, uab, ubb = upstream
    la, lb, q = _log_density_slopes(a, b, x)
    gx = _x_cotangent([(uaa, lambda: la * la - polygamma(1, a) + q), (uab, lambda: la * lb + q),
                       (ubb, lambda: lb * lb - polygamma(1, b) + q)], a, b, x)
    return gx, None, None


def shape_partials(a: Tensor, b: Tensor, x: Tensor) -> list[Tensor]:
    """``[dI/da, dI/db]``, recorded: differentiable in x (closed form) and in a, b (second_partials)."""
    return _shape_handoff("betainc_partials", slice(1, 3), a, b, x, _first_vjp)


def second_partials(a: Tensor, b: Tensor, x: Tensor) -> list[Tensor]:
    """``[I_aa, I_ab, I_bb]``, recorded: differentiable in x (closed form); in a, b it raises."""
    return _shape_handoff("betainc_second_partials", slice(3, 6), a, b, x, _second_vjp)


def _values(values: list[np.ndarray]) -> tuple[np.ndarray]:
    import scipy.special

    return (scipy.special.betainc(*values),)


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


def incomplete_beta(a: Tensor, b: Tensor, x: Tensor, shape_gradients: bool = True) -> Tensor:
    """``betainc`` on same-shape float Tensors (``shape_gradients=False``: a and b are data, their
    gradient None, as for the counts of ``binom.cdf``)."""
    vjp = _value_vjp if shape_gradients else _value_vjp_x_only
    return handoff(OP, _values, vjp, [a, b, x])[0]


def tracked(*values: Any) -> bool:
    """Some value is a Tensor or a Variable: NumPy arrays and numbers are never differentiated, so
    when a and b are neither, the VJP skips the compiled kernel of their derivatives."""
    return any(isinstance(v, Tensor) or hasattr(v, "_read") for v in values)


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


_CASES = (Case(((5,), (5,), (5,)), pack=_with_x), Case(((2, 3), (3,), (2, 1)), pack=_with_x),
          Case(((4,),), const=(np.array([1, 2, 3, 7]), np.array([3, 1, 5, 2])), sample=_unit),
          Case(((),), const=(2.0, 3.0), sample=_unit), Case(((3,),), const=(0.5, 2.5), sample=_unit))
_CONVENTION = ("smooth in 0 < x < 1 to every order (the derivative in x is the beta density, infinite at x = 0 for "
               "a < 1 and at x = 1 for b < 1); derivatives in a and b to second order (compiled: the series and "
               "continued fractions differentiated in hyper-dual numbers), a third one in a or b raises ValueError "
               "(TensorFlow: no gradient in a, b). "
               "x outside [0, 1], a < 0 or b < 0 give NaN, a = 0 or b = 0 SciPy's limits (derivatives in a, b "
               "NaN there), as scipy.special.betainc")


@composite(aliases=("special.betainc", "math.betainc"), scipy=("betainc",), cases=_CASES, sample=_sample,
           reference=_scipy_betainc, convention=_CONVENTION)
def betainc(a: TensorLike, b: TensorLike, x: TensorLike) -> Tensor:
    """The regularized incomplete beta function ``I_x(a, b) = B(x; a, b) / B(a, b)``, elementwise
    with broadcasting (``scipy.special.betainc``, ``tf.math.betainc``)."""
    ta, tb, tx = _broadcast(OP, a, b, x)
    return incomplete_beta(ta, tb, tx, tracked(a, b))
