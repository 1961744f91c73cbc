"""Exercises on any graph, checked by the engine: values, local derivatives and gradients by hand.

``from_graph(root)`` asks about a graph of your own, ``builtin("neuron", seed=3)`` about one of
the built-in kinds (``KINDS``): a single op, the x,y -> z diagram, a chain, fan-out, a neuron,
softmax + NLL, the seeds' networks. An exercise shows itself as text (``print(ex)``) and as
draw_graph's drawing with the asked numbers blanked (``ex.drawing()``); ``ex.check(dL_dx=-8)``
(or a dict) says which parts are right, and for wrong ones gives hints in grades: the op table's
local derivative, the upstream gradient to multiply, and on fan-out that contributions add.
Answers are never evaluated: a number, or text that is one number. ``sheet(...)`` writes a
printable sheet (Markdown, SVG drawings) with an answer key; ``python -m autograd_mini.exercises``
does the same from the command line.
"""

from __future__ import annotations

import argparse
import html
import math
import random
import re
import sys
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import graph
from ._drawing import BACKWARD, FORWARD, GraphvizNotFoundError, shorten, text
from ._exercise_builtins import BUILTINS
from ._exercise_parts import (
    ASK_KINDS,
    DEFAULT_ATOL,
    DEFAULT_RTOL,
    LOSS,
    Question,
    close_enough,
    expression,
    number,
    parse_answer,
    questions,
    tolerance_text,
)
from ._files import replace_file
from ._folding import steps_to_draw
from ._graph_drawing import DrawOptions, draw_view
from ._numbers import finite_float
from ._op_exercise import OpCheck, check_op, op_function
from .engine import Value
from .explorer import last_seed

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "ASK_KINDS",
    "KINDS",
    "CheckResult",
    "Exercise",
    "OpCheck",
    "PartResult",
    "Question",
    "builtin",
    "check_op",
    "from_graph",
    "main",
    "op_function",
    "sheet",
]

KINDS = tuple(BUILTINS)
MAX_ASKED_NODES = 12  # a larger graph asks about its leaves only, unless told which nodes


@dataclass(frozen=True)
class PartResult:
    """One part of an answer: status "right", "wrong", "missing", "invalid" or "unknown", and why."""

    key: str
    prompt: str
    status: str
    given: object
    expected: float | None
    message: str
    hints: tuple[str, ...] = ()

    @property
    def right(self) -> bool:
        """True when the answer is within the tolerance of the engine's number."""
        return self.status == "right"

    def __str__(self) -> str:
        mark = {"right": "✓", "wrong": "✗", "missing": "…", "invalid": "?", "unknown": "?"}[self.status]
        lines = [f"{mark} {self.key} ({self.prompt}): {self.message}"]
        lines += [f"    hint: {hint}" for hint in self.hints]
        return "\n".join(lines)


@dataclass(frozen=True)
class CheckResult:
    """The parts of one check: ``all_right``, ``score`` (right, asked), and each part's message."""

    parts: tuple[PartResult, ...]
    tolerance: str

    @property
    def all_right(self) -> bool:
        """True when every asked part is right (and no unknown key was given)."""
        return all(part.right for part in self.parts)

    @property
    def score(self) -> tuple[int, int]:
        """(parts right, parts asked)."""
        asked = [part for part in self.parts if part.status != "unknown"]
        return sum(part.right for part in asked), len(asked)

    @property
    def missing(self) -> list[str]:
        """The keys with no answer yet."""
        return [part.key for part in self.parts if part.status == "missing"]

    def __getitem__(self, key: str) -> PartResult:
        for part in self.parts:
            if part.key == key:
                return part
        raise KeyError(f"no part {key!r}; the parts are: {', '.join(p.key for p in self.parts)}")

    def __str__(self) -> str:
        right, asked = self.score
        head = f"{right} of {asked} right ({self.tolerance})"
        if self.missing:
            head += f"; missing: {', '.join(self.missing)}"
        return "\n".join([head, *(str(part) for part in self.parts)])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


