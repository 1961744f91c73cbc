"""The explorer's quiz mode: the questions of ``_exercise_parts`` as the quiz page's data.

``explore(root, quiz=True)`` puts this beside the explorer's own page data: the forward half
(each op node's value, in forward order) and the backward half (in backward's order, each
node's dL/dnode and its local derivatives), each question with its answer as the engine
computed it, the answer as the page shows it, graded hints and traps. The page (``quiz.js``)
only compares and shows; every word and number comes from here.
"""

from __future__ import annotations

from typing import Any

from ._drawing import factor, format_number
from ._exercise_parts import DEFAULT_ATOL, DEFAULT_RTOL, LOSS, Question, expression, questions, tolerance_text
from .graph import GraphView

__all__ = ["ASSETS", "quiz_data"]

# The quiz page's own script, style and body (explorer_assets/), in place of the explorer's; the
# drawing's view (zoom, pan, fit, layout, side panel) is the explorer's: view.js and view.css.
ASSETS: dict[str, Any] = {
    "scripts": ("view.js", "quiz.js"),
    "styles": ("view.css", "quiz.css"),
    "body": "quiz_body.html",
    "focus": "question",  # what fit frames, in the shared view controls' title
}


def quiz_data(view: GraphView, digits: int) -> dict[str, Any]:
    """The quiz's questions on ``view`` and the texts the page writes, numbers shown to ``digits``."""
    index = {node: i for i, node in enumerate(view.order)}
    shown = _shown(digits)
    root = view.names[view.root]
    return {
        "loss": LOSS,
        "rtol": DEFAULT_RTOL,
        "atol": DEFAULT_ATOL,
        "tolerance": tolerance_text(DEFAULT_RTOL, DEFAULT_ATOL),
        "seed": f"seed d{LOSS}/d{root} = {shown(view.seed)}",
        "rootGrad": f"d{LOSS}/d{root} = {shown(view.seed)} (seed)",
        "forward": [_question(view, q, index, digits) for q in questions(view, ("values",))],
        "backward": [_question(view, q, index, digits) for q in questions(view, ("locals", "grads"))],
    }


def _shown(digits: int) -> Any:
    return lambda value: format_number(value, digits)


def _question(view: GraphView, q: Question, index: dict[Any, int], digits: int) -> dict[str, Any]:
    """One question as the page reads it (nodes by their index in the forward order)."""
    data: dict[str, Any] = {
        "key": q.key,
        "kind": q.kind,
        "prompt": q.prompt,
        "node": index[q.node],
        "answer": q.answer,
        "shown": format_number(q.answer, digits),
        "hints": list(q.hints),
        "traps": [[value, why] for value, why in q.traps],
        "context": "",
    }
    if q.node.op_def is not None:
        data["context"] = f"{view.names[q.node]} = {expression(view, q.node)} ('{q.node.op_def.name}')"
    if q.kind == "grad":
        users = dict.fromkeys(view.names[t] for t in view.consumers.get(q.node, []))
        data["context"] = f"{view.names[q.node]} is used by {', '.join(users)}"
    if q.kind == "local":
        parent = q.node.operands[q.operand]
        g, local = view.gradients[q.node], q.answer
        data["operand"] = q.operand
        data["parent"] = index[parent]
        data["chain"] = (
            f"d{LOSS}/d{view.names[q.node]} · {q.prompt.split(' (')[0]} = {factor(g, digits)} · "
            f"{factor(local, digits)} = {format_number(g * local, digits)}"
        )
    return data
