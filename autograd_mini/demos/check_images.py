"""Is docs/images current? Compare what the code draws now with what the README shows.

Drawings are compared by their DOT source (deterministic: the same graph always gives the same
text), against docs/images/STEM.dot, which `make images` copies next to each PNG. The PNGs
themselves differ in bytes between Graphviz versions, so they are not compared. With --plots,
the matplotlib pictures are redrawn (moons trains 100 steps) and compared pixel by pixel with
matplotlib's image comparison (RMS tolerance 1 on 0-255).
Run from a source checkout: python -m autograd_mini.demos.check_images [--plots] [--images DIR]
(exit status 1 and a list when anything is stale)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import (
    MissingExtraError,
    _common,
    chain_rule,
    cheatsheet_network,
    folded_mlp,
    four_layer_network,
    moons,
    newton,
)

# The source checkout's docs/images (this file is autograd_mini/demos/check_images.py).
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

README_DRAWINGS = (
    "chain_rule_graph",
    "neuron_graph",
    "folded_mlp_graph",
    "cheatsheet_network",
    "four_layer_network",
    "newton_gradient_graph",
)
README_PLOTS = ("moons_boundary.png", "moons_training.png", "newton_paths.png")


def current_drawings() -> dict[str, Any]:
    """Every drawing the README shows, as the code draws it now."""
    builders: list[Callable[[], dict[str, Any]]] = [
        chain_rule.drawings,
        folded_mlp.drawings,
        lambda: {"cheatsheet_network": cheatsheet_network.drawing()},
        lambda: {"four_layer_network": four_layer_network.drawing()},
        lambda: {"newton_gradient_graph": newton.drawing()},
    ]
    drawings = {stem: graph for build in builders for stem, graph in build().items()}
    return {stem: drawings[stem] for stem in README_DRAWINGS}


def stale_drawings(images: Path = IMAGES) -> list[str]:
    """The README drawings whose .dot in ``images`` is missing or differs from what the code draws."""
    stale = []
    for stem, graph in current_drawings().items():
        saved = images / f"{stem}.dot"
        if not saved.exists() or saved.read_text(encoding="utf-8") != graph.source:
            stale.append(f"{stem}.dot")
        if not (images / f"{stem}.png").exists():
            stale.append(f"{stem}.png")
    return stale


def stale_plots(images: Path = IMAGES) -> list[str]:
    """The README plots that differ from a fresh drawing by more than an RMS of 1 (of 255)."""
    _common.pyplot()  # MissingExtraError, naming the extra, without matplotlib
    from matplotlib.testing.compare import compare_images

    stale = []
    with tempfile.TemporaryDirectory() as scratch:
        kept, _common.OUT = _common.OUT, Path(scratch)
        try:
            moons.draw(moons.train(show_progress=False, compiled=True), grid=60)
            newton.plot({"gradient descent": newton.gradient_descent(12), "Newton": newton.newton(12)})
        finally:
            _common.OUT = kept
        for name in README_PLOTS:
            saved = images / name
            if not saved.exists() or compare_images(str(saved), str(Path(scratch) / name), tol=1.0):
                stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", action="store_true", help="also redraw and compare the matplotlib plots")
    parser.add_argument(
        "--images", type=Path, default=IMAGES, metavar="DIR", help=f"the pictures to check (default {IMAGES})"
    )
    args = parser.parse_args(argv)
    if not args.images.is_dir():
        # An installed copy has no docs/images beside it: the README's pictures live in the repository.
        print(f"no folder {args.images}: run this in a source checkout or pass --images", file=sys.stderr)
        return 2
    try:
        stale = stale_drawings(args.images) + (stale_plots(args.images) if args.plots else [])
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if stale:
        print(f"{args.images} is stale ({', '.join(stale)}): run `make images` and commit docs/images/")
        return 1
    print(f"{args.images} is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
