"""Op codes and every compiled loop of numtape: the reverse sweep, the forward replay.

How a tape is laid out (see ``numtape/tape/buffers.py`` for the Python side):

* One **entry** per recorded value; the entry's index is also its **slot**, the id
  by which later entries name it. Four parallel columns hold the entries:
  ``code`` (uint8: the op code, bit 7 set when the value is float32), ``arg0`` and
  ``arg1`` (int32) and ``value`` (float64).
* Scalar entries (codes below ``OP_ARRAY_LEAF``) keep their value in ``value[i]``;
  ``arg0``/``arg1`` are the operand slots. A unary function's code is its ``FN_*``
  number, a binary one's likewise: a scalar ``sin`` entry has code ``FN_SIN``.
* Array entries keep ``arg0`` = first operand and ``arg1`` = a row of ``aux``
  (int64, ``N_AUX`` columns): where the output lives (``A_OFF``: an offset into the
  float64 ``arena``, ``-1`` for a 0-d output kept in ``value[i]``, ``<= -2`` for a
  large array held by reference outside the arena), its size, the elementwise
  ``fn``, two more operand slots and four integer attributes. Index maps and
  operand lists live in the int64 ``iarena``.
* Adjoints mirror values: ``adj`` beside ``value`` and ``adj_arena`` beside
  ``arena``. Every kernel reads and writes flat 1-d views given by ``_view``.

The reverse sweep walks the entries backwards, once, accumulating
``adj[operand] += vjp(adj[output])`` with the small per-op kernels below. An entry
whose values live outside the arena, or a custom gradient, is handed back to
Python (the sweep returns its index) and the sweep resumes below it.

Op codes are explicit and append-only: never renumber one (compiled caches and
pickled compiled tapes store them). Every function here that the sweeps call is in
this file, because Numba's cache does not notice edits to callees in other files.
Functions are plain Python marked ``@kernel``; :func:`ensure_compiled` compiles
them on first use (never at import).
"""
from __future__ import annotations

import math
import threading
from typing import Any, Callable

import numpy as np

prange = range  # replaced by numba.prange in ensure_compiled (Numba is imported lazily)

# ---------------------------------------------------------------------------
# Op codes (append-only)
# ---------------------------------------------------------------------------
OP_LEAF = 0  # a watched tensor, a variable read or a constant: a value, no operands

# Unary elementwise functions, 1..39: scalar entry codes and OP_UNARY's ``fn``.
FN_NEG = 1
FN_SQUARE = 2
FN_SQRT = 3
FN_RECIPROCAL = 4
FN_ABS = 5
FN_SIGN = 6
FN_EXP = 7
FN_EXPM1 = 8
FN_LOG = 9
FN_LOG1P = 10
FN_SIN = 11
FN_COS = 12
FN_TAN = 13
FN_ASIN = 14
FN_ACOS = 15
FN_ATAN = 16
FN_SINH = 17
FN_COSH = 18
FN_TANH = 19
FN_SIGMOID = 20
FN_SOFTPLUS = 21
FN_RELU = 22
FN_IDENTITY = 23
# Non-differentiable unary functions, 30..39: recorded so that replays recompute them,
# but never followed by the sweeps (their gradient is None, as in TensorFlow).
FIRST_NONDIFF_UNARY = 30
FN_STOP_GRADIENT = 30
FN_FLOOR = 31
FN_ISFINITE = 32
LAST_UNARY = 39

# Binary elementwise functions, 40..59: scalar entry codes and OP_BINARY's ``fn``.
FN_ADD = 40
FN_SUB = 41
FN_MUL = 42
FN_DIV = 43
FN_POW = 44
FN_ATAN2 = 45
FN_MAXIMUM = 46
FN_MINIMUM = 47
FN_MOD = 48
# Non-differentiable binary functions (comparisons as 0.0/1.0), 50..59.
FIRST_NONDIFF_BINARY = 50
FN_GREATER = 50
FN_GREATER_EQUAL = 51
FN_LESS = 52
FN_LESS_EQUAL = 53
FN_EQUAL = 54
FN_NOT_EQUAL = 55
FN_FLOOR_DIVIDE = 56
LAST_BINARY = 59

OP_ELEM = 60  # scalar = array.flat[arg1]; arg0 is the array's slot

# Array entries: arg1 is a row of ``aux``.
OP_ARRAY_LEAF = 64
OP_UNARY = 65  # y = fn(x)
OP_BINARY = 66  # z = fn(x, y); each operand full-size, size 1, or a row/column broadcast (see BROADCAST_*)
OP_WHERE = 67  # z = a if cond else b; arg0 = cond (not differentiable)
OP_GATHER = 68  # y[k] = x[map[k]]
OP_SCATTER_ADD = 69  # y = zeros(size); y[map[k]] += x[k]
OP_WINDOW = 70  # y[o, j] = x[o * stride + start + j]
OP_PAD = 71  # y = zeros(outer * stride); y[o * stride + start + j] = x[o, j]
OP_CONCAT = 72  # y[o, :] = concatenation of piece_q[o, :]
OP_REDUCE_SUM = 73  # y[o, i] = sum_m x[o, m, i]
OP_BROADCAST = 74  # y[o, m, i] = x[o, i]
OP_REDUCE_MAX = 75  # y[o, i] = max_m x[o, m, i]; ties share the gradient equally
OP_REDUCE_MIN = 76
OP_MATMUL = 77  # y[b] = op(A[b]) @ op(B[b])
OP_CUSTOM_CALL = 78  # a custom_gradient call: handed to Python
OP_CUSTOM_OUT = 79  # one output of a custom_gradient call (arg0 = the call)
OP_END = 80

F32 = 128  # code bit: the slot holds a float32 value (stored widened in float64)
CODE_MASK = 127
HANDOFF = 127  # in a reverse code: the entry is handed to Python (never an op code)

# aux columns
A_OFF = 0
A_SIZE = 1
A_FN = 2
A_B = 3
A_C = 4
A_I0 = 5
A_I1 = 6
A_I2 = 7
A_I3 = 8
N_AUX = 9

IN_VALUE_COLUMN = -1  # A_OFF of a 0-d array output: its value is value[i]

# Guard kinds of nt.function traces (see guards_hold)
GUARD_LESS = 0
GUARD_LESS_EQUAL = 1
GUARD_GREATER = 2
GUARD_GREATER_EQUAL = 3
GUARD_EQUAL = 4
GUARD_NOT_EQUAL = 5
GUARD_TRUTH = 6  # bool(a) as traced
GUARD_INT = 7  # int(a) as traced
GUARD_SAME = 8  # a itself as traced (a float pulled out to Python)

# OP_BINARY broadcasting. With A_I0 = 0 each operand has the output's size or size 1.
# With A_I0 = inner > 0 the output is seen as (outer, inner) and A_I1 / A_I2 say how
# the first / second operand maps onto it: by its size (full or size 1), as a row
# (inner elements, the same for every o: a bias), or as a column (outer elements,
# one per row: a per-row shift). So a bias add records no broadcast entry.
BROADCAST_BY_SIZE = 0
BROADCAST_ROW = 1
BROADCAST_COLUMN = 2

# OP_MATMUL flags (aux A_FN)
MM_TRANSPOSE_A = 1
MM_TRANSPOSE_B = 2
MM_BROADCAST_A = 4  # A has a batch of 1, shared by every output batch
MM_BROADCAST_B = 8

# ---------------------------------------------------------------------------
# Lazy compilation
# ---------------------------------------------------------------------------
_KERNEL_NAMES: list[str] = []
_PARALLEL_NAMES: list[str] = []
_compiled = False
_compile_lock = threading.Lock()  # threads taking their first gradient at once compile once


def kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function of this module for compilation by :func:`ensure_compiled`."""
    _KERNEL_NAMES.append(function.__name__)
    return function


def parallel_kernel(function: Callable[..., Any]) -> Callable[..., Any]:
    """Like :func:`kernel`, compiled with ``parallel=True`` (its ``prange`` loops use every core)."""
    _PARALLEL_NAMES.append(function.__name__)
    return function


def ensure_compiled() -> None:
    """Replace every ``@kernel`` function by its Numba dispatcher (once per process).

    Dispatchers compile on their first call; with a warm cache they load instead.
    """
    global _compiled
    if _compiled:
        return
    with _compile_lock:
        if _compiled:
            return
        import numba

        from .jit import njit_kernel

        namespace = globals()
        namespace["prange"] = numba.prange
        for name in _KERNEL_NAMES:
            namespace[name] = njit_kernel(namespace[name])
        for name in _PARALLEL_NAMES:
            namespace[name] = njit_kernel(namespace[name], parallel=True)
        _compiled = True


# ---------------------------------------------------------------------------
# Scalar functions: forward and vector-Jacobian products
# ---------------------------------------------------------------------------
@kernel
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@kernel
def _sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    if x == 0.0:
        return 0.0
    return x  # NaN


@kernel
def _unary(fn, x):
    """fn(x) for a unary FN_* code."""
    if fn == FN_SIN:
        return math.sin(x)
    if fn == FN_COS:
        return math.cos(x)
    if fn == FN_EXP:
        return math.exp(x)
    if fn == FN_LOG:
        if x == 0.0:
            return -np.inf
        if x < 0.0:
            return np.nan
        return math.log(x)
    if fn == FN_NEG:
        return -x
    if fn == FN_SQUARE:
        return x * x
    if fn == FN_SQRT:
        if x < 0.0:
            return np.nan
        return math.sqrt(x)
    if fn == FN_TANH:
        return math.tanh(x)
    if fn == FN_SIGMOID:
        return _sigmoid(x)
    if fn == FN_RELU:
        if x <= 0.0:
            return 0.0
        return x
    if fn == FN_RECIPROCAL:
        return 1.0 / x
    if fn == FN_ABS:
        return abs(x)
    if fn == FN_SIGN:
        return _sign(x)
    if fn == FN_EXPM1:
        return math.expm1(x)
    if fn == FN_LOG1P:
        if x == -1.0:
            return -np.inf
        if x < -1.0:
            return np.nan
        return math.log1p(x)
    if fn == FN_TAN:
        return math.tan(x)
    if fn == FN_ASIN:
        if abs(x) > 1.0:
            return np.nan
        return math.asin(x)
    if fn == FN_ACOS:
        if abs(x) > 1.0:
            return np.nan
        return math.acos(x)
    if fn == FN_ATAN:
        return math.atan(x)
    if fn == FN_SINH:
        return math.sinh(x)
    if fn == FN_COSH:
        return math.cosh(x)
    if fn == FN_SOFTPLUS:
        return math.log1p(math.exp(-abs(x))) + max(x, 0.0)
    if fn == FN_IDENTITY or fn == FN_STOP_GRADIENT:
        return x
    if fn == FN_FLOOR:
        return np.floor(x)
    if fn == FN_ISFINITE:
        return 1.0 if np.isfinite(x) else 0.0
    return np.nan


@kernel
def _unary_partial(fn, x, y):
    """dfn/dx at x, where y = fn(x). Twin of each op's ``vjp`` in numtape/ops/elementwise.py."""
    if fn == FN_SIN:
        return math.cos(x)
    if fn == FN_COS:
        return -math.sin(x)
    if fn == FN_EXP:
        return y
    if fn == FN_LOG:
        return 1.0 / x
    if fn == FN_NEG:
        return -1.0
    if fn == FN_SQUARE:
        return 2.0 * x
    if fn == FN_SQRT:
        return 0.5 / y
    if fn == FN_TANH:
        return 1.0 - y * y
    if fn == FN_SIGMOID:
        return y * (1.0 - y)
    if fn == FN_RELU:
        return 1.0 if x > 0.0 else 0.0
    if fn == FN_RECIPROCAL:
        return -(y * y)
    if fn == FN_ABS:
        return _sign(x)
    if fn == FN_SIGN:
        return 0.0
    if fn == FN_EXPM1:
        return y + 1.0
    if fn == FN_LOG1P:
        return 1.0 / (1.0 + x)
    if fn == FN_TAN:
        return 1.0 + y * y
    if fn == FN_ASIN:
        return 1.0 / math.sqrt(1.0 - x * x)
    if fn == FN_ACOS:
        return -1.0 / math.sqrt(1.0 - x * x)
    if fn == FN_ATAN:
        return 1.0 / (1.0 + x * x)
    if fn == FN_SINH:
        return math.cosh(x)
    if fn == FN_COSH:
        return math.sinh(x)
    if fn == FN_SOFTPLUS:
        return _sigmoid(x)
    if fn == FN_IDENTITY:
        return 1.0
    return np.nan


