"""Drawings with Graphviz: the computation graph (the x,y -> z diagram) and the network.

In ``draw_graph`` each Value is a box showing its label, data and grad; each op is a small
node of its own; each edge from an operand into an op carries the local derivative stored
on the result (dz/dx = ...). Values flow forward along the arrows, gradients are read
backward against them. The ``graphviz`` package is imported here only, and lazily.
"""

from __future__ import annotations

import html
import math
import os
import shutil
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine import Value, toposort
from .nn import MLP, Module

if TYPE_CHECKING:
    import graphviz

__all__ = ["GraphvizNotFoundError", "draw_graph", "draw_network", "render", "format_number"]

INSTALL_HELP = """Graphviz's `dot` program is not installed (the Python package `graphviz` only drives it).
Install it with one of:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends graphviz
  macOS:          brew install graphviz
  conda:          conda install -c conda-forge graphviz
  Windows:        winget install graphviz   (or choco install graphviz), then reopen the shell
Writing .dot/.gv files works without it: render(graph, "graph.dot")."""

RENDER_FORMATS = ("svg", "png", "pdf")
SOURCE_SUFFIXES = (".dot", ".gv")

# Colours: inputs and parameters, intermediate values, the root, ops, constants.
_LEAF = "#dbeafe"
_PARAMETER = "#dcfce7"
_VALUE = "#ffffff"
_ROOT = "#fde68a"
_OP = "#f3f4f6"
_CONSTANT = "#9ca3af"
_LAYER_COLOURS = ("#c7d2fe", "#bbf7d0", "#fde68a", "#fbcfe8", "#bae6fd", "#fed7aa")


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is needed for this output but is not installed."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(INSTALL_HELP + (f"\n({detail})" if detail else ""))


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing needs the graphviz package: pip install 'autograd-mini[viz]'") from None
    return graphviz


_digraph_class: type | None = None


def _new_digraph(**kwargs: Any) -> graphviz.Digraph:
    """A graphviz.Digraph whose notebook display degrades to a short note when ``dot`` is missing."""
    global _digraph_class
    gv = _graphviz()
    if _digraph_class is None:

        class Digraph(gv.Digraph):  # type: ignore[misc, name-defined]
            """graphviz.Digraph; in Jupyter, a missing dot program shows a hint, not a traceback."""

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
                try:
                    return super()._repr_mimebundle_(include, exclude, **kwargs)
                except gv.ExecutableNotFound:
                    return {"text/plain": INSTALL_HELP}

        _digraph_class = Digraph
    return _digraph_class(**kwargs)


