"""The backward explorer: one self-contained HTML page that steps through a graph's two passes.

``explore(root)`` draws the graph as ``draw_graph`` does (same names, colours and layout, as
inline SVG) and adds controls: the forward pass lights the values in topological order with
z = f(x, y) and the local derivatives; the backward pass walks the engine's own order
(``graph.toposort``), adding dL/dz · ∂z/∂x to each operand's running gradient. Leaves are editable;
the page then recomputes both passes with JavaScript generated from the op table
(``js_codegen``). Nothing is fetched when the page is opened.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from . import _explorer_page, _quiz, graph
from ._drawing import MAX_DIGITS, GraphvizNotFoundError, graphviz_module
from ._folding import FOLDED_OP, neuron_regions, neuron_roles, steps_to_draw
from ._graph_drawing import DrawOptions, draw_view, free_loss_name, parameter_set
from ._numbers import finite_float
from .engine import Value
from .graph import GraphView
from .js_codegen import PY_RUNTIME, op_table_js
from .naming import abbreviate, short_names
from .ops import ERROR_REASONS

__all__ = ["DEFAULT_MAX_NODES", "LAYOUT_LIMIT", "MAX_DIGITS", "Explorer", "explore", "last_seed"]

DEFAULT_MAX_NODES = 400  # as draw_graph: beyond this, layout gets slow and the page unreadable
# Graphviz's layout time grows steeply with the graph (random graphs, 2-CPU VM: 400 values 3 s,
# 800 values 21 s, 1,200 values 108 s, 4,999 values 28 minutes): max_nodes=None stops here.
LAYOUT_LIMIT = 800
PROGRESS_AFTER = 1.0  # seconds of layout before a line on stderr says what is taking the time
RANKDIRS = ("auto", "LR", "TB")
# "auto" lays out both directions and the page shows the one its window shows larger; past this
# many values one layout (LR) only: a second would double the layout time and the page's size
# for a graph that is an overview at any window size anyway.
AUTO_BOTH_LIMIT = 200
_T = TypeVar("_T")
REFERENCE_PANE = (1000, 620)  # px: a laptop's drawing pane, for a drawing laid out one way only
# Tighter than draw_graph's spacing (nodesep 0.3, ranksep 0.5 inches): the page is read on
# screens from 800 px wide, and its own edge texts are shorter than the drawing's.
_PAGE_SPACING = {"nodesep": "0.1", "ranksep": "0.25"}
_SVG_IDS = re.compile(r' id="(?:graph|node|edge|clust)\d+"')


class Explorer(_explorer_page.Page):
    """An explorer page for one graph: ``save(path)`` writes it, notebooks show it inline."""


def explore(
    root: Value,
    *,
    parameters: Any = None,
    digits: int = 4,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    rankdir: str = "auto",
    title: str = "",
    why: bool = False,
    grad: float | None = None,
    quiz: bool = False,
    fold: bool | str = "auto",
) -> Explorer:
    """An interactive page stepping through forward and backward for ``root`` (as root.backward(grad)).

    The page shows the pass ``root.backward(grad)`` makes from zero gradients, seeded with
    dL/droot = ``grad``; ``root`` and its graph are left as they were. Without ``grad`` the seed is
    ``last_seed(root)``: the one the last ``root.backward(...)`` used, when it can be known, else 1.
    ``digits`` is 1 to 17 (a float holds no more). A graph over ``max_nodes`` values is refused;
    ``max_nodes=None`` still refuses one over ``LAYOUT_LIMIT`` (800), whose layout takes minutes.
    ``parameters`` names and colours parameters as in ``draw_graph``; ``why=True`` opens the page
    in its "why a topological order" mode; ``quiz=True`` makes it a quiz (see ``_quiz``): values and
    gradients hidden, the learner types them and the page checks (op by op: nothing is folded).
    ``fold`` steps each neuron act(Σ wᵢxᵢ + b) as one step per pass (unfoldable on the page): True,
    False, or "auto" (fold when ``parameters`` names neurons, as an nn.MLP's do). ``rankdir`` "auto"
    lays the graph out left-to-right and top-to-bottom and the page shows whichever fits its window
    larger (a folded drawing: the one that fits a 1000 x 620 px pane larger); "LR" or
    "TB" fixes it. Needs Graphviz's ``dot`` (GraphvizNotFoundError otherwise).
    """
    _check_explore_arguments(root, digits, max_nodes, rankdir, title)
    if not isinstance(why, bool):
        raise TypeError(f"explore: why must be a bool, got {type(why).__name__}")
    if not isinstance(quiz, bool):
        raise TypeError(f"explore: quiz must be a bool, got {type(quiz).__name__}")
    _check_fold(fold)
    if quiz and (why or fold is True):  # the quiz page asks op by op and has no "why" mode
        given = "why=True" if why else "fold=True"
        raise ValueError(f"explore: quiz=True cannot be combined with {given}; pass one of them")
    if quiz and root.is_leaf:
        raise ValueError("explore: quiz=True needs a computed root (a leaf asks nothing); pass the loss")
    seed = last_seed(root) if grad is None else finite_float(grad, "explore: grad")
    view = graph.view(root, parameters, seed)
    _check_size(len(view.order), max_nodes)
    groups = [] if quiz else _fold_groups(view, fold)
    data = _page_data(view, parameters, digits, groups) | {
        "why": why,
        "fold": bool(groups) and fold is not False,
    }
    if quiz:
        data["quiz"] = _quiz.quiz_data(view, digits)
    svg = _svg(view, parameters, digits, rankdir)  # the explorer's and the quiz's scripts read every layout
    if groups:  # the neurons folded: a second drawing, shown while every neuron is folded
        folded_svg, data["foldedIds"] = _folded_svg(view, parameters, digits, rankdir)
        svg += "\n" + folded_svg
    shown_title = title or f"backward explorer: {view.names[root]}"
    used_ops = sorted({node["op"] for node in data["nodes"] if node["op"]})
    page = _explorer_page.page(
        title=shown_title,
        svg=svg,
        data_json=_explorer_page.script_json(data),
        ops_js=PY_RUNTIME + "const OPS = " + op_table_js(used_ops) + ";\n",
        **(_quiz.ASSETS if quiz else {}),
    )
    return Explorer(page, shown_title)


def last_seed(root: Value) -> float:
    """The seed dL/droot of the last ``root.backward(seed)`` when .grad tells it, else 1.0.

    ``backward`` sets an op node's grad to 0.0 + seed (only leaves accumulate), so the .grad of an
    op-node root is that seed while nothing else has written it since: no ``backward()`` of a
    larger graph that consumes ``root``, no ``zero_grad``. A grad of 0 or not finite, or a leaf
    root, tells nothing: 1.0.
    """
    seed = root.grad
    if root.is_leaf or seed == 0.0 or not math.isfinite(seed):
        return 1.0
    return seed


def _check_size(size: int, max_nodes: int | None) -> None:
    """Refuse a graph over ``max_nodes`` values, or, with None, over LAYOUT_LIMIT (before any layout)."""
    if max_nodes is not None and size > max_nodes:
        bigger = "a larger number" if size > LAYOUT_LIMIT else "None"
        raise ValueError(
            f"explore: root's graph has {size} values, more than max_nodes={max_nodes}; "
            f"pass max_nodes={size} (or {bigger}) to explore it anyway"
        )
    if max_nodes is None and size > LAYOUT_LIMIT:
        raise ValueError(
            f"explore: root's graph has {size} values, more than the layout bound of {LAYOUT_LIMIT} "
            "that max_nodes=None keeps (Graphviz takes about 20 s for 800 values, 2 minutes for 1,200, "
            f"half an hour for 5,000); explore a smaller graph, or pass max_nodes={size} to lay it "
            "out anyway"
        )


def _check_explore_arguments(
    root: object, digits: object, max_nodes: object, rankdir: object, title: object
) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"explore: root must be a Value, got {type(root).__name__}")
    if not isinstance(digits, int) or isinstance(digits, bool):
        raise TypeError(f"explore: digits must be an int, got {type(digits).__name__}")
    if not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"explore: digits must be from 1 to {MAX_DIGITS}, got {digits}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"explore: max_nodes must be an int or None, got {type(max_nodes).__name__}")
    if not isinstance(rankdir, str):
        raise TypeError(f"explore: rankdir must be a str (auto, LR or TB), got {type(rankdir).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"explore: rankdir must be auto, LR or TB, got {rankdir!r}")
    if not isinstance(title, str):
        raise TypeError(f"explore: title must be a str, got {type(title).__name__}")


def _page_data(
    view: GraphView, parameters: Any, digits: int, groups: list[_Neuron] | None = None
) -> dict[str, Any]:
    """Everything the page's script needs: values in forward order, both orders, the numbers.

    The gradients are those ``root.backward(view.seed)`` gives from zero gradients (``view.gradients``),
    computed without touching any node's .grad. ``groups`` are the neurons the page can fold
    (``_fold_groups``); each node carries its name and its short name for narration.
    """
    marked = parameter_set(view, parameters)
    index = {node: i for i, node in enumerate(view.order)}
    shorts = short_names(view.names, view.parameter_names)
    nodes = [_node_data(view, node, index, marked) | {"short": shorts[node]} for node in view.order]
    return {
        "groups": [_group_data(neuron, index) for neuron in groups or []],
        "digits": digits,
        "seed": view.seed,
        "loss": view.names[view.root],  # dL/d... is d<root>/d... while the seed is 1
        "freeLoss": free_loss_name(view),  # else L: the root is not the loss
        "root": index[view.root],
        "nodes": nodes,
        "backward": [index[node] for node in view.backward_order],
        "reasons": {kind.__name__: reason for kind, reason in ERROR_REASONS.items()},
    }


def _check_fold(fold: object) -> None:
    if not isinstance(fold, (bool, str)):
        raise TypeError(f"explore: fold must be True, False or 'auto', got {type(fold).__name__}")
    if fold not in (True, False, "auto"):
        raise ValueError(f"explore: fold must be True, False or 'auto', got {fold!r}")


@dataclass(frozen=True)
class _Neuron:
    """A neuron the page can fold: its module path, its sum's top and its op nodes (forward order)."""

    path: str
    top: Value  # the weighted sum Σ wᵢxᵢ + b
    members: list[Value]  # the sum's nodes and its activation, the output last


def _fold_groups(view: GraphView, fold: object) -> list[_Neuron]:
    """The neurons the page can fold, in forward order (``fold`` only says whether it starts folded).

    A neuron is draw_graph's folded sum Σ wᵢxᵢ + b (``_folding.neuron_regions``, the same rule)
    and, when the sum's only reader is a one-operand op (its activation: tanh, relu, ...), that op.
    """
    roles = neuron_roles(view.parameter_names)
    regions = neuron_regions(view, roles) if roles else {}
    if fold is True and not regions:
        raise ValueError(
            "explore: fold=True found no neuron to fold; pass parameters=the Module whose neurons "
            "make the graph (an nn.MLP, Layer or Neuron), or fold=False"
        )
    position = {node: i for i, node in enumerate(view.order)}
    neurons = []
    for top in sorted(regions, key=position.__getitem__):
        members = regions[top]
        path = next(roles[p][0] for member in members for p in member.parents if p in roles)
        readers = view.consumers.get(top, [])
        if len(readers) == 1 and len(readers[0].operands) == 1:  # its activation
            members = [*members, readers[0]]
        neurons.append(_Neuron(path, top, members))
    return neurons


def _group_data(neuron: _Neuron, index: dict[Value, int]) -> dict[str, Any]:
    """One folded neuron as the page reads it: names, op nodes (forward order), sum and output."""
    return {
        "name": abbreviate(neuron.path),
        "path": neuron.path,
        "formula": FOLDED_OP,
        "nodes": [index[member] for member in neuron.members],
        "top": index[neuron.top],
        "out": index[neuron.members[-1]],
    }


def _node_data(view: GraphView, node: Value, index: dict[Value, int], marked: set[Value]) -> dict[str, Any]:
    """One value as the page reads it: name, role, op, operands (by index, or numbers) and numbers."""
    name = view.names[node]
    if node is view.root:
        role = "output"
    elif node in marked:
        role = "parameter"
    else:
        role = "input" if node.is_leaf else ""
    return {
        "name": name,
        "label": node.label if node.label != name else "",
        "role": role,
        "op": "" if node.op_def is None else node.op_def.name,
        "operands": [["v", index[p]] if isinstance(p, Value) else ["c", p] for p in node.operands],
        "data": node.data,
        "locals": list(node.local_grads),
        "grad": view.gradients[node],
    }


def _svg(
    view: GraphView,
    parameters: Any,
    digits: int,
    rankdir: str,
    *,
    drawing: str = "full",
    fold: bool = False,
    single: bool = False,
) -> str:
    """draw_graph's drawing of both halves as SVG markup (no XML prolog), laid out by dot.

    Drawn with the gradients the page ends on, so the layout leaves room for them. ``rankdir``
    "auto" gives two <svg>, LR then TB (one, LR, past AUTO_BOTH_LIMIT values), laid out at once;
    with ``single`` only the one that fits a REFERENCE_PANE larger. Each is marked
    data-drawing=``drawing`` and data-rankdir, which the page's script picks by.
    """
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError("needed to lay out the explorer's drawing")
    directions = [rankdir]
    if rankdir == "auto":
        directions = ["LR", "TB"] if len(view.order) <= AUTO_BOTH_LIMIT else ["LR"]

    def lay_out(direction: str) -> str:
        options = DrawOptions(
            show="both", rankdir=direction, digits=digits, max_nodes=None, parameters=parameters, fold=fold
        )
        graph = draw_view(view, view.gradients, options)
        graph.graph_attr.update(_PAGE_SPACING)
        svg: str = graph.pipe(format="svg", quiet=True).decode("utf-8")
        return _tagged(_explorer_page.compact_svg(svg[svg.index("<svg") :]), drawing, direction)

    def lay_out_all() -> list[str]:
        with ThreadPoolExecutor(max_workers=len(directions)) as pool:  # dot runs as processes
            return list(pool.map(lay_out, directions))

    try:
        svgs = _with_progress(len(view.order), lay_out_all)
    except graphviz_module().ExecutableNotFound as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    if single:
        svgs = [max(svgs, key=_scale_in_reference_pane)]
    return "\n".join(svgs)


def _scale_in_reference_pane(svg: str) -> float:
    """The scale at which ``svg`` fits a REFERENCE_PANE whole (larger: more readable)."""
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    if box is None:
        return 0.0
    return min(REFERENCE_PANE[0] / float(box[1]), REFERENCE_PANE[1] / float(box[2]))


def _tagged(svg: str, drawing: str, direction: str) -> str:
    """``svg`` marked with its drawing and direction, without Graphviz's ids (two layouts repeat them)."""
    opening = f'<svg data-drawing="{html.escape(drawing)}" data-rankdir="{direction}" '
    return _SVG_IDS.sub("", svg.replace("<svg ", opening, 1))


def _folded_svg(view: GraphView, parameters: Any, digits: int, rankdir: str) -> tuple[str, list[int]]:
    """draw_graph(fold=True)'s drawing as SVG markup (marked data-drawing="folded"; one layout, for
    "auto" the one that fits a REFERENCE_PANE larger), and the page's index of each value it draws
    (its boxes are v0, v1, ... in that order)."""
    svg = _svg(view, parameters, digits, rankdir, drawing="folded", fold=True, single=True)
    index = {node: i for i, node in enumerate(view.order)}
    _, drawn = steps_to_draw(view, True)
    return svg, [index[node] for node in drawn]


def _with_progress(size: int, work: Callable[[], _T]) -> _T:
    """``work()``; if it runs longer than PROGRESS_AFTER seconds, one line on stderr says why."""

    def say() -> None:
        print(f"explore: Graphviz is laying out {size} values (this can take minutes)...", file=sys.stderr)
        sys.stderr.flush()

    timer = threading.Timer(PROGRESS_AFTER, say)
    timer.daemon = True
    timer.start()
    try:
        return work()
    finally:
        timer.cancel()
