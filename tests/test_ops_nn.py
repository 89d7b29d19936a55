"""softmax and log_softmax: values, stability, rows summing to one."""
from __future__ import annotations

import numpy as np

import numtape as nt


def test_softmax_rows_sum_to_one_and_resist_overflow() -> None:
    x = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    s = nt.softmax(nt.constant(x)).numpy()
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(s, e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)


def test_log_softmax_matches_log_of_softmax() -> None:
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(nt.log_softmax(nt.constant(x), axis=0).numpy(),
                               np.log(nt.softmax(nt.constant(x), axis=0).numpy()), rtol=1e-12)


def test_softmax_cross_entropy_gradient_is_probabilities_minus_labels() -> None:
    logits = nt.constant([[2.0, 1.0, 0.1]])
    labels = np.array([[0.0, 1.0, 0.0]])
    with nt.GradientTape() as tape:
        tape.watch(logits)
        loss = -nt.reduce_sum(labels * nt.log_softmax(logits))
    np.testing.assert_allclose(tape.gradient(loss, logits).numpy(), nt.softmax(logits).numpy() - labels, atol=1e-15)


def test_softmax_of_a_list_holding_tensors_is_differentiated() -> None:
    x = nt.constant(0.5)
    with nt.GradientTape() as tape:
        tape.watch(x)
        s = nt.softmax([x, 0.0])[0]  # sigmoid(x)
    sig = 1 / (1 + np.exp(-0.5))
    np.testing.assert_allclose(tape.gradient(s, x).numpy(), sig * (1 - sig), rtol=1e-14)
