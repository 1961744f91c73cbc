"""node_names: one unique, simple name per value, shared by the drawings and the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograd_mini import Value, nn
from autograd_mini.graph import forward_order, node_names
from autograd_mini.naming import is_simple_name


def test_unnamed_values_get_t1_t2_in_forward_order() -> None:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = (x * y + x).tanh()
    names = node_names(z)
    assert [names[v] for v in forward_order(z)] == ["x", "y", "t1", "t2", "t3"]


def test_automatic_names_skip_names_the_user_took() -> None:
    x = Value(1.0, "t1")
    z = x * 2 + 1
    names = node_names(z)
    assert names[x] == "t1"
    assert sorted(names.values()) == ["t1", "t2", "t3"]


def test_two_values_with_one_label_both_get_automatic_names() -> None:
    a, b = Value(1.0, "x"), Value(2.0, "x")
    z = a * b
    names = node_names(z)
    assert len(set(names.values())) == 3 and "x" not in names.values()


def test_an_expression_label_is_never_a_name() -> None:
    x1, w1 = Value(1.0, "x1"), Value(2.0, "w1")
    s = x1 * w1
    s.label = "x1*w1 + x2*w2"
    names = node_names(s + 1)
    assert names[s] == "t1"
    assert not is_simple_name("x1*w1 + x2*w2") and not is_simple_name("a b") and not is_simple_name("")
    assert is_simple_name("layers.0.neurons.1.w.0") and is_simple_name("w22") and is_simple_name("ŷ")
    assert not is_simple_name("1x") and not is_simple_name("a.")


def test_parameter_names_from_a_module_or_a_mapping() -> None:
    model = nn.MLP(1, [1], seed=0)
    out = model([2.0])
    names = node_names(out, model)
    assert names[model.layers[0].neurons[0].w[0]] == "layers.0.neurons.0.w.0"
    w = Value(1.0)
    assert node_names(w * 2, {"weight": w})[w] == "weight"
    assert node_names(w * 2, [w])[w] == "t1"  # a plain collection carries no names


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(TypeError, match="root must be a Value"):
        node_names(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameters must be"):
        node_names(Value(1.0), parameters=42)
    with pytest.raises(TypeError, match=r"\(str, Value\) pairs"):
        node_names(Value(1.0), parameters={"a": 1.0})


def test_naming_needs_no_graphviz() -> None:
    code = (
        "import sys; sys.modules['graphviz'] = None\n"
        "from autograd_mini import Value\nfrom autograd_mini.graph import node_names\n"
        "print(sorted(node_names(Value(1.0, 'x') * 2).values()))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['t1', 'x']"


def test_a_leaf_keeps_its_name_when_a_computed_value_shares_it() -> None:
    """The CLI names its result "out"; a user's input called out keeps the name, the result yields."""
    x, w = Value(2.0, "out"), Value(-3.0, "w")
    result = (x * w).tanh()
    result.label = "out"
    names = node_names(result)
    assert names[x] == "out" and names[w] == "w"
    assert names[result] != "out" and names[result].startswith("t")
    assert len(set(names.values())) == 4


def test_two_leaves_sharing_a_name_with_a_computed_value_all_yield() -> None:
    a, b = Value(1.0, "x"), Value(2.0, "x")
    z = a * b
    z.label = "x"
    names = node_names(z)
    assert "x" not in names.values() and len(set(names.values())) == 3
