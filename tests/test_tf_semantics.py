"""TensorFlow 2.21's GradientTape semantics that TF's own tests check (issue 11, item 4).

Each expected value is TensorFlow's documented or tested behaviour, or the math; the TF
source each test mirrors is named (``tensorflow/python/eager/backprop.py`` and
``backprop_test.py``, ``python/ops/parallel_for/control_flow_ops.py``).
"""
from __future__ import annotations

import numpy as np
import pytest

import numtape as nt

# ---------------------------------------------------------------------------
# watched_variables(): creation order (TF keeps a set ordered by the handle's id)
# ---------------------------------------------------------------------------
def test_watched_variables_are_in_creation_order_not_first_use() -> None:
    v0, v1 = nt.Variable(1.0), nt.Variable(2.0)
    with nt.GradientTape() as tape:
        y = v1 * v1 + v0 * v0
    assert tape.watched_variables() == (v0, v1)
    assert isinstance(tape.watched_variables(), tuple)  # TF returns a tuple
    tape.gradient(y, [v0, v1])
    assert tape.watched_variables() == (v0, v1)  # kept after the release, in the same order


def test_explicitly_watched_variables_are_in_creation_order_too() -> None:
    a, b, c = nt.Variable(1.0), nt.Variable(2.0, trainable=False), nt.Variable(3.0)
    with nt.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch([c, b, a])
    assert tape.watched_variables() == (a, b, c)
    with nt.GradientTape() as tape:
        _ = c * b * a  # b is not trainable: not watched
    assert tape.watched_variables() == (a, c)


def test_watched_variables_respect_reset() -> None:  # TF: testWatchedVariablesRespectReset
    with nt.GradientTape() as tape:
        x = nt.Variable(1.0)
        tape.watch(x)
        assert tape.watched_variables() == (x,)
        tape.reset()
        z = nt.Variable(2.0)
        tape.watch(z)
        assert tape.watched_variables() == (z,)
    tape.gradient(z, z)
    assert tape.watched_variables() == (z,)


# ---------------------------------------------------------------------------
# watch() of something that is not a Tensor or Variable: TF's ValueError
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.array(1.0), np.ones(2), 1.5, None, "x"], ids=["0d", "1d", "float", "None", "str"])
def test_watching_a_non_tensor_raises_tensorflows_value_error(bad) -> None:
    with nt.GradientTape() as tape:  # TF: testWatchBadThing, assertRaisesRegex(ValueError, 'ndarray')
        with pytest.raises(ValueError, match=f"watch.*of type '{type(bad).__name__}', not nt.Tensor"):
            tape.watch(bad)
        with pytest.raises(TypeError):  # also numtape's rule for a wrong kind of value
            tape.watch(bad)