@kernel
def _apply(fn, g, d):
    """The cotangent g * d; select-type derivatives pass g where d != 0 and 0 elsewhere.

    relu, sign, maximum and minimum (and where) select rather than multiply, as in
    TensorFlow, so an infinite cotangent never becomes 0 * inf = NaN in the branch
    not taken.
    """
    if fn == FN_RELU or fn == FN_SIGN or fn == FN_MAXIMUM or fn == FN_MINIMUM:
        return g if d != 0.0 else 0.0
    return g * d


@kernel
def _binary(fn, a, b):
    """fn(a, b) for a binary FN_* code."""
    if fn == FN_ADD:
        return a + b
    if fn == FN_MUL:
        return a * b
    if fn == FN_SUB:
        return a - b
    if fn == FN_DIV:
        return a / b
    if fn == FN_POW:
        return a**b
    if fn == FN_MAXIMUM:
        if a != a or a >= b:
            return a
        return b
    if fn == FN_MINIMUM:
        if a != a or a <= b:
            return a
        return b
    if fn == FN_ATAN2:
        return math.atan2(a, b)
    if fn == FN_MOD:
        return _mod(a, b)
    if fn == FN_GREATER:
        return 1.0 if a > b else 0.0
    if fn == FN_GREATER_EQUAL:
        return 1.0 if a >= b else 0.0
    if fn == FN_LESS:
        return 1.0 if a < b else 0.0
    if fn == FN_LESS_EQUAL:
        return 1.0 if a <= b else 0.0
    if fn == FN_EQUAL:
        return 1.0 if a == b else 0.0
    if fn == FN_NOT_EQUAL:
        return 1.0 if a != b else 0.0
    if fn == FN_FLOOR_DIVIDE:
        return _floor_divide(a, b)
    return np.nan


@kernel
def _floor_divide(a, b):
    """NumPy's (and Python's) floor division, exact: 1 // 0.1 is 9.0, not floor(1 / 0.1) = 10.0."""
    if b == 0.0:
        return a / b
    mod = np.fmod(a, b)
    div = (a - mod) / b
    if mod != 0.0:
        if (b < 0.0) != (mod < 0.0):
            div -= 1.0
    if div != 0.0:
        floor_div = np.floor(div)
        if div - floor_div > 0.5:
            floor_div += 1.0
        return floor_div
    return np.copysign(0.0, a / b)


@kernel
def _mod(a, b):
    """NumPy's remainder: the result has the divisor's sign."""
    if b == 0.0 or a != a or b != b or a == np.inf or a == -np.inf:
        return np.nan
    if b == np.inf or b == -np.inf:
        if a == 0.0 or (a > 0.0) == (b > 0.0):
            return a
        return b
    r = np.fmod(a, b)
    if r != 0.0 and (r < 0.0) != (b < 0.0):
        r += b
    return r


@kernel
def _binary_partials(fn, a, b, z):
    """(dz/da, dz/db) for z = fn(a, b). Twin of each op's ``vjp`` in numtape/ops/elementwise.py."""
    if fn == FN_ADD:
        return 1.0, 1.0
    if fn == FN_MUL:
        return b, a
    if fn == FN_SUB:
        return 1.0, -1.0
    if fn == FN_DIV:
        return 1.0 / b, (-a / b) / b
    if fn == FN_POW:
        log_a = 0.0
        if a > 0.0:
            log_a = math.log(a)
        return b * a ** (b - 1.0), z * log_a
    if fn == FN_MAXIMUM:
        if a >= b:
            return 1.0, 0.0
        return 0.0, 1.0
    if fn == FN_MINIMUM:
        if a <= b:
            return 1.0, 0.0
        return 0.0, 1.0
    if fn == FN_ATAN2:
        den = a * a + b * b
        return b / den, -a / den
    if fn == FN_MOD:
        return 1.0, -_floor_divide(a, b)
    return np.nan, np.nan


@kernel
def _unary_second(fn, x, y, d):
    """d(partial)/dx, the second derivative of fn at x (y = fn(x), d = its partial)."""
    if fn == FN_SIN:
        return -y
    if fn == FN_COS:
        return -y
    if fn == FN_EXP:
        return y
    if fn == FN_LOG:
        return -(d * d)
    if fn == FN_SQUARE:
        return 2.0
    if fn == FN_SQRT:
        return -0.25 / (y * y * y)
    if fn == FN_TANH:
        return -2.0 * y * d
    if fn == FN_SIGMOID:
        return d * (1.0 - 2.0 * y)
    if fn == FN_RECIPROCAL:
        return 2.0 * y * y * y
    if fn == FN_EXPM1:
        return y + 1.0
    if fn == FN_LOG1P:
        return -(d * d)
    if fn == FN_TAN:
        return 2.0 * y * d
    if fn == FN_ASIN:
        return x * d * d * d
    if fn == FN_ACOS:
        return x * d * d * d  # d = -(1 - x^2)^(-1/2), so -x (1 - x^2)^(-3/2) = x d^3, as asin's
    if fn == FN_ATAN:
        return -2.0 * x * d * d
    if fn == FN_SINH:
        return y
    if fn == FN_COSH:
        return y
    if fn == FN_SOFTPLUS:
        return d * (1.0 - d)
    return 0.0  # linear or piecewise constant derivatives: neg, abs, sign, relu, identity


@kernel
def _unary_curved(fn):
    """False where the second derivative is identically 0 (its term is skipped, as the
    recorded path never differentiates a constant partial)."""
    return not (fn == FN_NEG or fn == FN_ABS or fn == FN_SIGN or fn == FN_RELU or fn == FN_IDENTITY)


@kernel
def _binary_second(fn, a, b, z, da, db):
    """(d da/da, d da/db, d db/da, d db/db): derivatives of the two partials of z = fn(a, b).

    The mixed terms are returned separately because at pow's branch (a <= 0) they
    differ, exactly as differentiating the recorded derivative rules gives.
    """
    if fn == FN_MUL:
        return 0.0, 1.0, 1.0, 0.0
    if fn == FN_DIV:
        inv = 1.0 / b
        return 0.0, -(inv * inv), -(inv * inv), 2.0 * a * inv * inv * inv
    if fn == FN_POW:
        log_a = 0.0
        if a > 0.0:
            log_a = math.log(a)
        lower = a ** (b - 1.0)
        haa = b * (b - 1.0) * a ** (b - 2.0)
        hab = lower + b * lower * log_a
        hba = 0.0
        if a > 0.0:
            hba = da * log_a + z / a
        return haa, hab, hba, db * log_a
    if fn == FN_ATAN2:
        den = a * a + b * b
        den2 = den * den
        return -2.0 * a * b / den2, (a * a - b * b) / den2, (a * a - b * b) / den2, 2.0 * a * b / den2
    return 0.0, 0.0, 0.0, 0.0  # add, sub, maximum, minimum, mod: piecewise linear


@kernel
def _binary_curved(fn):
    return fn == FN_MUL or fn == FN_DIV or fn == FN_POW or fn == FN_ATAN2


@kernel
def _round_if_f32(code, x):
    if code & F32:
        return np.float64(np.float32(x))
    return x


# ---------------------------------------------------------------------------
# Slot views
# ---------------------------------------------------------------------------
@kernel
def _view(s, code, arg1, aux, column, arena):
    """The flat data of slot ``s``: a 1-element view of ``column`` or a window of ``arena``."""
    if (code[s] & CODE_MASK) < OP_ARRAY_LEAF:
        return column[s : s + 1]
    r = arg1[s]
    off = aux[r, A_OFF]
    if off == IN_VALUE_COLUMN:
        return column[s : s + 1]
    return arena[off : off + aux[r, A_SIZE]]


@kernel
def _view2(s, code, arg1, aux, column2, arena2):
    """Slot ``s`` in every direction: a (directions, size) view of ``column2``/``arena2``."""
    if (code[s] & CODE_MASK) < OP_ARRAY_LEAF:
        return column2[:, s : s + 1]
    r = arg1[s]
    off = aux[r, A_OFF]
    if off == IN_VALUE_COLUMN:
        return column2[:, s : s + 1]
    return arena2[:, off : off + aux[r, A_SIZE]]


