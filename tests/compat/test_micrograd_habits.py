"""Code written the micrograd way runs unchanged here, apart from its import lines.

Each test is written as a learner following micrograd or its lecture would write it
(attribute assignment, ``_prev``/``_op``, ``_backward()`` node by node), and checks the
numbers against ``backward()`` or the lecture's known values.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import math

import pytest

from autograd_mini import Value, nn, optim

# The lecture's examples, as numbers: four inputs of three features and their targets.
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
B_NEURON = 6.8813735870195432  # makes n = 0.8814, so o = tanh(n) = 1/sqrt(2)


def lecture_expression() -> dict[str, Value]:
    """L = (a*b + c) * f with a=2, b=-3, c=10, f=-2, every node labelled."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": L}


def lecture_neuron() -> dict[str, Value]:
    """o = tanh(x1*w1 + x2*w2 + b), the lecture's neuron."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(B_NEURON, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n, o=o)


def build_topo(root: Value) -> list[Value]:
    """The learner's own topological sort, recursive over ``_prev`` with a visited set."""
    topo: list[Value] = []
    visited: set[Value] = set()

    def visit(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                visit(child)
            topo.append(v)

    visit(root)
    return topo


def trace(root: Value) -> tuple[set[Value], set[tuple[Value, Value]]]:
    """The learner's own graph walk for a draw_dot: every node and every (child, parent) edge."""
    nodes: set[Value] = set()
    edges: set[tuple[Value, Value]] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                stack.append(child)
    return nodes, edges


# -- data and grad are assignable ------------------------------------------------------------


def test_manual_training_loop_with_grad_reset_and_data_update() -> None:
    model = nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=0)
    losses = []
    for _ in range(20):
        ypred = [model(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred, strict=True))
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.1 < losses[0]


def test_manual_loop_matches_optim_sgd_bit_for_bit() -> None:
    manual = nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=1)
    library = nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=1)
    opt = optim.SGD(library.parameters(), lr=0.05)
    for _ in range(5):
        loss = sum((manual(x) - y) ** 2 for x, y in zip(XS, YS, strict=True))
        for p in manual.parameters():
            p.grad = 0.0
        loss.backward()
        for p in manual.parameters():
            p.data += -0.05 * p.grad
        opt.zero_grad()
        sum((library(x) - y) ** 2 for x, y in zip(XS, YS, strict=True)).backward()
        opt.step()
    assert [p.data for p in manual.parameters()] == [p.data for p in library.parameters()]


def test_nudging_an_input_by_h_gives_the_numerical_derivative() -> None:
    g = lecture_expression()
    g["L"].backward()
    for name in "abcf":
        h = 0.001
        before = lecture_expression()
        L1 = before["L"].data
        before[name].data += h  # a leaf: allowed, but L was computed from the old value
        after = (before["a"] * before["b"] + before["c"]) * before["f"]
        assert (after.data - L1) / h == pytest.approx(g[name].grad, abs=1e-6)


def test_one_step_along_the_gradient_raises_L() -> None:
    g = lecture_expression()
    g["L"].backward()
    for name in "abcf":
        g[name].data += 0.01 * g[name].grad
    L = (g["a"] * g["b"] + g["c"]) * g["f"]
    assert L.data > -8.0


def test_manual_chain_rule_from_the_lecture() -> None:
    v = lecture_neuron()
    v["o"].grad = 1.0
    v["n"].grad = 1 - v["o"].data ** 2
    v["x1w1x2w2"].grad = v["n"].grad
    v["b"].grad = v["n"].grad
    v["x1w1"].grad = v["x1w1x2w2"].grad
    v["x2w2"].grad = v["x1w1x2w2"].grad
    v["x1"].grad = v["w1"].data * v["x1w1"].grad
    v["w1"].grad = v["x1"].data * v["x1w1"].grad
    v["x2"].grad = v["w2"].data * v["x2w2"].grad
    v["w2"].grad = v["x2"].data * v["x2w2"].grad

    auto = lecture_neuron()
    auto["o"].backward()
    for name, node in v.items():
        assert node.grad == pytest.approx(auto[name].grad, rel=1e-12), name
    assert auto["o"].data == pytest.approx(math.sqrt(0.5))
    assert (auto["x1"].grad, auto["w1"].grad, auto["x2"].grad, auto["w2"].grad) == pytest.approx(
        (-1.5, 1.0, 0.5, 0.0)
    )


