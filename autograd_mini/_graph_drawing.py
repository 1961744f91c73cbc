"""``draw_graph``'s drawing of one graph view with given gradients (see ``viz`` for the picture).

The drawing reads every gradient from the mapping it is handed, never from a node's ``.grad``:
``draw_graph`` hands it the nodes' own gradients, the explorer the gradients a fresh
``backward()`` would give (``GraphView.gradients``), so drawing never changes a graph.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._drawing import (
    BACKWARD,
    BORDER,
    CONSTANT_BORDER,
    FAINT,
    FONT,
    FORWARD,
    MUTED,
    OP_FILL,
    ROLES,
    factor,
    format_number,
    html_label,
    legend_label,
    new_digraph,
    plain,
    shorten,
    text,
)
from ._folding import Step, port, steps_to_draw
from .engine import Value
from .graph import GraphView

if TYPE_CHECKING:
    import graphviz

__all__ = ["DrawOptions", "GraphDrawing", "draw_view", "free_loss_name", "parameter_set"]

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
_ENTRY_SIDE = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}  # where edges enter a row, by rankdir

Cluster = Callable[[Value], "str | None"]


@dataclass(frozen=True)
class DrawOptions:
    """How to draw: ``draw_graph``'s keyword arguments, already checked."""

    show: str = "both"
    rankdir: str = "LR"
    digits: int = 4
    max_nodes: int | None = 400
    parameters: Any = None
    cluster: Cluster | None = None
    fold: bool = False
    share_constants: bool = False
    legend: bool = False
    loss_name: str | None = None
    # Narrow drawing (draw_graph's top-to-bottom layouts): the chain rule's numbers on a line
    # of their own, a folded neuron's cells stacked, edges into its rows without text, the
    # legend at the bottom. Width is what a page or README scales down; height scrolls.
    narrow: bool = False


def draw_view(view: GraphView, gradients: Mapping[Value, float], options: DrawOptions) -> graphviz.Digraph:
    """The drawing of ``view`` with dL/dnode = ``gradients[node]``; no node's .grad is read or written."""
    given = view.parameter_names
    if options.fold and not given:
        raise ValueError("draw_graph: fold=True needs parameters=a Module (or a name -> Value mapping)")
    steps, drawn = steps_to_draw(view, options.fold)
    if options.max_nodes is not None and len(drawn) > options.max_nodes:
        raise ValueError(_too_many(len(drawn), options))
    show = options.show
    # Every backward() through this graph gave its root a gradient (the seed); leaves may
    # hold gradients from other graphs' backward() calls, so only the root's says it ran here.
    no_backward = show != "forward" and gradients[view.root] == 0.0
    if no_backward:
        show = "forward"  # nothing has flowed back: a drawn seed of 0 would be invented
    loss = shorten(options.loss_name or _loss_name(view, gradients))
    drawing = GraphDrawing(view, gradients, loss, options.digits, show, options.share_constants)
    drawing.narrow = options.narrow
    drawing.edge_text = _edge_text(steps)
    # a narrow drawing's edges enter a folded neuron's row from the side, clear of the rows above
    drawing.entry_side = "w" if options.narrow else _ENTRY_SIDE[options.rankdir]
    graph = new_digraph(
        name="computation_graph",
        graph_attr=_graph_attributes(options.rankdir, steps, drawn, drawing.edge_text)
        | ({"nodesep": "0.1"} if options.narrow else {}),
        node_attr={"fontname": FONT, "fontsize": "12"},
        edge_attr={"fontname": FONT, "fontsize": "11", "color": FORWARD, "arrowsize": "0.7"},
    )
    cluster = options.cluster if options.cluster is not None or not given else _layer_of(given)
    roles = drawing.draw_values(graph, drawn, steps, parameter_set(view, options.parameters), cluster)
    for step in steps.values():
        drawing.draw_step(graph, step)
    if show != "forward":
        drawing.draw_seed(graph)
    if no_backward:
        drawing.draw_no_backward_note(graph)
    if options.legend:
        drawing.draw_legend(graph, roles)
    return graph


def parameter_set(view: GraphView, parameters: Any) -> set[Value]:
    """The values drawn as parameters: the named ones, or those of a plain collection of Values."""
    if view.parameter_names:
        return set(view.parameter_names)
    if parameters is None or callable(getattr(parameters, "named_parameters", None)):
        return set()  # a Module without parameters
    if isinstance(parameters, Mapping):
        return set()
    return set(parameters)  # graph.view has checked that it is a collection of Values


