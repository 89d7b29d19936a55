"""The generated kernel files match the op rows, and the generator refuses incomplete rows."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from numtape import _codegen
from numtape._kernels import mathfn as M
from numtape._kernels import scalar as S
from numtape._kernels import sweep as K
from numtape.ops.registry import ELEMENTWISE, LINEAR


@pytest.mark.parametrize("path", sorted(_codegen.generated_files()), ids=lambda p: p.name)
def test_committed_generated_files_are_what_the_rows_generate(path) -> None:
    expected = _codegen.generated_files()[path]
    assert path.read_text() == expected, f"{path} is stale: run python -m numtape._codegen"


def _row(**changes):
    return dataclasses.replace(ELEMENTWISE[K.FN_SIN], **changes)


@pytest.mark.parametrize("changes, message", [
    (dict(partial=None), "no compiled partial"),
    (dict(second=None), "no second derivative"),
    (dict(kernel=""), "no compiled value formula"),
    (dict(differentiable=False), "not differentiable, so it takes no partial"),
    (dict(code=70), "elementwise codes are 1 to 63"),
    (dict(code=255), "elementwise codes are 1 to 63"),
    (dict(partial="math.cos(x"), "not a Python expression"),
    (dict(tangent="d * dx +"), "not a Python expression"),
    (dict(tangent="d * 2.0"), "does not read the direction dx"),
    (dict(tangent="d * dy"), "uses \\['dy'\\]"),
    (dict(differentiable=False, partial=None, second=None, tangent="dx"), "takes no tangent"),
])
def test_the_generator_refuses_an_incomplete_row(changes, message) -> None:
    with pytest.raises(_codegen.RowError, match=message):
        _codegen._check(_row(**changes))


def test_the_generator_refuses_a_code_used_twice(monkeypatch) -> None:
    clash = dataclasses.replace(ELEMENTWISE[K.FN_SIN], name="sine_again", short="sine_again")
    monkeypatch.setitem(ELEMENTWISE, 99, clash)  # registered under another key, same code 11
    with pytest.raises(_codegen.RowError, match="code 11"):
        _codegen.generate_codes()


def test_linear_rows_say_so_and_curved_rows_have_a_second_derivative() -> None:
    for spec in ELEMENTWISE.values():
        if spec.differentiable:
            assert spec.second == LINEAR or spec.curved, spec.name


# The hand-written hot branches of the sweeps must do the generated switches' float operations.
_SAMPLES = np.array([-1.7, -0.3, -0.0, 0.0, 0.4, 1.3, 2.9])


def _generic_partial(code: int, *args: float):
    if ELEMENTWISE[code].arity == 1:
        x = args[0]
        return S.unary_partial(code, x, S.unary(code, x))
    a, b = args
    return S.binary_partials(code, a, b, S.binary(code, a, b))


def test_inline_scalar_branches_of_the_reverse_sweep_equal_the_switches_bit_for_bit() -> None:
    inline_unary = {  # reverse_sweep's and flat_backward's inline d/dx, as (x, y) -> d
        K.FN_SIN: lambda x, y: math.cos(x), K.FN_COS: lambda x, y: -math.sin(x), K.FN_EXP: lambda x, y: y,
        K.FN_NEG: lambda x, y: -1.0, K.FN_SQUARE: lambda x, y: 2.0 * x, K.FN_TANH: lambda x, y: 1.0 - y * y,
        K.FN_SIGMOID: lambda x, y: y * (1.0 - y), K.FN_SOFTPLUS: lambda x, y: M.sigmoid(x),
    }
    for code, inline in inline_unary.items():
        for x in _SAMPLES:
            y = S.unary(code, x)
            assert inline(x, y) == S.unary_partial(code, x, y), (ELEMENTWISE[code].name, x)
    inline_binary = {
        K.FN_MUL: lambda a, b: (b, a), K.FN_ADD: lambda a, b: (1.0, 1.0), K.FN_SUB: lambda a, b: (1.0, -1.0),
        K.FN_DIV: lambda a, b: (1.0 / b, (-a / b) / b),
    }
    for code, inline in inline_binary.items():
        for a in _SAMPLES:
            for b in _SAMPLES[_SAMPLES != 0.0]:
                assert inline(a, b) == _generic_partial(code, a, b), (ELEMENTWISE[code].name, a, b)


def test_a_binary_tangent_must_read_both_directions_and_a_new_row_derives_it() -> None:
    maximum = next(s for s in ELEMENTWISE.values() if s.name == "maximum")
    row = dataclasses.replace(maximum, tangent="dx if a >= b else 0.0")
    with pytest.raises(_codegen.RowError, match="does not read the direction dy"):
        _codegen._check(row)
    # a row without a tangent formula gets the derived one: no branch of its own in the switch
    text = _codegen.generate_scalar()
    tangent_switch = text[text.index("def unary_tangent"):]
    assert "FN_SIN" not in tangent_switch and "return apply(fn, dx, d)" in tangent_switch
