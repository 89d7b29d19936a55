"""The Dirichlet distribution of ``nt.stats``: ``dirichlet.logpdf``/``pdf`` as rows with
``scipy.stats.dirichlet``'s signature ``(x, alpha)``, and ``dirichlet.mean``/``var``/``cov``/``entropy(alpha)``.

The log density is SciPy's formula ``sum_i xlogy(alpha_i - 1, x_i) - log B(alpha)`` with
``log B(alpha) = sum_i gammaln(alpha_i) - gammaln(sum_i alpha_i)``; the density is its ``exp``.
Both are differentiable in ``x`` and ``alpha`` to any order (the derivatives are those of
``xlogy`` and ``gammaln``). The arguments are read as SciPy reads them: ``alpha`` is a vector of
``k`` concentrations, ``x`` holds the components on its *first* axis, ``(k,)`` one point and
``(k, n)`` ``n`` points; with ``k - 1`` components the last one is ``1 - sum(x, 0)`` (recorded, so
the gradient flows through it). The result is squeezed as SciPy squeezes it.

SciPy raises ValueError for a point off the simplex and for ``alpha <= 0``, and so do the rows.
Shapes are checked when the op is called; the values are checked by a hand-off
(:func:`.handoff.handoff`) whose output is a 0.0 added to the result: it runs SciPy's checks in
Python on every evaluation, so an ``nt.function`` replay at new inputs checks them too, and it
passes no gradient (the formula's derivatives stay in the compiled ops). The simplex tolerance is
SciPy's, ``|sum(x, 0) - 1| <= 1e-9``; in float32 it is ``8 k eps(float32)`` (SciPy's tolerance is
below float32 rounding, so it would refuse almost every float32 point). The moments are SciPy's formulas, ``alpha / alpha0``
and ``alpha (alpha0 - alpha) / (alpha0^2 (alpha0 + 1))`` with ``alpha0 = sum(alpha)``, the
covariance ``(diag(a) - a a^T) / (alpha0 + 1)`` and the entropy, with the same check of ``alpha``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..errors import op_value_error
from ..tensor import Tensor, TensorLike
from .elementwise import equal, exp
from .handoff import handoff
from .reduce import reduce_sum
from .registry import Case, composite
from .shape import concat, reshape
from .special_functions import digamma, gammaln, xlogy
from .stats_base import both, operands, positive_sample, safe, scipy_reference

SCIPY_SIMPLEX_TOLERANCE = 1e-9  # scipy.stats._multivariate._dirichlet_check_input: 10e-10


def _concentrations(op: str, talpha: Tensor) -> Tensor:
    if talpha.ndim != 1 or talpha.shape[0] == 0:
        raise op_value_error(op, f"alpha must be a non-empty vector of shape (k,), got shape {talpha.shape}", talpha)
    return talpha


def _parameters(op: str, x: TensorLike, alpha: TensorLike) -> tuple[Tensor, Tensor]:
    """``(x, alpha)`` as SciPy reads them: points ``(k,)`` or ``(k, n)`` completed to ``k`` entries."""
    tx, talpha = operands(op, x, alpha)
    k = _concentrations(op, talpha).shape[0]
    if tx.ndim not in (1, 2) or tx.shape[0] not in (k, k - 1):
        raise op_value_error(op, f"x must have shape ({k},) or ({k}, n) (or {k - 1} entries on axis 0, the last "
                                 f"being 1 - sum), as SciPy, for alpha of shape ({k},); got shape {tx.shape}", tx)
    if tx.shape[0] == k - 1:
        tx = concat([tx, reshape(1.0 - reduce_sum(tx, 0), (1,) + tx.shape[1:])], 0)
    return tx, talpha


def _check_values(op: str, x: np.ndarray, alpha: np.ndarray, tolerance: float) -> None:
    """SciPy's checks of ``_dirichlet_check_parameters``/``_dirichlet_check_input``, as ValueErrors."""
    _check_alpha(op, alpha)
    if np.any(x < 0) or np.any(x > 1):
        raise op_value_error(op, f"every entry of x must lie in [0, 1], got min {np.min(x)}, max {np.max(x)}")
    at_zero = (x == 0) & (alpha < 1).reshape((-1,) + (1,) * (x.ndim - 1))
    if np.any(at_zero):
        raise op_value_error(op, "an entry of x is 0 where its alpha is < 1 (the density is infinite there)")
    sums = np.sum(x, 0)
    if np.any(np.abs(sums - 1.0) > tolerance):
        raise op_value_error(op, f"x must lie on the simplex: sum(x, 0) must be 1 within {tolerance:.3g}, "
                                 f"got {sums}")


