"""Errors name the public function the user called (numtape/errors.py), generated over the op table.

For each composite row, the first test case is called with each operand in turn replaced by a
string, and by an array one element longer on its last axis. Whatever the row makes of that, it
either computes (broadcasting may allow it) or raises a TypeError/ValueError whose message starts
with the row's name, never with the name of an op it calls inside (``numtape.subtract`` for
``nt.stats.norm.logpdf`` before this test) and never a bare NumPy or Python error.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtape as nt
from numtape.ops.registry import COMPOSITES

ROWS = [row for _, row in sorted(COMPOSITES.items()) if row.cases and row.cases[0].pack is None]


def _bad_inputs(row):
    case = row.cases[0]
    sample = case.sample or row.sample
    rng = np.random.default_rng(0)
    values = [np.asarray(sample(rng, s), float) if sample else rng.standard_normal(s) for s in case.shapes]
    for k, value in enumerate(values):
        yield f"operand {k} a str", [*values[:k], "x", *values[k + 1:]]
        if np.ndim(value):
            longer = np.ones(np.shape(value)[:-1] + (np.shape(value)[-1] + 1,))
            yield f"operand {k} longer", [*values[:k], longer, *values[k + 1:]]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.qualified)
def test_bad_input_names_the_row_called(row) -> None:
    case = row.cases[0]
    names = {row.public_name, row.qualified, *row.aliases}
    for what, values in _bad_inputs(row):
        arguments = case.arguments([v if isinstance(v, str) else nt.constant(v) for v in values])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row.fn(*arguments, **case.kwargs)
        except (TypeError, ValueError) as error:
            message = str(error)
            assert any(message.startswith(f"numtape.{name}:") for name in names), (what, message)


def test_an_error_inside_a_row_names_the_row_and_the_op_that_found_it() -> None:
    with pytest.raises(ValueError, match=r"^numtape\.stats\.norm\.logpdf: shapes \(2,\) and \(3,\) cannot be "
                                         r"broadcast together \[found by numtape\.subtract\]"):
        nt.stats.norm.logpdf(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"^numtape\.subtract: "):  # called directly: its own name
        nt.subtract(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match=r"^numtape\.stats\.norm\.logpdf: expected a number"):
        nt.stats.norm_logpdf("x")  # the row's own spelling names it as SciPy does


def test_an_error_in_user_code_called_by_numtape_names_what_the_user_called() -> None:
    def f(x):
        return nt.subtract(x, np.ones(3))  # the user's own call, inside nt.function's trace

    with pytest.raises(ValueError, match=r"^numtape\.subtract: "):
        nt.function(f)(np.ones(2))
