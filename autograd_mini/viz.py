"""Drawings with Graphviz: the computation graph (the x,y -> z diagram) and the network.

``draw_graph`` draws both halves of the x,y -> z diagram. Forward: each value is a box
(its name, its data), each op a small circle, and each edge from an operand into an op
carries the local derivative stored on the result (∂t2/∂x = -4). Backward: the same edge
gets a parallel orange line and the chain-rule step with its numbers,
dL/dt2 · ∂t2/∂x = 2 · (-4) = -8, and each box shows its gradient dL/dx (as the sum of the
incoming products when the value feeds several ops). Names come from
``naming.node_names``. The ``graphviz`` package is imported lazily, on first drawing.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._drawing import (
    BACKWARD,
    BORDER,
    FONT,
    FORWARD,
    MUTED,
    OP_FILL,
    ROLES,
    GraphvizNotFoundError,
    check_digits,
    factor,
    format_number,
    graphviz_module,
    html_label,
    legend_label,
    new_digraph,
    plain,
    text,
)
from ._files import replace_file
from .engine import Value
from .graph import forward_order, node_names
from .naming import parameter_names
from .network_drawing import draw_network
from .nn import Module

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "SHOW_MODES",
    "GraphvizNotFoundError",
    "draw_graph",
    "draw_network",
    "format_number",
    "node_names",
    "render",
]

RENDER_FORMATS = ("svg", "png", "pdf")
SOURCE_SUFFIXES = (".dot", ".gv")
SHOW_MODES = ("forward", "backward", "both")
MAX_DPI = 1200
MAX_PNG_SIDE = 16_384  # pixels; cairo clips PNGs past 32,767
MAX_PNG_PIXELS = 50_000_000  # about 200 MB of pixels while drawing
_DEFAULT_DPI = 96  # Graphviz's own default for bitmaps
_PAD = 0.12  # inches: dot's margin around the layout (4 pt a side), which its plain output leaves out

# Graphviz settings measured by benchmarks/render_times.py. Edge text as a `label` becomes a
# node in dot's ranking: the best placement, but x*x*...*x with 100 factors takes minutes.
# Beyond _LABELLED_EDGES edges the text is an `xlabel`, placed after the layout (about a
# second for 100 factors); capped crossing minimisation (mclimit, nslimit) bounds the rest.
_GRAPH_ATTRS = {"fontname": FONT, "nodesep": "0.3", "ranksep": "0.5", "mclimit": "0.5", "nslimit": "2"}
_LABELLED_EDGES = 60
# dot lays out an edge spanning k ranks with k - 1 hidden nodes, and its x-coordinate pass
# (network simplex) costs seconds per iteration once they number tens of thousands (x*x*...*x
# with 200 factors: 80,000 of them, 20 s). Past _BIG_LAYOUT such nodes it runs no iteration
# (nslimit near 0) and edges are straight lines (curved routing around the unrefined
# positions took longer still): a random 400-value graph renders in 1 s instead of 3 s.
_BIG_LAYOUT = 5_000
_SUM_TERMS_SHOWN = 4  # beyond this many incoming products, a gradient's sum is summarised


@dataclass
class _Step:
    """One op as drawn: the value it makes, the op's text and its inputs with ∂value/∂input."""

    value: Value
    op: str
    inputs: list[tuple[Value | float, float | None]] = field(default_factory=list)
    neuron: str = ""  # a folded neuron sum: the neuron's path
    inside: list[tuple[Value, float]] = field(default_factory=list)  # its parameters, drawn inside
    weight_of: dict[int, Value] = field(default_factory=dict)  # input position -> the weight it multiplies


