"""Drawings: DOT structure, determinism, real SVG from dot, and the missing-program path."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_mini import Value, nn
from autograd_mini.viz import GraphvizNotFoundError, draw_graph, draw_network, format_number, render


def xyz() -> Value:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    z.backward(2.0)
    return z


def test_xyz_dot_source_shows_values_grads_and_local_derivatives() -> None:
    source = draw_graph(xyz()).source
    assert 'v0 [label="{x | data 3 | grad -8}"' in source
    assert 'v1 [label="{y | data -4 | grad 6}"' in source
    assert 'v2 [label="{z | data -12 | grad 2}"' in source
    assert 'v2_op [label="*"' in source
    assert 'v0 -> v2_op [label="∂z/∂x = -4"]' in source
    assert 'v1 -> v2_op [label="∂z/∂y = 3"]' in source
    assert "v2_op -> v2" in source


def test_a_plus_a_draws_two_edges() -> None:
    a = Value(2.0, "a")
    b = a + a
    b.backward()
    source = draw_graph(b).source
    assert source.count('v0 -> v1_op [label="∂z/∂a = 1"]') == 2


def test_local_grads_can_be_hidden_and_constants_are_drawn() -> None:
    x = Value(2.0, "x")
    source = draw_graph(x * 3, show_local_grads=False).source
    assert "∂" not in source
    assert 'v1_op_c1 [label=3 fontcolor="#9ca3af"' in source


def test_same_graph_gives_identical_dot() -> None:
    def build() -> str:
        x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
        out = (x * w + b).tanh()
        out.backward()
        return str(draw_graph(out).source)

    assert build() == build()


def test_root_leaves_and_parameters_are_distinct() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    out = model([1.0, -1.0])
    out.backward()
    source = draw_graph(out, parameters=model).source
    assert "layers.0.neurons.1.w.0" in source  # parameters are named
    assert 'fillcolor="#dcfce7"' in source  # parameter colour
    assert 'style="filled,bold"' in source  # the root
    assert "subgraph cluster_0" in source and 'label="layers.0"' in source  # grouped by layer


def test_custom_clusters_and_max_nodes_guard() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(20):
        y = y * 1.5
    source = draw_graph(y, cluster=lambda v: "inputs" if v.is_leaf else None).source
    assert "label=inputs" in source
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        draw_graph(y, max_nodes=10)
    assert draw_graph(y, max_nodes=None).source


def test_format_number() -> None:
    assert [format_number(v) for v in (3.0, -0.5, 123456.0, 0.000123456, -0.0)] == [
        "3",
        "-0.5",
        "1.235e+05",
        "0.0001235",
        "0",
    ]
    assert format_number(3.14159, digits=2) == "3.1"


def test_labels_with_record_characters_are_escaped() -> None:
    v = Value(1.0, "a|b{c}<d>")
    assert "a\\|b\\{c\\}\\<d\\>" in draw_graph(v * 2).source


@pytest.mark.parametrize("sizes", [(1, [2, 2]), (4, [2, 2, 1])])
def test_draw_network_for_the_seed_networks(sizes: tuple[int, list[int]]) -> None:
    model = nn.MLP(sizes[0], sizes[1], seed=1)
    out = model([0.5] * sizes[0])
    (out if isinstance(out, Value) else out[0]).backward()
    source = draw_network(model, show_grads=True).source
    weights = sum(len(n.w) for layer in model.layers for n in layer.neurons)
    assert source.count("->") == weights
    assert source.count("∂") == weights + sum(layer.nout for layer in model.layers)
    assert "hidden 1 (relu)" in source and "output (linear)" in source
    assert 'color="#dc2626"' in source or 'color="#2563eb"' in source


def test_real_svg_from_dot(tmp_path: Path) -> None:
    """Rendered by the Graphviz program (make test installs it), parsed as XML."""
    path = render(draw_graph(xyz()), tmp_path / "xyz.svg")
    text = " ".join(t for t in ET.parse(path).getroot().itertext())
    for expected in ("data 3", "grad -8", "data -12", "∂z/∂x = -4", "∂z/∂y = 3", "*"):
        assert expected in text
    network = render(draw_network(nn.MLP(4, [2, 2, 1])), tmp_path / "net.svg")
    assert "hidden 2" in " ".join(ET.parse(network).getroot().itertext())
    png = render(draw_graph(xyz()), tmp_path / "xyz.png")
    assert png.read_bytes().startswith(b"\x89PNG")


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
    # In Jupyter the display falls back to the hint instead of a traceback.
    bundle = graph._repr_mimebundle_()
    assert "apt-get install" in bundle["text/plain"]


def test_render_rejects_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix must be one of"):
        render(draw_graph(xyz()), tmp_path / "xyz.jpg")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(xyz(), rankdir="XY")
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nn\.MLP"):
        draw_network(nn.Layer(2, 2))  # type: ignore[arg-type]


def test_viz_is_imported_lazily() -> None:
    import subprocess
    import sys

    code = "import sys, autograd_mini; print('graphviz' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert result.stdout.strip() == "False"
