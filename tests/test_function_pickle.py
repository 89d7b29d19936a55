"""Pickling follows Python's rules (issue 10, item 12).

An ``@nt.function`` importable by name pickles by reference, as a Python function does
(the loaded one reads its module's globals); a Function held by an object's class reads
the loaded object's Variables, so an object and its Variables pickled together stay
linked; a Function pickled by value keeps its traces, whose Variables are those pickled
with it. Each case crosses a process boundary where it matters.
"""
from __future__ import annotations

import os
import pickle

import numpy as np

import numtape as nt

from ._support import ROOT, last_line, run_python

MODULE = '''
import numtape as nt
w = nt.Variable(2.0)

@nt.function
def f(x):
    return nt.reduce_sum(x * w)

class Model:
    def __init__(self):
        self.w = nt.Variable(2.0)

    @nt.function
    def loss(self, x):
        return nt.reduce_sum(x * self.w)
'''


def test_a_model_and_its_variables_pickled_together_stay_linked_in_another_process(tmp_path) -> None:
    (tmp_path / "pickled_model.py").write_text(MODULE)
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    data = tmp_path / "state.pkl"
    last_line(run_python(f"""
        import pickle, numpy as np, pickled_model as pm
        m = pm.Model()
        x = np.array([1.0, 2.0])
        assert float(m.loss(x)) == 6.0 and float(pm.f(x)) == 6.0  # traced before pickling
        open({str(data)!r}, "wb").write(pickle.dumps((pm.f, m)))
        print("ok")
    """, env=env))
    out = last_line(run_python(f"""
        import pickle, numpy as np, pickled_model as pm
        f, m = pickle.loads(open({str(data)!r}, "rb").read())
        x = np.array([1.0, 2.0])
        m.w.assign(5.0)
        pm.w.assign(7.0)
        print(f is pm.f, float(m.loss(x)), float(f(x)))
    """, env=env))
    assert out == "True 15.0 21.0"


def _scaled(x):
    return nt.reduce_sum(x * _W)


_W = nt.Variable(2.0)


def test_a_function_pickled_by_value_replays_with_the_variables_pickled_with_it() -> None:
    g = nt.function(_scaled)  # not importable as itself: pickled by value, traces included
    x = np.array([1.0, 2.0])
    assert float(g(x)) == 6.0
    g2, w2 = pickle.loads(pickle.dumps((g, _W)))
    w2.assign(7.0)
    assert float(g2(x)) == 21.0
    assert float(g(x)) == 6.0  # the original is untouched
