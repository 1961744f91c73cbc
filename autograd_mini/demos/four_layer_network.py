"""The 4-layer network of "Understanding Backpropagation Algorithm": 4 inputs, 2 + 2 hidden, 1 output.

    z2 = W1 x + b1,  a2 = f(z2),  z3 = W2 a2 + b2,  a3 = f(z3),  s = W3 a3 (no bias),  C = 1/2 (s - y)^2

with f the sigmoid. The article's example gradient, dC/dw22 of layer 2, by its chain rule

    dC/dw22(2) = dC/da2(3) * f'(z2(3)) * a2(2)

is computed by hand and by the engine; every other gradient comes from the article's local gradients
delta = dC/dz, and is checked against the engine too. Then the article's gradient descent,
w := w - eps * dC/dw, runs until the cost stops falling.
Run: python -m autograd_mini.demos.four_layer_network [--quick]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autograd_mini import Value, nn

from . import argument_parser, run_main
from ._common import pyplot, save_drawing, save_figure

# W[j][k]: j indexes the neuron in the next layer, k the neuron in the previous one (the article's rule).
X = [0.5, -1.0, 2.0, 0.1]
W1 = [[0.1, -0.2, 0.3, 0.4], [-0.5, 0.6, 0.1, -0.3]]  # (2, 4)
B1 = [0.1, -0.1]
W2 = [[0.7, -0.4], [0.2, 0.9]]  # (2, 2)
B2 = [0.05, -0.2]
W3 = [[1.2, -0.8]]  # (1, 2), no bias
Y = 0.5
EPSILON = 0.5  # the learning rate of the article's pseudocode
TOLERANCE = 1e-12


def f(z: float) -> float:
    """The activation: sigmoid."""
    return 1.0 / (1.0 + math.exp(-z))


def f_prime(z: float) -> float:
    """sigmoid'(z) = f(z) (1 - f(z))."""
    return f(z) * (1.0 - f(z))


def forward_by_hand() -> dict[str, list[float]]:
    """The article's forward equations with plain floats."""
    z2 = [sum(w * x for w, x in zip(row, X, strict=True)) + b for row, b in zip(W1, B1, strict=True)]
    a2 = [f(z) for z in z2]
    z3 = [sum(w * a for w, a in zip(row, a2, strict=True)) + b for row, b in zip(W2, B2, strict=True)]
    a3 = [f(z) for z in z3]
    s = sum(w * a for w, a in zip(W3[0], a3, strict=True))
    return {"z2": z2, "a2": a2, "z3": z3, "a3": a3, "s": [s], "C": [0.5 * (s - Y) ** 2]}


def gradients_by_hand() -> dict[str, float]:
    """Every gradient from the local gradients delta(l) = dC/dz(l), keyed by the engine's parameter names."""
    v = forward_by_hand()
    delta_s = v["s"][0] - Y  # dC/ds for C = 1/2 (s - y)^2
    dC_da3 = [delta_s * w for w in W3[0]]
    delta3 = [d * f_prime(z) for d, z in zip(dC_da3, v["z3"], strict=True)]
    dC_da2 = [sum(delta3[j] * W2[j][k] for j in range(2)) for k in range(2)]
    delta2 = [d * f_prime(z) for d, z in zip(dC_da2, v["z2"], strict=True)]
    grads: dict[str, float] = {}
    for k in range(2):
        grads[f"layers.2.neurons.0.w.{k}"] = delta_s * v["a3"][k]
    for j in range(2):
        grads[f"layers.1.neurons.{j}.b"] = delta3[j]
        grads[f"layers.0.neurons.{j}.b"] = delta2[j]
        for k in range(2):
            grads[f"layers.1.neurons.{j}.w.{k}"] = delta3[j] * v["a2"][k]
        for k in range(4):
            grads[f"layers.0.neurons.{j}.w.{k}"] = delta2[j] * X[k]
    return grads


@dataclass(frozen=True)
class ChainRule:
    """The article's worked example: dC/dw22(2) = dC/da2(3) * f'(z2(3)) * a2(2)."""

    dC_da2_3: float
    f_prime_z2_3: float
    a2_2: float
    engine: float

    @property
    def by_hand(self) -> float:
        return self.dC_da2_3 * self.f_prime_z2_3 * self.a2_2


W22_NAME = "layers.1.neurons.1.w.1"  # W2 row 2 (neuron 2 of hidden layer 2), column 2 (from a2(2))