def test_computed_node_refuses_data_and_says_why_and_what_to_do() -> None:
    v = lecture_neuron()
    with pytest.raises(ValueError, match="local derivatives") as info:
        v["n"].data = 1.0
    assert "detach()" in str(info.value)
    assert v["n"].data == pytest.approx(0.8813735870195432)
    v["n"].detach().data = 1.0  # the documented way out


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1 + 2j, True])
@pytest.mark.parametrize("attribute", ["data", "grad"])
def test_non_number_is_refused_naming_its_type_and_the_node_is_unchanged(attribute: str, bad: object) -> None:
    leaf = Value(2.0)
    leaf.grad = 0.5
    with pytest.raises(TypeError, match=type(bad).__name__):
        setattr(leaf, attribute, bad)
    assert (leaf.data, leaf.grad) == (2.0, 0.5)


def test_grad_is_assignable_on_computed_nodes_and_refuses_non_numbers() -> None:
    v = lecture_neuron()
    v["n"].grad = 0.25
    with pytest.raises(TypeError, match="str"):
        v["n"].grad = "0.5"  # type: ignore[assignment]
    assert v["n"].grad == 0.25


def test_backward_resets_an_intermediate_grad_set_by_hand_but_leaves_accumulate() -> None:
    x = Value(3.0)
    y = x * 2
    y.grad = 100.0  # stale, hand-set: backward() starts intermediate nodes from zero
    z = y * 3
    z.backward()
    assert (y.grad, x.grad) == (3.0, 6.0)
    x.grad = 1.0  # a leaf keeps what it has and accumulates
    z.backward()
    assert x.grad == 7.0


# -- _prev, _op and _backward -----------------------------------------------------------------


def test_learners_draw_dot_walks_prev_and_names_op_nodes() -> None:
    L = lecture_expression()["L"]
    nodes, edges = trace(L)
    lines = []
    for n in nodes:
        uid = str(id(n))
        lines.append(f'{uid} [label="{n.label} | data {n.data:.4f} | grad {n.grad:.4f}"]')
        if n._op:
            lines.append(f'{uid + n._op} [label="{n._op}"]')
            lines.append(f"{uid + n._op} -> {uid}")
    for n1, n2 in edges:
        lines.append(f"{id(n1)} -> {id(n2)}{n2._op}")
    assert len(nodes) == 7
    assert len(edges) == 6
    assert sorted(n._op for n in nodes) == ["", "", "", "", "*", "*", "+"]
    assert sum("->" in line for line in lines) == 6 + 3
    assert all(isinstance(n._op, str) for n in nodes)


def test_prev_holds_distinct_parents_like_micrograds_set() -> None:
    a = Value(3.0)
    b = Value(4.0)
    assert set((a * b)._prev) == {a, b}
    assert len((a + a)._prev) == 1
    assert (a * 2)._prev == (a,)  # a number operand is a constant, not a node
    assert a._prev == () and a._op == ""
    assert (a * b)._op == "*" and a.tanh()._op == "tanh"


def test_backward_node_by_node_in_reverse_topological_order_equals_backward() -> None:
    by_hand = lecture_neuron()
    o = by_hand["o"]
    o.grad = 1.0
    for node in reversed(build_topo(o)):
        node._backward()
    auto = lecture_neuron()
    auto["o"].backward()
    assert {k: v.grad for k, v in by_hand.items()} == {k: v.grad for k, v in auto.items()}


def test_the_lectures_backward_calls_one_by_one() -> None:
    v = lecture_neuron()
    v["o"].grad = 1.0
    v["o"]._backward()
    assert v["n"].grad == pytest.approx(0.5)
    v["n"]._backward()
    v["b"]._backward()  # a leaf's step does nothing
    v["x1w1x2w2"]._backward()
    v["x2w2"]._backward()
    v["x1w1"]._backward()
    assert (v["x1"].grad, v["w1"].grad, v["x2"].grad, v["w2"].grad, v["b"].grad) == pytest.approx(
        (-1.5, 1.0, 0.5, 0.0, 0.5)
    )


def test_backward_step_is_the_public_name_and_a_leaf_step_changes_nothing() -> None:
    x, y = Value(3.0), Value(-4.0)
    z = x * y
    z.grad = 2.0
    z.backward_step()
    assert (x.grad, y.grad) == (-8.0, 6.0)
    x.grad = 5.0
    x.backward_step()
    assert (x.grad, y.grad, z.grad) == (5.0, 6.0, 2.0)


