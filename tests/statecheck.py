"""Bit-for-bit snapshots of models, optimizers, Values and files, to prove a failing call changed nothing.

    with unchanged(model, opt, tmp_path), pytest.raises(ValueError):
        opt.step(bad)

Floats are compared by their 8 bytes (struct), so -0.0 differs from 0.0 and a NaN's sign and
payload count; Values by identity, data and grad; objects by their attributes, recursively;
a path by its bytes (a folder: every file in it, so a leftover temporary file shows).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autograd_mini import Value
from tests.helpers import bits

Frozen = object


def snapshot(thing: object) -> Frozen:
    """A comparable, immutable picture of ``thing`` and everything it holds."""
    if isinstance(thing, float):
        return ("float", bits(thing))
    if thing is None or isinstance(thing, (bool, int, str, bytes)):
        return (type(thing).__name__, thing)
    if isinstance(thing, Value):
        return ("Value", id(thing), bits(thing.data), bits(thing.grad), thing.is_leaf, thing.label)
    if isinstance(thing, Path):
        return _snapshot_path(thing)
    if isinstance(thing, (list, tuple)):
        return (type(thing).__name__, tuple(snapshot(item) for item in thing))
    if isinstance(thing, dict):
        return ("dict", tuple((snapshot(k), snapshot(v)) for k, v in thing.items()))
    if hasattr(thing, "__dict__") and not inspect.isroutine(thing):  # modules are callable too
        return (type(thing).__name__, id(thing), snapshot(dict(vars(thing))))
    return ("object", id(thing))  # functions (a learning-rate schedule): the same object


def _snapshot_path(path: Path) -> Frozen:
    if path.is_dir():
        return ("dir", tuple((p.name, _snapshot_path(p)) for p in sorted(path.iterdir())))
    if path.is_file():
        return ("file", path.read_bytes())
    return ("absent" if not path.exists() else "other", str(path))


@contextmanager
def unchanged(*things: object) -> Iterator[None]:
    """Assert that every thing is bit-for-bit the same after the block as before it."""
    before = [snapshot(thing) for thing in things]
    yield
    after = [snapshot(thing) for thing in things]
    for i, (old, new) in enumerate(zip(before, after, strict=True)):
        assert old == new, f"argument #{i} ({type(things[i]).__name__}) changed"
