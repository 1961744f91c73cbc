"""Helpers shared by the test modules: exact float comparison, eager reference runs, the repository root."""

from __future__ import annotations

import contextlib
import gc
import math
import struct
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from autograd_mini import Value

ROOT = Path(__file__).resolve().parent.parent  # the repository: README, docs/, demos/, pyproject.toml

# What the eager engine and a compiled function both return for a call: (value, gradients).
Result = tuple[float, list[float]]
# A call's result as bit strings, or the type and message of the error it raised.
Outcome = tuple[list[str], None] | tuple[None, tuple[type, str]]


def bits(x: float) -> str:
    """The float's IEEE 754 bytes as hex: equal exactly when the two floats are the same bits.

    -0.0 differs from 0.0, and a NaN's sign and payload count.
    """
    return struct.pack("<d", x).hex()


def bits_any_nan(x: float) -> str:
    """bits(x), except that every NaN is alike: the engine promises a NaN, not which one."""
    return "nan" if math.isnan(x) else bits(x)


def result_bits(result: Result) -> list[str]:
    """A (value, gradients) pair as bits_any_nan strings, for bit-for-bit comparisons."""
    value, grads = result
    return [bits_any_nan(x) for x in (value, *grads)]


def eager(fn: Callable[..., Value], *args: float, params: Sequence[Value] | None = None) -> Result:
    """fn on fresh leaf Values at ``args``, then backward: (value, gradients), as trace(fn) returns them.

    The gradients are those of ``params`` (zeroed first) when given, else those of the leaves.
    """
    leaves = [Value(x) for x in args]
    for p in params or ():
        p.zero_grad()
    out = fn(*leaves)
    out.backward()
    return out.data, [p.grad for p in (params if params is not None else leaves)]


def outcome(call: Callable[[], Result]) -> Outcome:
    """The call's result as bits, or the type and message of the ArithmeticError or ValueError it raised."""
    try:
        result = call()
    except (ArithmeticError, ValueError) as exc:
        return None, (type(exc), str(exc))
    return result_bits(result), None


@contextlib.contextmanager
def collector_at_default_threshold() -> Iterator[None]:
    """The collector on at Python's default young threshold (700); left as found, also if switched off."""
    was_enabled, threshold = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(700, threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
