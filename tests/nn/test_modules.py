"""nn: shapes, names, counts, init, forward, zero_grad, state dicts and JSON files."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Value, nn, optim


def test_parameter_counts_names_and_order() -> None:
    model = nn.MLP(2, [16, 16, 1])
    assert model.num_parameters() == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1) == 337
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.1.neurons.3.w.15" in names
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(set(names)) == len(names)
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert all(p.is_leaf for p in model.parameters())
    assert model.sizes == [2, 16, 16, 1]


def test_repr_is_readable() -> None:
    assert repr(nn.MLP(2, [3, 1])) == (
        "MLP(2, [3, 1], activation='relu', output_activation='linear'; 13 parameters)"
    )
    assert repr(nn.Neuron(3, "tanh")) == "Neuron(3, activation='tanh')"
    assert repr(nn.Layer(3, 2)) == "Layer(3, 2, activation='relu')"


def test_output_shapes() -> None:
    assert isinstance(nn.MLP(2, [4, 1])([1.0, 2.0]), Value)
    out = nn.MLP(2, [4, 3])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    layer_out = nn.Layer(2, 1)([1.0, 2.0])
    assert isinstance(layer_out, list) and len(layer_out) == 1


def test_forward_matches_hand_computation_and_accepts_values() -> None:
    neuron = nn.Neuron(2, "tanh")
    neuron.load_state_dict({"w.0": 0.5, "w.1": -2.0, "b": 0.25})
    x = [Value(1.5), 0.75]
    out = neuron(x)
    assert out.data == math.tanh(0.5 * 1.5 - 2.0 * 0.75 + 0.25)
    out.backward()
    assert x[0].grad == pytest.approx((1 - out.data**2) * 0.5)


def test_neuron_without_bias() -> None:
    neuron = nn.Neuron(2, "linear", bias=False)
    assert [name for name, _ in neuron.named_parameters()] == ["w.0", "w.1"]
    neuron.load_state_dict({"w.0": 2.0, "w.1": 3.0})
    assert neuron([1.0, 1.0]).data == 5.0
    mlp = nn.MLP(4, [2, 2, 1], activation="sigmoid", output_bias=False)
    assert mlp.num_parameters() == (4 * 2 + 2) + (2 * 2 + 2) + 2


@pytest.mark.parametrize("activation", nn.ACTIVATIONS)
def test_activations(activation: str) -> None:
    neuron = nn.Neuron(1, activation)
    neuron.load_state_dict({"w.0": 1.0, "b": 0.0})
    expected = {"relu": 0.0, "tanh": math.tanh(-2.0), "sigmoid": 1 / (1 + math.exp(2.0)), "linear": -2.0}
    assert neuron([-2.0]).data == pytest.approx(expected[activation])


def test_initialization_is_reproducible_and_scaled_by_fan_in() -> None:
    a = nn.MLP(3, [8, 1], seed=7).state_dict()
    assert a == nn.MLP(3, [8, 1], seed=7).state_dict()
    assert a == nn.MLP(3, [8, 1], seed=random.Random(7)).state_dict()
    assert a != nn.MLP(3, [8, 1], seed=8).state_dict()
    state = random.getstate()
    nn.MLP(3, [8, 1])
    assert random.getstate() == state  # the global generator is never used
    he = [p.data for n in nn.Layer(100, 50, "relu").neurons for p in n.w]
    xavier = [p.data for n in nn.Layer(100, 50, "tanh").neurons for p in n.w]
    uniform = [p.data for n in nn.Layer(100, 50, "relu", init="uniform").neurons for p in n.w]
    assert max(map(abs, he)) <= math.sqrt(6 / 100)
    assert max(map(abs, xavier)) <= math.sqrt(3 / 100)
    assert max(map(abs, uniform)) <= 1.0 and max(map(abs, uniform)) > 0.9

    def variance(ws: list[float]) -> float:
        return sum(w * w for w in ws) / len(ws)

    assert variance(he) == pytest.approx(2 / 100, rel=0.1)
    assert variance(xavier) == pytest.approx(1 / 100, rel=0.1)
    assert all(n.b is not None and n.b.data == 0.0 for n in nn.Layer(3, 4).neurons)


def test_zero_grad() -> None:
    model = nn.MLP(2, [3, 1])
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.MLP(0, [1]), "nin"),
        (lambda: nn.MLP(2, []), "nouts"),
        (lambda: nn.MLP(2, [3, 0]), "layer size"),
        (lambda: nn.MLP(2, [1], activation="gelu"), "activation"),
        (lambda: nn.Neuron(2, init="normal"), "init"),
        (lambda: nn.Neuron(2, seed="x"), "seed"),  # type: ignore[arg-type]
    ],
)
def test_bad_construction(build: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()  # type: ignore[operator]


def test_wrong_input_length() -> None:
    with pytest.raises(ValueError, match="MLP expects 2 inputs, got 3"):
        nn.MLP(2, [1])([1.0, 2.0, 3.0])


def test_state_dict_round_trip_and_rejection() -> None:
    model = nn.MLP(2, [3, 1], seed=1)
    other = nn.MLP(2, [3, 1], seed=2)
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()
    before = other.state_dict()
    bad_states = [
        {k: v for k, v in before.items() if k != "layers.0.neurons.0.b"},
        {**before, "layers.9.w": 1.0},
        {**before, "layers.0.neurons.0.b": "1.0"},
        {**before, "layers.0.neurons.0.b": True},
    ]
    for state in bad_states:
        with pytest.raises(ValueError, match="nothing was changed"):
            other.load_state_dict(state)
        assert other.state_dict() == before


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    model = nn.MLP(2, [5, 1], seed=3)
    model.layers[0].neurons[0].w[0].assign(0.1 + 0.2)  # a float with a long repr
    path = tmp_path / "model.json"
    model.save(path)
    document = json.loads(path.read_text())
    assert document["format"] == "autograd-mini module" and document["module"] == "MLP"
    fresh = nn.MLP(2, [5, 1], seed=4)
    fresh.load(path)
    assert fresh.state_dict() == model.state_dict()


def test_load_rejects_bad_files_and_changes_nothing(tmp_path: Path) -> None:
    model = nn.MLP(2, [5, 1], seed=3)
    before = model.state_dict()
    saved = tmp_path / "small.json"
    nn.MLP(2, [4, 1]).save(saved)
    document = json.loads(saved.read_text())
    cases = {
        "not json": "{",
        "a list": "[1, 2]",
        "other shape": saved.read_text(),
        "no parameters": json.dumps({k: v for k, v in document.items() if k != "parameters"}),
        "wrong version": json.dumps({**document, "version": 99}),
    }
    same_shape = tmp_path / "same.json"
    model.save(same_shape)
    good = json.loads(same_shape.read_text())
    missing = dict(good["parameters"])
    missing.pop("layers.1.neurons.0.b")
    cases["missing key"] = json.dumps({**good, "parameters": missing})
    for name, text in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        with pytest.raises(ValueError):
            model.load(path)
        assert model.state_dict() == before, name


def test_micrograd_nonlin_spelling() -> None:
    assert nn.Neuron(3, nonlin=True).activation == "relu"
    assert nn.Neuron(3, nonlin=False).activation == "linear"
    assert repr(nn.Neuron(3, nonlin=False)) == "Neuron(3, activation='linear')"
    layer = nn.Layer(3, 2, nonlin=False)
    assert layer.activation == "linear" and all(n.activation == "linear" for n in layer.neurons)
    assert nn.Layer(3, 2, nonlin=True).config() == nn.Layer(3, 2, "relu").config()
    # the same weights as the activation it stands for (the init bound follows the activation)
    assert nn.Neuron(100, nonlin=False).state_dict() == nn.Neuron(100, "linear").state_dict()
    assert nn.Neuron(100, nonlin=True).state_dict() == nn.Neuron(100, "relu").state_dict()
    linear = nn.Neuron(1, nonlin=False)
    linear.load_state_dict({"w.0": 1.0, "b": 0.0})
    assert linear([-2.0]).data == -2.0  # no relu


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: nn.Neuron(3, nonlin="yes"), TypeError, "nonlin must be True"),
        (lambda: nn.Neuron(3, nonlin=1), TypeError, "got int"),
        (lambda: nn.Layer(3, 2, nonlin=0.0), TypeError, "nonlin"),
        (lambda: nn.Neuron(3, "tanh", nonlin=True), ValueError, "not both"),
        (lambda: nn.Neuron(3, activation="relu", nonlin=True), ValueError, "not both"),
        (lambda: nn.Layer(3, 2, "linear", nonlin=False), ValueError, "not both"),
        (lambda: nn.Neuron(3, False), ValueError, "nonlin"),  # micrograd's positional nonlin
        (lambda: nn.MLP(2, [3, 1], activation=True), ValueError, "nonlin"),
    ],
)
def test_bad_nonlin(build: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def micrograd_initial_weights(seed: int, nin: int, nouts: list[int]) -> list[float]:
    """micrograd's MLP draws, layer by layer and neuron by neuron: nin uniform(-1, 1) weights, then bias 0."""
    rng = random.Random(seed)  # micrograd's demo seeds the global generator with random.seed(1337)
    sizes = [nin, *nouts]
    weights: list[float] = []
    for fan_in, count in itertools.pairwise(sizes):
        for _ in range(count):
            weights += [rng.uniform(-1, 1) for _ in range(fan_in)] + [0.0]
    return weights


