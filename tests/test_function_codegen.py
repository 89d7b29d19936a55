"""Generated replay kernels (numtape/function/codegen.py): bitwise the interpreter's numbers, or declined."""
import numpy as np
import pytest

import numtape as nt
from numtape.function import codegen
from numtape.ops.registry import ELEMENTWISE, FORMULA_MODULES


def _mixed(x):
    # unary and binary rows, a select-type derivative (relu), a guard, an element of an array
    s = nt.sin(x[0]) * x[1] + nt.exp(x[1] / 3.0) - nt.tanh(x[0] * x[0])
    s = s + nt.nn.relu(x[1] - 0.5) + nt.sqrt(x[0] * x[0] + 1.0) + nt.log1p(x[1] * x[1])
    if s > -100.0:
        s = s * 2.0
    return s


def _both(f, x):
    interpreted = nt.function(f, compile="never").value_and_grad(x)
    g = nt.function(f, compile="eager")
    generated = g.value_and_grad(x)
    trace = g.get_compiled(x)
    return interpreted, generated, trace


@pytest.mark.parametrize("x", [np.array([0.3, 1.7]), np.array([np.inf, 0.0]), np.array([np.nan, -2.0])])
def test_generated_is_bitwise_the_interpreter(x):
    (v0, g0), (v1, g1), trace = _both(_mixed, x)
    assert callable(trace.__dict__["_generated"][(0,)])  # the generated path really ran
    np.testing.assert_array_equal(np.asarray(v1), np.asarray(v0))
    assert np.asarray(v1).tobytes() == np.asarray(v0).tobytes()
    assert g1.tobytes() == g0.tobytes()


def test_float32_matches_the_interpreter():
    x = np.array([0.3, 1.7], np.float32)
    (v0, g0), (v1, g1), _ = _both(_mixed, x)
    assert v1.dtype == v0.dtype == np.float32 and g1.dtype == np.float32
    assert v1.tobytes() == v0.tobytes() and g1.tobytes() == g0.tobytes()


def test_guards_still_retrace():
    def f(x):
        return x[0] * x[1] if x[0] > 0 else x[0] - x[1]

    g = nt.function(f, compile="eager")
    assert g.value_and_grad(np.array([2.0, 3.0]))[1].tolist() == [3.0, 2.0]
    assert g.value_and_grad(np.array([-2.0, 3.0]))[1].tolist() == [1.0, -1.0]  # guard failed: the other branch
    assert g.value_and_grad(np.array([5.0, 7.0]))[1].tolist() == [7.0, 5.0]


def test_gradient_against_the_calculus():
    g = nt.function(lambda x: nt.sin(x[0]) * x[1], compile="eager")
    x = np.array([0.4, 1.5])
    _, grad = g.value_and_grad(x)
    np.testing.assert_allclose(grad, [np.cos(0.4) * 1.5, np.sin(0.4)], rtol=1e-15)


def test_array_entries_are_declined():
    g = nt.function(lambda x: nt.reduce_sum(nt.sin(x) * x), compile="eager")
    x = np.linspace(0, 1, 5)
    _, grad = g.value_and_grad(x)
    assert g.get_compiled(x).__dict__["_generated"][(0,)] is None  # stays on the interpreter
    np.testing.assert_allclose(grad, np.sin(x) + x * np.cos(x), rtol=1e-14)


def test_lazy_switches_after_hot_calls():
    from numtape.function.replay import HOT_CALLS

    g = nt.function(lambda x: x[0] * x[1] + 1.0, compile="lazy")
    x = np.array([2.0, 3.0])
    for _ in range(HOT_CALLS + 1):  # ~0.1 s of interpreted replays
        g.value_and_grad(x)
    assert callable(g.get_compiled(x).__dict__["_generated"][(0,)])


def test_default_never_generates():
    g = nt.function(lambda x: x[0] * x[1] + 1.0)
    x = np.array([2.0, 3.0])
    for _ in range(3):
        g.value_and_grad(x)
    assert not callable(g.get_compiled(x).__dict__.get("_generated", {}).get((0,)))


def test_compile_keyword_is_checked():
    with pytest.raises(ValueError, match="compile"):
        nt.function(lambda x: x, compile="sometimes")


def test_formulas_come_from_the_rows():
    # every elementwise row's value formula appears verbatim in generated code of its code
    assert all(spec.kernel for spec in ELEMENTWISE.values())
    g = nt.function(lambda x: nt.sin(x[0]) * x[1], compile="never")
    x = np.array([0.4, 1.5])
    g.value_and_grad(x)
    trace = g.get_compiled(x)
    _, rcode = trace.live((trace.outputs[0][0],), trace._sources([0]))
    text = codegen.source(trace, trace.outputs[0][0], trace.inputs[0], rcode)
    assert ELEMENTWISE[11].kernel in text or "math.sin" in text


def _row_naming(prefix):
    """A differentiable row (unary if there is one) whose compiled formulas call into the module
    named ``prefix``."""
    return min((s for s in ELEMENTWISE.values() if s.differentiable and f"{prefix}." in s.kernel + str(s.partial)),
               key=lambda s: (bool(s.fixed_operands), s.arity))  # rows without an order as data first


@pytest.mark.parametrize("prefix", [prefix for _, prefix in FORMULA_MODULES])
def test_every_formula_module_is_importable_from_generated_code(prefix):
    # a generated kernel imports the formula modules itself: a row naming one it missed
    # (BF., added with the Bessel rows) would fail to compile
    spec = _row_naming(prefix)
    fn = getattr(nt, spec.name)
    points = [float(np.mean(spec.operand_domain(k))) for k in range(spec.arity)]
    fixed = {k: float(round(points[k])) for k in spec.fixed_operands}  # an order: data, a constant
    (v0, g0), (v1, g1), trace = _both(lambda x: fn(*[fixed.get(k, x[k]) for k in range(spec.arity)]) * x[-1],
                                      np.array(points + [1.3]))
    assert callable(trace.__dict__["_generated"][(0,)])
    assert np.asarray(v1).tobytes() == np.asarray(v0).tobytes() and g1.tobytes() == g0.tobytes()
