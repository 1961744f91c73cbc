"""The explorer's view measured in a real browser (Debian's Chromium, headless, via Playwright).

At the widths learners use (800, 1280 and 1920 px, and inline in a notebook's 720 px iframe) the
page opens with every node inside the drawing's pane, and every text of the drawing is rendered
at 9 px or more, for the Quick start's graph and the lecture's neuron. A 2-4-4-1 MLP's drawing
(105 values) cannot be both whole and readable at any of these widths: it opens whole, and one
"fit" makes its text readable around the current step. Also here: the legend, nothing of the
backward half before it starts, the why mode's drawing, edited texts that fit their boxes,
zoom and pan. Screenshots go to out/viewport_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from autograd_mini import Value, explore
from autograd_mini._drawing import ROLES
from autograd_mini.demos.chain_rule import lecture_neuron
from autograd_mini.nn import MLP
from tests.explorer.test_in_browser import OUT, Opened, opened

pytestmark = pytest.mark.browser
__all__ = ["opened"]  # the fixture, shared with test_in_browser (browser: conftest)

MIN_TEXT_PX = 9.0
SHOWN_SVG = "[...document.querySelectorAll('#graph svg')].find(s => s.getClientRects().length)"
WIDTHS = {800: 700, 1280: 800, 1920: 1080}  # window width -> height, px


def load_at(tab: Opened, page_html: str, width: int, height: int) -> Any:
    """The page opened in a window of width x height px (as Opened.load, which opens at 1400 x 800)."""
    page = tab.context.new_page()
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": width, "height": height})
    page.set_content(page_html)
    return page


def extents(page_html: str) -> list[tuple[float, float]]:
    """Width and height of each layout of the op-level drawing, in drawing units (Graphviz's viewBox)."""
    pattern = r'<svg data-drawing="full" [^>]*viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"'
    boxes = re.findall(pattern, page_html)
    return [(float(w), float(h)) for w, h in boxes]


def quick_start() -> Value:
    """`autograd-mini explore "tanh(x*w + b)" --at x=2 w=-3 b=6.88`'s graph, with its names."""
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    out = (x * w + b).tanh()
    out.label = "out"
    return out


def mlp_loss() -> tuple[Value, MLP]:
    """A 2-4-4-1 MLP (tanh) on one sample, squared-error loss: 105 values."""
    model = MLP(2, [4, 4, 1], activation="tanh", output_activation="tanh")
    prediction = model([Value(1.0, "x1"), Value(-2.0, "x2")])
    assert isinstance(prediction, Value)
    loss = (prediction - 0.5) ** 2
    loss.label = "L"
    return loss, model


# Every node and edge of the shown drawing against the visible part of the pane (the side panel
# can lie over it), and every non-empty visible text's size on screen: its font size times the
# scale from its coordinates to the screen's (and its box's height, which is at least that).
MEASURE = """() => {
  const pane = document.querySelector('#graph').getBoundingClientRect();
  const side = document.querySelector('aside'), sideBox = side.getBoundingClientRect();
  const right = side.getClientRects().length && sideBox.left < pane.right ? sideBox.left : pane.right;
  const shown = [...document.querySelectorAll('#graph svg')].filter(s => s.getClientRects().length);
  const svg = shown[0];
  const outside = [], texts = [];
  for (const g of svg.querySelectorAll('g.node, g.edge')) {
    const r = g.getBoundingClientRect();
    if (r.left < pane.left - 0.5 || r.right > right + 0.5 ||
        r.top < pane.top - 0.5 || r.bottom > pane.bottom + 0.5)
      outside.push(g.querySelector('title').textContent);
  }
  for (const t of svg.querySelectorAll('text')) {
    const style = getComputedStyle(t);
    if (!t.textContent.trim() || style.visibility === 'hidden') continue;
    texts.push(Math.min(parseFloat(style.fontSize) * t.getScreenCTM().a, t.getBoundingClientRect().height));
  }
  return {shown: shown.length, rankdir: svg.dataset.rankdir, outside, texts: texts.length,
          minText: Math.min(...texts), nodes: svg.querySelectorAll('g.node').length,
          pane: [pane.left, pane.top, right, pane.bottom], window: [innerWidth, innerHeight]};
}"""


def measure(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(MEASURE)
    left, top, right, bottom = result["pane"]
    width, height = result["window"]
    assert result["shown"] == 1, "exactly one drawing is shown"
    assert left >= 0 and right <= width and top >= 0 and bottom <= height, "the pane lies inside the window"
    assert right - left > 0.6 * width, f"the drawing has {right - left:.0f} of {width} px"
    return result


def graphs() -> dict[str, tuple[Value, Any]]:
    return {"quick_start": (quick_start(), None), "neuron": (lecture_neuron(), None)}


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("name", ["quick_start", "neuron"])
def test_the_whole_graph_is_readable_at_load(opened: Opened, name: str, width: int) -> None:
    root, parameters = graphs()[name]
    page = load_at(opened, explore(root, parameters=parameters).html, width, WIDTHS[width])
    result = measure(page)
    page.screenshot(path=str(OUT / f"viewport_{name}_{width}.png"))
    assert result["outside"] == [], result
    assert result["texts"] >= result["nodes"], result
    assert result["minText"] >= MIN_TEXT_PX, result
    for step in range(1, page.evaluate("explorer.steps")):  # and at every step, bold edges and all
        page.evaluate(f"explorer.go({step})")
        result = measure(page)
        assert result["outside"] == [] and result["minText"] >= MIN_TEXT_PX, (step, result)
    assert page.evaluate("explorer.view()")["mode"] == "whole"  # nothing had to pan


def frame_in_a_notebook(opened: Opened, page_html: str) -> Any:
    """The page as a notebook shows it (_repr_html_: an iframe 100% wide, 720 px high) in a 900 px column."""
    host = opened.load(f'<div style="width:900px;margin:20px">{page_html}</div>')
    host.set_viewport_size({"width": 1280, "height": 900})
    frame = host.frames[1]
    frame.wait_for_load_state()
    host.wait_for_timeout(100)
    return host, frame


@pytest.mark.parametrize("name", ["quick_start", "neuron"])
def test_the_whole_graph_is_readable_inline_in_a_notebook(opened: Opened, name: str) -> None:
    root, parameters = graphs()[name]
    host, frame = frame_in_a_notebook(opened, explore(root, parameters=parameters)._repr_html_())
    assert frame.evaluate("[innerWidth, innerHeight]") == [900, 720]
    result = measure(frame)
    host.screenshot(path=str(OUT / f"viewport_{name}_notebook.png"))
    assert result["outside"] == [] and result["minText"] >= MIN_TEXT_PX, result


def test_the_mlp_in_a_notebook_opens_whole_and_one_fit_makes_it_readable(opened: Opened) -> None:
    loss, model = mlp_loss()
    host, frame = frame_in_a_notebook(opened, explore(loss, parameters=model, fold=False)._repr_html_())
    whole = measure(frame)
    assert whole["outside"] == [] and whole["minText"] < MIN_TEXT_PX, whole  # too big to be both
    frame.evaluate("explorer.go(40)")
    frame.click("#fit")
    assert measure(frame)["minText"] >= MIN_TEXT_PX
    assert frame.evaluate(CURRENT_INSIDE)
    host.screenshot(path=str(OUT / "viewport_mlp_notebook_fit.png"))


def test_the_layout_direction_follows_the_window(opened: Opened) -> None:
    page = load_at(opened, explore(quick_start()).html, 800, 700)
    assert page.evaluate("document.querySelectorAll('#graph svg').length") == 2  # LR and TB
    assert measure(page)["rankdir"] == "TB"  # 2,000 units wide left to right: TB is larger here
    page.set_viewport_size({"width": 3000, "height": 500})
    page.wait_for_timeout(100)  # a resized whole view is refitted, its direction chosen again
    wide = measure(page)
    assert wide["rankdir"] == "LR" and wide["outside"] == [] and wide["minText"] >= MIN_TEXT_PX, wide
    for rankdir in ("LR", "TB"):  # a direction asked for is the only one
        fixed = opened.load(explore(quick_start(), rankdir=rankdir).html)
        assert fixed.evaluate("[...document.querySelectorAll('#graph svg')].map(s => s.dataset.rankdir)") == [
            rankdir
        ]


MLP_WIDTHS = [800, 1280, 1920]


@pytest.mark.parametrize("width", MLP_WIDTHS)
def test_the_mlp_opens_whole_and_one_fit_makes_it_readable(opened: Opened, width: int) -> None:
    """The 2-4-4-1 MLP does NOT fit at 9 px: whole at load, readable after one "fit" (measured)."""
    loss, model = mlp_loss()
    page_html = explore(loss, parameters=model, fold=False).html
    page = load_at(opened, page_html, width, WIDTHS[width])
    result = measure(page)
    assert result["nodes"] > 100
    assert result["outside"] == [], result["outside"]
    # Neither layout can be whole with 12-unit text at 9 px (a scale of 0.75): too wide or too high.
    pane = page.evaluate("(p => [p.clientWidth, p.clientHeight])(document.querySelector('#graph'))")
    sizes = extents(page_html)
    assert len(sizes) == 2 and all(w * 0.75 > pane[0] or h * 0.75 > pane[1] for w, h in sizes), (sizes, pane)
    assert result["minText"] < MIN_TEXT_PX, "it fits after all: make this test the readable one"
    assert "text too small" in page.inner_text("#zoom")
    page.screenshot(path=str(OUT / f"viewport_mlp_{width}_whole.png"))
    page.evaluate("explorer.go(40)")
    page.click("#fit")
    fitted = measure(page)
    assert fitted["minText"] >= MIN_TEXT_PX, fitted
    assert page.evaluate(CURRENT_INSIDE), "fit centres the current step"
    page.screenshot(path=str(OUT / f"viewport_mlp_{width}_fit.png"))
    for step in range(41, 60):  # stepping on pans along, at readable size
        page.evaluate(f"explorer.go({step})")
        assert page.evaluate(CURRENT_INSIDE), step
    assert measure(page)["minText"] >= MIN_TEXT_PX


CURRENT_INSIDE = """() => {
  const pane = document.querySelector('#graph').getBoundingClientRect();
  const current = [...document.querySelectorAll('#graph svg g.current')]
    .filter(g => g.getClientRects().length);
  return current.length > 0 && current.every(g => { const r = g.getBoundingClientRect();
    return r.left >= pane.left && r.right <= pane.right && r.top >= pane.top && r.bottom <= pane.bottom; });
}"""


def test_fit_shows_a_readable_graph_whole(opened: Opened) -> None:
    page = load_at(opened, explore(lecture_neuron()).html, 1280, 800)
    whole = page.evaluate("explorer.view()")
    page.click("#zoomin")
    page.click("#zoomin")
    assert page.evaluate("explorer.view()")["scale"] > whole["scale"]
    page.click("#fit")
    assert page.evaluate("explorer.view()") == whole  # readable whole: fit is the whole graph


def test_wheel_zooms_at_the_pointer_and_drag_pans(opened: Opened) -> None:
    page = load_at(opened, explore(lecture_neuron()).html, 1280, 800)
    box = page.locator("#graph").bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4
    point = f"""() => {{ const svg = {SHOWN_SVG};
      const p = new DOMPoint({x}, {y}).matrixTransform(svg.getScreenCTM().inverse()); return [p.x, p.y]; }}"""
    before, under = page.evaluate("explorer.view()"), page.evaluate(point)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(100)
    after = page.evaluate("explorer.view()")
    assert after["scale"] > 1.5 * before["scale"] and after["mode"] == "free"
    assert page.evaluate(point) == pytest.approx(under, abs=0.5)  # the point under the pointer stays
    page.mouse.down()
    page.mouse.move(x + 100, y + 50, steps=5)
    page.mouse.up()
    panned = page.evaluate("explorer.view()")
    assert panned["cx"] == pytest.approx(after["cx"] - 100 / after["scale"], abs=0.5)
    assert panned["cy"] == pytest.approx(after["cy"] - 50 / after["scale"], abs=0.5)
    page.click("#whole")
    assert page.evaluate("explorer.view()") == before
    page.mouse.move(x, y)
    page.keyboard.down("Control")  # a trackpad's pinch arrives as a wheel with ctrlKey
    page.mouse.wheel(0, -40)
    page.keyboard.up("Control")
    page.wait_for_timeout(100)
    assert page.evaluate("explorer.view()")["scale"] > 1.4 * before["scale"]


def test_the_side_panel_collapses_and_lies_over_a_narrow_drawing(opened: Opened) -> None:
    page = load_at(opened, explore(lecture_neuron()).html, 1280, 800)
    assert page.is_visible("aside")  # wide: open at load, beside the drawing
    scale = page.evaluate("explorer.view()")["scale"]
    page.click("#panel")
    assert not page.is_visible("aside")
    page.wait_for_timeout(100)
    assert page.evaluate("explorer.view()")["scale"] > scale  # the whole graph refitted, larger
    narrow = load_at(opened, explore(lecture_neuron()).html, 800, 700)
    assert not narrow.is_visible("aside")  # narrow: closed at load
    scale = narrow.evaluate("explorer.view()")["scale"]
    narrow.click("#panel")
    assert narrow.is_visible("#leaves input")
    narrow.wait_for_timeout(100)
    assert narrow.evaluate("explorer.view()")["scale"] == scale  # over the drawing: no refit
    narrow.screenshot(path=str(OUT / "viewport_panel_800.png"))
    beside_the_panel = """() => {
      const side = document.querySelector('aside').getBoundingClientRect();
      const current = [...document.querySelectorAll('#graph svg g.current')]
        .filter(g => g.getClientRects().length);
      return current.length > 0 && current.every(g => g.getBoundingClientRect().right <= side.left); }"""
    for step in range(1, narrow.evaluate("explorer.steps") - 1):  # stepping pans clear of the open panel
        narrow.evaluate(f"explorer.go({step})")
        assert narrow.evaluate(beside_the_panel), step


def test_the_legend_speaks_the_drawings_colours(opened: Opened) -> None:
    loss, model = mlp_loss()
    page = opened.load(explore(loss, parameters=model, fold=False).html)
    legend = page.inner_text("#legend")
    for role, (_, words) in ROLES.items():
        assert words in legend, role
    swatches = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#legend [data-role] .swatch')].map(
             s => [s.parentElement.dataset.role, getComputedStyle(s).backgroundColor]))"""
    )
    for role, (fill, _) in ROLES.items():
        rgb = tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5))
        assert swatches[role] == f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})", role
    backward = page.evaluate("getComputedStyle(document.querySelector('#legend .backward')).color")
    assert backward == "rgb(194, 65, 12)"  # BACKWARD, #c2410c
    neuron_page = opened.load(explore(lecture_neuron()).html)
    assert not neuron_page.is_visible("#legend [data-role=parameter]")  # only the roles drawn
    assert not neuron_page.is_visible("#legend [data-role=constant]")
    assert neuron_page.is_visible("#legend [data-role=input]")


VISIBLE_BACKWARD = (
    """() => {
  const back = getComputedStyle(document.documentElement).getPropertyValue('--backward').trim();
  const svg = """
    + SHOWN_SVG
    + """;
  return [...svg.querySelectorAll('text, path, polygon')].filter(el =>
      (el.getAttribute('fill') === back || el.getAttribute('stroke') === back) &&
      getComputedStyle(el).visibility !== 'hidden' && (el.tagName !== 'text' || el.textContent.trim()))
    .map(el => el.tagName === 'text' ? el.$full || el.textContent : el.tagName);  // $full: before shortening
}"""
)


def test_nothing_of_the_backward_half_before_it_starts(opened: Opened) -> None:
    z = Value(3.0, "x") * Value(-4.0, "y")
    z.label = "z"
    z.backward(2.0)
    page = opened.load(explore(z).html)
    steps = page.evaluate("explorer.steps")  # inputs, z, seed, z passes on, done
    assert steps == 5
    for position in (0, 1):
        page.evaluate(f"explorer.go({position})")
        assert page.evaluate(VISIBLE_BACKWARD) == [], position
    page.evaluate("explorer.go(2)")  # the seed: the seed and every running gradient, no product yet
    assert sorted(page.evaluate(VISIBLE_BACKWARD)) == sorted(
        ["dL/dx = 0 so far", "dL/dy = 0 so far", "dL/dz = 2 (seed)", "seed dL/dz = 2", "path", "polygon"]
    )
    page.evaluate("explorer.go(3)")  # z passes its gradient on: both edges' lines and products
    shown = page.evaluate(VISIBLE_BACKWARD)
    assert "dL/dz · ∂z/∂x = 2 · (-4) = -8" in shown and "dL/dz · ∂z/∂y = 2 · 3 = 6" in shown
    assert shown.count("path") == 3 and shown.count("polygon") == 3  # the seed's arrow and two edges'
    page.screenshot(path=str(OUT / "viewport_backward_started.png"))


def test_nor_in_the_folded_drawing(opened: Opened) -> None:
    loss, model = mlp_loss()
    page = opened.load(explore(loss, parameters=model).html)
    assert page.evaluate("explorer.shownSvg().dataset.drawing") == "folded"
    seed = page.evaluate("explorer.steps") // 2  # start, forward steps, the seed, backward steps, done
    assert page.evaluate(f"explorer.step({seed}).kind") == "seed"
    for position in (0, 3, seed - 1):
        page.evaluate(f"explorer.go({position})")
        assert page.evaluate(VISIBLE_BACKWARD) == [], position
    page.evaluate(f"explorer.go({seed})")
    assert "seed dL/dL = 1" in page.evaluate(VISIBLE_BACKWARD)


def test_the_why_drawing_follows_the_naive_walk_then_the_topological_one(opened: Opened) -> None:
    a = Value(1.0, "a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    page = opened.load(explore(c, why=True).html)
    grads = (
        """() => { const svg = """
        + SHOWN_SVG
        + """;
      const out = {};
      for (const g of svg.querySelectorAll('g.node')) for (const t of g.querySelectorAll('text'))
        if (/^dc\\/d[abc] = /.test(t.textContent)) out[t.textContent.split(' = ')[0]] = t.textContent;
      out.current = [...svg.querySelectorAll('g.node.current title')].map(t => t.textContent)
        .filter(t => t.endsWith('_op'));
      out.wrong = [...svg.querySelectorAll('g.wrong title, text.wrong')].map(t => t.textContent);
      return out; }"""
    )
    here = "['naive', 'topo'].map(id => [...document.querySelectorAll('#' + id + ' li.here')].length)"
    seen, lists = [page.evaluate(grads)], []
    for _ in range(5):  # naive: c, b, b again; then topological: c, b
        page.click("#forward")
        seen.append(page.evaluate(grads))
        lists.append(page.evaluate(here))
    assert lists == [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]]  # the walk being drawn marks its step
    assert [s["dc/da"] for s in seen] == [
        "dc/da = 0",
        "dc/da = 0",
        "dc/da = 4",
        "dc/da = 8",  # the naive walk's wrong number, drawn
        "dc/da = 0",  # the topological walk starts again from the seed
        "dc/da = 4",
    ]
    assert [s["current"] for s in seen] == [[], ["v2_op"], ["v1_op"], ["v1_op"], ["v2_op"], ["v1_op"]]
    assert {"v1_op", "dc/da = 8"} <= set(seen[3]["wrong"])  # b passes on again; a ends wrong
    assert seen[5]["wrong"] == []
    assert page.inner_text("#narration").startswith("topological order, step 2 of 2: b = a + a")
    assert page.inner_text("#verdict").endswith("The topological order gives backward()'s numbers.")


def test_edited_texts_fit_their_boxes(opened: Opened) -> None:
    page = load_at(opened, explore(lecture_neuron(), rankdir="TB").html, 1280, 800)
    page.fill("input[aria-label=x1]", "0.000123456789")
    page.press("input[aria-label=x1]", "Enter")
    page.fill("input[aria-label=w2]", "-12345.678")
    page.press("input[aria-label=w2]", "Enter")
    page.click("#narration")
    overflowing = """() => { const out = [];
      for (const g of document.querySelectorAll('#graph svg g.node')) {
        if (!g.querySelector('polygon')) continue;  // the seed: a text alone
        const frame = [...g.querySelectorAll('polygon')].map(p => p.getBoundingClientRect())
          .reduce((a, b) => ({left: Math.min(a.left, b.left), right: Math.max(a.right, b.right)}));
        for (const t of g.querySelectorAll('text')) { const r = t.getBoundingClientRect();
          if (getComputedStyle(t).visibility !== 'hidden' && r.width && r.right > frame.right + 0.5)
            out.push(t.textContent); } }
      return out; }"""
    for step in range(page.evaluate("explorer.steps")):
        page.evaluate(f"explorer.go({step})")
        assert page.evaluate(overflowing) == [], step
    shortened = page.evaluate(
        "[...document.querySelectorAll('#graph svg text.shortened')].map(t => [t.textContent, t.$full])"
    )
    assert shortened, "some text was too long for its box"
    page.screenshot(path=str(OUT / "viewport_edited.png"))
    text = page.locator("#graph svg text.shortened").first
    text.hover()
    assert page.is_visible("#tip") and page.inner_text("#tip") == shortened[0][1]
    assert shortened[0][0] != shortened[0][1]
