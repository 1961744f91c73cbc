"""The explorer's layouts, without a browser: rankdir "auto" lays the graph out both ways."""

from __future__ import annotations

import re

import pytest

from autograd_mini import Value, explore
from autograd_mini import explorer as explorer_module


def neuron() -> Value:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    out = (x * w + b).tanh()
    out.label = "out"
    return out


def drawings(page: str) -> list[tuple[str, str]]:
    """(data-drawing, data-rankdir) of each drawing on the page, in order."""
    return re.findall(r'<svg data-drawing="([^"]*)" data-rankdir="([^"]*)"', page)


def test_auto_lays_out_both_directions_and_fixed_ones_one() -> None:
    assert drawings(explore(neuron()).html) == [("full", "LR"), ("full", "TB")]
    assert drawings(explore(neuron(), rankdir="auto").html) == [("full", "LR"), ("full", "TB")]
    assert drawings(explore(neuron(), rankdir="LR").html) == [("full", "LR")]
    assert drawings(explore(neuron(), rankdir="TB").html) == [("full", "TB")]


def test_the_two_layouts_differ_and_repeat_no_id() -> None:
    page = explore(neuron()).html
    boxes = re.findall(r'<svg [^>]*viewBox="([^"]*)"', page)
    width = [float(box.split()[2]) for box in boxes]
    height = [float(box.split()[3]) for box in boxes]
    assert width[0] > 2 * width[1] and height[1] > 2 * height[0]  # LR wide and low, TB narrow and high
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert len(ids) == len(set(ids)), "an id repeated"


def test_clusters_repeat_no_id_either() -> None:
    from autograd_mini.nn import MLP

    model = MLP(2, [2, 1], activation="tanh")
    prediction = model([Value(1.0, "x1"), Value(-2.0, "x2")])
    assert isinstance(prediction, Value)
    page = explore(prediction, parameters=model).html
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert "clust" in page and len(ids) == len(set(ids)), sorted(ids)


def test_past_the_limit_auto_lays_out_one_direction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer_module, "AUTO_BOTH_LIMIT", 5)  # the neuron has 6 values
    assert drawings(explore(neuron()).html) == [("full", "LR")]


@pytest.mark.parametrize("rankdir", ["BT", "lr", ""])
def test_a_bad_rankdir_names_the_choices(rankdir: str) -> None:
    expected = f"explore: rankdir must be auto, LR or TB, got {rankdir!r}"
    with pytest.raises(ValueError, match=re.escape(expected)):
        explore(neuron(), rankdir=rankdir)


@pytest.mark.parametrize("rankdir", [None, 3])
def test_a_rankdir_not_a_str_is_a_type_error(rankdir: object) -> None:
    expected = f"explore: rankdir must be a str (auto, LR or TB), got {type(rankdir).__name__}"
    with pytest.raises(TypeError, match=re.escape(expected)):
        explore(neuron(), rankdir=rankdir)  # type: ignore[arg-type]


def test_a_drawing_name_is_escaped() -> None:
    view = explorer_module.graph.view(neuron(), None, 1.0)
    svg = explorer_module._svg(view, None, 4, "LR", drawing='a"<b')
    assert svg.startswith('<svg data-drawing="a&quot;&lt;b" data-rankdir="LR" ')
