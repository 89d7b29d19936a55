"""numtape: fast reverse-mode automatic differentiation with TensorFlow's GradientTape API.

``import numtape as nt``; see README.md for how it works. Importing numtape compiles
nothing and imports no Numba: the kernels load (precompiled with the package, or from
the user cache) or compile the first time a gradient is computed.
"""
from . import _operators, numpy_dispatch  # noqa: F401  (attach operators and NumPy protocols)
from .custom_gradient import custom_gradient, stop_gradient
from .function import CompiledTape, Function, TraceFallbackWarning, function
from .function.sparse_jacobian import jacobian
from .forward import ForwardAccumulator, jacfwd, jvp, linearize
from .functional import grad, hessian, hvp, value_and_grad
from .gradient_tape import GradientTape, UnconnectedGradients
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .tensor import ConversionWarning, Tensor
from .testing import check_grad
from .variable import Variable

from . import _methods, casting  # noqa: F401,E402  (NumPy's array methods; rows above the ops layer)
from .ops.registry import top_level_composites  # noqa: E402

globals().update(top_level_composites())  # every composite row named nt.<name>, from any layer
# last: the namespaces read the op table, which every module above has filled
from . import linalg, math, nn, signal, special, stats  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "CompiledTape", "ConversionWarning", "ForwardAccumulator", "Function", "GradientTape", "Tensor", "TraceFallbackWarning",
    "UnconnectedGradients", "Variable", "check_grad", "custom_gradient", "function", "grad", "hessian", "hvp",
    "jacfwd", "jacobian", "jvp", "linearize", "linalg", "math", "nn", "signal", "special", "stats",
    "stop_gradient", "value_and_grad", "__version__", *_ops_all,
]
__all__ += sorted(set(top_level_composites()) - set(__all__))


def __getattr__(name: str):  # ``nt.dask`` without importing Dask at ``import numtape``
    if name == "dask":
        import importlib

        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module 'numtape' has no attribute {name!r}")
