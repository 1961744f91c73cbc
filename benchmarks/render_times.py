"""How long Graphviz takes to lay out and render the drawings to SVG and PNG, worst cases included.

Every graph here stays within draw_graph's max_nodes=400 (or is folded to fit). Run:
    .venv/bin/python benchmarks/render_times.py [--repeat N] [--timeout SECONDS]
It prints one row per drawing (SVG: median of N renders of dot alone; PNG: viz.render at its
default dpi, the pixel-size check included, with the dpi it lowered to if the drawing was too
big) and the worst cases. Not a test: timings depend on the machine, so they are measured here
and reported, never asserted.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd_mini import Value, nn, toposort
from autograd_mini.viz import draw_graph, draw_network, render


def power(factors: int) -> Value:
    """x*x*...*x: one value feeding every op (the fan-out that used to take minutes)."""
    x = Value(1.01, "x")
    y = x
    for _ in range(factors - 1):
        y = y * x
    y.backward()
    return y


def affine_chain(steps: int, add: bool = True) -> Value:
    """y = y * 1.01 + 0.1 (or y * 1.01), repeated: a long thin graph with constants."""
    y = Value(1.0, "y0")
    for _ in range(steps):
        y = y * 1.01 + 0.1 if add else y * 1.01
    y.backward()
    return y


def sum_of_products(terms: int) -> Value:
    """Σ aᵢ·bᵢ: a wide graph with many leaves."""
    total = Value(0.0, "s0")
    for i in range(terms):
        total = total + Value(0.5 + i % 7, f"a{i}") * Value(1.5 - i % 5, f"b{i}")
    total.backward()
    return total


def random_graph(size: int, seed: int = 0, limit: int = 400) -> Value:
    """Random ops over a growing pool (fan-out and reuse at every distance); the latest
    value whose graph has at most ``limit`` values is the root."""
    rng = random.Random(seed)
    pool = [Value(rng.uniform(0.5, 1.5), f"x{i}") for i in range(8)]
    while len(pool) < size:
        a, b = rng.choice(pool), rng.choice(pool[-20:])
        pool.append(rng.choice([a + b, a * b, (a * b).tanh(), a - b]))
    root = next(v for v in reversed(pool) if len(toposort(v)) <= limit)
    root.backward()
    return root


def lecture_loss(fold: bool) -> Any:
    """The lecture's MLP(3, [4, 4, 1]) squared-error loss over 4 samples."""
    model = nn.MLP(3, [4, 4, 1], seed=0)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)), Value(0.0))
    loss.backward()
    return draw_graph(loss, parameters=model, fold=fold, share_constants=fold, max_nodes=None)


def mlp_output() -> Any:
    model = nn.MLP(3, [4, 4, 1], seed=0)
    out = model([2.0, 3.0, -1.0])
    out.backward()
    return draw_graph(out, parameters=model)


def moons_network() -> Any:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    model([0.5, -0.5]).backward()
    return draw_network(model, show_grads=True, legend=True)


def cases() -> dict[str, Callable[[], Any]]:
    table: dict[str, Callable[[], Any]] = {}
    for n in (40, 60, 70, 80, 100, 200, 399):
        table[f"x*x*...*x, {n} factors"] = lambda n=n: draw_graph(power(n))
    table["x*x*...*x, 100 factors, forward"] = lambda: draw_graph(power(100), show="forward")
    table["y*1.01 + 0.1, 133 steps (400 values)"] = lambda: draw_graph(affine_chain(133))
    table["y*1.01, 399 steps (400 values)"] = lambda: draw_graph(affine_chain(399, add=False))
    table["sum of 99 products (398 values)"] = lambda: draw_graph(sum_of_products(99))
    for seed in range(10):
        table[f"random graph, <= 400 values, seed {seed}"] = lambda seed=seed: draw_graph(
            random_graph(700, seed)
        )
    table["MLP(3, [4, 4, 1]) output with parameters"] = mlp_output
    table["lecture loss, 4 samples, folded"] = lambda: lecture_loss(fold=True)
    table["lecture loss, 4 samples, unfolded (340 values)"] = lambda: lecture_loss(fold=False)
    table["draw_network MLP(2, [16, 16, 1])"] = moons_network
    return table


def render_seconds(graph: Any, timeout: float) -> float:
    """Wall time of the Graphviz program turning the DOT source into SVG (inf past ``timeout``)."""
    started = time.perf_counter()
    try:
        subprocess.run(
            [graph.engine, "-Tsvg", "-o", "/dev/null"],
            input=graph.source.encode("utf-8"),
            stderr=subprocess.DEVNULL,  # dot's notes on dropped xlabels
            check=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return float("inf")
    return time.perf_counter() - started


def png_seconds(graph: Any) -> tuple[float, str]:
    """Wall time of render(graph, "x.png"), and the dpi it fell back to ("" when it kept 96)."""
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        render(graph, Path(folder) / "x.png")
        seconds = time.perf_counter() - started
    lowered = [re.search(r"drawn at (\d+) dpi", str(w.message)) for w in caught]
    return seconds, next((f"{m.group(1)} dpi" for m in lowered if m), "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="renders per drawing (median)")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up on one render after this")
    args = parser.parse_args(argv)
    worst = {"SVG": ("", 0.0), "PNG": ("", 0.0)}
    print(f"{'drawing':<48}{'nodes':>7}{'SVG (median)':>15}{'PNG':>10}  PNG dpi")
    for name, build in cases().items():
        graph = build()
        nodes = len(re.findall(r"^\t\w+ \[", graph.source, flags=re.MULTILINE))
        seconds = statistics.median(render_seconds(graph, args.timeout) for _ in range(args.repeat))
        png, lowered = png_seconds(graph)
        print(f"{name:<48}{nodes:>7}{seconds:>13.2f} s{png:>8.2f} s  {lowered or 96}", flush=True)
        for kind, value in (("SVG", seconds), ("PNG", png)):
            if value > worst[kind][1]:
                worst[kind] = (name, value)
    for kind, (name, value) in worst.items():
        print(f"worst {kind}: {name}: {value:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
