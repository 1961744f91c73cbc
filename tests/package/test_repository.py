"""The repository itself: no merge left half done."""

from __future__ import annotations

import subprocess

from tests.helpers import ROOT


def test_no_tracked_file_holds_a_merge_conflict_marker() -> None:
    # git grep over every tracked file: a line starting <<<<<<< or >>>>>>> is a conflict left in.
    found = subprocess.run(
        ["git", "grep", "-n", "-E", "^(<{7}|>{7}) "],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 1, f"conflict markers left in:\n{found.stdout}"  # 1: nothing found