@kernel
def _is_external(s, code, arg1, aux):
    return (code[s] & CODE_MASK) >= OP_ARRAY_LEAF and aux[arg1[s], A_OFF] <= -2


@kernel
def _matmul_block(a, b, transpose_a, transpose_b):
    """op(a) @ op(b) for 2-d blocks, op = transpose when asked."""
    if transpose_a:
        if transpose_b:
            return np.dot(a.T, b.T)
        return np.dot(a.T, b)
    if transpose_b:
        return np.dot(a, b.T)
    return np.dot(a, b)


# ---------------------------------------------------------------------------
# Array kernels: forward (replay) and backward, on flat views
# ---------------------------------------------------------------------------
@kernel
def _operand_strides(mode, size, inner):
    """(stride per row, stride per column) of an OP_BINARY operand in the (outer, inner) view."""
    if mode == BROADCAST_ROW:
        return 0, 1
    if mode == BROADCAST_COLUMN:
        return 1, 0
    if size > 1:
        return inner, 1
    return 0, 0


@kernel
def broadcast_layout(row, x_size, w_size, n):
    """How an OP_BINARY entry's operands map onto its ``n`` outputs: (outer, inner, x's row
    and column strides, w's row and column strides); element (o, j) of the output reads
    x[o * sxo + j * sxi] and w[o * swo + j * swi]. Without a broadcast layout the output
    is one row and each operand is full (stride 1) or size 1 (stride 0)."""
    inner = row[A_I0]
    if inner <= 0 or n == 0:
        return 1, n, 0, (1 if x_size > 1 else 0), 0, (1 if w_size > 1 else 0)
    sxo, sxi = _operand_strides(row[A_I1], x_size, inner)
    swo, swi = _operand_strides(row[A_I2], w_size, inner)
    return n // inner, inner, sxo, sxi, swo, swi


@kernel
def _unary_loop(fn, x, y):
    """y = fn(x) with a loop of its own for the common functions (no per-element switch, so
    the compiler can vectorise it); False for the others. Same float operations as _unary."""
    n = y.size
    if fn == FN_SQUARE:
        for k in range(n):
            y[k] = x[k] * x[k]
    elif fn == FN_NEG:
        for k in range(n):
            y[k] = -x[k]
    elif fn == FN_EXP:
        for k in range(n):
            y[k] = math.exp(x[k])
    elif fn == FN_TANH:
        for k in range(n):
            y[k] = math.tanh(x[k])
    elif fn == FN_SOFTPLUS:
        for k in range(n):
            y[k] = math.log1p(math.exp(-abs(x[k]))) + max(x[k], 0.0)
    elif fn == FN_SIGMOID:
        for k in range(n):
            y[k] = _sigmoid(x[k])
    elif fn == FN_SQRT:
        for k in range(n):
            y[k] = math.sqrt(x[k]) if x[k] >= 0.0 else np.nan
    elif fn == FN_RECIPROCAL:
        for k in range(n):
            y[k] = 1.0 / x[k]
    elif fn == FN_ABS:
        for k in range(n):
            y[k] = abs(x[k])
    elif fn == FN_RELU:
        for k in range(n):
            y[k] = 0.0 if x[k] <= 0.0 else x[k]
    elif fn == FN_IDENTITY or fn == FN_STOP_GRADIENT:
        for k in range(n):
            y[k] = x[k]
    else:
        return False
    return True


@kernel
def _binary_loop(fn, x, w, y):
    """y = fn(x, w) for add, sub, mul, div with each operand full or a broadcast scalar;
    False for the others. Same float operations as _binary."""
    n = y.size
    if fn != FN_ADD and fn != FN_SUB and fn != FN_MUL and fn != FN_DIV:
        return False
    if x.size == n and w.size == n:
        if fn == FN_ADD:
            for k in range(n):
                y[k] = x[k] + w[k]
        elif fn == FN_SUB:
            for k in range(n):
                y[k] = x[k] - w[k]
        elif fn == FN_MUL:
            for k in range(n):
                y[k] = x[k] * w[k]
        else:
            for k in range(n):
                y[k] = x[k] / w[k]
    elif x.size == n:
        c = w[0]
        if fn == FN_ADD:
            for k in range(n):
                y[k] = x[k] + c
        elif fn == FN_SUB:
            for k in range(n):
                y[k] = x[k] - c
        elif fn == FN_MUL:
            for k in range(n):
                y[k] = x[k] * c
        else:
            for k in range(n):
                y[k] = x[k] / c
    else:
        c = x[0]
        if fn == FN_ADD:
            for k in range(n):
                y[k] = c + w[k]
        elif fn == FN_SUB:
            for k in range(n):
                y[k] = c - w[k]
        elif fn == FN_MUL:
            for k in range(n):
                y[k] = c * w[k]
        else:
            for k in range(n):
                y[k] = c / w[k]
    return True


@kernel
def _binary_backward_loop(fn, g, x, w, gx, gw, need_x, need_w, fresh_x, fresh_w):
    """Backward of add, sub, mul, div with each operand full-size or a broadcast scalar,
    in loops of their own; False for other functions. Same float operations as
    _apply(_binary_partials); a scalar operand's adjoint is summed in a local first.
    An operand whose adjoint nobody needs (``need_*`` False) is not written; a
    ``fresh_*`` adjoint holds garbage and is written as if it held zeros."""
    n = g.size
    if fn != FN_ADD and fn != FN_SUB and fn != FN_MUL and fn != FN_DIV:
        return False
    if x.size == n and w.size == n:
        if need_x:
            if fn == FN_ADD or fn == FN_SUB:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * 1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * w[k]
            else:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * (1.0 / w[k])
        if need_w:
            if fn == FN_ADD:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * 1.0
            elif fn == FN_SUB:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * -1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * x[k]
            else:
                for k in range(n):
                    b = w[k]
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * ((-x[k] / b) / b)
    elif x.size == n and w.size == 1:
        c = w[0]
        if need_x:
            if fn == FN_ADD or fn == FN_SUB:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * 1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * c
            else:
                inverse = 1.0 / c
                for k in range(n):
                    gx[k] = (0.0 if fresh_x else gx[k]) + g[k] * inverse
        if need_w:
            total = 0.0
            if fn == FN_ADD:
                for k in range(n):
                    total += g[k] * 1.0
            elif fn == FN_SUB:
                for k in range(n):
                    total += g[k] * -1.0
            elif fn == FN_MUL:
                for k in range(n):
                    total += g[k] * x[k]
            else:
                for k in range(n):
                    total += g[k] * ((-x[k] / c) / c)
            gw[0] = (0.0 if fresh_w else gw[0]) + total
    elif x.size == 1 and w.size == n:
        c = x[0]
        if need_x:
            total = 0.0
            if fn == FN_ADD or fn == FN_SUB:
                for k in range(n):
                    total += g[k] * 1.0
            elif fn == FN_MUL:
                for k in range(n):
                    total += g[k] * w[k]
            else:
                for k in range(n):
                    total += g[k] * (1.0 / w[k])
            gx[0] = (0.0 if fresh_x else gx[0]) + total
        if need_w:
            if fn == FN_ADD:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * 1.0
            elif fn == FN_SUB:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * -1.0
            elif fn == FN_MUL:
                for k in range(n):
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * c
            else:
                for k in range(n):
                    b = w[k]
                    gw[k] = (0.0 if fresh_w else gw[k]) + g[k] * ((-c / b) / b)
    else:
        return False
    return True


@kernel
def pairwise_sum(x, lo, n):
    """x[lo] + ... + x[lo + n - 1] by NumPy's pairwise summation (``np.sum``'s algorithm for
    contiguous data, so a replay reproduces an eager sum bit for bit), with error growing
    like log(n) instead of n, and eight independent accumulators instead of one chain."""
    if n < 8:
        res = 0.0
        for k in range(lo, lo + n):
            res += x[k]
        return res
    if n <= 128:
        r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
        r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
        k = 8
        end = n - n % 8
        while k < end:
            b = lo + k
            r0 += x[b]
            r1 += x[b + 1]
            r2 += x[b + 2]
            r3 += x[b + 3]
            r4 += x[b + 4]
            r5 += x[b + 5]
            r6 += x[b + 6]
            r7 += x[b + 7]
            k += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while k < n:
            res += x[lo + k]
            k += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise_sum(x, lo, half) + pairwise_sum(x, lo + half, n - half)


