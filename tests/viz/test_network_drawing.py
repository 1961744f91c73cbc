"""draw_network stays legible: checked on Graphviz's own layout (-Tjson), not by eye."""

from __future__ import annotations

import itertools
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Value, nn
from autograd_mini.demos import cheatsheet_network, four_layer_network
from autograd_mini.viz import draw_network, render

Box = tuple[str, float, float, float, float, str]  # name, centre x, y, half width, half height (pt), shape


def lecture_mlp() -> nn.MLP:
    model = nn.MLP(3, [4, 4, 1], seed=0)
    out = model([2.0, 3.0, -1.0])
    out.backward()
    return model


def cheatsheet() -> nn.MLP:
    model, _ = cheatsheet_network.with_engine()
    return model


def four_layer() -> nn.MLP:
    model = four_layer_network.build_model()
    four_layer_network.cost(model).backward()
    return model


def moons() -> nn.MLP:
    return nn.MLP(2, [16, 16, 1], seed=0)


NETWORKS = {
    "cheatsheet": (cheatsheet, {"loss_name": "C"}),
    "four_layer": (four_layer, {"loss_name": "C", "inputs": four_layer_network.X}),
    "lecture_mlp_3_4_4_1": (lecture_mlp, {"inputs": [2.0, 3.0, -1.0]}),
    "moons_2_16_16_1": (moons, {}),
}


def layout(graph: Any) -> tuple[list[Box], tuple[float, float, float, float], list[dict[str, Any]]]:
    """Every node's box from Graphviz's layout, the drawing's bounding box, and the raw objects."""
    data = json.loads(graph.pipe(format="json"))
    boxes = []
    for obj in data.get("objects", []):
        x, y = (float(v) for v in obj["pos"].split(","))
        half_w, half_h = float(obj["width"]) * 36, float(obj["height"]) * 36
        boxes.append((obj["name"], x, y, half_w, half_h, obj.get("shape", "")))
    bb = tuple(float(v) for v in data["bb"].split(","))
    return boxes, bb, [*data.get("objects", []), *data.get("edges", [])]  # type: ignore[return-value]


def overlap(a: Box, b: Box) -> bool:
    """Boxes overlap; a circle is a circle (its corners are empty), so box-circle uses distance."""
    if a[5] == "circle" and b[5] == "circle":
        return math.hypot(a[1] - b[1], a[2] - b[2]) < a[3] + b[3]
    if b[5] == "circle":
        a, b = b, a
    if a[5] == "circle":
        nearest_x = min(max(a[1], b[1] - b[3]), b[1] + b[3])
        nearest_y = min(max(a[2], b[2] - b[4]), b[2] + b[4])
        return math.hypot(a[1] - nearest_x, a[2] - nearest_y) < a[3]
    return abs(a[1] - b[1]) < a[3] + b[3] and abs(a[2] - b[2]) < a[4] + b[4]


def bezier_points(edge: dict[str, Any], samples: int = 40) -> list[tuple[float, float]]:
    """Points along an edge's drawn cubic Bézier pieces (its _draw_ "b" operations), densely sampled."""
    points: list[tuple[float, float]] = []
    for op in edge.get("_draw_", []):
        if op["op"] not in ("b", "B"):
            continue
        control = op["points"]
        for start in range(0, len(control) - 3, 3):
            (ax, ay), (bx, by), (cx, cy), (dx, dy) = control[start : start + 4]
            for i in range(samples + 1):
                t = i / samples
                u = 1 - t
                points.append(
                    (
                        u**3 * ax + 3 * u * u * t * bx + 3 * u * t * t * cx + t**3 * dx,
                        u**3 * ay + 3 * u * u * t * by + 3 * u * t * t * cy + t**3 * dy,
                    )
                )
    return points


