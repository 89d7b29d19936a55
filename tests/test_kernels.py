"""The compiled kernels against NumPy: replaying a recorded tape reproduces every value.

The same tests run once more in a subprocess with ``NUMBA_DISABLE_JIT=1``, where the
kernels execute as plain Python (readable tracebacks, coverage of kernel bodies).
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import scalar as S
from numtape._kernels import sweep as K

from ._background import background, run
from .test_registry import CASES


@pytest.mark.parametrize("name, f, shapes", CASES, ids=[c[0] for c in CASES])
def test_forward_replay_reproduces_recorded_values(name, f, shapes, rng) -> None:
    ts = [nt.constant(rng.standard_normal(s) + 0.5) for s in shapes]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        f(*ts)
    b = tape._tape.buffers
    code, arg0, arg1, value, aux, arena, iarena = (v.copy() for v in b.views())
    leaf = np.isin(code & K.CODE_MASK, [K.OP_LEAF, K.OP_ARRAY_LEAF])
    is_array = (code & K.CODE_MASK) >= K.OP_ARRAY_LEAF
    in_column = ~is_array | (aux[np.where(is_array, arg1, 0), K.A_OFF] == K.IN_VALUE_COLUMN)
    expected_value, expected_arena = value.copy(), arena.copy()
    value[~leaf & in_column] = np.nan
    for r in range(len(aux)):  # wipe every non-leaf array value
        slot = int(np.flatnonzero((code & K.CODE_MASK >= K.OP_ARRAY_LEAF) & (arg1 == r))[0])
        if not leaf[slot] and aux[r, K.A_OFF] >= 0:
            arena[aux[r, K.A_OFF] : aux[r, K.A_OFF] + aux[r, K.A_SIZE]] = np.nan
    K.ensure_compiled()
    assert K.forward_replay(code, arg0, arg1, value, aux, arena, iarena, 0, len(code)) == -1
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(arena, expected_arena, rtol=1e-12, atol=1e-14)


#: Rows whose kernel is more accurate than SciPy at these points: SciPy's gammaincc(0.5, 0.75) is
#: 0.22067136191984324, the true value erfc(sqrt(0.75)) = 0.2206713619198467926... (a 40-digit
#: series), the kernel's 0.22067136191984674 (1.6e-14 relative from SciPy, 2e-16 from the truth).
_LOOSER = {"gammainc": 2e-14, "gammaincc": 2e-14}


def test_gammaincc_kernel_is_within_an_ulp_where_scipy_is_not() -> None:
    K.ensure_compiled()
    from numtape.ops.registry import ELEMENTWISE

    code = next(c for c, spec in ELEMENTWISE.items() if spec.name == "gammaincc")
    assert abs(S.binary(code, 0.5, 0.75) - 0.2206713619198467926) <= 1e-16


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                    reason="as plain Python, the math module raises on overflow instead of returning inf")
def test_scalar_kernels_match_numpy_on_special_values() -> None:
    K.ensure_compiled()
    special = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.inf, -np.inf, np.nan, 1e308, -1e-308]
    from numtape.ops.registry import ELEMENTWISE

    with np.errstate(all="ignore"):
        for code, spec in ELEMENTWISE.items():
            for x in special:
                if spec.arity == 1:
                    expected = float(spec.ufunc(np.float64(x)))
                    got = S.unary(code, x)
                else:
                    expected = float(spec.ufunc(np.float64(x), np.float64(0.75)))
                    got = S.binary(code, x, 0.75)
                # a few ulp: special functions (betaln) are Cephes ports over libm, SciPy's over its own gamma
                tolerance = _LOOSER.get(spec.name, 2e-15)
                assert got == expected or (np.isnan(got) and np.isnan(expected)) or abs(got - expected) <= \
                    tolerance * abs(expected), (spec.name, x, got, expected)


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already running without JIT")
def test_kernels_run_as_plain_python_with_jit_disabled() -> None:
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    here = os.path.dirname(__file__)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", os.path.join(here, "test_kernels.py"),
         os.path.join(here, "test_registry.py"), "-k", "fast_path or replay", "-x"],
        env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@background
def test_kernels_never_index_out_of_bounds(tmp_path) -> None:
    """The kernels compiled with bounds checks (in their own cache): a bad index raises, not corrupts.
    About two minutes of compiling: a background job (tests/_background.py)."""
    if os.environ.get("NUMBA_DISABLE_JIT") == "1" or os.environ.get("NUMBA_BOUNDSCHECK") == "1":
        pytest.skip("already a special run")
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path))
    here = os.path.dirname(__file__)
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         os.path.join(here, "test_registry.py"), os.path.join(here, "test_function.py"),
         os.path.join(here, "test_sparsity.py"),
         "-k", "fast_path or replay or hessian or jacobian or batch or forward_mode"],
        env=env, timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
