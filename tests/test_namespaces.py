"""nt.math / nt.linalg / nt.nn / nt.special are generated from the op table, and TensorFlow's names
resolve to the right functions; TensorFlow's conventions of the new rows (cast, constant's shape,
kinks of relu6/elu/selu, the safe divisions, the losses) against math.
"""
from __future__ import annotations

import importlib
import math
import sys

import numpy as np
import pytest

import numtape as nt
from numtape import _namespaces
from numtape.ops.registry import COMPOSITES, ELEMENTWISE, Composite
from numtape.ops.tf_signature import TF_SIGNATURES

NAMESPACES = sorted({"math", "linalg", "nn", "signal", "special", "stats"} | _namespaces.namespaces())


def _expected(namespace: str) -> dict[str, object]:
    """What the rows put in ``namespace``, read here from the rows independently of _namespaces."""
    out: dict[str, object] = {}
    for row in COMPOSITES.values():
        names = ([row.qualified] if row.namespace and not row.namespace.startswith("numpy") else []) + list(
            row.aliases)
        out.update((q.split(".", 1)[1], row.fn) for q in names if q.split(".", 1)[0] == namespace)
    for spec in ELEMENTWISE.values():
        fn = getattr(nt, spec.name, None) if spec.public else getattr(nt, spec.name, None) if spec.aliases else None
        if fn is None:
            continue
        names = ([f"math.{spec.name}"] if spec.public else []) + list(spec.aliases)
        names += [f"special.{n}" for n in getattr(spec, "scipy", ())]
        out.update((q.split(".", 1)[1], fn) for q in names if q.split(".", 1)[0] == namespace)
    for name, aliases in _namespaces.TF_NAMES_OF_ROWS_ELSEWHERE.items():
        fn = _namespaces._row_function(name)
        if fn is not None:
            out.update((q.split(".", 1)[1], fn) for q in aliases if q.split(".", 1)[0] == namespace)
    out.update((q.split(".", 1)[1], e.fn) for q, e in TF_SIGNATURES.items() if q.split(".", 1)[0] == namespace and "." in q)
    return out


def _expected_distributions(namespace: str) -> dict[str, dict[str, object]]:
    """``{distribution: {method: op}}``: the rows ``<namespace>.<distribution>_<method>``, read here."""
    if namespace != "stats":
        return {}
    out: dict[str, dict[str, object]] = {}
    for row in COMPOSITES.values():
        distribution, _, method = row.name.rpartition("_")
        if row.namespace == namespace and distribution and method in _namespaces.METHODS:
            out.setdefault(distribution, {})[method] = row.fn
    return out


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_each_namespace_is_an_importable_module_holding_exactly_its_rows(namespace: str) -> None:
    module = importlib.import_module(f"numtape.{namespace}")
    assert getattr(nt, namespace) is module is sys.modules[f"numtape.{namespace}"]
    expected, distributions = _expected(namespace), _expected_distributions(namespace)
    assert sorted(module.__all__) == sorted([*expected, *distributions])
    for name, fn in expected.items():
        assert getattr(module, name) is fn, f"nt.{namespace}.{name}"
    for name, methods in distributions.items():  # the second kind: objects holding exactly their rows
        obj = getattr(module, name)
        assert isinstance(obj, _namespaces.Distribution) and obj.methods == tuple(sorted(methods)), name
        assert {m: getattr(obj, m) for m in obj.methods} == methods, f"nt.{namespace}.{name}"
        assert {a for a in vars(obj) if not a.startswith("_")} == {"methods", *methods}, f"nt.{namespace}.{name}"
    public = {n for n in vars(module) if not n.startswith("_")} - {"namespace_contents"}
    assert public == set(module.__all__), public ^ set(module.__all__)  # nothing beside the rows


