"""The workloads in peer libraries: PyTorch, JAX (eager and jit) and HIPS autograd.

Peers are optional comparisons, never dependencies of numtape: a missing package
raises NotImplementedError (asv's skip). Everything runs in float64 on the CPU.
Each builder returns a zero-argument callable computing value and gradient, with
inputs converted and (for ``jax_jit``) the function compiled beforehand.

JAX eager differentiates the Python function op by op (``jax.value_and_grad``
without ``jit``); ``jax_jit`` compiles it with XLA. For the 1,000-iteration scalar
loop, ``jax_jit`` uses ``lax.fori_loop`` (unrolling 8,000 scalar ops into one
XLA program takes minutes to compile), which is how one writes it in JAX.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import gmm as G

Run = Callable[[], Any]


def _missing(package: str) -> NotImplementedError:
    return NotImplementedError(f"{package} is not installed")


# ---------------------------------------------------------------------------
# Array-library-generic definitions (xp = torch, jax.numpy or autograd.numpy)
# ---------------------------------------------------------------------------
def scalar_loop_body(sin: Callable[[Any], Any], x: Any, iterations: int) -> Any:
    y = x
    for _ in range(iterations):
        y = sin(y) * x + 0.5 * y * y / (1.0 + y * y)
    return y


def rosenbrock_scalar(x: Any, n: int) -> Any:
    xs = [x[i] for i in range(n)]
    total = 0.0
    for i in range(n - 1):
        a = xs[i + 1] - xs[i] * xs[i]
        b = 1.0 - xs[i]
        total = total + 100.0 * a * a + b * b
    return total


def rosenbrock_vector(xp: Any, x: Any) -> Any:
    xm = x[:-1]
    a = x[1:] - xm * xm
    b = 1.0 - xm
    return xp.sum(100.0 * a * a + b * b)


def logistic(xp: Any, softplus: Callable[[Any], Any], w: Any, X: Any, y: Any) -> Any:
    return xp.mean(softplus(-y * (X @ w)))


def mlp(xp: Any, log_softmax: Callable[[Any], Any], params: Any, X: Any, Y: Any) -> Any:
    W1, b1, W2, b2 = params
    hidden = xp.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    return -xp.mean(xp.sum(Y * log_softmax(logits), 1))


def seed(xp: Any, x: Any) -> Any:
    y = xp.sum(x)
    return y * y


def gmm_objective(xp: Any, logsumexp: Callable[..., Any], alphas: Any, means: Any, icf: Any, x: Any,
                  gamma: float, m: int, L_map: np.ndarray, d: int) -> Any:
    """ADBench's GMM objective (see gmm.py), vectorised the same way as the numtape version."""
    n = x.shape[0]
    k = alphas.shape[0]
    q = icf[:, :d]
    lower = icf[:, d:]
    qdiag = xp.exp(q)
    sum_qs = xp.sum(q, 1)
    padded = xp.concatenate([xp.zeros((k, 1), dtype=icf.dtype), lower], 1) if hasattr(xp, "concatenate") \
        else xp.cat([xp.zeros((k, 1), dtype=icf.dtype), lower], 1)
    L = xp.reshape(padded, (-1,))[L_map]
    xc = xp.reshape(x, (1, n, d)) - xp.reshape(means, (k, 1, d))
    Lt = xp.swapaxes(L, 1, 2) if hasattr(xp, "swapaxes") else L.transpose(1, 2)
    z = xp.reshape(qdiag, (k, 1, d)) * xc + xc @ Lt
    inner = xp.reshape(alphas + sum_qs, (k, 1)) - 0.5 * xp.sum(z * z, 2)
    slse = xp.sum(logsumexp(inner, 0))
    prior = xp.sum(0.5 * gamma * gamma * (xp.sum(qdiag * qdiag, 1) + xp.sum(lower * lower, 1)) - m * sum_qs)
    constant = G.data_constant(n, d) + G.prior_constant(d, k, gamma, m)
    return constant + slse - n * logsumexp(alphas, 0) + prior


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------
def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise _missing("torch") from None
    torch.set_num_threads(1)  # as every other implementation here (benchmarks/__init__.py)
    return torch


