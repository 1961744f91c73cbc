"""The explorer's folded neurons and short names, on the Python side: what the page is sent.

The page builds its steps from ``groups`` (one per neuron: draw_graph's folded sum and its
activation) and narrates with each value's ``short`` name; the browser tests step through them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, explore, graph, nn
from autograd_mini._folding import neuron_regions, neuron_roles
from autograd_mini.demos.folded_mlp import loss
from autograd_mini.naming import abbreviate, is_simple_name, short_names


def page_data(page: str) -> dict[str, Any]:
    """The data the page's script reads (its JSON <script id="data">)."""
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.DOTALL)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


@pytest.mark.parametrize(
    ("path", "short"),
    [
        ("layers.1.neurons.2.b", "L1.N2.b"),
        ("layers.1.neurons.2.w.0", "L1.N2.w0"),
        ("layers.0.neurons.11.w.10", "L0.N11.w10"),
        ("layers.1.neurons.2", "L1.N2"),
        ("neurons.3.w.1", "N3.w1"),
        ("w.0", "w0"),
        ("b", "b"),
        ("encoder.blocks.3.scale", "encoder.B3.scale"),
        ("x", "x"),
        ("layers.²", "layers.²"),  # a digit only in Unicode's sense is no index
    ],
)
def test_abbreviate_writes_each_numbered_list_as_its_initial(path: str, short: str) -> None:
    assert abbreviate(path) == short


PART = st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True)
PATH = st.lists(st.one_of(PART, st.integers(0, 99).map(str)), min_size=1, max_size=6).filter(
    lambda parts: not parts[0].isdigit()
)


@given(PATH)
def test_an_abbreviated_simple_name_is_a_simple_name_no_longer(parts: list[str]) -> None:
    path = ".".join(parts)
    short = abbreviate(path)
    assert is_simple_name(path) and is_simple_name(short)
    assert len(short) <= len(path)
    assert short.count(".") <= path.count(".")


@given(st.lists(PATH, min_size=1, max_size=8, unique_by=".".join))
def test_short_names_name_one_value_each(paths: list[list[str]]) -> None:
    values = [Value(float(i)) for i in range(len(paths))]
    names = {value: ".".join(parts) for value, parts in zip(values, paths, strict=True)}
    shorts = short_names(names, names)
    assert len(set(shorts.values())) == len(values)  # no two values share a short name
    for value, short in shorts.items():
        assert short in (names[value], abbreviate(names[value]))


def test_short_names_keep_labels_and_refuse_a_shared_abbreviation() -> None:
    label, a, b, c = Value(1.0, "layers.0.w"), Value(2.0), Value(3.0), Value(4.0)
    names = {label: "layers.0.w", a: "layers.1.b", b: "lstm.1.b", c: "blocks.2.b"}
    given_names = {a: "layers.1.b", b: "lstm.1.b", c: "blocks.2.b"}
    shorts = short_names(names, given_names)
    assert shorts[label] == "layers.0.w"  # the user's own label, not abbreviated
    assert shorts[a] == "layers.1.b" and shorts[b] == "lstm.1.b"  # both would be L1.b: full names
    assert shorts[c] == "B2.b"


def lecture_page(**options: Any) -> tuple[nn.MLP, Value, dict[str, Any]]:
    model, total = loss(1)
    return model, total, page_data(explore(total, parameters=model, **options).html)


def test_the_lecture_mlp_is_sent_as_nine_neurons_with_their_activations() -> None:
    model, _, data = lecture_page()
    nodes, groups = data["nodes"], data["groups"]
    assert data["fold"] is True
    assert [g["name"] for g in groups] == [f"L0.N{i}" for i in range(4)] + [f"L1.N{i}" for i in range(4)] + [
        "L2.N0"
    ]
    assert [g["path"] for g in groups] == [f"layers.{g['name'][1]}.neurons.{g['name'][4]}" for g in groups]
    seen: set[int] = set()
    for g in groups:
        assert not seen & set(g["nodes"]), "a value in two neurons"
        seen |= set(g["nodes"])
        assert g["nodes"] == sorted(g["nodes"]) and g["out"] == g["nodes"][-1]
        assert nodes[g["out"]]["op"] == "tanh" and nodes[g["out"]]["operands"] == [["v", g["top"]]]
        # every op of the neuron reads only its own parameters, its inputs and its own ops
        for i in g["nodes"]:
            for kind, j in nodes[i]["operands"]:
                if kind == "v" and nodes[j]["role"] == "parameter":
                    assert nodes[j]["name"].startswith(g["path"] + ".")
    # each of the 41 parameters is read inside exactly one neuron
    parameters = {i for i, node in enumerate(nodes) if node["role"] == "parameter"}
    assert len(parameters) == model.num_parameters() == 41
    read = [j for g in groups for i in g["nodes"] for kind, j in nodes[i]["operands"] if kind == "v"]
    assert sorted(j for j in read if j in parameters) == sorted(parameters)
    # outside the neurons: the loss's two ops (out - y, then ** 2)
    outside = [node["op"] for i, node in enumerate(nodes) if node["op"] and i not in seen]
    assert outside == ["sub", "pow"]
    forward_steps = len(groups) + len(outside)
    assert 1 + forward_steps + 1 + forward_steps + 1 == 25  # start, forward, seed, backward, done


