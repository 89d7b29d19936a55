"""Bessel functions of the first and second kind, orders 0 and 1 (``BF.name`` in a row's formula), after Cephes.

The algorithms are Cephes' ``j0.c``/``j1.c`` (public domain, as SciPy carries them),
coefficient for coefficient: for |x| <= 5 a rational function in z = x**2 (J0 and J1
carry their first two zeros as explicit factors; Y0 and Y1 add the logarithmic term
(2/pi) log(x) J(x), Y1 also -2/(pi x)); above 5 the Hankel asymptotic form
sqrt(2/(pi x)) (P cos(xn) - (5/x) Q sin(xn)), xn = x - pi/4 (order 0) or x - 3pi/4
(order 1), with P and Q rational in 25/x**2. Cephes documents ~1e-16 relative error
for J (absolute near the zeros) and ~1e-15 absolute for Y. The derivatives follow
DLMF 10.6: J0' = -J1, J1' = J0 - J1/x; the second derivatives come from Bessel's
equation y'' = -y'/x - (1 - n**2/x**2) y, with the odd series of J1'' below |x| = 1
(where that formula cancels). At +-inf the value is NaN, as SciPy's (Cephes') is.
"""
from __future__ import annotations

import math

import numpy as np

from . import gammafn as GF
from .jit import inline_kernel, kernel

_PIO4 = 0.78539816339744830962
_THPIO4 = 2.35619449019234492885
_SQ2OPI = 0.79788456080286535588
_2_PI = 0.63661977236758134308

_J0_PP = np.array([7.96936729297347051624E-4, 8.28352392107440799803E-2, 1.23953371646414299388E0,
                   5.44725003058768775090E0, 8.74716500199817011941E0, 5.30324038235394892183E0,
                   9.99999999999999997821E-1])
_J0_PQ = np.array([9.24408810558863637013E-4, 8.56288474354474431428E-2, 1.25352743901058953537E0,
                   5.47097740330417105182E0, 8.76190883237069594232E0, 5.30605288235394617618E0,
                   1.00000000000000000218E0])
_J0_QP = np.array([-1.13663838898469149931E-2, -1.28252718670509318512E0, -1.95539544257735972385E1,
                   -9.32060152123768231369E1, -1.77681167980488050595E2, -1.47077505154951170175E2,
                   -5.14105326766599330220E1, -6.05014350600728481186E0])
_J0_QQ = np.array([6.43178256118178023184E1, 8.56430025976980587198E2, 3.88240183605401609683E3,
                   7.24046774195652478189E3, 5.93072701187316984827E3, 2.06209331660327847417E3,
                   2.42005740240291393179E2])
_Y0_P = np.array([1.55924367855235737965E4, -1.46639295903971606143E7, 5.43526477051876500413E9,
                  -9.82136065717911466409E11, 8.75906394395366999549E13, -3.46628303384729719441E15,
                  4.42733268572569800351E16, -1.84950800436986690637E16])
_Y0_Q = np.array([1.04128353664259848412E3, 6.26107330137134956842E5, 2.68919633393814121987E8,
                  8.64002487103935000337E10, 2.02979612750105546709E13, 3.17157752842975028269E15,
                  2.50596256172653059228E17])
_J0_DR1 = 5.78318596294678452118E0
_J0_DR2 = 3.04712623436620863991E1
_J0_RP = np.array([-4.79443220978201773821E9, 1.95617491946556577543E12, -2.49248344360967716204E14,
                   9.70862251047306323952E15])
_J0_RQ = np.array([4.99563147152651017219E2, 1.73785401676374683123E5, 4.84409658339962045305E7,
                   1.11855537045356834862E10, 2.11277520115489217587E12, 3.10518229857422583814E14,
                   3.18121955943204943306E16, 1.71086294081043136091E18])

_J1_RP = np.array([-8.99971225705559398224E8, 4.52228297998194034323E11, -7.27494245221818276015E13,
                   3.68295732863852883286E15])
_J1_RQ = np.array([6.20836478118054335476E2, 2.56987256757748830383E5, 8.35146791431949253037E7,
                   2.21511595479792499675E10, 4.74914122079991414898E12, 7.84369607876235854894E14,
                   8.95222336184627338078E16, 5.32278620332680085395E18])
_J1_PP = np.array([7.62125616208173112003E-4, 7.31397056940917570436E-2, 1.12719608129684925192E0,
                   5.11207951146807644818E0, 8.42404590141772420927E0, 5.21451598682361504063E0,
                   1.00000000000000000254E0])
_J1_PQ = np.array([5.71323128072548699714E-4, 6.88455908754495404082E-2, 1.10514232634061696926E0,
                   5.07386386128601488557E0, 8.39985554327604159757E0, 5.20982848682361821619E0,
                   9.99999999999999997461E-1])
_J1_QP = np.array([5.10862594750176621635E-2, 4.98213872951233449420E0, 7.58238284132545283818E1,
                   3.66779609360150777800E2, 7.10856304998926107277E2, 5.97489612400613639965E2,
                   2.11688757100572135698E2, 2.52070205858023719784E1])
_J1_QQ = np.array([7.42373277035675149943E1, 1.05644886038262816351E3, 4.98641058337653607651E3,
                   9.56231892404756170795E3, 7.99704160447350683650E3, 2.82619278517639096600E3,
                   3.36093607810698293419E2])
_Y1_P = np.array([1.26320474790178026440E9, -6.47355876379160291031E11, 1.14509511541823727583E14,
                  -8.12770255501325109621E15, 2.02439475713594898196E17, -7.78877196265950026825E17])
