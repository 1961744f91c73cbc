"""Literal operands folded into the compiled code: no test between two literals is left, and
the numbers and errors stay eager's, bit for bit.

``x ** 2`` fills pow's formulas with the literal 2.0, whose text tests ``2.0 == 2.0``,
``2.0 - 1.0 == 2.0``, ``2.0 >= 1.0 or ...``; the compiler works those out once
(autograd_mini/_literal_folding.py), so the code tests only what depends on data.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, trace
from autograd_mini._literal_folding import fold
from autograd_mini.demos.gpt import rms_norm
from autograd_mini.ops import FORMULA_NAMES, OPS, POWER, SQUARE_LIMIT, inline_power
from tests.helpers import bits_any_nan, eager, outcome

EXPONENTS = [2.0, 0.5, -0.5, 3.0]
# Bases where x * x overflows, zeros of both signs, negative bases (complex for y = 0.5), tiny
# and non-finite ones.
POINTS = [3.0, 0.25, 1e200, -1e200, 0.0, -0.0, -2.0, -0.5, 1e-310, -1e-310, math.inf, -math.inf, math.nan]


def _reads_no_variable(node: ast.AST) -> bool:
    """Whether an expression of the code is constant: it reads no value, gradient or input."""
    return all(not isinstance(n, ast.Name) or n.id in ("inf", "_C") for n in ast.walk(node))


def literal_tests(source: str) -> list[str]:
    """The comparisons, and/or, conditionals and arithmetic in the code that read only literals."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
        elif isinstance(node, ast.BoolOp):
            parts = [v for v in node.values if _reads_no_variable(v)]  # even one constant operand
        elif isinstance(node, ast.IfExp):
            parts = [node.test]
        elif isinstance(node, ast.BinOp):
            parts = [node.left, node.right]
        else:
            continue
        if parts and all(_reads_no_variable(part) for part in parts):
            found.append(ast.unparse(node))
    return found


def square_residual(x: Value) -> Value:
    return (x * 1.5 - 1.0) ** 2


def powers(x: Value) -> Value:
    return sum(((x - 0.25) ** e for e in EXPONENTS), x**2.5)


def value_exponent(x: Value, y: Value) -> Value:
    return x**y + 2.0**y + x ** (y * 0.5)


def normed(x: Value, y: Value) -> Value:
    return sum(rms_norm([x, y, x * y]), Value(0.0))


GRAPHS: list[tuple[Callable[..., Value], tuple[float, ...]]] = [
    (square_residual, (2.0,)),
    (powers, (2.0,)),
    (value_exponent, (1.5, 0.75)),
    (normed, (0.5, -1.5)),
    *((lambda x, e=e: x**e, (1.5,)) for e in EXPONENTS),
]


@pytest.mark.parametrize(("fn", "traced_at"), GRAPHS)
def test_no_test_between_literals_is_left(fn: Callable[..., Value], traced_at: tuple[float, ...]) -> None:
    source = trace(fn, *traced_at).source
    assert literal_tests(source) == []


def test_the_folded_power_keeps_only_its_data_tests() -> None:
    source = trace(square_residual, 2.0).source
    square = f"v2 * v2 if {-SQUARE_LIMIT!r} <= v2 <= {SQUARE_LIMIT!r} else v2 ** 2.0"
    assert f"v3 = {square}" in source
    assert "raise ValueError('pow" not in source  # an integer exponent: no base is refused
    assert "2.0 * v2 ** 1.0" in source  # d/dx, with y - 1.0 worked out
    assert "v1 = sqrt(v0) if v0 > 0.0 else v0 ** 0.5" in trace(lambda x: x**0.5, 2.0).source


def test_the_unfolded_code_had_them() -> None:
    """The check above can fail: without folding, the same graph's code tests literals."""
    assert literal_tests(f"def f(v2):\n    return {POWER.replace('x', 'v2').replace('y', '2.0')}\n")


@pytest.mark.parametrize(("fn", "traced_at"), GRAPHS)
@pytest.mark.parametrize("point", POINTS)
def test_compiled_equals_eager_bit_for_bit(
    fn: Callable[..., Value], traced_at: tuple[float, ...], point: float
) -> None:
    compiled = trace(fn, *traced_at)
    for args in [(point,) * len(traced_at), (point, *traced_at[1:]), (*traced_at[:-1], point)]:
        assert outcome(lambda args=args: compiled(*args)) == outcome(lambda args=args: eager(fn, *args))


