"""Explorer pages: step through forward and backward of three seed graphs in a browser.

Writes out/explorer_xy.html (the x,y -> z diagram, z = x * y), out/explorer_neuron.html (the
lecture's neuron) and out/explorer_reuse.html (a = 1; b = a + a; c = b + b, opened in the
"why a topological order" mode). Open them in any browser; nothing is fetched.
Run: python -m autograd_mini.demos.explorer_pages
"""

from __future__ import annotations

import random
import shutil
import time

from autograd_mini import Value, explore
from autograd_mini._browser import MISSING, launch_chromium
from autograd_mini.viz import GraphvizNotFoundError

from . import argument_parser, run_main
from ._common import out_path
from .chain_rule import lecture_neuron


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


def random_graph(size: int, seed: int = 0) -> Value:
    """A graph of exactly ``size`` values (at least 15): 8 leaves, then ops on the latest value."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.0, 1.0), f"x{i}") for i in range(8)]
    binary = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]
    values, chain = list(leaves), leaves[0]
    for leaf in leaves[1:]:  # every leaf on the chain, so the root depends on all values
        chain = rng.choice(binary)(chain, leaf)
        values.append(chain)
    while len(values) < size:
        latest = values[-1]
        values.append(latest.tanh() if rng.random() < 0.3 else rng.choice(binary)(latest, rng.choice(values)))
    return values[-1]


def measure() -> int:
    """Page size for 100 values, step render time and recompute time for 400 (headless Chromium)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("measuring needs the playwright package (in the dev extra: pip install -e '.[dev]')")
        return 1

    if shutil.which("chromium") is None:
        print(f"measuring needs Chromium: {MISSING}")
        return 1
    for size in (100, 400):
        started = time.perf_counter()
        page_html = explore(random_graph(size), max_nodes=None).html
        made = time.perf_counter() - started
        print(f"{size} values: page {len(page_html.encode()) / 1024:.0f} KB, made in {made:.2f} s")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page()
            page.set_content(page_html)
            steps, recompute = page.evaluate(_TIMING)
            browser.close()
        steps.sort()
        median, p95 = steps[len(steps) // 2], steps[int(0.95 * len(steps))]
        print(
            f"  one step (render, layout): median {median:.1f} ms, 95th percentile {p95:.1f} ms, "
            f"max {steps[-1]:.1f} ms over {len(steps)} steps; a leaf edited: {recompute:.1f} ms"
        )
    return 0


_TIMING = """() => {
  const times = [];
  for (let k = 0; k < explorer.steps; k++) {
    const t0 = performance.now();
    explorer.go(k);
    document.body.getBoundingClientRect();  // force style and layout
    times.push(performance.now() - t0);
  }
  const input = document.querySelector('#leaves input');
  const t0 = performance.now();
  explorer.setLeaf(+input.dataset.node, '0.25');
  document.body.getBoundingClientRect();
  return [times, performance.now() - t0];
}"""


def main(argv: list[str] | None = None) -> int:
    if argument_parser("explorer_pages", __doc__).parse_args(argv).measure:
        return measure()
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
    raise SystemExit(run_main("explorer_pages", main))
