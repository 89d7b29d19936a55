"""The API reference (docs/reference.md) is what the op table generates: it cannot go stale."""
from __future__ import annotations

from numtape import _apidoc
from numtape.ops.registry import COMPOSITES, ELEMENTWISE


def test_reference_is_current() -> None:
    assert _apidoc.REFERENCE.read_text() == _apidoc.generate(), (
        "docs/reference.md is stale: run `python -m numtape._apidoc` and commit the result")


def test_reference_names_every_public_op() -> None:
    text = _apidoc.generate()
    for spec in ELEMENTWISE.values():
        if spec.public:
            assert f"`nt.{spec.name}`" in text, spec.name
    for row in COMPOSITES.values():
        assert f"`nt.{row.qualified}(" in text, row.qualified
