"""The regularized incomplete gamma functions as elementwise rows: ``gammainc`` P(a, x) and
``gammaincc`` Q(a, x) = 1 - P (SciPy's names; TensorFlow's ``nt.math.igamma``/``igammac``).

Values: ``numtape/_kernels/incgammafn.py`` (SciPy's igam branches) in the compiled tape and the
scalar fast path, ``scipy.special`` on NumPy arrays. Both arguments are differentiable, as in
TensorFlow and JAX. The recorded VJPs use two hand-off entries whose forwards are the compiled
kernels over the whole array (never per-element Python), so that the recorded path computes the
very numbers of the compiled partials: the gamma density dP/dx = x^(a-1) e^-x / Gamma(a) and the
k-th derivative in a (Taylor arithmetic through the series or the continued fraction). Their VJPs
are numtape ops again: the density's are density (log x - digamma(a)) and density ((a-1)/x - 1);
the k-th a-derivative's are the (k+1)-th (the same hand-off, one order up) and d^k/da^k of the
density, the density times the complete Bell polynomial of the a-derivatives of its log
(log x - digamma(a), -polygamma(j - 1, a)). So outer tapes record every order in both arguments.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .._kernels import incgammafn as IG
from .._kernels import jit
from ..tensor import Tensor
from .elementwise import OPS, ROW_OPS, _binary, less, log
from .handoff import handoff
from .primitives import where
from .shape import broadcast_to
from .special_functions import _py, _scipy, digamma, polygamma
from .ufunc import binary_op


def _handoff(name: str, kernel: Callable[..., np.ndarray], vjp: Callable[..., list], a: Tensor, x: Tensor
             ) -> Tensor:
    """``kernel(a, x)`` over the broadcast arrays as one hand-off entry (compiled, never per-element
    Python), differentiated by ``vjp(g, a, x)`` in numtape ops."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(x))
    a = a if np.shape(a) == shape else broadcast_to(a, shape)
    x = x if np.shape(x) == shape else broadcast_to(x, shape)

    def forward(values: list) -> list:
        jit.ensure_compiled()
        av, xv = (np.ascontiguousarray(v, np.float64).ravel() for v in values)
        return [kernel(av, xv).reshape(shape)]

    return handoff(name, forward, lambda upstream, inputs, outputs: vjp(upstream[0], *inputs), [a, x])[0]


def _density(a: Tensor, x: Tensor) -> Tensor:
    """dP/dx = x^(a-1) e^-x / Gamma(a) by the compiled kernel (what the compiled partial computes)."""
    def vjp(g: Tensor, a: Tensor, x: Tensor) -> list:
        return [g * _density_a_derivative(1, a, x), g * (_density(a, x) * ((a - 1.0) / x - 1.0))]

    return _handoff("gammainc_density", lambda av, xv: IG.density_array(av, xv), vjp, a, x)


def _density_a_derivative(order: int, a: Tensor, x: Tensor) -> Tensor:
    """d^order/da^order of the density: density * B_order(l', l'', ...), the complete Bell
    polynomial of the derivatives of l = (a - 1) log x - x - gammaln(a)."""
    d = _density(a, x)
    if order == 0:
        return d
    positive = less(0.0, x)
    log_x = where(positive, log(where(positive, x, 1.0)), -np.inf)
    slopes = [log_x - digamma(a)] + [-polygamma(j, a) for j in range(1, order)]  # l^(j+1)
    bell = [1.0]
    for n in range(order):  # B_(n+1) = sum_i C(n, i) B_(n-i) l^(i+1)
        bell.append(sum(math.comb(n, i) * bell[n - i] * slopes[i] for i in range(n + 1)))
    return d * bell[order]


def _a_derivative(order: int, a: Tensor, x: Tensor) -> Tensor:
    """d^order P(a, x) / da^order as a hand-off entry; its VJP is the next order in a and
    d^order/da^order of the density in x."""
    def vjp(g: Tensor, a: Tensor, x: Tensor) -> list:
        return [g * _a_derivative(order + 1, a, x), g * _density_a_derivative(order, a, x)]

    return _handoff(f"gammainc_da{order}", lambda av, xv: IG.a_derivative_array(av, xv, order), vjp, a, x)


def _gammainc_vjp(g: Tensor, z: Tensor, a: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
    return g * _a_derivative(1, a, x), g * _density(a, x)


def _gammaincc_vjp(g: Tensor, z: Tensor, a: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
    return -(g * _a_derivative(1, a, x)), -(g * _density(a, x))


_CONVENTION = (
    "a >= 0, x >= 0 (NaN below, as SciPy); SciPy's values at a = 0 (P = 1 for x > 0), x = 0, "
    "x = inf. Derivative in x: the gamma density x**(a-1) exp(-x) / Gamma(a); in a (as TensorFlow "
    "and JAX): the series DLMF 8.11.4 (x <= max(a, 1)) or Cephes' continued fraction differentiated "
    "term by term in Taylor arithmetic, every order (at a = 0 the one-sided derivative, -E1(x)). "
    "The a-derivatives are NaN where a sum has not converged in 1e6 terms (a > ~7e9 with x within "
    "~9 sqrt(a) of a), never a truncated value. Values: ~1e-13 relative against mpmath (|log P| "
    "3e-16 far in the tails), also where SciPy's 2000-term series truncates (a > ~5e4, "
    "4.5 sqrt(a) < |a - x| < 9 sqrt(a) or further for larger a: SciPy off by up to 60%); "
    "a > 1e7 near x = a by Temme's expansion.")

_ROWS = [
    _binary(127, "gammainc", _py("gammainc", IG), _scipy("gammainc"), _gammainc_vjp,
            "Elementwise regularized lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a). "
            "Derivatives: " + _CONVENTION,
            kernel="IG.gammainc(a, b)", partial="IG.gammainc_partials(a, b)",
            second="IG.gammainc_second(a, b)", domains=((0.3, 4.0), (0.2, 5.0)), scipy=("gammainc",),
            aliases=("math.igamma",)),
    _binary(128, "gammaincc", _py("gammaincc", IG), _scipy("gammaincc"), _gammaincc_vjp,
            "Elementwise regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate "
            "where Q is small. Derivatives: minus those of gammainc. " + _CONVENTION,
            kernel="IG.gammaincc(a, b)", partial="IG.gammaincc_partials(a, b)",
            second="IG.gammaincc_second(a, b)", domains=((0.3, 4.0), (0.2, 5.0)), scipy=("gammaincc",),
            aliases=("math.igammac",)),
]
OPS.update((spec.name, binary_op(spec)) for spec in _ROWS)
gammainc, gammaincc = OPS["gammainc"], OPS["gammaincc"]
ROW_OPS.update({spec.name: OPS[spec.name] for spec in _ROWS})
