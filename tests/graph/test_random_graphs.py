"""Random expression graphs, with shared sub-expressions and fan-out, checked by gradcheck."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, gradcheck, toposort
from autograd_mini.graph import operands_first
from tests.helpers import bits_any_nan
from tests.strategies import Graph, graphs


def built_and_backpropagated(graph: Graph) -> tuple[list[Value], Value]:
    """The graph on fresh leaves, after one backward()."""
    leaves = [Value(x) for x in graph.inputs]
    out = graph.build(*leaves)
    out.backward()
    return leaves, out


@given(graphs())
def test_random_graphs_match_central_differences(graph: Graph) -> None:
    gradcheck(graph.build, graph.inputs, atol=1e-5, rtol=1e-4)


@given(graphs())
def test_backward_twice_on_random_graphs_doubles_leaf_grads_only(
    graph: Graph,
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
    graph: Graph,
) -> None:
    """backward visits nodes in toposort's order (the compiler's too), so each float sum is the same."""
    _, out = built_and_backpropagated(graph)
    by_backward = [node.grad for node in toposort(out)]
    for node in toposort(out):
        node.grad = 0.0
    out.grad = 1.0
    for node in toposort(out):
        node.backward_step()
    # bits_any_nan: exact, and it tells -0.0 from 0.0
    assert list(map(bits_any_nan, by_backward)) == [bits_any_nan(node.grad) for node in toposort(out)]


def _operands_first_by_stack(starts: list[Value]) -> list[Value]:
    """operands_first's rule written with nothing but the stack: each node after its operands, a before b."""
    placed: set[Value] = set()
    order: list[Value] = []
    for start in starts:
        stack = [(start, False)]
        while stack:
            node, done = stack.pop()
            if node in placed:
                continue
            if done:
                placed.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in (node._b, node._a) if isinstance(p, Value) and p not in placed)
    return order


@given(graphs(), st.randoms(use_true_random=False))
def test_operands_first_places_nodes_as_the_plain_stack_walk_does(graph: Graph, rng: random.Random) -> None:
    leaves = [Value(x) for x in graph.inputs]
    nodes = graph.nodes(leaves)
    for starts in (nodes, rng.sample(nodes, len(nodes)), rng.sample(nodes, len(nodes) // 2)):
        assert operands_first(starts) == _operands_first_by_stack(starts)
