"""draw_graph: names, both halves of the chain rule with the engine's numbers, folding, escaping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, nn
from autograd_mini.graph import node_names
from autograd_mini.viz import GraphvizNotFoundError, draw_graph, format_number, render

CHAIN = re.compile(r"d(\S+)/d(\S+) · ∂(\S+)/∂(\S+) = (\S+) · (\S+) = ([^<]+)<")


def xyz() -> Value:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    z.backward(2.0)
    return z


def number(text: str) -> float:
    return float(text.strip("()"))


def test_xyz_both_halves_with_numbers() -> None:
    source = draw_graph(xyz()).source
    assert "∂z/∂x = -4" in source and "∂z/∂y = 3" in source  # forward: local derivatives
    assert "dL/dx = dL/dz · ∂z/∂x = 2 · (-4) = -8" in source  # backward: the chain rule, numbers
    assert "dL/dz · ∂z/∂y = 2 · 3 = 6" in source
    assert "dL/dx = -8" in source and "dL/dy = 6" in source
    assert "dL/dz = 2 (seed)" in source and "seed dL/dz = 2" in source
    assert "data 3" in source and "data -12" in source


def test_show_modes() -> None:
    forward = draw_graph(xyz(), show="forward").source
    assert "∂z/∂x = -4" in forward and "dL/" not in forward
    backward = draw_graph(xyz(), show="backward").source
    assert "dL/dz · ∂z/∂x = 2 · (-4) = -8" in backward and ">∂z/∂x = -4<" not in backward
    assert draw_graph(xyz()).source == draw_graph(xyz(), show="both").source  # the default


def test_the_cli_example_has_no_ambiguous_name() -> None:
    """tanh(x*w + b): every fraction names the value the edge enters and the value it leaves."""
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    out = (x * w + b).tanh()
    out.label = "out"
    out.backward()
    source = draw_graph(out).source
    names = node_names(out)
    assert sorted(names.values()) == ["b", "out", "t1", "t2", "w", "x"]
    fractions = set(re.findall(r"∂(\w+)/∂(\w+) = ", source))
    assert fractions == {("t1", "x"), ("t1", "w"), ("t2", "t1"), ("t2", "b"), ("out", "t2")}
    assert "∂z" not in source and "∂out/∂x" not in source


def test_an_expression_label_is_shown_but_never_spliced_into_a_fraction() -> None:
    x1, w1 = Value(1.0, "x1"), Value(2.0, "w1")
    s = x1 * w1
    s.label = "x1*w1 + x2*w2"
    out = s.tanh()
    out.backward()
    source = draw_graph(out).source
    assert "x1*w1 + x2*w2 (<B>t1</B>)" in source
    assert "∂t2/∂t1" in source and "∂x1*w1" not in source


def test_fan_out_shows_the_sum_of_incoming_products() -> None:
    a = Value(3.0, "a")
    out = a * a + a
    out.label = "out"
    out.backward()
    source = draw_graph(out).source
    # a feeds * twice and + once: 3 + 3 + 1 = 7 = 2a + 1
    assert "dout/da = 3 + 3 + 1 = 7" in source
    assert source.count("dout/dt1 · ∂t1/∂a = 1 · 3 = 3") == 2
    assert "dout/da = dout/d" not in source  # one product is not the whole gradient here


def test_a_value_with_many_consumers_summarises_the_sum() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(9):
        y = y * x
    y.backward()
    assert "sum of 10 products = 10" in draw_graph(y).source


def test_gradient_from_outside_the_drawing_is_reported() -> None:
    x = Value(2.0, "x")
    h = x * 3
    loss = h * h + x
    loss.backward()
    assert "not drawn" in draw_graph(h).source  # x.grad includes the + x path


def test_loss_name_is_the_root_for_a_seed_of_one_else_L() -> None:
    x = Value(2.0, "x")
    c = x * x
    c.label = "C"
    c.backward()
    assert "dC/dx = 2 + 2 = 4" in draw_graph(c).source
    assert "dLoss/dx" in draw_graph(c, loss_name="Loss").source
    other = Value(2.0, "L") * 3
    other.backward(2.0)
    assert "dLoss/dL = 6" in draw_graph(other).source  # "L" is taken by a value


@st.composite
def expressions(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    leaves = [Value(draw(st.floats(0.5, 2.0)), name) for name in "abc"]
    pool: list[Value] = list(leaves)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["+", "*", "-", "tanh", "const"]))
        left, right = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        if op == "+":
            pool.append(left + right)
        elif op == "*":
            pool.append(left * right)
        elif op == "-":
            pool.append(left - right)
        elif op == "tanh":
            pool.append(left.tanh())
        else:
            pool.append(left * 1.5)
    return pool[-1], leaves


@settings(max_examples=40)
@given(expressions(), st.sampled_from([1.0, 2.0]))
def test_every_number_drawn_equals_the_engines(case: tuple[Value, list[Value]], seed: float) -> None:
    root, _ = case
    root.backward(seed)
    source = draw_graph(root, digits=6).source
    names = {name: v for v, name in node_names(root).items()}
    for _, out, out_again, operand, grad, local, product in CHAIN.findall(source):
        assert out == out_again
        consumer, value = names[out], names[operand]
        assert number(grad) == pytest.approx(float(format_number(consumer.grad, 6)))
        assert any(number(local) == pytest.approx(float(format_number(d, 6))) for d in consumer.local_grads)
        expected = float(format_number(consumer.grad * number(local), 6))
        assert number(product) == pytest.approx(expected, rel=1e-5)
        assert value in consumer.parents
    for name, value in names.items():  # each box's gradient, after any sum of products
        cells = re.findall(rf">d[^/<]+/d{re.escape(name)} = ([^<]*)</FONT></TD>", source)
        assert len(cells) == 1
        last = cells[0].removesuffix(" (seed)").rsplit("= ", 1)[-1]
        assert number(last) == pytest.approx(float(format_number(value.grad, 6)))


def test_fold_draws_each_neuron_sum_as_one_node_with_the_engines_derivatives() -> None:
    model = nn.MLP(3, [4, 4, 1], seed=0)
    out = model([2.0, 3.0, -1.0])
    out.backward()
    plain = draw_graph(out, parameters=model, max_nodes=None).source
    folded = draw_graph(out, parameters=model, fold=True).source
    assert folded.count("Σ wᵢxᵢ + b") == 4 + 4 + 1
    boxes = 'label=<<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"'
    assert plain.count(boxes) == 113 - 1  # every value but the root (bold border)
    assert folded.count(boxes) == 4 + 4 + 8  # hidden sums and their relu outputs; params are inside
    # a hidden-2 neuron's sum: ∂t/∂w.0 = the input it multiplies (h1.1's value), ∂t/∂b = 1, and
    # dL/dw.0 = dL/dt · ∂t/∂w.0 equals the engine's gradient of layers.1.neurons.0.w.0
    neuron = folded[folded.index("layers.1.neurons.0</TD>") :].split("</TABLE>")[0]
    h11 = model.layers[0]([2.0, 3.0, -1.0])[0].data
    assert re.search(rf"∂t\d+/∂w\.0 = {re.escape(format_number(h11, 4))}<", neuron)
    assert re.search(r"∂t\d+/∂b = 1<", neuron)
    w = model.layers[1].neurons[0].w[0]
    assert f"= {format_number(w.grad, 4)}</FONT>" in neuron.split("<B>w.0</B>")[1].split("</TR>")[0]
    with pytest.raises(ValueError, match="fold=True needs parameters"):
        draw_graph(out, fold=True)


def test_fold_keeps_the_lecture_loss_under_max_nodes() -> None:
    model = nn.MLP(3, [4, 4, 1], seed=0)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)), Value(0.0))
    loss.backward()
    with pytest.raises(ValueError, match="342 values, more than max_nodes=200"):
        draw_graph(loss, parameters=model, max_nodes=200)
    folded = draw_graph(loss, parameters=model, fold=True, share_constants=True, max_nodes=200).source
    assert folded.count("label=<<TABLE") == 122 + 4 * 9  # values, and 9 neuron sums per sample
    assert "<B>layers.0.neurons.0.w.0</B>" in folded  # read by 4 samples: its own box, with the sum


def test_shared_constants_draw_each_number_once() -> None:
    x = Value(1.0, "x")
    y = (x * 2 + 1) * 2 + 1
    source = draw_graph(y, share_constants=True).source
    assert source.count("label=<2>") == 1 and source.count("label=<1>") == 1
    assert draw_graph(y).source.count("label=<2>") == 2


def test_colours_follow_roles_and_the_legend_lists_them() -> None:
    from autograd_mini._drawing import ROLES

    model = nn.MLP(2, [1], seed=0)
    out = model([1.0, -1.0])
    out.backward()
    source = draw_graph(out * 2, parameters=model, legend=True).source
    for role in ("parameter", "intermediate", "output", "constant"):
        assert ROLES[role][0] in source
    assert "legend" in source and "parameter (weight, bias)" in source
    assert "subgraph cluster_0" in source and "label=<layers.0>" in source


def test_same_graph_gives_identical_dot() -> None:
    def build() -> str:
        x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
        out = (x * w + b).tanh()
        out.backward()
        return str(draw_graph(out).source)

    assert build() == build()


def test_labels_are_text_never_markup(tmp_path: Path) -> None:
    hostile = '<<TABLE><TR><TD><IMG SRC="secret.png"/></TD></TR></TABLE>>'
    v = Value(1.0, hostile)
    w = Value(2.0, "a\\Nb|{c}")
    graph = draw_graph(v * w, cluster=lambda node: hostile if node.is_leaf else None)
    assert "<IMG" not in graph.source
    svg = render(graph, tmp_path / "g.svg")
    texts = " ".join(ET.parse(svg).getroot().itertext())
    assert 'IMG SRC="secret.png"' in texts and "a\\Nb|{c}" in texts
    assert "<image" not in svg.read_text()


def test_format_number() -> None:
    assert [format_number(v) for v in (3.0, -0.5, 123456.0, 0.000123456, -0.0)] == [
        "3",
        "-0.5",
        "1.235e+05",
        "0.0001235",
        "0",
    ]
    assert format_number(3.14159, digits=2) == "3.1"


def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ValueError, match="show must be one of forward, backward, both, got 'sideways'"):
        draw_graph(xyz(), show="sideways")
    with pytest.raises(ValueError, match="digits must be at least 1, got -2"):
        draw_graph(xyz(), digits=-2)
    with pytest.raises(ValueError, match="digits"):
        format_number(1.0, digits=0)
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(xyz(), rankdir="XY")
    with pytest.raises(TypeError, match="cluster must return a str or None, got int"):
        draw_graph(xyz(), cluster=lambda v: 3)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="max_nodes"):
        draw_graph(xyz(), max_nodes="10")  # type: ignore[arg-type]


def test_max_nodes_guard() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(20):
        y = y * 1.5
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        draw_graph(y, max_nodes=10)
    assert draw_graph(y, max_nodes=None).source


def test_real_svg_and_png_from_dot(tmp_path: Path) -> None:
    path = render(draw_graph(xyz()), tmp_path / "xyz.svg")
    text = " ".join(t for t in ET.parse(path).getroot().itertext())
    for expected in ("data 3", "dL/dx = -8", "∂z/∂x = -4", "dL/dz · ∂z/∂x = 2 · (-4) = -8", "*"):
        assert expected in text
    small = render(draw_graph(xyz()), tmp_path / "small.png")
    large = render(draw_graph(xyz()), tmp_path / "large.png", dpi=192)
    assert small.read_bytes().startswith(b"\x89PNG")
    assert len(large.read_bytes()) > len(small.read_bytes())
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]
    with pytest.raises(ValueError, match="dpi"):
        render(draw_graph(xyz()), tmp_path / "x.png", dpi=0)


def test_missing_dot_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    graph = draw_graph(xyz())
    with pytest.raises(GraphvizNotFoundError) as info:
        render(graph, tmp_path / "xyz.svg")
    message = str(info.value)
    for hint in ("apt-get install", "brew install graphviz", "conda install", "winget", ".dot"):
        assert hint in message
    assert isinstance(info.value, RuntimeError)
    assert not (tmp_path / "xyz.svg").exists()
    dot_file = render(graph, tmp_path / "xyz.dot")
    assert dot_file.read_text() == graph.source
    bundle = graph._repr_mimebundle_()
    assert "apt-get install" in bundle["text/plain"]


def test_render_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix must be one of"):
        render(draw_graph(xyz()), tmp_path / "xyz.jpg")
    assert not list(tmp_path.iterdir())


def test_viz_is_imported_lazily() -> None:
    code = "import sys, autograd_mini; print('graphviz' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert result.stdout.strip() == "False"


def test_big_graphs_drop_overlapping_edge_text_but_keep_it_in_tooltips(tmp_path: Path) -> None:
    x = Value(1.01, "x")
    y = x
    for _ in range(39):
        y = y * x
    y.backward()
    source = draw_graph(y).source
    assert "forcelabels=false" in source and "xlabel=<" in source and " label=<<FONT" not in source
    assert re.search(r'tooltip="∂t1/∂x = 1\.01\ndt39/dt1 · ∂t1/∂x = \S+ · 1\.01 = ', source)
    small = draw_graph(xyz()).source
    assert "forcelabels" not in small and "xlabel" not in small
    svg = render(draw_graph(y), tmp_path / "big.svg")
    titles = [e.get("{http://www.w3.org/1999/xlink}title", "") for e in ET.parse(svg).getroot().iter()]
    assert len({t for t in titles if "/∂x = " in t}) == 39  # every op reading x, labelled or not


def test_fold_works_for_a_bare_neuron_too() -> None:
    neuron = nn.Neuron(3, seed=0)
    out = neuron([1.0, 2.0, 3.0])
    out.backward()
    source = draw_graph(out, parameters=neuron, fold=True).source
    assert source.count("Σ wᵢxᵢ + b") == 1 and "<B>w.2</B>" in source and "<B>b</B>" in source


def test_before_backward_only_the_forward_half_is_drawn_with_a_note() -> None:
    """No seed is invented: before backward() there is no dL/d... to show."""
    out = (Value(2.0, "x") * Value(3.0, "w")).tanh()
    for show in ("both", "backward"):
        source = draw_graph(out, show=show).source
        assert "seed" not in source and "dL/d" not in source and "(seed)" not in source
        assert "no backward() yet" in source
        assert "∂t2/∂t1 = " in source and "∂t1/∂x = 3" in source  # the forward half is there
    out.backward()
    after = draw_graph(out).source
    assert "(seed)" in after and "no backward() yet" not in after


def test_max_nodes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_nodes must be None or a positive int, got -1"):
        draw_graph(xyz(), max_nodes=-1)
    with pytest.raises(ValueError, match="max_nodes must be None or a positive int, got 0"):
        draw_graph(xyz(), max_nodes=0)


def test_too_many_nodes_suggests_folding_only_for_a_module() -> None:
    model = nn.MLP(3, [4, 4, 1], seed=0)
    out = model([2.0, 3.0, -1.0])
    with pytest.raises(ValueError, match="more than max_nodes=5") as plain_graph:
        draw_graph(out, max_nodes=5)
    assert "fold" not in str(plain_graph.value)
    with pytest.raises(ValueError, match="fold=True") as with_model:
        draw_graph(out, max_nodes=5, parameters=model)
    with pytest.raises(ValueError, match="more than max_nodes=5") as folded:
        draw_graph(out, max_nodes=5, parameters=model, fold=True)
    assert "fold=True" not in str(folded.value) and "fold=True" in str(with_model.value)


def test_legend_wording_cannot_collide_with_a_users_names() -> None:
    x, t = Value(3.0, "x"), Value(-4.0, "t")
    z = x * t
    z.backward()
    legend = next(line for line in draw_graph(z, legend=True).source.splitlines() if "legend [" in line)
    assert "∂(result)/∂(operand)" in legend and "d(loss)/d(result)" in legend
    assert "∂t/∂x" not in legend and "dL/dt" not in legend


def test_png_too_big_is_drawn_at_a_lower_dpi_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import struct

    from autograd_mini import _rendering

    monkeypatch.setattr(_rendering, "MAX_PNG_SIDE", 300)
    with pytest.warns(UserWarning, match=r"drawn at \d+ dpi to stay within 300 px a side"):
        path = render(draw_graph(xyz()), tmp_path / "xyz.png", dpi=192)
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    assert max(width, height) <= 300


def test_dpi_must_be_sane(tmp_path: Path) -> None:
    for bad in (0, -5, 100_000, 2.5, True):
        with pytest.raises(ValueError, match="dpi must be an int from 1 to 1200"):
            render(draw_graph(xyz()), tmp_path / "x.png", dpi=bad)  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_unwritable_path_error_names_the_users_path(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "a.svg"
    with pytest.raises(FileNotFoundError) as info:
        render(draw_graph(xyz()), target)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)
    folder = tmp_path / "folder.svg"
    folder.mkdir()
    (folder / "x").write_text("keep")  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError) as replaced:
        render(draw_graph(xyz()), folder)
    assert str(folder) in str(replaced.value) and ".tmp" not in str(replaced.value)


def test_fold_inputs_enter_the_row_of_the_weight_they_multiply() -> None:
    """Checked on dot's layout: each arrow's tip lies on its weight's row; rows read w.0, w.1, ..., b."""
    import json

    model = nn.MLP(3, [4, 4, 1], seed=0)
    sample = [2.0, 3.0, -1.0]
    out = model(sample)
    out.backward()
    graph = draw_graph(out, parameters=model, fold=True, share_constants=True)
    names = dict(model.named_parameters())
    ports = {name.replace(".", "_"): name for name in names}
    data = json.loads(graph.pipe(format="json"))
    objects = data["objects"]
    checked = 0
    for edge in data["edges"]:
        head = objects[edge["head"]]
        if "Σ" not in head.get("label", ""):
            continue
        port = edge.get("headport", "").split(":")[0]
        assert port in ports, f"an input of {head['name']} enters no row"
        name = ports[port]
        row = name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1]  # w.2
        texts = {op["text"]: op["pt"][1] for op in head["_ldraw_"] if op["op"] == "T"}
        tip_y = edge["_hdraw_"][-1]["points"][1][1]
        assert abs(tip_y - (texts[row] + 4)) < 10, f"arrow for {name} lands off its row"
        tail = objects[edge["tail"]]
        if edge.get("label"):  # a value: ∂sum/∂x is the weight x multiplies
            local = re.search(r"∂\S+/∂\S+ = (\S+?)<", edge["label"])
            assert local, edge["label"]
            assert float(local.group(1)) == float(format_number(names[name].data, 4))
        else:  # a constant input: the sample's number at the weight's index
            assert float(tail["label"]) == sample[int(name.rsplit(".", 1)[-1])]
        checked += 1
    assert checked == 4 * 3 + 4 * 4 + 4
    layer0 = graph.source[graph.source.index("layers.0.neurons.2</TD>") :].split("</TABLE>")[0]
    assert [m for m in re.findall(r"<B>([wb][.\d]*)</B>", layer0)] == ["w.0", "w.1", "w.2", "b"]


