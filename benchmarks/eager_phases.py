"""Where an eager training step's time goes: the forward pass, backward's two passes, the collector.

Two steps: the GPT word step (autograd_mini.demos.gpt, Adam as in gpt_bench.py) and the moons
step (bench.py's ``moons_autograd_eager``). For each, with Python's cyclic garbage collector on
(as a user runs it) and off, it times per step: the forward pass (the loss), ``backward``'s
counting pass (``graph._count_uses``, timed by a wrapper), the rest of ``backward`` (the walk
that passes the gradients on), the whole step, and the collector's passes in the step
(``gc.callbacks``). Every configuration runs in a fresh process: one warm-up step, then
``--steps`` steps; a figure is the median over ``--rounds`` processes of each one's median.
"first 7" is the median backward of the first 7 timed steps, which CPython 3.11 runs before
it has specialized a function called once a step.

``--against DIR`` runs every configuration also with another source tree first on the path
(e.g. ``git archive main | tar -x -C /tmp/main``), alternating the two trees in every round,
and prints this tree's time over the other's: an A/B within one run on a noisy machine.

Run: python benchmarks/eager_phases.py [--rounds N] [--steps N] [--cpu] [--against DIR]
     python benchmarks/eager_phases.py --child WORKLOAD --gc on|off --steps N [--cpu]  (one process)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKLOADS = ("gpt", "moons")
PHASES = ("forward", "count", "walk", "backward", "step", "gc")
MOONS_ALPHA, MOONS_LR, MOONS_SIZES = 1e-4, 0.05, [16, 16, 1]  # bench.py's moons step
EARLY = 7  # steps whose backward CPython 3.11 may run unspecialized (it specializes after 8 calls)


class Clock:
    """Per-step phase times: ``add(phase, seconds)`` during a step, ``end_step()`` after it.

    ``now`` reads wall time, or with ``cpu`` this process's CPU time (what other load disturbs least).
    """

    def __init__(self, cpu: bool = False) -> None:
        self.now = time.process_time if cpu else time.perf_counter
        self.current = dict.fromkeys(PHASES, 0.0)
        self.steps: list[dict[str, float]] = []

    def add(self, phase: str, seconds: float) -> None:
        self.current[phase] += seconds

    def end_step(self) -> None:
        self.current["walk"] = self.current["backward"] - self.current["count"]
        self.steps.append(self.current)
        self.current = dict.fromkeys(PHASES, 0.0)


def _watch(clock: Clock) -> None:
    """Time the counting pass and the collector's passes into ``clock``."""
    from autograd_mini import graph

    count_uses = graph._count_uses

    def timed_count_uses(root: Any) -> None:
        start = clock.now()
        count_uses(root)
        clock.add("count", clock.now() - start)

    graph._count_uses = timed_count_uses  # backward_pass looks the name up at each call
    started = [0.0]

    def on_collect(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = clock.now()
        else:
            clock.add("gc", clock.now() - started[0])

    gc.callbacks.append(on_collect)


def _gpt_step(clock: Clock) -> Callable[[int], None]:
    """One word's loss, backward and Adam, as gpt_bench.py's eager step."""
    sys.path.insert(0, str(HERE))
    from gpt_bench import Adam

    from autograd_mini import Value
    from autograd_mini.demos import gpt

    words = gpt.make_words(seed=0)
    model = gpt.init_gpt(Value, seed=0)
    params = model.parameters()
    adam = Adam(len(params))

    def step(k: int) -> None:
        start = clock.now()
        loss = gpt.word_loss(model, words[k % len(words)])
        clock.add("forward", clock.now() - start)
        for p in params:
            p.grad = 0.0
        start = clock.now()
        loss.backward()
        clock.add("backward", clock.now() - start)
        new = adam.updates([p.data for p in params], [p.grad for p in params])
        for p, x in zip(params, new, strict=True):
            p.data = x

    return step


def _moons_step(clock: Clock) -> Callable[[int], None]:
    """bench.py's eager moons step: 100 points, MLP(2, [16, 16, 1]), hinge + L2, SGD."""
    from autograd_mini import datasets, losses, nn

    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, MOONS_SIZES, seed=0)
    params = model.parameters()

    def step(k: int) -> None:
        start = clock.now()
        loss = losses.hinge([model(x) for x in X], y) + MOONS_ALPHA * losses.l2(params)
        clock.add("forward", clock.now() - start)
        model.zero_grad()
        start = clock.now()
        loss.backward()
        clock.add("backward", clock.now() - start)
        for p in params:
            p.assign(p.data - MOONS_LR * p.grad)

    return step