_Y1_Q = np.array([5.94301592346128195359E2, 2.35564092943068577943E5, 7.34811944459721705660E7,
                  1.87601316108706159478E10, 3.88231277496238566008E12, 6.20557727146953693363E14,
                  6.87141087355300489866E16, 3.97270608116560655612E18])
_J1_Z1 = 1.46819706421238932572E1
_J1_Z2 = 4.92184563216946036703E1


@kernel
def _hankel(x, pp, pq, qp, qq, shift):
    """(J, Y) for x > 5: sqrt(2/(pi x)) times (P cos(xn) - w Q sin(xn)) and (P sin(xn) + w Q cos(xn)).

    Both kinds are returned (the sine and cosine are needed for either) so that no caller passes a
    literal flag: Numba would compile one specialisation per literal value.
    """
    if x == np.inf:
        return np.nan, np.nan  # SciPy's value (cos(inf) in Cephes); plain Python's math.cos would raise
    w = 5.0 / x
    z = w * w
    p = GF.polevl(z, pp) / GF.polevl(z, pq)
    q = GF.polevl(z, qp) / GF.p1evl(z, qq)
    xn = x - shift
    first = p * math.cos(xn) - w * q * math.sin(xn)
    second = p * math.sin(xn) + w * q * math.cos(xn)
    return first * _SQ2OPI / math.sqrt(x), second * _SQ2OPI / math.sqrt(x)


@kernel
def j0(x):
    """Cephes' j0."""
    x = abs(x)
    if x <= 5.0:
        z = x * x
        if x < 1.0e-5:
            return 1.0 - z / 4.0
        return (z - _J0_DR1) * (z - _J0_DR2) * GF.polevl(z, _J0_RP) / GF.p1evl(z, _J0_RQ)
    return _hankel(x, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _PIO4)[0]


@kernel
def j1(x):
    """Cephes' j1 (odd)."""
    if x < 0.0:
        return -j1(-x)
    if x <= 5.0:
        z = x * x
        return GF.polevl(z, _J1_RP) / GF.p1evl(z, _J1_RQ) * x * (z - _J1_Z1) * (z - _J1_Z2)
    return _hankel(x, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, _THPIO4)[0]


@kernel
def y0(x):
    """Cephes' y0: -inf at 0, NaN below."""
    if x <= 5.0:
        if x == 0.0:
            return -np.inf
        if not x > 0.0:
            return np.nan
        z = x * x
        return GF.polevl(z, _Y0_P) / GF.p1evl(z, _Y0_Q) + _2_PI * math.log(x) * j0(x)
    return _hankel(x, _J0_PP, _J0_PQ, _J0_QP, _J0_QQ, _PIO4)[1]


@kernel
def y1(x):
    """Cephes' y1: -inf at 0, NaN below."""
    if x <= 5.0:
        if x == 0.0:
            return -np.inf
        if not x > 0.0:
            return np.nan
        z = x * x
        return x * (GF.polevl(z, _Y1_P) / GF.p1evl(z, _Y1_Q)) + _2_PI * (j1(x) * math.log(x) - 1.0 / x)
    return _hankel(x, _J1_PP, _J1_PQ, _J1_QP, _J1_QQ, _THPIO4)[1]


# ---------------------------------------------------------------------------
# Derivatives (DLMF 10.6.2 and Bessel's equation)
# ---------------------------------------------------------------------------
@inline_kernel
def j0_second(x, y):
    """J0'' = -J0 + J1/x (-1/2 at 0); y = J0(x)."""
    if x == 0.0:
        return -0.5
    return -y + j1(x) / x


@inline_kernel
def j1_partial(x, y):
    """J1' = J0 - J1/x; its Taylor polynomial below |x| = 0.1 (as the row's VJP: J1/x of a
    subnormal x loses digits); y = J1(x)."""
    if abs(x) < 0.1:
        z = x * x
        return 0.5 + z * (-3.0 / 16.0 + z * (5.0 / 384.0 + z * (-7.0 / 18432.0 + z * (9.0 / 1474560.0))))
    return j0(x) - y / x


@inline_kernel
def _j1_second_series(x):
    """J1'' = sum_k>=1 (-1)**k (2k+1)(2k) (x/2)**(2k-1) / (2 k! (k+1)!), |x| < 1."""
    h = 0.5 * x
    term = -0.5 * h / 2.0  # k = 1: (x/2) (-1) / (1! 2!) ... times (2k+1)(2k)/4 below
    total = 0.0
    k = 1
    while k < 30:
        add = term * (2 * k + 1) * (2 * k) / 2.0
        total += add
        if abs(add) <= 1e-17 * abs(total):
            break
        term *= -h * h / ((k + 1) * (k + 2))
        k += 1
    return total


@inline_kernel
def j1_second(x, y, d):
    """J1'' = -J1 - J1'/x + J1/x**2 (the series below |x| = 1); y = J1(x), d = J1'(x)."""
    if abs(x) < 1.0:
        return _j1_second_series(x)
    return -y - d / x + y / (x * x)


@inline_kernel
def y0_second(x, y):
    """Y0'' = -Y0 + Y1/x; y = Y0(x)."""
    return -y + y1(x) / x


@inline_kernel
def y1_partial(x, y):
    """Y1' = Y0 - Y1/x; y = Y1(x)."""
    return y0(x) - y / x


@inline_kernel
def y1_second(x, y, d):
    """Y1'' = -Y1 - Y1'/x + Y1/x**2; y = Y1(x), d = Y1'(x)."""
    return -y - d / x + y / (x * x)
