"""The planning passes compute what their definitions say, on random graphs.

The passes are written for speed (walks without tuples, tables filled from the few nodes that
differ); these tests state each result plainly and compare: the counts and the release order
against a plain Kahn's walk, ``first_reached`` against reachability, and the plan's tables
against "reaches an input" and "reaches a target".
"""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd_mini import Value
from autograd_mini.compiler import _plan
from autograd_mini.graph import consumer_counts, first_reached, release_order
from tests.strategies import EVERY_OP, Graph, graphs

numbers = st.floats(-3.0, 3.0)
random_graphs = graphs(EVERY_OP, max_inputs=4, max_steps=14, numbers=numbers, frozen=True)


def reached(roots: list[Value]) -> list[Value]:
    """Every node the roots reach, each once (a plain stack walk)."""
    seen: dict[Value, None] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen[node] = None
            stack.extend(p for p in (node._a, node._b) if type(p) is Value)
    return list(seen)


def plain_release_order(roots: list[Value]) -> list[Value]:
    """Kahn's order as first written: counts from a Counter of edges, operands in a tuple."""
    nodes = reached(roots)
    counts = Counter(p for node in nodes for p in (node._a, node._b) if type(p) is Value)
    ready = [root for root in dict.fromkeys(roots) if counts[root] == 0]
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in (node._a, node._b):
            if type(parent) is Value:
                counts[parent] -= 1
                if counts[parent] == 0:
                    ready.append(parent)
    return order


def reaches(node: Value, targets: set[Value]) -> bool:
    """Whether ``node`` is one of ``targets`` or is computed from one."""
    return any(n in targets for n in reached([node]))


def built(graph: Graph) -> tuple[list[Value], list[Value]]:
    """(the leaves, the leaves and the graph's nodes); a graph whose op fails is not drawn."""
    leaves = [Value(x) for x in graph.inputs]
    try:
        return leaves, graph.nodes(leaves)
    except (ArithmeticError, ValueError):
        reject()


@settings(max_examples=200)
@given(random_graphs, st.randoms(use_true_random=False))
def test_counts_and_release_order_are_kahns(graph: Graph, rng: random.Random) -> None:
    _, nodes = built(graph)
    roots = rng.choices(nodes, k=rng.randint(1, 3))  # repeats too
    counts = consumer_counts(roots)
    nodes = reached(roots)
    edges = Counter(p for node in nodes for p in (node._a, node._b) if type(p) is Value)
    assert counts == {node: edges[node] for node in nodes}
    assert release_order(roots, counts) == plain_release_order(roots)
    assert set(counts.values()) <= {0}, "release_order uses the counts up"


@settings(max_examples=200)
@given(random_graphs, st.randoms(use_true_random=False))
def test_first_reached_finds_a_target_exactly_when_one_is_reached(graph: Graph, rng: random.Random) -> None:
    _, nodes = built(graph)
    targets = set(rng.sample(nodes, rng.randint(0, len(nodes))))
    seen: set[Value] = set()
    for start in rng.sample(nodes, len(nodes)):  # a shared ``seen``, as the compiler's callers use it
        fresh = first_reached(start, targets, set())
        below = [n for n in reached([start]) if n is not start]
        if fresh is None:
            assert not any(n in targets for n in below)
        else:
            assert fresh in targets and fresh in below
        shared = first_reached(start, targets, seen)
        assert shared is None or (shared in targets and shared in below)


@settings(max_examples=200)
@given(random_graphs, st.randoms(use_true_random=False))
def test_plan_tables_say_what_varies_and_what_needs_a_gradient(graph: Graph, rng: random.Random) -> None:
    leaves, nodes = built(graph)
    root = nodes[-1]
    for node in rng.sample(nodes, rng.randint(1, len(nodes))):  # reaching the leaves, or not all of them
        root = root + node
    inputs = [leaf for leaf in leaves if rng.random() < 0.7]
    if not any(reaches(root, {leaf}) for leaf in inputs):
        reject()  # trace refuses a result of no input
    targets = [leaf for leaf in inputs if rng.random() < 0.7]
    plan = _plan(root, inputs, targets, [], {})
    assert plan.order == plain_release_order([root])[::-1]
    assert plan.index == {node: i for i, node in enumerate(plan.order)}
    assert len(plan.kinds) == len(plan.order)
    input_set, target_set = set(inputs), set(targets)
    for node, kind in zip(plan.order, plan.kinds, strict=True):
        assert (kind is None) == (node._op_def is None)
        assert (node in plan.variable) == reaches(node, input_set), node
        assert (node in plan.needs_grad) == reaches(node, target_set), node
    assert plan.variable <= set(plan.order) and plan.needs_grad <= set(plan.order)
    assert plan.root_needs_grad == (root in plan.needs_grad)
