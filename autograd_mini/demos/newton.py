"""Newton's method next to gradient descent, with second derivatives from the engine.

f(x) = exp(x/2) + exp(-x) is convex with its minimum where f'(x) = 0. Gradient descent steps
x <- x - lr f'(x); Newton's method steps x <- x - f'(x) / f''(x), where f'' is the derivative
of the gradient's own graph (derivative(derivative(f))). Also draws the gradient of the
lecture's neuron, do/dw1, which create_graph=True builds out of the same ops as the forward pass.
Run: python -m autograd_mini.demos.newton [--quick]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd_mini import Value, derivative, gradients

from . import argument_parser, run_main
from ._common import pyplot, save_drawing, save_figure

START = 3.0
LEARNING_RATE = 0.5
MINIMUM = math.log(2.0) / 1.5  # f'(x) = exp(x/2)/2 - exp(-x) = 0


def f(x: Value) -> Value:
    """exp(x/2) + exp(-x)."""
    return (x * 0.5).exp() + (-x).exp()


def gradient_descent(steps: int) -> list[float]:
    """x_k of gradient descent from START."""
    slope = derivative(f)
    path = [START]
    for _ in range(steps):
        path.append(path[-1] - LEARNING_RATE * slope(path[-1]).data)
    return path


def newton(steps: int) -> list[float]:
    """x_k of Newton's method from START: x - f'(x) / f''(x)."""
    slope = derivative(f)
    curvature = derivative(slope)
    path = [START]
    for _ in range(steps):
        x = path[-1]
        path.append(x - slope(x).data / curvature(x).data)
    return path


def plot(paths: dict[str, list[float]]) -> None:
    """f with both paths on it, and the distance to the minimum per step (log scale)."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    xs = [-1.5 + 5.0 * i / 200 for i in range(201)]
    left.plot(xs, [f(Value(x)).data for x in xs], color="0.5", label="f(x) = exp(x/2) + exp(-x)")
    styles: dict[str, Any] = {"gradient descent": ("tab:blue", "o"), "Newton": ("tab:red", "s")}
    for name, path in paths.items():
        color, marker = styles[name]
        left.plot(path, [f(Value(x)).data for x in path], color=color, marker=marker, label=name)
        errors = [max(abs(x - MINIMUM), 1e-17) for x in path]
        right.semilogy(range(len(path)), errors, color=color, marker=marker, label=name)
    left.set(xlabel="x", ylabel="f(x)", title="the paths on f")
    right.set(xlabel="step", ylabel="|x - x*|", title="distance to the minimum")
    for axes in (left, right):
        axes.legend()
    save_figure(figure, "newton_paths.png")


def neuron_gradient() -> Value:
    """do/dw1 of the lecture's neuron o = tanh(x1 w1 + x2 w2 + b), as a Value with a graph."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    (do_dw1,) = gradients(o, w1, create_graph=True)
    do_dw1.label = "do/dw1"
    return do_dw1


def drawing() -> Any:
    """The drawing of do/dw1 = (1 - o*o) * x1: the backward pass as a computation."""
    from autograd_mini.viz import draw_graph

    return draw_graph(neuron_gradient(), show="forward", rankdir="TB")


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("newton", __doc__).parse_args(argv)
    steps = 6 if args.quick else 12
    paths = {"gradient descent": gradient_descent(steps), "Newton": newton(steps)}
    print(f"f(x) = exp(x/2) + exp(-x), minimum at x* = ln(2)/1.5 = {MINIMUM:.15f}")
    print(f"{'step':>4}  {'gradient descent (lr ' + str(LEARNING_RATE) + ')':>26}  {'Newton':>20}")
    for k, (gd, nt) in enumerate(zip(paths["gradient descent"], paths["Newton"], strict=True)):
        print(f"{k:>4}  {gd:>26.15f}  {nt:>20.15f}")
    check: Callable[[float], float] = lambda x: derivative(derivative(f))(x).data  # noqa: E731
    expected = 0.25 * math.exp(MINIMUM / 2) + math.exp(-MINIMUM)
    print(f"f''(x*) from the engine {check(MINIMUM):.15f}, closed form {expected:.15f}")
    plot(paths)
    gradient = neuron_gradient()
    print(f"do/dw1 of the lecture's neuron = {gradient.data:.6f} (a Value with its own graph)")
    save_drawing(drawing(), "newton_gradient_graph")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("newton", main))
