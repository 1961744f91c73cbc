"""The ML-cheatsheet network (INPUT 1, HIDDEN 2, OUTPUT 2, ReLU on both layers, X of shape (3, 1)).

Every weight and bias gradient is computed twice: with plain floats and the article's three
equations, and with the engine; the demo fails if any pair differs by more than 1e-12.

    Eo    = (y_hat - y) * R'(Zo)          output layer error
    Eh    = (Eo . Wo^T) * R'(Zh)          hidden layer error
    C'(w) = (layer input)^T . (layer error)   and C'(b) = the error summed over samples

(y_hat - y) is exactly dC/dy_hat for the cost C = 1/2 * sum of squared errors over samples and outputs.
Run: python -m autograd_mini.demos.cheatsheet_network
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograd_mini import Value, nn

from . import argument_parser, run_main
from ._common import save_drawing

Matrix = list[list[float]]

# The article's shapes, with numbers chosen so that both ReLU branches occur.
X: Matrix = [[1.0], [2.0], [3.0]]  # (3, 1): three samples, one input each
WH: Matrix = [[0.5, -0.4]]  # (1, 2)
BH: Matrix = [[0.1, 1.0]]  # (1, 2)
WO: Matrix = [[0.3, -0.2], [0.8, 0.5]]  # (2, 2): row = hidden unit, column = output unit
BO: Matrix = [[0.05, 0.3]]  # (1, 2)
Y: Matrix = [[0.5, 0.2], [0.9, 0.1], [1.2, 0.4]]  # (3, 2) targets

TOLERANCE = 1e-12


def matmul(a: Matrix, b: Matrix) -> Matrix:
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def transpose(a: Matrix) -> Matrix:
    return [list(column) for column in zip(*a, strict=True)]


def add_row(a: Matrix, row: Matrix) -> Matrix:
    return [[v + row[0][j] for j, v in enumerate(r)] for r in a]


def elementwise(a: Matrix, b: Matrix) -> Matrix:
    return [[x * y for x, y in zip(ra, rb, strict=True)] for ra, rb in zip(a, b, strict=True)]


def relu(a: Matrix) -> Matrix:
    return [[max(v, 0.0) for v in r] for r in a]


def relu_prime(a: Matrix) -> Matrix:
    return [[1.0 if v > 0 else 0.0 for v in r] for r in a]


def column_sums(a: Matrix) -> Matrix:
    return [[sum(column) for column in zip(*a, strict=True)]]


def by_hand() -> dict[str, Matrix]:
    """Forward and backward with plain floats and the article's equations."""
    zh = add_row(matmul(X, WH), BH)  # (3, 2)
    h = relu(zh)
    zo = add_row(matmul(h, WO), BO)  # (3, 2)
    o = relu(zo)
    error = [[oi - yi for oi, yi in zip(ro, ry, strict=True)] for ro, ry in zip(o, Y, strict=True)]
    eo = elementwise(error, relu_prime(zo))  # Eo = (y_hat - y) * R'(Zo)
    eh = elementwise(matmul(eo, transpose(WO)), relu_prime(zh))  # Eh = Eo . Wo^T * R'(Zh)
    return {
        "Zh": zh,
        "H": h,
        "Zo": zo,
        "O": o,
        "Eo": eo,
        "Eh": eh,
        "dWo": matmul(transpose(h), eo),  # C'(Wo) = H^T . Eo
        "dBo": column_sums(eo),
        "dWh": matmul(transpose(X), eh),  # C'(Wh) = X^T . Eh
        "dBh": column_sums(eh),
        "C": [[0.5 * sum(e * e for r in error for e in r)]],
    }


def build_model() -> nn.MLP:
    """The same network as an engine MLP; neuron j of a layer holds column j of the article's W."""
    model = nn.MLP(1, [2, 2], activation="relu", output_activation="relu")
    state: dict[str, float] = {}
    for prefix, w, b in (("layers.0", WH, BH), ("layers.1", WO, BO)):
        for j in range(len(w[0])):
            for i in range(len(w)):
                state[f"{prefix}.neurons.{j}.w.{i}"] = w[i][j]
            state[f"{prefix}.neurons.{j}.b"] = b[0][j]
    model.load_state_dict(state)
    return model


