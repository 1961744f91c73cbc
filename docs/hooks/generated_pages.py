"""MkDocs hook: the pages made from other files at every build, never written into docs/.

ops.md comes from autograd_mini.ops.OPS, so it can never disagree with the formulas the
engine runs; changelog.md is the repository's CHANGELOG.md with its links made relative
to the site.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # document this checkout's package, installed or not

from autograd_mini.ops import OPS, POWER, Domain, Op  # noqa: E402

PAGE = "ops.md"
CHANGELOG = ROOT / "CHANGELOG.md"

INTRO = """# Op table

Every operation's forward formula and local derivatives are written once, as Python
expression strings in `autograd_mini/ops.py`. The eager kernels, the compiled mode, the
drawings, the higher-order derivatives and the explorer's in-browser JavaScript are all
built from these strings. This page is generated from `autograd_mini.ops.OPS` when the
site is built, so it always shows the formulas the engine runs.

In the formulas `x` and `y` are the operands, and a derivative may read `out`, the op's
result z. `strong_zero` is a 0 whose product with any gradient, inf and nan included, is
+0.0: PyTorch selects rather than multiplies there (see
[zero times infinity](guide/engine.md#zero-times-infinity)).

The domain is checked before anything is computed; a failed check raises a
`ValueError` with the sentence shown (`log: needs x > 0; got x = 0.0`). A derivative
condition is checked only when that operand is a `Value` (a number operand is a constant
and needs no derivative). A dash means no condition beyond what float arithmetic raises by
itself: division by zero (`ZeroDivisionError: div: division by zero; got x = 1.0, y = 0.0`)
and results too large for a float (`OverflowError: exp: result is too large for a float`).

| name | symbol | forward z = | local derivatives | domain |
|---|---|---|---|---|
"""


def _code(text: str) -> str:
    """Inline code that is safe inside a Markdown table cell."""
    return "`" + text.replace("|", "\\|") + "`"


def _domain(domain: Domain) -> str:
    explanation = domain.explanation.replace("|", "\\|")
    return f"{_code(domain.condition)}: {explanation}"


def _row(op: Op) -> str:
    derivatives = "<br>".join(
        f"∂z/∂{name} = {_code(formula)}"
        for name, formula in zip(op.operand_names, op.derivatives, strict=True)
    )
    domains = [_domain(op.domain)] if op.domain else []
    for index, name in enumerate(op.operand_names):
        extra = op.grad_domain(index)
        if extra is not None:
            domains.append(f"for ∂z/∂{name}: {_domain(extra)}")
    return (
        f"| `{op.name}` | {_code(op.symbol)} | {_code(op.forward)} | {derivatives} "
        f"| {'<br>'.join(domains) or '–'} |"
    )


def page_text() -> str:
    """The whole Markdown page: the introduction and one table row per op."""
    rows = "\n".join(_row(op) for op in OPS.values())
    power = (
        "`power(x, y)` is Python's `x ** y` with two exponents computed exactly, as PyTorch and "
        "the browser do (x * x and sqrt are correctly rounded, C's pow is not always): "
        f"{_code(POWER)}."
    )
    return f"{INTRO}{rows}\n\n{len(OPS)} ops.\n\n{power}\n"


def changelog_text() -> str:
    """CHANGELOG.md with links into docs/ rewritten to site pages (docs/x.md -> x.md)."""
    return re.sub(r"\]\(docs/", "](", CHANGELOG.read_text(encoding="utf-8"))


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages to the site's files."""
    for name, text in ((PAGE, page_text()), ("changelog.md", changelog_text())):
        existing = files.get_file_from_path(name)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, name, content=text))
    return files
