"""Code put into formulas with only the parentheses it needs parses to the same tree as with all."""

from __future__ import annotations

import ast
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import _precedence, compiler
from autograd_mini._precedence import ATOM, SAME, field_levels

# Every template the compiler writes code from: forward formulas, derivatives, their chain-rule
# terms (with the incoming gradient {g}) and the op table's checks.
TEMPLATES = sorted(
    {template.text for template in compiler._FORWARD.values()}
    | {d.text for derivatives in compiler._DERIVATIVES.values() for d in derivatives}
    | {compiler._term("{g}", d.text) for derivatives in compiler._DERIVATIVES.values() for d in derivatives}
    | {
        check.condition.text
        for domain, grad_domains in compiler._CHECKS.values()
        for check in (domain, *grad_domains)
        if check is not None
    }
    | {"{x} - {y}", "{x} ** {y}", "-{x}", "{x} if {y} else {x}", "{x} < {y}", "not {x}", "{x} and {y}"}
)
LEAVES = ["v12", "g3", "0.5", "(-1.0)", "_C[2]", "1e-07", "inf"]


def fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


@st.composite
def code_trees(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """(code with every inserted piece in parentheses, code with only the ones it needs)."""
    if depth >= 4 or draw(st.integers(0, 3)) == 0:
        leaf = draw(st.sampled_from(LEAVES))
        return leaf, leaf
    template = draw(st.sampled_from(TEMPLATES))
    needs, _ = field_levels(template)
    full: dict[str, str] = {}
    minimal: dict[str, str] = {}
    for name in dict.fromkeys(fields(template)):
        full_code, minimal_code = draw(code_trees(depth + 1))
        full[name] = f"({full_code})"
        inner = _level(minimal_code)
        minimal[name] = minimal_code if inner >= needs[name] else f"({minimal_code})"
    return template.format(**full), template.format(**minimal)


def _level(code: str) -> int:
    return _precedence.level_of(ast.parse(code, mode="eval").body) if code not in LEAVES else ATOM


@settings(max_examples=600, deadline=None)
@given(code_trees())
def test_needed_parentheses_only_give_the_same_tree(codes: tuple[str, str]) -> None:
    full, minimal = codes
    assert ast.dump(ast.parse(minimal, mode="eval")) == ast.dump(ast.parse(full, mode="eval"))
    assert len(minimal) <= len(full)


@pytest.mark.parametrize(
    ("template", "needs", "level"),
    [
        ("{x} + {y}", {"x": _precedence.ARITH, "y": _precedence.TERM}, _precedence.ARITH),
        ("{x} * {y}", {"x": _precedence.TERM, "y": _precedence.FACTOR}, _precedence.TERM),
        ("{x} ** {y}", {"x": _precedence.AWAIT, "y": _precedence.FACTOR}, _precedence.POWER),
        ("-{x}", {"x": _precedence.FACTOR}, _precedence.FACTOR),
        ("exp({x})", {"x": _precedence.TEST}, ATOM),
        ("{x} if {x} > 0.0 else {y}", {"x": _precedence.BOR, "y": _precedence.TEST}, _precedence.TEST),
        ("{x} < {y}", {"x": _precedence.BOR, "y": _precedence.BOR}, _precedence.CMP),
        ("{y}", {"y": SAME}, SAME),
    ],
)
def test_field_levels_follow_pythons_grammar(template: str, needs: dict[str, int], level: int) -> None:
    assert field_levels(template) == (needs, level)


def test_a_right_operand_of_the_same_level_keeps_its_parentheses() -> None:
    """a - (b - c) and a * (b * c) are other trees (and other floats) than without them."""
    needs, _ = field_levels("{x} - {y}")
    assert needs["y"] > _precedence.level_of(ast.parse("b - c", mode="eval").body)
    needs, _ = field_levels("{x} * {y}")
    assert needs["y"] > _precedence.level_of(ast.parse("b * c", mode="eval").body)


def test_every_template_in_every_field_of_every_template() -> None:
    """Each template's code (its fields filled with names) put into each field of each one."""
    checked = 0
    for inner in TEMPLATES:
        code = inner.format(**{name: "v1" for name in fields(inner)})
        _, level = field_levels(inner)
        level = ATOM if level == SAME else level
        for outer in TEMPLATES:
            needs, _ = field_levels(outer)
            for name in dict.fromkeys(fields(outer)):
                others = {other: "v2" for other in fields(outer) if other != name}
                full = outer.format(**others, **{name: f"({code})"})
                minimal = outer.format(**others, **{name: code if level >= needs[name] else f"({code})"})
                assert ast.dump(ast.parse(minimal, mode="eval")) == ast.dump(ast.parse(full, mode="eval")), (
                    f"{code!r} in {outer!r}"
                )
                checked += 1
    assert checked > 1000


def test_code_in_one_pair_of_parentheses_is_an_atom() -> None:
    assert field_levels("(0.0 if {x} <= 0.0 else {g})") == (
        {"x": _precedence.BOR, "g": _precedence.TEST},
        ATOM,
    )
    assert field_levels("({x} + 1.0) * ({y} + 1.0)")[1] == _precedence.TERM


def test_every_chain_rule_term_binds_at_least_as_a_product() -> None:
    """The backward joins a gradient's terms with " + " without parentheses: each must bind so."""
    for derivatives in compiler._DERIVATIVES.values():
        for derivative in derivatives:
            assert derivative.term_level in (SAME, *range(_precedence.TERM, ATOM + 1)), derivative.text


def test_code_of_an_unknown_kind_always_gets_parentheses() -> None:
    for code in ("lambda: 1.0", "(a := 1.0)", "a, b", "(yield)"):
        tree = ast.parse(code, mode="exec").body[0]
        node = tree.value if isinstance(tree, ast.Expr) else tree
        assert isinstance(node, ast.expr)
        assert _precedence.level_of(node) < _precedence.TEST, code