def edge_crossings(boxes: list[Box], objects: list[dict[str, Any]], source: str) -> list[str]:
    """A weight's label (node w<n>, for the n-th edge) crossed by any edge but its own."""
    labels = {name: box for box in boxes if (name := box[0])[:1] == "w" and name[1:].isdigit()}
    nodes = {obj["_gvid"]: obj["name"] for obj in objects if "tail" not in obj}
    # draw_network declares edge n and its label w<n> together; dot numbers edges its own way
    edges = {f"{nodes[e['tail']]}->{nodes[e['head']]}": e for e in objects if "tail" in e}
    ends = [f"{a}->{b}" for a, b in re.findall(r"^\t(\w+) -> (\w+)", source, flags=re.MULTILINE)]
    found = []
    for name, (_, x, y, half_w, half_h, _) in labels.items():
        own = ends[int(name[1:])]
        for end, edge in edges.items():
            if end == own:
                continue
            if any(abs(px - x) < half_w and abs(py - y) < half_h for px, py in bezier_points(edge)):
                found.append(f"{name} (on {own}) is crossed by edge {end}")
    return found


def problems(graph: Any) -> list[str]:
    boxes, (x0, y0, x1, y1), objects = layout(graph)
    found = [f"{a[0]} overlaps {b[0]}" for a, b in itertools.combinations(boxes, 2) if overlap(a, b)]
    found += [
        f"{name} is clipped"
        for name, x, y, hw, hh, _ in boxes
        if x - hw < x0 - 0.5 or x + hw > x1 + 0.5 or y - hh < y0 - 0.5 or y + hh > y1 + 0.5
    ]
    found += edge_crossings(boxes, objects, graph.source)
    # Text drawn by Graphviz for edges would escape the check above: there must be none.
    found += [f"edge text {obj.get('_ldraw_')}" for obj in objects if "tail" in obj and "_ldraw_" in obj]
    # Every line of text inside a neuron lies inside its circle.
    for obj in objects:
        if obj.get("shape") != "circle":
            continue
        cx, cy = (float(v) for v in obj["pos"].split(","))
        radius = float(obj["width"]) * 36
        for op in obj.get("_ldraw_", []):
            if op["op"] == "T":
                (tx, ty), width = op["pt"], op["width"]
                left = {"l": tx, "c": tx - width / 2, "r": tx - width}[op["align"]]
                for corner_x in (left, left + width):
                    for corner_y in (ty - 3, ty + 9):
                        if math.hypot(corner_x - cx, corner_y - cy) > radius:
                            found.append(f"{obj['name']}: {op['text']!r} sticks out of its circle")
    return found


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("show_grads", [False, True])
def test_no_label_overlaps_a_label_or_a_node_and_none_is_clipped(name: str, show_grads: bool) -> None:
    build, options = NETWORKS[name]
    graph = draw_network(build(), show_grads=show_grads, legend=True, **options)  # type: ignore[operator]
    assert problems(graph) == []


def test_the_check_sees_an_overlap() -> None:
    """The layout check is not vacuous: two labels pinned on top of each other are reported."""
    graph = draw_network(lecture_mlp(), show_grads=True)
    graph.node("intruder", label="w 0.123", shape="box", width="0", height="0", pos="0,0!")
    graph.node("intruder2", label="w 0.456", shape="box", width="0", height="0", pos="0.1,0!")
    assert any("intruder" in p for p in problems(graph))


def test_the_check_sees_an_edge_through_a_label() -> None:
    """A label pinned on another weight's line is reported (the edge check is not vacuous)."""
    graph = draw_network(lecture_mlp(), show_grads=True)
    _, _, objects = layout(graph)
    names = {obj["_gvid"]: obj["name"] for obj in objects if "tail" not in obj}
    other = next(
        e for e in objects if "tail" in e and (names[e["tail"]], names[e["head"]]) == ("n1_2", "n2_0")
    )
    x, y = bezier_points(other)[20]
    found = edge_crossings([("w0", x, y, 10.0, 6.0, "box")], objects, graph.source)
    assert "w0 (on n0_0->n1_0) is crossed by edge n1_2->n2_0" in found


def test_small_networks_label_every_weight_with_w_and_its_named_gradient() -> None:
    model = cheatsheet()
    source = draw_network(model, show_grads=True, loss_name="C").source
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    for w in weights:
        assert f"dC/dw {float(f'{w.grad:.3g}'):g}" in source or f"dC/dw {w.grad:.3g}" in source
    assert source.count("dC/dw") == 3 * len(weights)  # label, and tooltips on label and edge
    assert source.count("->") == len(weights)


