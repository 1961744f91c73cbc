"""Watch a network learn the moons: MLP(2, [8, 8, 1]) trained with tanh and with relu, recorded.

60 samples of make_moons(noise=0.1), hinge loss, SGD with the learning rate falling from 0.5 to
0.05. Each run is recorded with ``autograd_mini.record`` around the plain training loop and
written as a training page (out/training_moons_tanh.html, out/training_moons_relu.html): the
network recoloured step by step, the loss, the decision boundary, the gradient flow per layer,
and the backward explorer on one sample's graph at the last step.
Run: python -m autograd_mini.demos.training_view [--quick]
"""

from __future__ import annotations

from autograd_mini import Run, datasets, losses, nn, optim, record
from autograd_mini._files import replace_file

from . import argument_parser, run_main
from ._common import out_path, wrote

STEPS = 120
SAMPLES = 60


def train(activation: str, steps: int = STEPS, show_progress: bool = True) -> tuple[Run, float, str]:
    """One recorded run; returns it, its training accuracy after the last step, and its page's HTML."""
    X, y = datasets.make_moons(SAMPLES, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 8, 1], activation=activation, seed=0)
    optimizer = optim.SGD(model.parameters(), lr=lambda k: 0.5 - 0.45 * k / steps)
    with record(model, steps=steps, progress=show_progress, description=f"moons, {activation}") as run:
        run.watch_boundary(X, y, every=max(1, steps // 30), grid=20)
        for _ in range(steps):
            loss = losses.hinge([model(x) for x in X], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.step(loss)
    scores = [model.predict(x).data for x in X]
    accuracy = sum((s > 0) == (t > 0) for s, t in zip(scores, y, strict=True)) / len(y)
    page = run.page(
        title=f"moons: MLP(2, [8, 8, 1]) with {activation}, hinge loss, SGD",
        sample_loss=lambda: losses.hinge([model(X[0])], [y[0]]),
        explore_steps=[run.snapshots[-1].step],
    )
    return run, accuracy, page.html


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("training_view", __doc__).parse_args(argv)
    steps = 20 if args.quick else STEPS
    for activation in ("tanh", "relu"):
        run, accuracy, html = train(activation, steps)
        path = out_path(f"training_moons_{activation}.html")
        replace_file(path, html)  # a temporary file beside it, then a rename
        print(
            f"{activation}: loss {run.losses[0]:.4f} -> {run.losses[-1]:.4f}, accuracy {accuracy:.0%}, "
            f"page {len(html.encode('utf-8')) / 1e6:.2f} MB"
        )
        wrote(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("training_view", main))
