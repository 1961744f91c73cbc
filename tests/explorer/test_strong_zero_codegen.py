"""The strong zero reaches the page's JavaScript from the op table, not from a second list."""

from __future__ import annotations

import pytest

from autograd_mini.js_codegen import op_js, strong_zero_js
from autograd_mini.ops import OPS


def test_each_derivative_written_with_strong_zero_gets_a_test_and_no_other() -> None:
    for op in OPS.values():
        for formula in op.derivatives:
            test = strong_zero_js(formula, (*op.operand_names, "out"))
            assert (test is None) == ("strong_zero" not in formula), (op.name, formula)
    selecting = {op.name for op in OPS.values() if any("strong_zero" in d for d in op.derivatives)}
    assert selecting == {"relu", "leaky_relu", "pow"}  # PyTorch's selects (ops.StrongZero)
    for name in selecting:
        assert "strong: [" in op_js(OPS[name]) and "? true :" in op_js(OPS[name])


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("strong_zero if x <= 0.0 else 1.0", "((x <= 0.0) ? true : false)"),
        (
            "1.0 if x > 0.0 else (strong_zero if y == 0.0 else x)",
            "((x > 0.0) ? false : ((y === 0.0) ? true : false))",
        ),
        ("strong_zero * 2.0 if x else 0.0", "((x !== 0) ? false : false)"),  # arithmetic on it is plain
        ("x * y", None),
    ],
)
def test_the_test_follows_the_if_expressions_to_the_name(formula: str, expected: str | None) -> None:
    assert strong_zero_js(formula, ("x", "y", "out")) == expected
