"""The fast paths (a neuron's fused multiply-add, generated kernels) build the plain operators' graph."""

from __future__ import annotations

import pytest

from autograd_mini import Value, nn, no_grad, toposort
from autograd_mini.kernels import multiply_add_source
from autograd_mini.ops import OPS


def _shape(root: Value) -> list[tuple[str, float, tuple[float, ...]]]:
    """Each node's op, value and local derivatives, in backward order."""
    return [(node.op, node.data, node.local_grads) for node in toposort(root)]


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
    # the generated kernel itself, in the checked-in file: no wrapper call in between
    assert method.__code__.co_filename.endswith("_kernels_generated.py")


class Half:
    """No number; w * Half() is a plain float, so the running sum stops being a Value for a step."""

    def __rmul__(self, other: Value) -> float:
        return other.data / 2


def test_an_operand_whose_product_is_a_float_goes_through_the_operators() -> None:
    neuron = nn.Neuron(3, activation="linear", bias=False, seed=2)
    x: list[object] = [Half(), 2.0, Half()]  # the sum starts as a float
    assert _shape(neuron(x)) == _shape(_by_operators_linear(neuron, x))  # type: ignore[arg-type]


def _by_operators_linear(neuron: nn.Neuron, x: list[object]) -> Value:
    act = neuron.w[0] * x[0]
    for wi, xi in zip(neuron.w[1:], x[1:], strict=True):
        act = act + wi * xi
    return act  # type: ignore[no-any-return]


def test_under_no_grad_a_neuron_returns_a_leaf_with_the_same_value() -> None:
    neuron = nn.Neuron(4, activation="tanh", seed=1)
    x = [0.1, Value(-0.7), 2, 0.3]
    recorded = neuron(x)
    with no_grad():
        leaf = neuron(x)
    assert leaf.is_leaf and leaf.data == recorded.data


def test_multiply_add_is_generated_from_the_op_table_formulas() -> None:
    source = multiply_add_source(OPS["mul"], OPS["add"])
    assert source.count(f"out = {OPS['mul'].forward}") == 2  # Value and float operand
    assert source.count(f"out = {OPS['add'].forward}") == 1


def test_a_weight_replaced_by_a_number_works_as_with_the_operators() -> None:
    neuron = nn.Neuron(3, activation="linear", bias=False, seed=5)
    neuron.w[1] = 2.0  # type: ignore[call-overload]
    x = [1.0, 2.0, 3.0]
    assert _shape(neuron(x)) == _shape(_by_operators_linear(neuron, x))  # type: ignore[arg-type]


class LoudNeuron(nn.Neuron):
    """A user's subclass overriding __call__: the layer must call it, not skip to the library's code."""

    def __call__(self, x: nn.Input) -> Value:
        return super().__call__(x) * 10.0


class Doubler(nn.Module):
    """A user's module put among an MLP's layers."""

    def __call__(self, x: nn.Input) -> list[Value]:
        return [xi * 2.0 for xi in x]  # type: ignore[misc]


def test_modules_of_other_classes_inside_layers_and_mlps_are_called() -> None:
    layer = nn.Layer(2, 2, activation="linear", seed=3)
    plain = layer([0.5, -0.25])
    layer.neurons[1] = LoudNeuron(2, activation="linear", seed=3)
    layer.neurons[1].w = [w for w in layer.neurons[0].w]
    layer.neurons[1].b = layer.neurons[0].b
    loud = layer([0.5, -0.25])
    assert plain[0].data != 0.0
    assert loud[1].data == plain[0].data * 10.0
    model = nn.MLP(2, [3, 1], seed=1)
    before = model([0.5, -0.25]).data
    model.layers.insert(1, Doubler())
    assert model([0.5, -0.25]).data != before
    assert model.layers[1]([Value(1.0)])[0].data == 2.0