def _torch_build(workload: str, args: tuple) -> Run:
    torch = _torch()
    T = lambda a: torch.tensor(np.asarray(a), dtype=torch.float64)  # noqa: E731

    def grad_of(f: Callable[..., Any], *params: Any) -> Run:
        def run() -> Any:
            leaves = [p.detach().requires_grad_(True) for p in params]
            value = f(*leaves)
            grads = torch.autograd.grad(value, leaves)
            return value.item(), grads

        return run

    if workload == "scalar_loop":
        x0, iterations = args
        return grad_of(lambda x: scalar_loop_body(torch.sin, x, iterations), T(x0))
    if workload == "rosenbrock_scalar":
        (x,) = args
        return grad_of(lambda t: rosenbrock_scalar(t, len(x)), T(x))
    if workload == "rosenbrock_vector":
        return grad_of(lambda t: rosenbrock_vector(torch, t), T(args[0]))
    if workload == "logistic":
        X, y, w = (T(a) for a in args)
        return grad_of(lambda w: logistic(torch, torch.nn.functional.softplus, w, X, y), w)
    if workload == "mlp":
        X, Y, *params = (T(a) for a in args)
        return grad_of(lambda *p: mlp(torch, lambda z: torch.log_softmax(z, 1), p, X, Y), *params)
    if workload == "seed":
        return grad_of(lambda t: seed(torch, t), T(args[0]))
    if workload == "rosenbrock_hessian":
        x = T(args[0])
        return lambda: torch.autograd.functional.hessian(lambda t: rosenbrock_vector(torch, t), x)
    if workload == "gmm":
        alphas, means, icf, x, gamma, m, grad = args
        d = x.shape[1]
        L_map = torch.tensor(G._l_gather_map(alphas.shape[0], d))
        xt = T(x)
        f = lambda a, mu, c: gmm_objective(  # noqa: E731
            torch, lambda v, dim: torch.logsumexp(v, dim), a, mu, c, xt, gamma, m, L_map, d)
        if not grad:
            params = [T(alphas), T(means), T(icf)]

            def objective() -> Any:
                with torch.no_grad():
                    return f(*params).item()

            return objective
        return grad_of(f, T(alphas), T(means), T(icf))
    raise NotImplementedError(f"torch: no {workload}")


# ---------------------------------------------------------------------------
# JAX (eager and jit) and HIPS autograd share the NumPy-style definitions
# ---------------------------------------------------------------------------
def _jax() -> Any:
    try:
        import jax
    except ImportError:
        raise _missing("jax") from None
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    return jax


