"""The questions one graph asks, with their answers and graded hints, for exercises and the quiz page.

A question is one number a learner can work out by hand: a value (forward), a local
derivative ∂t/∂x (the op's formula from the op table at the operands' values) or a gradient
dL/dv (the chain rule). Answers are the engine's own numbers (``GraphView``: data, stored
local derivatives, the gradients ``backward`` gives); hints name the op table entry, the
upstream gradient to multiply and, on fan-out, that the contributions add. Traps are wrong
answers learners often give, each with what it means ("only the path through t"). Both
``exercises.Exercise.check`` and the explorer's quiz page read these, so the words and
numbers are written once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from ._drawing import factor, format_number
from .engine import Value
from .graph import GraphView
from .ops import Op

__all__ = [
    "ASK_KINDS",
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "Question",
    "close_enough",
    "expression",
    "parse_answer",
    "questions",
    "tolerance_text",
]

ASK_KINDS = ("values", "locals", "grads")
# Hand-computed answers are rounded: 0.1 % of the engine's number, or 1e-6 near 0, is right.
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-6
LOSS = "L"  # dL/dv: the root's gradient is the seed; the root itself is L when the seed is 1
_DIGITS = 6
_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**"}
_NUMBER = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class Question:
    """One number to find: its key (a keyword of ``check``), what it is, the answer and hints."""

    key: str
    kind: str  # "value", "local" or "grad"
    prompt: str  # "dL/dx", "∂z/∂x", "z"
    node: Value  # the value asked about; for a local derivative, the op's result
    operand: int  # for a local derivative: the operand's position in the op; else -1
    answer: float
    hints: tuple[str, ...]  # from general to nearly the answer
    traps: tuple[tuple[float, str], ...] = field(default=())


def local_at(node: Value, index: int) -> float:
    """∂node/∂(operand at position ``index``, a Value): the local derivative stored in the forward pass."""
    positions = [k for k, p in enumerate(node.operands) if isinstance(p, Value)]
    return node.local_grads[positions.index(index)]


def _op_name(node: Value) -> str:
    return node.op_def.name if node.op_def is not None else ""


def number(value: float) -> str:
    """A number as hints show it: 6 significant digits."""
    return format_number(value, _DIGITS)


def tolerance_text(rtol: float, atol: float) -> str:
    """The tolerance in words."""
    return f"an answer within {rtol:.3g} relative (or {atol:.3g} absolute) of the engine's number is right"


def close_enough(given: float, expected: float, rtol: float, atol: float) -> bool:
    """|given - expected| <= atol + rtol·|expected|; infinities must match exactly."""
    if math.isinf(expected) or math.isinf(given):
        return given == expected
    return abs(given - expected) <= atol + rtol * abs(expected)


def parse_answer(given: object) -> tuple[float | None, str]:
    """(the answer as a float, "") or (None, why it is not an answer); never raises."""
    if given is None or (isinstance(given, str) and not given.strip()):
        return None, "missing: no answer yet"
    if isinstance(given, bool):
        return None, f"{given!r} is not a number: give the number you computed"
    if isinstance(given, Value):
        return None, "a Value is not an answer: give its number (.data or .grad)"
    if isinstance(given, str):
        text = given.strip()
        if not _NUMBER.fullmatch(text):
            shown = text if len(text) <= 40 else text[:37] + "..."
            return None, (
                f"{shown!r} is not a number (text is never evaluated): "
                "work the expression out and give the number, e.g. -6 or 0.5"
            )
        value = float(text)
    else:
        try:
            value = float(given)  # type: ignore[arg-type]
        except OverflowError:
            return None, "that number is too large for a float: give the number you computed"
        except (TypeError, ValueError):
            return None, f"{type(given).__name__} is not a number: give one number, e.g. -6 or 0.5"
    if math.isnan(value):
        return None, "nan is not an answer: give the number you computed"
    return value, ""


def expression(view: GraphView, node: Value, numbers: bool = False) -> str:
    """``node``'s op written with its operands' names (or values): a * b, tanh(n), -x."""
    op = node.op_def
    if op is None:
        return view.names[node]
    parts = [
        (number(p.data) if numbers else view.names[p]) if isinstance(p, Value) else number(p)
        for p in node.operands
    ]
    parts = [f"({p})" if numbers and p.startswith("-") else p for p in parts]
    if len(parts) == 2 and op.symbol in _INFIX:
        return f"{parts[0]} {_INFIX[op.symbol]} {parts[1]}"
    if op.name == "neg":
        return f"-{parts[0]}"
    return f"{op.name}({', '.join(parts)})"


def _where(view: GraphView, node: Value, op: Op) -> str:
    """How the op table's operand names map onto this node: x = a, y = b, z = t."""
    pairs = []
    for name, operand in zip(op.operand_names, node.operands, strict=True):
        shown = view.names[operand] if isinstance(operand, Value) else number(operand)
        pairs.append(f"{name} = {shown}")
    return ", ".join(pairs) + f", z = out = {view.names[node]}"


