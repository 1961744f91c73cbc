"""Compiled and eager agree on random graphs at random inputs, non-finite and out-of-domain ones included.

Either both return the same numbers, bit for bit (nan equal to nan), or both raise the same
exception with the same message, naming the op and its operand values: when several ops fail,
the one the function ran first, as eager.
"""

from __future__ import annotations

import math
from functools import partial

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from autograd_mini import Value, trace
from tests.helpers import eager, outcome
from tests.strategies import EVERY_OP, Graph, graphs

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 710.0, 1e-200, 1e308, -1e308, math.inf, -math.inf, math.nan]
numbers = st.one_of(st.sampled_from(SPECIAL), st.floats(-4.0, 4.0), st.floats())
tame = st.floats(0.25, 2.0)  # trace points: most graphs trace there; new points are anything


@st.composite
def programs(draw: st.DrawFn) -> tuple[Graph, list[int], bool]:
    """(a graph over every op, the nodes summed into the output, whether input 0 is a parameter).

    Operands are earlier nodes, numbers, or Values made inside fn; the graph's own inputs are
    not used: the test draws the points it traces and calls at.
    """
    graph = draw(graphs(EVERY_OP, max_inputs=3, max_steps=10, numbers=numbers, frozen=True))
    # Every node reaches the output: the output sums the nodes no step reads, and a few more.
    # (A node it does not depend on is no part of the traced graph: see test_dead_nodes_are_not_run.)
    total = len(graph.inputs) + len(graph.steps)
    extra = draw(st.lists(st.integers(0, total - 1), max_size=2))
    outputs = sorted({i for i in range(total) if i not in graph.reads()} | set(extra))
    return graph, outputs, draw(st.booleans())


def run(graph: Graph, outputs: list[int], leaves: list[Value]) -> Value:
    nodes = graph.nodes(leaves)
    total = nodes[outputs[0]]
    for i in outputs[1:]:
        total = total + nodes[i]
    return total


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(
    programs(),
    st.lists(tame, min_size=3, max_size=3),
    st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=3, max_size=3),
)
def test_compiled_equals_eager_everywhere(
    program: tuple[Graph, list[int], bool], traced_at: list[float], points: list[list[float]]
) -> None:
    graph, outputs, with_param = program
    n_inputs = len(graph.inputs)
    param = Value(traced_at[0]) if with_param and n_inputs > 1 else None
    params = [param] if param is not None else None
    n_args = n_inputs - (param is not None)
    example = traced_at[1 : 1 + n_args] if param else traced_at[:n_args]

    def fn(*leaves: Value) -> Value:
        return run(graph, outputs, [param, *leaves] if param is not None else list(leaves))

    at_trace = outcome(lambda: eager(fn, *example, params=params))
    try:
        compiled = trace(fn, *example, params=params)
    except (ArithmeticError, ValueError) as exc:
        assert at_trace == (None, (type(exc), str(exc)))  # tracing is an eager run
        event("tracing raised")
        return
    for point in points:
        if param is not None:
            param.assign(point[-1])
        args = point[:n_args]
        result = outcome(partial(compiled, *args))
        expected = outcome(partial(eager, fn, *args, params=params))
        # The same numbers, or the same error: when several ops fail, the one fn ran first.
        assert result == expected
        event("both raised" if result[0] is None else "both returned")
