"""Fit noisy sin(x) with a tanh MLP, mean squared error and Adam.

Writes the data, the fitted curve and the loss curve to out/regression.png.
Run: python -m autograd_mini.demos.regression [--quick]
"""

from __future__ import annotations

import math

from autograd_mini import datasets, losses, nn, no_grad, optim

from . import argument_parser, run_main
from ._common import progress, pyplot, save_figure

STEPS = 300


def train(steps: int = STEPS, seed: int = 0) -> tuple[nn.MLP, list[list[float]], list[float], list[float]]:
    """(model, X, y, loss per step) for MLP(1, [16, 16, 1], tanh) on 40 points of sin(x) + noise."""
    X, y = datasets.make_regression_1d(40, noise=0.1, seed=seed)
    model = nn.MLP(1, [16, 16, 1], activation="tanh", seed=seed)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in progress(range(steps), steps, "regression"):
        loss = losses.mse([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.data)
    return model, X, y, history


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("regression", __doc__).parse_args(argv)
    model, X, y, history = train(20 if args.quick else STEPS)
    print(f"{len(history)} Adam steps: MSE {history[0]:.4f} -> {history[-1]:.4f} (noise variance 0.01)")
    plt = pyplot()
    xs = [-math.pi + 2 * math.pi * i / 199 for i in range(200)]
    with no_grad():
        fit = [model([x]).data for x in xs]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.scatter([x[0] for x in X], y, s=14, color="black", label="data: sin(x) + noise")
    left.plot(xs, [math.sin(x) for x in xs], color="gray", linestyle="--", label="sin(x)")
    left.plot(xs, fit, color="tab:red", label="MLP fit")
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.legend(fontsize=8)
    right.semilogy(history, color="tab:red", label="training MSE")
    right.legend()
    right.set_xlabel("step")
    right.set_ylabel("MSE")
    figure.suptitle("regression: MLP(1, [16, 16, 1], tanh) with Adam")
    save_figure(figure, "regression.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("regression", main))
