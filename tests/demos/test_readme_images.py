"""The README's drawings are readable when a page shows them 800 px wide.

Measured from Graphviz's own layout (``-Tjson``): the bounding box's width in points and the
smallest font size in points of any text drawn. A PNG of W points at any dpi, shown 800 px
wide, draws a font of F points at F · 800 / W px (the dpi cancels out); a drawing narrower
than 800 px is shown at its natural size instead, F · 96 / 72 px at a browser's 96 px per
inch. The text's size in px (its em height, as CSS font-size) must be at least 9.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from autograd_mini.demos import check_images

DISPLAY_WIDTH_PX = 800
MIN_TEXT_PX = 9.0


def font_sizes(item: dict[str, Any]) -> Iterator[float]:
    """The size of every font an object's drawing operations set (xdot "F" operations)."""
    for key, operations in item.items():
        if key.startswith("_") and key.endswith("draw_") and isinstance(operations, list):
            yield from (float(op["size"]) for op in operations if op.get("op") == "F")


def text_px_at(graph: Any, display_width_px: float) -> tuple[float, float]:
    """(width in points, smallest text in px) of ``graph`` laid out by its engine, shown that wide."""
    layout = json.loads(graph.pipe(format="json", quiet=True))
    left, _, right, _ = (float(part) for part in layout["bb"].split(","))
    width = right - left
    sizes = [*font_sizes(layout)]
    for item in [*layout.get("objects", []), *layout.get("edges", [])]:
        sizes += font_sizes(item)
    scale = min(display_width_px / width, 96 / 72)  # never shown larger than its natural size
    return width, min(sizes) * scale


DRAWINGS = check_images.current_drawings()


@pytest.mark.parametrize("stem", sorted(DRAWINGS))
def test_readme_drawing_text_is_readable_at_800_px(stem: str) -> None:
    width, text_px = text_px_at(DRAWINGS[stem], DISPLAY_WIDTH_PX)
    assert text_px >= MIN_TEXT_PX, f"{stem}: {width:.0f} pt wide, smallest text {text_px:.2f} px at 800 px"


def test_the_measure_fails_for_a_wide_drawing() -> None:
    """A left-to-right neuron, the README's picture before, is too wide to read at 800 px."""
    from autograd_mini.demos.chain_rule import lecture_neuron
    from autograd_mini.viz import draw_graph

    width, text_px = text_px_at(draw_graph(lecture_neuron(), legend=True), DISPLAY_WIDTH_PX)
    assert width > 2000 and text_px < 4.0


def test_the_drawings_measured_are_the_ones_the_readme_shows() -> None:
    readme = (check_images.IMAGES.parents[1] / "README.md").read_text(encoding="utf-8")
    shown = {stem for stem in DRAWINGS if f"](docs/images/{stem}.png)" in readme}
    assert shown == {"chain_rule_graph", "neuron_graph", "folded_mlp_graph", "cheatsheet_network"}
