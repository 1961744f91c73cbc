"""The training page as written: its data is the recorded run, its text escaped, its size bounded."""

from __future__ import annotations

import json
import math
import re
import struct
import sys
from pathlib import Path

import pytest

from autograd_mini import Run, Value, datasets, losses, nn, optim, record, training_page
from autograd_mini.training_page import page_data, unpack
from tests.training_view.runs import recorded_moons, thinned_run


def f32(value: float) -> float:
    """``value`` as the page stores it (float32)."""
    result: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return result


def small_run(steps: int = 5) -> tuple[Run, nn.MLP, list[list[float]], list[float]]:
    return recorded_moons(20, [3], seed=1, lr=0.2, steps=steps, watch={"every": 2, "grid": 6})


def test_page_data_is_the_recorded_run() -> None:
    run, _, _, _ = small_run()
    data = page_data(run.page().html)
    n = len(run.params)
    assert data["names"] == run.names
    assert data["steps"] == [0, 1, 2, 3, 4]
    assert unpack(data["loss"], "d") == run.losses  # float64: exact
    before, grads = unpack(data["before"]), unpack(data["grads"])
    for s, snap in enumerate(run.snapshots):
        assert before[s * n : (s + 1) * n] == [f32(v) for v in snap.before]
        assert grads[s * n : (s + 1) * n] == [f32(g) for g in snap.grads]
    # the after values are stored only where the next kept step does not hold them: the last one
    assert data["afterAt"] == [4]
    assert unpack(data["after"]) == [f32(v) for v in run.snapshots[-1].after]
    assert unpack(data["gradNorms"]) == [f32(v) for row in run.grad_norms for v in row]
    assert data["boundary"]["steps"] == [0, 2, 4]  # the model before steps 0, 2 and 4


def test_the_drawing_links_every_parameter_of_an_mlp() -> None:
    run, _, _, _ = small_run(2)
    network = page_data(run.page().html)["network"]
    linked = set(network["edges"].values()) | set(network["biases"].values())
    assert linked == set(range(len(run.params)))
    assert network["edges"]["n0_1->n1_2"] == run.names.index("layers.0.neurons.2.w.1")
    assert network["biases"]["n2_0"] == run.names.index("layers.1.neurons.0.b")


class Hostile(nn.Module):
    def __init__(self) -> None:
        self.weights = {
            "</script><script>alert(1)</script>": Value(0.5),
            "<img src=x onerror=alert(2)>": Value(1.0),
        }


def test_hostile_names_and_title_stay_text() -> None:
    model = Hostile()
    run = record(model, progress=False)
    loss = sum((p * p for p in model.parameters()), Value(0.0))
    loss.backward()
    run.step(loss)
    html = run.page(title="<script>alert(3)</script>").html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert len(re.findall(r"<script", html)) == 2  # the data and the page's own script
    data = page_data(html)
    assert data["names"] == [
        "weights.</script><script>alert(1)</script>",
        "weights.<img src=x onerror=alert(2)>",
    ]
    assert data["title"] == "<script>alert(3)</script>"
    assert data["network"] is None  # not an MLP: no drawing, the parameter list only


def test_save_and_notebook_display(tmp_path: Path) -> None:
    run, _, _, _ = small_run(2)
    page = run.page(title="a & b")
    target = page.save(tmp_path / "run.html")
    assert target.read_text(encoding="utf-8") == page.html
    shown = run._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "a &amp;amp; b" in page._repr_html_()
    assert 'sandbox="allow-scripts"' in shown
    with pytest.raises(FileNotFoundError, match="does not exist"):
        page.save(tmp_path / "missing" / "run.html")
    with pytest.raises(IsADirectoryError):
        page.save(tmp_path)


def test_page_refuses_an_empty_run_and_bad_explore_steps() -> None:
    run = record([Value(1.0)], progress=False)
    with pytest.raises(ValueError, match="no steps recorded"):
        run.page()
    full, model, X, y = small_run(3)
    with pytest.raises(ValueError, match="explore_steps needs sample_loss"):
        full.page(explore_steps=[0])
    with pytest.raises(ValueError, match="step 9 was not kept"):
        full.page(sample_loss=lambda: losses.hinge([model(X[0])], [y[0]]), explore_steps=[0, 9])
    with pytest.raises(TypeError, match="title must be a str"):
        full.page(title=3)  # type: ignore[arg-type]


def test_embedded_explorers_show_the_steps_parameters() -> None:
    run, model, X, y = small_run(4)
    data = page_data(run.page(sample_loss=lambda: losses.hinge([model(X[0])], [y[0]])).html)
    assert [e["step"] for e in data["explorers"]] == [0, 2, 3]
    for explorer in data["explorers"]:
        inner = re.search(r'<script type="application/json" id="data">(.*?)</script>', explorer["html"])
        assert inner is not None
        nodes = {node["name"]: node["data"] for node in json.loads(inner.group(1))["nodes"]}
        first = run.names[0]
        assert nodes[first] == run.snapshot(explorer["step"]).before[0]


@pytest.mark.slow
def test_a_300_step_moons_page_stays_under_2_mb() -> None:
    """micrograd's MLP(2, [16, 16, 1]) (337 parameters) on 100 moons, 300 steps, boundary every 20."""
    X, y = datasets.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    with record(model, progress=False) as run:
        run.watch_boundary(X, y, every=20, grid=20)
        for _ in range(300):
            loss = losses.hinge([model(x) for x in X], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.step(loss)
    size = len(run.page().html.encode("utf-8"))
    assert len(run.snapshots) == 300
    assert size < 2_000_000, size


def test_a_thinned_run_stores_each_kept_steps_after_values() -> None:
    run = thinned_run()
    data = page_data(run.page().html)
    assert data["steps"] == [0, 4, 8] and data["stride"] == 4
    assert data["afterAt"] == [0, 1, 2]  # no kept step follows another: each keeps its own
    assert unpack(data["after"]) == [f32(snap.after[0]) for snap in run.snapshots]
    assert data["lr"] == [pytest.approx(0.1)] * 3


def test_a_sample_graph_too_big_for_the_explorer_says_what_to_do() -> None:
    X, y = datasets.make_moons(6, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    run = record(model, progress=False)
    loss = losses.hinge([model(x) for x in X], y)
    loss.backward()
    run.step(loss)
    with pytest.raises(ValueError, match=r"leave out sample_loss .* run\.explore\(step, sample_loss, max_"):
        run.page(sample_loss=lambda: losses.hinge([model(X[0])], [y[0]]))


def test_without_graphviz_the_page_has_no_drawing_but_everything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run, _, _, _ = small_run(2)
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.setattr(training_page, "find_spec", lambda name: None)
    html = run.page().html
    assert "No drawing" in html and page_data(html)["network"] is None
    assert page_data(html)["names"] == run.names


def test_numbers_float32_cannot_hold_are_stored_as_float64() -> None:
    from autograd_mini.training_page import _floats

    wide = [1.5, 5.483942934302448e199, -1e-40, math.inf, math.nan]
    got = unpack(_floats(wide))
    assert got[:4] == wide[:4] and math.isnan(got[4])  # float64 throughout: 5e199 and 1e-40 kept
    assert unpack(_floats([1.5, 0.1])) == [1.5, f32(0.1)]  # float32 where it holds every number
