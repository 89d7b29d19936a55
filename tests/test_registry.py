"""Systematic tests generated from the op table (numtape/ops/registry.py).

* Every elementwise row is tested the moment it is registered: forward against its
  NumPy ufunc, derivatives against central finite differences at first and second
  order, on scalars, vectors, matrices and broadcasting pairs, in float64 and
  float32; and the compiled fast path against the recorded path.
* Structural primitives are reached through public ops (``CASES``); a test checks
  that the cases exercise every registered primitive code, so a new primitive
  without a case fails here.
* Table and kernels agree: every op code of ``numtape/_kernels/sweep.py`` has exactly
  one row.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import numtape as nt
from numtape._kernels import sweep as K
from numtape.ops.registry import ELEMENTWISE, PRIMITIVES
from numtape.testing import check_grads

UNARY = sorted((s for s in ELEMENTWISE.values() if s.arity == 1 and s.differentiable), key=lambda s: s.code)
BINARY = sorted((s for s in ELEMENTWISE.values() if s.arity == 2 and s.differentiable), key=lambda s: s.code)
NONDIFF = sorted((s for s in ELEMENTWISE.values() if not s.differentiable), key=lambda s: s.code)
SHAPES = [(), (3,), (2, 3)]
PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (1, 3)), ((2, 3), ()), ((), (3,)), ((2, 1), (1, 3))]


def _op(spec: Any) -> Callable[..., Any]:
    from numtape.ops import elementwise

    return getattr(nt, spec.name, None) or getattr(elementwise, spec.name)


def sample_operand(spec: Any, k: int, shape: Any, rng: np.random.Generator) -> np.ndarray:
    """Operand ``k`` of a row, from its test domain (integers where the row says the operand is)."""
    lo, hi = spec.operand_domain(k)
    if k in spec.integer_operands:
        return rng.integers(int(lo), int(hi) + 1, shape).astype(np.float64)
    return rng.uniform(lo, hi, shape)


def differentiated(spec: Any, f: Callable[..., Any], args: list) -> tuple[Callable[..., Any], list]:
    """f and args with the row's integer operands (data, never differentiated) fixed as constants."""
    if not spec.fixed_operands:
        return f, list(args)
    free = [k for k in range(len(args)) if k not in spec.fixed_operands]

    def g(*xs: Any) -> Any:
        full = list(args)
        for k, x in zip(free, xs):
            full[k] = x
        return f(*full)

    return g, [args[k] for k in free]