def child(workload: str, collector: bool, steps: int, cpu: bool = False) -> dict[str, Any]:
    """``steps`` timed steps after one warm-up in this process: each phase's median, and the sums."""
    clock = Clock(cpu)
    step = _gpt_step(clock) if workload == "gpt" else _moons_step(clock)
    _watch(clock)
    gc.collect()
    if not collector:
        gc.disable()
    for k in range(steps + 1):
        start = clock.now()
        step(k)
        clock.add("step", clock.now() - start)
        clock.end_step()
    timed = clock.steps[1:]  # step 0 is the warm-up
    result: dict[str, Any] = {p: statistics.median(s[p] for s in timed) for p in PHASES}
    result["gc_share"] = sum(s["gc"] for s in timed) / sum(s["step"] for s in timed)
    result["first 7"] = statistics.median(s["backward"] for s in timed[:EARLY])
    import autograd_mini

    result["tree"] = str(Path(autograd_mini.__file__).resolve().parents[1])  # the tree really measured
    return result


def run_child(tree: Path, workload: str, collector: bool, steps: int, cpu: bool) -> dict[str, Any]:
    """One configuration in a fresh process, with ``tree`` first on the module path."""
    command = [sys.executable, __file__, "--child", workload, "--gc", _on(collector), *["--cpu"] * cpu]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(
        [*command, "--steps", str(steps)], capture_output=True, text=True, check=False, env=env, cwd=tree
    )
    if result.returncode != 0:
        raise SystemExit(f"{workload} ({tree}): the benchmark process failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout)
    if Path(data["tree"]) != tree.resolve():
        raise SystemExit(f"asked for the tree {tree}, the process imported autograd_mini from {data['tree']}")
    return data


def run(
    trees: list[Path], rounds: int, steps: int, cpu: bool
) -> dict[tuple[Path, str, bool], dict[str, float]]:
    """Every (tree, workload, collector) configuration ``rounds`` times, order reversed every round."""
    configs = [(t, w, c) for w in WORKLOADS for c in (True, False) for t in trees]
    results: dict[tuple[Path, str, bool], list[dict[str, Any]]] = {c: [] for c in configs}
    for r in range(rounds):
        for config in configs if r % 2 == 0 else configs[::-1]:
            results[config].append(run_child(*config, steps, cpu))
            tree, workload, collector = config
            print(f"  round {r + 1}/{rounds}: {workload}, gc {_on(collector)}, {tree}", file=sys.stderr)
    keys = [*PHASES, "first 7", "gc_share"]
    return {c: {k: statistics.median(run[k] for run in runs) for k in keys} for c, runs in results.items()}


def _on(collector: bool) -> str:
    return "on" if collector else "off"


def print_table(table: dict[tuple[Path, str, bool], dict[str, float]], trees: list[Path]) -> None:
    """Markdown: milliseconds per step (medians), the collector's share, and this tree over the other."""
    names = {tree: "this" if i == 0 else "other" for i, tree in enumerate(trees)}
    columns = [*PHASES, "first 7"]
    print(f"| step | gc | tree | {' | '.join(columns)} (ms) | gc share |")
    print(f"|---|---|---|{'---:|' * len(columns)}---:|")
    for (tree, workload, collector), row in table.items():
        cells = " | ".join(f"{row[c] * 1e3:.1f}" for c in columns)
        print(f"| {workload} | {_on(collector)} | {names[tree]} | {cells} | {row['gc_share']:.0%} |")
    if len(trees) == 2:
        print("\nthis tree's time / the other's (below 1: this one is faster)\n")
        print(f"| step | gc | {' | '.join(columns)} |")
        print(f"|---|---|{'---:|' * len(columns)}")
        for workload in WORKLOADS:
            for collector in (True, False):
                this, other = (table[(tree, workload, collector)] for tree in trees)
                cells = " | ".join(f"{this[c] / other[c]:.2f}" if other[c] else "-" for c in columns)
                print(f"| {workload} | {_on(collector)} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", choices=WORKLOADS, help="run one workload's steps in this process")
    parser.add_argument("--gc", choices=("on", "off"), default="on", help="the collector, in --child")
    parser.add_argument("--steps", type=int, default=15, help="timed steps per process (after one warm-up)")
    parser.add_argument("--rounds", type=int, default=3, help="processes per configuration, alternated")
    parser.add_argument("--cpu", action="store_true", help="time this process's CPU time, not wall time")
    parser.add_argument("--against", type=Path, help="another source tree to compare with (A/B)")
    args = parser.parse_args()
    if args.steps < EARLY:
        parser.error(f"--steps must be at least {EARLY}")
    if args.child:
        print(json.dumps(child(args.child, args.gc == "on", args.steps, args.cpu)))
        return
    trees = [ROOT] if args.against is None else [ROOT, args.against.resolve()]
    for tree in trees[1:]:
        if not (tree / "autograd_mini" / "graph.py").is_file():
            parser.error(f"--against {tree}: not an autograd-mini source tree (no autograd_mini/graph.py)")
    print(f"milliseconds of {'CPU' if args.cpu else 'wall'} time per step, medians\n")
    print_table(run(trees, args.rounds, args.steps, args.cpu), trees)


if __name__ == "__main__":
    main()
