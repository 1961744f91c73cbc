"""The graph walks: every order the library computes over a graph of Values, in one place.

A graph is what a root reaches through its operands. Its walks are Kahn's algorithm, as
HIPS autograd's iterative sort: count the edges into each node, then release a node once
every node that consumes it has been released. Released root first, that is ``toposort``:
the order in which ``backward`` passes dL/dz · ∂z/∂x on to each operand. Reversed, it is
the forward order (inputs first). Nothing here recurses, so graphs of any depth work.

``view`` computes what the drawings, the explorer and the command line read about one graph
(its order, names and reference gradients) once, and hands it to all of them.

This module sits below the engine: it reads the nodes' fields (``_a``, ``_b``, ``_da``,
``_db``, ``_grad``, ``_uses``, see ``engine.Value``) and tells a node from a number operand
by the root's own class, so it imports no Value at run time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ._nodes import is_node, node_class
from ._numbers import as_float
from .naming import assign_names, parameter_names

if TYPE_CHECKING:
    from .engine import Value

__all__ = [
    "GraphView",
    "chain_term",
    "consumer_counts",
    "consumers",
    "first_reached",
    "forward_order",
    "gradient_map",
    "node_names",
    "operands_first",
    "reference_gradients",
    "release_order",
    "toposort",
    "view",
]

Grad = Union["Value", float]


def _node_type(root: object) -> type[Value]:
    """The class of the graph's nodes, after checking that ``root`` is one (a Value)."""
    if not is_node(root):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    return node_class()


def consumer_counts(roots: Iterable[Value]) -> dict[Value, int]:
    """For every node the roots reach, how many operand edges lead into it from reached nodes."""
    counts: dict[Value, int] = {}
    stack: list[Value] = []
    for root in roots:
        if root not in counts:
            counts[root] = 0
            stack.append(root)
    if not stack:
        return counts
    node_type = type(stack[0])
    seen = counts.get
    # `while True`, operands written out: see _count_uses (trace counts each graph once, so its
    # walk must be specialized from the first call; a loop over (a, b) builds a tuple per node)
    while True:
        if not stack:
            return counts
        node = stack.pop()
        a = node._a
        if a.__class__ is node_type:
            count = seen(a)
            if count is None:
                counts[a] = 1
                stack.append(a)
            else:
                counts[a] = count + 1
        b = node._b
        if b.__class__ is node_type:
            count = seen(b)
            if count is None:
                counts[b] = 1
                stack.append(b)
            else:
                counts[b] = count + 1


def release_order(roots: Iterable[Value], counts: dict[Value, int]) -> list[Value]:
    """Kahn's order from ``consumer_counts`` (which it uses up): each node before its operands."""
    ready = [root for root in dict.fromkeys(roots) if counts[root] == 0]
    order: list[Value] = []
    if not ready:
        return order
    node_type = type(ready[0])
    while True:  # as consumer_counts' walk
        if not ready:
            return order
        node = ready.pop()
        order.append(node)
        a = node._a
        if a.__class__ is node_type:
            left = counts[a] - 1
            counts[a] = left
            if left == 0:
                ready.append(a)
        b = node._b
        if b.__class__ is node_type:
            left = counts[b] - 1
            counts[b] = left
            if left == 0:
                ready.append(b)


