"""The README stays a short read, free of words about how the code came to be, with working links."""

from __future__ import annotations

import re

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
HISTORY_WORDS = re.compile(r"\b(issues?|sessions?|reviews?|rounds?)\b", re.IGNORECASE)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def local_links(markdown: str) -> list[str]:
    """The targets of Markdown links and images that point into the repository (no URL, no anchor)."""
    targets = [match.group(1).split("#")[0] for match in LINK.finditer(markdown)]
    return [t for t in targets if t and not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_readme_is_short() -> None:
    assert len(README.splitlines()) < 260, "README.md is the five-minute read: move details to docs/"


def test_readme_has_no_history_words() -> None:
    found = [m.group(0) for m in HISTORY_WORDS.finditer(README)]
    assert found == [], f"README.md mentions how the code came to be: {found}"


def test_readme_links_to_local_files_exist() -> None:
    links = local_links(README)
    assert len(links) >= 10  # the pictures and the docs pages: the pattern still finds them
    missing = [t for t in links if not (ROOT / t).exists()]
    assert missing == [], f"README.md links to files that do not exist: {missing}"


def test_link_finder_sees_local_files_only() -> None:
    text = "[a](docs/x.md#part) ![b](docs/images/y.png) [c](https://example.org/z.md) [d](#anchor)"
    assert local_links(text) == ["docs/x.md", "docs/images/y.png"]