def build_model() -> nn.MLP:
    """The network as an engine MLP with the article's weights."""
    model = nn.MLP(4, [2, 2, 1], activation="sigmoid", output_activation="linear", output_bias=False)
    state: dict[str, float] = {}
    for layer, (w, b) in enumerate(((W1, B1), (W2, B2), (W3, None))):
        for j, row in enumerate(w):
            for k, value in enumerate(row):
                state[f"layers.{layer}.neurons.{j}.w.{k}"] = value
            if b is not None:
                state[f"layers.{layer}.neurons.{j}.b"] = b[j]
    model.load_state_dict(state)
    return model


def cost(model: nn.MLP) -> Value:
    """C = 1/2 (s - y)^2 at the article's input."""
    s: Value = model(X)  # one output neuron: MLP returns the Value itself
    return 0.5 * (s - Y) ** 2


def chain_rule_example() -> tuple[ChainRule, dict[str, float], dict[str, float]]:
    """(the w22 example, gradients by hand, gradients by the engine)."""
    model = build_model()
    cost(model).backward()
    engine = {name: p.grad for name, p in model.named_parameters()}
    v = forward_by_hand()
    example = ChainRule(
        dC_da2_3=(v["s"][0] - Y) * W3[0][1],  # s = W3_11 a1(3) + W3_12 a2(3)
        f_prime_z2_3=f_prime(v["z3"][1]),
        a2_2=v["a2"][1],
        engine=engine[W22_NAME],
    )
    return example, gradients_by_hand(), engine


def drawing() -> Any:
    """The network at the article's weights and input, after backward: w, dC/dw, b, dC/db."""
    from autograd_mini.viz import draw_network

    model = build_model()
    cost(model).backward()
    return draw_network(model, show_grads=True, inputs=X, loss_name="C", legend=True)


def gradient_descent(max_steps: int) -> list[float]:
    """w := w - eps dC/dw for every weight and bias, until the cost stops falling; the cost per step."""
    model = build_model()
    costs: list[float] = []
    for _ in range(max_steps):
        model.zero_grad()
        c = cost(model)
        if costs and c.data >= costs[-1] - 1e-12:  # termination: the cost stopped falling
            costs.append(c.data)
            break
        costs.append(c.data)
        c.backward()
        for p in model.parameters():
            p.assign(p.data - EPSILON * p.grad)
    return costs


def main(argv: list[str] | None = None) -> int:
    args = argument_parser("four_layer_network", __doc__).parse_args(argv)

    v = forward_by_hand()
    print("4-layer network: x (4) -> hidden 2 -> hidden 2 -> s, f = sigmoid, C = 1/2 (s - y)^2")
    for key in ("z2", "a2", "z3", "a3", "s"):
        print(f"  {key:>2} = [{', '.join(f'{x:.6f}' for x in v[key])}]")
    print(f"  C  = {v['C'][0]:.12f} (y = {Y})")
    example, hand, engine = chain_rule_example()
    print()
    print("dC/dw22(2) = dC/da2(3) * f'(z2(3)) * a2(2)")
    print(f"           = {example.dC_da2_3:.9f} * {example.f_prime_z2_3:.9f} * {example.a2_2:.9f}")
    print(f"           = {example.by_hand:.15f}  (by hand)")
    print(f"           = {example.engine:.15f}  (engine, {W22_NAME})")
    print()
    print(f"{'parameter':<26}{'by hand (delta)':>20}{'engine':>20}{'|difference|':>14}")
    worst = abs(example.by_hand - example.engine)
    for name, grad in engine.items():
        difference = abs(hand[name] - grad)
        worst = max(worst, difference)
        print(f"{name:<26}{hand[name]:>20.15f}{grad:>20.15f}{difference:>14.2e}")
    if worst > TOLERANCE or set(hand) != set(engine):
        print(f"MISMATCH: hand and engine differ by {worst:.3e} > {TOLERANCE:g}")
        return 1
    print(f"All {len(engine)} gradients agree (largest difference {worst:.1e}).")
    save_drawing(drawing(), "four_layer_network")

    costs = gradient_descent(20 if args.quick else 5000)
    print()
    print(f"Gradient descent, w := w - {EPSILON} * dC/dw, until the cost stops falling:")
    shown = set(range(10)) | set(range(0, len(costs), max(1, len(costs) // 10))) | {len(costs) - 1}
    for step in sorted(shown):
        print(f"  step {step:>5}: C = {costs[step]:.3e}")
    print(f"stopped after {len(costs) - 1} steps, C = {costs[-1]:.3e} (from {costs[0]:.3e})")
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.semilogy(costs, label=f"C, ε = {EPSILON}")
    axes.set_xlabel("step")
    axes.set_ylabel("cost C")
    axes.set_title("4-layer network: gradient descent")
    axes.legend()
    save_figure(figure, "four_layer_cost.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("four_layer_network", main))
