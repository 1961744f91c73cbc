"""The GPT workload: one training step of autograd_mini.demos.gpt on each system, each in a fresh process.

A step is the loss of one word (the graph's shape changes with the word's length), backward,
and the same plain-float Adam update for every scalar system. Every system trains the same
words from the same starting weights; the first losses must agree. Each system runs in a
process of its own that imports only itself and the data (so no system's collector walks
another's objects), timing ``--steps`` consecutive steps after one warm-up step; the rounds
alternate the systems' order, and a system's figure is the median of its rounds' medians.

Run: python benchmarks/gpt_bench.py [--rounds N] [--steps N]   (bench.py runs it for make bench)
     python benchmarks/gpt_bench.py --child SYSTEM --steps N     (one system's process)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LR = 0.01
BETAS = (0.85, 0.99)
EPS = 1e-8

PAUSED = "autograd_mini eager, step under @pauses_collector"
# name -> (what it needs importable, what the table says when it cannot run)
SYSTEMS = {
    "autograd_mini eager": ("autograd_mini", ""),
    PAUSED: ("autograd_mini", ""),
    "autograd_mini compile cache": ("autograd_mini", ""),
    "minimal slotted engine": ("autograd_mini", ""),  # the data comes from the demo module
    "micrograd 0.1.0": ("micrograd", "cannot run: micrograd 0.1.0's Value has no exp or log"),
    "PyTorch scalar (0-d tensors)": ("torch", ""),
    "PyTorch batched (per-sequence tensors)": ("torch", ""),
}
SLOW = ("PyTorch scalar (0-d tensors)",)
REFERENCE = "minimal slotted engine"


class Adam:
    """Adam on plain floats, the same for every scalar system: (get, set) read and write a parameter."""

    def __init__(self, count: int) -> None:
        self.m = [0.0] * count
        self.v = [0.0] * count
        self.t = 0

    def updates(self, values: list[float], grads: list[float]) -> list[float]:
        self.t += 1
        b1, b2 = BETAS
        new = []
        for i, (x, g) in enumerate(zip(values, grads, strict=True)):
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            m_hat = self.m[i] / (1 - b1**self.t)
            v_hat = self.v[i] / (1 - b2**self.t)
            new.append(x - LR * m_hat / (math.sqrt(v_hat) + EPS))
        return new


def _scalar_step(scalar: Any, words: list[str]) -> Callable[[int], float]:
    """The step for a scalar engine with ``.data``/``.grad`` floats (autograd_mini, the slotted engine)."""
    from autograd_mini.demos import gpt

    model = gpt.init_gpt(scalar, seed=0)
    params = model.parameters()
    adam = Adam(len(params))

    def step(k: int) -> float:
        loss = gpt.word_loss(model, words[k % len(words)])
        for p in params:
            p.grad = 0.0
        loss.backward()
        new = adam.updates([p.data for p in params], [p.grad for p in params])
        for p, x in zip(params, new, strict=True):
            p.data = x
        return float(loss.data)

    return step


def _compiled_step(words: list[str], warm: range) -> Callable[[int], float]:
    """The step through autograd_mini's compile cache; the lengths of the words of steps ``warm``
    are compiled beforehand (a call reads the parameters and changes nothing)."""
    import autograd_mini
    from autograd_mini.demos import gpt

    model = gpt.init_gpt(autograd_mini.Value, seed=0)
    params = model.parameters()
    adam = Adam(len(params))
    compiled = autograd_mini.compile(
        lambda xs, ys: gpt.one_hot_loss(model, xs, ys), params=params, max_entries=gpt.CONTEXT
    )

    def one_hots(k: int) -> tuple[list[list[float]], list[list[float]]]:
        tokens = gpt.encode(words[k % len(words)])
        return gpt.one_hot(tokens[:-1]), gpt.one_hot(tokens[1:])

    for k in warm:
        compiled(*one_hots(k))

    def step(k: int) -> float:
        loss, grads = compiled(*one_hots(k))
        new = adam.updates([p.data for p in params], grads)
        for p, x in zip(params, new, strict=True):
            p.data = x
        return loss

    return step


def _torch_scalar_step(words: list[str]) -> Callable[[int], float]:
    import torch

    from autograd_mini.demos import gpt

    def scalar(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    model = gpt.init_gpt(scalar, seed=0)
    params = model.parameters()
    adam = Adam(len(params))

    def step(k: int) -> float:
        loss = gpt.word_loss(model, words[k % len(words)])
        for p in params:
            p.grad = None
        loss.backward()
        new = adam.updates(
            [p.item() for p in params], [0.0 if p.grad is None else p.grad.item() for p in params]
        )
        with torch.no_grad():
            for p, x in zip(params, new, strict=True):
                p.fill_(x)
        return loss.item()

    return step


def _torch_batched_step(words: list[str]) -> Callable[[int], float]:
    """The same model on one word's whole sequence at once: matrices and a causal mask."""
    import torch

    from autograd_mini.demos import gpt

    model = gpt.init_gpt(float, seed=0)
    weights = [torch.tensor(m, dtype=torch.float64, requires_grad=True) for m in model.matrices()]
    adam = Adam(sum(w.numel() for w in weights))

    def rms(x: Any) -> Any:
        return x * ((x * x).mean(dim=-1, keepdim=True) + 1e-5) ** -0.5

    def loss_of(tokens: list[int]) -> Any:
        token, position, query, key, value, mix, up, down, head = weights
        n = len(tokens) - 1
        x = rms(token[tokens[:-1]] + position[:n])
        residual = x
        x = rms(x)
        q, k, v = x @ query.T, x @ key.T, x @ value.T
        mask = torch.ones(n, n, dtype=torch.bool).tril()
        heads = []
        for h in range(0, gpt.EMBED, gpt.HEAD_SIZE):
            part = slice(h, h + gpt.HEAD_SIZE)
            scores = (q[:, part] @ k[:, part].T) * (1.0 / math.sqrt(gpt.HEAD_SIZE))
            heads.append(torch.softmax(scores.masked_fill(~mask, -math.inf), dim=-1) @ v[:, part])
        x = torch.cat(heads, dim=-1) @ mix.T + residual
        x = torch.relu(rms(x) @ up.T) @ down.T + x
        logits = x @ head.T
        return torch.nn.functional.cross_entropy(logits, torch.tensor(tokens[1:]))

    def step(k: int) -> float:
        loss = loss_of(gpt.encode(words[k % len(words)]))
        for w in weights:
            w.grad = None
        loss.backward()
        values = [x for w in weights for x in w.detach().flatten().tolist()]
        grads = [g for w in weights for g in w.grad.flatten().tolist()]
        new = iter(adam.updates(values, grads))
        with torch.no_grad():
            for w in weights:
                w.copy_(torch.tensor([next(new) for _ in range(w.numel())], dtype=torch.float64).view_as(w))
        return loss.item()

    return step


