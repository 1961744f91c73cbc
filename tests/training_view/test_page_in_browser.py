"""The training page in a real browser: Debian's Chromium driven headless by Playwright.

Every number checked is compared with the recorded run (as the page stores it, float32); no
request leaves the page. Screenshots go to out/. Chromium missing is a failure, never a skip.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Run, Value, losses, nn, record
from autograd_mini._drawing import format_number
from autograd_mini.training_export import browser_frames
from autograd_mini.training_page import TrainingPage
from tests.browser import Opened
from tests.helpers import ROOT
from tests.training_view.runs import recorded_moons, thinned_run

pytestmark = pytest.mark.browser

OUT = ROOT / "out"
STEPS = 12


def shown(value: float, digits: int = 4) -> str:
    """How the page shows a recorded number: stored as float32, 4 significant digits."""
    return format_number(struct.unpack("<f", struct.pack("<f", value))[0], digits)


@pytest.fixture
def opened(browser: Any) -> Iterator[Opened]:
    tab = Opened(browser, height=900)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def trained() -> tuple[Run, str]:
    run, model, X, y = recorded_moons(24, [4, 4], seed=2, lr=0.1, steps=STEPS, watch={"every": 3, "grid": 10})
    page = run.page(
        title="moons <4, 4, 1>",
        sample_loss=lambda: losses.hinge([model(X[0])], [y[0]]),
        explore_steps=[0, STEPS - 1],
    )
    return run, page.html


def move_slider(page: Any, index: int) -> None:
    page.evaluate(
        "i => { const s = document.getElementById('slider'); s.value = String(i);"
        " s.dispatchEvent(new Event('input')); }",
        index,
    )


def label_texts(page: Any) -> dict[str, str]:
    """The text of each weight label and bias line, by the parameter it shows."""
    found: dict[str, str] = page.evaluate(
        """() => {
      const out = {};
      for (const g of document.querySelectorAll('#network svg g.node')) {
        const name = g.querySelector('title').textContent;
        const texts = [...g.querySelectorAll('text')].map(t => t.textContent);
        out[name] = texts.join('|');
      }
      return out;
    }"""
    )
    return found


def edge_of(run: Run, param: int) -> str:
    """The SVG edge title draw_network gives a weight: n{layer}_{input}->n{layer + 1}_{neuron}."""
    _, layer, _, neuron, _, k = run.names[param].split(".")
    return f"n{layer}_{k}->n{int(layer) + 1}_{neuron}"


def test_the_slider_shows_each_steps_recorded_numbers(opened: Opened, trained: tuple[Run, str]) -> None:
    run, html = trained
    page = opened.load(html)
    assert page.locator("#title").text_content() == "moons <4, 4, 1>"
    for index in (0, 5, STEPS - 1):
        move_slider(page, index)
        snap = run.snapshot(index)
        assert page.locator("#position").text_content() == f"step {index} of {STEPS - 1}"
        assert page.locator("#p-before").text_content() == shown(snap.before[0])
        assert page.locator("#p-grad").text_content() == shown(snap.grads[0])
        assert page.locator("#p-after").text_content() == shown(snap.after[0])
        layers = page.locator("#flow-legend .layer-numbers").all_text_contents()
        assert layers == [
            f"|dL/dw| {shown(norm, 3)}, |update| / |w| {shown(ratio, 3)}"
            for norm, ratio in zip(run.grad_norms[index], run.update_ratios[index], strict=True)
        ]
        labels = label_texts(page)
        first_weight = labels["w0"]  # draw_network's label of the first weight (layers.0.neurons.0.w.0)
        assert first_weight == f"w {shown(snap.before[0])}"
        bias = run.names.index("layers.1.neurons.2.b")
        assert f"b {shown(snap.before[bias])}" in labels["n2_2"].split("|")
        widths = page.evaluate(
            "() => [...document.querySelectorAll('#network svg g.edge')].map(g =>"
            " [g.querySelector('title').textContent, g.querySelector('path').getAttribute('stroke')])"
        )
        strokes = dict(widths)
        for param, name in enumerate(run.names):
            if name.endswith(".b"):
                continue
            expected = "#2563eb" if snap.before[param] >= 0 else "#dc2626"
            assert strokes[edge_of(run, param)] == expected, name
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "training_view.png"), full_page=True)


def test_the_phases_show_gradients_and_updated_weights(opened: Opened, trained: tuple[Run, str]) -> None:
    run, html = trained
    page = opened.load(html)
    move_slider(page, 3)
    snap = run.snapshot(3)
    page.click("#phases button[data-phase=backward]")
    assert label_texts(page)["w0"] == f"dL/dw {shown(snap.grads[0])}"
    assert "backward: loss.backward()" in (page.locator("#narration").text_content() or "")
    page.click("#phases button[data-phase=update]")
    assert label_texts(page)["w0"] == f"w {shown(snap.after[0])}"
    narration = page.locator("#narration").text_content() or ""
    assert f"{shown(snap.before[0])} - 0.1 * ({shown(snap.grads[0])}) = {shown(snap.after[0])}" in narration
    page.click("#phases button[data-phase=loss]")
    assert page.locator("#narration").text_content() == f"step 3, loss: L = {format_number(run.losses[3], 4)}"


def test_clicking_a_weight_shows_its_value_and_gradient_over_time(
    opened: Opened, trained: tuple[Run, str]
) -> None:
    run, html = trained
    page = opened.load(html)
    move_slider(page, 7)
    param = run.names.index("layers.1.neurons.3.w.2")
    # a real click on the weight's label (draw_network's 23rd label: 8 weights of layer 1, then 4 per neuron)
    page.locator("#network svg g.node", has=page.locator("title:text-is('w22')")).click()
    assert page.locator("#param").input_value() == str(param)
    page.click("#phases button[data-phase=backward]")  # any other weight's line, as a click event
    other = run.names.index("layers.0.neurons.1.w.0")
    edge = page.locator("#network svg g.edge", has=page.locator(f"title:text-is('{edge_of(run, other)}')"))
    edge.locator("path.hit").dispatch_event("click")
    assert page.locator("#param").input_value() == str(other)
    page.locator("#param").select_option(str(param))
    snap = run.snapshot(7)
    assert page.locator("#p-before").text_content() == shown(snap.before[param])
    assert page.locator("#p-grad").text_content() == shown(snap.grads[param])
    assert page.evaluate("() => document.querySelectorAll('#network svg g.edge.selected').length") == 1
    # two lines over the kept steps (value and gradient), one point per step
    lines = page.evaluate(
        "() => [...document.querySelectorAll('#param-chart polyline')]"
        ".map(p => p.getAttribute('points').split(' ').length)"
    )
    assert lines == [STEPS, STEPS]


def test_play_runs_to_the_last_step(opened: Opened, trained: tuple[Run, str]) -> None:
    _, html = trained
    page = opened.load(html)
    page.click("#play")
    assert page.locator("#play").text_content() == "⏸ pause"
    page.wait_for_function("() => document.getElementById('play').textContent === '▶ play'", timeout=10_000)
    assert page.locator("#position").text_content() == f"step {STEPS - 1} of {STEPS - 1}"
    assert page.locator("#slider").input_value() == str(STEPS - 1)


def test_open_the_explorer_on_a_steps_graph(opened: Opened, trained: tuple[Run, str]) -> None:
    run, html = trained
    page = opened.load(html)
    move_slider(page, 4)  # no explorer kept here: the nearest kept step (0) opens
    page.click("#open-explorer")
    assert page.locator("#position").text_content() == f"step 0 of {STEPS - 1}"
    assert page.locator("#explorer-panel").is_visible()
    frame = page.frame_locator("#explorer")
    frame.locator("#graph svg:not(.off)").first.wait_for()  # the drawing on show (of its layouts)
    nodes = frame.locator('#graph svg[data-drawing="full"]').first.locator("g.node").count()
    assert nodes > len(run.params)  # the parameters, the sample's inputs and every op of its loss
    page.click("#close-explorer")
    assert not page.locator("#explorer-panel").is_visible()


def test_nan_losses_are_marked_and_hostile_names_stay_text(opened: Opened) -> None:
    class Hostile(nn.Module):
        def __init__(self) -> None:
            self.weights = {"<img src=x onerror=alert(1)>": Value(1.0)}

    model = Hostile()
    (w,) = model.parameters()
    with record(model, progress=False) as run:
        for k in range(5):
            loss = w * 1e308 * 1e308 - w * 1e308 * 1e308 if k in (1, 3) else w * w
            w.grad = 0.0
            loss.backward()
            run.step(loss)
    page = opened.load(run.page(title="<script>alert(2)</script>").html)
    assert page.locator("#title").text_content() == "<script>alert(2)</script>"
    assert page.locator("#param option").first.text_content() == "weights.<img src=x onerror=alert(1)>"
    assert page.locator("#loss-chart line.nan").count() == 2
    move_slider(page, 1)
    page.click("#phases button[data-phase=loss]")
    assert "L = nan (not a number" in (page.locator("#narration").text_content() or "")


def test_a_thinned_run_shows_its_kept_steps(opened: Opened) -> None:
    run = thinned_run()
    page = opened.load(run.page().html)
    move_slider(page, 1)
    assert page.locator("#position").text_content() == "step 4 of 8 (every 4th step kept)"
    snap = run.snapshot(4)
    assert page.locator("#p-after").text_content() == shown(snap.after[0])
    page.click("#phases button[data-phase=update]")
    expected = f"{shown(snap.before[0])} - 0.1 * ({shown(snap.grads[0])}) = {shown(snap.after[0])}"
    assert expected in (page.locator("#narration").text_content() or "")


def test_browser_frames_runs_beside_a_running_playwright(
    opened: Opened, trained: tuple[Run, str], tmp_path: Path
) -> None:
    _, html = trained
    page = opened.load(html)  # this module's browser is running: browser_frames starts its own
    frames = browser_frames(TrainingPage(html, "t"), tmp_path, max_frames=2, width=800, height=500)
    assert len(frames) == 2 and frames[0].read_bytes() != frames[1].read_bytes()
    assert page.locator("#position").text_content() == f"step 0 of {STEPS - 1}"


def test_the_pages_number_format_is_pythons(opened: Opened, trained: tuple[Run, str]) -> None:
    """fmt(v, p) in the page against format_number(v, p): ties (half to even), carries, exponents."""
    _, html = trained
    page = opened.load(html)
    rng = random.Random(5)
    values = [1.0625, 2.5, 0.125, 99995.0, 9.9995, 0.00012345, 1e-5, 123456.0, -0.0, 1e16, 5e-324]
    values += [rng.uniform(-2, 2) * 10 ** rng.randint(-8, 8) for _ in range(300)]
    values += [math.nan, math.inf, -math.inf]
    for digits in (3, 4):
        shown_by_page = page.evaluate(
            "([vs, p]) => vs.map(v => fmt(v === null ? NaN : v, p))",
            [[None if math.isnan(v) else v for v in values], digits],
        )
        # NaN travels as null (JSON has no NaN); infinities survive Playwright's serializer
        assert shown_by_page == [format_number(v, digits) for v in values]


def test_next_phase_walks_one_iteration_then_the_next(opened: Opened, trained: tuple[Run, str]) -> None:
    run, html = trained
    page = opened.load(html)
    move_slider(page, 2)
    seen = []
    for _ in range(5):
        seen.append(page.locator("#narration").text_content() or "")
        page.click("#next-phase")
    assert [line.split(",")[0] for line in seen] == ["step 2"] * 4 + ["step 3"]
    assert [line.split(", ", 1)[1].split(":")[0] for line in seen] == [
        "forward",
        "loss",
        "backward",
        "update",
        "forward",
    ]
    assert seen[1] == f"step 2, loss: L = {format_number(run.losses[2], 4)}"
    assert page.locator("#slider").input_value() == "3"


def test_a_diverging_step_shows_its_real_numbers(opened: Opened) -> None:
    w = Value(1.0, "w")
    run = record([w], progress=False)
    loss = w * w
    loss.backward()
    w.data -= 1e200 * w.grad  # -2e200: float32 would show inf
    run.step(loss)
    page = opened.load(run.page().html)
    assert page.locator("#p-after").text_content() == "-2e+200"
    page.click("#phases button[data-phase=update]")
    assert "1 - 1e+200 * (2) = -2e+200" in (page.locator("#narration").text_content() or "")
