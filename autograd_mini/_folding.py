"""Which ops ``draw_graph`` draws: one per op node, or one per neuron sum Σ wᵢxᵢ + b when folding.

A neuron's weighted sum is many small nodes (w0*x0, w1*x1, their sums, + b). Folding draws it
as one node whose inputs carry ∂sum/∂input, found by the chain rule through the hidden nodes.
A sum is folded only when nothing outside it reads its inner nodes, so no drawn edge is lost.
Parameters are recognised by their names (``layers.0.neurons.1.w.0``, ``...b``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .engine import Value
from .graph import GraphView

__all__ = ["Step", "port", "steps_to_draw"]

FOLDED_OP = "Σ wᵢxᵢ + b"

Operand = Value | float
_NO_ROLE = ("", "")


@dataclass
class Step:
    """One op as drawn: the value it makes, the op's text and its inputs with ∂value/∂input."""

    value: Value
    op: str
    inputs: list[tuple[Operand, float | None]] = field(default_factory=list)  # None: a number operand
    neuron: str = ""  # a folded neuron sum: the neuron's path
    inside: list[tuple[Value, float]] = field(default_factory=list)  # its parameters, drawn inside
    weight_of: dict[int, Value] = field(default_factory=dict)  # input position -> the weight it multiplies


def steps_to_draw(view: GraphView, fold: bool) -> tuple[dict[Value, Step], list[Value]]:
    """The ops to draw (neuron sums folded when ``fold``) and the values drawn, in forward order."""
    given = view.parameter_names if fold else {}
    roles = neuron_roles(given)
    regions = neuron_regions(view, roles) if given else {}
    hidden = {node for top, members in regions.items() for node in members if node is not top}
    steps: dict[Value, Step] = {}
    for node in view.order:
        if node.is_leaf or node in hidden:
            continue
        if node in regions:
            steps[node] = folded_step(node, regions[node], roles)
        else:
            steps[node] = _plain_step(node)
    _move_parameters_inside(steps, given)
    used = {p for step in steps.values() for p, _ in step.inputs if isinstance(p, Value)}
    drawn = [node for node in view.order if node in steps or node in used or not steps]
    return steps, drawn


def _plain_step(node: Value) -> Step:
    """An op as the engine recorded it: each operand with its stored local derivative."""
    locals_ = iter(node.local_grads)
    return Step(node, node.op, [(p, next(locals_) if isinstance(p, Value) else None) for p in node.operands])


def port(name: str) -> str:
    """A row's port id from its parameter's name: layers.0.neurons.2.w.1 -> layers_0_neurons_2_w_1."""
    return re.sub(r"\W", "_", name)


def neuron_roles(given: dict[Value, str]) -> dict[Value, tuple[str, str]]:
    """Each weight and bias -> (its neuron's path, "w" or "b"), from names like a.b.w.3 and a.b.b."""
    roles: dict[Value, tuple[str, str]] = {}
    for value, name in given.items():
        match = re.fullmatch(r"(?:(.+)\.)?(?:(w)\.\d+|(b))", name)
        if match:  # a bare Neuron's parameters (w.0, b) belong to the neuron "neuron"
            roles[value] = (match.group(1) or "neuron", match.group(2) or match.group(3))
    return roles


def neuron_regions(view: GraphView, roles: dict[Value, tuple[str, str]]) -> dict[Value, list[Value]]:
    """Top of each neuron sum Σ wᵢxᵢ + b -> its nodes (forward order); only sums safe to hide."""
    neuron_of = _sum_nodes(view.order, roles)
    position = {node: i for i, node in enumerate(view.order)}
    readers = view.consumers
    regions: dict[Value, list[Value]] = {}
    assigned: set[Value] = set()
    for node in reversed(view.order):  # tops first: the root side of each sum
        if node not in neuron_of or node in assigned:
            continue
        members = _connected(node, neuron_of, assigned)
        inside = set(members)
        if all(c in inside for m in members if m is not node for c in readers.get(m, [])):
            regions[node] = sorted(members, key=position.__getitem__)
    return regions


