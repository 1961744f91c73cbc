"""The x,y -> z diagram with numbers: forward values, local derivatives, and the chain rule.

Forward: z = f(x, y), and at the same moment the local derivatives dz/dx and dz/dy.
Backward: receive dL/dz from above and hand dL/dx = dL/dz * dz/dx to x, dL/dy = dL/dz * dz/dy to y.
Run: python -m autograd_mini.demos.chain_rule
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_mini import Value

from . import argument_parser, run_main
from ._common import save_drawing

X, Y = 3.0, -4.0
DL_DZ = 2.0  # the gradient arriving from the rest of the network (the seed of backward)

EXAMPLES: list[tuple[str, Callable[[Value, Value], Value]]] = [
    ("x * y", lambda x, y: x * y),
    ("x + y", lambda x, y: x + y),
    ("x - y", lambda x, y: x - y),
    ("x / y", lambda x, y: x / y),
    ("x ** 2 * y", lambda x, y: x**2 * y),
    ("tanh(x * y / 10)", lambda x, y: (x * y / 10).tanh()),
]


def chain_rule_rows() -> list[dict[str, float | str]]:
    """For each example f: z, the local derivatives, and dL/dx, dL/dy from the seed dL/dz."""
    rows: list[dict[str, float | str]] = []
    for formula, f in EXAMPLES:
        x, y = Value(X, "x"), Value(Y, "y")
        z = f(x, y)
        z.backward(DL_DZ)
        # dz/dx alone is dL/dx with a seed of 1: read it from the engine, not from a formula here.
        x1, y1 = Value(X), Value(Y)
        f(x1, y1).backward()
        rows.append(
            {"f": formula, "z": z.data, "dz/dx": x1.grad, "dz/dy": y1.grad, "dL/dx": x.grad, "dL/dy": y.grad}
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    argument_parser("chain_rule", __doc__).parse_args(argv)
    x, y = Value(X, "x"), Value(Y, "y")
    z = x * y
    z.label = "z"
    z.backward(DL_DZ)
    print("The x,y -> z diagram: z = f(x, y) = x * y")
    print(f"  forward : x = {X:g}, y = {Y:g}  ->  z = x * y = {z.data:g}")
    print(f"  local   : dz/dx = y = {z.local_grads[0]:g}, dz/dy = x = {z.local_grads[1]:g}  (stored on z)")
    print(f"  backward: dL/dz = {DL_DZ:g} arrives from above")
    print(f"            dL/dx = dL/dz * dz/dx = {DL_DZ:g} * {z.local_grads[0]:g} = {x.grad:g}")
    print(f"            dL/dy = dL/dz * dz/dy = {DL_DZ:g} * {z.local_grads[1]:g} = {y.grad:g}")
    print()
    print(f"The same rule for other f, at x = {X:g}, y = {Y:g}, dL/dz = {DL_DZ:g}:")
    header = f"{'f(x, y)':<18}{'z':>12}{'dz/dx':>12}{'dz/dy':>12}{'dL/dx':>12}{'dL/dy':>12}"
    print(header)
    print("-" * len(header))
    for row in chain_rule_rows():
        numbers = "".join(f"{row[k]:>12.6g}" for k in ("z", "dz/dx", "dz/dy", "dL/dx", "dL/dy"))
        print(f"{row['f']!s:<18}{numbers}")
    print()
    for stem, graph in drawings().items():
        save_drawing(graph, stem)
    return 0


def lecture_neuron() -> Value:
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b), with its labels, after backward."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"  # an expression: shown in its box, never inside a fraction
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def drawings() -> dict[str, Any]:
    """The pictures: the x,y -> z diagram (both halves, dL/dz = 2) and the lecture's neuron."""
    from autograd_mini.viz import draw_graph

    x, y = Value(X, "x"), Value(Y, "y")
    z = x * y
    z.label = "z"
    z.backward(DL_DZ)
    return {
        # top to bottom: narrow enough to read at a README's 800 px (tests/demos/test_readme_images.py)
        "chain_rule_graph": draw_graph(z, legend=True, rankdir="TB"),
        "neuron_graph": draw_graph(lecture_neuron(), legend=True, rankdir="TB"),
    }


if __name__ == "__main__":
    raise SystemExit(run_main("chain_rule", main))
