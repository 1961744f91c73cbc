"""Big graphs, drawn legibly: the lecture's MLP(3, [4, 4, 1]) with each neuron folded into one node.

The lecture's network (tanh on every layer) on its four samples. A neuron-level graph repeats
every weight, product and partial sum: one sample's squared error through MLP(3, [4, 4, 1])
is 116 values, the lecture's 4-sample loss 344. With
draw_graph(..., parameters=model, fold=True) each neuron's weighted sum Σ wᵢxᵢ + b becomes one
node that lists its own weights and bias, with ∂t/∂w and dL/dw = dL/dt · ∂t/∂w on every row;
share_constants=True draws each number once per use (the same op and operand position).
Run: python -m autograd_mini.demos.folded_mlp
"""

from __future__ import annotations

from typing import Any

from autograd_mini import Value, nn

from . import argument_parser, run_main
from ._common import save_drawing

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def loss(samples: int) -> tuple[nn.MLP, Value]:
    """The lecture's squared-error loss over the first ``samples`` samples, after backward.

    The lecture's network: tanh on every layer, the output's too, and weights drawn uniformly
    from [-1, 1] (micrograd's init).
    """
    model = nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", init="uniform", seed=1337)
    terms = [(model(x) - y) ** 2 for x, y in zip(XS[:samples], YS[:samples], strict=True)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    total.label = "L"
    total.backward()
    return model, total


def drawings() -> dict[str, Any]:
    """One sample's loss, folded (the README picture), and the 4-sample loss, folded."""
    from autograd_mini.viz import draw_graph

    pictures = {}
    for stem, samples in (("folded_mlp_graph", 1), ("folded_mlp_loss", 4)):
        model, total = loss(samples)
        pictures[stem] = draw_graph(
            total, parameters=model, fold=True, share_constants=True, legend=True, rankdir="TB"
        )
    return pictures


def main(argv: list[str] | None = None) -> int:
    argument_parser("folded_mlp", __doc__).parse_args(argv)
    from autograd_mini import toposort

    for samples in (1, 4):
        _, total = loss(samples)
        print(f"loss over {samples} sample(s): {total.data:.6g}, {len(toposort(total))} values in the graph")
    for stem, graph in drawings().items():
        neurons = graph.source.count("Σ wᵢxᵢ + b")
        values = graph.source.count("label=<<TABLE") - neurons - 1  # tables: values, neurons, legend
        print(f"{stem}: drawn as {neurons} folded neurons and {values} value boxes")
        save_drawing(graph, stem)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main("folded_mlp", main))