def format_number(value: float, digits: int = 4) -> str:
    """Compact: ``digits`` significant digits, no trailing zeros (3, -0.5, 1.235e+05, inf)."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def _record_escape(text: str) -> str:
    """Escape the characters that mean something inside a Graphviz record label."""
    for char in '\\{}|<>"':
        text = text.replace(char, "\\" + char)
    return text


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_local_grads: bool = True,
    digits: int = 4,
    max_nodes: int | None = 400,
    parameters: Module | Collection[Value] | None = None,
    cluster: Callable[[Value], str | None] | None = None,
) -> graphviz.Digraph:
    """The computation graph behind ``root``: values, ops, and local derivatives on the edges.

    - ``parameters``: a Module (its parameters are named and drawn green, clustered by layer)
      or a collection of Values to mark as parameters.
    - ``cluster``: a function giving each Value a group name (or None); groups are boxed.
    - ``max_nodes``: refuse graphs with more Values than this (None: no limit), since a
      neuron-level MLP graph has thousands of nodes; draw a smaller piece, or ``draw_network``.
    Node ids come from the topological order, so the same graph always gives the same DOT.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: root must be a Value, got {type(root).__name__}")
    order = toposort(root)[::-1]  # inputs first
    if max_nodes is not None and len(order) > max_nodes:
        raise ValueError(
            f"draw_graph: the graph has {len(order)} values, more than max_nodes={max_nodes}. "
            "Pass max_nodes=None to draw it anyway (slow to lay out, hard to read), draw a smaller "
            "expression, or use draw_network for a model's architecture."
        )
    names, param_set = _parameter_names(parameters)
    if cluster is None and names:
        cluster = _layer_of(names)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    graph = _new_digraph(
        name="computation_graph",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#4b5563"},
    )
    groups: dict[str, list[tuple[str, dict[str, str]]]] = {}
    ungrouped: list[tuple[str, dict[str, str]]] = []
    for node in order:
        label = node.label or names.get(node, "")
        fill = (
            _ROOT if node is root else _PARAMETER if node in param_set else _LEAF if node.is_leaf else _VALUE
        )
        fields = [f"data {format_number(node.data, digits)}", f"grad {format_number(node.grad, digits)}"]
        if label:
            fields.insert(0, label)
        attrs = {
            "label": "{" + " | ".join(_record_escape(f) for f in fields) + "}",
            "shape": "record",
            "style": "filled,bold" if node is root else "filled",
            "fillcolor": fill,
        }
        group = cluster(node) if cluster is not None else None
        (groups.setdefault(group, []) if group else ungrouped).append((ids[node], attrs))
    for node_id, attrs in ungrouped:
        graph.node(node_id, **attrs)
    for index, (group, members) in enumerate(groups.items()):
        with graph.subgraph(name=f"cluster_{index}") as box:
            box.attr(label=group, style="rounded,dashed", color="#9ca3af", fontsize="10")
            for node_id, attrs in members:
                box.node(node_id, **attrs)
    for node in order:
        if node.is_leaf:
            continue
        op_id = ids[node] + "_op"
        graph.node(
            op_id, label=node.op, shape="circle", style="filled", fillcolor=_OP, width="0.3", margin="0.02"
        )
        out_name = node.label or names.get(node, "") or "z"
        for position, operand in enumerate(node.operands):
            if isinstance(operand, Value):
                edge: dict[str, str] = {}
                if show_local_grads:
                    in_name = operand.label or names.get(operand, "") or "xy"[position]
                    local = node._da if position == 0 else node._db
                    edge["label"] = f"∂{out_name}/∂{in_name} = {format_number(local, digits)}"
                graph.edge(ids[operand], op_id, **edge)
            else:  # a number operand: a constant, drawn small and grey
                const_id = f"{op_id}_c{position}"
                graph.node(
                    const_id,
                    label=format_number(operand, digits),
                    shape="plaintext",
                    fontcolor=_CONSTANT,
                    fontsize="10",
                )
                graph.edge(const_id, op_id, color=_CONSTANT, style="dashed")
        graph.edge(op_id, ids[node])
    return graph


def _parameter_names(parameters: Module | Collection[Value] | None) -> tuple[dict[Value, str], set[Value]]:
    if parameters is None:
        return {}, set()
    if isinstance(parameters, Module):
        named = parameters.named_parameters()
        return dict((p, name) for name, p in named), {p for _, p in named}
    return {}, set(parameters)


def _layer_of(names: dict[Value, str]) -> Callable[[Value], str | None]:
    """Group parameters by module path without the last parts: layers.0.neurons.3.w.1 -> layers.0."""

    def group(value: Value) -> str | None:
        name = names.get(value)
        if name is None:
            return None
        parts = name.split(".")
        return ".".join(parts[:2]) if len(parts) > 2 else None

    return group


