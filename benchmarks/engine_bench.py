"""Engine benchmark: bytes per operation node and build+backward time, against micrograd 0.1.0.

Both engines run the same workloads in the same process; medians over repeats, ratios within the run.
Run: make bench   (installs micrograd==0.1.0 from the `bench` extra)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import platform
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import autograd_mini

try:
    import micrograd.engine as micrograd_engine
except ImportError:  # the table says so instead of failing
    micrograd_engine = None

CHAIN_STEPS = 100_000  # y = y * 1.0001 + 0.1, two operations per step


def bytes_per_operation(value_class: Any) -> float:
    """tracemalloc over the chain y = y * 1.0001 + 0.1, divided by its 2 * CHAIN_STEPS operations."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    y = value_class(1.0)
    for _ in range(CHAIN_STEPS):
        y = y * 1.0001 + 0.1
    used = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    del y
    return used / (2 * CHAIN_STEPS)


def mlp_step(value_class: Any, seed: int = 0) -> Callable[[], Any]:
    """A micrograd-moons-shaped step, MLP(2, [16, 16, 1]) on 100 points with hinge loss, for any Value class.

    Returns a function that builds the graph, runs backward and returns the loss node.
    """
    rng = random.Random(seed)
    sizes = [2, 16, 16, 1]
    layers = [
        [([value_class(rng.uniform(-1, 1)) for _ in range(nin)], value_class(0.0)) for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]
    points = [[rng.uniform(-1.5, 2.5), rng.uniform(-1, 1.5)] for _ in range(100)]
    labels = [rng.choice((-1.0, 1.0)) for _ in range(100)]

    def step() -> Any:
        total = value_class(0.0)
        for point, label in zip(points, labels, strict=True):
            activations: list[Any] = list(point)
            for depth, layer in enumerate(layers):
                outputs = []
                for weights, bias in layer:
                    act = sum((w * a for w, a in zip(weights, activations, strict=True)), bias)
                    outputs.append(act.relu() if depth < len(layers) - 1 else act)
                activations = outputs
            total = total + (1 + -label * activations[0]).relu()
        loss = total * (1.0 / len(points))
        loss.backward()
        return loss

    return step


def count_operations(root: Any) -> int:
    """Operation (non-leaf) nodes reachable from root, for either engine."""
    seen = {id(root)}
    stack = [root]
    count = 0
    while stack:
        node = stack.pop()
        children = node.parents if hasattr(node, "parents") else node._prev
        if children:
            count += 1
        for child in children:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return count


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per system (median reported)")
    args = parser.parse_args(argv)

    systems: dict[str, Any] = {"autograd_mini": autograd_mini.Value}
    if micrograd_engine is not None:
        systems["micrograd 0.1.0"] = micrograd_engine.Value

    machine = f"Python {platform.python_version()}, {platform.machine()}"
    print(f"# engine benchmark — {machine}, {args.repeats} repeats")
    print()
    print("| system | bytes / op | MLP build+backward (median) | ops | ns / op |")
    print("|---|---:|---:|---:|---:|")
    results: dict[str, tuple[float, float]] = {}
    for name, value_class in systems.items():
        per_op = bytes_per_operation(value_class)
        step = mlp_step(value_class)
        ops = count_operations(step())  # also the warm-up run
        seconds = median_seconds(step, args.repeats)
        results[name] = (per_op, seconds / ops)
        print(f"| {name} | {per_op:,.0f} | {seconds * 1e3:,.1f} ms | {ops:,} | {seconds / ops * 1e9:,.0f} |")
    if "micrograd 0.1.0" not in results:
        print("| micrograd 0.1.0 | not installed | | | |")
        return 0
    ours, theirs = results["autograd_mini"], results["micrograd 0.1.0"]
    print()
    print(f"memory: micrograd uses {theirs[0] / ours[0]:.1f}x the bytes per operation")
    print(f"speed: autograd_mini builds and back-propagates {theirs[1] / ours[1]:.1f}x faster per operation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
