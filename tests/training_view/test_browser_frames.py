"""Frames of pages as headless Chromium shows them (browser_frames), and a GIF of them.

browser_frames starts its own Playwright, in a thread of its own (so it also runs in a notebook,
and beside the page tests' browser: tested there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from autograd_mini import Value, datasets, explore, losses, nn, optim, record
from autograd_mini.training_export import browser_frames, frames_to_gif

pytestmark = pytest.mark.browser


def test_browser_frames_of_the_training_page_and_of_an_explorer(tmp_path: Path) -> None:
    X, y = datasets.make_moons(16, noise=0.1, seed=2)
    model = nn.MLP(2, [3, 1], activation="tanh", seed=2)
    optimizer = optim.SGD(model.parameters(), lr=0.3)
    with record(model, progress=False) as run:
        for _ in range(12):
            loss = losses.hinge([model(x) for x in X], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.step(loss)
    frames = browser_frames(run.page(), tmp_path, max_frames=3, width=900, height=600)
    assert [p.name for p in frames] == ["frame_000.png", "frame_001.png", "frame_002.png"]
    with Image.open(frames[0]) as first:
        assert first.size == (900, 600)
    assert len({p.read_bytes() for p in frames}) == 3  # steps 0, 6 and 11 look different
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    explorer_dir = tmp_path / "explorer"
    explorer_dir.mkdir()
    steps = browser_frames(explore((x * w).tanh()), explorer_dir, max_frames=4, width=900, height=600)
    assert len(steps) == 4 and len({p.read_bytes() for p in steps}) == 4
    gif = frames_to_gif(steps, tmp_path / "explorer.gif", frame_ms=400)
    with Image.open(gif) as animation:
        assert animation.n_frames == 4


def test_browser_frames_refuses_what_is_not_a_page(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="TrainingPage or an Explorer"):
        browser_frames("<html></html>", tmp_path)  # type: ignore[arg-type]