def _sum_nodes(order: list[Value], roles: dict[Value, tuple[str, str]]) -> dict[Value, str]:
    """Node -> neuron path, for the products w*x and for the sums of them and of the bias."""
    neuron_of: dict[Value, str] = {}
    for node in order:
        if node.is_leaf:
            continue
        parents = node.parents
        if node.op == "*":
            neurons = [roles[p][0] for p in parents if roles.get(p, _NO_ROLE)[1] == "w"]
            if neurons:
                neuron_of[node] = neurons[0]
        elif node.op == "+" and len(parents) == 2 == len(node.operands):
            paths = {neuron_of.get(p) or _bias_path(roles, p) for p in parents}
            if len(paths) == 1 and None not in paths and any(p in neuron_of for p in parents):
                neuron_of[node] = paths.pop()  # type: ignore[assignment]
    return neuron_of


def _bias_path(roles: dict[Value, tuple[str, str]], value: Value) -> str | None:
    """The neuron path when ``value`` is a neuron's bias, else None."""
    path, kind = roles.get(value, _NO_ROLE)
    return path if kind == "b" else None


def _connected(top: Value, neuron_of: dict[Value, str], assigned: set[Value]) -> list[Value]:
    """``top`` and the nodes of the same neuron sum it reaches through operands (marked assigned)."""
    members, stack = [top], [top]
    assigned.add(top)
    while stack:
        for p in stack.pop().parents:
            if neuron_of.get(p) == neuron_of[top] and p not in assigned:
                assigned.add(p)
                members.append(p)
                stack.append(p)
    return members


def folded_step(top: Value, members: list[Value], roles: dict[Value, tuple[str, str]]) -> Step:
    """One node for a neuron sum; ∂top/∂input by the chain rule through the hidden nodes."""
    inside = set(members)
    inputs: dict[Value, float] = {}  # ∂top/∂input, by first appearance: w0, x0, b, w1, x1, ...
    constants: list[tuple[float, Value | None]] = []
    partner: dict[Value, Value] = {}  # an input x -> the weight w of its product w*x
    for member in members:
        weights = [p for p in member.parents if member.op == "*" and roles.get(p, _NO_ROLE)[1] == "w"]
        weight = weights[0] if weights else None
        for operand in member.operands:
            if not isinstance(operand, Value):
                constants.append((operand, weight))
            elif operand not in inside:
                inputs.setdefault(operand, 0.0)
                if weight is not None and operand is not weight:
                    partner.setdefault(operand, weight)
    _add_chain_rule(top, members, inside, inputs)
    drawn: list[tuple[Operand, float | None]] = list(inputs.items())
    drawn += [(c, None) for c, _ in constants]
    weight_of = {i: partner[p] for i, (p, _) in enumerate(drawn) if isinstance(p, Value) and p in partner}
    weight_of |= {len(inputs) + i: w for i, (_, w) in enumerate(constants) if w is not None}
    neuron = next(roles[m][0] for m in inputs if m in roles)
    return Step(top, FOLDED_OP, drawn, neuron, weight_of=weight_of)


def _add_chain_rule(top: Value, members: list[Value], inside: set[Value], inputs: dict[Value, float]) -> None:
    """inputs[x] += ∂top/∂x for each input x of the sum: adjoints from top down through ``members``."""
    adjoint = {top: 1.0}
    for member in reversed(members):  # members are in forward order: each after its operands
        upstream = adjoint.get(member, 0.0)
        for parent, local in zip(member.parents, member.local_grads, strict=True):
            if parent in inside:
                adjoint[parent] = adjoint.get(parent, 0.0) + upstream * local
            else:
                inputs[parent] += upstream * local


def _move_parameters_inside(steps: dict[Value, Step], given: dict[Value, str]) -> None:
    """A parameter read by one folded neuron only is drawn inside it: one node per neuron."""
    readers: dict[Value, int] = {}
    for step in steps.values():
        for p, _ in step.inputs:
            if isinstance(p, Value):
                readers[p] = readers.get(p, 0) + 1
    for step in steps.values():
        if not step.neuron:
            continue
        keep: list[tuple[Operand, float | None]] = []
        weight_of: dict[int, Value] = {}
        for position, (p, local) in enumerate(step.inputs):
            if isinstance(p, Value) and p in given and readers[p] == 1 and local is not None:
                step.inside.append((p, local))
                continue
            if position in step.weight_of:
                weight_of[len(keep)] = step.weight_of[position]
            keep.append((p, local))
        step.inputs, step.weight_of = keep, weight_of
        step.inside.sort(key=lambda row: _row_order(given[row[0]]))


def _row_order(name: str) -> tuple[bool, int, str]:
    """A neuron's rows as the math reads them: w.0, w.1, ..., w.10, then b."""
    last = name.rsplit(".", 1)[-1]
    return (last == "b", int(last) if last.isdigit() else 0, name)
