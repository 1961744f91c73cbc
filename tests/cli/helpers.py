"""What the command-line tests share: running ``main`` in-process and reading what it printed."""

from __future__ import annotations

import pytest

from autograd_mini.cli import main

ERROR = "autograd-mini: error: "


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``main(argv)``'s exit status, stdout and stderr; no traceback may reach the user."""
    status = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err
