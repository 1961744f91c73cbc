"""The command line: the draw example end to end, refused expressions, exit codes."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_mini.cli import ExpressionError, evaluate, main


def test_draw_example_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.svg"
    status = main(["draw", "tanh(x*w + b)", "--at", "x=2", "w=-3", "b=6.88", "-o", str(out)])
    assert status == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "op", "value", "dout/d(name)"]
    table = {line.split()[0]: line.split()[1:] for line in lines[1:-1]}
    assert table["x"] == ["input", "2", "-1.50292"]
    assert table["w"] == ["input", "-3", "1.00194"]
    assert table["b"] == ["input", "6.88", "0.500972"]
    assert table["t1"] == ["*", "-6", "0.500972"]
    assert table["t2"] == ["+", "0.88", "0.500972"]
    assert table["out"] == ["tanh", "0.706419", "1"]
    drawn = " ".join(ET.parse(out).getroot().itertext())
    assert "tanh" in drawn
    for name in ("t1", "t2", "∂t1/∂x", "dout/dt1"):
        assert name in drawn, name  # the table's names are the drawing's names
    assert "∂z/∂x" not in drawn


def test_draw_show_forward_only_and_legend(tmp_path: Path) -> None:
    out = tmp_path / "graph.dot"
    assert main(["draw", "x*w", "--at", "x=2", "w=-3", "--show", "forward", "--legend", "-o", str(out)]) == 0
    source = out.read_text()
    assert "∂out/∂x" in source and "dout/dx" not in source
    assert main(["draw", "x*w", "--at", "x=2", "w=-3", "--show", "sideways", "-o", str(out)]) == 2


@pytest.mark.slow
def test_console_script_and_module_entry_points(tmp_path: Path) -> None:
    for command in (["autograd-mini"], [sys.executable, "-m", "autograd_mini"]):
        executable = Path(sys.executable).parent / "autograd-mini"
        argv = [str(executable)] if command == ["autograd-mini"] else command
        result = subprocess.run(
            [*argv, "draw", "x*y", "--at", "x=3", "y=-4", "-o", str(tmp_path / "g.dot")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "wrote" in result.stdout


@pytest.mark.parametrize(
    ("expression", "message", "marked"),
    [
        ("x.data", "attribute access is not allowed", "x.data"),
        ("x[0]", "subscripting is not allowed", "x[0]"),
        ("__import__('os')", "unknown function '__import__'", "__import__"),
        ("(lambda: x)()", "a lambda is not allowed", "lambda: x"),
        ("tanh(x) + y", "name 'y' has no value", "y"),
        ("foo(x)", "unknown function 'foo'", "foo"),
        ("x.__class__", "attribute access is not allowed", "x.__class__"),
        ("'a' * x", "only numbers", "'a'"),
        ("x if x else 1", "an if-expression is not allowed", "x if x else 1"),
        ("x < 1", "a comparison is not allowed", "x < 1"),
        ("[x][0]", "subscripting is not allowed", "[x][0]"),
        ("x % 2", "the operator % (remainder) is not allowed", "x % 2"),
        ("log(x, 2)", "log takes 1 argument", "log(x, 2)"),
    ],
)
def test_refused_expressions_point_at_the_offending_part(expression: str, message: str, marked: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(expression, {"x": 1.0})
    text = str(info.value)
    assert message in text
    source_line, caret_line = text.splitlines()[1:3]
    start = source_line.index(marked)
    assert caret_line[start : start + len(marked)] == "^" * len(marked)


def test_refusals_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "x.data", "--at", "x=1", "-o", "unused.dot"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograd-mini: error: attribute access") and "Traceback" not in err


def test_bad_usage_exits_2_with_the_reason_first(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["draw", "x", "--at", "x=abc"], ["draw", "x", "--at", "=1"], ["frobnicate"], []):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("autograd-mini") and ": error: " in err.splitlines()[0], err
        assert "usage:" in err and "Traceback" not in err
    main(["draw", "x", "--at", "x=abc"])
    assert "is not a number" in capsys.readouterr().err.splitlines()[0]


def test_math_errors_exit_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "log(x)", "--at", "x=0", "-o", str(tmp_path / "g.dot")]) == 1
    assert capsys.readouterr().err.strip() == "autograd-mini: error: log: needs x > 0; got x = 0.0"


def test_unused_binding_is_refused() -> None:
    with pytest.raises(ExpressionError, match="does not use"):
        evaluate("x * 2", {"x": 1.0, "z": 2.0})


def test_evaluate_matches_the_engine() -> None:
    result, inputs = evaluate("2 ** x + leaky_relu(-x, 0.1) - 3 / (x * x) + -x", {"x": 1.5})
    result.backward()
    x = 1.5
    assert result.data == pytest.approx(2**x + 0.1 * -x - 3 / (x * x) - x)
    assert inputs["x"].grad == pytest.approx(2**x * 0.6931471805599453 - 0.1 + 6 / x**3 - 1)


def test_help_and_demo_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "--help"]) == 0
    assert "tanh(x*w + b)" in capsys.readouterr().out
    assert main(["demo", "--list"]) == 0
    assert "cheatsheet_network" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_mini.demos import _common

    monkeypatch.setattr(_common, "OUT", tmp_path)
    assert main(["demo", "chain_rule"]) == 0
    assert "dL/dx = dL/dz * dz/dx" in capsys.readouterr().out
    assert main(["demo", "nope"]) == 2
    assert capsys.readouterr().err.startswith("autograd-mini: error: unknown demo 'nope'")


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"autograd-mini {version('autograd-mini')}"