def _no_gradient(upstream: list[Optional[Tensor]], inputs: list[Tensor], outputs: list[Tensor]) -> list[None]:
    return [None] * len(inputs)


def _checked(op: str, x: Optional[Tensor], alpha: Tensor) -> Tensor:
    """A recorded 0.0 whose evaluation (eager, or in a replay) raises where SciPy raises (``x=None``:
    only ``alpha`` is checked)."""
    tolerance = SCIPY_SIMPLEX_TOLERANCE
    if x is not None and x.dtype != np.float64:
        tolerance = max(tolerance, 8 * x.shape[0] * float(np.finfo(x.dtype).eps))

    def forward(values: list[np.ndarray]) -> tuple[np.ndarray]:
        if x is None:
            _check_alpha(op, values[0])
        else:
            _check_values(op, values[0], values[1], tolerance)
        return (np.zeros(()),)

    return handoff(op, forward, _no_gradient, [alpha] if x is None else [x, alpha])[0]


def _check_alpha(op: str, alpha: np.ndarray) -> None:
    if np.any(alpha <= 0):
        raise op_value_error(op, f"every alpha must be > 0, got alpha = {alpha}")


def _log_powers(x: Tensor, alpha_minus_1: Tensor) -> Tensor:
    """``xlogy(alpha - 1, x)``, whose x-derivative ``(alpha - 1)/x`` is 0/0 at ``x = 0, alpha = 1``.

    There the term is 0 for every ``x``, so its x-derivative is 0: ``x`` is replaced by 1 (the
    where passes no gradient to it), and a second term ``xlogy(alpha - 1, 0)`` on data gives
    ``alpha`` xlogy's derivative ``log 0 = -inf`` (every larger ``alpha`` gives -inf). Elsewhere
    that term is ``xlogy(alpha - 1, 1) = 0`` with derivative 0.
    """
    kink = both(equal(alpha_minus_1, 0.0), equal(x, 0.0))
    return xlogy(alpha_minus_1, safe(1.0 - kink, x)) + xlogy(alpha_minus_1, 1.0 - kink)


def _logpdf(op: str, x: TensorLike, alpha: TensorLike) -> Tensor:
    tx, talpha = _parameters(op, x, alpha)
    column = reshape(talpha, (talpha.shape[0],) + (1,) * (tx.ndim - 1))
    log_beta = reduce_sum(gammaln(talpha)) - gammaln(reduce_sum(talpha))
    out = reduce_sum(_log_powers(tx, column - 1.0), 0) - log_beta + _checked(op, tx, talpha)
    return _squeezed(out)


def _squeezed(out: Tensor) -> Tensor:
    return reshape(out, tuple(s for s in out.shape if s != 1))  # SciPy's _squeeze_output


def _on_simplex(x: Any, alpha: Any) -> tuple[Any, Any]:
    """Positive samples (k, ...) scaled onto the simplex: every entry, and the sum is 1."""
    return x / x.sum(0), alpha


def _inside_simplex(x: Any, alpha: Any) -> tuple[Any, Any]:
    """Positive samples (k - 1, ...) scaled so that their sum is below 1 (the k-th entry is the rest)."""
    return x / (1.0 + x.sum(0)), alpha


_CASES = (Case(((3,), (3,)), pack=_on_simplex), Case(((3, 4), (3,)), pack=_on_simplex),
          Case(((4, 1), (4,)), pack=_on_simplex), Case(((2,), (3,)), pack=_inside_simplex),
          Case(((3, 5), (4,)), pack=_inside_simplex), Case(((1, 2), (2,)), pack=_inside_simplex))
_CONVENTION = ("smooth in x (off the simplex too: the formula's derivatives, (alpha_i - 1)/x_i) and alpha (> 0); "
               "with k - 1 entries the last is 1 - sum(x, 0), differentiated through. A point off the simplex "
               "(|sum - 1| > 1e-9, float32: 8 k eps), an entry outside [0, 1], x_i = 0 with alpha_i < 1, or "
               "alpha <= 0 raises ValueError, as SciPy, also in nt.function replays. At x_i = 0 (alpha_i >= 1) "
               "the value is SciPy's and the derivatives xlogy's (infinite), except that for alpha_i = 1, where the term is 0 "
               "for every x_i, the x_i-derivative is 0 (alpha_i's is log 0 = -inf)")