def test_every_rows_qualified_name_is_in_its_module() -> None:
    for row in COMPOSITES.values():
        for qualified in ([row.qualified] if row.namespace and not row.namespace.startswith("numpy") else []) \
                + list(row.aliases):
            space, name = qualified.split(".", 1)
            assert getattr(importlib.import_module(f"numtape.{space}"), name) is row.fn, qualified
    for spec in ELEMENTWISE.values():
        if spec.public:
            assert getattr(nt.math, spec.name) is getattr(nt, spec.name), spec.name
        for qualified in spec.aliases:
            space, name = qualified.split(".", 1)
            assert getattr(importlib.import_module(f"numtape.{space}"), name) is getattr(nt, spec.name), qualified


def test_imports_as_users_write_them() -> None:
    import numtape.linalg as la
    from numtape.math import log1p
    from numtape.nn import relu6

    assert la is nt.linalg and log1p is nt.log1p and relu6 is nt.nn.relu6
    assert {"math", "linalg", "nn", "signal", "special", "stats"} <= set(nt.__all__)
    from numtape.stats import norm

    assert norm is nt.stats.norm and norm.logpdf is nt.stats.norm_logpdf


@pytest.mark.parametrize("tf_name, fn", [
    ("math.reduce_variance", TF_SIGNATURES["math.reduce_variance"].fn),
    ("math.reduce_std", TF_SIGNATURES["math.reduce_std"].fn), ("math.log1p", nt.log1p),
    ("math.is_finite", nt.isfinite), ("math.pow", nt.pow), ("math.floordiv", nt.floor_divide),
    ("math.floormod", nt.mod), ("math.sigmoid", nt.sigmoid), ("math.softplus", nt.softplus),
    ("nn.relu", nt.relu), ("nn.sigmoid", nt.sigmoid), ("nn.softplus", nt.softplus), ("nn.softmax", nt.softmax),
    ("nn.log_softmax", nt.log_softmax), ("nn.swish", nt.nn.silu), ("math.softmax", nt.softmax),
])
def test_tensorflow_names_resolve_to_the_right_functions(tf_name: str, fn: object) -> None:
    space, name = tf_name.split(".")
    assert getattr(getattr(nt, space), name) is fn


def test_names_of_rows_elsewhere_appear_only_with_their_row() -> None:
    for name, aliases in _namespaces.TF_NAMES_OF_ROWS_ELSEWHERE.items():
        fn = _namespaces._row_function(name)
        for qualified in aliases:
            space, alias = qualified.split(".", 1)
            module = importlib.import_module(f"numtape.{space}")
            if fn is not None:
                assert getattr(module, alias) is fn, qualified
            elif not any(q == qualified for q, _, _ in _namespaces.qualified_names()):
                assert not hasattr(module, alias), f"nt.{qualified} exists without its row {name}: a stub"
    if not hasattr(nt, "gammaln") and not hasattr(nt, "lgamma"):
        assert not hasattr(nt.math, "lgamma")


def test_no_stubs_every_namespace_function_is_a_row() -> None:
    row_functions = {id(r.fn) for r in COMPOSITES.values()}
    row_functions |= {id(getattr(nt, s.name)) for s in ELEMENTWISE.values() if hasattr(nt, s.name)}
    row_functions |= {id(e.fn) for e in TF_SIGNATURES.values()}  # an op with its TensorFlow signature entry
    for namespace in NAMESPACES:
        module = importlib.import_module(f"numtape.{namespace}")
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, _namespaces.Distribution):
                assert obj.methods and all(id(getattr(obj, m)) in row_functions for m in obj.methods), name
                continue
            assert id(obj) in row_functions, f"nt.{namespace}.{name} is not a row's op"


def test_two_ops_under_one_name_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def other(x: object) -> object:
        return x

    monkeypatch.setitem(COMPOSITES, "fake_other", Composite("fake_other", other, aliases=("math.log1p",)))
    with pytest.raises(AssertionError, match="math.log1p names two ops"):
        _namespaces.namespace_contents("math")