LABELS_THAT_ARE_NOT_PLAIN_TEXT = {
    "nul": ("a\x00b", "a\\x00b"),
    "control": ("a\x07\x1b\x7fb", "a\\x07\\x1b\\x7fb"),
    "newline": ("a\nb", "a\\nb"),
    "non-characters": ("a\ufffe\uffffb", "a\\ufffe\\uffffb"),
    "lone surrogate": ("a\ud800b", "a\\ud800b"),
}


@pytest.mark.parametrize("kind", sorted(LABELS_THAT_ARE_NOT_PLAIN_TEXT))
def test_labels_with_unprintable_characters_render_escaped(kind: str, tmp_path: Path) -> None:
    """dot draws every label: characters it cannot take are shown as visible escapes."""
    label, shown = LABELS_THAT_ARE_NOT_PLAIN_TEXT[kind]
    x = Value(2.0, label)
    y = x * 3
    y.backward()
    svg = render(draw_graph(y, legend=True, cluster=lambda v: label), tmp_path / "graph.svg")
    texts = ["".join(e.itertext()) for e in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text")]
    assert f"{shown} (" in texts  # the box's label, next to its name
    assert shown in texts  # the cluster's name


def test_a_very_long_label_is_shortened_with_an_ellipsis(tmp_path: Path) -> None:
    from autograd_mini.viz import MAX_NAME_CHARS

    label = "a" * 5000 + "b" * 4000 + "tail"
    x = Value(2.0, label)
    y = x * 3
    y.backward()
    svg = render(draw_graph(y), tmp_path / "graph.svg")
    texts = ["".join(e.itertext()) for e in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text")]
    names = [t for t in texts if "…" in t and "/" not in t]
    assert names
    assert all(len(t) == MAX_NAME_CHARS and t.startswith("aaa") and t.endswith("btail") for t in names)


def test_a_new_graph_after_an_unrelated_backward_says_no_backward_yet() -> None:
    """The leaves' gradients from an earlier backward() are not this graph's: its root's gradient is 0."""
    x, w = Value(2.0, "x"), Value(3.0, "w")
    earlier = x * w
    earlier.backward()
    assert x.grad == 3.0
    out = (x * w).tanh()
    source = draw_graph(out).source
    assert "no backward() yet" in source
    assert "seed" not in source and "dL/d" not in source
    assert source.count("not drawn") == 1  # the note's "gradients not drawn", no "not drawn" term
    out.backward()
    after = draw_graph(out).source
    assert "(seed)" in after and "no backward() yet" not in after
    assert "not drawn" in after  # x and w still hold the earlier backward's gradients


def _constant_nodes(graph: object, label: str) -> list[tuple[str, int]]:
    """(name, edges leaving it) for each node dot lays out with the constant ``label``."""
    import json

    layout = json.loads(graph.pipe(format="json"))  # type: ignore[attr-defined]
    objects = layout.get("objects", [])
    names = {o["_gvid"]: o["name"] for o in objects if o.get("label") == label and o.get("shape") == "box"}
    leaving = {gvid: sum(e["tail"] == gvid for e in layout.get("edges", [])) for gvid in names}
    return sorted((names[gvid], count) for gvid, count in leaving.items())


def test_shared_constants_are_one_node_per_number_and_use() -> None:
    """The same number in two roles (a factor, an exponent) is two nodes; the same use shares one."""
    w = Value(3.0, "w")
    y = (w * 2 - 1) ** 2 + w * 2
    y.backward()
    shared = _constant_nodes(draw_graph(y, share_constants=True), "2")
    assert sorted(count for _, count in shared) == [1, 2]  # the exponent; the factor, read twice
    assert len(_constant_nodes(draw_graph(y), "2")) == 3  # unshared: a node per operand
    x = Value(1.0, "x")
    same_use = (x * 2 + 1) * 2 + 1
    assert [count for _, count in _constant_nodes(draw_graph(same_use, share_constants=True), "2")] == [2]


def test_top_to_bottom_drawings_are_narrow() -> None:
    """rankdir="TB": the chain rule's numbers on their own line, gradients under data, legend below."""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    z.backward(2.0)
    wide, narrow = draw_graph(z, legend=True).source, draw_graph(z, legend=True, rankdir="TB").source
    assert "dL/dx = dL/dz · ∂z/∂x = 2 · (-4) = -8" in wide
    assert "dL/dx = dL/dz · ∂z/∂x</FONT><BR/>" in narrow and "= 2 · (-4) = -8" in narrow
    assert "data 3<BR/>" in narrow and "rank=sink" in narrow and "rank=sink" not in wide


def test_a_narrow_folded_neuron_stacks_its_cells_and_leaves_row_edges_to_tooltips() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    out = model([Value(1.0, "a"), Value(-2.0, "b")])
    out.backward()
    source = draw_graph(out, parameters=model, fold=True, rankdir="TB").source
    assert 'COLSPAN="1"' in source and "Σ wᵢxᵢ + b</B><BR/>layers.0.neurons.0" in source
    into_rows = [line for line in source.splitlines() if "->" in line and "_w_0:w " in line]
    assert into_rows and all("label=" not in line and "tooltip=" in line for line in into_rows)
