"""Helpers shared by the demos: the output folder, optional plotting and progress bars."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from . import MissingExtraError

T = TypeVar("T")

OUT = Path(os.environ.get("AUTOGRAD_MINI_OUT", "out"))


def out_path(name: str) -> Path:
    """A path in the output folder (created if needed)."""
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT / name


def pyplot() -> Any:
    """matplotlib.pyplot on a file-only backend; MissingExtraError names the extra when it is missing."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError(
            "the demos draw their plots with matplotlib, which is not installed: "
            "pip install 'autograd-mini[demos]'"
        ) from None
    matplotlib.use("Agg")  # files only: demos run on machines with no display
    import matplotlib.pyplot as plt

    return plt


def progress(items: Iterable[T], total: int, description: str) -> Iterator[T]:
    """tqdm's progress bar when installed (the `demos` extra), else the plain iterable (a nicety only)."""
    try:
        from tqdm import tqdm
    except ImportError:
        yield from items
        return
    yield from tqdm(items, total=total, desc=description, ncols=90, mininterval=1.0)


def wrote(path: Path) -> None:
    print(f"wrote {path}")


def save_figure(figure: Any, name: str) -> None:
    """Lay out a matplotlib figure, write it to out/NAME and close it."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    path = out_path(name)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    wrote(path)


# PNG resolution of the drawings: Graphviz's 11-point edge text comes out about 18 px tall.
DRAWING_DPI = 120


def save_drawing(graph: Any, stem: str) -> None:
    """Write a drawing to out/STEM.dot, .svg and .png; without the dot program, the .dot and a hint.

    The .dot source is deterministic: `make images-check` compares it to docs/images/STEM.dot.
    """
    from autograd_mini.viz import GraphvizNotFoundError, render

    wrote(render(graph, out_path(stem + ".dot")))
    try:
        wrote(render(graph, out_path(stem + ".svg")))
        wrote(render(graph, out_path(stem + ".png"), dpi=DRAWING_DPI))
    except GraphvizNotFoundError:
        print("  (Graphviz's dot program is not installed: wrote the .dot source only; see `make test`)")
