"""``draw_network``: an MLP drawn as the seed articles draw it, layers as columns of neurons.

Positions are computed here and pinned (Graphviz's neato with pos="x,y!"), so each layer is
a column in neuron order. Edge text is not left to Graphviz: each weight's label is a small
white box placed on its edge at a point where, by a conservative estimate of the text's
size, it touches no neuron and no other label; if no such point exists the columns move
apart, and a network with too many weights gets no edge text at all (colour and width
carry sign and size, and every edge has a tooltip with w and its gradient).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._drawing import (
    BORDER,
    FONT,
    MUTED,
    NEGATIVE,
    POSITIVE,
    ROLES,
    check_digits,
    format_number,
    html_label,
    legend_label,
    new_digraph,
    plain,
    shorten,
)
from .nn import MLP

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_network"]

MAX_LABELLED_EDGES = 48  # beyond this, edge text cannot stay legible: tooltips instead
NODE_FONT = 11.0
EDGE_FONT = 10.0
# Where along its edge a label may sit (0: the source neuron, 1: the target), best first.
_T_CHOICES = tuple(sorted((i / 40 for i in range(5, 36)), key=lambda t: abs(t - 0.5)))
_ATTEMPTS = 10  # spreads of rows (and of columns) by _SPREAD before labels that find no spot become tooltips
_SPREAD = 1.2
_LINE_GAP = 0.04  # inches kept between a label and another weight's line (half the widest line, and air)


@dataclass(frozen=True)
class _Box:
    """A rectangle by centre and half sizes, in inches."""

    x: float
    y: float
    half_w: float
    half_h: float

    def hits(self, other: _Box, gap: float = 0.04) -> bool:
        return (
            abs(self.x - other.x) < self.half_w + other.half_w + gap
            and abs(self.y - other.y) < self.half_h + other.half_h + gap
        )

    def hits_circle(self, x: float, y: float, radius: float) -> bool:
        nearest_x = min(max(x, self.x - self.half_w), self.x + self.half_w)
        nearest_y = min(max(y, self.y - self.half_h), self.y + self.half_h)
        return math.hypot(x - nearest_x, y - nearest_y) < radius

    def hits_segment(self, start: tuple[float, float], end: tuple[float, float], gap: float) -> bool:
        """True when the straight line start-end passes within ``gap`` of the box (Liang-Barsky)."""
        (x0, y0), (x1, y1) = start, end
        low, high = 0.0, 1.0
        for step, room in (
            (x0 - x1, x0 - (self.x - self.half_w - gap)),
            (x1 - x0, self.x + self.half_w + gap - x0),
            (y0 - y1, y0 - (self.y - self.half_h - gap)),
            (y1 - y0, self.y + self.half_h + gap - y0),
        ):
            if step == 0:
                if room < 0:
                    return False
                continue
            ratio = room / step
            if step < 0:
                low = max(low, ratio)
            else:
                high = min(high, ratio)
            if low > high:
                return False
        return True


def text_size(lines: Sequence[str], points: float) -> tuple[float, float]:
    """A generous (width, height) in inches of ``lines`` at ``points``: never smaller than Graphviz's."""
    widest = max((sum(_char_width(c) for c in line) for line in lines), default=0.0)
    return widest * points / 72 + 0.12, len(lines) * points * 1.3 / 72 + 0.1


def _char_width(char: str) -> float:
    """Width in em, rounded up from DejaVu Sans and Helvetica (the fonts Graphviz finds here)."""
    if char in "mwMW%@":
        return 0.95
    if char.isupper() or char in "∂Σ":
        return 0.8
    if char in " .,:;!|il'":
        return 0.4
    return 0.68