def test_big_networks_move_weights_into_tooltips(tmp_path: Path) -> None:
    model = moons()
    graph = draw_network(model, show_grads=True)
    assert "w0 " not in graph.source  # no label nodes
    svg = render(graph, tmp_path / "moons.svg")
    titles = [e.get("{http://www.w3.org/1999/xlink}title", "") for e in ET.parse(svg).getroot().iter()]
    assert sum("dL/dw" in t for t in titles) >= 2 * 16 + 16 * 16 + 16


def test_output_is_never_named_like_the_target_and_inputs_show_values() -> None:
    source = draw_network(four_layer(), inputs=four_layer_network.X).source
    assert "label=<out" in source and "label=<y" not in source
    assert "= 0.5" in source and "= -1" in source
    two_outputs = draw_network(cheatsheet()).source
    assert "out1" in two_outputs and "out2" in two_outputs


def test_colours_are_roles_shared_with_draw_graph() -> None:
    from autograd_mini._drawing import ROLES

    source = draw_network(four_layer(), legend=True).source
    for role in ("input", "intermediate", "output"):
        assert ROLES[role][0] in source


def test_input_names_are_text_never_markup(tmp_path: Path) -> None:
    hostile = '<<TABLE><TR><TD><IMG SRC="secret.png"/></TD></TR></TABLE>>'
    graph = draw_network(nn.MLP(2, [1]), input_names=[hostile, 'a\\N"b'])
    assert "<IMG" not in graph.source and "&lt;IMG" in graph.source
    svg = render(graph, tmp_path / "net.svg")
    texts = " ".join(ET.parse(svg).getroot().itertext())
    assert 'IMG SRC="secret.png"' in texts and 'a\\N"b' in texts
    assert "image" not in svg.read_text()


def test_bad_arguments_name_the_argument() -> None:
    model = nn.MLP(2, [1])
    with pytest.raises(ValueError, match="digits must be at least 1"):
        draw_network(model, digits=-1)
    with pytest.raises(TypeError, match="input_names"):
        draw_network(model, input_names=[1, 2])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="3 input_names for 2 inputs"):
        draw_network(model, input_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="inputs for 2 input neurons"):
        draw_network(model, inputs=[1.0])
    with pytest.raises(TypeError, match="inputs must be a list of numbers"):
        draw_network(model, inputs=[Value(1.0), 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"nn\.MLP"):
        draw_network(nn.Layer(2, 2))  # type: ignore[arg-type]


def test_a_label_with_no_free_spot_becomes_a_tooltip_and_the_legend_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the layout not allowed to spread, some labels find no spot: they are left out, never misplaced."""
    from autograd_mini import network_drawing

    everything = draw_network(lecture_mlp(), show_grads=True, legend=True).source
    assert "unlabelled weight" not in everything
    monkeypatch.setattr(network_drawing, "_ATTEMPTS", 1)
    graph = draw_network(lecture_mlp(), show_grads=True, legend=True)
    labels = re.findall(r"^\tw\d+ \[", graph.source, flags=re.MULTILINE)
    assert 0 < len(labels) < 32
    assert "unlabelled weight: no free spot, w in its tooltip" in graph.source
    edges = [line for line in graph.source.splitlines() if " -> " in line]
    assert len(edges) == 32 and all("dL/dw" in line for line in edges)  # every weight keeps its tooltip
    assert problems(graph) == []


def test_input_names_that_are_not_plain_text_render_escaped_and_shortened(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    names = ["x\x00\ud800", "y" * 9000]
    svg = render(draw_network(model, input_names=names), tmp_path / "network.svg")
    texts = ["".join(e.itertext()) for e in ET.parse(svg).getroot().iter("{http://www.w3.org/2000/svg}text")]
    assert "x\\x00\\ud800" in texts
    assert "y" * 60 + "…" + "y" * 19 in texts
