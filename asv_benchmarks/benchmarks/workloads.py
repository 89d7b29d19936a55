"""The workloads, each as value AND gradient, in every implementation.

For each workload ``W`` there is a builder ``W(impl, size)`` that returns a
zero-argument callable computing the value and the gradient once, from inputs
prepared by the builder (data preparation, tracing and JIT compilation are not
part of the call). ``impl`` is one of :data:`common.IMPLS`:

* ``numtape``: eager numtape (``GradientTape``), as a user writes it;
* ``replay``: ``nt.function`` (compiled replay); NotImplementedError until it exists;
* ``numpy``: a gradient written by hand with NumPy (or plain Python floats and
  ``math`` for scalar code, which is how one writes a fast interpreted scalar
  loop: NumPy scalars are slower than floats);
* ``numba``: the same hand-written gradient compiled with ``@njit`` (the speed
  of light on this machine);
* ``torch``, ``jax``, ``jax_jit``, ``autograd``: peers (``peers.py``), skipped
  with NotImplementedError where the package is not installed.

The hand-written references are checked against numtape and finite differences in
``tests/test_benchmark_workloads.py``. The ADBench GMM objective is in ``gmm.py``.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .common import require_function, require_numtape, rng_array
from .njit import njit

Run = Callable[[], Any]


def _unknown(impl: str, workload: str) -> NotImplementedError:
    return NotImplementedError(f"{workload}: no {impl} implementation")


def _peer(impl: str, workload: str, *args: Any) -> Run:
    from . import peers

    return peers.build(impl, workload, *args)


# ---------------------------------------------------------------------------
# 1. Scalar loop: y = sin(y) * x + 0.5 * y * y / (1 + y * y), 8 ops per iteration
# ---------------------------------------------------------------------------
SCALAR_LOOP_OPS_PER_ITERATION = 8
SCALAR_LOOP_X = 0.5


def scalar_loop_nt(x: Any, iterations: int) -> Any:
    """The loop on numtape Tensors (what ``replay`` traces)."""
    sin = require_numtape().sin
    y = x
    for _ in range(iterations):
        y = sin(y) * x + 0.5 * y * y / (1.0 + y * y)
    return y


def scalar_loop_python(x: float, iterations: int) -> tuple[float, float]:
    """Forward storing the trajectory, then the adjoint loop, in Python floats."""
    ys = [0.0] * iterations
    y = x
    for i in range(iterations):
        ys[i] = y
        y = math.sin(y) * x + 0.5 * y * y / (1.0 + y * y)
    value = y
    gy, gx = 1.0, 0.0
    for i in range(iterations - 1, -1, -1):
        yi = ys[i]
        d = 1.0 + yi * yi
        gx += gy * math.sin(yi)
        gy = gy * (math.cos(yi) * x + yi / (d * d))
    return value, gx + gy  # y0 = x


@njit
def scalar_loop_numba(x: float, iterations: int) -> tuple[float, float]:
    ys = np.empty(iterations)
    y = x
    for i in range(iterations):
        ys[i] = y
        y = math.sin(y) * x + 0.5 * y * y / (1.0 + y * y)
    value = y
    gy, gx = 1.0, 0.0
    for i in range(iterations - 1, -1, -1):
        yi = ys[i]
        d = 1.0 + yi * yi
        gx += gy * math.sin(yi)
        gy = gy * (math.cos(yi) * x + yi / (d * d))
    return value, gx + gy


def scalar_loop(impl: str, iterations: int = 1000) -> Run:
    x0 = SCALAR_LOOP_X
    if impl == "numtape":
        nt = require_numtape()
        x = nt.constant(x0)

        def run() -> Any:
            with nt.GradientTape() as tape:
                tape.watch(x)
                y = scalar_loop_nt(x, iterations)
            return y, tape.gradient(y, x)

        return run
    if impl == "replay":
        nt = require_numtape()
        g = require_function()(lambda x: scalar_loop_nt(x, iterations))
        x = nt.constant(x0)
        return lambda: g.value_and_grad(x)
    if impl == "numpy":
        return lambda: scalar_loop_python(x0, iterations)
    if impl == "numba":
        return lambda: scalar_loop_numba(x0, iterations)
    return _peer(impl, "scalar_loop", x0, iterations)


# ---------------------------------------------------------------------------
# 2. Rosenbrock: sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2
# ---------------------------------------------------------------------------
def rosenbrock_x(n: int) -> np.ndarray:
    return 1.0 + 0.5 * rng_array((n,), 1)


def rosenbrock_numpy(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Value and analytic gradient, vectorised."""
    xm = x[:-1]
    a = x[1:] - xm * xm
    b = 1.0 - xm
    value = float(np.sum(100.0 * a * a + b * b))
    g = np.zeros_like(x)
    g[:-1] = -400.0 * a * xm - 2.0 * b
    g[1:] += 200.0 * a
    return value, g


