"""The op table's formulas with some operands fixed to numbers, their constant parts worked out.

Compiled code fills a formula with a literal where an operand is a number: ``x ** 2`` gives
``power(x, 2.0)``, whose text tests ``2.0 == 2.0``, ``2.0 - 1.0 == 2.0``, ``2.0 >= 1.0 or ...``
at every call. ``fold`` evaluates once what reads only such literals (comparisons, arithmetic,
calls of the formulas' own functions, ``and``/``or``, a conditional whose test is constant)
and keeps the rest, so the code tests only what depends on data. It evaluates with Python's
own operators on floats, as the code would: a part whose evaluation raises (an overflow, a
division by zero) or gives nan or a complex number is left as written, to run (and raise,
where it raises) as before. Only the table's own formulas and float operands reach it.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from .ops import FORMULA_NAMES

__all__ = ["fold", "may_raise"]

_UNKNOWN: Any = object()  # the value of an expression that reads data

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
# The functions the formulas call (math's, and abs); strong_zero is a value, kept as a name.
_CALLS = {name: f for name, f in FORMULA_NAMES.items() if callable(f) and name != "power"}
_NAMED = {"inf": math.inf}  # constants the formulas name


def may_raise(tree: ast.AST) -> bool:
    """Whether evaluating an expression on floats can raise: it calls math, divides or takes a power.

    Additions, products, negations, comparisons and abs never raise on floats.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id == "abs"):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Pow, ast.Mod, ast.FloorDiv)):
            return True
    return False


def fold(formula: str, literals: dict[str, float], condition: bool = False) -> str | None:
    """``formula`` with the parts that read only the operands in ``literals`` evaluated, or None if none does.

    The operands stay names (x, y) where they are still read; a folded part becomes its value.
    ``condition``: the formula is only tested for truth (a domain check), so ``a or True``
    with an ``a`` that cannot raise is True.
    """
    folder = _Folder(literals)
    tree, _, _ = folder.fold(ast.parse(formula, mode="eval").body, condition)
    if not folder.changed:
        return None
    return ast.unparse(ast.fix_missing_locations(tree))


def _as_node(value: object) -> ast.expr | None:
    """A folded value as code: True, 2.0, -(0.5), inf; None for what has no exact literal (nan)."""
    if isinstance(value, bool):
        return ast.Constant(value)
    if type(value) is not float:  # a complex power, say: left as written
        return None
    if math.isnan(value):
        return None
    magnitude: ast.expr = ast.Name("inf", ast.Load()) if math.isinf(value) else ast.Constant(abs(value))
    if math.copysign(1.0, value) < 0.0:  # -0.0 too: its sign is part of the value
        return ast.UnaryOp(ast.USub(), magnitude)
    return magnitude


