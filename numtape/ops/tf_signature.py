"""TensorFlow's keyword names on numtape's functions: ``nt.reduce_sum(input_tensor=x, axis=0)``.

Each function that numtape exposes under a TensorFlow name carries TensorFlow's signature in a
decorator on its definition (next to its ``@composite`` row, where it has one)::

    @tf_signature("reduce_sum(input_tensor, axis=None, keepdims=False, name=None)",
                  rename={"input_tensor": "x"}, example=..., reference=...)

and every such signature lands in :data:`TF_SIGNATURES`, the one table the keyword test
(tests/test_tf_keywords.py) and the API reference read. The decorator returns a wrapper that
reads a call in one of two conventions:

* the function's own (NumPy's ``np.sort(a, axis, kind)``, or numtape's historical names): a call
  with no keyword that only TensorFlow has goes straight to the function (positional calls
  cost one length test); ``name=`` is accepted and ignored, as TensorFlow does;
* TensorFlow's: a call with a keyword only TensorFlow has (``values=``, ``input_tensor=``) is
  bound to TensorFlow's signature, each argument renamed to the function's parameter
  (``rename``, else the same name), and the function called with keywords.

Positional arguments are read the same way by both conventions up to the first position where
they name different parameters; a positional argument there, with no TensorFlow-only keyword
to say which convention is meant, is ambiguous and raises a TypeError naming the function, as
does a call mixing keywords only NumPy has with keywords only TensorFlow has. A TensorFlow
argument numtape does not implement (``gather``'s ``batch_dims``) is accepted at TensorFlow's
default only; any other value raises, never silently ignored.
"""
from __future__ import annotations

import ast
import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..errors import op_type_error, op_value_error

_REQUIRED = inspect.Parameter.empty
#: TensorFlow's qualified name (``"reduce_sum"``, ``"math.cumsum"``) -> its signature entry.
TF_SIGNATURES: dict[str, "TFSignature"] = {}


@dataclass(frozen=True)
class TFSignature:
    """TensorFlow's signature of one function, how its names map onto numtape's and a test call.

    ``example`` is a call in TensorFlow's keywords (``values=``); ``reference`` computes the
    expected value from the same keywords with NumPy; ``differentiable``: the test also checks
    the gradient in ``example``'s first float array against central differences.
    """

    qualified: str
    fn: Callable[..., Any]  # the op, taking both conventions (what nt.<qualified> is)
    params: tuple[tuple[str, Any], ...]  # (TensorFlow's name, its default or _REQUIRED), in order
    rename: dict = field(default_factory=dict)  # TensorFlow's name -> the function's parameter
    example: dict = field(default_factory=dict)
    reference: Optional[Callable[..., Any]] = None
    differentiable: bool = True

    @property
    def text(self) -> str:
        """``reduce_sum(input_tensor, axis=None, keepdims=False, name=None)``."""
        parts = [n if d is _REQUIRED else f"{n}={d!r}" for n, d in self.params]
        return f"{self.qualified.rpartition('.')[2]}({', '.join(parts)})"


