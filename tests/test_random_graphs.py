"""Random expression graphs, with shared sub-expressions and fan-out, checked by gradcheck."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, gradcheck, toposort

# Each step combines earlier nodes; the forms keep values bounded so central differences stay accurate.
BINARY_STEPS: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b.tanh(),
    "div": lambda a, b: a / (1 + b * b),
    "pow": lambda a, b: (a * a + 0.5) ** b.tanh(),
    "rsub": lambda a, b: 1 - a * 0.5 + b,
}
UNARY_STEPS: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "sin": Value.sin,
    "cos": Value.cos,
    "exp": lambda a: a.tanh().exp(),
    "log": lambda a: (a * a + 1).log(),
    "sqrt": lambda a: (a * a + 1).sqrt(),
    "softplus": Value.softplus,
    "square": lambda a: (a.tanh() * 2) ** 2,
    "neg": lambda a: -a,
    "rdiv": lambda a: 1 / (2 + a.sin()),
}

Step = tuple[str, int, int]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[Step], list[float]]:
    """(number of inputs, steps, input values); a step names an op and two earlier node indices."""
    n_inputs = draw(st.integers(1, 4))
    steps: list[Step] = []
    for k in range(draw(st.integers(1, 14))):
        available = n_inputs + k
        op = draw(st.sampled_from(sorted(BINARY_STEPS) + sorted(UNARY_STEPS)))
        steps.append((op, draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    inputs = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n_inputs, max_size=n_inputs))
    return n_inputs, steps, inputs


def build(steps: list[Step], *leaves: Value) -> Value:
    """Replay the steps; the output sums every node, so every node reaches it (fan-out everywhere)."""
    nodes = list(leaves)
    for op, i, j in steps:
        if op in BINARY_STEPS:
            nodes.append(BINARY_STEPS[op](nodes[i], nodes[j]))
        else:
            nodes.append(UNARY_STEPS[op](nodes[i]))
    total = nodes[0]
    for node in nodes[1:]:
        total = total + node
    return total


def built_and_backpropagated(graph: tuple[int, list[Step], list[float]]) -> tuple[list[Value], Value]:
    """The graph on fresh leaves, after one backward()."""
    _, steps, inputs = graph
    leaves = [Value(x) for x in inputs]
    out = build(steps, *leaves)
    out.backward()
    return leaves, out


@given(graphs())
def test_random_graphs_match_central_differences(graph: tuple[int, list[Step], list[float]]) -> None:
    _, steps, inputs = graph
    gradcheck(lambda *leaves: build(steps, *leaves), inputs, atol=1e-5, rtol=1e-4)


@given(graphs())
def test_backward_twice_on_random_graphs_doubles_leaf_grads_only(
    graph: tuple[int, list[Step], list[float]],
) -> None:
    leaves, out = built_and_backpropagated(graph)
    once = [leaf.grad for leaf in leaves]
    intermediates = [node for node in toposort(out) if not node.is_leaf]
    inner = [node.grad for node in intermediates]
    # How large the terms summed into each leaf are: the rounding of a sum is relative to them
    # (g + 1 - 1 loses a tiny g), not to the sum itself.
    scale = {id(leaf): abs(leaf.grad) for leaf in leaves}
    for node in toposort(out):
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            if parent.is_leaf:
                scale[id(parent)] += abs(node.grad * local)
    out.backward()
    # Same sums added twice: equal to 2*g up to the order of the additions.
    for leaf, g in zip(leaves, once, strict=True):
        assert leaf.grad == pytest.approx(2 * g, rel=1e-12, abs=1e-12 * scale[id(leaf)] + 1e-300)
    assert [node.grad for node in intermediates] == inner


@given(graphs())
def test_backward_equals_backward_step_in_toposort_order_bit_for_bit(
    graph: tuple[int, list[Step], list[float]],
) -> None:
    """backward visits nodes in toposort's order (the compiler's too), so each float sum is the same."""
    _, out = built_and_backpropagated(graph)
    by_backward = [node.grad for node in toposort(out)]
    for node in toposort(out):
        node.grad = 0.0
    out.grad = 1.0
    for node in toposort(out):
        node.backward_step()
    assert _bits(by_backward) == _bits([node.grad for node in toposort(out)])


def _bits(numbers: list[float]) -> list[str]:
    """Exact comparison that tells -0.0 from 0.0 and nan from nan."""
    return [float.hex(x) for x in numbers]
