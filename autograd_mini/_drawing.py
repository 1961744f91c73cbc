"""What the two drawings share: the graphviz import, the visual language, escaping, the legend.

One visual language: a value's fill colour says its role (input, parameter, intermediate,
output, constant), in ``draw_graph`` and ``draw_network`` alike; dark lines and text carry
values and local derivatives forward, orange ones carry gradients backward; weight edges
are blue for w > 0 and red for w < 0. All user text (labels, parameter and input names) reaches
Graphviz escaped, inside labels this module builds, so it is always drawn as text.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import graphviz

INSTALL_HELP = """Graphviz's `dot` program is not installed (the Python package `graphviz` only drives it).
Install it with one of:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends graphviz
  macOS:          brew install graphviz
  conda:          conda install -c conda-forge graphviz
  Windows:        winget install graphviz   (or choco install graphviz), then reopen the shell
Writing .dot/.gv files works without it: render(graph, "graph.dot")."""

FONT = "Helvetica"

# Fill colour per role, and the legend's wording for it.
ROLES: dict[str, tuple[str, str]] = {
    "input": ("#dbeafe", "input"),
    "parameter": ("#dcfce7", "parameter (weight, bias)"),
    "intermediate": ("#ffffff", "intermediate value"),
    "output": ("#fde68a", "output / root"),
    "constant": ("#f3f4f6", "constant"),
}
OP_FILL = "#e5e7eb"
BORDER = "#374151"
FORWARD = "#374151"  # values flow forward along these
BACKWARD = "#c2410c"  # gradients flow backward along these (dashed)
POSITIVE = "#2563eb"  # weight edges, w >= 0
NEGATIVE = "#dc2626"  # weight edges, w < 0
MUTED = "#6b7280"
FAINT = "#9ca3af"  # cluster boxes, the legend's frame, edges from constants
CONSTANT_BORDER = "#d1d5db"

# The explorer page's own colours (its text, rules, error line and the current step's outline).
PAGE_TEXT = "#111827"
PAGE_RULE = "#e5e7eb"
PAGE_ERROR = "#b91c1c"
PAGE_CURRENT = "#f59e0b"
PAGE_BACKGROUND = "#ffffff"
PAGE_HIGHLIGHT = ROLES["output"][0]  # the step the page is at, in the output's yellow


def palette() -> dict[str, str]:
    """Every colour above by a CSS-style name (the explorer page's custom properties --name)."""
    colours = {f"role-{role}": fill for role, (fill, _) in ROLES.items()}
    colours |= {
        "op-fill": OP_FILL,
        "border": BORDER,
        "forward": FORWARD,
        "backward": BACKWARD,
        "positive": POSITIVE,
        "negative": NEGATIVE,
        "muted": MUTED,
        "faint": FAINT,
        "constant-border": CONSTANT_BORDER,
        "text": PAGE_TEXT,
        "rule": PAGE_RULE,
        "error": PAGE_ERROR,
        "current": PAGE_CURRENT,
        "background": PAGE_BACKGROUND,
        "highlight": PAGE_HIGHLIGHT,
    }
    return colours


class GraphvizNotFoundError(RuntimeError):
    """The Graphviz ``dot`` program is needed for this output but is not installed."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(INSTALL_HELP + (f"\n({detail})" if detail else ""))


def graphviz_module() -> Any:
    """The graphviz package, imported on first use (it is an optional extra)."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz Python package: pip install 'autograd-mini[viz]' "
            "(from a clone: pip install -e '.[viz]')"
        ) from None
    return graphviz


_digraph_class: type | None = None


def new_digraph(**kwargs: Any) -> graphviz.Digraph:
    """A graphviz.Digraph whose notebook display degrades to a short note when ``dot`` is missing."""
    global _digraph_class
    gv = graphviz_module()
    if _digraph_class is None:

        class Digraph(gv.Digraph):  # type: ignore[misc, name-defined]
            """graphviz.Digraph; in Jupyter, a missing dot program shows a hint, not a traceback."""

            def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
                try:
                    return super()._repr_mimebundle_(include, exclude, **kwargs)
                except gv.ExecutableNotFound:
                    return {"text/plain": INSTALL_HELP}

        _digraph_class = Digraph
    return _digraph_class(**kwargs)