@kernel
def _array_forward(i, code, arg0, arg1, value, aux, arena, iarena):
    """Compute the value of array entry ``i`` from its operands' values."""
    op = code[i] & CODE_MASK
    r = arg1[i]
    fn = aux[r, A_FN]
    y = _view(i, code, arg1, aux, value, arena)
    n = y.size
    if op == OP_UNARY:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        if not _unary_loop(fn, x, y):
            for k in range(n):
                y[k] = _unary(fn, x[k])
    elif op == OP_BINARY:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        w = _view(aux[r, A_B], code, arg1, aux, value, arena)
        outer, inner, sxo, sxi, swo, swi = broadcast_layout(aux[r], x.size, w.size, n)
        wx = inner if sxi else 1
        ww = inner if swi else 1
        fast = True
        for o in range(outer):  # one row unless broadcast; each row is full or size 1
            if not _binary_loop(fn, x[o * sxo : o * sxo + wx], w[o * swo : o * swo + ww],
                                y[o * inner : (o + 1) * inner]):
                fast = False
                break
        if not fast:
            for o in range(outer):
                for j in range(inner):
                    y[o * inner + j] = _binary(fn, x[o * sxo + j * sxi], w[o * swo + j * swi])
    elif op == OP_WHERE:
        cond = _view(arg0[i], code, arg1, aux, value, arena)
        a = _view(aux[r, A_B], code, arg1, aux, value, arena)
        b = _view(aux[r, A_C], code, arg1, aux, value, arena)
        sc = 1 if cond.size > 1 else 0
        sa = 1 if a.size > 1 else 0
        sb = 1 if b.size > 1 else 0
        for k in range(n):
            if cond[k * sc] != 0.0:
                y[k] = a[k * sa]
            else:
                y[k] = b[k * sb]
    elif op == OP_GATHER:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        m0 = aux[r, A_I0]
        for k in range(n):
            y[k] = x[iarena[m0 + k]]
    elif op == OP_SCATTER_ADD:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        m0 = aux[r, A_I0]
        y[:] = 0.0
        for k in range(x.size):
            y[iarena[m0 + k]] += x[k]
    elif op == OP_WINDOW:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        outer, stride, start, width = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2], aux[r, A_I3]
        for o in range(outer):
            for j in range(width):
                y[o * width + j] = x[o * stride + start + j]
    elif op == OP_PAD:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        outer, stride, start, width = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2], aux[r, A_I3]
        y[:] = 0.0
        for o in range(outer):
            for j in range(width):
                y[o * stride + start + j] = x[o * width + j]
    elif op == OP_CONCAT:
        p0, count, outer = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2]
        total = n // outer if outer > 0 else 0
        col = 0
        for q in range(count):
            x = _view(iarena[p0 + 2 * q], code, arg1, aux, value, arena)
            width = iarena[p0 + 2 * q + 1]
            for o in range(outer):
                for j in range(width):
                    y[o * total + col + j] = x[o * width + j]
            col += width
    elif op == OP_REDUCE_SUM:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        outer, mid, inner = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2]
        if inner == 1:
            for o in range(outer):
                y[o] = pairwise_sum(x, o * mid, mid)
        else:
            y[:] = 0.0
            for o in range(outer):
                for m in range(mid):
                    base = (o * mid + m) * inner
                    for j in range(inner):
                        y[o * inner + j] += x[base + j]
    elif op == OP_BROADCAST:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        outer, mid, inner = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2]
        for o in range(outer):
            for m in range(mid):
                base = (o * mid + m) * inner
                for j in range(inner):
                    y[base + j] = x[o * inner + j]
    elif op == OP_REDUCE_MAX or op == OP_REDUCE_MIN:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        outer, mid, inner = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2]
        for o in range(outer):
            for j in range(inner):
                best = x[o * mid * inner + j]
                for m in range(1, mid):
                    v = x[(o * mid + m) * inner + j]
                    if best != best:
                        break
                    if v != v or (op == OP_REDUCE_MAX and v > best) or (op == OP_REDUCE_MIN and v < best):
                        best = v
                y[o * inner + j] = best
    elif op == OP_MATMUL:
        _matmul_forward(i, r, fn, code, arg0, arg1, value, aux, arena, y)
    if code[i] & F32:
        for k in range(n):
            y[k] = np.float64(np.float32(y[k]))


@kernel
def _matmul_forward(i, r, flags, code, arg0, arg1, value, aux, arena, y):
    a = _view(arg0[i], code, arg1, aux, value, arena)
    b = _view(aux[r, A_B], code, arg1, aux, value, arena)
    batch, m, k, n = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2], aux[r, A_I3]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    for t in range(batch):
        ta_index = 0 if flags & MM_BROADCAST_A else t
        tb_index = 0 if flags & MM_BROADCAST_B else t
        a_block = a[ta_index * m * k : (ta_index + 1) * m * k]
        b_block = b[tb_index * k * n : (tb_index + 1) * k * n]
        a2 = a_block.reshape((k, m)) if ta else a_block.reshape((m, k))
        b2 = b_block.reshape((n, k)) if tb else b_block.reshape((k, n))
        c = _matmul_block(a2, b2, ta, tb)
        y[t * m * n : (t + 1) * m * n] = c.ravel()


@kernel
def _matmul_backward(i, r, flags, code, rcode, arg0, arg1, value, aux, arena, adj, adj_arena):
    a = _view(arg0[i], code, arg1, aux, value, arena)
    b = _view(aux[r, A_B], code, arg1, aux, value, arena)
    ga = _view(arg0[i], code, arg1, aux, adj, adj_arena)
    gb = _view(aux[r, A_B], code, arg1, aux, adj, adj_arena)
    gy = _view(i, code, arg1, aux, adj, adj_arena)
    batch, m, k, n = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2], aux[r, A_I3]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    for t in range(batch):
        ia = 0 if flags & MM_BROADCAST_A else t
        ib = 0 if flags & MM_BROADCAST_B else t
        a_lo, a_hi = ia * m * k, (ia + 1) * m * k
        b_lo, b_hi = ib * k * n, (ib + 1) * k * n
        a2 = a[a_lo:a_hi].reshape((k, m)) if ta else a[a_lo:a_hi].reshape((m, k))
        b2 = b[b_lo:b_hi].reshape((n, k)) if tb else b[b_lo:b_hi].reshape((k, n))
        g2 = gy[t * m * n : (t + 1) * m * n].reshape((m, n))
        # d op(A) = G op(B)^T and d op(B) = op(A)^T G, laid out like A and B.
        if rcode[arg0[i]] != 0:
            if ta:
                da = _matmul_block(b2, g2, tb, True)
            else:
                da = _matmul_block(g2, b2, False, not tb)
            ga_block = ga[a_lo:a_hi]
            da_flat = da.ravel()
            for q in range(da_flat.size):
                ga_block[q] += da_flat[q]
        if rcode[aux[r, A_B]] != 0:
            if tb:
                db = _matmul_block(g2, a2, True, ta)
            else:
                db = _matmul_block(a2, g2, not ta, False)
            gb_block = gb[b_lo:b_hi]
            db_flat = db.ravel()
            for q in range(db_flat.size):
                gb_block[q] += db_flat[q]


@kernel
def _needed(s, code, rcode):
    """Whether a sweep must write the adjoint of operand ``s``: every entry ``mark_live``
    kept (non-zero reverse code) and every scalar leaf (whose reverse code is OP_LEAF,
    0, live or not); not a constant array leaf nor an entry off every path."""
    return rcode[s] != 0 or (code[s] & CODE_MASK) == OP_LEAF


@kernel
def _array_backward(i, code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena):
    """Accumulate the operands' adjoints of array entry ``i`` from its own adjoint.

    An operand nobody needs (``_needed``: a constant array leaf) gets no adjoint
    written, and matmul skips its product (dX of a constant design matrix is most
    of a logistic regression's work).
    """
    op = code[i] & CODE_MASK
    if op == OP_ARRAY_LEAF or op == OP_CUSTOM_OUT:
        return
    r = arg1[i]
    if op == OP_MATMUL:
        _matmul_backward(i, r, aux[r, A_FN], code, rcode, arg0, arg1, value, aux, arena, adj, adj_arena)
        return
    gy = _view(i, code, arg1, aux, adj, adj_arena)
    if op == OP_CONCAT:
        p0, count, outer = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2]
        n = gy.size
        total = n // outer if outer > 0 else 0
        col = 0
        for q in range(count):
            gx = _view(iarena[p0 + 2 * q], code, arg1, aux, adj, adj_arena)
            width = iarena[p0 + 2 * q + 1]
            for o in range(outer):
                for j in range(width):
                    gx[o * width + j] += gy[o * total + col + j]
            col += width
        return
    a = arg0[i]
    x = _view(a, code, arg1, aux, value, arena)
    y = _view(i, code, arg1, aux, value, arena)
    if op == OP_WHERE:
        b, c = aux[r, A_B], aux[r, A_C]
        flat_backward(op, aux[r], iarena, gy, x, x, y,
                      _view(b, code, arg1, aux, adj, adj_arena), _view(c, code, arg1, aux, adj, adj_arena),
                      _needed(b, code, rcode), _needed(c, code, rcode), False, False)
    elif op == OP_BINARY:
        b = aux[r, A_B]
        flat_backward(op, aux[r], iarena, gy, x, _view(b, code, arg1, aux, value, arena), y,
                      _view(a, code, arg1, aux, adj, adj_arena), _view(b, code, arg1, aux, adj, adj_arena),
                      _needed(a, code, rcode), _needed(b, code, rcode), False, False)
    else:
        gx = _view(a, code, arg1, aux, adj, adj_arena)
        flat_backward(op, aux[r], iarena, gy, x, x, y, gx, gx, _needed(a, code, rcode), False, False, False)


