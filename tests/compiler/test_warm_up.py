"""Generated functions are specialized by CPython from their second call, not their ninth."""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable
from typing import Any

import autograd_mini
from autograd_mini import CompiledFunction, Value, compiler


def _generated(compiled: CompiledFunction) -> Callable[..., Any]:
    """The generated function ``_compiled`` behind a compiled function (from its runner's closure)."""
    cells = [cell.cell_contents for cell in getattr(compiled._run, "__closure__", None) or ()]
    function: Callable[..., Any] = next(f for f in cells if getattr(f, "__name__", "") == "_compiled")
    return function


def _specialized(function: Callable[..., Any]) -> set[str]:
    names = {i.opname for i in dis.get_instructions(function, adaptive=True)}  # type: ignore[call-arg]
    return {name for name in names if name.endswith("_FLOAT")}


def test_the_code_is_specialized_after_its_first_call() -> None:
    def fn(x: Value, y: Value) -> Value:
        return (x * y + x).tanh() * y - x

    compiled = autograd_mini.trace(fn, 1.0, 2.0)
    assert "for _ in _EIGHT:" in compiled.source
    if sys.version_info < (3, 11):  # no specializing interpreter: the lines only cost 8 jumps
        assert compiled(1.5, 2.5)[0] == fn(Value(1.5), Value(2.5)).data
        return
    function = _generated(compiled)
    assert _specialized(function) == set()  # not yet run
    compiled(1.5, 2.5)
    assert {"BINARY_OP_MULTIPLY_FLOAT", "BINARY_OP_ADD_FLOAT"} <= _specialized(function)


def test_chunk_functions_are_specialized_after_their_first_call_too() -> None:
    old = compiler.LOCALS_LIMIT
    compiler.LOCALS_LIMIT = 10  # cut even this graph into chunk functions
    try:
        compiled = autograd_mini.trace(lambda xs: sum(x * x for x in xs) * 2.0, [1.0] * 12)
    finally:
        compiler.LOCALS_LIMIT = old
    chunk = _generated(compiled).__globals__["_part0"]  # the chunks' text is not kept: their code is
    assert compiled([2.0] * 12) == (96.0, [8.0] * 12)
    if sys.version_info >= (3, 11):
        assert "BINARY_OP_MULTIPLY_FLOAT" in _specialized(chunk)
    else:
        assert chunk.__code__.co_names[:1] == ("_EIGHT",)