def test_the_neurons_are_draw_graphs_folded_sums() -> None:
    model, total, data = lecture_page()
    view = graph.view(total, model)
    index = {node: i for i, node in enumerate(view.order)}
    regions = neuron_regions(view, neuron_roles(view.parameter_names))
    sums = sorted(sorted(index[m] for m in members) for members in regions.values())
    assert sorted(g["nodes"][:-1] for g in data["groups"]) == sums  # the sum; the activation last
    assert all(index[top] == g["top"] for g in data["groups"] for top in regions if index[top] in g["nodes"])


def test_short_names_travel_beside_the_full_names() -> None:
    _, _, data = lecture_page()
    by_name = {node["name"]: node["short"] for node in data["nodes"]}
    assert by_name["layers.1.neurons.2.b"] == "L1.N2.b"
    assert by_name["layers.0.neurons.3.w.2"] == "L0.N3.w2"
    assert by_name["L"] == "L"  # a label stays as written
    automatic = [node for node in data["nodes"] if re.fullmatch(r"t\d+", node["name"])]
    assert automatic and all(node["short"] == node["name"] for node in automatic)


def test_fold_false_opens_unfolded_and_keeps_the_neurons_to_fold_on_the_page() -> None:
    _, _, data = lecture_page(fold=False)
    assert data["fold"] is False
    assert len(data["groups"]) == 9


def test_an_expression_without_modules_is_not_folded() -> None:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    out = (x * w + b).tanh()
    data = page_data(explore(out).html)
    assert data["fold"] is False and data["groups"] == []
    assert [node["short"] for node in data["nodes"]] == [node["name"] for node in data["nodes"]]


@pytest.mark.parametrize(("activation", "ops"), [("relu", 1), ("linear", 0), ("sigmoid", 1)])
def test_a_neuron_folds_with_its_activation_or_without_one(activation: str, ops: int) -> None:
    neuron = nn.Neuron(2, activation, seed=3)
    out = neuron([Value(0.5, "x0"), Value(-1.5, "x1")])
    data = page_data(explore(out, parameters=neuron).html)
    (group,) = data["groups"]
    assert group["name"] == "neuron"
    products_and_sums = 2 + 2  # w0*x0, + b, w1*x1, + (the sum)
    assert len(group["nodes"]) == products_and_sums + ops
    assert (group["out"] != group["top"]) == bool(ops)
    assert group["out"] == data["root"]


def test_fold_true_without_neurons_says_what_to_pass() -> None:
    x = Value(2.0, "x")
    with pytest.raises(ValueError, match=r"fold=True found no neuron.*parameters=the Module.*fold=False"):
        explore(x * x, fold=True)


@pytest.mark.parametrize(
    ("fold", "error"), [("yes", ValueError), (1, TypeError), (None, TypeError), ("Auto", ValueError)]
)
def test_a_bad_fold_is_refused_naming_fold(fold: object, error: type[Exception]) -> None:
    x = Value(2.0, "x")
    with pytest.raises(error, match=r"explore: fold must be True, False or 'auto'"):
        explore(x * x, fold=fold)  # type: ignore[arg-type]


def test_a_network_page_carries_the_folded_drawing_and_where_each_of_its_values_is() -> None:
    model, total = loss(1)
    page = explore(total, parameters=model).html
    data = page_data(page)
    drawings = re.findall(r'<svg data-drawing="(\w+)" data-rankdir="(\w+)"', page)
    assert [name for name, _ in drawings] == ["full", "full", "folded"]  # the op-level one laid out LR and TB
    folded = page[page.index('<svg data-drawing="folded"') :]
    boxes = re.findall(
        r'<title>v(\d+)</title>\n<polygon[^\n]*\n<polygon[^\n]*\n<text[^>]*font-weight="bold"[^>]*>([^<]*)<',
        folded,
    )
    assert len(boxes) == len(data["foldedIds"]) > 9  # every drawn value: inputs, sums, activations, loss
    for drawn, name in boxes:
        assert data["nodes"][data["foldedIds"][int(drawn)]]["name"] == name
    tables = re.findall(r"<text[^>]*> (layers\.\d\.neurons\.\d)</text>", folded)
    assert sorted(tables) == sorted(g["path"] for g in data["groups"])


def test_an_expression_page_has_one_drawing() -> None:
    x = Value(2.0, "x")
    page = explore((x * x).tanh()).html
    drawings = re.findall(r'<svg data-drawing="(\w+)" data-rankdir="(\w+)"', page)
    assert drawings == [("full", "LR"), ("full", "TB")] and "foldedIds" not in page_data(page)
