"""Benchmark: autograd_mini (eager and compiled) against micrograd 0.1.0, hand-written floats and PyTorch.

Every system runs the same workloads from the same starting weights, in one process; times
are medians over repeats and ratios are taken against micrograd within this run.
Prints Markdown tables and writes benchmarks/results/latest.json.
Run: make bench   (WITH_TORCH=1 make bench also installs torch==2.13.0 for the PyTorch rows)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from handwritten import moons_step as handwritten_moons_step

import autograd_mini
from autograd_mini import datasets, losses, nn, trace

try:
    import micrograd.engine as micrograd_engine
except ImportError:
    micrograd_engine = None
try:
    import torch
except ImportError:
    torch = None

ALPHA = 1e-4
LR = 0.05
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

Step = Callable[[], float]


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls (one untimed warm-up first)."""
    fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- workload 1: micrograd's moons training step ------------------------------------------


def moons_problem() -> tuple[list[list[float]], list[float], list[list[list[float]]], list[list[float]]]:
    """100 moons, and MLP(2, [16, 16, 1]) starting weights as matrices (shared by every system)."""
    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    weights = [[[w.data for w in neuron.w] for neuron in layer.neurons] for layer in model.layers]
    biases = [[neuron.b.data for neuron in layer.neurons if neuron.b is not None] for layer in model.layers]
    return X, y, weights, biases


def scalar_mlp(value: Callable[[float], Any], weights: list[Any], biases: list[Any]) -> tuple[Any, list[Any]]:
    """Per-scalar parameters for a micrograd-style engine: (layers, flat parameter list)."""
    layers = [
        [([value(w) for w in row], value(b)) for row, b in zip(wl, bl, strict=True)]
        for wl, bl in zip(weights, biases, strict=True)
    ]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    return layers, params


def scalar_loss(layers: list[Any], params: list[Any], X: list[list[float]], y: list[float]) -> Any:
    """The same expression for every scalar engine: mean hinge + ALPHA * sum of squares."""
    total = None
    for x, label in zip(X, y, strict=True):
        act: list[Any] = list(x)
        for depth, layer in enumerate(layers):
            outs = []
            for ws, b in layer:
                s = b
                for w, a in zip(ws, act, strict=True):
                    s = s + w * a
                outs.append(s.relu() if depth < len(layers) - 1 else s)
            act = outs
        term = (1 + -label * act[0]).relu()
        total = term if total is None else total + term
    squares = None
    for p in params:
        squares = p * p if squares is None else squares + p * p
    return total * (1.0 / len(X)) + squares * ALPHA