class _Folder:
    """One folding of one formula: the literal operands' values, and whether anything folded."""

    def __init__(self, literals: dict[str, float]) -> None:
        self.literals = literals
        self.changed = False

    def fold(self, node: ast.expr, condition: bool) -> tuple[ast.expr, Any, bool]:
        """(the node folded, its value or _UNKNOWN, whether it reads a literal operand).

        ``condition``: only the truth of the node's value matters where it is read.
        """
        value, reads = _UNKNOWN, False
        if isinstance(node, ast.Name):
            if node.id in self.literals:
                return node, self.literals[node.id], True
            return node, _NAMED.get(node.id, _UNKNOWN), False
        if isinstance(node, ast.Constant):
            return node, node.value, False
        if isinstance(node, ast.IfExp):
            test, test_value, test_reads = self.fold(node.test, True)
            if test_value is not _UNKNOWN:  # the branch not taken is never evaluated
                self.changed = True
                return self.fold(node.body if test_value else node.orelse, condition)
            body, _, body_reads = self.fold(node.body, condition)
            orelse, _, orelse_reads = self.fold(node.orelse, condition)
            return ast.IfExp(test, body, orelse), _UNKNOWN, test_reads or body_reads or orelse_reads
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node, condition)
        if isinstance(node, ast.UnaryOp):
            operand, known, reads = self.fold(node.operand, isinstance(node.op, ast.Not))
            node = ast.UnaryOp(node.op, operand)
            if known is not _UNKNOWN:
                value = _evaluate(_UNARY[type(node.op)], known)
        elif isinstance(node, ast.BinOp):
            left, left_value, left_reads = self.fold(node.left, False)
            right, right_value, right_reads = self.fold(node.right, False)
            node, reads = ast.BinOp(left, node.op, right), left_reads or right_reads
            if left_value is not _UNKNOWN and right_value is not _UNKNOWN and type(node.op) in _BINARY:
                value = _evaluate(_BINARY[type(node.op)], left_value, right_value)
        elif isinstance(node, ast.Compare):
            folded = [self.fold(part, False) for part in (node.left, *node.comparators)]
            node = ast.Compare(folded[0][0], node.ops, [part for part, _, _ in folded[1:]])
            reads = any(part_reads for _, _, part_reads in folded)
            values = [part_value for _, part_value, _ in folded]
            if _UNKNOWN not in values and all(type(op) in _COMPARE for op in node.ops):
                pairs = zip(node.ops, values, values[1:], strict=False)
                value = _evaluate(lambda: all(_COMPARE[type(op)](a, b) for op, a, b in pairs))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            function = node.func.id
            folded = [self.fold(arg, False) for arg in node.args]
            node = ast.Call(node.func, [arg for arg, _, _ in folded], [])
            reads = any(arg_reads for _, _, arg_reads in folded)
            values = [arg_value for _, arg_value, _ in folded]
            if function in _CALLS and _UNKNOWN not in values:
                value = _evaluate(_CALLS[function], *values)
        else:
            return node, _UNKNOWN, False  # nothing else occurs in the table's formulas
        return self._constant(node, value, reads)

    def _constant(self, node: ast.expr, value: Any, reads: bool) -> tuple[ast.expr, Any, bool]:
        """The node, replaced by its value when it reads a literal operand and has an exact literal."""
        if value is _UNKNOWN:
            return node, value, reads
        literal = _as_node(value) if reads else None
        if literal is None:  # a table constant, or a value with no exact literal (nan): as written
            return node, value, reads
        self.changed = True
        return literal, value, reads

    def _bool_op(self, node: ast.BoolOp, condition: bool) -> tuple[ast.expr, Any, bool]:
        """``a or b or ...`` (or ``and``) without its constant operands that cannot change the result.

        Python returns the first operand that decides (truthy for or, falsy for and), else the
        last: a constant that does not decide is skipped, one that decides ends the operands.
        """
        decides = bool if isinstance(node.op, ast.Or) else operator.not_
        kept: list[tuple[ast.expr, Any, bool]] = []
        reads = False
        last = len(node.values) - 1
        for i, operand in enumerate(node.values):
            folded = self.fold(operand, condition)
            reads = reads or folded[2]
            known = folded[1]
            if known is _UNKNOWN:
                kept.append(folded)
                continue
            if decides(known):
                if i < last:
                    self.changed = True  # the operands after it are never evaluated
                if condition and kept and not any(may_raise(part) for part, _, _ in kept):
                    kept = []  # only its truth is read, and that is decided: the others can go
                    self.changed = True
                kept.append(folded)
                break
            if i < last or (condition and kept):
                self.changed = True  # evaluated, found not to decide, and passed over
                continue
            kept.append(folded)
        if len(kept) == 1:
            return kept[0]
        return ast.BoolOp(node.op, [part for part, _, _ in kept]), _UNKNOWN, reads


def _evaluate(function: Callable[..., Any], *operands: Any) -> Any:
    """``function(*operands)``, or _UNKNOWN when it raises (the code evaluates, and raises, as written)."""
    try:
        return function(*operands)
    except (ArithmeticError, ValueError, TypeError):
        return _UNKNOWN
