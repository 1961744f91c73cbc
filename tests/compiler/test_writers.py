"""The code writers' bookkeeping: a gradient's terms (one, two, many) and how its sum is written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, _precedence, compiler, trace


def test_a_sum_is_one_line_up_to_max_terms() -> None:
    lines: list[str] = []
    compiler._sum_lines(lines, "g3", ["a", "b * c"], start_at_zero=False)
    compiler._sum_lines(lines, "g4", ["d"], start_at_zero=True)
    assert lines == ["g3 = a + b * c", "g4 = 0.0 + d"]


@pytest.mark.parametrize("start_at_zero", [False, True])
@pytest.mark.parametrize("count", [3, 4, 7])
def test_a_longer_sum_continues_every_max_terms_in_order(
    monkeypatch: pytest.MonkeyPatch, start_at_zero: bool, count: int
) -> None:
    monkeypatch.setattr(compiler, "MAX_TERMS", 3)
    lines = ["before"]
    compiler._sum_lines(lines, "g", [f"t{k}" for k in range(count)], start_at_zero)
    first = "g = 0.0 + t0 + t1 + t2" if start_at_zero else "g = t0 + t1 + t2"
    rest = {3: [], 4: ["g = g + t3"], 7: ["g = g + t3 + t4 + t5", "g = g + t6"]}[count]
    assert lines == ["before", first, *rest]


def uses(counts: list[int]) -> tuple[list[Value], Callable[[Value], Value]]:
    """Parameters, and a function reading parameter k counts[k] times (in products and a sum)."""
    params = [Value(0.25 * (k + 1)) for k in range(len(counts))]

    def fn(x: Value) -> Value:
        total = x * 0.5
        for p, count in zip(params, counts, strict=True):
            for j in range(count):
                total = total + p * x if j % 2 else (total * p).tanh()
        return total

    return params, fn


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=70), min_size=1, max_size=4),
    x=st.floats(min_value=-2.0, max_value=2.0),
)
def test_gradients_of_one_two_or_many_terms_equal_eager(counts: list[int], x: float) -> None:
    # A parameter read once has one term (passed on as it is), twice a list, past MAX_TERMS a
    # sum over several lines; read never, its gradient is 0.0. Each equals eager's bit for bit.
    params, fn = uses(counts)
    compiled = trace(fn, 1.0, params=params)
    value, grads = compiled(x)
    for p in params:
        p.zero_grad()
    out = fn(Value(x))
    out.backward()
    assert value == out.data
    assert grads == [p.grad for p in params]
    assert [str(g) for g in grads] == [str(p.grad) for p in params]  # the sign of a zero too


def test_a_derivative_of_one_gives_the_gradient_itself() -> None:
    # _write_backward writes such a term as the gradient's code, without calling its writer or
    # asking where it needs parentheses: that holds only while these do.
    ones = [t for templates in compiler._DERIVATIVES.values() for t in templates if t.one]
    ones.append(compiler._template("1.0"))  # as a folded derivative comes out
    for template in ones:
        assert template.term("a + b", "x", "y", "out") == "a + b"
        assert (template.term_need, template.term_level) == (0, _precedence.SAME)
