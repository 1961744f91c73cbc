"""The command line against hostile input: each case that could crash it or mislead its user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Value
from autograd_mini.cli import FUNCTIONS, MAX_EXPRESSION_LENGTH, _callable_ops, evaluate
from autograd_mini.ops import OPS, Op
from tests.cli.helpers import ERROR, run


def first_line(err: str) -> str:
    return err.splitlines()[0] if err else ""


@pytest.mark.parametrize(
    "expression",
    [
        "x**" * 3000 + "x",  # MemoryError inside Python's parser
        "-" * 5000 + "x",
        "x" + "*x" * 3000,  # RecursionError building the syntax tree
        "(" * 300 + "x" + ")" * 300,
    ],
)
def test_expressions_too_deep_to_parse_are_refused(
    expression: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["draw", expression, "--at", "x=1", "-o", str(tmp_path / "g.dot")], capsys)
    assert status == 2
    assert first_line(err).startswith(ERROR)
    assert not (tmp_path / "g.dot").exists()


def test_too_long_text_is_refused_before_parsing(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "not " * 5000 + "x", "--at", "x=1"], capsys)
    assert status == 2
    assert first_line(err) == f"{ERROR}the expression is 20,001 characters long; the limit is 10,000"
    assert MAX_EXPRESSION_LENGTH == 10_000


def test_evaluation_is_not_limited_by_the_recursion_limit() -> None:
    # 1,400 nested additions: Python parses them, and a recursive walk would need 1,400 frames.
    result, inputs = evaluate("+".join(["x"] * 1400), {"x": 1.0})
    result.backward()
    assert result.data == 1400.0 and inputs["x"].grad == 1400.0
    result, inputs = evaluate("-" * 990 + "x", {"x": 2.0})  # 990 unary minuses: even count
    assert result.data == 2.0


def test_a_long_sum_exits_2_then_draws_with_max_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expression = "+".join(["x"] * 1000)
    out = tmp_path / "g.dot"
    status, _, err = run(["draw", expression, "--at", "x=1", "-o", str(out)], capsys)
    assert status == 2
    assert first_line(err) == (
        f"{ERROR}the graph has 1000 values, more than --max-nodes 400; "
        "pass --max-nodes 1000 to draw it anyway (large graphs are slow to lay out)"
    )
    assert "max_nodes=None" not in err
    status, stdout, _ = run(
        ["draw", expression, "--at", "x=1", "-o", str(out), "--max-nodes", "1000"], capsys
    )
    assert status == 0 and out.read_text().startswith("digraph")
    assert stdout.splitlines()[1].split() == ["x", "input", "1", "1000"]


@pytest.mark.parametrize("bad", ["0", "-3", "1.5", "many"])
def test_max_nodes_must_be_a_positive_int(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x", "--at", "x=1", "--max-nodes", bad], capsys)
    assert status == 2 and "--max-nodes" in first_line(err)


def test_invalid_utf8_in_the_expression_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # Python hands undecodable argv bytes over as lone surrogates (surrogateescape).
    status, _, err = run(["draw", "x\udcff", "--at", "x=1"], capsys)
    assert status == 2
    assert first_line(err) == f"{ERROR}the expression is not valid UTF-8 (at character 2)"


def test_invalid_utf8_from_a_real_command_line(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "autograd-mini"
    result = subprocess.run(
        [str(executable), "draw", b"x*\xff\xfe", "--at", "x=1", "-o", str(tmp_path / "g\xff.dot")],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.decode() == f"{ERROR}the expression is not valid UTF-8 (at character 3)\n"


def test_an_undecodable_output_name_is_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout, _ = run(["draw", "x*2", "--at", "x=1", "-o", str(tmp_path / "g\udcff.dot")], capsys)
    assert status == 0
    assert stdout.splitlines()[-1] == f"wrote {tmp_path}/g\\xff.dot"
    assert (tmp_path / "g\udcff.dot").exists()


@pytest.mark.parametrize("digits", ["-1", "0", "18", "abc", "1e3"])
def test_digits_out_of_range_are_refused(digits: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x", "--at", "x=1", "--digits", digits], capsys)
    assert status == 2
    assert first_line(err).startswith(f"{ERROR}draw: argument --digits: ")


@pytest.mark.parametrize("digits", ["1", "17"])
def test_digits_in_range_are_accepted(
    digits: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(["draw", "x/3", "--at", "x=1", "--digits", digits, "-o", str(tmp_path / "g.dot")], capsys)[0] == 0
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["draw", "-x*2", "--at", "x=3"],
        ["draw", "--at", "x=3", "-x*2"],
        ["draw", "--at", "x=3", "--", "-x*2"],
        ["draw", "--digits", "3", "--", "-x*2"],
    ],
)
def test_an_expression_may_start_with_minus(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "x=3" not in argv:
        argv = ["draw", "--at", "x=3", *argv[1:]]
    status, stdout, _ = run([*argv[:1], "-o", str(tmp_path / "g.dot"), *argv[1:]], capsys)
    assert status == 0
    assert stdout.splitlines()[1].split() == ["x", "input", "3", "-2"]
    assert stdout.splitlines()[-2].split()[:3] == ["out", "*", "-6"]


def test_an_unknown_double_dash_option_is_not_taken_for_an_expression(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(["draw", "--frobnicate", "--at", "x=1"], capsys)
    assert status == 2 and "unrecognized arguments: --frobnicate" in first_line(err)


@pytest.mark.parametrize(
    ("expression", "written"),
    [("x + 1e309", "1e309"), ("x * -1E400", "1E400"), ("x + 1.8e308", "1.8e308")],
)
def test_non_finite_literals_are_refused(
    expression: str, written: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["draw", expression, "--at", "x=1"], capsys)
    assert status == 2
    assert first_line(err) == f"{ERROR}the number {written} is too large for a float"


def test_non_finite_inputs_are_refused_as_literals_are(capsys: pytest.CaptureFixture[str]) -> None:
    for number in ("inf", "-inf", "nan", "1e309"):
        status, _, err = run(["draw", "x", "--at", f"x={number}"], capsys)
        assert status == 2 and "is not a finite number" in first_line(err)


def test_a_huge_integer_literal_is_refused_naming_it_shortly(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x + " + "9" * 4300, "--at", "x=1"], capsys)
    assert status == 2
    assert (
        first_line(err)
        == f"{ERROR}the number 999999999999…999999999999 (4300 characters) is too large for a float"
    )
    assert len(err) < 300  # not the 4,300 digits


def test_a_huge_integer_that_python_refuses_to_parse_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x + " + "9" * 5000, "--at", "x=1"], capsys)
    assert status == 2 and first_line(err).startswith(f"{ERROR}not a valid expression")


def test_a_bare_input_keeps_its_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_mini import _graph_drawing

    roots: list[Value] = []
    real = _graph_drawing.draw_view

    def spy(view: Any, *args: Any) -> Any:
        roots.append(view.root)
        return real(view, *args)

    monkeypatch.setattr(_graph_drawing, "draw_view", spy)
    assert run(["draw", "x", "--at", "x=1", "-o", str(tmp_path / "g.dot")], capsys)[0] == 0
    assert run(["draw", "x*2", "--at", "x=1", "-o", str(tmp_path / "g.dot")], capsys)[0] == 0
    assert [root.label for root in roots] == ["x", "out"]
    assert roots[0].is_leaf and roots[0].grad == 1.0


def test_the_functions_are_derived_from_the_op_table(monkeypatch: pytest.MonkeyPatch) -> None:
    operators = {"add", "sub", "mul", "div", "pow", "neg"}  # written as + - * / ** and unary -
    assert set(FUNCTIONS) == set(OPS) - operators
    assert FUNCTIONS["leaky_relu"][1] == (1, 2) and FUNCTIONS["exp"][1] == (1,)
    # A new op with a Value method reaches the command line by being added once.
    monkeypatch.setitem(OPS, "double", Op("double", "double", "2.0 * x", ("2.0",)))
    monkeypatch.setattr(Value, "double", lambda self: self * 2, raising=False)
    assert _callable_ops()["double"][1] == (1,)


def test_duplicate_and_unicode_bindings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x", "--at", "x=1", "x=2"], capsys)
    assert status == 2 and first_line(err).endswith("--at gives x more than once")
    # Python's parser reads the ligature ﬁ as fi (NFKC); so does --at.
    status, stdout, _ = run(["draw", "ﬁ*3", "--at", "ﬁ=2", "-o", str(tmp_path / "g.dot")], capsys)
    assert status == 0 and stdout.splitlines()[1].split() == ["fi", "input", "2", "3"]


def test_an_unused_binding_is_refused_before_any_math() -> None:
    with pytest.raises(ValueError, match="does not use"):
        evaluate("log(0)", {"z": 1.0})


@pytest.mark.parametrize("name", ["g.txt", "g", ""])
def test_an_unknown_output_format_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["draw", "x", "--at", "x=1", "-o", str(tmp_path / name) if name else ""], capsys)
    assert status == 2 and first_line(err).startswith(ERROR)


def test_an_unwritable_output_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folder.dot").mkdir()
    for target in (tmp_path / "missing" / "g.dot", tmp_path / "folder.dot"):
        status, _, err = run(["draw", "x", "--at", "x=1", "-o", str(target)], capsys)
        assert status == 1 and len(err.splitlines()) == 1 and err.startswith(ERROR), err


def test_a_long_refused_expression_shows_a_window_around_the_fault(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(["draw", "+".join(["x"] * 300) + "+y.z", "--at", "x=1"], capsys)
    assert status == 2
    reason, shown, carets = err.splitlines()
    assert reason == f"{ERROR}attribute access is not allowed"
    assert len(shown) < 80 and shown.rstrip().endswith("y.z")
    assert shown[carets.index("^") : len(carets)] == "y.z"


def test_newlines_in_arguments_never_split_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x", "--at", "x=1", "--bogus\nline"], capsys)
    assert status == 2 and "--bogus\\nline" in first_line(err)


def test_a_double_minus_expression_is_an_expression_unless_it_looks_like_an_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stdout, _ = run(["draw", "--x*2", "--at", "x=3", "-o", str(tmp_path / "g.dot")], capsys)
    assert status == 0 and stdout.splitlines()[-2].split()[:3] == ["out", "*", "6"]
    status, _, err = run(["draw", "--x", "--at", "x=3"], capsys)
    assert status == 2 and first_line(err).endswith("(an expression starting with - may go last, after --)")


def test_a_huge_unknown_argument_is_shortened_in_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x", "--at", "x=1", "-" * 5000 + "y"], capsys)
    assert status == 2 and len(first_line(err)) < 200


def test_without_graphviz_the_reason_comes_first_then_the_install_help(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` to be found
    status, _, err = run(["draw", "x*2", "--at", "x=1", "-o", str(tmp_path / "g.svg")], capsys)
    assert status == 1
    assert first_line(err).startswith(f"{ERROR}Graphviz's `dot` program is not installed")
    assert "apt-get install" in err and "\\n" not in err
    assert not (tmp_path / "g.svg").exists()
    # The DOT source needs no Graphviz program.
    assert run(["draw", "x*2", "--at", "x=1", "-o", str(tmp_path / "g.dot")], capsys)[0] == 0


def test_at_given_twice_in_separate_options_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x*2", "--at", "x=3", "--at", "x=4", "-o", "unused.dot"], capsys)
    assert status == 2 and "x more than once" in first_line(err)


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    command = f'"{sys.executable}" -m autograd_mini draw "x*2" --at x=3 -o "{tmp_path / "g.dot"}" | true'
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=False, timeout=60)
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("1not 2", "not a valid expression: invalid syntax (at character 6)"),
        ("1if x else 2", "an if-expression is not allowed"),
        ("0x1for x", "and/or is not allowed"),  # 0x1f or x
    ],
)
@pytest.mark.parametrize("warnings", ["default", "error"])
def test_python_syntax_warnings_never_come_before_the_reason(
    expression: str, reason: str, warnings: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-W", warnings, "-m", "autograd_mini", "draw", expression, "--at", "x=1",
         "-o", str(tmp_path / "g.dot")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert first_line(result.stderr).startswith(f"{ERROR}{reason}"), result.stderr
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("x^2", "the operator ^ (bitwise xor) is not allowed; a power is written **, as in x**2"),
        ("(x+1)^3", "the operator ^ (bitwise xor) is not allowed; a power is written **, as in (x+1)**3"),
        ("-x^y*2", "the operator ^ (bitwise xor) is not allowed; a power is written **, as in (-x)**(y*2)"),
        ("x//2", "the operator // (floor division) is not allowed; / divides"),
        ("x % 2", "the operator % (remainder) is not allowed"),
        ("~x", "the operator ~ (bitwise not) is not allowed; - negates"),
        ("not x", "the operator not is not allowed"),
    ],
)
def test_refused_operators_are_named_by_their_symbol_with_a_hint(
    expression: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["draw", expression, "--at", "x=2", "-o", "unused.dot"], capsys)
    assert status == 2
    assert first_line(err) == f"{ERROR}{reason}"


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["draw", "x*y", "x=2", "y=3"], "input values go after --at: --at x=2 y=3"),
        (["explore", "x*y", "--digits", "3", "x=2", "y=3"], "input values go after --at: --at x=2 y=3"),
        (["draw", "x=2", "y=3", "x*y"], "input values go after --at: --at x=2 y=3"),
        (["draw", "x=2"], "input values go after --at: --at x=2"),
        (["draw", "x*y", "--at", "x=2", "y=3", "-o", "g.dot", "z=4"], "input values go after --at: --at z=4"),
    ],
)
def test_bindings_without_at_are_refused_with_a_hint_to_use_at(
    argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(argv, capsys)
    assert status == 2
    assert first_line(err).startswith(ERROR) and hint in first_line(err), err
    assert "starting with -" not in err
    assert not Path("graph.svg").exists() and not Path("explorer.html").exists()


def test_two_expressions_get_a_hint_to_quote_one(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["draw", "x", "*", "x", "--at", "x=2"], capsys)
    assert status == 2
    assert first_line(err) == (
        f"{ERROR}unrecognized arguments: * x (draw takes one expression: quote it, as in 'x * y')"
    )


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["draw", "x*2", "g.svg", "--at", "x=1"], "unrecognized arguments: g.svg"),
        (["explore", "x*2", "p.html", "--at", "x=1"], "unrecognized arguments: p.html"),
        (["draw", "x*2", "--at", "x=1", "g.svg"], "draw: argument --at: expected NAME=NUMBER, got 'g.svg'"),
    ],
)
def test_a_file_name_without_o_gets_a_hint_to_use_o(
    argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(argv, capsys)
    name = next(word for word in argv if "." in word)
    assert status == 2
    assert first_line(err) == f"{ERROR}{reason} (the file to write goes after -o: -o {name})"
    assert not Path(name).exists()


@pytest.mark.parametrize("name", ["e.svg", "page", "page.html.svg", "page.dot"])
def test_explore_refuses_an_output_that_is_not_an_html_page(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["explore", "x*2", "--at", "x=1", "-o", str(tmp_path / name)], capsys)
    assert status == 2
    assert first_line(err) == (
        f"{ERROR}explore writes an HTML page: the output must end in .html or .htm, got {tmp_path / name}"
    )
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["page.html", "PAGE.HTM", "p.Html"])
def test_explore_writes_html_and_htm_pages(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, _ = run(["explore", "x*2", "--at", "x=1", "-o", str(tmp_path / name)], capsys)
    assert status == 0 and (tmp_path / name).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("argv", "unrecognized"),
    [
        (["draw", "x*2", "--at", "x=1", "--m=3"], "--m=3"),  # was read as --max-nodes=3 (found by fuzzing)
        (["draw", "x*2", "--at", "x=1", "--dig", "3"], "--dig 3"),
        (["explore", "x*2", "--at", "x=1", "--qu"], "--qu"),
        (["train-view", "--step", "3"], "--step 3"),
    ],
)
def test_an_abbreviated_option_is_refused_not_guessed(
    argv: list[str], unrecognized: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, printed, err = run(argv, capsys)
    assert status == 2 and printed == ""
    assert err.splitlines()[0].startswith(f"{ERROR}unrecognized arguments: {unrecognized}")