def test_reproduces_micrograds_initial_weights_bit_for_bit() -> None:
    expected = micrograd_initial_weights(1337, 2, [16, 16, 1])
    model = nn.MLP(2, [16, 16, 1], init="uniform", seed=1337)
    assert [p.data.hex() for p in model.parameters()] == [w.hex() for w in expected]
    assert model.state_dict() == nn.MLP(2, [16, 16, 1], init="uniform", seed=random.Random(1337)).state_dict()
    neuron = nn.Neuron(3, nonlin=False, init="uniform", seed=random.Random(1337))
    assert [p.data for p in neuron.parameters()] == micrograd_initial_weights(1337, 3, [1])


@pytest.mark.parametrize(
    ("module", "name", "count"),
    [(nn.Neuron(1), "Neuron", 1), (nn.Layer(2, 3), "Layer", 2), (nn.MLP(1, [2, 1]), "MLP", 1)],
)
@pytest.mark.parametrize("bad", [3.0, Value(3.0), "ab", None])
def test_calling_a_module_without_a_list_of_inputs_is_a_clear_type_error(
    module: nn.Module, name: str, count: int, bad: object
) -> None:
    expected = f"{name} expects a list of {count} input(s) (numbers or Values), got {type(bad).__name__}"
    with pytest.raises(TypeError) as info:
        module(bad)  # type: ignore[arg-type]
    assert str(info.value).startswith(expected)
    if count == 1:
        assert str(info.value).endswith("; for one input write [x]")