def test_tanh_spelled_out_with_exp_gives_the_same_gradients() -> None:
    v = lecture_neuron()
    e = (2 * v["n"]).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    ref = lecture_neuron()
    ref["o"].backward()
    assert o.data == pytest.approx(ref["o"].data, rel=1e-12)
    for name in ("x1", "w1", "x2", "w2", "b"):
        assert v[name].grad == pytest.approx(ref[name].grad, rel=1e-12, abs=1e-15)


def test_micrograd_style_model_building_with_nonlin() -> None:
    linear = nn.Neuron(3, nonlin=False)
    hidden = nn.Layer(2, 16, nonlin=True)
    assert (linear.activation, hidden.neurons[0].activation) == ("linear", "relu")
    model = nn.MLP(2, [16, 16, 1])  # micrograd's shape: relu hidden layers, linear output
    x = [Value(1.0), Value(-2.0)]
    score = model(x)
    assert isinstance(score, Value)
    loss = (1 + -1 * score).relu()  # micrograd demo's max-margin loss for a +1 label
    assert loss.data > 0  # with the default seed, so the step below must move the score up
    model.zero_grad()
    loss.backward()
    assert all(isinstance(p.grad, float) for p in model.parameters())
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    assert model(x).data > score.data


# -- everyday Python on a scalar ---------------------------------------------------------------


def test_format_spec_formats_data() -> None:
    loss = Value(0.123456)
    assert f"{loss:.4f}" == "0.1235"
    assert f"step 3 loss {loss:8.3e}" == "step 3 loss 1.235e-01"
    assert format(loss, ".2%") == "12.35%"


def test_abs_method() -> None:
    v = Value(-3)
    a = v.abs()
    assert a.data == 3.0
    a.backward()
    assert v.grad == -1.0


def test_item_bool_and_round_act_as_a_0d_tensor() -> None:
    v = Value(2.71828)
    assert v.item() == 2.71828 and type(v.item()) is float
    assert round(v, 2) == 2.72 and type(round(v, 2)) is float
    assert round(v) == 3 and type(round(v)) is int
    assert bool(Value(0.0)) is False
    assert bool(Value(-0.5)) is True
    assert bool(Value(math.nan)) is True
    assert [x.data for x in (Value(1.0), Value(0.0), Value(2.0)) if x] == [1.0, 2.0]


def test_label_keyword_as_in_the_lecture() -> None:
    a = Value(2.0, label="a")
    a.label = "a2"
    assert a.label == "a2"


# -- the deliberate differences the README lists ----------------------------------------------


def test_backward_twice_follows_pytorch_not_micrograd() -> None:
    x = Value(1.0)
    y = x * 2 * 3
    y.backward()
    y.backward()
    assert x.grad == 12.0  # micrograd: 18, because its intermediate grads keep the first pass


def test_layer_returns_a_list_even_for_one_neuron() -> None:
    out = nn.Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1


def test_initial_weights_are_seeded_and_scaled_by_fan_in() -> None:
    first = [p.data for p in nn.MLP(100, [1], seed=7).parameters()]
    again = [p.data for p in nn.MLP(100, [1], seed=7).parameters()]
    assert first == again
    assert max(abs(w) for w in first) <= math.sqrt(3.0 / 100)  # linear output: Xavier bound


def test_math_tanh_returns_a_float_and_cuts_the_graph() -> None:
    x = Value(0.5)
    t = math.tanh(x)  # goes through float(x), as a learner may try
    assert type(t) is float
    assert t == math.tanh(0.5)


# -- micrograd's own README example ------------------------------------------------------------


def test_micrograds_readme_example_runs_with_only_the_import_changed() -> None:
    # The example ships in micrograd's package metadata (its README); it needs micrograd==0.1.0
    # installed (the dev extra), and runs here with its one import line swapped.
    readme = importlib.metadata.metadata("micrograd").get_payload()  # type: ignore[attr-defined]
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert "from micrograd.engine import Value\n" in example
    source = example.replace("from micrograd.engine import Value\n", "from autograd_mini import Value\n")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "micrograd-README-example", "exec"), {})
    expected = [
        line.split("# prints ", 1)[1].split(",", 1)[0] for line in example.splitlines() if "# prints" in line
    ]
    assert printed.getvalue().split() == expected == ["24.7041", "138.8338", "645.5773"]
