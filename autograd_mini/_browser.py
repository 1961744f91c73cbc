"""Debian's Chromium, headless, as the pages' exports, measurements and tests launch it.

Playwright drives the system's ``chromium`` program (browsers are never downloaded here); the
flags keep it from reaching the network on its own and from needing a GPU or a sandbox.
"""

from __future__ import annotations

import shutil
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "MISSING", "launch_chromium"]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
MISSING = "Chromium is not installed (Debian: apt-get install -y chromium; `make test` installs it)"


def launch_chromium(playwright: Any) -> Any:
    """The system's Chromium started headless by ``playwright`` (FileNotFoundError when there is none)."""
    executable = shutil.which("chromium")
    if executable is None:
        raise FileNotFoundError(MISSING)
    return playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