def draw_network(
    mlp: MLP,
    *,
    show_weights: bool = True,
    show_grads: bool = False,
    digits: int = 3,
    input_names: list[str] | None = None,
) -> graphviz.Digraph:
    """The architecture as the seed articles draw it: layers as columns of neurons.

    Edges are the weights, red for negative and blue for positive, wider for larger |w|;
    with ``show_weights`` they are labelled with w, and with ``show_grads`` also with dC/dw
    (run ``backward`` first). Neurons show their bias (and its gradient with ``show_grads``).
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"draw_network: expected an nn.MLP, got {type(mlp).__name__}")
    names = input_names or [f"x{i + 1}" for i in range(mlp.nin)]
    if len(names) != mlp.nin:
        raise ValueError(f"draw_network: {len(names)} input names for {mlp.nin} inputs")
    # Positions are pinned (neato with pos="x,y!") so each layer is a column in neuron order,
    # as the seed articles draw it; dot would reorder neurons to shorten edges.
    graph = _new_digraph(
        name="network",
        engine="neato",
        graph_attr={"splines": "line", "fontname": "Helvetica", "outputorder": "edgesfirst", "pad": "0.3"},
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "10",
            "shape": "circle",
            "style": "filled",
            "fixedsize": "true",
        },
        edge_attr={"fontname": "Helvetica", "fontsize": "8", "arrowsize": "0.5"},
    )
    weights = [abs(w.data) for layer in mlp.layers for neuron in layer.neurons for w in neuron.w]
    largest = max(weights, default=1.0) or 1.0
    many = len(weights) > 60  # beyond this, edge labels overlap: show them as colour and width only
    sizes = mlp.sizes
    column_gap, row_gap = 2.6, 1.3 if show_grads else 1.1

    def position(column: int, row: int) -> str:
        # centre each column vertically; y grows upwards in Graphviz
        y = ((sizes[column] - 1) / 2 - row) * row_gap
        return f"{column * column_gap:.2f},{y:.2f}!"

    def title(column: int, text: str) -> None:
        top = (sizes[column] - 1) / 2 * row_gap + 0.9
        graph.node(
            f"title{column}",
            label=text,
            shape="plaintext",
            style="",
            fixedsize="false",
            fontsize="11",
            pos=f"{column * column_gap:.2f},{top:.2f}!",
        )

    title(0, "input")
    for i, name in enumerate(names):
        graph.node(f"in{i}", label=name, fillcolor=_LAYER_COLOURS[0], width="0.6", pos=position(0, i))
    for index, layer in enumerate(mlp.layers):
        last = index == len(mlp.layers) - 1
        colour = _LAYER_COLOURS[(index + 1) % len(_LAYER_COLOURS)]
        title(index + 1, f"{'output' if last else f'hidden {index + 1}'} ({layer.activation})")
        for j, neuron in enumerate(layer.neurons):
            text = f"{'y' if last else 'h'}{index + 1}.{j + 1}" if not last or layer.nout > 1 else "y"
            if neuron.b is not None:
                text += f"\nb {format_number(neuron.b.data, digits)}"
                if show_grads:
                    text += f"\n∂ {format_number(neuron.b.grad, digits)}"
            graph.node(
                f"l{index}n{j}",
                label=text,
                fillcolor=colour,
                width="0.95" if show_grads else "0.8",
                pos=position(index + 1, j),
            )
    for index, layer in enumerate(mlp.layers):
        if index == 0:
            sources = [f"in{i}" for i in range(mlp.nin)]
        else:
            sources = [f"l{index - 1}n{k}" for k in range(mlp.layers[index - 1].nout)]
        for j, neuron in enumerate(layer.neurons):
            for source, w in zip(sources, neuron.w, strict=True):
                colour = "#2563eb" if w.data >= 0 else "#dc2626"
                attrs = {"color": colour, "penwidth": f"{0.6 + 3.0 * abs(w.data) / largest:.2f}"}
                if show_weights and not many:
                    lines = [f"w {format_number(w.data, digits)}"]
                    if show_grads:
                        lines.append(f"∂ {format_number(w.grad, digits)}")
                    # Near the tail, where one source's edges fan apart; staggered by target so
                    # that crossing edges put their labels at different points; white behind.
                    attrs.update(
                        taillabel=_boxed(lines, colour),
                        labeldistance=f"{3.2 + 2.6 * (j % 2):.1f}",
                        labelangle="0",
                    )
                graph.edge(source, f"l{index}n{j}", **attrs)
    return graph


def _boxed(lines: list[str], colour: str) -> str:
    """An HTML-like Graphviz label: the lines in ``colour`` on a white box."""
    rows = "".join(
        f'<TR><TD><FONT COLOR="{colour}" POINT-SIZE="8">{html.escape(line)}</FONT></TD></TR>'
        for line in lines
    )
    return (
        f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" BGCOLOR="white">{rows}</TABLE>>'
    )


def render(graph: graphviz.Digraph, path: str | os.PathLike[str]) -> Path:
    """Write ``graph`` by the path's suffix: .dot/.gv (no Graphviz program needed), .svg, .png, .pdf."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in SOURCE_SUFFIXES:
        target.write_text(graph.source, encoding="utf-8")
        return target
    fmt = suffix.lstrip(".")
    if fmt not in RENDER_FORMATS:
        supported = ", ".join([*SOURCE_SUFFIXES, *(f".{f}" for f in RENDER_FORMATS)])
        raise ValueError(f"render: cannot write {target.name!r}: the suffix must be one of {supported}")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(f"needed to write {target}")
    gv = _graphviz()
    try:
        data = graph.pipe(format=fmt)
    except gv.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    target.write_bytes(data)
    return target