@kernel
def flat_backward(op, row, iarena, gy, x, w, y, gx, gw, need_x, need_w, fresh_x, fresh_w):
    """The backward step of one array entry, on flat arrays: ``gx``/``gw`` += vjp(``gy``).

    ``row`` is the entry's aux row; ``x`` and ``w`` are the operands' values (for
    OP_WHERE ``x`` is the condition and ``gx``/``gw`` the adjoints of the two
    branches), ``y`` the entry's value. An adjoint whose ``need_*`` is False is not
    written. A ``fresh_*`` adjoint is new, uninitialised memory: it ends exactly as if
    it had been zero-filled first (``0.0 + v``, so even a -0.0 comes out the same),
    but the loops that write each element once assign instead of paying a pass to
    zero it. The sweeps call this with views into the arenas (never fresh); Python
    calls it for an entry whose arrays are held outside the arena. Concat and matmul
    are not here (more than two operands; BLAS). Returns False for an op it does not
    handle.
    """
    fn = row[A_FN]
    n = gy.size
    if op == OP_UNARY:
        if fn >= FIRST_NONDIFF_UNARY or not need_x:
            if need_x and fresh_x:
                gx[:] = 0.0
            return True
        if fn == FN_SQUARE:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * (2.0 * x[k])
        elif fn == FN_NEG:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * -1.0
        elif fn == FN_EXP:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * y[k]
        elif fn == FN_TANH:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * (1.0 - y[k] * y[k])
        elif fn == FN_SOFTPLUS:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * _sigmoid(x[k])
        elif fn == FN_SIGMOID:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + gy[k] * (y[k] * (1.0 - y[k]))
        else:
            for k in range(n):
                gx[k] = (0.0 if fresh_x else gx[k]) + _apply(fn, gy[k], _unary_partial(fn, x[k], y[k]))
        return True
    if op == OP_CONCAT or op == OP_MATMUL or op >= OP_CUSTOM_CALL or op < OP_UNARY:
        return False
    if op == OP_BINARY:
        if fn < FIRST_NONDIFF_BINARY and (fn == FN_ADD or fn == FN_SUB or fn == FN_MUL or fn == FN_DIV):
            outer, inner, sxo, sxi, swo, swi = broadcast_layout(row, x.size, w.size, n)
            wx = inner if sxi else 1
            ww = inner if swi else 1
            for o in range(outer):  # one row unless broadcast; each row is full or size 1
                # an operand row seen again by later rows (sxo == 0) is fresh only the first time
                _binary_backward_loop(fn, gy[o * inner : (o + 1) * inner], x[o * sxo : o * sxo + wx],
                                      w[o * swo : o * swo + ww], gx[o * sxo : o * sxo + wx],
                                      gw[o * swo : o * swo + ww], need_x, need_w,
                                      fresh_x and (sxo != 0 or o == 0), fresh_w and (swo != 0 or o == 0))
            return True
    elif op == OP_WINDOW and row[A_I0] == 1 and fresh_x:
        if need_x:
            start, width = row[A_I2], row[A_I3]
            gx[:start] = 0.0
            for j in range(width):
                gx[start + j] = 0.0 + gy[j]
            gx[start + width :] = 0.0
        return True
    elif op == OP_REDUCE_SUM and row[A_I2] == 1:
        if need_x:
            outer, mid = row[A_I0], row[A_I1]
            for o in range(outer):
                g = gy[o]
                for m in range(mid):
                    gx[o * mid + m] = (0.0 if fresh_x else gx[o * mid + m]) + g
        return True
    # The other loops accumulate into zeros.
    if need_x and fresh_x:
        gx[:] = 0.0
    if need_w and fresh_w:
        gw[:] = 0.0
    if op == OP_BINARY:
        if fn >= FIRST_NONDIFF_BINARY:
            return True
        outer, inner, sxo, sxi, swo, swi = broadcast_layout(row, x.size, w.size, n)
        for o in range(outer):
            for j in range(inner):
                k = o * inner + j
                kx = o * sxo + j * sxi
                kw = o * swo + j * swi
                dx, dw = _binary_partials(fn, x[kx], w[kw], y[k])
                g = gy[k]
                if need_x:
                    gx[kx] += _apply(fn, g, dx)
                if need_w:
                    gw[kw] += _apply(fn, g, dw)
    elif op == OP_WHERE:
        sc = 1 if x.size > 1 else 0
        sa = 1 if gx.size > 1 else 0
        sb = 1 if gw.size > 1 else 0
        for k in range(n):
            if x[k * sc] != 0.0:
                if need_x:
                    gx[k * sa] += gy[k]
            elif need_w:
                gw[k * sb] += gy[k]
    elif not need_x:
        return True
    elif op == OP_GATHER:
        m0 = row[A_I0]
        for k in range(n):
            gx[iarena[m0 + k]] += gy[k]
    elif op == OP_SCATTER_ADD:
        m0 = row[A_I0]
        for k in range(gx.size):
            gx[k] += gy[iarena[m0 + k]]
    elif op == OP_WINDOW:
        outer, stride, start, width = row[A_I0], row[A_I1], row[A_I2], row[A_I3]
        for o in range(outer):
            for j in range(width):
                gx[o * stride + start + j] += gy[o * width + j]
    elif op == OP_PAD:
        outer, stride, start, width = row[A_I0], row[A_I1], row[A_I2], row[A_I3]
        for o in range(outer):
            for j in range(width):
                gx[o * width + j] += gy[o * stride + start + j]
    elif op == OP_REDUCE_SUM:
        outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
        for o in range(outer):
            for m in range(mid):
                base = (o * mid + m) * inner
                for j in range(inner):
                    gx[base + j] += gy[o * inner + j]
    elif op == OP_BROADCAST:
        outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
        for o in range(outer):
            for m in range(mid):
                base = (o * mid + m) * inner
                for j in range(inner):
                    gx[o * inner + j] += gy[base + j]
    elif op == OP_REDUCE_MAX or op == OP_REDUCE_MIN:
        outer, mid, inner = row[A_I0], row[A_I1], row[A_I2]
        for o in range(outer):
            for j in range(inner):
                best = y[o * inner + j]
                count = 0.0
                for m in range(mid):
                    if x[(o * mid + m) * inner + j] == best:
                        count += 1.0
                g = gy[o * inner + j]
                for m in range(mid):
                    hit = 1.0 if x[(o * mid + m) * inner + j] == best else 0.0
                    gx[(o * mid + m) * inner + j] += g * (hit / count)
    else:
        return False
    return True


# ---------------------------------------------------------------------------
# Forward mode (tangents) and forward-over-reverse (second order)
# ---------------------------------------------------------------------------
@kernel
def _matmul_blocks(a, b, t, m, k, n, flags):
    ia = 0 if flags & MM_BROADCAST_A else t
    ib = 0 if flags & MM_BROADCAST_B else t
    a_block = a[ia * m * k : (ia + 1) * m * k]
    b_block = b[ib * k * n : (ib + 1) * k * n]
    ta = (flags & MM_TRANSPOSE_A) != 0
    tb = (flags & MM_TRANSPOSE_B) != 0
    a2 = a_block.reshape((k, m)) if ta else a_block.reshape((m, k))
    b2 = b_block.reshape((n, k)) if tb else b_block.reshape((k, n))
    return a2, b2, ia, ib


@kernel
def _array_tangent(i, code, arg0, arg1, value, aux, arena, iarena, dvalue, darena):
    """The tangent of array entry ``i`` for one direction, its values already computed.
    Elementwise entries never come here: ``_array_tangents`` does them for all directions."""
    op = code[i] & CODE_MASK
    r = arg1[i]
    fn = aux[r, A_FN]
    dy = _view(i, code, arg1, aux, dvalue, darena)
    n = dy.size
    if op == OP_WHERE:
        cond = _view(arg0[i], code, arg1, aux, value, arena)
        da = _view(aux[r, A_B], code, arg1, aux, dvalue, darena)
        db = _view(aux[r, A_C], code, arg1, aux, dvalue, darena)
        sc = 1 if cond.size > 1 else 0
        sa = 1 if da.size > 1 else 0
        sb = 1 if db.size > 1 else 0
        for k in range(n):
            dy[k] = da[k * sa] if cond[k * sc] != 0.0 else db[k * sb]
    elif op == OP_REDUCE_MAX or op == OP_REDUCE_MIN:
        x = _view(arg0[i], code, arg1, aux, value, arena)
        y = _view(i, code, arg1, aux, value, arena)
        dx = _view(arg0[i], code, arg1, aux, dvalue, darena)
        outer, mid, inner = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2]
        for o in range(outer):
            for j in range(inner):
                best = y[o * inner + j]
                count = 0.0
                for m in range(mid):
                    if x[(o * mid + m) * inner + j] == best:
                        count += 1.0
                total = 0.0
                for m in range(mid):
                    hit = 1.0 if x[(o * mid + m) * inner + j] == best else 0.0
                    total += dx[(o * mid + m) * inner + j] * (hit / count)
                dy[o * inner + j] = total
    elif op == OP_MATMUL:
        a = _view(arg0[i], code, arg1, aux, value, arena)
        b = _view(aux[r, A_B], code, arg1, aux, value, arena)
        da = _view(arg0[i], code, arg1, aux, dvalue, darena)
        db = _view(aux[r, A_B], code, arg1, aux, dvalue, darena)
        batch, m, k, nn = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2], aux[r, A_I3]
        ta = (fn & MM_TRANSPOSE_A) != 0
        tb = (fn & MM_TRANSPOSE_B) != 0
        for t in range(batch):
            a2, b2, _, _ = _matmul_blocks(a, b, t, m, k, nn, fn)
            da2, db2, _, _ = _matmul_blocks(da, db, t, m, k, nn, fn)
            c = _matmul_block(da2, b2, ta, tb) + _matmul_block(a2, db2, ta, tb)
            dy[t * m * nn : (t + 1) * m * nn] = c.ravel()
    elif op != OP_ARRAY_LEAF:
        # gather, scatter_add, window, pad, concat, reduce_sum, broadcast: linear, so their
        # tangent is the same operation applied to the operands' tangents
        _array_forward(i, code, arg0, arg1, dvalue, aux, darena, iarena)


@kernel
def _array_tangents(i, code, arg0, arg1, value, aux, arena, iarena, dvalue, darena):
    """Tangents of array entry ``i`` in every direction (rows of dvalue/darena).

    Elementwise entries compute each element's partials once for all directions;
    the others run the one-direction kernel per direction.
    """
    op = code[i] & CODE_MASK
    r = arg1[i]
    fn = aux[r, A_FN]
    kk = dvalue.shape[0]
    if op == OP_UNARY:
        dy = _view2(i, code, arg1, aux, dvalue, darena)
        if fn >= FIRST_NONDIFF_UNARY:
            dy[:, :] = 0.0
            return
        x = _view(arg0[i], code, arg1, aux, value, arena)
        y = _view(i, code, arg1, aux, value, arena)
        dx = _view2(arg0[i], code, arg1, aux, dvalue, darena)
        for k in range(x.size):
            d = _unary_partial(fn, x[k], y[k])
            for j in range(kk):
                dy[j, k] = _apply(fn, dx[j, k], d)
    elif op == OP_BINARY:
        dy = _view2(i, code, arg1, aux, dvalue, darena)
        if fn >= FIRST_NONDIFF_BINARY:
            dy[:, :] = 0.0
            return
        x = _view(arg0[i], code, arg1, aux, value, arena)
        w = _view(aux[r, A_B], code, arg1, aux, value, arena)
        z = _view(i, code, arg1, aux, value, arena)
        dx = _view2(arg0[i], code, arg1, aux, dvalue, darena)
        dw = _view2(aux[r, A_B], code, arg1, aux, dvalue, darena)
        outer, inner, sxo, sxi, swo, swi = broadcast_layout(aux[r], x.size, w.size, z.size)
        for o in range(outer):
            for jj in range(inner):
                k = o * inner + jj
                kx = o * sxo + jj * sxi
                kw = o * swo + jj * swi
                if fn == FN_MUL:
                    pa = w[kw]
                    pb = x[kx]
                elif fn == FN_ADD:
                    pa = 1.0
                    pb = 1.0
                elif fn == FN_SUB:
                    pa = 1.0
                    pb = -1.0
                else:
                    pa, pb = _binary_partials(fn, x[kx], w[kw], z[k])
                for j in range(kk):
                    dy[j, k] = _apply(fn, dx[j, kx], pa) + _apply(fn, dw[j, kw], pb)
    else:
        for j in range(kk):
            _array_tangent(i, code, arg0, arg1, value, aux, arena, iarena, dvalue[j], darena[j])


