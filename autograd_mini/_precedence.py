"""Where one piece of generated code, put into a formula, needs parentheses around it.

The compiler writes an operand's code into the formula that reads it. Parentheses are needed
only where Python would otherwise read another tree: ``(a + b) + c`` is ``a + b + c``, while
``a + (b + c)`` is not (float addition is not associative, so that tree must stay). Code with
only the parentheses it needs is shorter and reads better, and CPython's ``compile()`` reads
it faster: on a GPT word's code, whose dot products nest a sum per term, a third less time.

A *level* is how tightly code binds, by Python's grammar, lowest first: a conditional
expression, ``or``, ``and``, ``not``, comparisons, ``|``, ``^``, ``&``, shifts, ``+ -``,
``* / // % @``, unary ``- + ~``, ``**``, ``await``, and an atom (a name, a number, a call,
an item, or anything in parentheses). Code of level L needs no parentheses in a place that
needs L or less. Only the tree is compared: the same tree is the same bytecode.
"""

from __future__ import annotations

import ast
import string

__all__ = ["ATOM", "SAME", "field_levels", "level_of"]

SAME = 0  # the level of a template that is one field: that of the code put in it
TEST, OR, AND, NOT, CMP, BOR, BXOR, BAND, SHIFT, ARITH, TERM, FACTOR, POWER, AWAIT, ATOM = range(1, 16)

_BINARY = {
    ast.BitOr: BOR,
    ast.BitXor: BXOR,
    ast.BitAnd: BAND,
    ast.LShift: SHIFT,
    ast.RShift: SHIFT,
    ast.Add: ARITH,
    ast.Sub: ARITH,
    ast.Mult: TERM,
    ast.Div: TERM,
    ast.FloorDiv: TERM,
    ast.Mod: TERM,
    ast.MatMult: TERM,
    ast.Pow: POWER,
}
_ATOMS = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript, ast.List, ast.Dict, ast.Set)
_FIELD = "_field_"  # a format field {x} becomes the name _field_x while the formula is parsed


def level_of(node: ast.expr) -> int:
    """How tightly the code of this tree binds at its top (ATOM for a name, a number, a call...)."""
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return NOT if isinstance(node.op, ast.Not) else FACTOR
    if isinstance(node, ast.BoolOp):
        return AND if isinstance(node.op, ast.And) else OR
    if isinstance(node, ast.Compare):
        return CMP
    if isinstance(node, ast.IfExp):
        return TEST
    if isinstance(node, _ATOMS):
        return ATOM
    return 0  # anything else (lambda, :=, a bare tuple): below every level, so always in parentheses


def _child_needs(node: ast.expr) -> list[tuple[ast.expr, int]]:
    """Each operand of ``node`` with the level it must have to be written without parentheses."""
    if isinstance(node, ast.BinOp):
        level = _BINARY[type(node.op)]
        if level == POWER:  # right-associative, and its right side may be a unary minus: a ** -b
            return [(node.left, AWAIT), (node.right, FACTOR)]
        return [(node.left, level), (node.right, level + 1)]  # left-associative
    if isinstance(node, ast.UnaryOp):
        return [(node.operand, NOT if isinstance(node.op, ast.Not) else FACTOR)]
    if isinstance(node, ast.BoolOp):
        return [(value, level_of(node) + 1) for value in node.values]
    if isinstance(node, ast.Compare):  # a comparison inside another would chain: a < b < c
        return [(operand, BOR) for operand in (node.left, *node.comparators)]
    if isinstance(node, ast.IfExp):  # right-associative: a if t else b if u else c
        return [(node.test, OR), (node.body, OR), (node.orelse, TEST)]
    if isinstance(node, ast.Call):
        return [(node.func, ATOM), *((arg, TEST) for arg in node.args)]
    return [(child, ATOM) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]


def field_levels(template: str) -> tuple[dict[str, int], int]:
    """The level each field's code needs in a format string over {x}, {y}, {g}, {out}; the whole's level.

    A field's need is the highest over its places. A template that is one field needs nothing
    of it, and has the level of the code put in it (``SAME``).
    """
    pieces = []
    for literal, name, _, _ in string.Formatter().parse(template):
        pieces.append(literal)
        if name is not None:
            pieces.append(_FIELD + name)
    tree = ast.parse("".join(pieces), mode="eval").body
    needs: dict[str, int] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        for child, need in _child_needs(node):
            if isinstance(child, ast.Name) and child.id.startswith(_FIELD):
                name = child.id[len(_FIELD) :]
                needs[name] = max(needs.get(name, 0), need)
            else:
                stack.append(child)
    if isinstance(tree, ast.Name) and tree.id.startswith(_FIELD):
        return {tree.id[len(_FIELD) :]: SAME}, SAME
    return needs, ATOM if _enclosed(template) else level_of(tree)


def _enclosed(code: str) -> bool:
    """Whether code is one pair of parentheses around the rest (the tree does not show them)."""
    if not (code.startswith("(") and code.endswith(")")):
        return False
    depth = 0
    for place, char in enumerate(code):
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return place == len(code) - 1
    return False