def draw_network(
    mlp: MLP,
    *,
    show_weights: bool = True,
    show_grads: bool = False,
    digits: int = 3,
    input_names: Sequence[str] | None = None,
    inputs: Sequence[float] | None = None,
    loss_name: str = "L",
    legend: bool = False,
) -> graphviz.Digraph:
    """The architecture as the seed articles draw it: layers as columns of neurons.

    Edges are the weights, blue for w > 0 and red for w < 0, wider for larger |w|; with
    ``show_weights`` each is labelled with w and, with ``show_grads``, its gradient
    d<loss_name>/dw (run ``backward`` first). Neurons show their bias (and its gradient).
    ``inputs`` shows the input values; above MAX_LABELLED_EDGES weights the edge text moves
    into SVG tooltips. Outputs are called out1, out2, ... (never y, the target's name).
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"draw_network: expected an nn.MLP, got {type(mlp).__name__}")
    check_digits(digits)
    names = _input_names(input_names, mlp.nin)
    values = _inputs(inputs, mlp.nin)
    if not isinstance(loss_name, str) or not loss_name:
        raise ValueError(f"draw_network: loss_name must be a non-empty str, got {loss_name!r}")
    text = _Text(digits, show_grads, f"d{loss_name}/d")
    columns = [_input_column(names, values, digits)] + [
        [text.neuron(mlp, index, j) for j in range(layer.nout)] for index, layer in enumerate(mlp.layers)
    ]
    edges = [
        (index, k, j, w.data, w.grad)
        for index, layer in enumerate(mlp.layers)
        for j, neuron in enumerate(layer.neurons)
        for k, w in enumerate(neuron.w)
    ]
    layout = _Layout(columns)
    labels: list[_Box | None] | None = None
    if show_weights and len(edges) <= MAX_LABELLED_EDGES:
        labels = layout.place([text.weight(w, g) for _, _, _, w, g in edges], edges)
    graph = new_digraph(
        name="network",
        engine="neato",
        graph_attr={"splines": "line", "fontname": FONT, "outputorder": "edgesfirst", "pad": "0.2"},
        node_attr={"fontname": FONT, "fontsize": f"{NODE_FONT:g}", "style": "filled", "color": BORDER},
        edge_attr={"fontname": FONT, "arrowsize": "0.6"},
    )
    titles = ["input"] + [
        f"{'output' if i == len(mlp.layers) - 1 else f'hidden {i + 1}'} ({layer.activation})"
        for i, layer in enumerate(mlp.layers)
    ]
    _neurons(graph, layout, titles)
    _weights(graph, edges, labels, text)
    if legend:
        extra = [(POSITIVE, "—", "weight w > 0 (width ∝ |w|)"), (NEGATIVE, "—", "weight w < 0")]
        if labels is not None and None in labels:
            extra.append((MUTED, "—", "unlabelled weight: no free spot, w in its tooltip"))
        graph.node(
            "legend",
            label=legend_label(["input", "intermediate", "output"], extra),
            shape="none",
            style="",
            margin="0",
            pos=f"{layout.x(len(columns) - 1) / 2:.3f},{layout.bottom - 0.9:.3f}!",
        )
    return graph


@dataclass(frozen=True)
class _Text:
    """The lines of text of neurons and weights."""

    digits: int
    show_grads: bool
    grad_name: str  # "dL/d": the gradient of w is dL/dw

    def neuron(self, mlp: MLP, index: int, j: int) -> list[str]:
        layer = mlp.layers[index]
        last = index == len(mlp.layers) - 1
        # never "y": that is the target's name in C = 1/2 (out - y)^2
        name = (f"out{j + 1}" if layer.nout > 1 else "out") if last else f"h{index + 1}.{j + 1}"
        lines = [name]
        bias = layer.neurons[j].b
        if bias is not None:
            lines.append(f"b {format_number(bias.data, self.digits)}")
            if self.show_grads:
                lines.append(f"{self.grad_name}b {format_number(bias.grad, self.digits)}")
        return lines

    def weight(self, w: float, grad: float) -> list[str]:
        lines = [f"w {format_number(w, self.digits)}"]
        if self.show_grads:
            lines.append(f"{self.grad_name}w {format_number(grad, self.digits)}")
        return lines

    def tooltip(self, w: float, grad: float) -> str:
        return f"w = {format_number(w, self.digits)}, {self.grad_name}w = {format_number(grad, self.digits)}"


def _neurons(graph: graphviz.Digraph, layout: _Layout, titles: list[str]) -> None:
    """A circle per neuron, coloured by role, and a title above each column."""
    last = len(layout.columns) - 1
    for c, column in enumerate(layout.columns):
        role = "input" if c == 0 else "output" if c == last else "intermediate"
        for r, lines in enumerate(column):
            x, y = layout.centre(c, r)
            graph.node(
                f"n{c}_{r}",
                label=html_label(*lines),
                shape="circle",
                fillcolor=ROLES[role][0],
                width=f"{2 * layout.radii[c]:.3f}",
                fixedsize="false",
                pos=f"{x:.3f},{y:.3f}!",
            )
        graph.node(
            f"title{c}",
            label=html_label(titles[c]),
            shape="none",
            style="",
            width="0",
            height="0",
            margin="0.02",
            pos=f"{layout.x(c):.3f},{layout.top:.3f}!",
        )


def _weights(
    graph: graphviz.Digraph,
    edges: list[tuple[int, int, int, float, float]],
    labels: list[_Box | None] | None,
    text: _Text,
) -> None:
    """An edge per weight (colour: sign, width: size, tooltip: w and its gradient) and its label."""
    largest = max((abs(e[3]) for e in edges), default=1.0) or 1.0
    for n, (index, k, j, w, g) in enumerate(edges):
        colour = POSITIVE if w >= 0 else NEGATIVE
        tip = plain(text.tooltip(w, g))
        graph.edge(
            f"n{index}_{k}",
            f"n{index + 1}_{j}",
            color=colour,
            penwidth=f"{0.8 + 3.0 * abs(w) / largest:.2f}",
            tooltip=tip,
        )
        box = labels[n] if labels is not None else None
        if box is not None:
            graph.node(
                f"w{n}",
                label=html_label(*text.weight(w, g), colour=colour),
                shape="box",
                style="filled",
                fillcolor="white",
                color="white",
                fontsize=f"{EDGE_FONT:g}",
                width="0",
                height="0",
                margin="0.04,0.02",
                tooltip=tip,
                pos=f"{box.x:.3f},{box.y:.3f}!",
            )


def _input_names(input_names: Sequence[str] | None, nin: int) -> list[str]:
    if input_names is None:
        return [f"x{i + 1}" for i in range(nin)]
    if isinstance(input_names, str) or not all(isinstance(n, str) for n in input_names):
        raise TypeError("draw_network: input_names must be a list of str")
    if len(input_names) != nin:
        raise ValueError(f"draw_network: {len(input_names)} input_names for {nin} inputs")
    return list(input_names)


def _inputs(inputs: Sequence[float] | None, nin: int) -> list[float] | None:
    if inputs is None:
        return None
    if isinstance(inputs, str) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in inputs
    ):
        raise TypeError("draw_network: inputs must be a list of numbers")
    if len(inputs) != nin:
        raise ValueError(f"draw_network: {len(inputs)} inputs for {nin} input neurons")
    return [float(v) for v in inputs]


def _input_column(names: list[str], values: list[float] | None, digits: int) -> list[list[str]]:
    if values is None:
        return [[shorten(name)] for name in names]
    return [[shorten(name), f"= {format_number(v, digits)}"] for name, v in zip(names, values, strict=True)]


class _Layout:
    """Pinned positions (inches): columns of circles, and a free spot on each edge for its label."""

    def __init__(self, columns: list[list[list[str]]]) -> None:
        self.columns = columns
        # a radius per column (one size of circle in a layer), so that small input and output
        # circles leave the lines beside them room for labels without moving columns apart
        self.radii = [
            max(0.32, max(math.hypot(*text_size(lines, NODE_FONT)) / 2 + 0.04 for lines in column))
            for column in columns
        ]
        self.radius = max(self.radii)
        gaps = [left + right + 1.6 for left, right in itertools.pairwise(self.radii)]
        self._set(2 * self.radius + 0.45, gaps)

    def _set(self, row_gap: float, column_gaps: list[float]) -> None:
        """Rows ``row_gap`` apart and each pair of columns its gap: lines fan out, labels fit."""
        self.row_gap, self.column_gaps = row_gap, column_gaps
        tallest = max(len(column) for column in self.columns)
        self.top = (tallest - 1) / 2 * self.row_gap + self.radius + 0.35
        self.bottom = -self.top

    def x(self, column: int) -> float:
        return sum(self.column_gaps[:column])

    def centre(self, column: int, row: int) -> tuple[float, float]:
        # centre each column vertically; y grows upwards in Graphviz
        return self.x(column), ((len(self.columns[column]) - 1) / 2 - row) * self.row_gap

    def place(
        self, texts: list[list[str]], edges: list[tuple[int, int, int, float, float]]
    ) -> list[_Box | None]:
        """A label box per edge touching no circle, no other label and no other edge's line.

        Rows move apart first (the drawing grows taller, not wider: a page or README scales a
        drawing to its width); then only the columns whose weights found no spot move apart,
        and the rows are tried again. If no try fits every label, the one leaving fewest out
        is kept, and a label left out (None) is a tooltip only.
        """
        row_gap, column_gaps = self.row_gap, self.column_gaps
        best: tuple[list[_Box | None], float, list[float]] | None = None
        for _ in range(_ATTEMPTS):
            for rows in range(_ATTEMPTS):
                self._set(row_gap * _SPREAD**rows, column_gaps)
                boxes = self._try(texts, edges)
                if best is None or boxes.count(None) < best[0].count(None):
                    best = (boxes, self.row_gap, column_gaps)
                if None not in boxes:
                    return boxes
            crowded = {edges[n][0] for n, box in enumerate(boxes) if box is None}  # gap = the weight's layer
            column_gaps = [
                gap * _SPREAD if index in crowded else gap for index, gap in enumerate(column_gaps)
            ]
        assert best is not None
        self._set(best[1], best[2])
        return best[0]

    def _try(
        self, texts: list[list[str]], edges: list[tuple[int, int, int, float, float]]
    ) -> list[_Box | None]:
        circles = [
            (*self.centre(c, r), self.radii[c])
            for c, column in enumerate(self.columns)
            for r in range(len(column))
        ]
        lines = [(self.centre(index, k), self.centre(index + 1, j)) for index, k, j, _, _ in edges]
        placed: list[_Box | None] = []
        for n, text_lines in enumerate(texts):
            width, height = text_size(text_lines, EDGE_FONT)
            (x0, y0), (x1, y1) = lines[n]
            spot = None
            for t in _T_CHOICES:
                box = _Box(x0 + t * (x1 - x0), y0 + t * (y1 - y0), width / 2, height / 2)
                if self._free(box, circles, placed) and not any(
                    box.hits_segment(*line, _LINE_GAP) for m, line in enumerate(lines) if m != n
                ):
                    spot = box
                    break
            placed.append(spot)
        return placed

    def _free(self, box: _Box, circles: list[tuple[float, float, float]], placed: list[_Box | None]) -> bool:
        """Clear of every circle (x, y, radius) and every label placed so far."""
        return not any(box.hits_circle(x, y, radius + 0.05) for x, y, radius in circles) and not any(
            other is not None and box.hits(other) for other in placed
        )