@kernel
def forward_tangent(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena, start, stop):
    """Forward replay that also carries tangents: row j of ``dvalue``/``darena`` is direction j.

    The caller zeroes the tangents and seeds those of the inputs. Returns -1, or the
    index of an entry forward mode cannot run (a custom gradient).
    """
    k = dvalue.shape[0]
    for i in range(start, stop):
        c = code[i]
        if c == FN_MUL:
            a = arg0[i]
            b = arg1[i]
            xa = value[a]
            xb = value[b]
            value[i] = xa * xb
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * xb + dvalue[j, b] * xa
            continue
        if c == FN_ADD or c == FN_SUB:
            a = arg0[i]
            b = arg1[i]
            sign = 1.0 if c == FN_ADD else -1.0
            value[i] = value[a] + value[b] if c == FN_ADD else value[a] - value[b]
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * 1.0 + dvalue[j, b] * sign
            continue
        if c == FN_DIV:
            a = arg0[i]
            b = arg1[i]
            xa = value[a]
            xb = value[b]
            value[i] = xa / xb
            pa = 1.0 / xb
            pb = (-xa / xb) / xb
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * pa + dvalue[j, b] * pb
            continue
        if c == FN_SIN:
            a = arg0[i]
            x = value[a]
            value[i] = math.sin(x)
            d = math.cos(x)
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * d
            continue
        if c == FN_SQUARE:  # x * x records square: the inner step of most scalar loops
            a = arg0[i]
            x = value[a]
            value[i] = x * x
            d = 2.0 * x
            for j in range(k):
                dvalue[j, i] = dvalue[j, a] * d
            continue
        op = c & CODE_MASK
        if op == OP_LEAF or op == OP_ARRAY_LEAF:
            continue
        if op <= LAST_UNARY:
            a = arg0[i]
            x = value[a]
            y = _round_if_f32(c, _unary(op, x))
            value[i] = y
            if op < FIRST_NONDIFF_UNARY:
                d = _unary_partial(op, x, y)
                for j in range(k):
                    dvalue[j, i] = _apply(op, dvalue[j, a], d)
            else:
                for j in range(k):
                    dvalue[j, i] = 0.0
        elif op <= LAST_BINARY:
            a = arg0[i]
            b = arg1[i]
            xa = value[a]
            xb = value[b]
            z = _round_if_f32(c, _binary(op, xa, xb))
            value[i] = z
            if op < FIRST_NONDIFF_BINARY:
                pa, pb = _binary_partials(op, xa, xb, z)
                for j in range(k):
                    dvalue[j, i] = _apply(op, dvalue[j, a], pa) + _apply(op, dvalue[j, b], pb)
            else:
                for j in range(k):
                    dvalue[j, i] = 0.0
        elif op == OP_ELEM:
            off = aux[arg1[arg0[i]], A_OFF] + arg1[i]
            value[i] = arena[off]
            for j in range(k):
                dvalue[j, i] = darena[j, off]
        elif op == OP_CUSTOM_CALL or op == OP_CUSTOM_OUT:
            return i
        else:
            _array_forward(i, code, arg0, arg1, value, aux, arena, iarena)
            _array_tangents(i, code, arg0, arg1, value, aux, arena, iarena, dvalue, darena)
    return -1


@kernel
def _array_backward_second(i, code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj,
                           adj_arena, dadj, dadj_arena):
    """The tangent of array entry ``i``'s backward step, for each direction (rows of dadj)."""
    op = code[i] & CODE_MASK
    r = arg1[i]
    fn = aux[r, A_FN]
    kk = dadj.shape[0]
    if op == OP_UNARY:
        if fn >= FIRST_NONDIFF_UNARY:
            return
        x = _view(arg0[i], code, arg1, aux, value, arena)
        y = _view(i, code, arg1, aux, value, arena)
        g = _view(i, code, arg1, aux, adj, adj_arena)
        dx = _view2(arg0[i], code, arg1, aux, dvalue, darena)
        dg = _view2(i, code, arg1, aux, dadj, dadj_arena)
        dgx = _view2(arg0[i], code, arg1, aux, dadj, dadj_arena)
        curved = _unary_curved(fn)
        for k in range(g.size):
            d = _unary_partial(fn, x[k], y[k])
            second = _unary_second(fn, x[k], y[k], d) if curved else 0.0
            for j in range(kk):
                term = _apply(fn, dg[j, k], d)
                if curved:
                    term += g[k] * (second * dx[j, k])
                dgx[j, k] += term
    elif op == OP_BINARY:
        if fn >= FIRST_NONDIFF_BINARY:
            return
        x = _view(arg0[i], code, arg1, aux, value, arena)
        w = _view(aux[r, A_B], code, arg1, aux, value, arena)
        z = _view(i, code, arg1, aux, value, arena)
        g = _view(i, code, arg1, aux, adj, adj_arena)
        dx = _view2(arg0[i], code, arg1, aux, dvalue, darena)
        dw = _view2(aux[r, A_B], code, arg1, aux, dvalue, darena)
        dg = _view2(i, code, arg1, aux, dadj, dadj_arena)
        dgx = _view2(arg0[i], code, arg1, aux, dadj, dadj_arena)
        dgw = _view2(aux[r, A_B], code, arg1, aux, dadj, dadj_arena)
        curved = _binary_curved(fn)
        outer, inner, sxo, sxi, swo, swi = broadcast_layout(aux[r], x.size, w.size, g.size)
        for o in range(outer):
            for jj in range(inner):
                k = o * inner + jj
                kx = o * sxo + jj * sxi
                kw = o * swo + jj * swi
                xa = x[kx]
                xb = w[kw]
                pa, pb = _binary_partials(fn, xa, xb, z[k])
                haa, hab, hba, hbb = _binary_second(fn, xa, xb, z[k], pa, pb)
                gk = g[k]
                for j in range(kk):
                    ta = _apply(fn, dg[j, k], pa)
                    tb = _apply(fn, dg[j, k], pb)
                    if curved:
                        ta += gk * (haa * dx[j, kx] + hab * dw[j, kw])
                        tb += gk * (hba * dx[j, kx] + hbb * dw[j, kw])
                    dgx[j, kx] += ta
                    dgw[j, kw] += tb
    elif op == OP_MATMUL:
        a = _view(arg0[i], code, arg1, aux, value, arena)
        b = _view(aux[r, A_B], code, arg1, aux, value, arena)
        gy = _view(i, code, arg1, aux, adj, adj_arena)
        batch, m, k, nn = aux[r, A_I0], aux[r, A_I1], aux[r, A_I2], aux[r, A_I3]
        ta = (fn & MM_TRANSPOSE_A) != 0
        tb = (fn & MM_TRANSPOSE_B) != 0
        for j in range(kk):
            # the tangent of (G op(B)^T, op(A)^T G): the same products with G, A and B each
            # replaced by its tangent in turn (bilinear)
            _array_backward(i, code, rcode, arg0, arg1, value, aux, arena, iarena, dadj[j], dadj_arena[j])
            da = _view(arg0[i], code, arg1, aux, dvalue[j], darena[j])
            db = _view(aux[r, A_B], code, arg1, aux, dvalue[j], darena[j])
            dga = _view(arg0[i], code, arg1, aux, dadj[j], dadj_arena[j])
            dgb = _view(aux[r, A_B], code, arg1, aux, dadj[j], dadj_arena[j])
            for t in range(batch):
                a2, b2, ia, ib = _matmul_blocks(a, b, t, m, k, nn, fn)
                da2, db2, _, _ = _matmul_blocks(da, db, t, m, k, nn, flags=fn)
                g2 = gy[t * m * nn : (t + 1) * m * nn].reshape((m, nn))
                if ta:
                    extra_a = _matmul_block(db2, g2, tb, True)
                else:
                    extra_a = _matmul_block(g2, db2, False, not tb)
                if tb:
                    extra_b = _matmul_block(g2, da2, True, ta)
                else:
                    extra_b = _matmul_block(da2, g2, not ta, False)
                ea = extra_a.ravel()
                block_a = dga[ia * m * k : (ia + 1) * m * k]
                for q in range(ea.size):
                    block_a[q] += ea[q]
                eb = extra_b.ravel()
                block_b = dgb[ib * k * nn : (ib + 1) * k * nn]
                for q in range(eb.size):
                    block_b[q] += eb[q]
    else:
        # every other primitive's backward is linear in the cotangent with a fixed pattern
        for j in range(kk):
            _array_backward(i, code, rcode, arg0, arg1, value, aux, arena, iarena, dadj[j], dadj_arena[j])


@kernel
def reverse_sweep_second(code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj, adj_arena,
                         dadj, dadj_arena, start, stop):
    """Forward-over-reverse: the reverse sweep and, per direction j, its tangent in ``dadj[j]``.

    With the tangents ``dvalue`` of a ``forward_tangent`` pass seeded with v_j at the
    inputs, ``dadj[j]`` at an input ends up holding (Hessian of the seeded target) v_j.
    """
    kk = dadj.shape[0]
    for i in range(start, stop - 1, -1):
        if rcode[i] == 0:
            continue
        op = code[i] & CODE_MASK
        if op <= LAST_UNARY:
            if op != OP_LEAF and op < FIRST_NONDIFF_UNARY:
                a = arg0[i]
                x = value[a]
                y = value[i]
                g = adj[i]
                d = _unary_partial(op, x, y)
                adj[a] += _apply(op, g, d)
                curved = _unary_curved(op)
                s = _unary_second(op, x, y, d)
                for j in range(kk):
                    term = _apply(op, dadj[j, i], d)
                    if curved:
                        term += g * (s * dvalue[j, a])
                    dadj[j, a] += term
        elif op <= LAST_BINARY:
            if op < FIRST_NONDIFF_BINARY:
                a = arg0[i]
                b = arg1[i]
                xa = value[a]
                xb = value[b]
                z = value[i]
                g = adj[i]
                pa, pb = _binary_partials(op, xa, xb, z)
                adj[a] += _apply(op, g, pa)
                adj[b] += _apply(op, g, pb)
                curved = _binary_curved(op)
                haa, hab, hba, hbb = _binary_second(op, xa, xb, z, pa, pb)
                for j in range(kk):
                    ga = _apply(op, dadj[j, i], pa)
                    gb = _apply(op, dadj[j, i], pb)
                    if curved:
                        ga += g * (haa * dvalue[j, a] + hab * dvalue[j, b])
                        gb += g * (hba * dvalue[j, a] + hbb * dvalue[j, b])
                    dadj[j, a] += ga
                    dadj[j, b] += gb
        elif op == OP_ELEM:
            off = aux[arg1[arg0[i]], A_OFF] + arg1[i]
            adj_arena[off] += adj[i]
            for j in range(kk):
                dadj_arena[j, off] += dadj[j, i]
        else:
            _array_backward(i, code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena)
            _array_backward_second(i, code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj,
                                   adj_arena, dadj, dadj_arena)
    return -1


