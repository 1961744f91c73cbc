"""Drawings with Graphviz: the computation graph (the x,y -> z diagram) and the network.

``draw_graph`` draws both halves of the x,y -> z diagram. Forward: each value is a box
(its name, its data), each op a small circle, and each edge from an operand into an op
carries the local derivative stored on the result (∂t2/∂x = -4). Backward: the same edge
gets a parallel orange line and the chain-rule step with its numbers,
dL/dt2 · ∂t2/∂x = 2 · (-4) = -8, and each box shows its gradient dL/dx (as the sum of the
incoming products when the value feeds several ops). Names come from ``naming``.
The ``graphviz`` package is imported lazily, on first drawing.

This module is the public face; the work is split into ``_folding`` (which ops are drawn,
neuron sums folded), ``_graph_drawing`` (the DOT statements) and ``_rendering`` (files).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import graph
from ._drawing import MAX_NAME_CHARS, GraphvizNotFoundError, check_digits, format_number
from ._graph_drawing import DrawOptions, draw_view
from ._rendering import render
from .engine import Value
from .graph import node_names
from .network_drawing import draw_network

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "MAX_NAME_CHARS",
    "SHOW_MODES",
    "GraphvizNotFoundError",
    "draw_graph",
    "draw_network",
    "format_number",
    "node_names",
    "render",
]

SHOW_MODES = ("forward", "backward", "both")


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
    - ``rankdir``: "LR" (left to right), "RL", "TB" (top to bottom) or "BT". Top-to-bottom
      drawings are kept narrow, to stay readable when scaled to a page's width: the chain
      rule's numbers on a line of their own, a box's gradient under its data, a folded
      neuron's cells stacked (the text of the edges into its rows only on hover) and the
      legend at the bottom.
    Gradients are the nodes' own ``.grad`` (read, never written). Before any ``backward()``
    (every gradient in the graph is 0) only the forward half is drawn, with a note
    "no backward() yet", whatever ``show`` asks: there is no seed to show.
    Node ids follow the forward order, so the same graph always gives the same DOT source.
    """
    _check_draw_arguments(root, show, rankdir, digits, max_nodes, loss_name)
    view = graph.view(root, parameters)
    options = DrawOptions(
        show=show,
        rankdir=rankdir,
        digits=digits,
        max_nodes=max_nodes,
        parameters=parameters,
        cluster=cluster,
        fold=fold,
        share_constants=share_constants,
        legend=legend,
        loss_name=loss_name,
        narrow=rankdir in ("TB", "BT"),
    )
    return draw_view(view, {node: node.grad for node in view.order}, options)


def _check_draw_arguments(
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