def parse_signature(text: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """``"f(a, b=1)"`` -> ``("f", (("a", _REQUIRED), ("b", 1)))`` (defaults are literals)."""
    name, _, rest = text.partition("(")
    args = ast.parse(f"def f({rest.rstrip()[:-1]}): pass").body[0].args
    names = [a.arg for a in args.args]
    defaults = [_REQUIRED] * (len(names) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
    return name.strip(), tuple(zip(names, defaults))


def tf_signature(text: str, *, rename: Optional[dict] = None, example: Optional[dict] = None,
                 reference: Optional[Callable[..., Any]] = None, differentiable: bool = True,
                 namespaces: tuple[str, ...] = ("",),
                 reads_positions: bool = False,
                 alias: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: ``fn`` also takes TensorFlow's keywords of ``text`` (see the module doc).
    ``namespaces``: where TensorFlow has the name (``("", "math")``: ``tf.x`` and ``tf.math.x``);
    the qualified ones (``math.x``) put the op in that namespace (numtape/_namespaces.py).
    ``reads_positions``: ``fn`` itself tells the conventions' positional arguments apart by value
    (``sort(x, 0, "DESCENDING")``: no NumPy kind is called that), so none is ambiguous.
    ``alias``: TensorFlow's name is not ``fn``'s (``math.reduce_variance`` for ``var``): the op
    under that name reads TensorFlow's convention only, and ``fn`` itself is returned unchanged."""

    name, params = parse_signature(text)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        public = f"{namespaces[0]}.{name}" if namespaces[0] else name
        op = (_tensorflow_only(fn, public, params, dict(rename or {})) if alias
              else _keyword_adapter(fn, public, params, dict(rename or {}), reads_positions))
        for space in namespaces:
            entry = TFSignature(f"{space}.{name}" if space else name, op, params, dict(rename or {}),
                                dict(example or {}), reference, differentiable)
            if entry.qualified in TF_SIGNATURES:
                raise AssertionError(f"TensorFlow signature of {entry.qualified} given twice")
            TF_SIGNATURES[entry.qualified] = entry
        return fn if alias else op

    return decorate


def _binder(public: str, tf_name: str, params: tuple[tuple[str, Any], ...], target: dict,
            takes_name: bool) -> Callable[[tuple, dict], dict]:
    """A function reading a call in TensorFlow's convention into the op's own keywords."""
    tf_names = [n for n, _ in params]

    def to_own(args: tuple, kwargs: dict) -> dict:
        if len(args) > len(tf_names):
            raise op_type_error(public, f"takes at most {len(tf_names)} positional arguments in TensorFlow's "
                                        f"signature, got {len(args)}")
        bound = dict(zip(tf_names, args))
        for key, value in kwargs.items():
            if key not in target:
                raise op_type_error(public, f"unexpected keyword {key!r} for TensorFlow's {tf_name}")
            if key in bound:
                raise op_type_error(public, f"got multiple values for {key!r}")
            bound[key] = value
        out = {}
        for (key, default) in params:
            if key not in bound:
                if default is _REQUIRED:
                    raise op_type_error(public, f"missing TensorFlow's argument {key!r}")
                continue
            value = bound[key]
            if key == "name" and not takes_name:
                continue
            if target[key] is None:
                if not _is_default(value, default):
                    raise op_value_error(public, f"TensorFlow's argument {key}={value!r} is not supported "
                                                 f"(only {key}={default!r})")
                continue
            out[target[key]] = value
        return out

    return to_own


def _keyword_adapter(fn: Callable[..., Any], public: str, params: tuple[tuple[str, Any], ...],
                     rename: dict, reads_positions: bool) -> Callable[..., Any]:
    own = inspect.signature(fn).parameters
    own_positional = [n for n, p in own.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    target = {n: rename.get(n, n if n in own else None) for n, _ in params}  # None: not implemented
    tf_names = [n for n, _ in params]
    tf_only = frozenset(n for n in tf_names if n not in own and n != "name")
    own_only = frozenset(n for n in own if n not in tf_names)  # including the targets of rename
    agree = 0
    while agree < min(len(tf_names), len(own_positional)) and target[tf_names[agree]] == own_positional[agree]:
        agree += 1
    takes_name = "name" in own
    tf_name = public.rpartition(".")[2]

    to_own = _binder(public, tf_name, params, target, takes_name)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not kwargs and len(args) <= agree:
            return fn(*args)
        used_tf, used_own = tf_only.intersection(kwargs), own_only.intersection(kwargs)
        if used_tf and used_own:
            raise op_type_error(public, f"mixes TensorFlow's keywords {sorted(used_tf)} with numtape's/NumPy's "
                                        f"{sorted(used_own)}; use one convention")
        if used_tf or len(args) > len(own_positional):
            return fn(**to_own(args, kwargs))
        if len(args) > agree and agree < len(tf_names) and not reads_positions:
            raise op_type_error(public, f"positional argument {agree + 1} is ambiguous: TensorFlow's "
                                        f"{tf_names[agree]!r} or {own_positional[agree]!r}; pass it by keyword")
        if "name" in kwargs and not takes_name:
            kwargs = {k: v for k, v in kwargs.items() if k != "name"}
        return fn(*args, **kwargs)

    call.__name__ = call.__qualname__ = tf_name
    return call


def _tensorflow_only(fn: Callable[..., Any], public: str, params: tuple[tuple[str, Any], ...],
                     rename: dict) -> Callable[..., Any]:
    own = inspect.signature(fn).parameters
    target = {n: rename.get(n, n if n in own else None) for n, _ in params}
    tf_name = public.rpartition(".")[2]
    to_own = _binder(public, tf_name, params, target, "name" in own)

    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(**to_own(args, kwargs))

    call.__name__ = call.__qualname__ = tf_name
    call.__doc__ = f"TensorFlow's ``{tf_name}``: {fn.__doc__ or ''}"
    return call


def _is_default(value: Any, default: Any) -> bool:
    if value is default:
        return True
    try:
        return bool(type(value) is type(default) and value == default)
    except (TypeError, ValueError):
        return False


#: Small inputs for the signatures' examples (distinct values: sorts and extremes have no ties).
SAMPLE_MATRIX = ((0.3, -1.2, 2.0), (1.5, 0.7, -0.4))
SAMPLE_VECTOR = (0.9, -0.6, 1.7, 0.2)
SPD_SAMPLE = ((2.0, 0.3, -0.4), (0.3, 1.5, 0.2), (-0.4, 0.2, 1.2))  # symmetric positive definite, distinct eigenvalues
