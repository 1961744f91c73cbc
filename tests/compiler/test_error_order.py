"""When several ops of one graph fail, a compiled call raises the error eager raises: the first
failing op in the order the function ran its ops, with that op's exception type and message."""

from __future__ import annotations

import math
import sys
from functools import partial
from types import FrameType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, losses, trace
from tests.helpers import eager, outcome
from tests.strategies import EVERY_OP, Graph, graphs


def reciprocal_then_log(x: Value) -> Value:
    """1/x is made first, log(x) second, but log(x) is the sum's first operand."""
    reciprocal = 1.0 / x
    logarithm = x.log()
    return logarithm + reciprocal


def log_then_reciprocal(x: Value) -> Value:
    logarithm = x.log()
    reciprocal = 1.0 / x
    return reciprocal + logarithm


@pytest.mark.parametrize("fn", [reciprocal_then_log, log_then_reciprocal])
def test_the_op_run_first_is_the_one_reported(fn: object) -> None:
    compiled = trace(fn, 1.0)  # type: ignore[arg-type]
    expected = outcome(lambda: eager(fn, 0.0))  # type: ignore[arg-type]
    assert expected[1] is not None
    assert outcome(lambda: compiled(0.0)) == expected


def test_a_loss_checks_its_label_where_eager_does_after_the_scores() -> None:
    def fn(x: Value, label: Value) -> Value:
        logarithm = x.log()
        return losses.hinge([x * 2.0], [label]) + logarithm

    compiled = trace(fn, 1.0, 1.0)
    expected = outcome(lambda: eager(fn, 0.0, 0.5))
    assert expected[1] is not None and expected[1][1].startswith("log:")  # the score fails first
    assert outcome(lambda: compiled(0.0, 0.5)) == expected


def test_trace_leaves_a_running_profiler_alone_and_removes_its_own_hook() -> None:
    assert sys.getprofile() is None
    trace(reciprocal_then_log, 1.0)
    assert sys.getprofile() is None  # the hook that saw the nodes being made is gone
    seen: list[str] = []

    def profiler(frame: FrameType, event: str, arg: object) -> None:
        seen.append(event)

    sys.setprofile(profiler)
    try:
        compiled = trace(reciprocal_then_log, 1.0)
        assert sys.getprofile() is profiler
    finally:
        sys.setprofile(None)
    assert seen  # it kept running while fn was traced
    assert compiled(2.0) == eager(reciprocal_then_log, 2.0)
    # No order recorded: the ops replay as the output's expression reads them, log(x) + 1/x.
    with pytest.raises(ValueError, match=r"log: needs x > 0; got x = 0\.0"):
        compiled(0.0)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 710.0, 1e-200, 1e308, -1e308, math.inf, -math.inf, math.nan]
numbers = st.one_of(st.sampled_from(SPECIAL), st.floats(-4.0, 4.0))


@st.composite
def summed_in_any_order(draw: st.DrawFn) -> tuple[Graph, list[int]]:
    """A graph over every op and the order its nodes are summed into the output (any order)."""
    graph = draw(graphs(EVERY_OP, max_inputs=3, max_steps=10, numbers=numbers))
    return graph, draw(st.permutations(range(len(graph.inputs) + len(graph.steps))))


@settings(max_examples=300, deadline=None)
@given(
    summed_in_any_order(),
    st.lists(st.floats(0.25, 2.0), min_size=3, max_size=3),
    st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=1, max_size=3),
)
def test_compiled_raises_eagers_error_when_several_ops_fail(
    program: tuple[Graph, list[int]], traced_at: list[float], points: list[list[float]]
) -> None:
    graph, summed = program

    def fn(*leaves: Value) -> Value:
        nodes = graph.nodes(list(leaves))
        total = nodes[summed[0]]
        for i in summed[1:]:
            total = total + nodes[i]
        return total

    example = traced_at[: len(graph.inputs)]
    try:
        compiled = trace(fn, *example)
    except (ArithmeticError, ValueError):
        return  # tracing is an eager run: it failed at the trace point
    for point in points:
        args = point[: len(graph.inputs)]
        assert outcome(partial(compiled, *args)) == outcome(partial(eager, fn, *args))


def test_a_trace_inside_a_traced_function_records_its_own_order() -> None:
    inner: list[object] = []

    def outer(x: Value) -> Value:
        inner.append(trace(reciprocal_then_log, 1.0))  # a helper compiling a piece lazily
        logarithm = x.log()
        return 1.0 / x + logarithm

    compiled = trace(outer, 1.0)
    assert sys.getprofile() is None
    expected = outcome(lambda: eager(reciprocal_then_log, 0.0))
    assert expected[1] is not None and expected[1][0] is ZeroDivisionError
    assert outcome(lambda: inner[0](0.0)) == expected  # type: ignore[operator]
    # the outer trace's order survives the inner one: log(x) ran first
    expected = outcome(lambda: eager(outer, 0.0))
    assert expected[1] is not None and expected[1][0] is ValueError
    assert outcome(lambda: compiled(0.0)) == expected


def test_a_profiler_that_fn_installs_is_left_in_place() -> None:
    events: list[str] = []

    def profiler(frame: FrameType, event: str, arg: object) -> None:
        events.append(event)

    def installs(x: Value) -> Value:
        sys.setprofile(profiler)
        return x * 2.0

    try:
        compiled = trace(installs, 1.0)
        assert sys.getprofile() is profiler
    finally:
        sys.setprofile(None)
    assert events
    assert compiled(3.0) == (6.0, [2.0])


def test_the_hook_is_removed_when_fn_raises() -> None:
    def fails(x: Value) -> Value:
        raise RuntimeError("fn failed")

    with pytest.raises(RuntimeError, match="fn failed"):
        trace(fails, 1.0)
    assert sys.getprofile() is None
    compiled = trace(reciprocal_then_log, 1.0)  # and the next trace records its order
    with pytest.raises(ZeroDivisionError):
        compiled(0.0)
