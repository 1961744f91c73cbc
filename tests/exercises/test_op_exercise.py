"""check_op: a learner's op table entry is validated by the table's whitelist, built, and gradchecked."""

from __future__ import annotations

import pytest

from autograd_mini import Value
from autograd_mini.exercises import check_op, op_function
from autograd_mini.ops import OPS, Domain, Op

SOFTSIGN = "x / (1.0 + abs(x))"


def softsign(derivative: object) -> Op:
    return Op("softsign", "softsign", SOFTSIGN, (derivative,))  # type: ignore[arg-type]


def test_a_right_derivative_passes_and_a_wrong_one_fails_with_the_report() -> None:
    assert check_op(softsign("1.0 / (1.0 + abs(x)) ** 2")).ok
    wrong = check_op(softsign("1.0 / (1.0 + x) ** 2"))
    assert not wrong.ok and "central difference" in wrong.message and wrong.reports


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_entry_of_the_op_table_passes(name: str) -> None:
    points = (0.35, 0.8, 1.3) if name in ("pow", "abs", "relu", "leaky_relu") else (-0.6, 0.35, 1.3)
    assert check_op(OPS[name], points).ok


@pytest.mark.parametrize(
    ("derivative", "words"),
    [
        (None, "missing"),
        ("  ", "missing"),
        (3, "must be a string"),
        ("x.__class__", "cannot go in the op table"),
        ('__import__("os").system("true")', "cannot go in the op table"),
        ("open(x)", "not in ops.FORMULA_NAMES"),
        ("[x][0]", "cannot go in the op table"),
        ("lambda: 0", "cannot go in the op table"),
        ("1 +", "cannot parse"),
        ("z", "the name 'z'"),
    ],
)
def test_bad_entries_get_a_message_never_an_exception(derivative: object, words: str) -> None:
    result = check_op(softsign(derivative))
    assert not result.ok and words in result.message


def test_not_an_op_and_bad_names_are_reported() -> None:
    assert "ops.Op" in check_op("x * x").message
    assert "identifier" in check_op(Op("soft sign", "s", "x", ("1.0",))).message
    with pytest.raises(ValueError, match="missing"):
        op_function(softsign(None))


def test_points_outside_the_domain_are_skipped() -> None:
    mylog = Op("mylog", "mylog", "log(x)", ("1.0 / x",), domain=Domain("x > 0.0", "needs x > 0"))
    result = check_op(mylog, points=(-1.0, 0.5, 2.0))
    assert result.ok and "2 points" in result.message
    assert not check_op(mylog, points=(-1.0, -2.0)).ok


def test_the_built_kernel_is_an_engine_node() -> None:
    f = op_function(softsign("1.0 / (1.0 + abs(x)) ** 2"))
    x = Value(1.0, "x")
    y = f(x)
    y.backward()
    assert y.data == 0.5 and x.grad == 0.25 and y.op_def is not None and y.op_def.name == "softsign"