def draw_graph(
    root: Value,
    *,
    show: str = "both",
    rankdir: str = "LR",
    digits: int = 4,
    max_nodes: int | None = 400,
    parameters: Any = None,
    cluster: Callable[[Value], str | None] | None = None,
    fold: bool = False,
    share_constants: bool = False,
    legend: bool = False,
    loss_name: str | None = None,
) -> graphviz.Digraph:
    """The computation graph behind ``root``: values, ops, local derivatives and the chain rule.

    - ``show``: "forward" (values and local derivatives ∂t/∂x), "backward" (gradients and the
      chain-rule product dL/dt · ∂t/∂x on each edge) or "both" (the default).
    - ``parameters``: a Module (or name -> Value mapping): parameters are named, drawn green and
      boxed by layer; a plain collection of Values only marks them as parameters.
    - ``fold``: draw each neuron's weighted sum Σ wᵢxᵢ + b as one node (needs a Module as
      ``parameters``); ``share_constants``: one node per distinct number operand.
    - ``cluster``: a function giving each value a group name (or None); groups are boxed.
    - ``loss_name``: the L of dL/dx; default: the root's name when its grad is 1 (the root is
      the loss), else "L" (a loss beyond the root sent it the seed dL/droot = root.grad).
    - ``max_nodes``: refuse graphs with more drawn values than this (None: no limit).
    Before any ``backward()`` (every gradient in the graph is 0) only the forward half is drawn,
    with a note "no backward() yet", whatever ``show`` asks: there is no seed to show.
    Node ids follow the forward order, so the same graph always gives the same DOT source.
    """
    _check_arguments(root, show, rankdir, digits, max_nodes, loss_name)
    names = node_names(root, parameters)
    given = parameter_names(parameters, Value)
    if fold and not given:
        raise ValueError("draw_graph: fold=True needs parameters=a Module (or a name -> Value mapping)")
    order = forward_order(root)
    steps, drawn = _steps(order, given if fold else {})
    if max_nodes is not None and len(drawn) > max_nodes:
        raise ValueError(_too_many(len(drawn), max_nodes, fold, parameters))
    no_backward = show != "forward" and all(node.grad == 0.0 for node in order)
    if no_backward:
        show = "forward"  # nothing has flowed back: a drawn seed of 0 would be invented
    drawing = _Drawing(root, names, loss_name or _loss_name(root, names), digits, show, share_constants)
    graph = new_digraph(
        name="computation_graph",
        graph_attr=_graph_attributes(rankdir, steps, drawn, drawing),
        node_attr={"fontname": FONT, "fontsize": "12"},
        edge_attr={"fontname": FONT, "fontsize": "11", "color": FORWARD, "arrowsize": "0.7"},
    )
    drawing.side = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}[rankdir]
    if cluster is None and given:
        cluster = _layer_of(given)
    roles = drawing.values(graph, drawn, steps, _parameter_set(parameters), cluster)
    for step in steps.values():
        drawing.step(graph, step)
    if show != "forward":
        drawing.seed(graph)
    if no_backward:
        drawing.no_backward_note(graph)
    if legend:
        drawing.legend(graph, roles)
    return graph


def _too_many(count: int, max_nodes: int, fold: bool, parameters: Any) -> str:
    """The max_nodes refusal, suggesting folding only where it can apply (a Module, not folded yet)."""
    ways = ["max_nodes=None to draw it anyway", "a smaller expression", "draw_network"]
    if isinstance(parameters, Module) and not fold:
        ways.insert(0, "fold=True to fold each neuron's weighted sum into one node")
    return (
        f"draw_graph: the graph has {count} values, more than max_nodes={max_nodes}. "
        f"Try {', '.join(ways[:-1])} or {ways[-1]}."
    )