def _formula_line(op: Op, index: int) -> str:
    """The op table's formula for dz/d(operand index), when it reads as math; else ''."""
    formula = op.derivatives[index]
    if " if " in formula or "strong_zero" in formula or len(formula) > 30:
        return ""
    return f"dz/d{op.operand_names[index]} = {formula}"


def _local_hints(view: GraphView, node: Value, index: int) -> tuple[str, ...]:
    op = node.op_def
    assert op is not None
    name, operand = view.names[node], node.operands[index]
    assert isinstance(operand, Value)
    formula = _formula_line(op, index)
    values = ", ".join(
        f"{view.names[p]} = {number(p.data)}" if isinstance(p, Value) else f"the number {number(p)}"
        for p in node.operands
    )
    return (
        f"{name} = {expression(view, node)} is the op '{op.name}'; the op table says {op.doc}",
        f"In the op table's names {_where(view, node, op)}"
        + (f"; the formula is {formula}" if formula else "")
        + f": put in the numbers ({op.operand_names[index]} is {view.names[operand]}).",
        f"At {values} (out = {name} = {number(node.data)}).",
    )


def _value_hints(view: GraphView, node: Value) -> tuple[str, ...]:
    op = node.op_def
    assert op is not None
    return (
        f"{view.names[node]} = {expression(view, node)}",
        f"the op '{op.name}': z = {op.forward} (op table)",
        f"{view.names[node]} = {expression(view, node, numbers=True)}",
    )


def _contributions(view: GraphView, node: Value) -> list[tuple[Value, int, float]]:
    """(consumer t, operand position, dL/dt · ∂t/∂node) for every edge from ``node`` into a consumer."""
    found = []
    for consumer in dict.fromkeys(view.consumers.get(node, [])):
        for index, operand in enumerate(consumer.operands):
            if operand is node:
                local = local_at(consumer, index)
                found.append((consumer, index, view.gradients[consumer] * local))
    return found


def _grad_hints(view: GraphView, node: Value) -> tuple[tuple[str, ...], tuple[tuple[float, str], ...]]:
    """The hints for dL/dnode (chain rule, op table, numbers) and the traps: wrong answers explained."""
    name = view.names[node]
    edges = _contributions(view, node)
    if not edges:  # only the root has no consumer, and its gradient is the seed
        return (f"{name} feeds nothing: its gradient is the seed",), ()
    terms = " + ".join(f"dL/d{view.names[t]} · ∂{view.names[t]}/∂{name}" for t, _, _ in edges)
    if len(edges) == 1:
        user = edges[0][0]
        first = (
            f"Chain rule: dL/d{name} = {terms}: the upstream gradient dL/d{view.names[user]} times the "
            f"local derivative of {view.names[user]} = {expression(view, user)} ('{_op_name(user)}')."
        )
    else:
        users = ", ".join(dict.fromkeys(view.names[t] for t, _, _ in edges))
        first = f"{name} is used {len(edges)} times (by {users}): fan-out, the contributions add: "
        first += f"dL/d{name} = {terms}."
    second = "; ".join(
        f"∂{view.names[t]}/∂{name} from the op table, '{_op_name(t)}': {t.op_def.doc if t.op_def else ''} "
        f"(here {_where(view, t, t.op_def) if t.op_def else ''}), times the upstream dL/d{view.names[t]}"
        for t, _, _ in edges
    )
    third = " + ".join(
        f"{factor(view.gradients[t], _DIGITS)} · {factor(local_at(t, i), _DIGITS)}" for t, i, _ in edges
    )
    hints = (first, second, f"dL/d{name} = {terms} = {third}")
    return hints, _grad_traps(view, node, edges)