def _sample_unary(spec: Any, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    x = sample_operand(spec, 0, shape, rng)
    for kink in spec.nondifferentiable_at:  # keep finite differences away from kinks
        x = np.where(np.abs(x - kink) < 0.1, kink + 0.3, x)
    return x


def _sample_binary(spec: Any, shapes: tuple[Any, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    for _ in range(1000):
        a = sample_operand(spec, 0, shapes[0], rng)
        b = sample_operand(spec, 1, shapes[1], rng)
        if spec.fixed_operands:
            return a, b  # an order as data: no ties or jumps to avoid
        q = a / b
        if np.all(np.abs(a - b) > 0.05) and np.all(np.abs(q - np.round(q)) > 0.05):
            return a, b  # away from ties (max/min) and from the jumps of mod
    raise AssertionError("no sample away from kinks")


def _fast_and_recorded(f: Callable[..., Any], args: list[np.ndarray], u: np.ndarray) -> tuple[list, list]:
    """Gradients of <u, f(args)> by the compiled path and by the recorded path."""
    results = []
    for recorded in (False, True):
        ts = [nt.constant(a) for a in args]
        with nt.GradientTape() as outer:
            with nt.GradientTape() as tape:
                tape.watch(ts)
                y = f(*ts)
            if recorded:
                grads = tape.gradient(y, ts, output_gradients=nt.constant(u), unconnected_gradients="zero")
            else:
                with outer.stop_recording():
                    grads = tape.gradient(y, ts, output_gradients=nt.constant(u), unconnected_gradients="zero")
        results.append([g.numpy() for g in grads])
    return results[0], results[1]


# ---------------------------------------------------------------------------
# The table and the kernels agree
# ---------------------------------------------------------------------------
def test_every_code_has_exactly_one_row() -> None:
    fn_codes = {v for k, v in vars(K).items() if k.startswith("FN_")}
    op_codes = {v for k, v in vars(K).items() if k.startswith("OP_") and k != "OP_LEAF"}
    assert set(ELEMENTWISE) == fn_codes
    assert all(K.SCALAR[c] and not 64 <= c < 96 for c in fn_codes)  # scalar codes, outside the array range
    assert not any(K.SCALAR[c] for c in op_codes - {K.OP_ELEM})
    # the compiled property arrays say what the rows say
    assert all(K.ARITY[c] == ELEMENTWISE[c].arity for c in fn_codes)
    assert all(bool(K.DIFFERENTIABLE[c]) == ELEMENTWISE[c].differentiable for c in fn_codes)
    assert all(bool(K.CURVED[c]) == ELEMENTWISE[c].curved for c in fn_codes)
    assert all(bool(K.SELECT[c]) == ELEMENTWISE[c].select for c in fn_codes)
    assert not any(K.ARITY[c] or K.DIFFERENTIABLE[c] for c in range(K.N_CODES) if c not in fn_codes)
    # OP_UNARY/OP_BINARY use the elementwise rows, custom calls have their own backward
    structural = op_codes - {K.OP_UNARY, K.OP_BINARY, K.OP_CUSTOM_CALL, K.OP_CUSTOM_OUT}
    assert set(PRIMITIVES) == structural
    assert max(op_codes | fn_codes) < K.HANDOFF == K.CODE_MASK


def test_op_codes_are_append_only() -> None:
    # Pickled compiled tapes and Numba caches store these numbers: never renumber.
    frozen = {
        "FN_NEG": 1, "FN_SQUARE": 2, "FN_SQRT": 3, "FN_RECIPROCAL": 4, "FN_ABS": 5, "FN_SIGN": 6,
        "FN_EXP": 7, "FN_EXPM1": 8, "FN_LOG": 9, "FN_LOG1P": 10, "FN_SIN": 11, "FN_COS": 12,
        "FN_TAN": 13, "FN_ASIN": 14, "FN_ACOS": 15, "FN_ATAN": 16, "FN_SINH": 17, "FN_COSH": 18,
        "FN_TANH": 19, "FN_SIGMOID": 20, "FN_SOFTPLUS": 21, "FN_RELU": 22, "FN_IDENTITY": 23,
        "FN_ADD": 40, "FN_SUB": 41, "FN_MUL": 42, "FN_DIV": 43, "FN_POW": 44, "FN_ATAN2": 45,
        "FN_MAXIMUM": 46, "FN_MINIMUM": 47, "FN_MOD": 48, "OP_LEAF": 0, "OP_ELEM": 60,
        "FN_STOP_GRADIENT": 30, "FN_FLOOR": 31, "FN_ISFINITE": 32, "FN_GREATER": 50,
        "FN_GREATER_EQUAL": 51, "FN_LESS": 52, "FN_LESS_EQUAL": 53, "FN_EQUAL": 54, "FN_NOT_EQUAL": 55,
        "OP_ARRAY_LEAF": 64, "OP_UNARY": 65, "OP_BINARY": 66, "OP_WHERE": 67, "OP_GATHER": 68,
        "OP_SCATTER_ADD": 69, "OP_WINDOW": 70, "OP_PAD": 71, "OP_CONCAT": 72, "OP_REDUCE_SUM": 73,
        "OP_BROADCAST": 74, "OP_REDUCE_MAX": 75, "OP_REDUCE_MIN": 76, "OP_MATMUL": 77,
        "OP_CUSTOM_CALL": 78, "OP_CUSTOM_OUT": 79,
        "FN_LOG2": 24, "FN_LOG10": 25, "FN_EXP2": 26, "FN_CBRT": 27, "FN_ARCSINH": 28, "FN_ARCCOSH": 29,
        "FN_ARCTANH": 33, "FN_DEG2RAD": 34, "FN_RAD2DEG": 35, "FN_SINC": 36, "FN_CEIL": 37, "FN_TRUNC": 38,
        "FN_RINT": 39, "FN_HYPOT": 49, "FN_LOGADDEXP": 57, "FN_LOGADDEXP2": 58, "FN_COPYSIGN": 59,
        "FN_FMAX": 61, "FN_FMIN": 62, "FN_HEAVISIDE": 63,
    }
    for name, code in frozen.items():
        assert getattr(K, name) == code, name


# ---------------------------------------------------------------------------
# Elementwise rows
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("spec", UNARY, ids=lambda s: s.name)
def test_unary_forward_matches_numpy(spec: Any, shape: tuple, dtype: Any, rng: np.random.Generator) -> None:
    x = _sample_unary(spec, shape, rng).astype(dtype)
    y = _op(spec)(nt.constant(x))
    expected = np.asarray(spec.ufunc(x))
    assert y.dtype == dtype
    assert y.shape == shape
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("spec", UNARY, ids=lambda s: s.name)
def test_unary_derivatives_match_finite_differences(spec: Any, shape: tuple, rng: np.random.Generator) -> None:
    check_grads(_op(spec), _sample_unary(spec, shape, rng), order=2)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("spec", UNARY, ids=lambda s: s.name)
def test_unary_fast_path_equals_recorded_path(spec: Any, shape: tuple, rng: np.random.Generator) -> None:
    x = _sample_unary(spec, shape, rng)
    u = rng.standard_normal(shape)
    fast, recorded = _fast_and_recorded(_op(spec), [x], u)
    np.testing.assert_allclose(fast[0], recorded[0], rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("spec", BINARY, ids=lambda s: s.name)
def test_binary_forward_matches_numpy(spec: Any, shapes: tuple, rng: np.random.Generator) -> None:
    a, b = _sample_binary(spec, shapes, rng)
    for dtype in (np.float64, np.float32):
        z = _op(spec)(nt.constant(a.astype(dtype)), nt.constant(b.astype(dtype)))
        assert z.dtype == dtype
        np.testing.assert_allclose(
            np.asarray(z), spec.ufunc(a.astype(dtype), b.astype(dtype)), rtol=1e-6 if dtype == np.float32 else 1e-14
        )


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("spec", BINARY, ids=lambda s: s.name)
def test_binary_derivatives_match_finite_differences(spec: Any, shapes: tuple, rng: np.random.Generator) -> None:
    f, args = differentiated(spec, _op(spec), list(_sample_binary(spec, shapes, rng)))
    check_grads(f, *args, order=2)


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("spec", BINARY, ids=lambda s: s.name)
def test_binary_fast_path_equals_recorded_path(spec: Any, shapes: tuple, rng: np.random.Generator) -> None:
    a, b = _sample_binary(spec, shapes, rng)
    u = rng.standard_normal(np.broadcast_shapes(*shapes))
    fast, recorded = _fast_and_recorded(_op(spec), [a, b], u)
    for f, r in zip(fast, recorded):
        np.testing.assert_allclose(f, r, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("spec", NONDIFF, ids=lambda s: s.name)
def test_nondifferentiable_rows_match_numpy_and_have_no_gradient(spec: Any, rng: np.random.Generator) -> None:
    args = [rng.uniform(-2, 2, (2, 3)) for _ in range(spec.arity)]
    args[0][0, 0] = np.inf
    if spec.arity == 2:
        args[1][1, 1] = args[0][1, 1]  # a tie for the comparisons
    for dtype in (np.float64, np.float32):
        ts = [nt.constant(a.astype(dtype)) for a in args]
        with nt.GradientTape() as tape:
            tape.watch(ts)
            y = _op(spec)(*ts)
            z = nt.reduce_sum(y * 2.0)
        with np.errstate(all="ignore"):
            expected = np.asarray(spec.ufunc(*[a.astype(dtype) for a in args]), dtype=float)
        assert y.dtype == dtype
        np.testing.assert_array_equal(np.asarray(y, float), expected)
        assert tape.gradient(z, ts) == [None] * spec.arity


@pytest.mark.parametrize("spec", UNARY + BINARY, ids=lambda s: s.name)
def test_float32_inputs_give_float32_gradients(spec: Any, rng: np.random.Generator) -> None:
    if spec.arity == 1:
        args = [_sample_unary(spec, (4,), rng)]
    else:
        args = list(_sample_binary(spec, ((4,), (4,)), rng))
    ts32 = [nt.constant(a.astype(np.float32)) for a in args]
    ts64 = [nt.constant(a.astype(np.float32).astype(np.float64)) for a in args]
    grads = []
    for ts in (ts32, ts64):
        with nt.GradientTape() as tape:
            tape.watch(ts)
            y = _op(spec)(*ts)
        grads.append(tape.gradient(y, ts, unconnected_gradients="zero"))
    for g32, g64 in zip(*grads):
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32.numpy(), g64.numpy(), rtol=2e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# Structural primitives, through public ops
# ---------------------------------------------------------------------------
_MASK = np.array([[True, False, True], [False, True, True]])

CASES: list[tuple[str, Callable[..., Any], list[tuple[int, ...]]]] = [
    ("reduce_sum_all", lambda a: nt.reduce_sum(a), [(2, 3)]),
    ("reduce_sum_axis0", lambda a: nt.reduce_sum(a, axis=0), [(2, 3)]),
    ("reduce_sum_keepdims", lambda a: nt.reduce_sum(a, axis=1, keepdims=True), [(2, 3)]),
    ("reduce_sum_axes_0_2", lambda a: nt.reduce_sum(a, axis=(0, 2)), [(2, 3, 2)]),
    ("reduce_mean_last", lambda a: nt.reduce_mean(a, axis=-1), [(2, 3)]),
    ("reduce_prod_axis1", lambda a: nt.reduce_prod(a, axis=1), [(2, 5)]),
    ("reduce_prod_all_keepdims", lambda a: nt.reduce_prod(a, keepdims=True), [(2, 3)]),
    ("reduce_max_axis1", lambda a: nt.reduce_max(a, axis=1), [(2, 3)]),
    ("reduce_min_axes_0_2", lambda a: nt.reduce_min(a, axis=(0, 2)), [(2, 3, 2)]),
    ("reduce_max_all", lambda a: nt.reduce_max(a), [(2, 3)]),
    ("reduce_logsumexp", lambda a: nt.reduce_logsumexp(a, axis=1), [(2, 3)]),
    ("norm_all", lambda a: nt.norm(a), [(2, 3)]),
    ("norm_axis0_keepdims", lambda a: nt.norm(a, axis=0, keepdims=True), [(2, 3)]),
    ("matmul_2d", lambda a, b: nt.matmul(a, b), [(2, 3), (3, 4)]),
    ("matmul_batched", lambda a, b: nt.matmul(a, b), [(2, 2, 3), (2, 3, 4)]),
    ("matmul_shared_right", lambda a, b: a @ b, [(2, 2, 3), (3, 4)]),
    ("matmul_shared_left", lambda a, b: a @ b, [(2, 3), (2, 3, 4)]),
    ("matmul_broadcast_batch", lambda a, b: a @ b, [(2, 1, 2, 3), (3, 3, 4)]),
    ("matmul_vector_left", lambda a, b: a @ b, [(3,), (3, 4)]),
    ("matmul_vector_right", lambda a, b: a @ b, [(2, 3), (3,)]),
    ("matmul_vector_vector", lambda a, b: a @ b, [(3,), (3,)]),
    ("dot_nd", lambda a, b: nt.dot(a, b), [(2, 2, 3), (3, 2)]),
    ("dot_3d_3d", lambda a, b: nt.dot(a, b), [(2, 3), (2, 3, 2)]),
    ("tensordot_2", lambda a, b: nt.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 2)]),
    ("tensordot_pairs", lambda a, b: nt.tensordot(a, b, ([0], [0])), [(3, 2), (3, 4)]),
    ("trace", lambda a: nt.trace(a), [(3, 3)]),
    ("trace_batched", lambda a: nt.trace(a), [(2, 3, 3)]),
    ("transpose_perm", lambda a: nt.transpose(a, (2, 0, 1)), [(2, 3, 4)]),
    ("transpose_default", lambda a: nt.transpose(a), [(2, 3)]),
    ("reshape", lambda a: nt.reshape(a, (3, -1)), [(2, 3)]),
    ("expand_squeeze", lambda a: nt.squeeze(nt.expand_dims(a, 1), 1), [(2, 3)]),
    ("broadcast_to", lambda a: nt.broadcast_to(a, (2, 3, 4)), [(3, 1)]),
    ("tile", lambda a: nt.tile(a, (2, 1)), [(2, 3)]),
    ("gather_repeated", lambda a: nt.gather(a, [0, 2, 2]), [(4, 3)]),
    ("gather_axis1", lambda a: nt.gather(a, [[1, 0], [2, 2]], axis=1), [(2, 3)]),
    ("concat_axis0", lambda a, b: nt.concat([a, b], 0), [(2, 3), (1, 3)]),
    ("concat_axis1", lambda a, b: nt.concat([a, b], axis=1), [(2, 3), (2, 2)]),
    ("stack_axis1", lambda a, b: nt.stack([a, b], axis=1), [(2, 3), (2, 3)]),
    ("stack_scalars", lambda a, b: nt.stack([a, b * a]), [(), ()]),
    ("getitem_row", lambda a: a[1], [(3, 4)]),
    ("getitem_slice", lambda a: a[1:3], [(4, 3)]),
    ("getitem_window", lambda a: a[1:3, 1:3], [(4, 5)]),
    ("getitem_step", lambda a: a[::2, 1], [(4, 3)]),
    ("getitem_3d_gather", lambda a: a[:, 1:, ::2], [(2, 3, 4)]),
    ("getitem_fancy_repeated", lambda a: a[[0, 0, 2]], [(3, 2)]),
    ("getitem_ellipsis", lambda a: a[..., 0], [(2, 3)]),
    ("getitem_element", lambda a: a[1, 2] * a[0, 0], [(2, 3)]),
    ("getitem_scalar_loop", lambda a: a[0] * a[1] + a[2], [(3,)]),
    ("getitem_bool_mask", lambda a: a[_MASK], [(2, 3)]),
    ("where", lambda a, b: nt.where(_MASK, a, b), [(2, 3), (2, 3)]),
    ("where_broadcast_scalar", lambda a, b: nt.where(_MASK, a, b), [(2, 3), ()]),
    ("where_scalar", lambda a, b: nt.where(True, a, b), [(), ()]),
    ("softmax", lambda a: nt.softmax(a), [(2, 3)]),
    ("log_softmax_axis0", lambda a: nt.log_softmax(a, axis=0), [(2, 3)]),
    ("clip_by_value", lambda a: nt.clip_by_value(a, -5.0, 5.0), [(2, 3)]),
    ("broadcast_row", lambda a, b: a * b, [(2, 3), (3,)]),
    ("broadcast_outer", lambda a, b: a - b, [(2, 1, 3), (1, 4, 1)]),
    # row and column broadcasts are recorded without a broadcast entry (OP_BINARY layouts)
    ("broadcast_column", lambda a, b: a - b, [(2, 3), (2, 1)]),
    ("broadcast_bias_first", lambda a, b: a + b * a, [(3,), (2, 3)]),
    ("broadcast_outer_product", lambda a, b: a * b, [(3, 1), (1, 4)]),
    ("broadcast_row_3d_divide", lambda a, b: a / b, [(2, 3, 4), (3, 4)]),
    ("broadcast_column_3d_maximum", lambda a, b: nt.maximum(a, b) * a, [(2, 3, 4), (2, 1, 1)]),
    ("broadcast_row_atan2", lambda a, b: nt.atan2(a, b), [(2, 3), (3,)]),
    ("broadcast_constant_row", lambda a: a * np.array([1.0, -2.0, 0.5], a.dtype), [(2, 3)]),
    ("scalar_times_array", lambda a, b: nt.sin(a) * b, [(), (2, 3)]),
]


@pytest.mark.parametrize("name, f, shapes", CASES, ids=[c[0] for c in CASES])
def test_case_derivatives_match_finite_differences(name: str, f: Any, shapes: list, rng: np.random.Generator) -> None:
    args = [rng.standard_normal(s) + 0.5 for s in shapes]
    check_grads(f, *args, order=2)


@pytest.mark.parametrize("name, f, shapes", CASES, ids=[c[0] for c in CASES])
def test_case_fast_path_equals_recorded_path(name: str, f: Any, shapes: list, rng: np.random.Generator) -> None:
    args = [rng.standard_normal(s) + 0.5 for s in shapes]
    u = rng.standard_normal(np.shape(f(*[nt.constant(a) for a in args])))
    fast, recorded = _fast_and_recorded(f, args, u)
    for a, b in zip(fast, recorded):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, f, shapes", CASES, ids=[c[0] for c in CASES])
def test_case_keeps_float32(name: str, f: Any, shapes: list, rng: np.random.Generator) -> None:
    args = [rng.standard_normal(s).astype(np.float32) + np.float32(0.5) for s in shapes]
    ts = [nt.constant(a) for a in args]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    assert y.dtype == np.float32
    grads = tape.gradient(y, ts, unconnected_gradients="zero")
    assert all(g.dtype == np.float32 for g in grads)


def _codes_recorded(f: Callable[..., Any], shapes: list, rng: np.random.Generator) -> set[int]:
    ts = [nt.constant(rng.standard_normal(s)) for s in shapes]
    with nt.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
        buffers = tape._tape.buffers
        codes = {int(c) & K.CODE_MASK for c in buffers.code[: buffers.n]}
        # the backward of each case is also recorded by an outer tape in the checks above,
        # so the VJP primitives (scatter_add, pad, broadcast...) appear there
        with nt.GradientTape() as outer:
            outer.watch(ts)
            with nt.GradientTape() as inner:
                inner.watch(ts)
                z = f(*ts)
            inner.gradient(z, ts, unconnected_gradients="zero")
            ob = outer._tape.buffers
            codes |= {int(c) & K.CODE_MASK for c in ob.code[: ob.n]}
    del y
    return codes


def test_cases_exercise_every_primitive(rng: np.random.Generator) -> None:
    seen: set[int] = set()
    for _, f, shapes in CASES:
        seen |= _codes_recorded(f, shapes, rng)
    missing = {PRIMITIVES[c].name for c in PRIMITIVES if c not in seen}
    assert not missing, f"primitives without a test case: {missing}"
