"""backward's two passes on random graphs of chains and shared nodes: visit order, bits and counts.

These tests hold backward's walk (graph.backward_pass) to ``toposort``'s order, each operand's
gradient term by term, to ``reference_gradients`` bit for bit, and every ``_uses`` to 0 after
a pass, interrupted or not: what any faster walk must keep.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, toposort
from autograd_mini.graph import reference_gradients
from tests.helpers import bits_any_nan

# What a step does with its two picked nodes (a unary form ignores the second).
FORMS: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "tanh": lambda a, b: a.tanh(),
    "exp": lambda a, b: a.tanh().exp(),  # tanh first: exp of a grown chain would overflow
    "scale": lambda a, b: a * 0.75,  # a number as the second operand
    "rsub": lambda a, b: 1.5 - a,  # a number as the first operand
    "square": lambda a, b: a * a,  # one node as both operands
}


@st.composite
def chained_graphs(draw: st.DrawFn) -> tuple[list[Value], list[Value], Value]:
    """(leaves, every node, root): steps mostly extend the latest node (chains), else reuse an older one."""
    leaves = [Value(x) for x in draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 40))):
        back = st.one_of(st.just(0), st.integers(0, len(nodes) - 1))  # 0: the latest node
        a, b = nodes[-1 - draw(back)], nodes[-1 - draw(back)]
        nodes.append(FORMS[draw(st.sampled_from(sorted(FORMS)))](a, b))
    # the root: the latest node (earlier nodes may feed only nodes the root does not reach), or a sum
    tail = draw(st.integers(1, len(nodes)))
    root = nodes[-1] if tail == 1 else sum(nodes[-tail:], Value(0.0))
    return leaves, nodes, root


class _Logged(float):
    """A local derivative that notes (node, operand index) when backward multiplies by it."""

    log: list[tuple[Value, int]]
    key: tuple[Value, int]

    def __rmul__(self, other: object) -> float:
        self.log.append(self.key)
        return float(other) * float(self)  # type: ignore[arg-type]


class _Boom(float):
    """A local derivative that raises when backward multiplies by it (an interrupted pass)."""

    def __rmul__(self, other: object) -> float:
        raise KeyboardInterrupt


def _log_terms(nodes: list[Value]) -> list[tuple[Value, int]]:
    """Make every op node's local derivatives note when backward uses them; the shared log."""
    log: list[tuple[Value, int]] = []
    for node in nodes:
        for index, name in enumerate(("_da", "_db")):
            logged = _Logged(getattr(node, name))
            logged.log, logged.key = log, (node, index)
            setattr(node, name, logged)
    return log


def _grad_bits(root: Value) -> list[str]:
    return [bits_any_nan(node.grad) for node in toposort(root)]


@given(chained_graphs())
def test_backward_passes_each_term_in_toposort_order(graph: tuple[list[Value], list[Value], Value]) -> None:
    _, _, root = graph
    expected = [
        (node, index)
        for node in toposort(root)
        for index, operand in enumerate((node._a, node._b))
        if isinstance(operand, Value) and not node.is_leaf
    ]
    log = _log_terms(toposort(root))
    root.backward()
    assert log == expected


@given(chained_graphs(), st.sampled_from([1.0, -0.5, 3.0]))
def test_backward_gives_the_reference_gradients_bit_for_bit(
    graph: tuple[list[Value], list[Value], Value], seed: float
) -> None:
    _, nodes, root = graph
    reference = reference_gradients(root, seed)
    root.backward(seed)
    assert _grad_bits(root) == [bits_any_nan(reference[node]) for node in toposort(root)]
    assert all(node._uses == 0 for node in nodes)


@given(chained_graphs(), st.data())
def test_an_interrupted_backward_leaves_no_counts_and_the_next_one_is_exact(
    graph: tuple[list[Value], list[Value], Value], data: st.DataObject
) -> None:
    _, nodes, root = graph
    # every local derivative the pass multiplies by: an op node's, for each operand that is a Value
    terms = [
        (node, name)
        for node in toposort(root)
        for name, operand in (("_da", node._a), ("_db", node._b))
        if isinstance(operand, Value) and not node.is_leaf
    ]
    bad, name = data.draw(st.sampled_from(terms))
    kept = getattr(bad, name)
    setattr(bad, name, _Boom(kept))
    with pytest.raises(KeyboardInterrupt):
        root.backward()
    assert all(node._uses == 0 for node in nodes)
    setattr(bad, name, kept)
    for node in toposort(root):  # the interrupted pass added to some leaves' grads already
        node.grad = 0.0
    root.backward()
    reference = reference_gradients(root)
    assert _grad_bits(root) == [bits_any_nan(reference[node]) for node in toposort(root)]


def test_a_long_chain_with_a_shared_side_input_matches_the_reference() -> None:
    x, w = Value(0.3), Value(-0.7)
    side = (w * w).tanh()  # consumed by every link: released only after the whole chain
    h = x
    for _ in range(20_000):
        h = (h * 0.999 + side).tanh()
    reference = reference_gradients(h)
    h.backward()
    assert (bits_any_nan(x.grad), bits_any_nan(w.grad)) == (
        bits_any_nan(reference[x]),
        bits_any_nan(reference[w]),
    )
    assert side._uses == 0 and h._uses == 0
