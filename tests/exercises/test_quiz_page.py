"""explore(root, quiz=True) without a browser: own assets, the exercise questions, the CLI flag."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest

from autograd_mini import Value, explore
from autograd_mini._explorer_page import asset
from autograd_mini.cli import main
from autograd_mini.exercises import from_graph
from tests.helpers import ROOT


def page_data(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    data: dict[str, object] = json.loads(found[1])
    return data


def xy() -> Value:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    return z


def test_the_quiz_page_has_its_own_script_style_and_body() -> None:
    quiz, plain = explore(xy(), quiz=True).html, explore(xy()).html
    assert asset("quiz.js") in quiz and asset("explorer.js") not in quiz
    assert asset("quiz.css") in quiz and 'id="answer"' in quiz
    assert asset("explorer.js") in plain and asset("quiz.js") not in plain and "quiz" not in page_data(plain)
    for shared in ("view.js", "view.css"):  # the drawing's view: one asset, on both pages
        assert asset(shared) in quiz and asset(shared) in plain
    assert quiz.count('<svg data-drawing="full"') == 2  # both layouts (rankdir "auto"), as the explorer
    assert "Content-Security-Policy" in quiz and "default-src 'none'" in quiz


def test_the_quiz_asks_what_the_exercise_asks_with_the_same_answers() -> None:
    z = xy()
    data = page_data(explore(z, quiz=True, grad=2.0).html)["quiz"]
    assert isinstance(data, dict)
    exercise = from_graph(z, ask=["locals", "grads"], grad=2.0)
    assert [(q["key"], q["answer"]) for q in data["backward"]] == list(exercise.answers().items())
    assert [q["prompt"] for q in data["forward"]] == ["z"]
    assert data["seed"] == "seed dL/dz = 2"


def test_quiz_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="quiz must be a bool"):
        explore(xy(), quiz="yes")  # type: ignore[arg-type]


def test_cli_explore_quiz_writes_a_quiz_page(tmp_path: Path) -> None:
    out = tmp_path / "quiz.html"
    assert main(["explore", "x*y", "--at", "x=3", "y=-4", "--quiz", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert asset("quiz.js") in html and "quiz" in page_data(html)


def test_the_quiz_assets_ship_as_package_data() -> None:
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    line = re.search(r'^"autograd_mini\.explorer_assets" = \[(.*)\]', config, re.MULTILINE)
    assert line is not None, "pyproject.toml: no package-data for autograd_mini.explorer_assets"
    patterns = re.findall(r'"([^"]+)"', line[1])
    for name in ("quiz.js", "quiz.css", "quiz_body.html", "view.js", "view.css"):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


@pytest.mark.parametrize(("option", "given"), [({"why": True}, "why=True"), ({"fold": True}, "fold=True")])
def test_the_quiz_refuses_options_it_would_ignore(option: dict[str, bool], given: str) -> None:
    with pytest.raises(ValueError, match=f"quiz=True cannot be combined with {given}"):
        explore(xy(), quiz=True, **option)  # type: ignore[arg-type]


def test_the_quiz_refuses_a_lone_value() -> None:
    with pytest.raises(ValueError, match="needs a computed root"):
        explore(Value(2.0), quiz=True)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["x*y", "--at", "x=3", "y=-4", "--quiz", "--why"], "--quiz and --why make two different pages"),
        (["2", "--quiz"], "--quiz needs an expression with at least one operation"),
    ],
)
def test_cli_quiz_refusals_exit_2_and_write_nothing(
    argv: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "quiz.html"
    assert main(["explore", *argv, "-o", str(target)]) == 2
    assert said in capsys.readouterr().err
    assert not target.exists()