class _Holder(nn.Module):
    """A user's module: parameters held directly, in nested lists, tuples and dicts."""

    def __init__(self) -> None:
        self.scale = Value(1.0)
        self.blocks = [
            [Value(2.0), Value(3.0)],
            (Value(4.0),),
            {"a": Value(5.0), "b": [nn.Neuron(1, seed=3)]},
        ]
        self.extra = {"bias": Value(6.0), "notes": ["text", 1.5, None]}


def test_parameters_are_found_in_nested_lists_tuples_and_dicts() -> None:
    model = _Holder()
    assert [name for name, _ in model.named_parameters()] == [
        "scale", "blocks.0.0", "blocks.0.1", "blocks.1.0", "blocks.2.a", "blocks.2.b.0.w.0", "blocks.2.b.0.b",
        "extra.bias",
    ]  # fmt: skip
    assert [p.data for p in model.parameters()][:5] == [1.0, 2.0, 3.0, 4.0, 5.0]
    state = model.state_dict()
    state["blocks.2.a"] = -5.0
    model.load_state_dict(state)
    assert model.blocks[2]["a"].data == -5.0  # type: ignore[index]


def test_a_self_referring_module_lists_each_parameter_once() -> None:
    model = _Holder()
    model.me = model  # type: ignore[attr-defined]
    child = nn.Neuron(1, seed=0)
    child.parent = model  # type: ignore[attr-defined]
    model.child = child  # type: ignore[attr-defined]
    model.tied = model.scale  # type: ignore[attr-defined]
    loop: list[object] = [Value(7.0)]
    loop.append(loop)
    model.loop = loop  # type: ignore[attr-defined]
    names = [name for name, _ in model.named_parameters()]
    assert names[-3:] == ["child.w.0", "child.b", "loop.0"]
    assert names.count("scale") == 1 and "tied" not in names and not any("me." in n for n in names)
    assert len({id(p) for p in model.parameters()}) == len(model.parameters()) == 11
    optim.SGD(model.parameters(), lr=0.1)  # refuses a parameter listed twice: none is


