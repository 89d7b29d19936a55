"""Every public op, re-exported (``numtape`` re-exports these again)."""
from types import ModuleType

from ..tensor import constant, convert_to_tensor
from .creation import fill, linspace, ones, ones_like, range, zeros, zeros_like
from .elementwise import absolute as abs
from .elementwise import (
    acos, add, asin, atan, atan2, clip_by_value, cos, cosh, divide, exp, expm1, floor, floor_divide,
    identity, log, log1p, maximum, minimum, mod, multiply, negative, reciprocal, relu, sigmoid,
    sign, sin, sinh, softplus, sqrt, square, subtract, tan, tanh,
)
from .elementwise import equal, greater, greater_equal, isfinite, less, less_equal, not_equal
from .elementwise import ROW_OPS as _ELEMENTWISE_ROW_OPS
from .numpy_ufuncs import ROW_OPS as _NUMPY_UFUNC_ROW_OPS
from .elementwise import power as pow
from .linalg import dot, matmul, tensordot, trace
from .nn import log_softmax, softmax
from .primitives import where
from .reduce import (
    norm, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum,
)
from .shape import (
    broadcast_to, concat, expand_dims, gather, getitem, reshape, squeeze, stack, tile, transpose,
)

__all__ = [
    "abs", "acos", "add", "equal", "greater", "greater_equal", "isfinite", "less", "less_equal", "not_equal",
    "asin", "atan", "atan2", "broadcast_to", "clip_by_value", "concat",
    "constant", "convert_to_tensor", "cos", "cosh", "divide", "dot", "exp", "expand_dims",
    "expm1", "fill", "floor", "floor_divide", "gather", "getitem", "identity", "linspace", "log",
    "log1p", "log_softmax", "matmul", "maximum", "minimum", "mod", "multiply", "negative",
    "norm", "ones", "ones_like", "pow", "range", "reciprocal", "reduce_logsumexp",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "relu",
    "reshape", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "sqrt", "square",
    "squeeze", "stack", "subtract", "tan", "tanh", "tensordot", "tile", "trace",
    "transpose", "where", "zeros", "zeros_like",
]
from . import special_functions  # noqa: E402,F401  (its rows join ROW_OPS)
from . import tf_keywords  # noqa: E402,F401  (TensorFlow's keywords on identity, relu, softplus: in ROW_OPS)
from . import incomplete_gamma  # noqa: E402,F401  (its rows join ROW_OPS)
from . import bessel_functions  # noqa: E402,F401  (after special_functions, whose helpers it uses)
ROW_OPS = {**_ELEMENTWISE_ROW_OPS, **_NUMPY_UFUNC_ROW_OPS}
# composite rows register themselves on import (the einsum module's name is rebound to its op below)
from . import einsum as _einsum_module  # noqa: F401,E402
from . import numpy_reductions, order_statistics, products, sampled, scans  # noqa: F401,E402
from . import special_reductions, statistics  # noqa: F401,E402
from . import covariance, nan_reductions  # noqa: F401,E402  (after statistics and order_statistics they build on)
from . import indexing, joining, padding, rearranging, sorting, triangles  # noqa: F401,E402
from . import convolution, numpy_misc, signal_convolution  # noqa: F401,E402
from . import activations, losses, tf_data, tf_math  # noqa: F401,E402  (after the rows they build on)
from . import segments, tf_indexing  # noqa: F401,E402  (TensorFlow's segment reductions, gather_nd, top_k, ...)
from . import linalg_equations, linalg_factor, linalg_norms, linalg_solve, linalg_spectral, linalg_tf  # noqa: F401,E402,E501
from . import linalg_eig  # noqa: F401,E402  (eig, eigvals: after linalg_spectral, whose helper it uses)
from . import stats_continuous, stats_dirichlet, stats_discrete, stats_multivariate  # noqa: F401,E402  (nt.stats rows)
from . import incomplete_beta, stats_incomplete_beta  # noqa: F401,E402  (betainc and the t, beta, binom cdf/sf rows)
from . import stats_incomplete_gamma  # noqa: F401,E402  (nt.stats rows: gamma/chi2/poisson cdf and sf)
from .registry import top_level_composites  # noqa: E402

globals().update(ROW_OPS)  # every public elementwise row, also those not named above
__all__ += sorted(set(ROW_OPS) - set(__all__))
# every composite row of the ops layer named nt.<name>, except where the name is a module of
# this package (nt.shape, the row, is exported by numtape/__init__; numtape.ops.shape stays the module)
_ROWS = {name: fn for name, fn in top_level_composites().items() if not isinstance(globals().get(name), ModuleType)}
globals().update(_ROWS)
__all__ += sorted(set(_ROWS) - set(__all__))
