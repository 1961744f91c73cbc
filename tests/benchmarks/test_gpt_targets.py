"""The GPT benchmark's report: the table without an end-to-end run, and the eager target's verdict."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import gpt_bench


def _rows(eager: float, paused: float, slotted: float, total: int) -> dict[str, Any]:
    """What bench_gpt returns for the three scalar rows (seconds a step; end to end = total steps)."""
    rows: dict[str, Any] = {name: {"not_run": "not installed"} for name in gpt_bench.SYSTEMS}
    for name, step in [
        ("autograd_mini eager", eager),
        (gpt_bench.PAUSED, paused),
        (gpt_bench.REFERENCE, slotted),
    ]:
        rows[name] = {"step_seconds": step, "cpu_step_seconds": step, "end_to_end_seconds": total * step}
    return rows


def test_the_table_prints_without_an_end_to_end_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--total 0 (no end-to-end run) leaves every end-to-end figure 0: no division by it."""
    monkeypatch.setattr(gpt_bench, "bench_gpt", lambda rounds, steps, total: _rows(0.1, 0.05, 0.2, total))
    assert gpt_bench.main(["--rounds", "1", "--steps", "5", "--total", "0"]) == 0
    out = capsys.readouterr().out
    assert "100.0 ms   2.00x the slotted engine" in out
    assert "50.0 ms   4.00x the slotted engine" in out
    assert "0 steps" not in out


@pytest.mark.slow  # bench imports torch
def test_the_eager_target_is_judged_on_the_plain_step() -> None:
    """The pause speeds the slotted engine's step too, so the decorated row cannot meet the target."""
    import bench

    [(name, met, figure)] = bench.gpt_targets(_rows(0.1, 0.04, 0.2, 0), 0)
    assert name == "eager GPT step >= 4x the minimal slotted engine"
    assert not met
    assert figure == "2.00x; 5.00x with the step under @pauses_collector (the slotted engine's step not)"
    [(_, met, _)] = bench.gpt_targets(_rows(0.04, 0.04, 0.2, 0), 0)
    assert met