def test_errors_are_eagers() -> None:
    """A negative base with exponent 0.5 and an overflowing square raise eager's own errors."""
    compiled = trace(lambda x: (x - 1.0) ** 0.5 + x**2, 4.0)
    with pytest.raises(ValueError, match="pow: a negative base needs an integer exponent") as info:
        compiled(-3.0)
    assert str(info.value).endswith("got x = -4.0, y = 0.5")
    with pytest.raises(
        OverflowError, match=r"pow: result is too large for a float; got x = 1e\+200, y = 2.0"
    ):
        compiled(1e200)


numbers = st.one_of(st.sampled_from([*POINTS, 2.0, 1.0, -1.0, 0.5, -3.0, 1e-5, 2.5]), st.floats())
exponents = st.one_of(
    st.sampled_from([*EXPONENTS, 0.0, -0.0, 1.0, -1.0, 2.5, math.inf, -math.inf, math.nan]), numbers
)


@settings(max_examples=150, deadline=None)
@given(exponents, st.floats(0.25, 3.0), st.lists(numbers, min_size=1, max_size=3))
def test_any_literal_exponent_or_base_equals_eager(
    exponent: float, traced_at: float, points: list[float]
) -> None:
    def fn(x: Value) -> Value:
        return (x * 0.5 + 0.25) ** exponent + x**exponent * x + exponent**x

    traced = outcome(lambda: eager(fn, traced_at))
    if traced[0] is None:  # eager fails at the trace point: tracing raises the same error
        with pytest.raises(traced[1][0]):
            trace(fn, traced_at)
        return
    compiled = trace(fn, traced_at)
    assert not [t for t in literal_tests(compiled.source) if "_C[" not in t]  # nan has no literal
    for point in points:
        assert outcome(lambda point=point: compiled(point)) == outcome(lambda point=point: eager(fn, point))


# -- the folding itself, on every formula of the table ---------------------------------------

FORMULAS = [
    (inline_power(formula), condition)
    for op in OPS.values()
    for formula, condition in [
        (op.forward, False),
        *((d, False) for d in op.derivatives),
        *((d.condition, True) for d in (op.domain, *op.grad_domains) if d is not None),
    ]
]


def evaluate(formula: str, x: float, y: float, out: float) -> tuple[str, object]:
    """The formula's value as bits (a truth for a condition), or the error it raises."""
    scope = {**FORMULA_NAMES, "x": x, "y": y, "out": out}
    try:
        value = eval(formula, scope)
    except (ArithmeticError, ValueError) as exc:
        return "raises", (type(exc), str(exc))
    if isinstance(value, (bool, complex)):  # a complex power (a domain check refuses it first)
        return "value", value
    return "value", bits_any_nan(value)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(FORMULAS), st.sampled_from(["x", "y"]), numbers, numbers, numbers)
def test_a_folded_formula_computes_what_the_formula_computes(
    formula: tuple[str, bool], literal: str, x: float, y: float, out: float
) -> None:
    text, condition = formula
    folded = fold(text, {literal: {"x": x, "y": y}[literal]}, condition)
    if folded is None:
        return
    before, after = evaluate(text, x, y, out), evaluate(folded, x, y, out)
    if condition and before[0] == after[0] == "value":
        assert bool(before[1]) == bool(after[1])
    else:
        assert before == after


def test_a_fold_that_would_raise_or_give_nan_is_left_as_written() -> None:
    assert fold("x * (y ** 2.0)", {"y": 1e200}) is None  # overflows: the code raises as before
    assert fold("x / (1.0 / y)", {"y": 0.0}) is None  # divides by zero
    assert fold("x * (y - 1.0)", {"y": math.nan}) is None  # nan has no literal
    assert fold("x if y % 1.0 == 0.0 else -x", {"y": math.inf}) == "-x"  # inf % 1.0 is nan: not equal


def test_signs_of_zero_and_infinities_are_kept() -> None:
    assert fold("x * -y", {"y": 0.0}) == "x * -0.0"
    assert fold("x * (y - 1.0)", {"y": math.inf}) == "x * inf"
    assert fold("x * (1.0 - y)", {"y": math.inf}) == "x * -inf"
