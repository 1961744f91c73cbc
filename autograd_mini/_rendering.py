"""Writing a drawing to a file: DOT source, or SVG, PNG and PDF through Graphviz's ``dot``."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ._drawing import GraphvizNotFoundError, graphviz_module
from ._files import replace_file

if TYPE_CHECKING:
    import graphviz

__all__ = ["MAX_DPI", "MAX_PNG_PIXELS", "MAX_PNG_SIDE", "RENDER_FORMATS", "SOURCE_SUFFIXES", "render"]

RENDER_FORMATS = ("svg", "png", "pdf")
SOURCE_SUFFIXES = (".dot", ".gv")
MAX_DPI = 1200
MAX_PNG_SIDE = 16_384  # pixels; cairo clips PNGs past 32,767
MAX_PNG_PIXELS = 50_000_000  # about 200 MB of pixels while drawing
_DEFAULT_DPI = 96  # Graphviz's own default for bitmaps
_PAD = 0.12  # inches: dot's margin around the layout (4 pt a side), which its plain output leaves out


def render(graph: graphviz.Digraph, path: str | os.PathLike[str], *, dpi: int | None = None) -> Path:
    """Write ``graph`` by the path's suffix: .dot/.gv (no Graphviz program needed), .svg, .png, .pdf.

    ``dpi`` sets a PNG's resolution (1 to MAX_DPI; Graphviz's default is 96). A PNG is kept
    within MAX_PNG_SIDE pixels a side and MAX_PNG_PIXELS in all: a bigger drawing is drawn at a
    lower dpi, with a warning (an .svg or .pdf keeps every detail). The file is written to a
    temporary name in the same folder and renamed, so a failure leaves no partial file.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if dpi is not None and (isinstance(dpi, bool) or not isinstance(dpi, int) or not 1 <= dpi <= MAX_DPI):
        raise ValueError(f"render: dpi must be an int from 1 to {MAX_DPI}, got {dpi!r}")
    if suffix in SOURCE_SUFFIXES:
        _write(target, graph.source.encode("utf-8"))
        return target
    fmt = suffix.lstrip(".")
    if fmt not in RENDER_FORMATS:
        supported = ", ".join([*SOURCE_SUFFIXES, *(f".{f}" for f in RENDER_FORMATS)])
        raise ValueError(f"render: cannot write {target.name!r}: the suffix must be one of {supported}")
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(f"needed to write {target}")
    _write(target, _drawn(graph, fmt, dpi))
    return target


def _drawn(graph: graphviz.Digraph, fmt: str, dpi: int | None) -> bytes:
    """The drawing as ``fmt`` bytes from ``dot`` (a PNG at a dpi within the pixel limits)."""
    gv = graphviz_module()
    try:
        if fmt == "png":
            dpi = _png_dpi(graph, dpi or _DEFAULT_DPI)
        source = graph
        if dpi is not None:
            source = graph.copy()
            source.attr(dpi=str(dpi))
        data: bytes = source.pipe(format=fmt, quiet=True)  # dot warns on stderr about dropped xlabels
    except gv.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    return data


def _png_dpi(graph: graphviz.Digraph, dpi: int) -> int:
    """``dpi``, or the highest dpi keeping the PNG within the pixel limits (with a warning).

    Laying out is quick (0.1 s for x*x*...*x with 100 factors); drawing the pixels is what
    costs time and memory (5.8 s and 600 MB for that graph's 43,000 px wide PNG), and cairo
    clips anything past 32,767 px. The layout's size in inches comes from dot's plain output.
    """
    first = graph.pipe(format="plain", quiet=True).split(b"\n", 1)[0].split()
    width, height = float(first[2]) + _PAD, float(first[3]) + _PAD
    pixels_w, pixels_h = width * dpi, height * dpi
    scale = min(
        1.0,
        MAX_PNG_SIDE / max(pixels_w, pixels_h, 1.0),
        (MAX_PNG_PIXELS / max(pixels_w * pixels_h, 1.0)) ** 0.5,
    )
    if scale >= 1.0:
        return dpi
    lower = int(dpi * scale)
    if lower < 1:
        raise ValueError(
            f"render: the drawing is {width:.0f} x {height:.0f} inches, too big for a PNG within "
            f"{MAX_PNG_SIDE:,} px a side and {MAX_PNG_PIXELS:,} pixels even at 1 dpi: write .svg or .pdf"
        )
    warnings.warn(
        f"render: at {dpi} dpi the PNG would be {pixels_w:,.0f} x {pixels_h:,.0f} px; drawn at {lower} dpi "
        f"to stay within {MAX_PNG_SIDE:,} px a side and {MAX_PNG_PIXELS:,} pixels "
        "(write .svg or .pdf for full detail)",
        stacklevel=4,
    )
    return lower


def _write(target: Path, data: bytes) -> None:
    """Write through the package's one atomic writer; errors name ``target``, prefixed by render."""
    try:
        replace_file(target, data)
    except OSError as exc:
        message = f"render: {exc.strerror or exc}"
        raise (type(exc)(exc.errno, message) if exc.errno else type(exc)(message)) from None
