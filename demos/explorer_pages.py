"""Explorer pages: step through forward and backward of three seed graphs in a browser.

Writes out/explorer_xy.html (the x,y -> z diagram, z = x * y), out/explorer_neuron.html (the
lecture's neuron) and out/explorer_reuse.html (a = 1; b = a + a; c = b + b, opened in the
"why a topological order" mode). Open them in any browser; nothing is fetched.
Run: python demos/explorer_pages.py
"""

from __future__ import annotations

import argparse

from autograd_mini import Value, explore
from autograd_mini.viz import GraphvizNotFoundError

try:
    from demos._common import out_path
    from demos.chain_rule import lecture_neuron
except ImportError:  # run as a script: python demos/NAME.py
    from _common import out_path  # type: ignore[no-redef]
    from chain_rule import lecture_neuron  # type: ignore[no-redef]


def xy_graph() -> Value:
    """The seeds' x,y -> z example: z = x * y at x = 3, y = -4."""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    return z


def reuse_graph() -> Value:
    """The classic reuse: a = 1; b = a + a; c = b + b (dc/da = 4; naive recursion says 8)."""
    a = Value(1.0, "a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    return c


def pages() -> dict[str, tuple[Value, bool]]:
    """File stem -> (root, open in the why mode)."""
    return {
        "explorer_xy": (xy_graph(), False),
        "explorer_neuron": (lecture_neuron(), False),
        "explorer_reuse": (reuse_graph(), True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="(no effect: the pages are quick)")
    parser.parse_args(argv)
    for stem, (root, why) in pages().items():
        try:
            page = explore(root, why=why, title=f"backward explorer: {stem.removeprefix('explorer_')}")
        except GraphvizNotFoundError:
            print(f"{stem}: skipped, Graphviz's dot program is not installed (it lays the graph out)")
            continue
        path = page.save(out_path(f"{stem}.html"))
        print(f"wrote {path} ({len(page.html.encode()) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
