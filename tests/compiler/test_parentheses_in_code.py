"""The code trace writes has the syntax tree of the same code with every inlined piece in parentheses.

``_precedence`` says where a piece of code needs parentheses; the writers track how tightly
each inlined piece binds (a forward expression, a gradient passed on, a chain-rule term). A
slip there may still give equal numbers (-(a * b) and (-a) * b are equal floats), so these
tests compare trees: each graph is traced twice, once as trace writes it and once with every
template asking for parentheses around anything but a name or a number.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, _precedence, compiler, gradients, trace
from tests.strategies import BINARY, REFLECTED, UNARY, apply


@contextlib.contextmanager
def parentheses_everywhere() -> Iterator[None]:
    """Inside: the compiler's templates want parentheses around every piece of code but an atom."""
    real = _precedence.field_levels

    def everywhere(template: str) -> tuple[dict[str, int], int]:
        needs, level = real(template)
        return {name: _precedence.ATOM for name in needs}, level

    saved = {name: getattr(compiler, name) for name in ("_FORWARD", "_DERIVATIVES", "_CHECKS", "_KINDS")}
    _precedence.field_levels = everywhere  # type: ignore[assignment]
    try:
        _rebuild_templates()
        yield
    finally:
        _precedence.field_levels = real  # type: ignore[assignment]
        for name, table in saved.items():
            setattr(compiler, name, table)
        compiler._node_kind.cache_clear()
        compiler._folded_template.cache_clear()


def _rebuild_templates() -> None:
    """The compiler's template tables made again with the current field_levels, caches emptied."""
    compiler._FORWARD = {name: compiler._template(op.forward) for name, op in compiler.OPS.items()}
    compiler._DERIVATIVES = {
        name: tuple(compiler._template(d) for d in op.derivatives) for name, op in compiler.OPS.items()
    }
    compiler._CHECKS = {name: compiler._checks_of(op) for name, op in compiler.OPS.items()}
    compiler._KINDS = {name: [None] * 64 for name in compiler.OPS}
    compiler._node_kind.cache_clear()
    compiler._folded_template.cache_clear()


def tree(source: str) -> str:
    return ast.dump(ast.parse(source))


# An expression tree: each node read once, so the writers inline nearly everything.
Expression = tuple[str, object, object]
numbers = st.sampled_from([0.5, 2.0, -1.0, -0.0, 3.0, 1e-07, float("inf")])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> object:
    """A leaf index (int), a number (float) or (op, operand, operand)."""
    if depth >= 5 or draw(st.integers(0, 4)) == 0:
        return draw(st.integers(0, 2)) if draw(st.integers(0, 3)) else draw(numbers)
    name = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY)))
    a = draw(expressions(depth + 1))
    b = draw(expressions(depth + 1)) if name in BINARY else 0.0
    return (name, a, b)


def evaluate(expression: object, leaves: tuple[Value, ...]) -> Value | float:
    if isinstance(expression, int):
        return leaves[expression]
    if isinstance(expression, float):
        return expression
    name, a, b = expression  # type: ignore[misc]
    first = evaluate(a, leaves)
    second = None if name in UNARY else evaluate(b, leaves)
    # A number on the left stays a number only where a Value on the right takes it (2.0 * x);
    # else it becomes a constant of the graph, so the engine, not float math, computes the op
    # ((-1.0) ** 0.5 in floats is a complex number; the engine raises ValueError).
    if not isinstance(first, Value) and not (name in REFLECTED and isinstance(second, Value)):
        first = Value(first)
    if name in UNARY:
        return apply(name, first)
    return apply(name, first, second)


def function_of(expression: object) -> Callable[..., Value]:
    def fn(x: Value, y: Value, z: Value) -> Value:
        return Value(0.0) * x + evaluate(expression, (x, y, z))  # a Value whatever the expression

    return fn


def sources(fn: Callable[..., Value], at: tuple[float, ...]) -> tuple[str, str]:
    """(the code trace writes, the same with parentheses around every inlined piece)."""
    minimal = trace(fn, *at).source
    with parentheses_everywhere():
        return minimal, trace(fn, *at).source


@settings(max_examples=150, deadline=None)
@given(expressions(), st.tuples(*[st.sampled_from([0.3, 0.7, 1.5, 2.0])] * 3))
def test_inlined_expressions_have_the_fully_parenthesized_tree(
    expression: object, at: tuple[float, float, float]
) -> None:
    fn = function_of(expression)
    try:
        minimal, full = sources(fn, at)
    except (ArithmeticError, ValueError):
        return  # the drawn expression fails at this point: nothing traced
    assert tree(minimal) == tree(full)


def negated_product_tanh(x: Value, y: Value, z: Value) -> Value:
    """A gradient passed on into a term -g: its parentheses decide the tree, not the numbers."""
    return (-(x * y) + 2.0).tanh() * z


def repeated_scaling(x: Value, y: Value, z: Value) -> Value:
    return x * 2.0 * 3.0 + y / (z - x) - (x - (y - z))


def second_order(x: Value, y: Value, z: Value) -> Value:
    (gx,) = gradients((x * y + z).tanh() * x, [x], create_graph=True)
    return gx * z


@pytest.mark.parametrize("fn", [negated_product_tanh, repeated_scaling, second_order])
def test_chosen_functions_have_the_fully_parenthesized_tree(fn: Callable[..., Value]) -> None:
    minimal, full = sources(fn, (0.7, 1.3, 0.4))
    assert tree(minimal) == tree(full)
    assert len(minimal) < len(full)  # the switch did put parentheses in