# ---------------------------------------------------------------------------
# Sweeps
# ---------------------------------------------------------------------------
@kernel
def _nondifferentiable(op, fn):
    """An array entry whose operands get no gradient (a non-differentiable elementwise fn)."""
    if op == OP_UNARY:
        return fn >= FIRST_NONDIFF_UNARY
    if op == OP_BINARY:
        return fn >= FIRST_NONDIFF_BINARY
    return False


@kernel
def mark_live(code, arg0, arg1, aux, iarena, targets, sources):
    """Reachability from the targets along differentiable edges, and the reverse code.

    Returns ``live`` (entry ``i`` lies on a path from a source to a target; a leaf that
    is not among ``sources`` is a constant and stays dead) and ``rcode``, the codes
    the reverse sweeps dispatch on: ``code[i]`` for a live entry, 0 for one that is not
    (skipped like a leaf, and its adjoint never needed), ``HANDOFF`` for one Python must
    differentiate (a custom gradient, or values held outside the arena).
    """
    n = code.shape[0]
    live = np.zeros(n, np.bool_)
    wanted = np.ones(n, np.bool_)  # leaves are wanted only as sources
    for i in range(n):
        op = code[i] & CODE_MASK
        if op == OP_LEAF or op == OP_ARRAY_LEAF:
            wanted[i] = False
    for s in sources:
        wanted[s] = True
    rcode = np.zeros(n, np.uint8)
    for t in targets:
        live[t] = True
    for i in range(n - 1, -1, -1):
        if not live[i]:
            continue
        c = code[i]
        rcode[i] = c
        op = c & CODE_MASK
        if op == OP_LEAF or op == OP_ARRAY_LEAF:
            continue
        if op <= LAST_UNARY:
            if op < FIRST_NONDIFF_UNARY:
                live[arg0[i]] = wanted[arg0[i]] or live[arg0[i]]
        elif op <= LAST_BINARY:
            if op < FIRST_NONDIFF_BINARY:
                live[arg0[i]] = wanted[arg0[i]] or live[arg0[i]]
                live[arg1[i]] = wanted[arg1[i]] or live[arg1[i]]
        elif op == OP_ELEM:
            live[arg0[i]] = wanted[arg0[i]] or live[arg0[i]]
        else:
            r = arg1[i]
            handoff = _is_external(i, code, arg1, aux)
            if op == OP_CONCAT or op == OP_CUSTOM_CALL:
                p0 = aux[r, A_I0]
                for q in range(aux[r, A_I1]):
                    s = iarena[p0 + 2 * q]
                    live[s] = wanted[s] or live[s]
                    handoff = handoff or _is_external(s, code, arg1, aux)
                if op == OP_CUSTOM_CALL:
                    handoff = True
            elif op == OP_WHERE:
                live[aux[r, A_B]] = wanted[aux[r, A_B]] or live[aux[r, A_B]]
                live[aux[r, A_C]] = wanted[aux[r, A_C]] or live[aux[r, A_C]]
                handoff = (handoff or _is_external(arg0[i], code, arg1, aux)
                           or _is_external(aux[r, A_B], code, arg1, aux)
                           or _is_external(aux[r, A_C], code, arg1, aux))
            elif not _nondifferentiable(op, aux[r, A_FN]):
                live[arg0[i]] = wanted[arg0[i]] or live[arg0[i]]
                handoff = handoff or _is_external(arg0[i], code, arg1, aux)
                if op == OP_BINARY or op == OP_MATMUL:
                    live[aux[r, A_B]] = wanted[aux[r, A_B]] or live[aux[r, A_B]]
                    handoff = handoff or _is_external(aux[r, A_B], code, arg1, aux)
            if handoff and op != OP_CUSTOM_OUT:
                rcode[i] = HANDOFF
    return live, rcode


@kernel
def _scalar_backward(c, i, arg0, arg1, value, adj):
    """The backward step of any scalar entry (the common ones are inlined in the sweeps)."""
    op = c & CODE_MASK
    if op <= LAST_UNARY:
        if op != OP_LEAF and op < FIRST_NONDIFF_UNARY:
            a = arg0[i]
            adj[a] += _apply(op, adj[i], _unary_partial(op, value[a], value[i]))
    elif op < FIRST_NONDIFF_BINARY:
        a = arg0[i]
        b = arg1[i]
        da, db = _binary_partials(op, value[a], value[b], value[i])
        g = adj[i]
        adj[a] += _apply(op, g, da)
        adj[b] += _apply(op, g, db)


@kernel
def reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, start, stop):
    """Back-propagate adjoints over entries ``start`` down to ``stop`` (inclusive).

    Dispatches on ``rcode`` (from ``mark_live``). The most common scalar ops are
    written inline, with exactly the float operations of ``_apply``/partials.
    Returns -1 when done, or the index of an entry Python must handle; call again
    from that index minus one afterwards.
    """
    for i in range(start, stop - 1, -1):
        c = rcode[i]
        if c == FN_MUL:
            a = arg0[i]
            b = arg1[i]
            g = adj[i]
            adj[a] += g * value[b]
            adj[b] += g * value[a]
        elif c == FN_ADD:
            g = adj[i]
            adj[arg0[i]] += g * 1.0
            adj[arg1[i]] += g * 1.0
        elif c == OP_LEAF:
            continue
        elif c == FN_SUB:
            g = adj[i]
            adj[arg0[i]] += g * 1.0
            adj[arg1[i]] += g * -1.0
        elif c == FN_DIV:
            a = arg0[i]
            b = arg1[i]
            g = adj[i]
            vb = value[b]
            adj[a] += g * (1.0 / vb)
            adj[b] += g * ((-value[a] / vb) / vb)
        elif c == FN_SIN:
            a = arg0[i]
            adj[a] += adj[i] * math.cos(value[a])
        elif c == FN_COS:
            a = arg0[i]
            adj[a] += adj[i] * -math.sin(value[a])
        elif c == FN_EXP:
            adj[arg0[i]] += adj[i] * value[i]
        elif c == FN_NEG:
            adj[arg0[i]] += adj[i] * -1.0
        elif c == FN_SQUARE:
            a = arg0[i]
            adj[a] += adj[i] * (2.0 * value[a])
        elif c == FN_TANH:
            y = value[i]
            adj[arg0[i]] += adj[i] * (1.0 - y * y)
        elif c == HANDOFF:
            return i
        else:
            op = c & CODE_MASK
            if op <= LAST_BINARY:
                _scalar_backward(c, i, arg0, arg1, value, adj)
            elif op == OP_ELEM:
                adj_arena[aux[arg1[arg0[i]], A_OFF] + arg1[i]] += adj[i]
            else:
                _array_backward(i, code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena)
    return -1


@kernel
def gradient_sweep(code, arg0, arg1, value, aux, arena, iarena, request, adj, adj_arena):
    """The common gradient in one call: ``mark_live``, seeds of ones at the targets (held
    in the value column or the arena), and the reverse sweep down to the lowest live
    source. The buffers come untrimmed; ``request`` holds their used lengths (entries,
    aux rows, arena, iarena), the number of targets, the target slots and the source
    slots. ``adj``/``adj_arena`` come zeroed, of the used lengths. Returns (status, stop,
    live, rcode), status as ``reverse_sweep``'s (an entry for Python, to resume below it)
    and the lowest live source as the sweep's stop."""
    n = request[0]
    code = code[:n]
    arg0 = arg0[:n]
    arg1 = arg1[:n]
    value = value[:n]
    aux = aux[: request[1]]
    arena = arena[: request[2]]
    iarena = iarena[: request[3]]
    targets = request[5 : 5 + request[4]]
    sources = request[5 + request[4] :]
    live, rcode = mark_live(code, arg0, arg1, aux, iarena, targets, sources)
    start = -1
    for t in targets:
        seed = _view(t, code, arg1, aux, adj, adj_arena)
        for k in range(seed.size):
            seed[k] += 1.0
        start = max(start, t)
    stop = n
    for s in sources:
        if live[s]:
            stop = min(stop, s)
    if start < stop:
        return -1, stop, live, rcode
    return reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, start, stop), stop, \
        live, rcode


@kernel
def forward_replay(code, arg0, arg1, value, aux, arena, iarena, start, stop):
    """Recompute the values of entries ``start`` .. ``stop - 1`` from their operands.

    Leaves keep the values already in the buffers. The most common float64 scalar
    ops are inline; float32 entries (code >= 128) take the general path, which
    rounds. Returns -1 when done, or the index of an entry that Python must compute
    (a custom gradient's call).
    """
    for i in range(start, stop):
        c = code[i]
        if c == FN_MUL:
            value[i] = value[arg0[i]] * value[arg1[i]]
        elif c == FN_ADD:
            value[i] = value[arg0[i]] + value[arg1[i]]
        elif c == FN_SUB:
            value[i] = value[arg0[i]] - value[arg1[i]]
        elif c == FN_DIV:
            value[i] = value[arg0[i]] / value[arg1[i]]
        elif c == FN_SIN:
            value[i] = math.sin(value[arg0[i]])
        elif c == FN_COS:
            value[i] = math.cos(value[arg0[i]])
        elif c == FN_EXP:
            value[i] = math.exp(value[arg0[i]])
        elif c == FN_NEG:
            value[i] = -value[arg0[i]]
        elif c == FN_SQUARE:
            x = value[arg0[i]]
            value[i] = x * x
        elif c == FN_TANH:
            value[i] = math.tanh(value[arg0[i]])
        elif c == OP_LEAF or c == OP_ARRAY_LEAF:
            continue
        else:
            op = c & CODE_MASK
            if op == OP_LEAF or op == OP_ARRAY_LEAF:
                continue
            if op <= LAST_UNARY:
                value[i] = _round_if_f32(c, _unary(op, value[arg0[i]]))
            elif op <= LAST_BINARY:
                value[i] = _round_if_f32(c, _binary(op, value[arg0[i]], value[arg1[i]]))
            elif op == OP_ELEM:
                a = arg0[i]
                value[i] = arena[aux[arg1[a], A_OFF] + arg1[i]]
            elif op == OP_CUSTOM_CALL or op == OP_CUSTOM_OUT:
                return i
            else:
                _array_forward(i, code, arg0, arg1, value, aux, arena, iarena)
    return -1


