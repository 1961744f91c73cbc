"""Benchmark: what recording costs (``record``), and how fast the training page's slider moves.

1. An eager moons step, MLP(2, [16, 16, 1]) on 100 samples with hinge loss and SGD, and the
   ``run.step(loss)`` after it, each timed (medians), and the decision-boundary grid's cost per
   step with watch_boundary's defaults (a 20 x 20 grid every 20 steps).
2. The page of a 300-step run of that model in headless Chromium (Debian's): its size, and the
   slider moved over every step, as frames (each waits for the browser's next frame, so 60 is the
   ceiling of a 60 Hz display) and as the time one step's redraw takes (layout forced).
Run: python benchmarks/recording.py [--steps 300]   (prints Markdown; writes nothing)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograd_mini import Run, datasets, losses, nn, optim, record
from autograd_mini._browser import MISSING, launch_chromium


def moons() -> tuple[nn.MLP, list[list[float]], list[float], optim.SGD]:
    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    return model, X, y, optim.SGD(model.parameters(), lr=0.05)


def step_times(repeats: int) -> tuple[float, float, float]:
    """Median seconds of a plain step, of a recorded step, and of one boundary grid."""
    model, X, y, optimizer = moons()
    run = record(model, progress=False)

    def step() -> tuple[float, float]:
        """(seconds of the training step, seconds of run.step after it)."""
        start = time.perf_counter()
        loss = losses.hinge([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        middle = time.perf_counter()
        run.step(loss)
        return middle - start, time.perf_counter() - middle

    step()  # warm-up
    # run.step timed on its own, right after each step: the machine's load changes a 50 ms step
    # by more than run.step costs, so a with/without difference would measure the load.
    times = [step() for _ in range(repeats)]
    grids = []
    for _ in range(5):
        start = time.perf_counter()
        run.watch_boundary(X, y)  # evaluates one grid at once
        grids.append(time.perf_counter() - start)
    grid = statistics.median(grids)
    return statistics.median(t for t, _ in times), statistics.median(r for _, r in times), grid


def trained_run(steps: int) -> Run:
    model, X, y, optimizer = moons()
    with record(model, steps=steps, description="recording the 300-step run") as run:
        run.watch_boundary(X, y)
        for _ in range(steps):
            loss = losses.hinge([model(x) for x in X], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.step(loss)
    return run


SWEEP = """async (redraws) => {
  const slider = document.getElementById('slider'), count = Number(slider.max) + 1;
  const move = i => { slider.value = String(i); slider.dispatchEvent(new Event('input')); };
  let start = performance.now();
  for (let i = 0; i < count; i++) { move(i); await new Promise(done => requestAnimationFrame(done)); }
  const frames = count / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let r = 0; r < redraws; r++) {
    for (let i = 0; i < count; i++) { move(i); void document.body.offsetHeight; }
  }
  return [frames, (performance.now() - start) / (redraws * count)];
}"""


def slider_speed(html: str) -> tuple[float, float]:
    """(frames per second over the whole slider, milliseconds per redraw) in headless Chromium."""
    from playwright.sync_api import sync_playwright

    if shutil.which("chromium") is None:
        raise SystemExit(MISSING)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_content(html)
        frames, milliseconds = page.evaluate(SWEEP, 2)
        browser.close()
    return float(frames), float(milliseconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="steps of the run whose page is measured")
    parser.add_argument("--repeats", type=int, default=30, help="timed steps with and without recording")
    args = parser.parse_args()
    plain, recorded, grid = step_times(args.repeats)
    print("| eager moons step, MLP(2, [16, 16, 1]), 100 samples | median |")
    print("|---|---|")
    print(f"| the training step | {plain * 1e3:.1f} ms |")
    print(f"| run.step(loss) after it | {recorded * 1e3:.2f} ms ({recorded / plain:.1%} of the step) |")
    per_step = f"every 20 steps: {grid / 20 * 1e3:.1f} ms a step, {grid / 20 / plain:.0%}"
    print(f"| one 20 x 20 boundary grid ({per_step}) | {grid * 1e3:.0f} ms |")
    run = trained_run(args.steps)
    html = run.page().html
    frames, milliseconds = slider_speed(html)
    print()
    print(f"| training page, {args.steps} steps | |")
    print("|---|---|")
    print(f"| size | {len(html.encode('utf-8')) / 1e6:.2f} MB |")
    print(f"| slider over every step, one step a frame | {frames:.0f} frames/s |")
    print(f"| one step's redraw (layout forced) | {milliseconds:.2f} ms ({1000 / milliseconds:.0f}/s) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