def _grad_traps(
    view: GraphView, node: Value, edges: list[tuple[Value, int, float]]
) -> tuple[tuple[float, str], ...]:
    """Wrong answers learners give for dL/dnode, each with what it is."""
    name, answer = view.names[node], view.gradients[node]
    traps: list[tuple[float, str]] = []
    for t, i, part in edges:
        user, upstream = view.names[t], f"dL/d{view.names[t]}"
        if len(edges) > 1:
            traps.append((part, f"that is only the path through {user}: the {len(edges)} contributions add"))
        for j, other in enumerate(t.operands):
            if j != i and isinstance(other, Value) and other is not node:
                why = f"that uses ∂{user}/∂{view.names[other]}, the other operand's local derivative"
                traps.append((view.gradients[t] * local_at(t, j), why))
        if len(edges) == 1:
            traps.append(
                (local_at(t, i), f"that is ∂{user}/∂{name} alone: multiply by the upstream {upstream}")
            )
            traps.append(
                (view.gradients[t], f"that is the upstream {upstream} alone: multiply by ∂{user}/∂{name}")
            )
    traps.append((-answer, "the sign is wrong"))
    return tuple((value, why) for value, why in traps if value != answer and math.isfinite(value))


def _key(prefix: str, *names: str) -> str:
    """A Python keyword for a question: dL_dx, dz_dx, value_z (characters outside \\w become _)."""
    parts = [re.sub(r"\W", "_", n) for n in names]
    return prefix.format(*parts)


def _unique(key: str, taken: set[str]) -> str:
    candidate, count = key, 2
    while candidate in taken:
        candidate, count = f"{key}_{count}", count + 1
    taken.add(candidate)
    return candidate


def questions(
    view: GraphView, ask: Sequence[str] = ("grads",), nodes: Collection[Value] | None = None
) -> list[Question]:
    """The questions about ``view``: values in forward order, then, in backward's order, each
    node's dL/dnode and its local derivatives. ``nodes`` limits which nodes are asked about."""
    unknown = [kind for kind in ask if kind not in ASK_KINDS]
    if unknown or not ask:
        raise ValueError(f"ask must name some of {', '.join(ASK_KINDS)}, got {list(ask)!r}")
    chosen = set(view.order) if nodes is None else set(nodes)
    taken: set[str] = set()
    # Gradients' keys first: dL_dd stays dL/dd even when a root named L has a local ∂L/∂d.
    grad_keys = {
        node: _unique(_key("d" + LOSS + "_d{}", view.names[node]), taken)
        for node in view.backward_order
        if "grads" in ask and node is not view.root and node in chosen
    }
    found: list[Question] = []
    if "values" in ask:
        for node in view.order:
            if node.op_def is not None and node in chosen:
                name = view.names[node]
                key = _unique(_key("value_{}", name), taken)
                negative = ((-node.data, "the sign is wrong"),) if node.data != 0 else ()
                found.append(
                    Question(key, "value", name, node, -1, node.data, _value_hints(view, node), negative)
                )
    for node in view.backward_order:
        name = view.names[node]
        if node in grad_keys:
            hints, traps = _grad_hints(view, node)
            found.append(
                Question(
                    grad_keys[node], "grad", f"d{LOSS}/d{name}", node, -1, view.gradients[node], hints, traps
                )
            )
        if "locals" in ask and node.op_def is not None and node in chosen:
            found.extend(_local_questions(view, node, taken))
    return found


def _local_questions(view: GraphView, node: Value, taken: set[str]) -> list[Question]:
    name = view.names[node]
    repeated = len(node.parents) != len(set(node.parents))
    found = []
    for index, operand in enumerate(node.operands):
        if not isinstance(operand, Value):
            continue
        other = view.names[operand] + (f"_{('first', 'second')[index]}" if repeated else "")
        key = _key("d{}_d{}", name, other)
        key = _unique(_key("local_d{}_d{}", name, other) if key in taken else key, taken)
        local = local_at(node, index)
        traps = tuple(
            (v, why)
            for v, why in (
                (-local, "the sign is wrong"),
                (node.data, f"that is the value of {name}, not its derivative"),
            )
            if v != local and math.isfinite(v)
        )
        prompt = f"∂{name}/∂{view.names[operand]}" + (
            f" ({('first', 'second')[index]} operand)" if repeated else ""
        )
        found.append(
            Question(key, "local", prompt, node, index, local, _local_hints(view, node, index), traps)
        )
    return found
