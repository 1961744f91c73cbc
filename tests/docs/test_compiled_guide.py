"""The compiled guide's example of generated code is what ``trace`` writes today."""

from __future__ import annotations

import re

from autograd_mini import trace
from tests.helpers import ROOT

GUIDE = (ROOT / "docs" / "guide" / "compiled.md").read_text(encoding="utf-8")


def test_the_guides_generated_code_is_traces_own() -> None:
    section = GUIDE.split("## The generated code", 1)[1]
    example = re.search(r"For `(trace\(lambda x, w, b: \(x\*w \+ b\)\.tanh\(\), [^`]*\))`", section)
    shown = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert example is not None and shown is not None, "the guide's example moved: update this test"
    written = trace(lambda x, w, b: (x * w + b).tanh(), 2.0, -3.0, 6.88).source
    assert example.group(1) == "trace(lambda x, w, b: (x*w + b).tanh(), 2.0, -3.0, 6.88)"
    assert shown.group(1) == written