@composite(namespace="stats", reference=scipy_reference("dirichlet", "logpdf"), cases=_CASES,
           sample=positive_sample(0.5, 3.0), convention=_CONVENTION)
def dirichlet_logpdf(x: TensorLike, alpha: TensorLike) -> Tensor:
    """``scipy.stats.dirichlet.logpdf``: ``sum_i (alpha_i - 1) log x_i - log B(alpha)``, x on axis 0."""
    return _logpdf("stats.dirichlet.logpdf", x, alpha)


@composite(namespace="stats", reference=scipy_reference("dirichlet", "pdf"), cases=_CASES,
           sample=positive_sample(0.5, 3.0), convention="exp of dirichlet.logpdf; the same checks (ValueError)")
def dirichlet_pdf(x: TensorLike, alpha: TensorLike) -> Tensor:
    """``scipy.stats.dirichlet.pdf``: ``exp(dirichlet.logpdf(x, alpha))``."""
    return exp(_logpdf("stats.dirichlet.pdf", x, alpha))


_MOMENTS = (Case(((3,),)), Case(((5,),)), Case(((1,),)))


def _alpha(op: str, alpha: TensorLike) -> tuple[Tensor, Tensor]:
    """(alpha, a recorded 0.0 that raises where SciPy raises for this alpha)."""
    (talpha,) = operands(op, alpha)
    talpha = _concentrations(op, talpha)
    return talpha, _checked(op, None, talpha)


_ALPHA_CONVENTION = "smooth in alpha > 0; alpha <= 0 raises ValueError, as SciPy"


@composite(namespace="stats", reference=scipy_reference("dirichlet", "mean"), cases=_MOMENTS,
           sample=positive_sample(0.5, 3.0), convention=_ALPHA_CONVENTION)
def dirichlet_mean(alpha: TensorLike) -> Tensor:
    """``scipy.stats.dirichlet.mean``: ``alpha / sum(alpha)``."""
    talpha, check = _alpha("stats.dirichlet.mean", alpha)
    return _squeezed(talpha / reduce_sum(talpha) + check)


@composite(namespace="stats", reference=scipy_reference("dirichlet", "var"), cases=_MOMENTS,
           sample=positive_sample(0.5, 3.0), convention=_ALPHA_CONVENTION)
def dirichlet_var(alpha: TensorLike) -> Tensor:
    """``scipy.stats.dirichlet.var``: ``alpha (alpha0 - alpha) / (alpha0^2 (alpha0 + 1))``, ``alpha0 = sum(alpha)``."""
    talpha, check = _alpha("stats.dirichlet.var", alpha)
    total = reduce_sum(talpha)
    return _squeezed(talpha * (total - talpha) / (total * total * (total + 1.0)) + check)


@composite(namespace="stats", reference=scipy_reference("dirichlet", "cov"), cases=_MOMENTS,
           sample=positive_sample(0.5, 3.0), convention=_ALPHA_CONVENTION)
def dirichlet_cov(alpha: TensorLike) -> Tensor:
    """``scipy.stats.dirichlet.cov``: ``(diag(a) - a a^T) / (alpha0 + 1)``, ``a = alpha / alpha0``."""
    talpha, check = _alpha("stats.dirichlet.cov", alpha)
    total = reduce_sum(talpha)
    a = talpha / total
    k = talpha.shape[0]
    column = reshape(a, (k, 1))
    diagonal = column * np.eye(k, dtype=talpha.dtype)
    return _squeezed((diagonal - column * reshape(a, (1, k))) / (total + 1.0) + check)


@composite(namespace="stats", reference=scipy_reference("dirichlet", "entropy"), cases=_MOMENTS,
           sample=positive_sample(0.5, 3.0), convention=_ALPHA_CONVENTION + "; derivatives are digamma's and trigamma's")
def dirichlet_entropy(alpha: TensorLike) -> Tensor:
    """``scipy.stats.dirichlet.entropy``: ``log B(alpha) + (alpha0 - k) psi(alpha0) - sum_i (alpha_i - 1) psi(alpha_i)``."""
    talpha, check = _alpha("stats.dirichlet.entropy", alpha)
    total = reduce_sum(talpha)
    log_beta = reduce_sum(gammaln(talpha)) - gammaln(total)
    k = float(talpha.shape[0])
    return log_beta + (total - k) * digamma(total) - reduce_sum((talpha - 1.0) * digamma(talpha)) + check