def _check_arguments(
    root: object, show: object, rankdir: object, digits: object, max_nodes: object, loss_name: object
) -> None:
    """Every argument checked before anything is drawn; the error names the argument."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}")
    if show not in SHOW_MODES:
        raise ValueError(f"draw_graph: show must be one of {', '.join(SHOW_MODES)}, got {show!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    check_digits(digits)
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"draw_graph: max_nodes must be an int or None, got {type(max_nodes).__name__}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be None or a positive int, got {max_nodes}")
    if loss_name is not None and not isinstance(loss_name, str):
        raise TypeError(f"draw_graph: loss_name must be a str or None, got {type(loss_name).__name__}")


def _graph_attributes(
    rankdir: str, steps: dict[Value, _Step], drawn: list[Value], drawing: _Drawing
) -> dict[str, str]:
    """Layout settings, and the drawing's edge-text kind, by the graph's size (see the constants)."""
    edges = sum(isinstance(p, Value) for step in steps.values() for p, _ in step.inputs)
    drawing.edge_text = "label" if edges <= _LABELLED_EDGES else "xlabel"
    attributes = {"rankdir": rankdir, **_GRAPH_ATTRS}
    if drawing.edge_text == "xlabel":
        attributes["forcelabels"] = "false"  # no edge text over other text; every edge has a tooltip
    if _layout_size(steps, drawn) > _BIG_LAYOUT:
        attributes.update(nslimit="0.00001", splines="line")
    return attributes


def _layout_size(steps: dict[Value, _Step], drawn: list[Value]) -> int:
    """Nodes dot will lay out, hidden ones on long edges included (ranks by longest path)."""
    rank = dict.fromkeys(drawn, 0)
    hidden = 0
    for node in drawn:
        step = steps.get(node)
        if step is None:
            continue
        sources = [rank[p] for p, _ in step.inputs if isinstance(p, Value)]
        op_rank = max(sources, default=0) + 1
        hidden += sum(op_rank - r - 1 for r in sources)
        rank[node] = op_rank + 1
    return 2 * len(drawn) + hidden


def _parameter_set(parameters: Any) -> set[Value]:
    if parameters is None:
        return set()
    if hasattr(parameters, "parameters") and callable(parameters.parameters):
        return set(parameters.parameters())
    named = parameter_names(parameters, Value)
    return set(named) if named else set(parameters)


def _loss_name(root: Value, names: dict[Value, str]) -> str:
    if root.grad == 1.0:
        return names[root]
    taken = set(names.values())
    return next(name for name in ("L", "Loss", "L0", "L_") if name not in taken)


def _steps(order: list[Value], given: dict[Value, str]) -> tuple[dict[Value, _Step], list[Value]]:
    """The ops to draw (neuron sums folded when ``given`` names parameters) and the values drawn."""
    regions = _neuron_regions(order, given) if given else {}
    hidden = {node for top, members in regions.items() for node in members if node is not top}
    steps: dict[Value, _Step] = {}
    for node in order:
        if node.is_leaf or node in hidden:
            continue
        if node in regions:
            steps[node] = _folded_step(node, regions[node], _neuron_of(given))
        else:
            locals_ = iter(node.local_grads)
            inputs = [(p, next(locals_) if isinstance(p, Value) else None) for p in node.operands]
            steps[node] = _Step(node, node.op, inputs)
    _move_parameters_inside(steps, given)
    used = {p for step in steps.values() for p, _ in step.inputs if isinstance(p, Value)}
    drawn = [node for node in order if node in steps or node in used or not steps]
    return steps, drawn


def _move_parameters_inside(steps: dict[Value, _Step], given: dict[Value, str]) -> None:
    """A parameter read by one folded neuron only is drawn inside it: one node per neuron."""
    readers: dict[Value, int] = {}
    for step in steps.values():
        for p, _ in step.inputs:
            if isinstance(p, Value):
                readers[p] = readers.get(p, 0) + 1
    for step in steps.values():
        if not step.neuron:
            continue
        keep: list[tuple[Value | float, float | None]] = []
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


def _neuron_of(given: dict[Value, str]) -> dict[Value, tuple[str, str]]:
    """Each weight and bias -> (its neuron's path, "w" or "b"), from names like a.b.w.3 and a.b.b."""
    roles: dict[Value, tuple[str, str]] = {}
    for value, name in given.items():
        match = re.fullmatch(r"(?:(.+)\.)?(?:(w)\.\d+|(b))", name)
        if match:  # a bare Neuron's parameters (w.0, b) belong to the neuron "neuron"
            roles[value] = (match.group(1) or "neuron", match.group(2) or match.group(3))
    return roles


def _bias_of(owner: dict[Value, tuple[str, str]], value: Value) -> str | None:
    """The neuron path when ``value`` is a neuron's bias, else None."""
    path, kind = owner.get(value, ("", ""))
    return path if kind == "b" else None


def _neuron_regions(order: list[Value], given: dict[Value, str]) -> dict[Value, list[Value]]:
    """Top of each neuron sum Σ wᵢxᵢ + b -> its nodes (forward order); only sums safe to hide."""
    owner = _neuron_of(given)
    key: dict[Value, str] = {}  # node -> neuron path, for the products w*x and the sums of them
    for node in order:
        if node.is_leaf:
            continue
        parents = node.parents
        if node.op == "*":
            neurons = [owner[p][0] for p in parents if owner.get(p, ("", ""))[1] == "w"]
            if neurons:
                key[node] = neurons[0]
        elif node.op == "+" and len(parents) == 2 == len(node.operands):
            keys = {
                key.get(p) or (owner[p][0] if owner.get(p, ("", ""))[1] == "b" else None) for p in parents
            }
            if len(keys) == 1 and None not in keys and any(p in key for p in parents):
                key[node] = keys.pop()  # type: ignore[assignment]
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for p in node.parents:
            consumers.setdefault(p, []).append(node)
    regions: dict[Value, list[Value]] = {}
    assigned: set[Value] = set()
    for node in reversed(order):  # tops first: the root side of each sum
        if node not in key or node in assigned:
            continue
        members, stack = [node], [node]
        assigned.add(node)
        while stack:
            for p in stack.pop().parents:
                if key.get(p) == key[node] and p not in assigned:
                    assigned.add(p)
                    members.append(p)
                    stack.append(p)
        inside = set(members)
        if all(c in inside for m in members if m is not node for c in consumers.get(m, [])):
            position = {n: i for i, n in enumerate(order)}
            regions[node] = sorted(members, key=position.__getitem__)
    return regions


def _folded_step(top: Value, members: list[Value], owner: dict[Value, tuple[str, str]]) -> _Step:
    """One node for a neuron sum; ∂top/∂input by the chain rule through the hidden nodes."""
    inside = set(members)
    inputs: dict[Value, float] = {}  # ∂top/∂input, by first appearance: w0, x0, b, w1, x1, ...
    constants: list[tuple[float, Value | None]] = []
    partner: dict[Value, Value] = {}  # an input x -> the weight w of its product w*x
    for member in members:
        weights = [p for p in member.parents if member.op == "*" and owner.get(p, ("", ""))[1] == "w"]
        weight = weights[0] if weights else None
        for operand in member.operands:
            if isinstance(operand, Value):
                if operand not in inside:
                    inputs.setdefault(operand, 0.0)
                    if weight is not None and operand is not weight:
                        partner.setdefault(operand, weight)
            else:
                constants.append((operand, weight))
    adjoint = {top: 1.0}
    for member in reversed(members):
        upstream = adjoint.get(member, 0.0)
        for parent, local in zip(member.parents, member.local_grads, strict=True):
            if parent in inside:
                adjoint[parent] = adjoint.get(parent, 0.0) + upstream * local
            else:
                inputs[parent] += upstream * local
    drawn: list[tuple[Value | float, float | None]] = list(inputs.items())
    drawn += [(c, None) for c, _ in constants]
    weight_of = {i: partner[p] for i, (p, _) in enumerate(drawn) if isinstance(p, Value) and p in partner}
    weight_of |= {len(inputs) + i: w for i, (_, w) in enumerate(constants) if w is not None}
    neuron = next(owner[m][0] for m in inputs if m in owner)
    return _Step(top, "Σ wᵢxᵢ + b", drawn, neuron, weight_of=weight_of)


def _port(name: str) -> str:
    """A row's port id from its parameter's name: layers.0.neurons.2.w.1 -> layers_0_neurons_2_w_1."""
    return re.sub(r"\W", "_", name)


def _layer_of(names: dict[Value, str]) -> Callable[[Value], str | None]:
    """Group parameters by module path without the last parts: layers.0.neurons.3.w.1 -> layers.0."""

    def group(value: Value) -> str | None:
        name = names.get(value)
        if name is None:
            return None
        parts = name.split(".")
        return ".".join(parts[:2]) if len(parts) > 2 else None

    return group


class _Drawing:
    """The DOT statements of one drawing, sharing its names, numbers and mode."""

    def __init__(
        self, root: Value, names: dict[Value, str], loss: str, digits: int, show: str, share: bool
    ) -> None:
        self.root, self.names, self.loss, self.digits, self.show = root, names, loss, digits, show
        self.share = share
        self.edge_text = "label"
        self.side = "w"  # the compass side edges enter a row from: the left when rankdir is LR
        self.ids: dict[Value, str] = {}
        self.constants: dict[str, str] = {}
        self.incoming: dict[Value, list[float]] = {}  # products dL/dt · ∂t/∂v arriving at v

    def number(self, value: float) -> str:
        return format_number(value, self.digits)

    def values(
        self,
        graph: graphviz.Digraph,
        drawn: list[Value],
        steps: dict[Value, _Step],
        marked: Collection[Value],
        cluster: Callable[[Value], str | None] | None,
    ) -> list[str]:
        """A box per drawn value, grouped by ``cluster``; returns the roles that occur."""
        self.ids = {node: f"v{i}" for i, node in enumerate(drawn)}
        for step in steps.values():
            for operand, local in step.inputs:
                if isinstance(operand, Value) and local is not None:
                    self.incoming.setdefault(operand, []).append(step.value.grad * local)
        groups: dict[str, list[Value]] = {}
        roles: list[str] = []
        for node in drawn:
            group = cluster(node) if cluster is not None else None
            if group is not None and not isinstance(group, str):
                raise TypeError(
                    f"draw_graph: cluster must return a str or None, got {type(group).__name__} "
                    f"for {self.names[node]}"
                )
            role = self.role(node, marked)
            if role not in roles:
                roles.append(role)
            if group:
                groups.setdefault(group, []).append(node)
            else:
                self.box(graph, node, role)
        for index, (group, members) in enumerate(groups.items()):
            with graph.subgraph(name=f"cluster_{index}") as box:
                box.attr(label=html_label(group), style="rounded,dashed", color="#9ca3af", fontsize="11")
                for node in members:
                    self.box(box, node, self.role(node, marked))
        if any(not isinstance(p, Value) for step in steps.values() for p, _ in step.inputs):
            roles.append("constant")
        return [role for role in ROLES if role in roles]

    def role(self, node: Value, marked: Collection[Value]) -> str:
        if node is self.root:
            return "output"
        if node in marked:
            return "parameter"
        return "input" if node.is_leaf else "intermediate"

    def grad_text(self, node: Value) -> str:
        name = f"d{self.loss}/d{self.names[node]}"
        if node is self.root:
            return f"{name} = {self.number(node.grad)} (seed)"
        products = self.incoming.get(node, [])
        rest = node.grad - sum(products)
        outside = abs(rest) > 1e-9 * max(1.0, abs(node.grad))
        if len(products) < 2 and not outside:
            return f"{name} = {self.number(node.grad)}"
        if len(products) > _SUM_TERMS_SHOWN:
            terms = f"sum of {len(products)} products"
        else:
            terms = " + ".join(factor(p, self.digits) for p in products)
        if outside:  # consumers outside the drawing, or earlier backward calls (leaves accumulate)
            terms += f" + {factor(rest, self.digits)} not drawn"
        return f"{name} = {terms} = {self.number(node.grad)}"

    def sole_path(self, node: Value) -> bool:
        """True when ``node``'s gradient is exactly one drawn product (one consumer, nothing else)."""
        products = self.incoming.get(node, [])
        return len(products) == 1 and abs(node.grad - products[0]) <= 1e-9 * max(1.0, abs(node.grad))

    def box(self, graph: graphviz.Digraph, node: Value, role: str) -> None:
        name = self.names[node]
        title = f"<B>{text(name)}</B>"
        if node.label and node.label != name:  # an expression label: shown, never used in fractions
            title = f"{text(node.label)} ({title})"
        cells = [title, text(f"data {self.number(node.data)}")]
        if self.show != "forward":
            cells.append(f'<FONT COLOR="{BACKWARD}">{text(self.grad_text(node))}</FONT>')
        row = "".join(f"<TD>{cell}</TD>" for cell in cells)
        border = "2" if node is self.root else "1"
        label = (
            f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{BORDER}" BGCOLOR="{ROLES[role][0]}"><TR>{row}</TR></TABLE>>'
        )
        graph.node(self.ids[node], label=label, shape="none", margin="0")

    def step(self, graph: graphviz.Digraph, step: _Step) -> None:
        """The op circle, its input edges (both halves) and the edge to its result."""
        out = step.value
        op_id = self.ids[out] + "_op"
        if step.neuron:
            graph.node(op_id, label=self.neuron_table(step), shape="none", margin="0")
        else:
            graph.node(
                op_id,
                label=html_label(step.op),
                shape="circle" if len(step.op) <= 4 else "ellipse",
                style="filled",
                fillcolor=OP_FILL,
                width="0.35",
                margin="0.02",
            )
        rows = {parameter for parameter, _ in step.inside}
        for position, (operand, local) in enumerate(step.inputs):
            weight = step.weight_of.get(position)
            # into the row of the weight it multiplies (the port on that row's name cell)
            head = f"{op_id}:{_port(self.names[weight])}:{self.side}" if weight in rows else op_id
            if not isinstance(operand, Value) or local is None:
                self.constant(graph, float(operand), head, position)
                continue
            fraction = f"∂{self.names[out]}/∂{self.names[operand]}"
            lines = []
            if self.show != "backward":
                lines.append((FORWARD, f"{fraction} = {self.number(local)}"))
            if self.show != "forward":
                chain = (
                    f"d{self.loss}/d{self.names[out]} · {fraction} = {factor(out.grad, self.digits)}"
                    f" · {factor(local, self.digits)} = {self.number(out.grad * local)}"
                )
                if self.sole_path(operand):  # the product is the whole gradient: say so
                    chain = f"d{self.loss}/d{self.names[operand]} = {chain}"
                lines.append((BACKWARD, chain))
            graph.edge(self.ids[operand], head, **self.edge_style(lines))
        graph.edge(op_id, self.ids[out])

    def neuron_table(self, step: _Step) -> str:
        """A folded neuron: Σ wᵢxᵢ + b with its own parameters as rows (name relative to the neuron)."""
        out, prefix = step.value, step.neuron + "."
        columns = 2 + (self.show != "backward") + (self.show != "forward")
        rows = [
            f'<TR><TD COLSPAN="{columns}" BGCOLOR="{OP_FILL}"><B>{text(step.op)}</B> '
            f"{text(step.neuron)}</TD></TR>"
        ]
        for parameter, local in step.inside:
            name = self.names[parameter].removeprefix(prefix)
            port = _port(self.names[parameter])
            cells = [f"<B>{text(name)}</B>", text(f"data {self.number(parameter.data)}")]
            if self.show != "backward":
                fraction = f"∂{self.names[out]}/∂{name} = {self.number(local)}"
                cells.append(f'<FONT COLOR="{FORWARD}">{text(fraction)}</FONT>')
            if self.show != "forward":
                product = out.grad * local
                chain = (
                    f"d{self.loss}/d{name} = {factor(out.grad, self.digits)} · "
                    f"{factor(local, self.digits)} = {self.number(product)}"
                )
                if abs(parameter.grad - product) > 1e-9 * max(1.0, abs(product)):
                    chain += f" (grad {self.number(parameter.grad)}: more not drawn)"
                cells.append(f'<FONT COLOR="{BACKWARD}">{text(chain)}</FONT>')
            first, *rest = cells
            rows.append(
                f'<TR><TD PORT="{port}">{first}</TD>' + "".join(f"<TD>{cell}</TD>" for cell in rest) + "</TR>"
            )
        return (
            f'<<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" COLOR="{BORDER}" '
            f'BGCOLOR="{ROLES["parameter"][0]}">{"".join(rows)}</TABLE>>'
        )

    def edge_style(self, lines: list[tuple[str, str]]) -> dict[str, Any]:
        """One edge for both halves: forward text dark, backward text orange on a parallel line."""
        label = "<BR/>".join(f'<FONT COLOR="{colour}">{text(line)}</FONT>' for colour, line in lines)
        style: dict[str, Any] = {self.edge_text: f"<{label}>"}
        if self.edge_text == "xlabel":  # an xlabel that would overlap is dropped: keep it on hover
            style["tooltip"] = plain("\n".join(line for _, line in lines))
        if self.show == "both":
            style.update(color=f"{FORWARD}:{BACKWARD}", dir="both", arrowtail="normal")
        elif self.show == "backward":
            style.update(color=BACKWARD, dir="back", style="dashed")
        return style

    def constant(self, graph: graphviz.Digraph, value: float, head: str, position: int) -> None:
        shown = self.number(value)
        const_id = self.constants.get(shown) if self.share else None
        if const_id is None:
            const_id = f"c{len(self.constants)}" if self.share else f"{head.split(':')[0]}_c{position}"
            self.constants[shown] = const_id
            graph.node(
                const_id,
                label=html_label(shown),
                shape="box",
                style="filled,rounded",
                fillcolor=ROLES["constant"][0],
                color="#d1d5db",
                fontcolor=MUTED,
                fontsize="11",
                height="0.3",
                width="0.3",
            )
        graph.edge(const_id, head, color="#9ca3af")

    def seed(self, graph: graphviz.Digraph) -> None:
        """The gradient the root was given, arriving from beyond the drawing."""
        name = f"d{self.loss}/d{self.names[self.root]}"
        graph.node(
            "seed",
            label=html_label(f"seed {name} = {self.number(self.root.grad)}", colour=BACKWARD),
            shape="none",
        )
        graph.edge(self.ids[self.root], "seed", dir="back", color=BACKWARD, style="dashed")

    def no_backward_note(self, graph: graphviz.Digraph) -> None:
        """Said where the seed would be: gradients are drawn once backward() has run."""
        graph.node(
            "no_backward",
            label=html_label("no backward() yet: gradients not drawn", colour=MUTED),
            shape="none",
        )
        graph.edge(self.ids[self.root], "no_backward", style="invis")

    def legend(self, graph: graphviz.Digraph, roles: list[str]) -> None:
        extra = [(MUTED, "○", "op")]
        if self.show != "backward":
            extra.append((FORWARD, "→", "forward: data, and the op's local derivative ∂(result)/∂(operand)"))
        if self.show != "forward":
            extra.append(
                (BACKWARD, "⇠", "backward: d(loss)/d(result) · ∂(result)/∂(operand), the chain rule")
            )
        graph.node("legend", label=legend_label(roles, extra), shape="none", margin="0")


def render(graph: graphviz.Digraph, path: str | os.PathLike[str], *, dpi: int | None = None) -> Path:
    """Write ``graph`` by the path's suffix: .dot/.gv (no Graphviz program needed), .svg, .png, .pdf.

    ``dpi`` sets a PNG's resolution (1 to MAX_DPI; Graphviz's default is 96). A PNG is kept
    within MAX_PNG_SIDE pixels a side and MAX_PNG_PIXELS in all: a bigger drawing is drawn at a
    lower dpi, with a warning (an .svg or .pdf keeps every detail). The file is written to a
    temporary name in the same folder and renamed, so a failure leaves no partial file.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if dpi is not None and (isinstance(dpi, bool) or not isinstance(dpi, int) or not 1 <= dpi <= MAX_DPI):
        raise ValueError(f"render: dpi must be an int from 1 to {MAX_DPI}, got {dpi!r}")
    if suffix in SOURCE_SUFFIXES:
        _write(target, graph.source.encode("utf-8"))
        return target
    fmt = suffix.lstrip(".")
    if fmt not in RENDER_FORMATS:
        supported = ", ".join([*SOURCE_SUFFIXES, *(f".{f}" for f in RENDER_FORMATS)])
        raise ValueError(f"render: cannot write {target.name!r}: the suffix must be one of {supported}")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(f"needed to write {target}")
    gv = graphviz_module()
    try:
        if fmt == "png":
            dpi = _png_dpi(graph, dpi or _DEFAULT_DPI)
        source = graph
        if dpi is not None:
            source = graph.copy()
            source.attr(dpi=str(dpi))
        data = source.pipe(format=fmt, quiet=True)  # dot warns on stderr about dropped xlabels
    except gv.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    _write(target, data)
    return target


def _png_dpi(graph: graphviz.Digraph, dpi: int) -> int:
    """``dpi``, or the highest dpi keeping the PNG within the pixel limits (with a warning).

    Laying out is quick (0.1 s for x*x*...*x with 100 factors); drawing the pixels is what
    costs time and memory (5.8 s and 600 MB for that graph's 43,000 px wide PNG), and cairo
    clips anything past 32,767 px. The layout's size in inches comes from dot's plain output.
    """
    first = graph.pipe(format="plain", quiet=True).split(b"\n", 1)[0].split()
    width, height = float(first[2]) + _PAD, float(first[3]) + _PAD
    pixels_w, pixels_h = width * dpi, height * dpi
    scale = min(
        1.0,
        MAX_PNG_SIDE / max(pixels_w, pixels_h, 1.0),
        (MAX_PNG_PIXELS / max(pixels_w * pixels_h, 1.0)) ** 0.5,
    )
    if scale >= 1.0:
        return dpi
    lower = int(dpi * scale)
    if lower < 1:
        raise ValueError(
            f"render: the drawing is {width:.0f} x {height:.0f} inches, too big for a PNG within "
            f"{MAX_PNG_SIDE:,} px a side and {MAX_PNG_PIXELS:,} pixels even at 1 dpi: write .svg or .pdf"
        )
    warnings.warn(
        f"render: at {dpi} dpi the PNG would be {pixels_w:,.0f} x {pixels_h:,.0f} px; drawn at {lower} dpi "
        f"to stay within {MAX_PNG_SIDE:,} px a side and {MAX_PNG_PIXELS:,} pixels "
        "(write .svg or .pdf for full detail)",
        stacklevel=3,
    )
    return lower


def _write(target: Path, data: bytes) -> None:
    """Write through the package's one atomic writer; errors name ``target``, prefixed by render."""
    try:
        replace_file(target, data)
    except OSError as exc:
        message = f"render: {exc.strerror or exc}"
        raise (type(exc)(exc.errno, message) if exc.errno else type(exc)(message)) from None
