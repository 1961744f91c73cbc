"""Write autograd_mini/_kernels_generated.py from the op table (``make kernels``).

The package itself imports the generated file, which may be out of date or broken while
the op table changes; so only the op table and the generator are loaded here, as members
of a bare package that skips ``autograd_mini/__init__.py``.
"""

import sys
import types
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_mini"

bare = types.ModuleType("autograd_mini")
bare.__path__ = [str(PACKAGE)]
sys.modules["autograd_mini"] = bare

from autograd_mini import kernels  # noqa: E402 - needs the bare package above

changed = kernels.write_module()
print(f"{kernels.GENERATED_PATH.name}: {'written' if changed else 'up to date'}")
