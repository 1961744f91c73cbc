"""A recorded run as pictures for slides and notes: numbered PNG frames, or one animated GIF.

Each frame is the network as ``draw_network`` draws it (rendered by Graphviz's dot, not drawn by
hand) with the weights and gradients of one kept step and its loss in the title. The GIF puts
the frames together with Pillow (the ``gif`` extra), each centred on a white canvas of the
largest frame's size (a frame's circles grow when a number needs more room).
"""

from __future__ import annotations

import io
import math
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._browser import MISSING, launch_chromium
from ._drawing import GraphvizNotFoundError, format_number, graphviz_module
from ._files import replace_file
from .network_drawing import draw_network
from .nn import MLP
from .recording import Run

if TYPE_CHECKING:
    from .explorer import Explorer
    from .training_page import TrainingPage

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "browser_frames",
    "frame_steps",
    "frames_to_gif",
    "render_frames",
    "save_frames",
    "save_gif",
]

DEFAULT_MAX_FRAMES = 60


def frame_steps(
    run: Run, steps: Sequence[int] | None = None, max_frames: int = DEFAULT_MAX_FRAMES
) -> list[int]:
    """The kept steps to draw: ``steps`` (each must be kept), else at most ``max_frames`` evenly spread
    kept steps, the first and the last among them."""
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
    if steps is not None:
        if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or not steps:
            raise TypeError("steps must be a non-empty list of kept step numbers")
        for step in steps:
            run.snapshot(step)  # a ValueError naming the kept steps
        return list(steps)
    kept = [snap.step for snap in run.snapshots]
    if not kept:
        raise ValueError("no steps recorded yet; call run.step(loss) once per iteration")
    return [kept[i] for i in _spread(len(kept), max_frames)]


def render_frames(run: Run, steps: Sequence[int], *, dpi: int = 80) -> list[bytes]:
    """One PNG per step: draw_network with that step's weights and gradients, titled with its loss.

    The model's parameters are set to each step's values while it is drawn, then put back.
    """
    model = run.model
    if not isinstance(model, MLP):
        raise TypeError(f"frames are drawn by draw_network: record an nn.MLP, not a {type(model).__name__}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 20 <= dpi <= 600:
        raise ValueError(f"dpi must be an int from 20 to 600, got {dpi!r}")
    gv = graphviz_module()
    saved = [(p.data, p.grad) for p in run.params]
    frames = []
    try:
        for step in steps:
            snap = run.snapshot(step)
            for p, value, grad in zip(run.params, snap.before, snap.grads, strict=True):
                p.data = value
                p.grad = grad
            graph = draw_network(model, show_grads=True, digits=3)
            loss = run.losses[step]
            mark = "" if math.isfinite(loss) else "  (not a number: diverged)"
            graph.attr(
                label=f"step {step}   loss {format_number(loss, 4)}{mark}", labelloc="t", fontsize="16"
            )
            graph.attr(dpi=str(dpi))
            frames.append(graph.pipe(format="png", quiet=True))
    except gv.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    finally:
        for p, (data, grad) in zip(run.params, saved, strict=True):
            p.data = data
            p.grad = grad
    return frames


def save_frames(
    run: Run,
    folder: str | os.PathLike[str],
    *,
    steps: Sequence[int] | None = None,
    max_frames: int = DEFAULT_MAX_FRAMES,
    dpi: int = 80,
) -> list[Path]:
    """Numbered PNG frames frame_000.png, frame_001.png, ... in ``folder`` (which must exist)."""
    target = Path(folder)
    if not target.is_dir():
        raise FileNotFoundError(f"save_frames: folder {str(target)!r} does not exist")
    frames = render_frames(run, frame_steps(run, steps, max_frames), dpi=dpi)
    width = max(3, len(str(len(frames) - 1)))
    paths = []
    for i, png in enumerate(frames):
        path = target / f"frame_{i:0{width}d}.png"
        replace_file(path, png)
        paths.append(path)
    return paths


def save_gif(
    run: Run,
    path: str | os.PathLike[str],
    *,
    steps: Sequence[int] | None = None,
    max_frames: int = DEFAULT_MAX_FRAMES,
    frame_ms: int = 150,
    dpi: int = 80,
) -> Path:
    """An animated GIF of the frames (looping, ``frame_ms`` milliseconds each); needs Pillow."""
    _pillow()
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"save_gif: the folder of {str(target)!r} does not exist")
    if isinstance(frame_ms, bool) or not isinstance(frame_ms, int) or frame_ms < 10:
        raise ValueError(f"frame_ms must be an int of at least 10, got {frame_ms!r}")
    return _write_gif(render_frames(run, frame_steps(run, steps, max_frames), dpi=dpi), target, frame_ms)


