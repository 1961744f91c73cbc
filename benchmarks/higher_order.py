"""What create_graph costs: a backward whose gradients are Values, against the float backward.

Workload: the hinge loss of MLP(2, [16, 16, 1]) on 16 moons points (the moons demo's model).
Prints the forward graph's size, the time of backward() and of gradients(create_graph=True),
the nodes the gradient graph adds per forward node, and the bytes they hold (tracemalloc).
Run: .venv/bin/python benchmarks/higher_order.py
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from autograd_mini import Value, datasets, gradients, losses, nn, toposort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import median_seconds


def build_loss(model: nn.MLP, points: list[list[float]], labels: list[float]) -> Value:
    """The moons demo's data loss on a batch (no L2 term)."""
    return losses.hinge([model(x) for x in points], labels)


def graph_bytes(fn: Callable[[], object]) -> tuple[object, int]:
    """(result, bytes still allocated while the result is alive)."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    result = fn()
    used = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    return result, used


def main() -> None:
    x, y = datasets.make_moons(16, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()
    points = [list(p) for p in x]
    labels = [float(t) for t in y]

    loss, forward_bytes = graph_bytes(lambda: build_loss(model, points, labels))
    assert isinstance(loss, Value)
    forward_nodes = len(toposort(loss))

    def float_backward() -> None:
        loss.backward()

    def value_backward() -> None:
        gradients(loss, params, create_graph=True)

    def value_backward_no_graph() -> None:
        gradients(loss, params)

    grads, graph_bytes_used = graph_bytes(lambda: gradients(loss, params, create_graph=True))
    assert isinstance(grads, tuple)
    total = Value(0.0)
    for g in grads:
        total = total + g
    all_nodes = len(toposort(total)) - len(grads)  # the sum's own nodes left out
    gradient_nodes = all_nodes - forward_nodes
    t_float = median_seconds(float_backward, 15)
    t_value = median_seconds(value_backward, 15)
    t_plain = median_seconds(value_backward_no_graph, 15)
    print(f"forward graph: {forward_nodes:,} nodes, {forward_bytes / forward_nodes:.0f} bytes per node")
    print("| backward | median time | vs backward() |")
    print("|---|---|---|")
    print(f"| loss.backward() (floats) | {t_float * 1e3:.2f} ms | 1.0x |")
    print(f"| gradients(loss, params) | {t_plain * 1e3:.2f} ms | {t_plain / t_float:.1f}x |")
    print(
        f"| gradients(loss, params, create_graph=True) | {t_value * 1e3:.2f} ms | {t_value / t_float:.1f}x |"
    )
    print(
        f"gradient graph: {gradient_nodes:,} new nodes "
        f"({gradient_nodes / forward_nodes:.2f} per forward node), "
        f"{graph_bytes_used:,} bytes ({graph_bytes_used / gradient_nodes:.0f} per new node, "
        f"{graph_bytes_used / forward_nodes:.0f} per forward node)"
    )


if __name__ == "__main__":
    main()
