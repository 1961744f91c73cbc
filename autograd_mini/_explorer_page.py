"""The explorer page put together: its fixed parts (``explorer_assets/``: HTML skeleton, style and
script, shipped as package data) around the graph-specific ones (the SVG, the data JSON and the op
table's generated JavaScript). The assets are inlined, so a page is one file that fetches nothing.
User text reaches the page only as escaped SVG text (Graphviz), as escaped JSON, or through
``textContent``: never as markup.
"""

from __future__ import annotations

import functools
import html
import json
import math
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ._drawing import palette
from ._files import replace_file

__all__ = ["CSP", "Page", "asset", "compact_svg", "document", "page", "script_json"]

# No network at all: the page's own inline script and style only.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
_ASSETS = "explorer_assets"


class Page:
    """A self-contained page (explorer, quiz, training view): ``save(path)`` writes it, notebooks show it."""

    IFRAME_HEIGHT = 720  # px, inline in a notebook

    def __init__(self, page: str, title: str) -> None:
        self.html = page
        self.title = title

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (a temporary file beside it, fsync, then a rename)."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"save: path must be a str or os.PathLike, got {type(path).__name__}")
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(f"save: path {str(target)!r} is a directory, not a file name")
        if not target.parent.is_dir():
            raise FileNotFoundError(f"save: the folder of path {str(target)!r} does not exist")
        replace_file(target, self.html)
        return target

    def _repr_html_(self) -> str:
        """The page in an iframe (srcdoc), so its script and styles stay apart from the notebook's."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title)}" '
            f'style="width:100%;height:{self.IFRAME_HEIGHT}px;border:1px solid #d1d5db" '
            'sandbox="allow-scripts"></iframe>'
        )


@functools.cache
def asset(name: str) -> str:
    """The text of ``explorer_assets/<name>`` as installed with the package."""
    return (resources.files(__package__ or "autograd_mini") / _ASSETS / name).read_text(encoding="utf-8")


def palette_css() -> str:
    """The drawings' colours as the page's CSS custom properties: :root { --backward: #c2410c; ... }."""
    properties = "".join(f"  --{name}: {colour};\n" for name, colour in palette().items())
    return ":root {\n" + properties + "}\n"


def page(
    *,
    title: str,
    svg: str,
    data_json: str,
    ops_js: str,
    scripts: Sequence[str] = ("view.js", "explorer.js"),
    styles: Sequence[str] = ("view.css", "explorer.css"),
    body: str = "body.html",
    focus: str = "step",
) -> str:
    """The whole page; ``data_json`` and ``ops_js`` must already be safe inside <script>.

    ``scripts``, ``styles`` and ``body`` name the assets to use, scripts run in their order (the
    quiz page has its own, after the shared view.js and view.css). The body's view controls
    are the shared ``view_controls.html``, where fit frames the current ``focus``.
    """
    controls = asset("view_controls.html").replace("__FOCUS__", focus)
    return document(
        what="page",
        title=title,
        style="".join(asset(name) for name in styles),
        # the controls first: the drawing's labels are user text, never read for markers
        markup=asset(body).replace("__VIEW_CONTROLS__", controls).replace("__SVG__", svg),
        data_json=data_json,
        scripts=[ops_js, *(asset(name) for name in scripts)],
    )


def document(
    *, what: str, title: str, style: str, markup: str, data_json: str, scripts: Sequence[str]
) -> str:
    """One offline page: the CSP, the palette and ``style``, ``markup``, the data, ``scripts`` in order.

    Script and style text that could end its element is refused (a ValueError naming ``what``).
    """
    if any("</script" in text.lower() for text in (data_json, *scripts)):
        raise ValueError(f"{what}: script text must not contain </script")
    if "</style" in style.lower():
        raise ValueError(f"{what}: the style must not contain </style")
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{palette_css()}{style}</style>\n</head>\n<body>\n"
    )
    tail = f'<script type="application/json" id="data">{data_json}</script>\n' + "".join(
        f"<script>\n{text}</script>\n" for text in scripts
    )
    return head + markup + tail + "</body>\n</html>\n"


_COORDINATES = re.compile(r'\b(points|d|x|y|cx|cy|rx|ry)="([^"]*)"')
_DECIMALS = re.compile(r"(-?\d+\.\d)\d+")


def compact_svg(svg: str) -> str:
    """Graphviz's SVG made smaller (a 100-value page stays near 300 KB).

    No comments; no default font or path fill on every element (the page's CSS sets them); no
    tooltips (the page rewrites every number, so they would go stale); coordinates to 0.1 pt.
    """
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)
    for default in (' font-family="Helvetica,sans-Serif"', ' text-anchor="start"', ' font-size="12.00"'):
        svg = svg.replace(default, "")
    svg = svg.replace('<path fill="none" ', "<path ")
    svg = re.sub(r'<g id="a_[^"]*"><a [^>]*>\n?', "", svg).replace("</a>\n</g>\n", "")
    return _COORDINATES.sub(lambda m: m[1] + '="' + _DECIMALS.sub(r"\1", m[2]) + '"', svg)


def script_json(data: dict[str, Any]) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' can end the element; inf and nan as {"special": ...}."""
    text = json.dumps(_specials(data), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _specials(value: Any) -> Any:
    """``value`` with every inf and nan replaced by {"special": "inf" | "-inf" | "nan"} (JSON has none)."""
    if isinstance(value, float) and (value != value or value in (math.inf, -math.inf)):
        return {"special": repr(value)}
    if isinstance(value, dict):
        return {key: _specials(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_specials(item) for item in value]
    return value
