"""Property-based fuzzing with hypothesis: random programs, random bad input, random nested tapes.

* **Random programs.** A program is a short list of ops over one to three inputs of
  random, mutually broadcastable shapes (scalars included): smooth elementwise
  functions, broadcasting binary ops, reductions over random axes, reshapes,
  transposes, indexing, gathers, concatenations, softmax, matmul, where. Its first
  and second derivatives must match central finite differences
  (``numtape.testing.check_grads``: the first order runs the compiled sweep, the
  second the recorded path), and the two backward paths must agree.
* **Random bad input.** Any public op called with values of random kinds, shapes and
  dtypes either works or raises the documented TypeError/ValueError (IndexError for
  indexing), never anything else and never a warning; the tapes stay exact.
* **Random nested tapes.** Several tapes, persistent or not, watching explicitly,
  through a Variable or not at all, exited in random orders between gradient calls:
  each gradient is the closed-form derivative of the right order, or None exactly
  when API.md says so.

``derandomize=True`` makes every run draw the same examples, and example counts are
bounded (NUMTAPE_FULL=1 runs ten times as many).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numtape as nt
from numtape.testing import check_grads

from ._support import scale
from .test_errors import OPS_WITH_BAD_INPUT
from .test_registry import _fast_and_recorded

# hypothesis's failure report touches a deprecated mypy_extensions name; let the report through
pytestmark = pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


def fuzz_settings(examples: int) -> settings:
    return settings(derandomize=True, max_examples=scale(examples, 10 * examples), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# ---------------------------------------------------------------------------
# Random programs
# ---------------------------------------------------------------------------
UNARY = {  # smooth everywhere on the reals, with bounded growth
    "sin": nt.sin, "cos": nt.cos, "tanh": nt.tanh, "sigmoid": nt.sigmoid, "softplus": nt.softplus,
    "atan": nt.atan, "neg": nt.negative, "square": nt.square, "scale": lambda x: x * 0.7,
    "exp_tanh": lambda x: nt.exp(nt.tanh(x)), "log1p_sq": lambda x: nt.log1p(x * x),
    "sqrt_1p_sq": lambda x: nt.sqrt(1.0 + x * x), "recip_1p_sq": lambda x: nt.reciprocal(1.0 + nt.square(x)),
    "numpy_sin": np.sin, "numpy_exp_tanh": lambda x: np.exp(np.tanh(x)),
}
BINARY = {
    "add": nt.add, "sub": lambda a, b: a - b, "mul": nt.multiply,
    "div": lambda a, b: a / (1.0 + b * b), "pow": lambda a, b: (1.0 + a * a) ** nt.tanh(b),
    "atan2": lambda a, b: nt.atan2(a, 2.0 + nt.tanh(b)), "numpy_mul": np.multiply,
}


@st.composite
def shapes_and_inputs(draw: Any) -> tuple[list[tuple[int, ...]], int]:
    base = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        kept = draw(st.integers(0, len(base)))  # a suffix of the base shape, some axes of size 1
        shape = tuple(1 if draw(st.booleans()) and draw(st.booleans()) else d for d in base[len(base) - kept:])
        shapes.append(shape)
    return shapes, draw(st.integers(0, 2**32 - 1))


@st.composite
def programs(draw: Any) -> tuple[list[tuple[int, ...]], int, list[tuple]]:
    """(input shapes, value seed, steps); each step is a tuple naming an op and its operands."""
    shapes, seed = draw(shapes_and_inputs())
    current = list(shapes)  # the shape of every value so far
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(current) - 1))
        shape = current[i]
        kinds = ["unary", "binary", "binary"]
        if shape:
            kinds += ["reduce", "shape", "shape", "softmax"]
        if len(shape) >= 2:
            kinds += ["matmul"]
        kind = draw(st.sampled_from(kinds))
        if kind == "unary":
            step, out = ("unary", draw(st.sampled_from(sorted(UNARY))), i), shape
        elif kind == "binary":
            partners = [j for j, s in enumerate(current) if _broadcasts(s, shape)]
            j = draw(st.sampled_from(partners))
            step, out = ("binary", draw(st.sampled_from(sorted(BINARY))), i, j), np.broadcast_shapes(shape,
                                                                                                    current[j])
        elif kind == "reduce":
            op = draw(st.sampled_from(["reduce_sum", "reduce_mean", "reduce_logsumexp", "reduce_prod", "norm"]))
            axes = draw(st.one_of(st.none(), st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                                                      max_size=len(shape), unique_by=lambda a: a % len(shape))))
            keepdims = draw(st.booleans())
            step = ("reduce", op, i, None if axes is None else tuple(axes), keepdims)
            reduced = range(len(shape)) if axes is None else {a % len(shape) for a in axes}
            out = tuple(1 if k in reduced else d for k, d in enumerate(shape) if keepdims or k not in reduced)
        elif kind == "softmax":
            step, out = ("softmax", draw(st.sampled_from(["softmax", "log_softmax"])), i,
                         draw(st.integers(-len(shape), len(shape) - 1))), shape
        elif kind == "matmul":
            step, out = ("matmul", i), shape[:-2] + (shape[-2], shape[-2])
        else:
            step, out = draw(_shape_step(i, shape))
        steps.append(step)
        current.append(tuple(out))
    return shapes, seed, steps


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def _shape_step(draw: Any, i: int, shape: tuple[int, ...]) -> tuple[tuple, tuple[int, ...]]:
    n = len(shape)
    op = draw(st.sampled_from(["transpose", "reshape", "expand_squeeze", "broadcast_to", "tile", "reverse",
                               "index", "gather", "concat", "stack", "where"]))
    if op == "transpose":
        perm = tuple(draw(st.permutations(range(n))))
        return ("shape", "transpose", i, perm), tuple(shape[p] for p in perm)
    if op == "reshape":
        return ("shape", "reshape", i), (int(np.prod(shape)),)
    if op == "expand_squeeze":
        axis = draw(st.integers(0, n))
        return ("shape", "expand_squeeze", i, axis), shape
    if op == "broadcast_to":
        target = (2,) + tuple(draw(st.integers(1, 3)) if d == 1 else d for d in shape)
        return ("shape", "broadcast_to", i, target), target
    if op == "tile":
        reps = tuple(draw(st.integers(1, 2)) for _ in shape)
        return ("shape", "tile", i, reps), tuple(d * r for d, r in zip(shape, reps))
    if op == "reverse":
        return ("shape", "reverse", i), shape
    if op == "index":
        k = draw(st.integers(0, shape[0] - 1))
        return ("shape", "index", i, k), shape[1:]
    if op == "gather":
        axis = draw(st.integers(0, n - 1))
        idx = tuple(draw(st.lists(st.integers(0, shape[axis] - 1), min_size=1, max_size=4)))
        return ("shape", "gather", i, idx, axis), shape[:axis] + (len(idx),) + shape[axis + 1:]
    if op == "concat":
        axis = draw(st.integers(0, n - 1))
        return ("shape", "concat", i, axis), shape[:axis] + (2 * shape[axis],) + shape[axis + 1:]
    if op == "stack":
        axis = draw(st.integers(0, n))
        return ("shape", "stack", i, axis), shape[:axis] + (2,) + shape[axis:]
    mask_seed = draw(st.integers(0, 2**16))
    return ("shape", "where", i, mask_seed), shape


def run_program(steps: list[tuple], inputs: list[Any]) -> Any:
    values = list(inputs)
    for step in steps:
        kind, op = step[0], step[1]
        if kind == "unary":
            out = UNARY[op](values[step[2]])
        elif kind == "binary":
            out = BINARY[op](values[step[2]], values[step[3]])
        elif kind == "reduce":
            x = values[step[2]]
            if op == "norm":
                x = 1.0 + x * x  # away from the norm's kink at 0
            out = getattr(nt, op)(x, axis=step[3], keepdims=step[4])
        elif kind == "softmax":
            out = getattr(nt, op)(values[step[2]], axis=step[3])
        elif kind == "matmul":
            x = values[op]
            out = nt.matmul(x, nt.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)))
        else:
            out = _run_shape_step(step, values[step[2]])
        values.append(out)
    return values[-1]


def _run_shape_step(step: tuple, x: Any) -> Any:
    op = step[1]
    if op == "transpose":
        return nt.transpose(x, step[3])
    if op == "reshape":
        return nt.reshape(x, (-1,))
    if op == "expand_squeeze":
        return nt.squeeze(nt.expand_dims(x, step[3]), step[3]) * 1.5
    if op == "broadcast_to":
        return nt.broadcast_to(x, step[3])
    if op == "tile":
        return nt.tile(x, step[3])
    if op == "reverse":
        return x[::-1]
    if op == "index":
        return x[step[3]]
    if op == "gather":
        return nt.gather(x, list(step[3]), axis=step[4])
    if op == "concat":
        return nt.concat([x, nt.sin(x)], axis=step[3])
    if op == "stack":
        return nt.stack([x, x * x], axis=step[3])
    mask = np.random.default_rng(step[3]).random(x.shape) < 0.5
    return nt.where(mask, x, nt.cos(x))


@fuzz_settings(150)
@given(programs())
def test_random_programs_match_finite_differences_to_second_order(program) -> None:
    shapes, seed, steps = program
    rng = np.random.default_rng(seed)
    args = [rng.uniform(-1.0, 1.0, s) if s else float(rng.uniform(-1.0, 1.0)) for s in shapes]

    def f(*ts: nt.Tensor) -> nt.Tensor:
        return run_program(steps, ts)

    check_grads(f, *args, order=2, eps=1e-6, rtol=1e-5, atol=1e-6, rng=np.random.default_rng(seed))
    out_shape = np.shape(np.asarray(f(*[nt.constant(a) for a in args])))
    u = np.random.default_rng(seed + 1).standard_normal(out_shape)
    fast, recorded = _fast_and_recorded(f, [np.asarray(a, np.float64) for a in args], u)
    for a, b in zip(fast, recorded):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


# ---------------------------------------------------------------------------
# Random bad input
# ---------------------------------------------------------------------------
def _arrays(dtypes: list[str]) -> st.SearchStrategy:
    return st.builds(lambda shape, dtype, fill: np.full(shape, fill).astype(dtype) if dtype != "object"
                     else np.full(shape, fill, dtype=object),
                     st.lists(st.integers(0, 3), max_size=3).map(tuple), st.sampled_from(dtypes),
                     st.sampled_from([0, 1, 7]))


ANYTHING = st.one_of(
    st.none(), st.text(max_size=3), st.binary(max_size=3), st.booleans(),
    st.integers(-(2**80), 2**80), st.builds(lambda e, s: s * 10**e, st.integers(309, 400), st.sampled_from([1, -1])),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(max_magnitude=10),
    _arrays(["float64", "float32", "int8", "int64", "uint64", "bool", "complex64", "U1", "object", "float16",
             "datetime64[s]"]),
    st.lists(st.one_of(st.floats(-5, 5), st.integers(-5, 5)), max_size=4),
    st.lists(st.lists(st.floats(-5, 5), max_size=3), max_size=3),  # often ragged
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.builds(lambda shape: nt.ones(shape), st.lists(st.integers(0, 3), max_size=3).map(tuple)),
    st.builds(lambda shape: nt.ones(shape, dtype="int32"), st.lists(st.integers(1, 3), max_size=2).map(tuple)),
)
_OP_NAMES = sorted({name for name, _ in OPS_WITH_BAD_INPUT})


@fuzz_settings(300)
@given(st.integers(0, len(OPS_WITH_BAD_INPUT) - 1), ANYTHING)
def test_random_input_either_works_or_raises_the_documented_errors(k, value) -> None:
    name, call = OPS_WITH_BAD_INPUT[k]
    x = nt.constant([1.0, 2.0])
    with nt.GradientTape() as outer:
        with nt.GradientTape(persistent=True) as inner:
            inner.watch(x)
            outer.watch(x)
            try:
                call(value)
            except (TypeError, ValueError) as error:
                assert f"numtape.{name}:" in str(error), (name, str(error))
            except IndexError as error:  # documented for indexing only
                assert name == "getitem" and "numtape.getitem:" in str(error), (name, str(error))
            y = nt.reduce_sum(x * x * x)
        dy = inner.gradient(y, x)
    np.testing.assert_array_equal(dy.numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(outer.gradient(dy, x).numpy(), [6.0, 12.0])


@fuzz_settings(150)
@given(st.sampled_from(["add", "multiply", "divide", "maximum", "atan2", "matmul", "where", "concat", "stack",
                        "reshape", "broadcast_to", "transpose", "reduce_sum", "softmax", "gather", "getitem",
                        "tensordot", "tile", "squeeze", "expand_dims"]),
       st.lists(st.integers(1, 4), max_size=3).map(tuple), st.lists(st.integers(1, 4), max_size=3).map(tuple),
       st.integers(-4, 4))
def test_random_shapes_and_axes_either_work_or_raise_clear_errors(op, shape_a, shape_b, axis) -> None:
    a = nt.constant(np.ones(shape_a))
    b = nt.constant(np.ones(shape_b))
    calls = {
        "add": lambda: a + b, "multiply": lambda: a * b, "divide": lambda: nt.divide(a, b),
        "maximum": lambda: nt.maximum(a, b), "atan2": lambda: nt.atan2(a, b), "matmul": lambda: a @ b,
        "where": lambda: nt.where(np.ones(shape_b, bool), a, 0.0), "concat": lambda: nt.concat([a, b], axis),
        "stack": lambda: nt.stack([a, b], axis), "reshape": lambda: nt.reshape(a, shape_b),
        "broadcast_to": lambda: nt.broadcast_to(a, shape_b), "transpose": lambda: nt.transpose(a, shape_b),
        "reduce_sum": lambda: nt.reduce_sum(a, axis), "softmax": lambda: nt.softmax(a, axis),
        "gather": lambda: nt.gather(a, list(shape_b), axis), "getitem": lambda: a[shape_b],
        "tensordot": lambda: nt.tensordot(a, b, abs(axis)), "tile": lambda: nt.tile(a, shape_b),
        "squeeze": lambda: nt.squeeze(a, axis), "expand_dims": lambda: nt.expand_dims(a, axis),
    }
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        before = tape._tape.buffers.n
        try:
            out = calls[op]()
        except (TypeError, ValueError, IndexError) as error:
            message = str(error)
            assert "numtape." in message, message
            assert tape._tape.buffers.n == before
        else:
            assert isinstance(out, nt.Tensor)
        y = nt.reduce_sum(a * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, a).numpy(), np.full(shape_a, 2.0))


# ---------------------------------------------------------------------------
# Random nested tapes
# ---------------------------------------------------------------------------
FAMILIES = {  # f(x) and its n-th derivative, in closed form
    "poly": (lambda c, x: sum(ck * x**k for k, ck in enumerate(c)),
             lambda c, x, n: sum(ck * math.perm(k, n) * x ** (k - n) for k, ck in enumerate(c) if k >= n)),
    "sin": (lambda c, x: math.sin(c[0] * x), lambda c, x, n: c[0] ** n * math.sin(c[0] * x + n * math.pi / 2)),
    "exp": (lambda c, x: math.exp(c[0] * x), lambda c, x, n: c[0] ** n * math.exp(c[0] * x)),
}


def _nt_family(family: str, c: list[float], x: Any) -> Any:
    if family == "poly":
        total = c[0] + 0.0 * x
        power = None
        for ck in c[1:]:
            power = x if power is None else power * x
            total = total + ck * power
        return total
    if family == "sin":
        return nt.sin(c[0] * x)
    return nt.exp(c[0] * x)


@st.composite
def tape_scripts(draw: Any) -> tuple:
    k = draw(st.integers(1, 4))
    tapes = [(draw(st.booleans()), draw(st.sampled_from(["watch", "variable", "unwatched"]))) for _ in range(k)]
    steps = draw(st.lists(st.one_of(st.tuples(st.just("exit"), st.integers(0, k - 1)),
                                    st.tuples(st.just("grad"), st.integers(0, k - 1))), min_size=1, max_size=8))
    family = draw(st.sampled_from(sorted(FAMILIES)))
    c = draw(st.lists(st.floats(-1.5, 1.5).map(lambda v: round(v, 3)), min_size=1, max_size=5))
    x0 = round(draw(st.floats(-1.2, 1.2)), 3)
    vector = draw(st.booleans())
    return tapes, steps, family, c, x0, vector


@fuzz_settings(120)
@given(tape_scripts())
def test_random_nested_tapes_give_each_derivative_or_none_as_documented(script) -> None:
    tapes_spec, steps, family, c, x0, vector = script
    uses_variable = any(mode == "variable" for _, mode in tapes_spec)
    xs = np.array([x0, x0 + 0.25, x0 - 0.5]) if vector else np.array(x0)
    x = nt.Variable(xs) if uses_variable else nt.constant(xs)
    tapes, recording, consumed = [], [], []
    for persistent, mode in tapes_spec:  # entered in order: the last is the innermost
        t = nt.GradientTape(persistent=persistent, watch_accessed_variables=(mode == "variable"))
        t.__enter__()
        if mode == "watch":
            t.watch(x)
        tapes.append(t)
        recording.append(True)
        consumed.append(False)
    try:
        value = _nt_family(family, c, x)
        order = 0
        max_order = max(1, len(c) - 1) if family == "poly" else math.inf
        # tapes that recorded the whole computation of `value` (so they can differentiate it)
        knows = {i for i, (_, mode) in enumerate(tapes_spec) if mode != "unwatched"}
        for action, i in steps:
            t = tapes[i]
            if action == "exit":
                if recording[i]:
                    t.__exit__(None, None, None)
                    recording[i] = False
                continue
            if consumed[i]:  # reported before the arguments are looked at, as TensorFlow does
                with pytest.raises(RuntimeError, match="only be called once"):
                    t.gradient(value, x)
                continue
            if value is None:  # the chain ended in an unconnected gradient
                with pytest.raises(TypeError, match="target is None"):
                    t.gradient(value, x)
                continue
            result = t.gradient(value, x)
            if not tapes_spec[i][0]:
                consumed[i] = True
                recording[i] = False  # a non-persistent tape stops recording when asked inside its block
            # Unconnected, decided by structure (never by a zero): the tape did not record the value, or
            # the value no longer depends on x (a degree-d polynomial's d-th derivative is a constant).
            if i not in knows or order + 1 > max_order:
                assert result is None, (i, knows, order)
                value = None
                continue
            order += 1
            expected = np.vectorize(lambda v: FAMILIES[family][1](c, v, order))(xs)
            assert result is not None, (order, i)
            np.testing.assert_allclose(result.numpy(), expected, rtol=1e-9, atol=1e-9)
            value = result
            knows = {j for j in knows if recording[j]}  # only tapes recording now see this gradient
    finally:
        for t in reversed(tapes):
            if t._recording:
                t.__exit__(None, None, None)
    from numtape._state import state

    assert state.stack == []
