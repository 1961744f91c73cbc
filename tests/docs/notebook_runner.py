"""Running a notebook as the tests do: a fresh python3 kernel, from a scratch folder."""

from __future__ import annotations

from pathlib import Path

from nbclient import NotebookClient
from nbformat import NotebookNode

CELL_SECONDS = 300
# A kernel's start (a fresh Python importing the library) took over nbclient's default 60 s
# once on the loaded 2-CPU CI machine; waiting longer for it checks nothing less.
KERNEL_START_SECONDS = 180


def execute(notebook: NotebookNode, folder: Path) -> None:
    """Run every cell of ``notebook`` in place (outputs filled in), with ``folder`` as the working folder."""
    client = NotebookClient(
        notebook,
        timeout=CELL_SECONDS,
        startup_timeout=KERNEL_START_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},  # pictures a notebook writes never land in the repo
    )
    client.execute()
