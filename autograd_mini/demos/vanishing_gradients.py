"""Vanishing gradients, seen: a deep narrow tanh network whose early layers barely learn.

MLP(2, [4] * 10 + [1]) with tanh, mean squared error on the moons (labels 0 and 1), SGD. With its
weights drawn too small (0.3 of Xavier's range) each layer passes back a fraction of the gradient
it receives, so the first layer's gradient norm is orders of magnitude below the last layer's;
with Xavier's range (the default for tanh) the norms stay within a factor of about 10. The
small-init network learns little more than the mean label (loss 0.25). Both runs are recorded
and written as training pages (out/vanishing_small_init.html, out/vanishing_xavier.html), whose
gradient-flow chart shows the gap; the numbers printed come from the recorded data.
Run: python -m autograd_mini.demos.vanishing_gradients [--quick]
"""

from __future__ import annotations

from autograd_mini import Run, datasets, losses, nn, optim, record

from . import argument_parser, run_main
from ._common import out_path, wrote

STEPS = 40
SMALL = 0.3  # the too-small initial weights: this fraction of Xavier's range
WIDTH, DEPTH = 4, 10


def train(scale: float, steps: int = STEPS, show_progress: bool = True) -> Run:
    """A recorded run of the deep narrow tanh network with its initial weights multiplied by ``scale``."""
    X, y = datasets.make_moons(40, noise=0.1, seed=0, labels=(0, 1))
    model = nn.MLP(2, [WIDTH] * DEPTH + [1], activation="tanh", seed=0)
    for p in model.parameters():
        p.data *= scale
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with record(model, steps=steps, progress=show_progress, description=f"init x{scale:g}") as run:
        for _ in range(steps):
            loss = losses.mse([model(x) for x in X], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.step(loss)
    return run


def first_to_last(run: Run, step: int = 0) -> float:
    """|dL/dw| of the first layer divided by that of the last layer, at ``step`` (0: at initialization)."""
    norms = run.grad_norms[step]
    return norms[0] / norms[-1]


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("vanishing_gradients", __doc__).parse_args(argv)
    steps = 8 if args.quick else STEPS
    runs = {"small_init": (SMALL, "weights at 0.3 of Xavier's range"), "xavier": (1.0, "Xavier's range")}
    ratios = {}
    for name, (scale, what) in runs.items():
        run = train(scale, steps)
        ratios[name] = first_to_last(run)
        print(
            f"{what}: loss {run.losses[0]:.4f} -> {run.losses[-1]:.4f}; the first layer's gradient "
            f"norm is {ratios[name]:.2g} of the last layer's at step 0, {first_to_last(run, steps // 2):.2g} "
            f"at step {steps // 2}"
        )
        title = f"vanishing gradients: tanh MLP(2, [{WIDTH}] * {DEPTH} + [1]), {what}"
        path = out_path(f"vanishing_{name}.html")
        run.page(title=title).save(path)
        wrote(path)
    # What the demo shows, checked on the recorded numbers (an error if it ever stops being true).
    if not (ratios["small_init"] < 1e-3 and ratios["xavier"] > 1e-2):
        raise AssertionError(f"expected vanishing gradients with the small init only, got {ratios}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("vanishing_gradients", main))