def _jax_build(workload: str, args: tuple, jit: bool) -> Run:
    jax = _jax()
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    def finish(f: Callable[..., Any], params: tuple, argnums: Any = 0) -> Run:
        vg = jax.value_and_grad(f, argnums=argnums)
        if jit:
            vg = jax.jit(vg)

        def run() -> Any:
            value, grads = vg(*params)
            return jax.block_until_ready((value, grads))

        return run

    if workload == "scalar_loop":
        x0, iterations = args
        if jit:
            body = lambda i, yx: (jnp.sin(yx[0]) * yx[1] + 0.5 * yx[0] * yx[0] / (1.0 + yx[0] * yx[0]), yx[1])  # noqa: E731
            f = lambda x: jax.lax.fori_loop(0, iterations, body, (x, x))[0]  # noqa: E731
        else:
            f = lambda x: scalar_loop_body(jnp.sin, x, iterations)  # noqa: E731
        return finish(f, (jnp.float64(x0),))
    if workload == "rosenbrock_scalar":
        (x,) = args
        return finish(lambda t: rosenbrock_scalar(t, len(x)), (jnp.asarray(x),))
    if workload == "rosenbrock_vector":
        return finish(lambda t: rosenbrock_vector(jnp, t), (jnp.asarray(args[0]),))
    if workload == "logistic":
        X, y, w = (jnp.asarray(a) for a in args)
        return finish(lambda w, X, y: logistic(jnp, jax.nn.softplus, w, X, y), (w, X, y))
    if workload == "mlp":
        X, Y, *params = (jnp.asarray(a) for a in args)
        f = lambda p, X, Y: mlp(jnp, lambda z: jax.nn.log_softmax(z, 1), p, X, Y)  # noqa: E731
        return finish(f, (tuple(params), X, Y))
    if workload == "seed":
        return finish(lambda t: seed(jnp, t), (jnp.asarray(args[0]),))
    if workload == "rosenbrock_hessian":
        h = jax.hessian(lambda t: rosenbrock_vector(jnp, t))
        if jit:
            h = jax.jit(h)
        x = jnp.asarray(args[0])
        return lambda: h(x).block_until_ready()
    if workload == "gmm":
        alphas, means, icf, x, gamma, m, grad = args
        d = x.shape[1]
        L_map = G._l_gather_map(alphas.shape[0], d)

        def f(a: Any, mu: Any, c: Any, xs: Any) -> Any:
            return gmm_objective(jnp, lambda v, axis: logsumexp(v, axis), a, mu, c, xs, gamma, m, L_map, d)

        params = (jnp.asarray(alphas), jnp.asarray(means), jnp.asarray(icf), jnp.asarray(x))
        if not grad:
            g = jax.jit(f) if jit else f
            return lambda: float(g(*params))
        return finish(f, params, argnums=(0, 1, 2))
    raise NotImplementedError(f"jax: no {workload}")


def _autograd_build(workload: str, args: tuple) -> Run:
    try:
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp
    except ImportError:
        raise _missing("autograd") from None

    def finish(f: Callable[..., Any], params: tuple, argnum: Any = 0) -> Run:
        vg = autograd.value_and_grad(f, argnum)
        return lambda: vg(*params)

    softplus = lambda z: anp.logaddexp(0.0, z)  # noqa: E731
    if workload == "scalar_loop":
        x0, iterations = args
        return finish(lambda x: scalar_loop_body(anp.sin, x, iterations), (x0,))
    if workload == "rosenbrock_scalar":
        (x,) = args
        return finish(lambda t: rosenbrock_scalar(t, len(x)), (x,))
    if workload == "rosenbrock_vector":
        return finish(lambda t: rosenbrock_vector(anp, t), (args[0],))
    if workload == "logistic":
        X, y, w = args
        return finish(lambda w: logistic(anp, softplus, w, X, y), (w,))
    if workload == "mlp":
        X, Y, *params = args

        def log_softmax(z: Any) -> Any:
            return z - logsumexp(z, axis=1, keepdims=True)

        return finish(lambda p: mlp(anp, log_softmax, p, X, Y), (list(params),))
    if workload == "seed":
        return finish(lambda t: seed(anp, t), (args[0],))
    if workload == "rosenbrock_hessian":
        h = autograd.hessian(lambda t: rosenbrock_vector(anp, t))
        x = args[0]
        return lambda: h(x)
    if workload == "gmm":
        alphas, means, icf, x, gamma, m, grad = args
        d = x.shape[1]
        L_map = G._l_gather_map(alphas.shape[0], d)

        def f(a: Any, mu: Any, c: Any) -> Any:
            return gmm_objective(anp, lambda v, axis: logsumexp(v, axis), a, mu, c, x, gamma, m, L_map, d)

        if not grad:
            return lambda: float(f(alphas, means, icf))
        return finish(f, (alphas, means, icf), (0, 1, 2))
    raise NotImplementedError(f"autograd: no {workload}")


def build(impl: str, workload: str, *args: Any) -> Run:
    """The ``workload`` in peer ``impl``; NotImplementedError when it is not installed."""
    if impl == "torch":
        return _torch_build(workload, args)
    if impl in ("jax", "jax_jit"):
        return _jax_build(workload, args, jit=impl == "jax_jit")
    if impl == "autograd":
        return _autograd_build(workload, args)
    raise NotImplementedError(f"unknown implementation {impl!r}")