@njit
def rosenbrock_numba(x: np.ndarray) -> tuple[float, np.ndarray]:
    n = x.shape[0]
    g = np.zeros(n)
    value = 0.0
    for i in range(n - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1.0 - x[i]
        value += 100.0 * a * a + b * b
        g[i] += -400.0 * a * x[i] - 2.0 * b
        g[i + 1] += 200.0 * a
    return value, g


def rosenbrock_scalar_nt(x: Any, n: int) -> Any:
    """Rosenbrock as a scalar loop over the elements of x (each element read once)."""
    xs = [x[i] for i in range(n)]
    total = 0.0
    for i in range(n - 1):
        a = xs[i + 1] - xs[i] * xs[i]
        b = 1.0 - xs[i]
        total = total + 100.0 * a * a + b * b
    return total


def rosenbrock_vector_nt(x: Any) -> Any:
    nt = require_numtape()
    xm = x[:-1]
    a = x[1:] - xm * xm
    b = 1.0 - xm
    return nt.reduce_sum(100.0 * a * a + b * b)


def _tape_value_and_grad(f: Callable[[Any], Any], x: Any) -> Run:
    nt = require_numtape()

    def run() -> Any:
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return y, tape.gradient(y, x)

    return run


def _replay_value_and_grad(f: Callable[[Any], Any], x: Any) -> Run:
    g = require_function()(f)
    return lambda: g.value_and_grad(x)


def rosenbrock_scalar(impl: str, n: int = 100) -> Run:
    xv = rosenbrock_x(n)
    if impl in ("numtape", "replay"):
        nt = require_numtape()
        x = nt.constant(xv)
        f = lambda x: rosenbrock_scalar_nt(x, n)  # noqa: E731
        return _tape_value_and_grad(f, x) if impl == "numtape" else _replay_value_and_grad(f, x)
    if impl == "numpy":
        return lambda: rosenbrock_numpy(xv)
    if impl == "numba":
        return lambda: rosenbrock_numba(xv)
    return _peer(impl, "rosenbrock_scalar", xv)


def rosenbrock_vector(impl: str, n: int = 1_000_000) -> Run:
    xv = rosenbrock_x(n)
    if impl in ("numtape", "replay"):
        nt = require_numtape()
        x = nt.constant(xv)
        f = rosenbrock_vector_nt
        return _tape_value_and_grad(f, x) if impl == "numtape" else _replay_value_and_grad(f, x)
    if impl == "numpy":
        return lambda: rosenbrock_numpy(xv)
    if impl == "numba":
        return lambda: rosenbrock_numba(xv)
    return _peer(impl, "rosenbrock_vector", xv)


# ---------------------------------------------------------------------------
# 3. Logistic regression: mean(log(1 + exp(-y * (X @ w)))), X of (m, p), y = +-1
# ---------------------------------------------------------------------------
def logistic_data(m: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = rng_array((m, p), 2)
    y = rng_array((m,), 3, "signs")
    w = 0.1 * rng_array((p,), 4)
    return X, y, w


def logistic_numpy(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    u = -y * (X @ w)
    value = float(np.mean(np.logaddexp(0.0, u)))
    s = np.exp(u - np.logaddexp(0.0, u))  # sigmoid(u), without overflow
    return value, X.T @ (-y * s) / X.shape[0]


@njit
def logistic_numba(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    m, p = X.shape
    g = np.zeros(p)
    value = 0.0
    for i in range(m):
        z = 0.0
        for j in range(p):
            z += X[i, j] * w[j]
        u = -y[i] * z
        if u > 0.0:
            value += u + math.log1p(math.exp(-u))
            s = 1.0 / (1.0 + math.exp(-u))
        else:
            e = math.exp(u)
            value += math.log1p(e)
            s = e / (1.0 + e)
        c = -y[i] * s / m
        for j in range(p):
            g[j] += c * X[i, j]
    return value / m, g


def logistic_nt(w: Any, X: Any, y: Any) -> Any:
    nt = require_numtape()
    return nt.reduce_mean(nt.softplus(-y * nt.matmul(X, w)))


def logistic(impl: str, m: int = 10_000, p: int = 100) -> Run:
    Xv, yv, wv = logistic_data(m, p)
    if impl in ("numtape", "replay"):
        nt = require_numtape()
        X, y, w = nt.constant(Xv), nt.constant(yv), nt.constant(wv)  # data as Tensors, as in TF
        f = lambda w: logistic_nt(w, X, y)  # noqa: E731
        return _tape_value_and_grad(f, w) if impl == "numtape" else _replay_value_and_grad(f, w)
    if impl == "numpy":
        return lambda: logistic_numpy(Xv, yv, wv)
    if impl == "numba":
        return lambda: logistic_numba(Xv, yv, wv)
    return _peer(impl, "logistic", Xv, yv, wv)


# ---------------------------------------------------------------------------
# 4. Two-layer tanh MLP with softmax cross-entropy: (B, D) -> H -> C
# ---------------------------------------------------------------------------
def mlp_data(batch: int, d: int, h: int, c: int) -> tuple[np.ndarray, ...]:
    X = rng_array((batch, d), 5)
    labels = (np.abs(rng_array((batch,), 6)) * 1000).astype(np.int64) % c
    Y = np.eye(c)[labels]
    W1 = rng_array((d, h), 7) / math.sqrt(d)
    b1 = 0.1 * rng_array((h,), 8)
    W2 = rng_array((h, c), 9) / math.sqrt(h)
    b2 = 0.1 * rng_array((c,), 10)
    return X, Y, W1, b1, W2, b2


def mlp_numpy(X, Y, W1, b1, W2, b2) -> tuple[float, list[np.ndarray]]:
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    batch = X.shape[0]
    value = float(-np.sum(Y * log_p) / batch)
    d_logits = (np.exp(log_p) - Y) / batch
    dW2 = hidden.T @ d_logits
    db2 = d_logits.sum(axis=0)
    d_pre = (d_logits @ W2.T) * (1.0 - hidden * hidden)
    dW1 = X.T @ d_pre
    db1 = d_pre.sum(axis=0)
    return value, [dW1, db1, dW2, db2]


@njit
def mlp_numba(X, Y, W1, b1, W2, b2):
    batch = X.shape[0]
    c = W2.shape[1]
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    d_logits = np.empty((batch, c))
    value = 0.0
    for i in range(batch):
        top = logits[i, 0]
        for j in range(1, c):
            top = max(top, logits[i, j])
        total = 0.0
        for j in range(c):
            total += math.exp(logits[i, j] - top)
        log_total = math.log(total)
        for j in range(c):
            log_p = logits[i, j] - top - log_total
            value -= Y[i, j] * log_p
            d_logits[i, j] = (math.exp(log_p) - Y[i, j]) / batch
    dW2 = hidden.T @ d_logits
    db2 = d_logits.sum(axis=0)
    d_pre = (d_logits @ W2.T) * (1.0 - hidden * hidden)
    dW1 = X.T @ d_pre
    db1 = d_pre.sum(axis=0)
    return value / batch, (dW1, db1, dW2, db2)


def mlp_nt(params: list[Any], X: Any, Y: Any) -> Any:
    nt = require_numtape()
    W1, b1, W2, b2 = params
    hidden = nt.tanh(nt.matmul(X, W1) + b1)
    logits = nt.matmul(hidden, W2) + b2
    return -nt.reduce_mean(nt.reduce_sum(Y * nt.log_softmax(logits), axis=1))


MLP_SHAPE = (256, 64, 128, 10)


def mlp(impl: str, shape: tuple[int, int, int, int] = MLP_SHAPE) -> Run:
    Xv, Yv, *pv = mlp_data(*shape)
    if impl == "numtape":
        nt = require_numtape()
        X, Y = nt.constant(Xv), nt.constant(Yv)
        params = [nt.constant(p) for p in pv]

        def run() -> Any:
            with nt.GradientTape() as tape:
                tape.watch(params)
                loss = mlp_nt(params, X, Y)
            return loss, tape.gradient(loss, params)

        return run
    if impl == "replay":
        # nt.function differentiates with respect to its argument: the parameters are
        # packed into one flat vector and unpacked (windows) inside the function.
        nt = require_numtape()
        X, Y = nt.constant(Xv), nt.constant(Yv)
        sizes = [p.size for p in pv]
        shapes = [p.shape for p in pv]
        theta = nt.constant(np.concatenate([p.reshape(-1) for p in pv]))

        def packed(theta: Any) -> Any:
            params, k = [], 0
            for size, shp in zip(sizes, shapes):
                params.append(nt.reshape(theta[k:k + size], shp))
                k += size
            return mlp_nt(params, X, Y)

        return _replay_value_and_grad(packed, theta)
    if impl == "numpy":
        return lambda: mlp_numpy(Xv, Yv, *pv)
    if impl == "numba":
        return lambda: mlp_numba(Xv, Yv, *pv)
    return _peer(impl, "mlp", Xv, Yv, *pv)


# ---------------------------------------------------------------------------
# 5. The seed example: x = ones((2, 2)); z = (sum x)^2; dz/dx, as per-call latency
# ---------------------------------------------------------------------------
def seed_numpy(x: np.ndarray) -> tuple[float, np.ndarray]:
    y = float(np.sum(x))
    return y * y, np.full(x.shape, 2.0 * y)


@njit
def seed_numba(x: np.ndarray) -> tuple[float, np.ndarray]:
    y = x.sum()
    return y * y, np.full(x.shape, 2.0 * y)


def seed(impl: str, n: int = 2) -> Run:
    xv = np.ones((n, n))
    if impl == "numtape":
        nt = require_numtape()
        x = nt.ones((n, n))

        def run() -> Any:
            with nt.GradientTape() as t:
                t.watch(x)
                y = nt.reduce_sum(x)
                z = nt.square(y)
            return z, t.gradient(z, x)

        return run
    if impl == "replay":
        nt = require_numtape()
        return _replay_value_and_grad(lambda x: nt.square(nt.reduce_sum(x)), nt.ones((n, n)))
    if impl == "numpy":
        return lambda: seed_numpy(xv)
    if impl == "numba":
        return lambda: seed_numba(xv)
    return _peer(impl, "seed", xv)


# ---------------------------------------------------------------------------
# 6. Dense Hessian of Rosenbrock (vectorised), n = 20 and 100
# ---------------------------------------------------------------------------
def rosenbrock_hessian_numpy(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    xm = x[:-1]
    diag = np.zeros(n)
    diag[:-1] = 1200.0 * xm * xm - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * xm
    H = np.diag(diag)
    i = np.arange(n - 1)
    H[i, i + 1] = off
    H[i + 1, i] = off
    return H


@njit
def rosenbrock_hessian_numba(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0
        H[i + 1, i + 1] += 200.0
        H[i, i + 1] = -400.0 * x[i]
        H[i + 1, i] = -400.0 * x[i]
    return H


def rosenbrock_hessian(impl: str, n: int = 20) -> Run:
    xv = rosenbrock_x(n)
    if impl == "numtape":
        nt = require_numtape()
        x = nt.constant(xv)

        def run() -> Any:
            with nt.GradientTape() as outer:
                outer.watch(x)
                with nt.GradientTape() as inner:
                    inner.watch(x)
                    y = rosenbrock_vector_nt(x)
                g = inner.gradient(y, x)
            return outer.jacobian(g, x)

        return run
    if impl == "replay":
        nt = require_numtape()
        g = require_function()(rosenbrock_vector_nt)
        x = nt.constant(xv)
        return lambda: g.hessian(x)
    if impl == "numpy":
        return lambda: rosenbrock_hessian_numpy(xv)
    if impl == "numba":
        return lambda: rosenbrock_hessian_numba(xv)
    return _peer(impl, "rosenbrock_hessian", xv)


BUILDERS: dict[str, Callable[..., Run]] = {
    "scalar_loop": scalar_loop,
    "rosenbrock_scalar": rosenbrock_scalar,
    "rosenbrock_vector": rosenbrock_vector,
    "logistic": logistic,
    "mlp": mlp,
    "seed": seed,
    "rosenbrock_hessian": rosenbrock_hessian,
}
