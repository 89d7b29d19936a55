"""Flatten and rebuild nested lists, tuples and dicts (TensorFlow's ``nest``, minimal).

Leaves are anything that is not a list, tuple or dict. Dicts are walked in sorted
key order and rebuilt with the same keys; lists stay lists, tuples (and named
tuples) stay tuples.
"""
from __future__ import annotations

from typing import Any, Iterator


def flatten(structure: Any) -> list[Any]:
    """The leaves of ``structure``, depth first."""
    if not isinstance(structure, (dict, list, tuple)):
        return [structure]  # the common case: one Tensor
    return list(_leaves(structure))


def _leaves(structure: Any) -> Iterator[Any]:
    if isinstance(structure, dict):
        for key in _sorted_keys(structure):
            yield from _leaves(structure[key])
    elif isinstance(structure, (list, tuple)):
        for item in structure:
            yield from _leaves(item)
    else:
        yield structure


def _sorted_keys(d: dict) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def pack_sequence_as(structure: Any, flat: list[Any]) -> Any:
    """Rebuild ``structure`` with its leaves replaced, in order, by ``flat``."""
    if not isinstance(structure, (dict, list, tuple)):
        return flat[0]
    items = iter(flat)
    result = _pack(structure, items)
    return result


def _pack(structure: Any, items: Iterator[Any]) -> Any:
    if isinstance(structure, dict):
        rebuilt = {key: _pack(structure[key], items) for key in _sorted_keys(structure)}
        return type(structure)((key, rebuilt[key]) for key in structure) if type(structure) is not dict else {
            key: rebuilt[key] for key in structure
        }
    if isinstance(structure, tuple):
        values = [_pack(item, items) for item in structure]
        return type(structure)(*values) if hasattr(structure, "_fields") else tuple(values)
    if isinstance(structure, list):
        return [_pack(item, items) for item in structure]
    return next(items)