def end_to_end(steps: int) -> dict[str, Any]:
    """``steps`` training steps through the compile cache in this process, every compile included."""
    sys.path.insert(0, str(ROOT))
    from autograd_mini.demos import gpt

    words = gpt.make_words(seed=0)
    import gc

    gc.collect()
    start = time.perf_counter()
    step = _compiled_step(words, range(0))
    losses = [step(k) for k in range(steps)]
    return {"seconds": time.perf_counter() - start, "losses": losses}


def child(system: str, steps: int) -> dict[str, Any]:
    """One system's steps in this process: the losses, and the median of ``steps`` steps after a warm-up."""
    sys.path.insert(0, str(ROOT))
    from autograd_mini.demos import gpt

    words = gpt.make_words(seed=0)
    if system == "autograd_mini eager":
        import autograd_mini

        step = _scalar_step(autograd_mini.Value, words)
    elif system == PAUSED:
        import autograd_mini

        # The same step, its graph built as one run: what a user's decorated training step gets.
        step = autograd_mini.pauses_collector(_scalar_step(autograd_mini.Value, words))
    elif system == "autograd_mini compile cache":
        step = _compiled_step(words, range(steps + 1))  # timed: steps whose length is compiled
    elif system == "minimal slotted engine":
        sys.path.insert(0, str(HERE))
        import slotted

        step = _scalar_step(slotted.Value, words)
    elif system == "PyTorch scalar (0-d tensors)":
        step = _torch_scalar_step(words)
    elif system == "PyTorch batched (per-sequence tensors)":
        step = _torch_batched_step(words)
    else:
        raise SystemExit(f"unknown system {system!r}")
    import gc

    gc.collect()
    times, cpu, losses = [], [], []
    for k in range(steps + 1):  # step 0 is the warm-up
        start, start_cpu = time.perf_counter(), time.process_time()
        losses.append(step(k))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "first_loss": losses[0],
        "losses": losses,
        "median": statistics.median(times[1:]),
        "cpu_median": statistics.median(cpu[1:]),  # this process's CPU time: what other load disturbs least
        "times": times,
    }


