"""Benchmark: where ``trace`` spends its time, phase by phase, on the moons step and a GPT word.

1. moons: ``trace`` of bench.py's compiled moons setup, MLP(2, [16, 16, 1]) on 100 samples
   with hinge loss + L2 (about 65,700 nodes).
2. GPT: ``trace`` of ``demos.gpt.one_hot_loss`` for one word, with the model's parameters
   (about 73,000 nodes).
Each trace is timed whole (median of ``--repeats``, the two workloads alternated), and split into
the compiler's phases: running fn (``_run_recording``), planning, the creation-order tape, the
forward and backward code, the repeated blocks written as a loop (``_loops``), and CPython's
``compile()`` of it. The phases are timed by wrapping
the compiler's own functions, so the split costs a few function calls per phase, nothing per node.
With ``--fresh`` each trace is the first of a new process, as bench.py's first compile is:
CPython has specialized none of the compiler's loops yet (it does after 8 calls or 8 jumps back).
Run: python benchmarks/trace_phases.py [--repeats 7] [--fresh]   (prints Markdown; writes nothing)
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import moons_autograd_compiled, moons_problem

import autograd_mini
from autograd_mini import _loops, compiler
from autograd_mini.demos import gpt

PHASES = [
    "_run_recording",
    "_plan",
    "_program_order",
    "_record_tape",
    "_write_forward",
    "_write_backward",
    "_loops.find_layout",  # repeated blocks: found, compared (forward, then backward), rolled
    "_loops.choose_loop",
    "_loops.narrow_to_backward",
    "_loops.reroll",
    "_assemble",
    "_compile",
]


def moons_trace() -> Callable[[], Any]:
    """The moons step's trace + compile, as bench.py's compiled row sets it up."""
    X, y, weights, biases = moons_problem()
    _, setup = moons_autograd_compiled(X, y, weights, biases)
    return setup


def gpt_trace() -> Callable[[], Any]:
    """The GPT demo's loss for the first training word, traced with the model's parameters."""
    model = gpt.init_gpt(autograd_mini.Value, seed=0)
    params = model.parameters()
    tokens = gpt.encode(gpt.make_words()[0])
    inputs, targets = gpt.one_hot(tokens[:-1]), gpt.one_hot(tokens[1:])
    return lambda: autograd_mini.trace(
        lambda a, b: gpt.one_hot_loss(model, a, b), inputs, targets, params=params
    )


WORKLOADS: dict[str, Callable[[], Callable[[], Any]]] = {"moons": moons_trace, "GPT (one word)": gpt_trace}


def timed_phases() -> dict[str, list[float]]:
    """Wrap each phase function of the compiler so that every call adds its time to a list."""
    seconds: dict[str, list[float]] = {name: [] for name in PHASES}
    for name in PHASES:
        module, _, function = name.rpartition(".")
        owner = _loops if module else compiler
        original = getattr(owner, function)

        def wrapper(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                seconds[_name].append(time.perf_counter() - start)

        setattr(owner, function, wrapper)
    return seconds


def one_trace(setup: Callable[[], Any], phases: dict[str, list[float]]) -> dict[str, float]:
    """Time one trace whole and by phase: {phase: seconds, "total": seconds}."""
    for times in phases.values():
        times.clear()
    gc.collect()
    start = time.perf_counter()
    setup()
    split = {phase: sum(times) for phase, times in phases.items()}
    split["total"] = time.perf_counter() - start
    return split


def first_trace_in_new_process(name: str) -> dict[str, float]:
    """``one_trace`` of the workload's first trace, run in a new Python process."""
    script = Path(__file__).resolve()
    done = subprocess.run(
        [sys.executable, str(script), "--only-first", name], capture_output=True, text=True, check=True
    )
    split: dict[str, float] = json.loads(done.stdout)
    return split


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="traces per workload (median)")
    parser.add_argument("--fresh", action="store_true", help="each trace the first of a new process")
    parser.add_argument("--only-first", choices=list(WORKLOADS), help=argparse.SUPPRESS)  # --fresh's child
    args = parser.parse_args(argv)
    if args.only_first:
        setup = WORKLOADS[args.only_first]()
        print(json.dumps(one_trace(setup, timed_phases())))
        return 0
    workloads = {name: make() for name, make in WORKLOADS.items()}
    nodes = {name: setup().num_nodes for name, setup in workloads.items()}  # also the warm-up
    phases = timed_phases()
    splits: dict[str, dict[str, list[float]]] = {name: {} for name in workloads}
    for repeat in range(args.repeats):
        names = list(workloads) if repeat % 2 == 0 else list(reversed(workloads))
        for name in names:
            split = first_trace_in_new_process(name) if args.fresh else one_trace(workloads[name], phases)
            for phase, seconds in split.items():
                splits[name].setdefault(phase, []).append(seconds)
    medians = {
        name: {phase: statistics.median(times) for phase, times in split.items()}
        for name, split in splits.items()
    }
    which = "the first trace of a new process" if args.fresh else "traces in one warm process"
    print(f"Trace + compile, median of {args.repeats} ({which}; the workloads alternated), seconds:\n")
    print("| phase | " + " | ".join(f"{name} ({nodes[name]:,} nodes)" for name in workloads) + " |")
    print("|---|" + "---:|" * len(workloads))
    for phase in PHASES:
        print(f"| {phase} | " + " | ".join(f"{medians[name][phase]:.3f}" for name in workloads) + " |")
    print(
        "| **trace, total** | " + " | ".join(f"**{medians[name]['total']:.3f}**" for name in workloads) + " |"
    )
    per_node = [f"{medians[name]['total'] / nodes[name] * 1e6:.1f}" for name in workloads]
    print("| µs per node | " + " | ".join(per_node) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