def frames_to_gif(
    frames: Sequence[str | os.PathLike[str]], path: str | os.PathLike[str], *, frame_ms: int = 150
) -> Path:
    """An animated GIF of PNG files (e.g. ``save_frames`` or ``browser_frames``); needs Pillow."""
    _pillow()
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"frames_to_gif: the folder of {str(target)!r} does not exist")
    if isinstance(frame_ms, bool) or not isinstance(frame_ms, int) or frame_ms < 10:
        raise ValueError(f"frame_ms must be an int of at least 10, got {frame_ms!r}")
    if isinstance(frames, (str, bytes)) or not frames:
        raise ValueError("frames_to_gif: frames must be a non-empty list of PNG files")
    return _write_gif([Path(frame).read_bytes() for frame in frames], target, frame_ms)


def _write_gif(frames: list[bytes], target: Path, frame_ms: int) -> Path:
    """PNG frames centred on white canvases of the largest one's size, as a looping GIF."""
    image_module = _pillow()
    images = [image_module.open(io.BytesIO(png)).convert("RGB") for png in frames]
    width, height = max(i.width for i in images), max(i.height for i in images)
    canvases = []
    for image in images:
        canvas = image_module.new("RGB", (width, height), "white")
        canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
        canvases.append(canvas)
    buffer = io.BytesIO()
    canvases[0].save(
        buffer, format="GIF", save_all=True, append_images=canvases[1:], duration=frame_ms, loop=0
    )
    replace_file(target, buffer.getvalue())
    return target


def _pillow() -> Any:
    """PIL.Image, or an ImportError naming the extra that installs it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "GIF export needs Pillow: pip install 'autograd-mini[gif]' (numbered PNG frames do not)"
        ) from None
    return Image


def browser_frames(
    page: TrainingPage | Explorer,
    folder: str | os.PathLike[str],
    *,
    max_frames: int = DEFAULT_MAX_FRAMES,
    width: int = 1400,
    height: int = 900,
) -> list[Path]:
    """Screenshots of a page as the real browser shows it, step by step: frame_000.png, ...

    A training page is shown at up to ``max_frames`` of its kept steps (spread evenly); an
    explorer page at up to ``max_frames`` of its forward and backward steps. Needs Playwright
    and a Chromium on the PATH (Debian's chromium); no browser is downloaded.
    """
    from .explorer import Explorer
    from .training_page import TrainingPage

    if not isinstance(page, (TrainingPage, Explorer)):
        raise TypeError(
            f"browser_frames: page must be a TrainingPage or an Explorer, got {type(page).__name__}"
        )
    target = Path(folder)
    if not target.is_dir():
        raise FileNotFoundError(f"browser_frames: folder {str(target)!r} does not exist")
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise ValueError(f"max_frames must be a positive int, got {max_frames!r}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ImportError("browser_frames needs Playwright: pip install playwright (and Chromium)") from None
    if shutil.which("chromium") is None:
        raise FileNotFoundError(f"browser_frames: {MISSING}")
    training = isinstance(page, TrainingPage)

    def shoot() -> list[bytes]:
        shots: list[bytes] = []
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                tab = browser.new_page(viewport={"width": width, "height": height})
                tab.route("**/*", lambda route: route.abort())  # the page fetches nothing; refuse all
                tab.set_content(page.html)
                if training:
                    count = int(tab.eval_on_selector("#slider", "slider => slider.max")) + 1
                    for index in _spread(count, max_frames):
                        tab.eval_on_selector("#slider", _MOVE, index)
                        shots.append(tab.screenshot())
                else:
                    count = int(tab.evaluate("() => window.explorer.steps"))
                    for index in _spread(count, max_frames):
                        tab.evaluate("k => window.explorer.go(k)", index)
                        shots.append(tab.screenshot())
            finally:
                browser.close()
        return shots

    # In a thread of its own: Playwright's sync API refuses to run where an asyncio loop runs
    # (a notebook's kernel, another Playwright).
    with ThreadPoolExecutor(max_workers=1) as pool:
        shots = pool.submit(shoot).result()
    paths = []
    digits = max(3, len(str(len(shots) - 1)))
    for i, png in enumerate(shots):
        path = target / f"frame_{i:0{digits}d}.png"
        replace_file(path, png)
        paths.append(path)
    return paths


_MOVE = "(slider, i) => { slider.value = String(i); slider.dispatchEvent(new Event('input')); }"


def _spread(count: int, most: int) -> list[int]:
    """Up to ``most`` of 0 .. count-1, evenly spread, the first and the last among them."""
    if count <= most:
        return list(range(count))
    if most == 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})