# ---------------------------------------------------------------------------
# cast
# ---------------------------------------------------------------------------
def test_cast_float32_to_float64_passes_the_gradient_back_in_float32() -> None:
    x = nt.constant(np.array([1.5, -2.0, 3.0], np.float32))
    w = np.array([0.5, 2.0, -1.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.cast(x, np.float64)
        loss = nt.reduce_sum(y * w)
    assert y.dtype == np.float64 and np.array_equal(y.numpy(), x.numpy().astype(np.float64))
    g = tape.gradient(loss, x)
    assert g.dtype == np.float32 and np.array_equal(g.numpy(), w.astype(np.float32))


def test_cast_float64_to_float32_first_and_second_order() -> None:
    x = nt.constant(np.array([0.3, -1.25, 2.0]))
    with nt.GradientTape() as outer:
        outer.watch(x)
        with nt.GradientTape() as tape:
            tape.watch(x)
            y = nt.cast(x, "float32")
            loss = nt.reduce_sum(y * y * y)
        g = tape.gradient(loss, x)
    h = outer.gradient(g, x)  # d/dx sum(3 y^2) = 6 y
    y32 = x.numpy().astype(np.float32)
    assert y.dtype == np.float32 and np.array_equal(y.numpy(), y32)
    assert g.dtype == np.float64 and h.dtype == np.float64
    np.testing.assert_allclose(g.numpy(), 3 * y32.astype(np.float64) ** 2, rtol=1e-6)
    np.testing.assert_allclose(h.numpy(), 6 * y32.astype(np.float64), rtol=1e-6)


def test_cast_in_a_compiled_function_replays() -> None:
    g = nt.function(lambda x: nt.reduce_sum(nt.cast(x, np.float32) ** 2))
    for value in (np.array([1.0, 2.0]), np.array([-3.0, 0.5])):
        np.testing.assert_allclose(g.grad(value), 2 * value.astype(np.float32), rtol=1e-6)


def test_cast_to_integers_is_data() -> None:
    x = nt.constant([-1.7, 1.7, 2.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.cast(x, np.int32)
    assert y.dtype == np.int32 and y.numpy().tolist() == [-1, 1, 2]  # toward zero, as TensorFlow
    assert tape.gradient(y, x) is None
    assert nt.cast(x, "float64") is x
    assert nt.cast(nt.constant([0.0, 2.0]), bool).numpy().tolist() == [False, True]
    with pytest.raises(ValueError, match="cast"):
        nt.cast(nt.constant([1e12]), np.int32)
    with pytest.raises(TypeError, match="cast"):
        nt.cast(x, "complex128")


def test_constant_with_a_shape() -> None:
    assert np.array_equal(nt.constant(7.0, shape=(2, 3)).numpy(), np.full((2, 3), 7.0))
    assert np.array_equal(nt.constant([1, 2, 3, 4], shape=[2, 2]).numpy(), [[1.0, 2.0], [3.0, 4.0]])
    assert nt.constant(1, dtype=np.int32, shape=3).numpy().tolist() == [1, 1, 1]
    assert nt.constant(2.0, "float32", (2,)).dtype == np.float32
    with pytest.raises(ValueError, match="constant"):
        nt.constant([1.0, 2.0, 3.0], shape=(2, 2))
    assert repr(nt.constant(3)) == "nt.Tensor(3.0, shape=(), dtype=float64)"


# ---------------------------------------------------------------------------
# derivative conventions at kinks (TensorFlow's) and other rules against math
# ---------------------------------------------------------------------------
def _grad(f: object, values: list[float]) -> np.ndarray:
    x = nt.constant(np.array(values))
    with nt.GradientTape() as tape:
        tape.watch(x)
        y = nt.reduce_sum(f(x))
    return tape.gradient(y, x).numpy()


def test_activation_kinks_follow_tensorflow() -> None:
    assert _grad(nt.nn.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0]).tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert _grad(nt.nn.elu, [0.0])[0] == 1.0
    scale = 1.0507009873554804934193349852946
    np.testing.assert_allclose(_grad(nt.nn.selu, [0.0]), [scale], rtol=1e-15)
    assert np.all(np.isfinite(_grad(nt.nn.elu, [800.0, -800.0])))  # no inf from the unselected branch


def test_safe_divisions_are_zero_with_zero_gradients_where_tensorflow_says() -> None:
    x, y = nt.constant([0.0, 2.0, 3.0]), nt.constant([0.0, 0.0, 4.0])
    with nt.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        a = nt.math.xdivy(x, y)
        b = nt.math.divide_no_nan(x, y)
    assert a.numpy()[0] == 0.0 and np.isinf(a.numpy()[1]) and a.numpy()[2] == 0.75
    assert b.numpy().tolist() == [0.0, 0.0, 0.75]
    ga = tape.gradient(a, [x, y])
    assert ga[0].numpy()[0] == 0.0 and ga[1].numpy()[0] == 0.0
    gb = tape.gradient(b, [x, y])
    assert gb[0].numpy().tolist()[:2] == [0.0, 0.0] and gb[1].numpy().tolist()[:2] == [0.0, 0.0]
    np.testing.assert_allclose([gb[0].numpy()[2], gb[1].numpy()[2]], [0.25, -3.0 / 16.0])


def test_sigmoid_cross_entropy_is_stable_and_exact_at_zero() -> None:
    z = nt.constant([0.3, 1.0, 0.0])
    x = nt.constant([0.0, 1000.0, -1000.0])
    with nt.GradientTape() as tape:
        tape.watch(x)
        loss = nt.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    np.testing.assert_allclose(loss.numpy(), [math.log(2.0), 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [0.5 - 0.3, 0.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        nt.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0], logits=[1.0])


def test_sparse_softmax_cross_entropy_gradient_is_softmax_minus_one_hot() -> None:
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    x = nt.constant(logits)
    with nt.GradientTape() as tape:
        tape.watch(x)
        loss = nt.reduce_sum(nt.nn.sparse_softmax_cross_entropy_with_logits([2, 0], x))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), p - np.eye(3)[[2, 0]], rtol=1e-12)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        nt.nn.sparse_softmax_cross_entropy_with_logits([3, 0], x)
    with pytest.raises(TypeError, match="integers"):
        nt.nn.sparse_softmax_cross_entropy_with_logits([1.0, 0.0], x)


def test_gelu_exact_form_uses_erf_or_refuses() -> None:
    x = nt.constant([-1.0, 0.5, 2.0])
    if hasattr(nt, "erf"):
        from scipy.special import erf

        v = x.numpy()
        np.testing.assert_allclose(nt.nn.gelu(x).numpy(), 0.5 * v * (1 + erf(v / math.sqrt(2))), rtol=1e-14)
    else:
        with pytest.raises(TypeError, match="erf"):
            nt.nn.gelu(x)


def test_data_rows_follow_tensorflow() -> None:
    assert nt.one_hot([0, -1, 5], 3).numpy().tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert nt.one_hot([1], 2).dtype == np.float32
    m = nt.constant([[1.0, 5.0], [4.0, 2.0]])
    assert nt.argmax(m).numpy().tolist() == [1, 0] and nt.argmax(m).dtype == np.int64  # axis 0 by default
    assert nt.argmin(m, axis=1, output_type=np.int32).numpy().tolist() == [0, 1]
    assert nt.shape(m).dtype == np.int32 and nt.shape(m).numpy().tolist() == [2, 2]
    assert int(nt.size(m)) == 4 and int(nt.rank(m)) == 2 and nt.rank(m).dtype == np.int32
    assert bool(nt.reduce_any(m > 4.0)) and not bool(nt.reduce_all(m > 1.0))
    with pytest.raises(TypeError, match="one_hot"):
        nt.one_hot([0.0, 1.0], 2)


def test_data_rows_in_a_trace_see_new_values() -> None:
    g = nt.function(lambda x: nt.reduce_sum(x * nt.one_hot(nt.argmax(x), 3, dtype=np.float64)))
    assert g(np.array([1.0, 3.0, 2.0])) == 3.0
    assert g(np.array([5.0, 3.0, 2.0])) == 5.0  # a new argmax: retraced, never the old mask
