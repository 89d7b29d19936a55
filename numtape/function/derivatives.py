"""The derivative methods of ``nt.function`` beyond value_and_grad: Jacobians (dense and
sparse by colouring), Hessians and Hessian-vector products, as a mixin of :class:`Function`.

Each method classifies its call (``arguments.signature``), runs its strategy on a trace whose
guards hold (``Function._lookup``: tracing if none does), and falls back to the eager
functional API (``numtape.functional``) where the trace cannot answer: custom gradients,
hand-off ops, non-finite values, or a call inside a recording tape.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..errors import describe
from ..tensor import to_value
from .arguments import ArgNums, one_argnum
from .replay import CompiledTape

#: A replay's answer asking its caller to run the function eagerly.
EAGER = object()


class DerivativeMethods:
    """Jacobian, sparse Jacobian, Hessian and hvp of a :class:`Function` (mixed into it)."""

    def jacobian(self, *args: Any, argnums: ArgNums = 0, sparse: bool = False, mode: str = "auto",
                 **kwargs: Any) -> Any:
        """The Jacobian of f: ``f.shape + x.shape`` per argument, from one vector-mode sweep
        (eagerly, by ``nt.jacobian``, when f uses a custom gradient, or inside a recording tape).

        ``mode="forward"`` sweeps one tangent per input element, ``"reverse"`` one adjoint per
        output element; ``"auto"`` (the default) takes forward mode when the inputs have fewer
        elements than the output. Forward mode's non-finite tangents are recomputed in reverse
        mode (which defines them), so every mode gives the same numbers.

        With ``sparse=True``, a ``scipy.sparse.csr_matrix`` of shape ``(f.size, x.size)`` per
        argument (each one array), by one compiled sweep per color of the structural sparsity
        pattern (see :meth:`jacobian_sparsity`); the dense Jacobian converted where the pattern
        cannot be known (custom gradients) or a compressed sweep is not finite."""
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"Function.jacobian: mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
        if sparse:
            return self._sparse_jacobian(args, argnums, kwargs)
        if self._records_outside():
            from ..functional import jacobian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return jacobian(self._fn, argnums)(*call_args, **call_kwargs)
        call, wrt_args, wrt, many = self._derivative_call(argnums, args, kwargs, "jacobian")

        def jac(trace: CompiledTape, values: list[Any]) -> Any:
            out = trace.outputs[0]
            if not isinstance(out, tuple):  # a constant output: zeros, if this trace's branch holds
                if trace.forward(values) is None:
                    return None
                return [np.zeros(np.shape(out) + trace.input_meta[j][0]) for j in wrt]
            if trace.custom:  # a custom gradient's VJP runs in Python: the eager tape's jacobian
                return EAGER
            target, shape, _ = out
            size = int(np.prod(shape))
            sizes = [int(np.prod(trace.input_meta[j][0])) for j in wrt]
            if mode == "forward" or (mode == "auto" and sum(sizes) < size):  # one tangent per input element
                forward = trace.forward_mode(values, wrt, np.eye(sum(sizes)))
                if forward is None:
                    return None
                _, _, dvalue, darena = forward
                in_column, at, out_size = trace._location(target)
                tangents = dvalue[:, at : at + 1] if in_column else darena[:, at : at + out_size]
                if not np.all(np.isfinite(tangents)):  # reverse mode defines the non-finite cases
                    result = trace.vector_jacobian(values, wrt, np.eye(size))
                    return None if result is None else [r.reshape(shape + r.shape[1:]) for r in result[1]]
                blocks, start = [], 0
                for j, size_j in zip(wrt, sizes):
                    block = tangents[start : start + size_j].T  # (outputs, inputs)
                    blocks.append(block.reshape(shape + trace.input_meta[j][0]))
                    start += size_j
                return blocks
            blocks = _reverse_jacobian(trace, values, wrt, size)
            return None if blocks is None else [b.reshape(shape + b.shape[1:]) for b in blocks]

        result = self._lookup(args, kwargs, jac, lambda run: run.jacobian(wrt), call)
        if result is None or result is EAGER:
            from ..functional import jacobian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return jacobian(self._fn, argnums)(*call_args, **call_kwargs)
        result = self._pack(call, args, wrt_args, result)
        return tuple(result) if many else result[0]

    def jvp(self, *args: Any, tangents: Any = None, argnums: ArgNums = 0, **kwargs: Any) -> tuple[Any, Any]:
        """``(f(*args), J @ tangents)`` by one compiled forward-tangent pass (``jvp(x, v)`` for a
        one-argument f; a tuple of tangents for a tuple ``argnums``), NumPy values in f's dtype.

        Eagerly, by ``nt.jvp``, where the trace cannot answer: custom gradients, hand-off ops,
        non-finite tangents (reverse mode defines those), or inside a recording tape."""
        if tangents is None:
            if len(args) < 2:
                raise TypeError("Function.jvp needs the tangents: jvp(x, v) or jvp(*args, tangents=v)")
            args, tangents = args[:-1], args[-1]
        call, wrt_args, wrt, many = self._array_arguments(argnums, args, kwargs, "jvp")
        given = list(tangents) if many else [tangents]
        if len(given) != len(wrt):
            raise ValueError(f"Function.jvp: {len(given)} tangents for argnums {argnums!r}")
        vectors = [np.asarray(to_value(v, "jvp"), np.float64) for v in given]
        for k, j, v in zip(wrt_args, wrt, vectors):
            if v.shape != np.shape(call[1][j]):
                raise ValueError(f"Function.jvp: the tangent of argument {k} has shape {v.shape}, the argument "
                                 f"has shape {np.shape(call[1][j])}")
        if self._records_outside():
            return self._eager_jvp(args, kwargs, wrt_args, vectors)
        seed = np.concatenate([v.reshape(-1) for v in vectors]).reshape(1, -1)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = _one_output(trace)
            if trace.custom or not isinstance(out, tuple):
                return EAGER
            forward = trace.forward_mode(values, wrt, seed)
            if forward is None:
                return None
            value, arena, dvalue, darena = forward
            target, shape, dtype = out
            in_column, at, size = trace._location(target)
            tangent = dvalue[0, at : at + 1] if in_column else darena[0, at : at + size]
            if not np.all(np.isfinite(tangent)):
                return EAGER
            derivative = tangent.reshape(shape).astype(dtype) if shape else dtype.type(tangent[0])
            if trace.numpy_entries:  # the tangent pass computed their values compiled: f's value is g(x)'s
                exact = trace.forward(values)
                if exact is None:
                    return None
                value, arena = exact[0], exact[1]
            return trace.result(value, arena, target, shape, dtype), derivative

        result = self._lookup(args, kwargs, replay, lambda run: EAGER, call)
        if result is None or result is EAGER:
            return self._eager_jvp(args, kwargs, wrt_args, vectors)
        return result

    def _eager_jvp(self, args: tuple, kwargs: dict, wrt_args: list[int], vectors: list[np.ndarray]) -> Any:
        from ..forward import jvp

        eager, eager_kwargs = self._eager_call_arguments(args, kwargs)

        def f_of_wrt(*xs: Any) -> Any:
            full = list(eager)
            for k, x in zip(wrt_args, xs):
                full[k] = x
            return self._fn(*full, **eager_kwargs)

        primals = tuple(eager[k] for k in wrt_args)
        dtypes = [np.asarray(to_value(p, "jvp")).dtype for p in primals]
        return jvp(f_of_wrt, primals, tuple(v.astype(d if d.kind == "f" else np.float64)
                                            for v, d in zip(vectors, dtypes)))

    def _sparse_jacobian(self, args: tuple, argnums: ArgNums, kwargs: dict) -> Any:
        from .sparse_jacobian import DENSE, compressed_jacobian

        call, wrt_args, wrt, many = self._array_arguments(argnums, args, kwargs, "jacobian")
        if self._records_outside():
            return self._dense_as_sparse(args, argnums, kwargs, [call[1][j] for j in wrt], many)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = _one_output(trace)
            if not isinstance(out, tuple):  # a constant output: the dense path's zeros
                return EAGER
            dtypes = [trace.input_meta[j][1] for j in wrt]
            result = compressed_jacobian(trace, values, wrt, np.result_type(*dtypes))
            return EAGER if result is DENSE else result

        result = self._lookup(args, kwargs, replay, lambda run: EAGER, call)
        if result is None or result is EAGER:
            return self._dense_as_sparse(args, argnums, kwargs, [call[1][j] for j in wrt], many)
        blocks = _split_columns(result, [call[1][j] for j in wrt])
        return tuple(blocks) if many else blocks[0]

    def _dense_as_sparse(self, args: tuple, argnums: ArgNums, kwargs: dict, leaves: list[Any], many: bool) -> Any:
        """The dense Jacobian (every path of :meth:`jacobian`) as CSR matrices (f.size, x.size),
        in each input's dtype as the sparse path gives them."""
        from scipy import sparse

        dense = self.jacobian(*args, argnums=argnums, **kwargs)
        out = []
        for block, leaf in zip(list(dense) if many else [dense], leaves):
            block = np.asarray(block)
            x_shape = np.shape(leaf)
            m = int(np.prod(block.shape[: block.ndim - len(x_shape)]))
            out.append(sparse.csr_matrix(block.reshape(m, int(np.prod(x_shape))).astype(np.asarray(leaf).dtype)))
        return tuple(out) if many else out[0]

    def jacobian_sparsity(self, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> Any:
        """The structural sparsity pattern of :meth:`jacobian`: a boolean ``scipy.sparse.csr_matrix``
        ``(f.size, x.size)`` per argument (``jac_sparsity=`` of ``scipy.optimize.least_squares``).

        It holds for every input that takes the branch these arguments take (each trace has
        its own); where it cannot be known (custom gradients, a trace that runs eagerly) every
        entry is True."""
        from scipy import sparse

        from .sparse_jacobian import pattern_or_dense

        call, wrt_args, wrt, many = self._array_arguments(argnums, args, kwargs, "jacobian_sparsity")

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            out = _one_output(trace)
            if trace.forward(values) is None:
                return None
            if not isinstance(out, tuple):
                return sparse.csr_matrix((int(np.prod(np.shape(out))), sum(trace.input_sizes[j] for j in wrt)),
                                         dtype=bool)
            return pattern_or_dense(trace, wrt)

        result = None if self._records_outside() else self._lookup(args, kwargs, replay, lambda run: None, call)
        sizes = [int(np.prod(np.shape(call[1][j]))) for j in wrt]
        if result is None:  # no replayable trace: every entry may be nonzero
            value = to_value(self._run_eagerly(args, kwargs), "jacobian_sparsity")
            result = sparse.csr_matrix(np.ones((int(np.size(value)), sum(sizes)), bool))
        blocks = _split_columns(result, [call[1][j] for j in wrt])
        return tuple(blocks) if many else blocks[0]

    def _array_arguments(self, argnums: ArgNums, args: tuple, kwargs: dict, method: str
                         ) -> tuple[tuple, list[int], list[int], bool]:
        """``_derivative_call`` for methods whose arguments must each be one array."""
        call, wrt_args, wrt, many = self._derivative_call(argnums, args, kwargs, method)
        for k in wrt_args:
            if len(call[2].arg_leaves[k]) != 1 or call[2].masks[k] is not None:
                raise TypeError(f"Function.{method}: argument {k} must be one array, not {describe(args[k])}; "
                                "concatenate several arrays into one")
        return call, wrt_args, wrt, many

    def hessian(self, *args: Any, argnums: int = 0, **kwargs: Any) -> np.ndarray:
        """The dense Hessian of scalar f with respect to ``args[argnums]``: ``x.shape + x.shape``.

        Forward-over-reverse on the compiled trace, with one tangent direction per color
        of the structural sparsity pattern (3 for a tridiagonal Hessian of any size).
        """
        if self._records_outside():
            from ..functional import hessian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return hessian(self._fn, one_argnum(argnums, args, "hessian"))(*call_args, **call_kwargs)
        call, k_arg, k = self._one_input(argnums, args, kwargs, "hessian")

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            if trace.custom or not isinstance(trace.outputs[0], tuple):
                return EAGER
            h = trace.hessian(values, k)
            if h is None:
                return None
            return (h,) if np.all(np.isfinite(h)) else EAGER  # non-finite: the recorded path's IEEE results

        result = self._lookup(args, kwargs, replay, lambda run: EAGER, call)
        if result is None or result is EAGER:
            from ..functional import hessian

            call_args, call_kwargs = self._eager_call_arguments(args, kwargs)
            return hessian(self._fn, k_arg)(*call_args, **call_kwargs)
        return result[0]

    def hvp(self, *args: Any, v: Any = None, argnums: int = 0, **kwargs: Any) -> np.ndarray:
        """The Hessian-vector product H @ v (``hvp(x, v)`` for a one-argument f), by one
        forward-over-reverse pass: the Hessian is never formed.

        ``H`` is :meth:`hessian`'s (and ``nt.hessian``'s), ``H[i, j] = d/dx_j (df/dx_i)``:
        the derivative of the gradient along ``v``, as ``nt.hvp`` computes it, also where
        pow's convention makes ``H`` asymmetric."""
        if v is None:
            if len(args) < 2:
                raise TypeError("hvp needs the vector v: hvp(x, v) or hvp(*args, v=v)")
            args, v = args[:-1], args[-1]
        if self._records_outside():
            from ..functional import hvp

            k_arg = one_argnum(argnums, args, "hvp")
            eager, eager_kwargs = self._eager_call_arguments(args, kwargs)
            return hvp(lambda x_k: self._fn(*eager[:k_arg], x_k, *eager[k_arg + 1 :], **eager_kwargs), eager[k_arg], v)
        call, k_arg, k = self._one_input(argnums, args, kwargs, "hvp")
        vector = np.asarray(to_value(v, "hvp"), np.float64)

        def replay(trace: CompiledTape, values: list[Any]) -> Any:
            shape = trace.input_meta[k][0]
            if vector.shape != shape:
                raise ValueError(f"hvp: v has shape {vector.shape}, the argument has shape {shape}")
            if trace.custom or not isinstance(trace.outputs[0], tuple):
                return EAGER
            rows = trace.second_order(values, k, vector.reshape(1, -1))
            if rows is None:
                return None
            if not np.all(np.isfinite(rows)):
                return EAGER
            return (rows[0].reshape(shape).astype(trace.input_meta[k][1], copy=False),)  # the input's dtype

        result = self._lookup(args, kwargs, replay, lambda run: EAGER, call)
        if result is None or result is EAGER:
            from ..functional import hvp

            eager, eager_kwargs = self._eager_call_arguments(args, kwargs)

            def f_of_k(x_k: Any) -> Any:  # f as a function of argument k alone
                return self._fn(*eager[:k_arg], x_k, *eager[k_arg + 1 :], **eager_kwargs)

            return hvp(f_of_k, eager[k_arg], v)
        return result[0]

    def _one_input(self, argnums: Any, args: tuple, kwargs: dict, method: str) -> tuple[tuple, int, int]:
        """(the call's signature, the argument differentiated twice, its one input leaf)."""
        k_arg = one_argnum(argnums, args, method)
        call = self._signature(args, kwargs)
        leaves = call[2].arg_leaves[k_arg]
        if len(leaves) != 1 or call[2].masks[k_arg] is not None:
            raise TypeError(f"Function.{method}: argument {k_arg} must be one array, not {describe(args[k_arg])}; "
                            "for several arrays use nt.hessian(f, argnums=(0, 1)) or concatenate them")
        return call, k_arg, leaves[0]


JACOBIAN_CHUNK_BYTES = 256 * 2**20


def _reverse_jacobian(trace: CompiledTape, values: list[Any], wrt: Sequence[int], size: int
                      ) -> Optional[list[np.ndarray]]:
    """The rows of the Jacobian (size, *input shape) per input, by vector-mode sweeps over chunks of
    the output's unit seeds (one sweep for all when the buffers are small); None if a guard fails."""
    per_seed = 8 * (len(trace.code) + len(trace.arena))
    chunk = max(1, min(size, JACOBIAN_CHUNK_BYTES // max(per_seed, 1)))
    pieces: list[list[np.ndarray]] = []
    for start in range(0, size, chunk) if size else [0]:
        stop = min(size, start + chunk)
        seeds = np.zeros((stop - start, size))
        seeds[np.arange(stop - start), np.arange(start, stop)] = 1.0
        result = trace.vector_jacobian(values, wrt, seeds)
        if result is None:
            return None
        pieces.append(result[1])
    return [np.concatenate(rows, axis=0) for rows in zip(*pieces)]


def _one_output(trace: CompiledTape) -> Any:
    """The trace's one output (a traced slot's ``(slot, shape, dtype)`` or a constant)."""
    out = trace.outputs[0]
    if len(trace.outputs) != 1 or (not isinstance(out, tuple) and isinstance(trace.structure, (list, tuple, dict))):
        raise TypeError("nt.function: derivatives need f to return a single Tensor")
    return out


def _split_columns(matrix: Any, leaf_values: list[Any]) -> list[Any]:
    """A CSR matrix over the concatenated inputs, split into one block of columns per argument."""
    blocks, start = [], 0
    for value in leaf_values:
        size = int(np.prod(np.shape(value)))
        blocks.append(matrix[:, start : start + size].tocsr())
        start += size
    return blocks


