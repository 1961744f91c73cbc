"""Frames and GIFs of a recorded run: rendered by Graphviz, put together by Pillow."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image

from autograd_mini import Run, Value, record
from autograd_mini.training_export import frame_steps
from tests.training_view.runs import recorded_moons


def small_run(steps: int = 4) -> Run:
    return recorded_moons(12, [2], seed=3, lr=0.5, steps=steps)[0]


def test_numbered_png_frames_one_per_step(tmp_path: Path) -> None:
    run = small_run()
    now = [(p.data, p.grad) for p in run.params]
    paths = run.save_frames(tmp_path)
    assert [p.name for p in paths] == ["frame_000.png", "frame_001.png", "frame_002.png", "frame_003.png"]
    contents = [p.read_bytes() for p in paths]
    assert all(c.startswith(b"\x89PNG\r\n\x1a\n") for c in contents)
    assert len(set(contents)) == 4  # each step's weights drawn: no two frames alike
    assert [(p.data, p.grad) for p in run.params] == now  # the model is left as it was


def test_an_animated_gif_of_the_frames(tmp_path: Path) -> None:
    run = small_run()
    path = run.save_gif(tmp_path / "run.gif", frame_ms=50)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 4
        assert gif.info["duration"] == 50


def test_frame_steps_spreads_evenly_and_checks_given_steps() -> None:
    run = small_run(10)
    assert frame_steps(run, max_frames=4) == [0, 3, 6, 9]
    assert frame_steps(run, max_frames=20) == list(range(10))
    assert frame_steps(run, [2, 5]) == [2, 5]
    with pytest.raises(ValueError, match="step 12 was not kept"):
        frame_steps(run, [12])
    with pytest.raises(ValueError, match="max_frames must be a positive int"):
        frame_steps(run, max_frames=0)


def test_without_pillow_the_gif_names_the_extra_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"autograd-mini\[gif\]"):
        small_run().save_gif(tmp_path / "run.gif")
    assert list(tmp_path.iterdir()) == []


def test_frames_need_an_mlp_and_an_existing_folder(tmp_path: Path) -> None:
    w = Value(1.0, "w")
    run = record([w], progress=False)
    run.step(w * w)
    with pytest.raises(TypeError, match=r"record an nn\.MLP"):
        run.save_frames(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        small_run(1).save_frames(tmp_path / "missing")