def _too_many(count: int, options: DrawOptions) -> str:
    """The max_nodes refusal, suggesting folding only where it can apply (a Module, not folded yet)."""
    ways = ["max_nodes=None to draw it anyway", "a smaller expression", "draw_network"]
    if callable(getattr(options.parameters, "named_parameters", None)) and not options.fold:
        ways.insert(0, "fold=True to fold each neuron's weighted sum into one node")
    return (
        f"draw_graph: the graph has {count} values, more than max_nodes={options.max_nodes}. "
        f"Try {', '.join(ways[:-1])} or {ways[-1]}."
    )


def _loss_name(view: GraphView, gradients: Mapping[Value, float]) -> str:
    """The root's name when dL/droot is 1 (the root is the loss), else a free name for L."""
    if gradients[view.root] == 1.0:
        return view.names[view.root]
    return free_loss_name(view)


def free_loss_name(view: GraphView) -> str:
    """A name for the loss L that no value of the graph has (the root is not L when dL/droot != 1)."""
    taken = set(view.names.values())
    return next(name for name in ("L", "Loss", "L0", "L_") if name not in taken)


def _layer_of(names: dict[Value, str]) -> Cluster:
    """Group parameters by module path without the last parts: layers.0.neurons.3.w.1 -> layers.0."""

    def group(value: Value) -> str | None:
        name = names.get(value)
        if name is None:
            return None
        parts = name.split(".")
        return ".".join(parts[:2]) if len(parts) > 2 else None

    return group


def _edge_text(steps: dict[Value, Step]) -> str:
    """How edge text is placed: "label" (in the layout) for few edges, else "xlabel" (after it)."""
    edges = sum(isinstance(p, Value) for step in steps.values() for p, _ in step.inputs)
    return "label" if edges <= _LABELLED_EDGES else "xlabel"


def _graph_attributes(
    rankdir: str, steps: dict[Value, Step], drawn: list[Value], edge_text: str
) -> dict[str, str]:
    """Layout settings by the graph's size (see the constants)."""
    attributes = {"rankdir": rankdir, **_GRAPH_ATTRS}
    if edge_text == "xlabel":
        attributes["forcelabels"] = "false"  # no edge text over other text; every edge has a tooltip
    if _layout_size(steps, drawn) > _BIG_LAYOUT:
        attributes.update(nslimit="0.00001", splines="line")
    return attributes


def _layout_size(steps: dict[Value, Step], drawn: list[Value]) -> int:
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