def with_engine() -> tuple[nn.MLP, Value]:
    """Forward, cost 1/2 * sum (y_hat - y)^2, and backward with the engine."""
    model = build_model()
    terms: list[Value] = []
    for x, y in zip(X, Y, strict=True):
        outputs = model(x)
        terms.extend(0.5 * (o - t) ** 2 for o, t in zip(outputs, y, strict=True))
    cost = terms[0]
    for term in terms[1:]:
        cost = cost + term
    cost.backward()
    return model, cost


@dataclass(frozen=True)
class Row:
    """One gradient computed both ways."""

    name: str  # the article's symbol, e.g. Wo[1][0]
    parameter: str  # the engine's parameter name
    hand: float
    engine: float

    @property
    def difference(self) -> float:
        return abs(self.hand - self.engine)


def compare() -> list[Row]:
    """Every weight and bias gradient, by the article's equations and by the engine."""
    hand = by_hand()
    model, _ = with_engine()
    params = dict(model.named_parameters())
    rows = []
    for symbol, grads, layer in (("Wh", hand["dWh"], 0), ("Wo", hand["dWo"], 1)):
        for i, row in enumerate(grads):
            for j, g in enumerate(row):
                name = f"layers.{layer}.neurons.{j}.w.{i}"
                rows.append(Row(f"{symbol}[{i}][{j}]", name, g, params[name].grad))
    for symbol, grads, layer in (("Bh", hand["dBh"], 0), ("Bo", hand["dBo"], 1)):
        for j, g in enumerate(grads[0]):
            name = f"layers.{layer}.neurons.{j}.b"
            rows.append(Row(f"{symbol}[0][{j}]", name, g, params[name].grad))
    return rows


def show(name: str, m: Matrix) -> str:
    return f"{name:>3} = [" + "; ".join(" ".join(f"{v + 0.0:8.4f}" for v in r) for r in m) + "]"


def main(argv: list[str] | None = None) -> int:
    argument_parser("cheatsheet_network", __doc__).parse_args(argv)
    hand = by_hand()
    _, cost = with_engine()
    print("Cheatsheet network: INPUT 1 -> HIDDEN 2 -> OUTPUT 2, ReLU on both layers, 3 samples")
    print("shapes: X (3,1)  Wh (1,2)  Bh (1,2)  Zh (3,2)  H (3,2)  Wo (2,2)  Bo (1,2)  Zo (3,2)  O (3,2)")
    for key in ("Zh", "H", "Zo", "O", "Eo", "Eh"):
        print(show(key, hand[key]))
    print(f"cost C = 1/2 * sum (y_hat - y)^2 = {hand['C'][0][0]:.12g} (engine: {cost.data:.12g})")
    print("With this cost, dC/dy_hat = (y_hat - y) exactly, the factor the article's Eo starts from.")
    print()
    print(f"{'gradient':<10}{'parameter':<26}{'equations':>16}{'engine':>16}{'|difference|':>14}")
    rows = compare()
    for row in rows:
        print(
            f"{row.name:<10}{row.parameter:<26}{row.hand:>16.12f}{row.engine:>16.12f}{row.difference:>14.2e}"
        )
    worst = max(row.difference for row in rows)
    if worst > TOLERANCE:
        print(f"MISMATCH: the engine and the equations differ by {worst:.3e} > {TOLERANCE:g}")
        return 1
    print(f"All {len(rows)} gradients agree (largest difference {worst:.1e} <= {TOLERANCE:g}).")
    print()
    save_drawing(drawing(), "cheatsheet_network")
    return 0


def drawing() -> Any:
    """The network after backward: every weight with w and dC/dw, every neuron with b and dC/db."""
    from autograd_mini.viz import draw_network

    model, _ = with_engine()
    return draw_network(model, show_grads=True, loss_name="C", legend=True)


if __name__ == "__main__":
    raise SystemExit(run_main("cheatsheet_network", main))