def toposort(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed before all of its operands (root first).

    This is the order ``backward`` visits nodes in.
    """
    _node_type(root)
    return release_order((root,), consumer_counts((root,)))


def forward_order(root: Value) -> list[Value]:
    """Every value ``root`` depends on, inputs first and ``root`` last (reverse of ``toposort``)."""
    return toposort(root)[::-1]


def operands_first(starts: Iterable[Value]) -> list[Value]:
    """Every node the starts reach, each after its operands (the first operand's before the second's).

    The starts are taken in turn, so what an earlier start reaches comes first: the order in
    which Python evaluates nested calls ``f(a, b)``. Each node once.
    """
    placed: set[Value] = set()
    order: list[Value] = []
    for start in starts:
        if start in placed:
            continue
        a, b = start._a, start._b
        if (a.__class__ is not start.__class__ or a in placed) and (
            b.__class__ is not start.__class__ or b in placed
        ):  # its operands are placed already (the usual case when starts come in creation order)
            placed.add(start)
            order.append(start)
            continue
        stack = [start]
        node_type = start.__class__
        # The node on top waits for its first operand, then its second, then is placed: nodes on
        # the stack, not (node, operands done) tuples, and `while True` (see _count_uses).
        while True:
            node = stack[-1]
            a = node._a
            if a.__class__ is node_type and a not in placed:
                stack.append(a)
                continue
            b = node._b
            if b.__class__ is node_type and b not in placed:
                stack.append(b)
                continue
            stack.pop()
            placed.add(node)
            order.append(node)
            if not stack:
                break
    return order


def first_reached(start: Value, targets: Container[Value], seen: set[Value]) -> Value | None:
    """A node of ``targets`` that ``start`` is computed from (start itself excluded), else None.

    Each node once: nodes in ``seen`` were searched before and reach none of ``targets``; the
    search adds the nodes it passes, so searches from several starts share the work.
    """
    if start in seen:
        return None
    seen.add(start)
    stack = [start]
    node_type = start.__class__
    while True:  # as consumer_counts' walk
        if not stack:
            return None
        node = stack.pop()
        a = node._a
        if a.__class__ is node_type and a not in seen:
            if a in targets:
                return a
            seen.add(a)
            stack.append(a)
        b = node._b
        if b.__class__ is node_type and b not in seen:
            if b in targets:
                return b
            seen.add(b)
            stack.append(b)


def consumers(order: Sequence[Value]) -> dict[Value, list[Value]]:
    """For each node of ``order``, the nodes of ``order`` that use it as an operand (with repeats)."""
    used_by: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            used_by.setdefault(parent, []).append(node)
    return used_by


def gradient_map(
    seeds: Sequence[tuple[Value, Any]],
    term: Callable[[Any, Value, int], Any],
    zero: float | None = None,
) -> dict[Value, Any]:
    """d(sum of seed * root)/dnode for every node the roots reach: the chain rule as a pure walk.

    ``term(g, node, i)`` is dL/dnode · ∂node/∂operand_i for the operand i of ``node``; the terms
    reaching a node are added in ``backward``'s order. With ``zero`` the sum starts from it (as
    ``backward`` starts from 0.0), the seeds' sums too, else from the first term. No node is changed.
    """
    counts = consumer_counts(root for root, _ in seeds)
    grads: dict[Value, Any] = {}
    for root, seed in seeds:
        if root in grads:
            grads[root] = grads[root] + seed
        else:
            grads[root] = seed if zero is None else zero + seed
    ready = [root for root in dict.fromkeys(root for root, _ in seeds) if counts[root] == 0]
    node_type = type(ready[0]) if ready else None
    while ready:
        node = ready.pop()
        g = grads[node]
        for index, parent in enumerate((node._a, node._b)):
            if parent.__class__ is not node_type:
                continue
            contribution = term(g, node, index)
            if parent in grads:
                grads[parent] = grads[parent] + contribution
            else:
                grads[parent] = contribution if zero is None else zero + contribution
            left = counts[parent] - 1
            counts[parent] = left
            if left == 0:
                ready.append(parent)
    return grads


def chain_term(g: float, node: Value, index: int) -> float:
    """dL/dnode · ∂node/∂operand_index with the local derivative stored in the forward pass."""
    return g * (node._db if index else node._da)


def reference_gradients(root: Value, seed: float = 1.0) -> dict[Value, float]:
    """What ``root.backward(seed)`` from zero gradients gives every node, bit for bit; no .grad changes."""
    _node_type(root)
    seed = as_float(seed, "reference_gradients: seed")
    return gradient_map([(root, seed)], chain_term, zero=0.0)


def backward_pass(root: Value, seed: float) -> None:
    """``backward``'s walk: each node's grad += dL/dz · ∂z/∂node, from every node that consumes it.

    The engine's: call ``Value.backward``, which checks the seed and holds the backward lock.

    Op nodes are visited in ``toposort``'s order (leaves have nothing to pass on). The counts
    live in the nodes' ``_uses`` slot rather than in a dictionary, which makes the walk about
    twice as fast; they are all 0 again when it ends, even when it is interrupted.
    """
    try:
        _count_uses(root)  # only this pass counts: intermediate grads start again at 0
        # every sum starts at +0.0, the root's too: a zero gradient is +0.0, never -0.0
        root._grad = 0.0 + seed if root._op_def is not None else root._grad + seed
        node_type = root.__class__
        ready = [root]
        while True:  # a node is ready once every node that consumes it has passed its gradient on
            if not ready:  # not `while ready`: see _count_uses
                break
            node = ready.pop()
            g = node._grad
            a = node._a
            if a.__class__ is node_type:
                a._grad += g * node._da  # dL/da += dL/dz * dz/da
                uses = a._uses  # 0 for a leaf: it has nothing to pass on
                if uses == 1:
                    a._uses = 0
                    ready.append(a)
                elif uses:
                    a._uses = uses - 1
            b = node._b
            if b.__class__ is node_type:
                b._grad += g * node._db  # dL/db += dL/dz * dz/db
                uses = b._uses
                if uses == 1:
                    b._uses = 0
                    ready.append(b)
                elif uses:
                    b._uses = uses - 1
    except BaseException:  # interrupted (KeyboardInterrupt): leave no count for the next pass
        _reset_uses(root)
        raise


def _count_uses(root: Value) -> None:
    """Set ``_uses`` of every op node below root to its number of consumers; zero their grads.

    Every ``_uses`` is 0 before, so a node seen for the first time is one whose count was 0.
    Leaves are not counted: nothing waits for them, so their ``_uses`` stays 0 (and the walk
    never puts them on its stack, which leaves the order of the op nodes as it was).
    """
    node_type = root.__class__
    stack = [root]
    # `while True`, not `while stack`: CPython 3.11 specializes a function's bytecode after 8
    # calls or 8 unconditional jumps back, and `while stack` jumps back conditionally, so the
    # first 7 backward passes of a process ran unspecialized (2.5-3x slower).
    while True:  # a and b written out: a loop over (a, b) builds a tuple per node (about 20% slower)
        if not stack:
            return
        node = stack.pop()
        a = node._a
        if a.__class__ is node_type and a._op_def is not None:
            uses = a._uses
            a._uses = uses + 1
            if uses == 0:
                a._grad = 0.0
                stack.append(a)
        b = node._b
        if b.__class__ is node_type and b._op_def is not None:
            uses = b._uses
            b._uses = uses + 1
            if uses == 0:
                b._grad = 0.0
                stack.append(b)


def _reset_uses(root: Value) -> None:
    """Set ``_uses`` back to 0 on every node below root (after an interrupted walk)."""
    for node in consumer_counts((root,)):
        node._uses = 0


def node_names(root: Value, parameters: object = None) -> dict[Value, str]:
    """A unique simple name for every value ``root`` depends on (see ``naming``).

    ``parameters`` may be a Module, a mapping of names to Values, or None.
    """
    return view(root, parameters).names


@dataclass(frozen=True)
class GraphView:
    """One graph as its readers see it, computed once: order, names, consumers and gradients."""

    root: Value
    order: list[Value]  # forward order: inputs first, root last
    names: dict[Value, str]
    parameter_names: dict[Value, str]  # the given parameter names (a Module's or a mapping's)
    seed: float  # dL/droot for ``gradients``

    @property
    def backward_order(self) -> list[Value]:
        """The order ``backward`` visits nodes in: root first (``toposort``)."""
        return self.order[::-1]

    @functools.cached_property
    def consumers(self) -> dict[Value, list[Value]]:
        """For each node, the nodes that use it as an operand."""
        return consumers(self.order)

    @functools.cached_property
    def gradients(self) -> dict[Value, float]:
        """What ``root.backward(seed)`` from zero gradients gives every node; no .grad is read or written."""
        return reference_gradients(self.root, self.seed)


def view(root: Value, parameters: object = None, seed: float = 1.0) -> GraphView:
    """The graph behind ``root`` as drawings, the explorer and the CLI read it (see GraphView)."""
    node_type = _node_type(root)
    seed = as_float(seed, "view: seed")
    order = forward_order(root)
    given = parameter_names(parameters, node_type)
    return GraphView(root, order, assign_names(order, given), given, seed)