def test_deeply_nested_lists_never_reach_the_recursion_limit() -> None:
    model = _Holder()
    deep: list[object] = [Value(8.0)]
    for _ in range(5000):
        deep = [deep]
    model.deep = deep  # type: ignore[attr-defined]
    assert model.parameters()[-1].data == 8.0


@pytest.mark.parametrize(
    ("holding", "message"),
    [
        ({Value(1.0)}, "holder.held is a set: a set has no order, so parameters cannot be named"),
        (frozenset({nn.Neuron(1)}), "holder.held is a frozenset: a set has no order"),
        ({1: Value(1.0)}, "holder.held has key 1 (int), which cannot name a parameter"),
        ({"a.b": [Value(1.0)]}, "holder.held has key 'a.b' (str), which cannot name a parameter"),
    ],
)
def test_parameters_that_cannot_be_named_are_refused(holding: object, message: str) -> None:
    model = _Holder()
    model.held = holding  # type: ignore[attr-defined]
    with pytest.raises(TypeError) as info:
        model.parameters()
    assert message.replace("holder.", "") in str(info.value)


def test_sets_and_dicts_without_parameters_are_fine() -> None:
    model = _Holder()
    model.tags = {"a", "b"}  # type: ignore[attr-defined]
    model.lookup = {1: "one", (2, 3): [4.0], "w": Value(9.0)}  # type: ignore[attr-defined]
    assert len(model.parameters()) == 9
    assert model.named_parameters()[-1][0] == "lookup.w"


class _KeepsOutputs(nn.Module):
    """A user's module that keeps its last output in a dict, under a str or a tuple key."""

    def __init__(self, key: str) -> None:
        self.lin = nn.Neuron(1, seed=0)
        self.key = key
        self.store: dict[object, Value] = {}

    def __call__(self, x: nn.Input) -> Value:
        out = self.lin(x)
        self.store["last" if self.key == "str" else tuple(x)] = out
        return out


@pytest.mark.parametrize("key", ["str", "tuple"])
def test_outputs_kept_in_a_dict_are_not_parameters(key: str, tmp_path: Path) -> None:
    model = _KeepsOutputs(key)
    model([1.0]).backward()
    assert [name for name, _ in model.named_parameters()] == ["lin.w.0", "lin.b"]
    assert list(model.state_dict()) == ["lin.w.0", "lin.b"]
    model.zero_grad()
    assert model.lin.w[0].grad == 0.0
    optim.SGD(model.parameters(), lr=0.1)  # refuses a computed Value: none is listed
    model.save(tmp_path / "m.json")
    fresh = _KeepsOutputs(key)
    fresh.lin.w[0].data = 99.0
    fresh.load(tmp_path / "m.json")
    assert fresh.state_dict() == model.state_dict()


@pytest.mark.parametrize(
    "holding",
    [
        lambda out: out,
        lambda out: [out, (out,)],
        lambda out: {(1, 2): out, 3: [out], "a.b": out},
        lambda out: {out},
        lambda out: frozenset({out}),
    ],
)
def test_computed_values_are_skipped_wherever_they_are_held(holding: Any) -> None:
    model = _Holder()
    before = model.named_parameters()
    model.held = holding(model.scale * 2.0 + model.blocks[0][0])  # type: ignore[attr-defined, index]
    assert model.named_parameters() == before
    assert list(model.state_dict()) == [name for name, _ in before]
    model.zero_grad()


def test_leaf_values_kept_in_a_dict_are_parameters() -> None:
    model = _Holder()
    model.cache = {"x": Value(3.0)}  # type: ignore[attr-defined]
    model.seen = {"out": nn.MLP(1, [1]).predict([1.0])}  # type: ignore[attr-defined]  # no_grad: a leaf
    assert [name for name, _ in model.named_parameters()][-2:] == ["cache.x", "seen.out"]
    model.cache[("x",)] = Value(4.0)  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"cache has key \('x',\) \(tuple\), which cannot name a parameter"):
        model.parameters()


def test_mlp_names_and_order_are_unchanged() -> None:
    assert list(nn.MLP(2, [2, 1]).state_dict()) == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]  # fmt: skip