def run_child(system: str, steps: int, mode: str = "--child") -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, mode, system, "--steps", str(steps)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"{system}: the benchmark process failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def available(system: str) -> bool:
    module, refusal = SYSTEMS[system]
    if refusal:
        return False
    return importlib.util.find_spec(module) is not None


def bench_gpt(
    rounds: int = 3, steps: int = 15, end_to_end_steps: int = 300, quiet: bool = False
) -> dict[str, Any]:
    """{system: {"step_seconds", "end_to_end_seconds", ...}}, or {"not_run": why} for a system not run.

    End to end is ``end_to_end_steps`` steps: measured for real for the compile cache (every
    trace and compile included), ``end_to_end_steps`` x the median step for the others.
    """
    cache_end_to_end = 0.0
    cpu_rounds: dict[str, list[float]] = {}
    systems = [name for name in SYSTEMS if available(name)]
    per_round: dict[str, list[float]] = {name: [] for name in systems}
    first: dict[str, float] = {}
    for r in range(rounds):
        order = systems[r % len(systems) :] + systems[: r % len(systems)]  # rotate: no system always first
        for name in order:
            if name in SLOW and r:
                continue  # minutes a round: one round only
            data = run_child(name, min(steps, 5) if name in SLOW else steps)
            per_round[name].append(data["median"])
            cpu_rounds.setdefault(name, []).append(data["cpu_median"])
            first[name] = data["first_loss"]
            if not quiet:
                print(f"  round {r + 1}: {name}: {data['median'] * 1e3:.1f} ms", file=sys.stderr, flush=True)
    reference = first[REFERENCE]
    for name, loss in first.items():
        if abs(loss - reference) > 1e-9 * abs(reference):
            raise SystemExit(f"GPT: {name} computes another first loss ({loss!r} vs {reference!r})")
    rows: dict[str, Any] = {}
    if end_to_end_steps and "autograd_mini compile cache" in per_round:
        data = run_child("autograd_mini compile cache", end_to_end_steps, "--end-to-end")
        cache_end_to_end = data["seconds"]
        if not quiet:
            print(f"  {end_to_end_steps} steps, compile cache: {cache_end_to_end:.2f} s", file=sys.stderr)
    for name in SYSTEMS:
        if name in per_round:
            median = statistics.median(per_round[name])
            rows[name] = {
                "step_seconds": median,
                "cpu_step_seconds": statistics.median(cpu_rounds[name]),
                "round_medians": per_round[name],
                "first_loss": first[name],
                "end_to_end_seconds": end_to_end_steps * median,
            }
            if name == "autograd_mini compile cache" and end_to_end_steps:
                rows[name]["end_to_end_seconds"] = cache_end_to_end
                rows[name]["end_to_end_measured"] = True
        else:
            rows[name] = {"not_run": SYSTEMS[name][1] or "not installed"}
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", metavar="SYSTEM", help="run one system's steps in this process")
    parser.add_argument(
        "--end-to-end", metavar="SYSTEM", help="time --steps steps of the compile cache, compiles included"
    )
    parser.add_argument("--steps", type=int, default=15, help="timed steps per process (after one warm-up)")
    parser.add_argument("--rounds", type=int, default=3, help="processes per system, alternated")
    parser.add_argument("--total", type=int, default=300, help="steps of the end-to-end run (0: none)")
    args = parser.parse_args(argv)
    if args.steps < 5 and not args.child:
        parser.error("--steps must be at least 5")
    if args.child:
        print(json.dumps(child(args.child, args.steps)))
        return 0
    if args.end_to_end:
        print(json.dumps(end_to_end(args.steps)))
        return 0
    rows = bench_gpt(args.rounds, args.steps, args.total)
    reference = rows[REFERENCE]["step_seconds"]
    for name, row in rows.items():
        if "not_run" in row:
            print(f"{name:50} {row['not_run']}")
        else:
            seconds = row["step_seconds"]
            total = row["end_to_end_seconds"]
            totals = (  # --total 0: no end-to-end run, every total is 0
                f"; {args.total} steps {total:6.2f} s {rows[REFERENCE]['end_to_end_seconds'] / total:6.2f}x"
                if args.total
                else ""
            )
            print(f"{name:50} {seconds * 1e3:8.1f} ms {reference / seconds:6.2f}x the slotted engine{totals}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
