"""docs/notebooks/exercises.ipynb runs twice: blank (every check says what is missing, nothing
crashes) and with exercises_solutions.json filled in (every check passes), so the checker is tested."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from tests.docs.notebook_runner import execute
from tests.helpers import ROOT

NOTEBOOK = ROOT / "docs" / "notebooks" / "exercises.ipynb"
SOLUTIONS = ROOT / "docs" / "notebooks" / "exercises_solutions.json"
EXERCISES = 8
SCORE = re.compile(r"^(\d+) of (\d+) right", re.MULTILINE)


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, solutions: Path | None) -> list[str]:
    """Execute the notebook (the kernel inherits the environment); the text each code cell printed."""
    if solutions is None:
        monkeypatch.delenv("AUTOGRAD_MINI_SOLUTIONS", raising=False)
    else:
        monkeypatch.setenv("AUTOGRAD_MINI_SOLUTIONS", str(solutions))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    execute(notebook, tmp_path)
    printed = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.get("output_type") == "error"], cell.source
        printed.append("".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream"))
    return printed


@pytest.mark.notebook
def test_blank_answers_say_what_is_missing_and_never_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\n".join(run(tmp_path, monkeypatch, None))
    scores = SCORE.findall(text)
    assert len(scores) == EXERCISES - 1  # the op exercise reports a formula, not a score
    assert all(right == "0" for right, _ in scores)
    assert text.count("; missing: ") == EXERCISES - 1
    assert "the derivative d/dx formula is missing" in text


@pytest.mark.notebook
def test_solved_answers_all_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(run(tmp_path, monkeypatch, SOLUTIONS))
    scores = SCORE.findall(text)
    assert len(scores) == EXERCISES - 1
    assert all(right == asked and asked != "0" for right, asked in scores), text
    assert "missing" not in text and "✗" not in text
    assert "softsign: gradcheck passed" in text and "gradcheck passed (atol" in text


def test_solutions_file_has_every_exercise_and_only_numbers_or_formulas() -> None:
    solutions = json.loads(SOLUTIONS.read_text(encoding="utf-8"))
    assert sorted(solutions, key=int) == [str(n) for n in range(1, EXERCISES + 1)]
    notebook = NOTEBOOK.read_text(encoding="utf-8")
    for exercise, answers in solutions.items():
        for key in answers:  # every solved key is one the learner's answer cell lists
            assert f'\\"{key}\\": None' in notebook, (exercise, key)
