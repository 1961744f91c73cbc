"""micrograd's classic: MLP(2, [16, 16, 1]) learns the two moons with hinge loss and SGD.

100 samples of make_moons(noise=0.1), loss = hinge + 1e-4 * L2, SGD with the learning rate
decaying linearly from 1.0 to 0.1 over 100 steps, exactly as in micrograd's demo notebook.
Writes a loss/accuracy curve and a decision-boundary picture to out/.
Run: python -m autograd_mini.demos.moons [--quick]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd_mini import Value, datasets, losses, nn, no_grad, optim, trace

from . import argument_parser, run_main
from ._common import progress, pyplot, save_figure

STEPS = 100
ALPHA = 1e-4  # L2 regularization strength


@dataclass
class Training:
    """What a run produced: the model, the data and the per-step history."""

    model: nn.MLP
    X: list[list[float]]
    y: list[float]
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def accuracy(scores: list[float], labels: list[float]) -> float:
    """Fraction of samples whose score has the label's sign."""
    return sum((s > 0) == (t > 0) for s, t in zip(scores, labels, strict=True)) / len(labels)


def train(steps: int = STEPS, seed: int = 0, show_progress: bool = True, compiled: bool = False) -> Training:
    """Full-batch training; the learning rate at step k is 1.0 - 0.9 * k / 100.

    With ``compiled`` the gradient step runs as code traced once by ``trace``: the same numbers,
    computed without building a graph (the accuracy still takes one plain forward pass).
    """
    X, y = datasets.make_moons(100, noise=0.1, seed=seed)
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    params = model.parameters()
    optimizer = optim.SGD(params, lr=lambda k: 1.0 - 0.9 * k / STEPS)
    run = Training(model, X, y)

    def loss_fn(X: list[list[Value]], y: list[Value]) -> Value:
        return losses.hinge([model(x) for x in X], y) + ALPHA * losses.l2(params)

    step = trace(loss_fn, X, y, params=params) if compiled else None
    bar = progress(range(steps), steps, "moons") if show_progress else iter(range(steps))
    for _ in bar:
        if step is not None:
            loss_value, grads = step(X, y)
            with no_grad():  # accuracy before the update, as in the eager branch
                scores = [model(x).data for x in X]
            optimizer.step(grads)
        else:
            outputs = [model(x) for x in X]
            loss = losses.hinge(outputs, y) + ALPHA * losses.l2(params)  # loss_fn, keeping the scores
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scores = [s.data for s in outputs]
            loss_value = loss.data
        run.loss.append(loss_value)
        run.accuracy.append(accuracy(scores, y))
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{loss_value:.4f}", accuracy=f"{run.accuracy[-1]:.0%}")
    return run


def final_accuracy(run: Training) -> float:
    """Accuracy of the trained model (after the last update)."""
    return accuracy([run.model.predict(x).data for x in run.X], run.y)


def draw(run: Training, grid: int) -> None:
    """The training curves and the decision boundary, as PNG files in out/."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(run.loss, color="tab:red", label="loss")
    left.set_xlabel("step")
    left.set_ylabel("loss (hinge + L2)")
    left.legend()
    right.plot([100 * a for a in run.accuracy], color="tab:blue", label="training accuracy")
    right.set_xlabel("step")
    right.set_ylabel("accuracy (%)")
    right.legend(loc="lower right")
    figure.suptitle("moons: MLP(2, [16, 16, 1]) with SGD")
    save_figure(figure, "moons_training.png")

    # The shaded grid spans the data plus a margin, and the axes show exactly the grid.
    x_low, x_high = min(p[0] for p in run.X) - 0.5, max(p[0] for p in run.X) + 0.5
    y_low, y_high = min(p[1] for p in run.X) - 0.5, max(p[1] for p in run.X) + 0.5
    xs = [x_low + (x_high - x_low) * i / (grid - 1) for i in range(grid)]
    ys = [y_low + (y_high - y_low) * j / (grid - 1) for j in range(grid)]
    with no_grad():
        scores = [[run.model([x, y]).data for x in xs] for y in ys]
    figure, axes = plt.subplots(figsize=(6, 4.5))
    axes.contourf(
        xs,
        ys,
        [[float(s > 0) for s in row] for row in scores],
        levels=[-0.5, 0.5, 1.5],
        cmap="coolwarm",
        alpha=0.3,
    )
    axes.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1)
    for label, colour in ((-1.0, "tab:blue"), (1.0, "tab:red")):
        points = [p for p, t in zip(run.X, run.y, strict=True) if t == label]
        axes.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            color=colour,
            edgecolors="black",
            s=28,
            label=f"class {label:+.0f}",
        )
    axes.plot([], [], color="black", linewidth=1, label="decision boundary (score 0)")
    axes.set_xlim(x_low, x_high)
    axes.set_ylim(y_low, y_high)
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    axes.legend(loc="upper right", fontsize=8)
    axes.set_title(f"moons decision boundary: {final_accuracy(run):.0%} accuracy")
    save_figure(figure, "moons_boundary.png")


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("moons", __doc__).parse_args(argv)
    run = train(10 if args.quick else STEPS, seed=args.seed, compiled=args.compiled)
    print(f"{len(run.loss)} steps: loss {run.loss[0]:.4f} -> {run.loss[-1]:.4f}")
    print(f"final accuracy: {final_accuracy(run):.0%}")
    draw(run, grid=15 if args.quick else 60)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("moons", main))
