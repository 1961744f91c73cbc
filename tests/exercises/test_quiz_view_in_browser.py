"""The quiz page's view measured in a real browser (Debian's Chromium, headless, via Playwright).

The quiz page shares the explorer's view (explorer_assets/view.js): both layouts, the one the window
shows larger, zoom, pan, "fit" and "whole graph". At 800 and 1280 px wide the lecture's neuron opens
with every node inside the drawing's pane and every text at 9 px or more, the questions' panel in
view (beside the drawing, below it on narrow windows). Screenshots go to out/quiz_view_*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from autograd_mini import explore
from autograd_mini.demos.chain_rule import lecture_neuron
from tests.exercises.test_quiz_in_browser import OUT, Tab, tab

pytestmark = pytest.mark.browser
__all__ = ["tab"]  # the quiz page fixture of test_quiz_in_browser

MIN_TEXT_PX = 9.0
WIDTHS = {800: 700, 1280: 800}  # window width -> height, px: as tests/explorer/test_viewport_in_browser.py

# The shown drawing's nodes and edges against the pane, and each non-empty visible text's size on
# screen: its font size times the scale from its coordinates to the screen's (at most its box's
# height). The questions' panel must not lie over the pane.
MEASURE = """() => {
  const pane = document.querySelector('#graph').getBoundingClientRect();
  const side = document.querySelector('aside').getBoundingClientRect();
  const overlap = Math.min(pane.right, side.right) - Math.max(pane.left, side.left) > 0.5
    && Math.min(pane.bottom, side.bottom) - Math.max(pane.top, side.top) > 0.5;
  const shown = [...document.querySelectorAll('#graph svg')].filter(s => s.getClientRects().length);
  const svg = shown[0], outside = [], texts = [];
  for (const g of svg.querySelectorAll('g.node, g.edge')) {
    const r = g.getBoundingClientRect();
    if (r.left < pane.left - 0.5 || r.right > pane.right + 0.5 ||
        r.top < pane.top - 0.5 || r.bottom > pane.bottom + 0.5)
      outside.push(g.querySelector('title').textContent);
  }
  for (const t of svg.querySelectorAll('text')) {
    const style = getComputedStyle(t);
    if (!t.textContent.trim() || style.visibility === 'hidden') continue;
    texts.push(Math.min(parseFloat(style.fontSize) * t.getScreenCTM().a, t.getBoundingClientRect().height));
  }
  const inWindow = el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight; };
  return {shown: shown.length, layouts: document.querySelectorAll('#graph svg').length, overlap, outside,
          texts: texts.length, minText: Math.min(...texts), nodes: svg.querySelectorAll('g.node').length,
          asking: ['#prompt', '#answer', '#check'].every(s => inWindow(document.querySelector(s))),
          pane: [pane.width, pane.height]};
}"""


def load_at(tab: Tab, width: int) -> Any:
    """The quiz on the lecture's neuron in a window of width x WIDTHS[width] px."""
    page = tab.context.new_page()
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.set_content(explore(lecture_neuron(), quiz=True).html)
    return page


def measure(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(MEASURE)
    assert result["shown"] == 1 and result["layouts"] == 2, "both layouts on the page, one shown"
    assert not result["overlap"], "the questions' panel lies beside or below the drawing, not over it"
    return result


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_quiz_opens_with_the_whole_neuron_readable(tab: Tab, width: int) -> None:
    page = load_at(tab, width)
    result = measure(page)
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"quiz_view_{width}.png"))
    print(f"quiz at {width} px: min text {result['minText']:.2f} px, pane {result['pane']}")
    assert result["outside"] == [], result
    assert result["texts"] >= result["nodes"], result
    assert result["minText"] >= MIN_TEXT_PX, result
    assert result["asking"], "the question, its input and the check button are in the window"
    assert page.evaluate("quiz.view()")["mode"] == "whole"
    for q in page.evaluate("quiz.questions('backward')"):  # answering every question pans nowhere
        page.evaluate("t => quiz.check(t)", repr(q["answer"]))
        page.evaluate("quiz.next()")
        result = measure(page)
        assert result["outside"] == [] and result["minText"] >= MIN_TEXT_PX, (q["key"], result)
    assert page.evaluate("quiz.view()")["mode"] == "whole"


def test_the_quiz_zooms_pans_and_fits(tab: Tab) -> None:
    page = load_at(tab, 1280)
    whole = page.evaluate("quiz.view()")
    page.click("#zoomin")
    page.click("#zoomin")
    zoomed = page.evaluate("quiz.view()")
    assert zoomed["scale"] == pytest.approx(whole["scale"] * 1.25**2) and zoomed["mode"] == "free"
    assert "%" in page.text_content("#zoom")
    box = page.locator("#graph").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y + 40, steps=5)
    page.mouse.up()
    panned = page.evaluate("quiz.view()")
    assert panned["cx"] == pytest.approx(zoomed["cx"] - 80 / zoomed["scale"], abs=0.5)
    assert panned["cy"] == pytest.approx(zoomed["cy"] - 40 / zoomed["scale"], abs=0.5)
    page.mouse.move(x, y)
    page.mouse.wheel(0, 300)  # the wheel zooms out at the pointer
    page.wait_for_timeout(100)
    assert page.evaluate("quiz.view()")["scale"] < panned["scale"]
    page.click("#fit")  # readable whole: fit is the whole graph
    assert page.evaluate("quiz.view()") == whole
    page.click("#zoomin")
    page.click("#whole")
    assert page.evaluate("quiz.view()") == whole
    page.click("#panel")  # the drawing takes the panel's room: refitted, larger
    assert not page.is_visible("aside")
    page.wait_for_timeout(100)
    assert page.evaluate("quiz.view()")["scale"] > whole["scale"]
    page.click("#panel")
    assert page.is_visible("#answer")


def test_fit_makes_a_small_drawing_readable_around_the_question(tab: Tab) -> None:
    page = load_at(tab, 800)
    page.evaluate("quiz.setPanel(true)")
    page.set_viewport_size({"width": 800, "height": 420})  # too low for the whole neuron to be readable
    page.wait_for_timeout(100)
    small = page.evaluate("quiz.view()")
    assert small["mode"] == "whole" and 12 * small["scale"] < MIN_TEXT_PX
    page.click("#fit")
    fitted = page.evaluate("quiz.view()")
    assert fitted["mode"] == "node" and 12 * fitted["scale"] >= MIN_TEXT_PX
    current = """() => { const p = document.querySelector('#graph').getBoundingClientRect();
      return [...document.querySelectorAll('#graph svg g.current')].filter(g => g.getClientRects().length)
        .map(g => { const r = g.getBoundingClientRect();
          return r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom; }); }"""
    assert page.evaluate(current) == [True]
