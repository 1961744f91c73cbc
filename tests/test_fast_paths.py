"""The speed-ups of issue 14 build exactly the graph the plain operators build."""

from __future__ import annotations

import pytest

from autograd_mini import Value, nn, toposort


def _shape(root: Value) -> list[tuple[str, float, tuple[float, ...]]]:
    """Each node's op, value and local derivatives, in backward order."""
    return [(node.op_name, node.data, node.local_grads) for node in toposort(root)]


def _by_operators(neuron: nn.Neuron, x: list[object]) -> Value:
    """The neuron's sum written with Python's operators, in the order Neuron documents."""
    act = neuron.w[0] * x[0]
    assert neuron.b is not None
    act = act + neuron.b
    for wi, xi in zip(neuron.w[1:], x[1:], strict=True):
        act = act + wi * xi
    return act.relu()


class Twice:
    """No number, but it knows how to multiply with a Value: w * Twice() is 2 w."""

    def __rmul__(self, other: Value) -> Value:
        return other * 2.0


@pytest.mark.parametrize(
    "x",
    [[0.5, -1.5, 2.0], [Value(0.5), Value(-1.5), Value(2.0)], [1, Value(-1.5), 2], [Twice(), 1.0, Twice()]],
    ids=["floats", "Values", "ints and a Value", "an operand with __rmul__"],
)
def test_a_neuron_builds_the_operators_graph(x: list[object]) -> None:
    neuron = nn.Neuron(3, seed=4)
    neuron.b.data = 0.25  # type: ignore[union-attr]
    fast, plain = neuron(x), _by_operators(neuron, x)  # type: ignore[arg-type]
    assert _shape(fast) == _shape(plain)
    fast.backward()
    fast_grads = [p.grad for p in neuron.parameters()]
    neuron.zero_grad()
    plain.backward()
    assert fast_grads == [p.grad for p in neuron.parameters()]


def test_a_neuron_refuses_what_the_operator_refuses() -> None:
    neuron = nn.Neuron(2)
    with pytest.raises(TypeError) as by_neuron:
        neuron([1.0, "2"])  # type: ignore[list-item]
    with pytest.raises(TypeError) as by_operator:
        neuron.w[1] * "2"  # type: ignore[operator]
    assert str(by_neuron.value) == str(by_operator.value)


@pytest.mark.parametrize(
    ("name", "math"),
    [("__add__", "dz/dx = 1"), ("__mul__", "dz/dx = y"), ("__pow__", "y*x^(y-1)"), ("tanh", "1 - tanh(x)^2")],
)
def test_operators_are_the_generated_kernels_with_their_docstrings(name: str, math: str) -> None:
    method = getattr(Value, name)
    assert method.__name__ == name
    assert math in (method.__doc__ or "")
    assert method.__code__.co_filename.startswith("<autograd_mini kernel")  # no wrapper call in between