class GraphDrawing:
    """Draws the DOT statements of one graph: boxes, ops, edges, seed and legend, sharing names and mode."""

    def __init__(
        self,
        view: GraphView,
        gradients: Mapping[Value, float],
        loss: str,
        digits: int,
        show: str,
        share_constants: bool,
    ) -> None:
        self.root, self.grads = view.root, gradients
        self.names = {node: shorten(name) for node, name in view.names.items()}  # as drawn
        self.full_names = view.names
        self.loss, self.digits, self.show = loss, digits, show
        self.share_constants = share_constants
        self.edge_text = "label"
        self.entry_side = "w"  # the compass side edges enter a row from: the left when rankdir is LR
        self.narrow = False  # DrawOptions.narrow
        self.ids: dict[Value, str] = {}
        self.constant_ids: dict[tuple[str, int, float], str] = {}  # (op, position, number) -> node
        self.incoming: dict[Value, list[float]] = {}  # products dL/dt · ∂t/∂v arriving at v

    def number(self, value: float) -> str:
        return format_number(value, self.digits)

    def draw_values(
        self,
        graph: graphviz.Digraph,
        drawn: list[Value],
        steps: dict[Value, Step],
        marked: Collection[Value],
        cluster: Cluster | None,
    ) -> list[str]:
        """A box per drawn value, grouped by ``cluster``; returns the roles that occur."""
        self.ids = {node: f"v{i}" for i, node in enumerate(drawn)}
        self._collect_incoming(steps)
        groups: dict[str, list[Value]] = {}
        roles = {self.role(node, marked) for node in drawn}
        for node in drawn:
            group = self._group(cluster, node)
            if group:
                groups.setdefault(group, []).append(node)
            else:
                self.draw_box(graph, node, self.role(node, marked))
        for index, (group, members) in enumerate(groups.items()):
            with graph.subgraph(name=f"cluster_{index}") as box:
                box.attr(label=html_label(group), style="rounded,dashed", color=FAINT, fontsize="11")
                for node in members:
                    self.draw_box(box, node, self.role(node, marked))
        if any(not isinstance(p, Value) for step in steps.values() for p, _ in step.inputs):
            roles.add("constant")
        return [role for role in ROLES if role in roles]

    def _collect_incoming(self, steps: dict[Value, Step]) -> None:
        """For each drawn operand, the products dL/dt · ∂t/∂v its drawn consumers send it."""
        for step in steps.values():
            for operand, local in step.inputs:
                if isinstance(operand, Value) and local is not None:
                    self.incoming.setdefault(operand, []).append(self.grads[step.value] * local)

    def _group(self, cluster: Cluster | None, node: Value) -> str | None:
        """``cluster(node)``, checked: a group name or None."""
        group = cluster(node) if cluster is not None else None
        if group is not None and not isinstance(group, str):
            raise TypeError(
                f"draw_graph: cluster must return a str or None, got {type(group).__name__} "
                f"for {self.names[node]}"
            )
        return group if group is None else shorten(group)

    def role(self, node: Value, marked: Collection[Value]) -> str:
        if node is self.root:
            return "output"
        if node in marked:
            return "parameter"
        return "input" if node.is_leaf else "intermediate"

    def grad_text(self, node: Value) -> str:
        """dL/dx = (the drawn products that sum to it) = its value."""
        grad = self.grads[node]
        name = f"d{self.loss}/d{self.names[node]}"
        if node is self.root:
            return f"{name} = {self.number(grad)} (seed)"
        products = self.incoming.get(node, [])
        rest = grad - sum(products)
        outside = abs(rest) > 1e-9 * max(1.0, abs(grad))
        if len(products) < 2 and not outside:
            return f"{name} = {self.number(grad)}"
        if len(products) > (2 if self.narrow else _SUM_TERMS_SHOWN):
            terms = f"sum of {len(products)} products"
        else:
            terms = " + ".join(factor(p, self.digits) for p in products)
        if outside:  # consumers outside the drawing, or earlier backward calls (leaves accumulate)
            terms += f" + {factor(rest, self.digits)} not drawn"
        if self.narrow:  # the value first, then where it comes from, on a line of its own
            return f"{name} = {self.number(grad)}\n({terms})"
        return f"{name} = {terms} = {self.number(grad)}"

    def sole_path(self, node: Value) -> bool:
        """True when ``node``'s gradient is exactly one drawn product (one consumer, nothing else)."""
        products, grad = self.incoming.get(node, []), self.grads[node]
        return len(products) == 1 and abs(grad - products[0]) <= 1e-9 * max(1.0, abs(grad))

    def draw_box(self, graph: graphviz.Digraph, node: Value, role: str) -> None:
        """A value's box: its name (and expression label), its data and, backward, its gradient."""
        name = self.names[node]
        title = f"<B>{text(name)}</B>"
        if node.label and node.label != self.full_names[node]:  # an expression label: shown, not in fractions
            title = f"{text(shorten(node.label))} ({title})"
        cells = [title, text(f"data {self.number(node.data)}")]
        if self.show != "forward":
            grad_lines = "<BR/>".join(text(line) for line in self.grad_text(node).split("\n"))
            cells.append(f'<FONT COLOR="{BACKWARD}">{grad_lines}</FONT>')
        if self.narrow:  # the gradient under the data
            cells[1:] = ["<BR/>".join(cells[1:])]
        row = "".join(f"<TD>{cell}</TD>" for cell in cells)
        border = "2" if node is self.root else "1"
        label = (
            f'<<TABLE BORDER="{border}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{BORDER}" BGCOLOR="{ROLES[role][0]}"><TR>{row}</TR></TABLE>>'
        )
        graph.node(self.ids[node], label=label, shape="none", margin="0")

    def draw_step(self, graph: graphviz.Digraph, step: Step) -> None:
        """The op circle, its input edges (both halves) and the edge to its result."""
        op_id = self.ids[step.value] + "_op"
        self.draw_op(graph, op_id, step)
        rows = {parameter for parameter, _ in step.inside}
        for position, (operand, local) in enumerate(step.inputs):
            weight = step.weight_of.get(position)
            # into the row of the weight it multiplies (the port on that row's name cell)
            head = f"{op_id}:{port(self.names[weight])}:{self.entry_side}" if weight in rows else op_id
            if not isinstance(operand, Value) or local is None:
                self.draw_constant(graph, float(operand), head, (step.op, position))
            else:
                lines = self.edge_lines(step, operand, local)
                into_row = weight in rows and self.narrow  # the row shows w = ∂t/∂x already
                graph.edge(self.ids[operand], head, **self.edge_style(lines, into_row))
        graph.edge(op_id, self.ids[step.value])

    def draw_op(self, graph: graphviz.Digraph, op_id: str, step: Step) -> None:
        """An op as a small circle (an ellipse for long names), a folded neuron as a table."""
        if step.neuron:
            graph.node(op_id, label=self.neuron_table(step), shape="none", margin="0")
            return
        graph.node(
            op_id,
            label=html_label(step.op),
            shape="circle" if len(step.op) <= 4 else "ellipse",
            style="filled",
            fillcolor=OP_FILL,
            width="0.35",
            margin="0.02",
        )

    def edge_lines(self, step: Step, operand: Value, local: float) -> list[tuple[str, str]]:
        """(colour, text) of an operand's edge: ∂t/∂x forward, dL/dt · ∂t/∂x backward."""
        out, out_grad = step.value, self.grads[step.value]
        fraction = f"∂{self.names[out]}/∂{self.names[operand]}"
        lines = []
        if self.show != "backward":
            lines.append((FORWARD, f"{fraction} = {self.number(local)}"))
        if self.show != "forward":
            chain = (
                f"d{self.loss}/d{self.names[out]} · {fraction} = {factor(out_grad, self.digits)}"
                f" · {factor(local, self.digits)} = {self.number(out_grad * local)}"
            )
            if self.sole_path(operand):  # the product is the whole gradient: say so
                chain = f"d{self.loss}/d{self.names[operand]} = {chain}"
            if self.narrow:  # "dL/dx = dL/dt · ∂t/∂x" above "= 2 · (-4) = -8"
                symbols, equals, numbers = chain.rpartition(f" = {factor(out_grad, self.digits)} · ")
                lines += [(BACKWARD, symbols), (BACKWARD, equals.lstrip() + numbers)]
                return lines
            lines.append((BACKWARD, chain))
        return lines

    def neuron_table(self, step: Step) -> str:
        """A folded neuron: Σ wᵢxᵢ + b with its own parameters as rows (name relative to the neuron)."""
        columns = 1 if self.narrow else 2 + (self.show != "backward") + (self.show != "forward")
        rows = [
            f'<TR><TD COLSPAN="{columns}" BGCOLOR="{OP_FILL}"><B>{text(step.op)}</B>'
            f"{'<BR/>' if self.narrow else ' '}{text(shorten(step.neuron))}</TD></TR>"
        ]
        for parameter, local in step.inside:
            first, *rest = self.neuron_row(step, parameter, local)
            if self.narrow:  # one cell: "w.0 data 0.5" over ∂t/∂p over dL/dp
                first, rest = "<BR/>".join([f"{first} {rest[0]}", *rest[1:]]), []
            rows.append(
                f'<TR><TD PORT="{port(self.names[parameter])}">{first}</TD>'
                + "".join(f"<TD>{cell}</TD>" for cell in rest)
                + "</TR>"
            )
        return (
            f'<<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" COLOR="{BORDER}" '
            f'BGCOLOR="{ROLES["parameter"][0]}">{"".join(rows)}</TABLE>>'
        )

    def neuron_row(self, step: Step, parameter: Value, local: float) -> list[str]:
        """The cells of one parameter inside a folded neuron: name, data, ∂sum/∂p, dL/dp."""
        out, out_grad = step.value, self.grads[step.value]
        name = shorten(self.full_names[parameter].removeprefix(step.neuron + "."))
        cells = [f"<B>{text(name)}</B>", text(f"data {self.number(parameter.data)}")]
        if self.show != "backward":
            fraction = f"∂{self.names[out]}/∂{name} = {self.number(local)}"
            cells.append(f'<FONT COLOR="{FORWARD}">{text(fraction)}</FONT>')
        if self.show != "forward":
            product, grad = out_grad * local, self.grads[parameter]
            chain = (
                f"d{self.loss}/d{name} = {factor(out_grad, self.digits)} · "
                f"{factor(local, self.digits)} = {self.number(product)}"
            )
            if abs(grad - product) > 1e-9 * max(1.0, abs(product)):
                chain += f" (grad {self.number(grad)}: more not drawn)"
            if self.narrow:  # "dL/dw = 2 · (-4)" above "= -8"
                head, equals, tail = chain.rpartition(f" = {self.number(product)}")
                chain = f"{head}\n{equals.lstrip()}{tail}"
            chain_lines = "<BR/>".join(text(line) for line in chain.split("\n"))
            cells.append(f'<FONT COLOR="{BACKWARD}">{chain_lines}</FONT>')
        return cells

    def edge_style(self, lines: list[tuple[str, str]], untitled: bool = False) -> dict[str, Any]:
        """One edge for both halves: forward text dark, backward text orange on a parallel line.

        ``untitled``: the text only on hover (a tooltip), not drawn.
        """
        label = "<BR/>".join(f'<FONT COLOR="{colour}">{text(line)}</FONT>' for colour, line in lines)
        style: dict[str, Any] = {} if untitled else {self.edge_text: f"<{label}>"}
        if (
            self.edge_text == "xlabel" or untitled
        ):  # an xlabel that would overlap is dropped: keep it on hover
            style["tooltip"] = plain("\n".join(line for _, line in lines))
        if self.show == "both":
            style.update(color=f"{FORWARD}:{BACKWARD}", dir="both", arrowtail="normal")
        elif self.show == "backward":
            style.update(color=BACKWARD, dir="back", style="dashed")
        return style

    def draw_constant(self, graph: graphviz.Digraph, value: float, head: str, use: tuple[str, int]) -> None:
        """A number operand: its own small grey box, or one box per number and use (share_constants).

        A use is the op and the operand's position in it: 2 as a factor (x * 2) and 2 as an
        exponent (x ** 2) are two boxes, never one box feeding both.
        """
        shown = self.number(value)
        key = (*use, value)
        const_id = self.constant_ids.get(key) if self.share_constants else None
        if const_id is None:
            if self.share_constants:
                const_id = f"c{len(self.constant_ids)}"
                self.constant_ids[key] = const_id
            else:
                const_id = f"{head.split(':')[0]}_c{use[1]}"
            graph.node(
                const_id,
                label=html_label(shown),
                shape="box",
                style="filled,rounded",
                fillcolor=ROLES["constant"][0],
                color=CONSTANT_BORDER,
                fontcolor=MUTED,
                fontsize="11",
                height="0.3",
                width="0.3",
            )
        graph.edge(const_id, head, color=FAINT)

    def draw_seed(self, graph: graphviz.Digraph) -> None:
        """The gradient the root was given, arriving from beyond the drawing."""
        name = f"d{self.loss}/d{self.names[self.root]}"
        graph.node(
            "seed",
            label=html_label(f"seed {name} = {self.number(self.grads[self.root])}", colour=BACKWARD),
            shape="none",
        )
        graph.edge(self.ids[self.root], "seed", dir="back", color=BACKWARD, style="dashed")

    def draw_no_backward_note(self, graph: graphviz.Digraph) -> None:
        """Said where the seed would be: gradients are drawn once backward() has run."""
        graph.node(
            "no_backward",
            label=html_label("no backward() yet: gradients not drawn", colour=MUTED),
            shape="none",
        )
        graph.edge(self.ids[self.root], "no_backward", style="invis")

    def draw_legend(self, graph: graphviz.Digraph, roles: list[str]) -> None:
        """The roles that occur, then the op symbol and the meaning of each half's edges."""
        extra = [(MUTED, "○", "op")]
        if self.show != "backward":
            extra.append((FORWARD, "→", "forward: data, and the op's local derivative ∂(result)/∂(operand)"))
        if self.show != "forward":
            extra.append(
                (BACKWARD, "⇠", "backward: d(loss)/d(result) · ∂(result)/∂(operand), the chain rule")
            )
        if not self.narrow:
            graph.node("legend", label=legend_label(roles, extra), shape="none", margin="0")
            return
        with graph.subgraph(name="legend_rank") as bottom:  # below the drawing, not beside it
            bottom.attr(rank="sink")
            bottom.node("legend", label=legend_label(roles, _two_lines(extra)), shape="none", margin="0")


def _two_lines(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Legend rows with each meaning broken after its first comma into a second row."""
    broken = []
    for colour, symbol, meaning in rows:
        first, comma, rest = meaning.partition(", ")
        broken.append((colour, symbol, first + comma.strip()))
        if rest:
            broken.append((colour, " ", rest))
    return broken