@kernel
def _compare(kind, a, b):
    if kind == GUARD_LESS:
        return a < b
    if kind == GUARD_LESS_EQUAL:
        return a <= b
    if kind == GUARD_GREATER:
        return a > b
    if kind == GUARD_GREATER_EQUAL:
        return a >= b
    if kind == GUARD_EQUAL:
        return a == b
    return a != b


@kernel
def guards_hold(code, arg1, value, aux, arena, guard_kind, guard_a, guard_b, guard_off, expected):
    """True when every guard of a trace gives the traced result on the current values.

    Guard q compares slots ``guard_a[q]`` and ``guard_b[q]`` (kinds LESS .. NOT_EQUAL,
    elementwise, size-1 operands broadcast) or tests slot ``guard_a[q]`` alone (TRUTH,
    INT, SAME) against ``expected[guard_off[q]:guard_off[q + 1]]``.
    """
    for q in range(guard_kind.shape[0]):
        kind = guard_kind[q]
        a = _view(guard_a[q], code, arg1, aux, value, arena)
        e = expected[guard_off[q] : guard_off[q + 1]]
        if kind <= GUARD_NOT_EQUAL:
            b = _view(guard_b[q], code, arg1, aux, value, arena)
            sa = 1 if a.size > 1 else 0
            sb = 1 if b.size > 1 else 0
            for t in range(e.size):
                if _compare(kind, a[t * sa], b[t * sb]) != (e[t] != 0.0):
                    return False
        elif kind == GUARD_TRUTH:
            for t in range(e.size):
                if (a[t] != 0.0) != (e[t] != 0.0):
                    return False
        elif kind == GUARD_INT:
            for t in range(e.size):
                if not np.isfinite(a[t]) or np.trunc(a[t]) != e[t]:
                    return False
        else:
            for t in range(e.size):
                if not (a[t] == e[t] or (a[t] != a[t] and e[t] != e[t])):
                    return False
    return True


@kernel
def replay_value_and_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                              guard_kind, guard_a, guard_b, guard_off, expected, target, stop):
    """One compiled call: forward replay, guard check, reverse sweep seeded with ones at ``target``.

    The inputs are already written into ``value``/``arena``. Only the arena regions
    listed in ``zones`` (offset, size pairs: the live array slots) are zeroed: a large
    constant's adjoint is never read. Returns -1 when done, -2 when a guard fails (the
    trace does not apply to these inputs), or the index of an entry Python must handle.
    """
    status = forward_replay(code, arg0, arg1, value, aux, arena, iarena, 0, code.shape[0])
    if status >= 0:
        return status
    return replay_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                           guard_kind, guard_a, guard_b, guard_off, expected, target, stop)


@kernel
def replay_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                    guard_kind, guard_a, guard_b, guard_off, expected, target, stop):
    """The second half of ``replay_value_and_gradient``, for values already replayed: guard
    check, then the reverse sweep seeded with ones at ``target``. Same returns."""
    if not guards_hold(code, arg1, value, aux, arena, guard_kind, guard_a, guard_b, guard_off, expected):
        return -2
    adj[:] = 0.0
    for q in range(zones.shape[0]):
        adj_arena[zones[q, 0] : zones[q, 0] + zones[q, 1]] = 0.0
    _view(target, code, arg1, aux, adj, adj_arena)[:] = 1.0
    return reverse_sweep(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, target, stop)


@kernel
def reverse_sweep_multi(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, start, stop):
    """The reverse sweep carrying many seeds at once: row j of ``adj``/``adj_arena`` is seed j.

    Each scalar entry is decoded once and its partial derivatives computed once for
    all seeds (vector-mode reverse, as ADOL-C's fov sweeps). Values must all be in
    the arena (compiled tapes): there are no hand-offs.
    """
    k = adj.shape[0]
    for i in range(start, stop - 1, -1):
        if rcode[i] == 0:
            continue
        op = code[i] & CODE_MASK
        if op <= LAST_UNARY:
            if op != OP_LEAF and op < FIRST_NONDIFF_UNARY:
                a = arg0[i]
                d = _unary_partial(op, value[a], value[i])
                for j in range(k):
                    adj[j, a] += _apply(op, adj[j, i], d)
        elif op <= LAST_BINARY:
            if op < FIRST_NONDIFF_BINARY:
                a = arg0[i]
                b = arg1[i]
                da, db = _binary_partials(op, value[a], value[b], value[i])
                for j in range(k):
                    g = adj[j, i]
                    adj[j, a] += _apply(op, g, da)
                    adj[j, b] += _apply(op, g, db)
        elif op == OP_ELEM:
            off = aux[arg1[arg0[i]], A_OFF] + arg1[i]
            for j in range(k):
                adj_arena[j, off] += adj[j, i]
        else:
            for j in range(k):
                _array_backward(i, code, rcode, arg0, arg1, value, aux, arena, iarena, adj[j], adj_arena[j])
    return -1


@kernel
def replay_tangents(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena,
                    guard_kind, guard_a, guard_b, guard_off, expected):
    """Forward replay with tangents (seeded by the caller), then the guard check: -1, -2 or a hand-off."""
    status = forward_tangent(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena, 0, code.shape[0])
    if status >= 0:
        return status
    if not guards_hold(code, arg1, value, aux, arena, guard_kind, guard_a, guard_b, guard_off, expected):
        return -2
    return -1


@kernel
def replay_second_order(code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj, adj_arena, dadj,
                        dadj_arena, guard_kind, guard_a, guard_b, guard_off, expected, target, stop):
    """Forward-over-reverse in one call: tangents forward (seeded by the caller), guards, then the
    reverse sweep with its tangents, seeded with ones at ``target``: ``dadj[j]`` gets H v_j."""
    status = replay_tangents(code, arg0, arg1, value, aux, arena, iarena, dvalue, darena,
                             guard_kind, guard_a, guard_b, guard_off, expected)
    if status != -1:
        return status
    adj[:] = 0.0
    adj_arena[:] = 0.0
    dadj[:, :] = 0.0
    dadj_arena[:, :] = 0.0
    _view(target, code, arg1, aux, adj, adj_arena)[:] = 1.0
    return reverse_sweep_second(code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj, adj_arena,
                                dadj, dadj_arena, target, stop)


@kernel
def replay_hessian(code, rcode, arg0, arg1, value, aux, arena, iarena, guard_kind, guard_a, guard_b, guard_off,
                   expected, target, slot, seeds, rows, cols, col_colors):
    """The dense Hessian of ``target`` in the input at ``slot`` from compressed directions.

    ``seeds[c]`` seeds the tangent of color c; entry (rows[q], cols[q]) of the Hessian
    is then read at (col_colors[q], rows[q]) of the compressed result. Returns
    (status, hessian): status -2 when a guard fails.
    """
    p, n = seeds.shape
    dvalue = np.zeros((p, code.shape[0]))
    darena = np.zeros((p, arena.shape[0]))
    _view2(slot, code, arg1, aux, dvalue, darena)[:, :] = seeds
    adj = np.empty(code.shape[0])
    adj_arena = np.empty(arena.shape[0])
    dadj = np.empty_like(dvalue)
    dadj_arena = np.empty_like(darena)
    status = replay_second_order(code, rcode, arg0, arg1, value, aux, arena, iarena, dvalue, darena, adj,
                                 adj_arena, dadj, dadj_arena, guard_kind, guard_a, guard_b, guard_off, expected,
                                 target, slot)
    h = np.zeros((n, n))
    if status == -1:  # an input the target does not reach reads zeros (dadj starts at 0)
        compressed = _view2(slot, code, arg1, aux, dadj, dadj_arena)
        for q in range(rows.shape[0]):
            h[rows[q], cols[q]] = compressed[col_colors[q], rows[q]]
    return status, h


@parallel_kernel
def batch_value_and_gradient(code, rcode, arg0, arg1, values, aux, arenas, iarena, zones,
                             guard_kind, guard_a, guard_b, guard_off, expected, target, stop,
                             adjs, adj_arenas, status):
    """``replay_value_and_gradient`` for a batch: row b of ``values``/``arenas`` holds example b.

    Examples run in parallel over the cores; ``status[b]`` gets each one's result.
    """
    for b in prange(values.shape[0]):
        status[b] = replay_value_and_gradient(
            code, rcode, arg0, arg1, values[b], aux, arenas[b], iarena, adjs[b], adj_arenas[b], zones,
            guard_kind, guard_a, guard_b, guard_off, expected, target, stop)


@kernel
def standalone_value_and_grad(data, x):
    """(f(x), df/dx, ok) of a compiled tape, for the user's own @njit code.

    ``data`` comes from ``nt.function(f).compiled_value_and_grad(x0)``; ``ok`` is
    False when x takes another branch than the traced one (a guard failed).
    """
    (code, rcode, arg0, arg1, value0, aux, arena0, iarena, live, zones, guard_kind, guard_a, guard_b, guard_off,
     expected, target, slot, at, size, in_column) = data
    value = value0.copy()
    arena = arena0.copy()
    flat = x.ravel()
    if slot >= 0:
        if in_column:
            value[at] = flat[0]
        else:
            arena[at : at + size] = flat
    adj = np.empty(code.shape[0])
    adj_arena = np.empty(arena.shape[0])
    stop = slot if slot >= 0 else target
    status = replay_value_and_gradient(code, rcode, arg0, arg1, value, aux, arena, iarena, adj, adj_arena, zones,
                                       guard_kind, guard_a, guard_b, guard_off, expected, target, stop)
    grad = np.zeros(flat.size)
    if slot >= 0 and live[slot]:
        if in_column:
            grad[0] = adj[at]
        else:
            grad[:] = adj_arena[at : at + size]
    return value[target], grad.reshape(x.shape), status == -1


def warmup() -> None:
    """Compile (or load from cache) the sweeps by differentiating a tiny tape."""
    from ..backward import warmup_tape

    warmup_tape()
