"""Bad input: a clear error naming the op and the value, and no existing node changed."""

from __future__ import annotations

import fractions
from collections.abc import Callable

import pytest

from autograd_mini import Value


@pytest.mark.parametrize("bad", ["3", None, [1], 1 + 2j, True])
def test_constructor_rejects_non_real_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_constructor_accepts_real_numbers() -> None:
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(fractions.Fraction(1, 4)).data == 0.25


def test_label_must_be_a_str() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, 3)  # type: ignore[arg-type]
    v = Value(1.0, "a")
    with pytest.raises(TypeError, match="label"):
        v.label = None  # type: ignore[assignment]
    assert v.label == "a"


@pytest.mark.parametrize(
    "expr",
    [
        lambda v: v + "a",
        lambda v: "a" + v,
        lambda v: v * None,
        lambda v: v ** "2",
        lambda v: [1] - v,
        lambda v: v / 1j,
        lambda v: v * True,
    ],
)
def test_operators_refuse_non_numbers_with_pythons_type_error(expr: Callable[[Value], object]) -> None:
    with pytest.raises(TypeError, match=r"unsupported operand|can only concatenate"):
        expr(Value(1.0))


def test_leaky_relu_refuses_a_non_number_slope() -> None:
    with pytest.raises(TypeError, match="leaky_relu: slope must be a number"):
        Value(1.0).leaky_relu("0.1")  # type: ignore[arg-type]


DOMAIN_ERRORS: list[tuple[str, Callable[[Value], Value], float, type[Exception], str]] = [
    ("log(0)", lambda v: v.log(), 0.0, ValueError, "log"),
    ("log(-1)", lambda v: v.log(), -1.0, ValueError, "log"),
    ("sqrt(-1)", lambda v: v.sqrt(), -1.0, ValueError, "sqrt"),
    ("(-8) ** (1/3)", lambda v: v ** (1 / 3), -8.0, ValueError, "pow"),
    ("(-8) ** Value(2)", lambda v: v ** Value(2.0), -8.0, ValueError, "pow"),
    ("0 ** Value(2)", lambda v: v ** Value(2.0), 0.0, ValueError, "pow"),
    ("(-2) ** x", lambda v: (-2.0) ** v, 2.0, ValueError, "pow"),
    ("1 / 0", lambda v: 1 / v, 0.0, ZeroDivisionError, "div"),
    ("x / 0", lambda v: v / 0, 1.0, ZeroDivisionError, "div"),
    ("x / Value(0)", lambda v: v / Value(0.0), 1.0, ZeroDivisionError, "div"),
    ("0 ** -1", lambda v: v**-1, 0.0, ZeroDivisionError, "pow"),
    ("exp(1000)", lambda v: v.exp(), 1000.0, OverflowError, "exp"),
    ("1e200 ** 2", lambda v: v**2, 1e200, OverflowError, "pow"),
]


@pytest.mark.parametrize(
    ("case", "expr", "x", "kind", "op"), DOMAIN_ERRORS, ids=[c[0] for c in DOMAIN_ERRORS]
)
def test_domain_errors_name_the_op_and_value_and_change_nothing(
    case: str, expr: Callable[[Value], Value], x: float, kind: type[Exception], op: str
) -> None:
    leaf = Value(x, "x")
    upstream = leaf * 1.0  # an existing node that uses the operand
    upstream.backward()
    before = [(n.data, n.grad, n.label, n.op, n.operands, n.local_grads) for n in (leaf, upstream)]
    with pytest.raises(kind) as info:
        expr(leaf)
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    assert repr(x) in message, message
    assert "math range error" not in message and "math domain error" not in message
    after = [(n.data, n.grad, n.label, n.op, n.operands, n.local_grads) for n in (leaf, upstream)]
    assert after == before


def test_a_failed_op_in_the_middle_of_an_expression_leaves_the_graph_usable() -> None:
    x = Value(-1.0)
    y = x * 2
    with pytest.raises(ValueError, match="log"):
        (y + 1).log()
    y.backward()
    assert x.grad == 2.0


def test_backward_seed_must_be_a_number() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="backward grad"):
        (x * 2).backward("1")  # type: ignore[arg-type]
    assert x.grad == 0.0