class Exercise:
    """Questions on one graph, with the engine's answers: ``print(ex)``, ``ex.drawing()``, ``ex.check()``."""

    def __init__(
        self,
        view: graph.GraphView,
        asked: Sequence[Question],
        *,
        title: str,
        story: str = "",
        parameters: Any = None,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
    ) -> None:
        self.view, self.questions = view, tuple(asked)
        self.title, self.story, self.parameters = title, story, parameters
        self.rtol, self.atol = rtol, atol
        self.attempts: dict[str, int] = {}  # wrong answers so far, per part: each shows one hint more

    @property
    def keys(self) -> list[str]:
        """The parts' keys, in the order to work them out (the keywords of ``check``)."""
        return [q.key for q in self.questions]

    def answers(self) -> dict[str, float]:
        """The answer key: the engine's number for every part."""
        return {q.key: q.answer for q in self.questions}

    def blank(self) -> dict[str, None]:
        """A dict with every key and no answers, to fill in and pass to ``check``."""
        return dict.fromkeys(self.keys)

    def check(self, answers: Mapping[str, object] | None = None, /, **given: object) -> CheckResult:
        """Each part right or wrong (within the tolerance), with hints; never raises on an answer.

        Answers come as keywords (``dL_dx=-8``), a dict, or both. A wrong answer counts an
        attempt: each further wrong attempt at a part shows one more hint.
        """
        merged: dict[str, object] = {}
        if answers is not None:
            if not isinstance(answers, Mapping):
                note = f"answers must be a dict of key -> number, got {type(answers).__name__}"
                return CheckResult(
                    (PartResult("answers", "all", "invalid", answers, None, note),), self.tolerance
                )
            merged.update({str(k): v for k, v in answers.items()})
        merged.update(given)
        parts = [self._check_one(q, merged.get(q.key)) for q in self.questions]
        known = set(self.keys)
        for key in merged:
            if key not in known:
                message = f"not a part of this exercise; the parts are: {', '.join(self.keys)}"
                parts.append(PartResult(key, "?", "unknown", merged[key], None, message))
        return CheckResult(tuple(parts), self.tolerance)

    @property
    def tolerance(self) -> str:
        """The tolerance in words."""
        return tolerance_text(self.rtol, self.atol)

    def _check_one(self, question: Question, given: object) -> PartResult:
        value, problem = parse_answer(given)
        if value is None:
            status = "missing" if problem.startswith("missing") else "invalid"
            if status == "missing":
                problem = f"missing: fill in {question.key} (the number {question.prompt})"
            return PartResult(question.key, question.prompt, status, given, question.answer, problem)
        if close_enough(value, question.answer, self.rtol, self.atol):
            return PartResult(
                question.key, question.prompt, "right", given, question.answer, f"right ({number(value)})"
            )
        tries = self.attempts[question.key] = self.attempts.get(question.key, 0) + 1
        message = f"{number(value)} is wrong"
        for trap, why in question.traps:
            if close_enough(value, trap, self.rtol, self.atol):
                message += f": {why}"
                break
        return PartResult(
            question.key, question.prompt, "wrong", given, question.answer, message, question.hints[:tries]
        )

    def hints(self, key: str) -> tuple[str, ...]:
        """Every hint for a part, from the most general to nearly the answer."""
        for question in self.questions:
            if question.key == key:
                return question.hints
        raise KeyError(f"no part {key!r}; the parts are: {', '.join(self.keys)}")

    def text(self, answers: bool = False) -> str:
        """The exercise as text: the graph in forward order, the seed, and the blanks (or the answers)."""
        view, asked_values = self.view, {q.node for q in self.questions if q.kind == "value"}
        lines = [f"Exercise: {self.title}"]
        if self.story:
            lines.append(self.story)
        lines.append("The graph, inputs first:")
        for node in view.order:
            name = view.names[node]
            if node.op_def is None:
                lines.append(f"  {name} = {number(node.data)}")
            else:
                shown = "?" if node in asked_values and not answers else number(node.data)
                lines.append(f"  {name} = {expression(view, node)}" + ("" if shown == "?" else f" = {shown}"))
        lines.append(_seed_line(view))
        lines.append("Find:" if not answers else "Answers:")
        width = max(len(q.key) for q in self.questions)
        for q in self.questions:
            blank = number(q.answer) if answers else "____"
            lines.append(f"  {q.key:<{width}}  {q.prompt} = {blank}")
        lines.append(f"Check with ex.check({self.keys[0]}=..., ...): {self.tolerance}.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        keys = ", ".join(self.keys[:4]) + (", ..." if len(self.keys) > 4 else "")
        return f"<Exercise {self.title!r}: {len(self.questions)} parts ({keys})>"

    def drawing(self, answers: bool = False, rankdir: str = "LR") -> graphviz.Digraph:
        """draw_graph's drawing with every asked number shown as ? (or, ``answers=True``, filled in)."""
        view = self.view
        options = DrawOptions(
            show="both", rankdir=rankdir, digits=4, max_nodes=None, parameters=self.parameters, loss_name=LOSS
        )
        drawing = draw_view(view, view.gradients, options)
        if not answers:
            _, drawn = steps_to_draw(view, False)
            ids = {node: f"v{i}" for i, node in enumerate(drawn)}
            drawing.body[:] = [_blank_line(line, self.questions, ids, view) for line in drawing.body]
        return drawing


def _seed_line(view: graph.GraphView) -> str:
    """Where backward starts: dL/droot, the root being L itself or feeding a loss L beyond it."""
    root = view.names[view.root]
    if view.seed == 1.0:
        return f"The seed: d{LOSS}/d{root} = 1 ({LOSS} is {root} itself)."
    return f"The seed: d{LOSS}/d{root} = {number(view.seed)} arrives from a loss {LOSS} beyond {root}."


def _blank_line(line: str, asked: Sequence[Question], ids: Mapping[Value, str], view: graph.GraphView) -> str:
    """One DOT statement of the drawing with the asked numbers (and what gives them away) as ?."""
    grads = any(q.kind == "grad" for q in asked)
    values = any(q.kind == "value" for q in asked)
    head = line.strip().split(" ", 1)[0]
    for q in asked:
        name = text(shorten(view.names[q.node]))  # as the drawing writes it
        if q.kind == "value" and head == ids.get(q.node):
            line = re.sub(r"<TD>data [^<]*</TD>", "<TD>data ?</TD>", line)
        if q.kind == "grad" and head == ids.get(q.node):
            line = re.sub(rf'(<FONT COLOR="{BACKWARD}">d{LOSS}/d{re.escape(name)} = )[^<]*', r"\1?", line)
        if q.kind == "local":
            operand = q.node.operands[q.operand]
            if isinstance(operand, Value) and line.strip().startswith(
                f"{ids.get(operand)} -> {ids.get(q.node)}_op"
            ):
                fraction = re.escape(f"∂{name}/∂{text(shorten(view.names[operand]))} = ")
                line = re.sub(rf'(<FONT COLOR="{FORWARD}">{fraction})[^<]*', r"\1?", line)
    if values and "->" in line:  # the local derivatives follow from the values
        line = re.sub(rf'(<FONT COLOR="{FORWARD}">∂[^<]*? = )[^<]*', r"\1?", line)
    if (grads or values) and "->" in line:  # each product dL/dt · ∂t/∂x shows an upstream gradient
        line = re.sub(rf'(<FONT COLOR="{BACKWARD}">)([^<]*)', lambda m: m[1] + _symbols_only(m[2]), line)
    return line


def _symbols_only(chain: str) -> str:
    """'dL/dx = dL/dz · ∂z/∂x = 2 · 3 = 6' -> 'dL/dx = dL/dz · ∂z/∂x = ?'."""
    parts = chain.split(" = ")
    kept = [p for p in parts if "∂" in p or p.startswith(f"d{LOSS}/d")]
    return " = ".join([*kept, "?"])


def _check_tolerance(rtol: object, atol: object) -> tuple[float, float]:
    rtol_f, atol_f = finite_float(rtol, "exercise: rtol"), finite_float(atol, "exercise: atol")
    if rtol_f < 0 or atol_f < 0 or rtol_f == atol_f == 0:
        raise ValueError(
            f"exercise: rtol and atol must be >= 0 and not both 0, got rtol={rtol!r}, atol={atol!r}"
        )
    return rtol_f, atol_f


def from_graph(
    root: Value,
    *,
    ask: Sequence[str] = ("grads",),
    nodes: Collection[Value] | None = None,
    parameters: Any = None,
    grad: float | None = None,
    title: str = "",
    story: str = "",
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> Exercise:
    """An exercise on ``root``'s graph with seed dL/droot = ``grad``; the graph is left as it was.

    Without ``grad`` the seed is the one the last ``root.backward(...)`` used (``explorer.last_seed``,
    as ``explore`` and its quiz take it), else 1.

    ``ask`` names what to find: "values" (forward), "locals" (∂t/∂x on each edge), "grads"
    (dL/dv). ``nodes`` limits the values asked about; by default all of them, or only the
    leaves in a graph of more than MAX_ASKED_NODES values. Right is within ``rtol``
    (relative) or ``atol`` (absolute) of the engine's number.
    """
    if not isinstance(root, Value):
        raise TypeError(f"from_graph: root must be a Value, got {type(root).__name__}")
    if isinstance(ask, str) or not isinstance(ask, Sequence):
        raise TypeError(f"from_graph: ask must be a list of kinds ({', '.join(ASK_KINDS)}), got {ask!r}")
    if not isinstance(title, str) or not isinstance(story, str):
        raise TypeError("from_graph: title and story must be str")
    rtol_f, atol_f = _check_tolerance(rtol, atol)
    seed = last_seed(root) if grad is None else finite_float(grad, "from_graph: grad")
    view = graph.view(root, parameters, seed)
    if nodes is not None:
        outside = [n for n in nodes if n not in set(view.order)]
        if outside:
            raise ValueError(
                f"from_graph: {len(outside)} of nodes are not in root's graph; pass values it uses"
            )
    elif len(view.order) > MAX_ASKED_NODES:
        nodes = [node for node in view.order if node.is_leaf]
    asked = questions(view, list(ask), nodes)
    if not asked:
        raise ValueError(f"from_graph: nothing to ask: no {', '.join(ask)} among the chosen nodes")
    unanswerable = [q.key for q in asked if not math.isfinite(q.answer)]
    if unanswerable:  # a typed nan or inf is never right: refuse rather than ask the impossible
        raise ValueError(
            f"from_graph: the engine's answer to {', '.join(unanswerable)} is not a finite number; "
            "change the inputs, or pass nodes= without those values"
        )
    shown = title or f"the graph of {view.names[root]}"
    return Exercise(view, asked, title=shown, story=story, parameters=parameters, rtol=rtol_f, atol=atol_f)


def builtin(kind: str, seed: int = 0, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL) -> Exercise:
    """A built-in exercise (one of KINDS); the same ``seed`` gives the same numbers.

    Seed 0 of "xyz" and "neuron" gives the seeds' own numbers (x = 3, y = -4, dL/dz = 2; the
    lecture's neuron).
    """
    if kind not in BUILTINS:
        raise ValueError(f"builtin: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"builtin: seed must be an int, got {type(seed).__name__}")
    built = BUILTINS[kind](random.Random(f"{kind}:{seed}"), seed == 0)
    return from_graph(
        built.root,
        ask=built.ask,
        nodes=built.nodes,
        parameters=built.parameters,
        grad=built.grad,
        title=built.title,
        story=built.story,
        rtol=rtol,
        atol=atol,
    )


# -- the teacher's sheet --------------------------------------------------------------------------


def sheet(
    exercises: Sequence[Exercise], path: str | Path, *, drawings: bool = True, title: str = "Exercises"
) -> Path:
    """Write a printable sheet: Markdown at ``path`` with blanks, an answer key at the end, and
    (``drawings``) each exercise's drawing with blanks as ``<stem>_<n>.svg`` beside it (Graphviz)."""
    if not exercises or not all(isinstance(e, Exercise) for e in exercises):
        raise TypeError("sheet: exercises must be a non-empty list of Exercise (from builtin or from_graph)")
    if not isinstance(title, str) or not isinstance(path, (str, Path)):
        raise TypeError("sheet: path must be a str or Path and title a str")
    target = Path(path)
    if not str(path) or not target.name or target.is_dir():
        raise IsADirectoryError(f"sheet: path {str(path)!r} is not a file name; pass e.g. sheet.md")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"sheet: the folder of {str(target)!r} does not exist")
    # Every drawing is made before any file is written: a failure (no Graphviz) leaves no half sheet.
    svgs = [ex.drawing().pipe(format="svg").decode("utf-8") for ex in exercises] if drawings else []
    lines = [
        f"# {html.escape(title)}",
        "",
        "Work out each blank by hand. " + exercises[0].tolerance.capitalize() + ".",
        "",
    ]
    key = ["## Answer key", ""]
    for n, ex in enumerate(exercises, 1):
        lines += [f"## {n}. {html.escape(ex.title)}", ""]
        if ex.story:
            lines += [html.escape(ex.story), ""]
        if drawings:
            svg = target.with_name(f"{target.stem}_{n}.svg")
            replace_file(svg, svgs[n - 1])
            lines += [f"![exercise {n}: the graph with blanks]({svg.name})", ""]
        lines += ["```", *ex.text().splitlines()[1 + bool(ex.story) : -1], "```", ""]
        key += [f"**{n}. {html.escape(ex.title)}**", "", "| part | | answer |", "|---|---|---|"]
        key += [f"| `{q.key}` | {q.prompt} | {number(q.answer)} |" for q in ex.questions]
        key.append("")
    replace_file(target, "\n".join([*lines, '<div style="page-break-before: always"></div>', "", *key]))
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """python -m autograd_mini.exercises show|sheet|check: exercises from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m autograd_mini.exercises", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print an exercise (and --answers)")
    show.add_argument("kind", choices=KINDS)
    show.add_argument("--seed", type=int, default=0)
    show.add_argument("--answers", action="store_true")
    check = sub.add_parser("check", help="check answers given as key=number")
    check.add_argument("kind", choices=KINDS)
    check.add_argument("answers", nargs="*", metavar="KEY=NUMBER")
    check.add_argument("--seed", type=int, default=0)
    make = sub.add_parser("sheet", help="write a printable sheet (Markdown + SVG) with an answer key")
    make.add_argument("kinds", nargs="+", choices=KINDS)
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--out", default="exercises.md", help="the Markdown file (SVGs beside it)")
    make.add_argument("--no-drawings", action="store_true", help="Markdown only (no Graphviz needed)")
    args = parser.parse_args(argv)
    if args.command == "show":
        print(builtin(args.kind, args.seed).text(answers=args.answers))
        return 0
    if args.command == "check":
        ex = builtin(args.kind, args.seed)
        given: dict[str, object] = {}
        for item in args.answers:
            key, sep, value = item.partition("=")
            if not sep:
                print(f"check: {item!r} is not KEY=NUMBER (the keys: {', '.join(ex.keys)})", file=sys.stderr)
                return 2
            given[key.strip()] = value
        result = ex.check(given)
        print(result)
        return 0 if result.all_right else 1
    exercises = [builtin(kind, args.seed) for kind in args.kinds]
    try:
        written = sheet(exercises, args.out, drawings=not args.no_drawings)
    except (OSError, GraphvizNotFoundError) as exc:
        message = str(exc)
        print(message if message.startswith("sheet:") else f"sheet: {message}", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