def moons_autograd_eager(X: Any, y: Any, weights: Any, biases: Any) -> Step:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def step() -> float:
        loss = losses.hinge([model(x) for x in X], y) + ALPHA * losses.l2(params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.assign(p.data - LR * p.grad)
        return loss.data

    return step


def moons_autograd_compiled(X: Any, y: Any, weights: Any, biases: Any) -> tuple[Step, Callable[[], Any]]:
    """(step, setup): setup traces and compiles; the step reuses the compiled code."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    compiled: list[Any] = []

    def setup() -> Any:
        def loss_fn(X: Any, y: Any) -> autograd_mini.Value:
            return losses.hinge([model(x) for x in X], y) + ALPHA * losses.l2(params)

        compiled[:] = [trace(loss_fn, X, y, params=params)]
        return compiled[0]

    def step() -> float:
        loss, grads = compiled[0](X, y)
        for p, g in zip(params, grads, strict=True):
            p.assign(p.data - LR * g)
        return loss  # the compiled function returns the loss as a float already

    return step, setup


def moons_micrograd(X: Any, y: Any, weights: Any, biases: Any) -> Step:
    layers, params = scalar_mlp(micrograd_engine.Value, weights, biases)

    def step() -> float:
        loss = scalar_loss(layers, params, X, y)
        for p in params:
            p.grad = 0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return float(loss.data)

    return step


def moons_handwritten(X: Any, y: Any, weights: Any, biases: Any) -> Step:
    w = [[list(row) for row in layer] for layer in weights]
    b = [list(layer) for layer in biases]

    def step() -> float:
        loss, gw, gb = handwritten_moons_step(w, b, X, y, ALPHA)
        for layer in range(len(w)):
            for j, row in enumerate(w[layer]):
                for k in range(len(row)):
                    row[k] -= LR * gw[layer][j][k]
                b[layer][j] -= LR * gb[layer][j]
        return loss

    return step


def moons_torch_scalar(X: Any, y: Any, weights: Any, biases: Any) -> Step:
    def value(v: float) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    layers, params = scalar_mlp(value, weights, biases)

    def step() -> float:
        loss = scalar_loss(layers, params, X, y)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return float(loss.detach())

    return step


def moons_torch_batched(X: Any, y: Any, weights: Any, biases: Any) -> Step:
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    inputs = torch.tensor(X, dtype=torch.float64)
    labels = torch.tensor(y, dtype=torch.float64)

    def step() -> float:
        a = inputs
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            a = a @ w.T + b
            if i < len(ws) - 1:
                a = torch.relu(a)
        loss = torch.relu(1 - labels * a[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in ws + bs)
        for p in ws + bs:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in ws + bs:
                p -= LR * p.grad
        return float(loss.detach())

    return step


def bench_moons(repeats: int) -> dict[str, Any]:
    X, y, weights, biases = moons_problem()
    rows: dict[str, Any] = {}
    steps: dict[str, Step] = {}
    compiled_step, compiled_setup = moons_autograd_compiled(X, y, weights, biases)
    start = time.perf_counter()
    compiled_setup()
    setup_seconds = time.perf_counter() - start
    steps["autograd_mini compiled"] = compiled_step
    steps["autograd_mini eager"] = moons_autograd_eager(X, y, weights, biases)
    steps["hand-written floats"] = moons_handwritten(X, y, weights, biases)
    if micrograd_engine is not None:
        steps["micrograd 0.1.0"] = moons_micrograd(X, y, weights, biases)
    if torch is not None:
        steps["PyTorch scalar (0-d tensors)"] = moons_torch_scalar(X, y, weights, biases)
        steps["PyTorch batched"] = moons_torch_batched(X, y, weights, biases)
    order = ["autograd_mini eager", "autograd_mini compiled", "micrograd 0.1.0", "hand-written floats"]
    steps = {name: steps[name] for name in order + list(steps) if name in steps}
    first_losses = {name: step() for name, step in steps.items()}  # same weights: same first loss
    reference = first_losses["autograd_mini eager"]
    for name, loss in first_losses.items():
        if abs(loss - reference) > 1e-9 * abs(reference):
            raise SystemExit(
                f"{name} computes another loss ({loss!r} vs {reference!r}): not the same workload"
            )
    slow = max(2, repeats // 2)  # the slow systems get fewer repeats
    for name, step in steps.items():
        count = slow if name in ("micrograd 0.1.0", "PyTorch scalar (0-d tensors)") else repeats * 3
        rows[name] = {"step_seconds": median_seconds(step, count), "repeats": count}
    # End to end: 100 steps; for compiled mode measured for real, including trace and compile.
    fresh_step, fresh_setup = moons_autograd_compiled(X, y, weights, biases)
    gc.collect()
    start = time.perf_counter()
    fresh_setup()
    compiled_at = time.perf_counter()
    for _ in range(100):
        fresh_step()
    rows["autograd_mini compiled"]["hundred_steps_seconds"] = time.perf_counter() - start
    rows["autograd_mini compiled"]["compile_seconds"] = compiled_at - start
    rows["autograd_mini compiled"]["first_compile_seconds"] = setup_seconds
    for row in rows.values():
        row.setdefault("hundred_steps_seconds", 100 * row["step_seconds"])
    return rows


# -- workload 2: a chain; workload 3: a sum of products --------------------------------------


def chain_build_backward(value: Callable[[float], Any], n: int) -> Callable[[], Any]:
    def run() -> Any:
        x = value(1.0)
        y = x
        for _ in range(n):
            y = y * 1.000001
        y.backward()
        return x.grad

    return run


def chain_handwritten(n: int) -> Callable[[], float]:
    def run() -> float:
        values = [1.0]
        for _ in range(n):
            values.append(values[-1] * 1.000001)
        grad = 1.0
        for _ in range(n):
            grad *= 1.000001  # dy_k/dy_(k-1), from the output back
        return grad

    return run


def bench_chain(sizes: list[int], repeats: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for n in sizes:
        row: dict[str, Any] = {}
        reps = repeats if n <= 100_000 else 1
        row["autograd_mini eager"] = median_seconds(chain_build_backward(autograd_mini.Value, n), reps)
        start = time.perf_counter()
        compiled = trace(lambda x, n=n: _chain(x, n), 1.0)
        compile_seconds = time.perf_counter() - start
        row["autograd_mini compiled"] = median_seconds(lambda compiled=compiled: compiled(1.0), reps)
        row["autograd_mini compile (once)"] = compile_seconds
        row["hand-written floats"] = median_seconds(chain_handwritten(n), reps)
        if micrograd_engine is not None:
            try:
                row["micrograd 0.1.0"] = median_seconds(chain_build_backward(micrograd_engine.Value, n), reps)
            except RecursionError:
                row["micrograd 0.1.0"] = "RecursionError"
        if torch is not None:
            if n <= 100_000:
                tensor = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)  # noqa: E731
                row["PyTorch scalar (0-d tensors)"] = median_seconds(chain_build_backward(tensor, n), reps)
            else:
                row["PyTorch scalar (0-d tensors)"] = "not run (about 20 s)"
        results[str(n)] = row
    return results


def _chain(x: Any, n: int) -> Any:
    for _ in range(n):
        x = x * 1.000001
    return x


def tree_sum(items: list[Any]) -> Any:
    """Pairwise sum, so that the graph is shallow enough for micrograd's recursive sort."""
    while len(items) > 1:
        items = [items[i] + items[i + 1] if i + 1 < len(items) else items[i] for i in range(0, len(items), 2)]
    return items[0]


def bench_sum_of_products(n: int, repeats: int) -> dict[str, Any]:
    a_values = [((i * 7919) % 1000) / 1000 for i in range(n)]
    b_values = [((i * 104729) % 1000) / 1000 for i in range(n)]

    def engine_run(value: Callable[[float], Any]) -> Callable[[], Any]:
        def run() -> Any:
            a = [value(v) for v in a_values]
            b = [value(v) for v in b_values]
            total = tree_sum([ai * bi for ai, bi in zip(a, b, strict=True)])
            total.backward()
            return a[0].grad

        return run

    def handwritten() -> float:
        total = sum(a * b for a, b in zip(a_values, b_values, strict=True))
        grads_a = list(b_values)  # d/da_i = b_i
        grads_b = list(a_values)
        return total + grads_a[0] + grads_b[0]

    row: dict[str, Any] = {"autograd_mini eager": median_seconds(engine_run(autograd_mini.Value), repeats)}
    start = time.perf_counter()
    compiled = trace(lambda a, b: tree_sum([x * y for x, y in zip(a, b, strict=True)]), a_values, b_values)
    row["autograd_mini compile (once)"] = time.perf_counter() - start
    row["autograd_mini compiled"] = median_seconds(lambda: compiled(a_values, b_values), repeats)
    row["hand-written floats"] = median_seconds(handwritten, repeats)
    if micrograd_engine is not None:
        row["micrograd 0.1.0"] = median_seconds(engine_run(micrograd_engine.Value), max(2, repeats // 2))
    if torch is not None:
        tensor = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)  # noqa: E731
        row["PyTorch scalar (0-d tensors)"] = median_seconds(engine_run(tensor), max(2, repeats // 2))
    return row


# -- workload 4: bytes per operation node ----------------------------------------------------


def bytes_per_operation(value: Callable[[float], Any], steps: int = 100_000) -> float:
    """tracemalloc over y = y * 1.0001 + 0.1 repeated ``steps`` times, divided by its 2*steps ops."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    y = value(1.0)
    for _ in range(steps):
        y = y * 1.0001 + 0.1
    used = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    del y
    return used / (2 * steps)


def compile_peak_bytes(n: int) -> tuple[float, float]:
    """Peak traced memory of trace + compile for an n-node chain: (bytes, bytes per node)."""
    gc.collect()
    tracemalloc.start()
    compiled = trace(lambda x: _chain(x, n), 1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del compiled
    return float(peak), peak / n


# -- report ---------------------------------------------------------------------------------


def fmt_seconds(value: Any) -> str:
    if not isinstance(value, float):
        return str(value)
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def ratio(reference: Any, value: Any) -> str:
    if not isinstance(reference, float) or not isinstance(value, float):
        return "–"
    return f"{reference / value:,.1f}×"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per measurement (median reported)")
    parser.add_argument(
        "--quick", action="store_true", help="smaller chain sizes and fewer repeats (a smoke run)"
    )
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]

    machine = f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    print(f"# autograd-mini benchmark — {machine}; medians of {repeats} runs unless noted\n")
    missing = [
        name for name, module in (("micrograd 0.1.0", micrograd_engine), ("torch", torch)) if module is None
    ]
    for name in missing:
        print(f"({name}: not installed)")

    moons = bench_moons(repeats)
    micro = moons.get("micrograd 0.1.0", {})
    print(
        "\n## Moons training step: MLP(2, [16, 16, 1]), 100 samples, hinge + L2, forward + backward + SGD\n"
    )
    print("| system | one step (median) | vs micrograd | 100 steps, end to end | vs micrograd |")
    print("|---|---:|---:|---:|---:|")
    for name, row in moons.items():
        note = (
            f" (incl. {fmt_seconds(row['compile_seconds'])} trace + compile)"
            if "compile_seconds" in row
            else ""
        )
        step, hundred = row["step_seconds"], row["hundred_steps_seconds"]
        print(
            f"| {name} | {fmt_seconds(step)} | {ratio(micro.get('step_seconds'), step)} "
            f"| {fmt_seconds(hundred)}{note} | {ratio(micro.get('hundred_steps_seconds'), hundred)} |"
        )
    for name in ("micrograd 0.1.0", "PyTorch scalar (0-d tensors)", "PyTorch batched"):
        if name not in moons:
            print(f"| {name} | not installed | | | |")

    chain = bench_chain(sizes, repeats)
    systems = list(next(iter(chain.values())).keys())
    print("\n## Chain y = y * 1.000001 of N nodes: build + backward\n")
    print("| system | " + " | ".join(f"N = {int(n):,}" for n in chain) + " |")
    print("|---|" + "---:|" * len(chain))
    for system in systems:
        print(f"| {system} | " + " | ".join(fmt_seconds(chain[n][system]) for n in chain) + " |")

    sums = bench_sum_of_products(100_000, repeats)
    print("\n## Sum of 100,000 products a_i * b_i (pairwise sum): build + backward\n")
    print("| system | time | vs micrograd |")
    print("|---|---:|---:|")
    for name, value in sums.items():
        print(f"| {name} | {fmt_seconds(value)} | {ratio(sums.get('micrograd 0.1.0'), value)} |")

    memory = {"autograd_mini": bytes_per_operation(autograd_mini.Value)}
    if micrograd_engine is not None:
        memory["micrograd 0.1.0"] = bytes_per_operation(micrograd_engine.Value)
    print("\n## Memory: bytes per operation node (tracemalloc, y = y * 1.0001 + 0.1, 200,000 ops)\n")
    print("| system | bytes / op |")
    print("|---|---:|")
    for name, value in memory.items():
        print(f"| {name} | {value:,.0f} |")
    if torch is not None:
        print("| PyTorch scalar | n/a (native allocations are invisible to tracemalloc) |")
    peak, per_node = compile_peak_bytes(100_000)
    memory["compile peak, 100,000-node chain"] = peak
    mib = peak / 2**20
    print(f"\ntrace + compile of a 100,000-node chain: peak {mib:,.0f} MiB ({per_node:,.0f} bytes per node)")

    print("\n## Targets\n")
    eager, compiled, hand = (
        moons["autograd_mini eager"],
        moons["autograd_mini compiled"],
        moons["hand-written floats"],
    )
    checks = [("eager bytes per op <= 200", memory["autograd_mini"] <= 200, f"{memory['autograd_mini']:.0f}")]
    if micro:
        checks += [
            (
                "eager step >= 5x faster than micrograd",
                micro["step_seconds"] / eager["step_seconds"] >= 5,
                ratio(micro["step_seconds"], eager["step_seconds"]),
            ),
            (
                "compiled step >= 200x faster than micrograd",
                micro["step_seconds"] / compiled["step_seconds"] >= 200,
                ratio(micro["step_seconds"], compiled["step_seconds"]),
            ),
            (
                "compiled 100 steps incl. compile >= 40x faster",
                micro["hundred_steps_seconds"] / compiled["hundred_steps_seconds"] >= 40,
                ratio(micro["hundred_steps_seconds"], compiled["hundred_steps_seconds"]),
            ),
        ]
    checks.append(
        (
            "compiled step no slower than hand-written floats",
            compiled["step_seconds"] <= hand["step_seconds"],
            f"{hand['step_seconds'] / compiled['step_seconds']:.2f}x hand-written speed",
        )
    )
    for text, ok, figure in checks:
        print(f"- [{'x' if ok else ' '}] {text}: {figure}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine,
        "moons": moons,
        "chain": chain,
        "sum_of_products": sums,
        "bytes_per_op": memory,
        "targets": [{"target": t, "met": ok, "measured": f} for t, ok, f in checks],
    }
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nwrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