# Significant digits of a float: more shows only noise. The explorer and the command line bound
# their digits by it.
MAX_DIGITS = 17


def check_digits(digits: object) -> int:
    """``digits`` as a positive int, or an error naming the argument."""
    if not isinstance(digits, int) or isinstance(digits, bool):
        raise TypeError(f"digits must be an int, got {type(digits).__name__}")
    if digits < 1:
        raise ValueError(f"digits must be at least 1, got {digits}")
    return digits


def format_number(value: float, digits: int = 4) -> str:
    """Compact: ``digits`` significant digits, no trailing zeros (3, -0.5, 1.235e+05, inf)."""
    check_digits(digits)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def factor(value: float, digits: int) -> str:
    """A number as a factor in a product: negative ones in parentheses, 2 · (-4)."""
    text = format_number(value, digits)
    return f"({text})" if text.startswith("-") else text


MAX_NAME_CHARS = 80  # a longer name or label is drawn as its first and last characters around "…"
_HEAD_CHARS = 60


def shorten(name: str) -> str:
    """``name`` if at most MAX_NAME_CHARS long, else its first 60 and last 19 characters around "…"."""
    if len(name) <= MAX_NAME_CHARS:
        return name
    return name[:_HEAD_CHARS] + "…" + name[len(name) - (MAX_NAME_CHARS - _HEAD_CHARS - 1) :]


def _unprintable(char: str) -> bool:
    """True for what dot cannot draw: controls, surrogates and non-characters (U+FFFE, U+FDD0, ...)."""
    code = ord(char)
    return unicodedata.category(char) in ("Cc", "Cs") or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def visible(value: str) -> str:
    """``value`` with each unprintable character as Python writes it: \\x00, \\n, \\ufffe, \\ud800."""
    if not any(_unprintable(char) for char in value):
        return value
    return "".join(ascii(char)[1:-1] if _unprintable(char) else char for char in value)


def shown(name: str) -> str:
    """A name or label as drawings and the command line show it: shortened, unprintables escaped."""
    return visible(shorten(name))


def text(value: str) -> str:
    """User or generated text escaped for an HTML-like Graphviz label (drawn as text, never markup)."""
    # a backslash would start an escape like \N (the node's name) even in HTML-like labels
    return html.escape(visible(value), quote=True).replace("\\", "\\\\")


def html_label(*lines: str, colour: str | None = None, size: float | None = None) -> str:
    """An HTML-like label of the given (unescaped) lines: Graphviz interprets none of their text."""
    body = "<BR/>".join(text(line) for line in lines)
    font = []
    if colour:
        font.append(f'COLOR="{colour}"')
    if size:
        font.append(f'POINT-SIZE="{size:g}"')
    if font:
        body = f"<FONT {' '.join(font)}>{body}</FONT>"
    return f"<{body}>"


def plain(value: str) -> Any:
    """A plain-text attribute (tooltips): no HTML, no backslash escapes like \\N or \\G."""
    lines = "\n".join(visible(line) for line in value.split("\n"))  # its newlines stay line breaks
    return graphviz_module().nohtml(lines.replace("\\", "\\\\"))


def legend_label(roles: Sequence[str], extra: Sequence[tuple[str, str, str]] = ()) -> str:
    """An HTML table: a swatch and a word per role, then (colour, symbol, meaning) rows for edges."""
    rows = [
        f'<TR><TD BGCOLOR="{ROLES[role][0]}" BORDER="1" WIDTH="18"> </TD>'
        f'<TD ALIGN="LEFT">{text(ROLES[role][1])}</TD></TR>'
        for role in roles
    ]
    rows += [
        f'<TR><TD><FONT COLOR="{colour}">{text(symbol)}</FONT></TD>'
        f'<TD ALIGN="LEFT"><FONT COLOR="{colour}">{text(meaning)}</FONT></TD></TR>'
        for colour, symbol, meaning in extra
    ]
    return (
        f'<<TABLE BORDER="1" COLOR="{FAINT}" CELLBORDER="0" CELLSPACING="3" CELLPADDING="2" BGCOLOR="white">'
        '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>"
    )
