"""The explorer page in a real browser: Debian's Chromium driven headless by Playwright.

Every number the page shows is compared with the engine's; the page's JavaScript (generated from
the op table) is compared with Python on every op; no request leaves the page. Screenshots go
to out/. Chromium missing is a failure, never a skip: `make test` installs it.
"""

from __future__ import annotations

import math
import random
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Value, explore
from autograd_mini._drawing import format_number
from autograd_mini.graph import forward_order, node_names
from autograd_mini.ops import OPS
from tests.browser import Opened
from tests.helpers import ROOT
from tests.strategies import apply

pytestmark = pytest.mark.browser

OUT = ROOT / "out"


@pytest.fixture
def opened(browser: Any) -> Iterator[Opened]:
    tab = Opened(browser)
    yield tab
    tab.close(no_requests=False)  # the request tests read tab.requests themselves


def neuron(x: float = 2.0, w: float = -3.0, b: float = 6.88) -> Value:
    xv, wv, bv = Value(x, "x"), Value(w, "w"), Value(b, "b")
    out = (xv * wv + bv).tanh()
    out.label = "out"
    return out


# The texts of the drawing shown (of its LR and TB layouts), each in full: one too long for its
# box is drawn shortened, its whole text kept as $full (test_viewport_in_browser.py checks that).
SHOWN = """() => {
  const boxes = {}, edges = [];
  const texts = g => [...g.querySelectorAll('text')].map(t => t.$full ?? t.textContent);
  const svg = [...document.querySelectorAll('#graph svg')].find(s => s.getClientRects().length);
  for (const g of svg.querySelectorAll('g.node'))
    boxes[g.querySelector('title').textContent] = texts(g);
  for (const g of svg.querySelectorAll('g.edge'))
    edges.push([g.querySelector('title').textContent, texts(g)]);
  return {boxes, edges};
}"""


def assert_page_shows_the_engine(page: Any, root: Value, seed: float = 1.0) -> None:
    """Every value's data and gradient, every edge's ∂z/∂x and product, as root.backward(seed) has them."""
    root.backward(seed)
    shown = page.evaluate(SHOWN)
    order = forward_order(root)
    names = node_names(root)
    loss = names[root] if seed == 1.0 else "L"  # with another seed the root is not the loss
    index = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(order):
        texts = shown["boxes"][f"v{i}"]
        assert f"data {format_number(node.data)}" in texts
        grad = next(t for t in texts if t.startswith(f"d{loss}/d{names[node]} ="))
        ending = f"= {format_number(node.grad)}" + (" (seed)" if node is root else "")
        assert grad.endswith(ending), (grad, ending)
    edges: dict[str, list[list[str]]] = {}
    for title, texts in shown["edges"]:
        edges.setdefault(title, []).append(texts)
    for z in order:
        for parent, local in zip(z.parents, z.local_grads, strict=True):
            texts = edges[f"v{index[parent]}->v{index[z]}_op"].pop(0)  # a + a: two edges, in order
            assert f"∂{names[z]}/∂{names[parent]} = {format_number(local)}" in texts
            product = format_number(z.grad * local)
            assert any(t.startswith(f"d{loss}/d{names[z]} ·") and t.endswith(f"= {product}") for t in texts)


def test_stepping_through_shows_each_step_and_ends_on_the_engines_numbers(opened: Opened) -> None:
    page = opened.load(explore(neuron()).html)
    steps = page.evaluate("explorer.steps")
    assert steps == 1 + 3 + 1 + 3 + 1  # inputs, 3 ops forward, seed, 3 ops backward, done
    narration = []
    page.click("#narration")
    for position in range(1, steps):
        page.keyboard.press("ArrowRight")
        assert page.evaluate("explorer.position()") == position
        narration.append(page.inner_text("#narration"))
        if position == 1:
            page.screenshot(path=str(OUT / "explorer_forward.png"))
    assert narration[0] == "t1 = x · w = 2 · (-3) = -6; ∂t1/∂x = -3, ∂t1/∂w = 2"
    assert narration[3].startswith("Backward: seed dout/dout = 1")
    assert narration[-2] == "t1 = x · w: x.grad += 0.501 · (-3) = -1.503; w.grad += 0.501 · 2 = 1.002"
    assert "x.grad = -1.503, w.grad = 1.002, b.grad = 0.501" in narration[-1]
    assert [li.strip() for li in page.inner_text("#order").splitlines() if li.strip()][:4] == [
        "inputs",
        "t1 = x · w",
        "t2 = t1 + b",
        "out = tanh(t2)",
    ]
    page.screenshot(path=str(OUT / "explorer_done.png"))
    assert_page_shows_the_engine(page, neuron())
    page.keyboard.press("ArrowLeft")  # back: t1 has not passed its gradient on yet
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("explorer.position()") == steps - 3
    texts = page.evaluate(SHOWN)["boxes"]["v0"]
    assert "dout/dx = 0 so far" in texts
    page.keyboard.press("End")
    assert_page_shows_the_engine(page, neuron())


def test_controls_step_play_and_reset(opened: Opened) -> None:
    page = opened.load(explore(neuron()).html)
    page.click("#forward")
    page.click("#forward")
    page.click("#back")
    assert page.evaluate("explorer.position()") == 1
    page.evaluate("explorer.go(6)")
    page.click("#play")
    for _ in range(200):  # the page's policy forbids eval, so no wait_for_function: poll
        if page.evaluate("explorer.position()") == 8:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("explorer.position()") == 8
    assert page.inner_text("#play").endswith("play")  # stopped by itself at the end
    page.click("#reset")
    assert page.evaluate("explorer.position()") == 0
    assert page.evaluate(SHOWN)["boxes"]["v2"][1] == "data ?"  # t1 not yet computed


def test_fan_out_accumulates_visibly(opened: Opened) -> None:
    x = Value(3.0, "x")
    y = x * x + x
    y.label = "y"
    page = opened.load(explore(y).html)
    page.evaluate("explorer.go(explorer.steps - 1)")
    grad = next(t for t in page.evaluate(SHOWN)["boxes"]["v0"] if t.startswith("dy/dx"))
    assert re.fullmatch(r"dy/dx = \S+ \+ \S+ \+ \S+ = 7", grad), grad
    assert_page_shows_the_engine(page, y)


def test_editing_a_leaf_recomputes_both_passes(opened: Opened) -> None:
    page = opened.load(explore(neuron()).html)
    page.fill("input[aria-label=x]", "-1.5")
    page.press("input[aria-label=x]", "Enter")
    page.fill("input[aria-label=b]", "0.25e1")
    page.press("input[aria-label=b]", "Enter")
    assert page.inner_text("#error") == ""
    page.evaluate("explorer.go(explorer.steps - 1)")
    assert_page_shows_the_engine(page, neuron(x=-1.5, b=2.5))
    page.screenshot(path=str(OUT / "explorer_edited.png"))


def test_a_non_number_is_refused_and_the_value_kept(opened: Opened) -> None:
    page = opened.load(explore(neuron()).html)
    page.fill("input[aria-label=w]", "abc")
    page.press("input[aria-label=w]", "Enter")
    assert page.inner_text("#error") == 'w: "abc" is not a number; kept -3.0'
    assert page.input_value("input[aria-label=w]") == "-3.0"
    page.evaluate("explorer.go(explorer.steps - 1)")
    assert_page_shows_the_engine(page, neuron())


def x_times_y() -> Value:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    return z


def test_the_backward_half_starts_from_the_seed_backward_used(opened: Opened) -> None:
    z = x_times_y()
    z.backward(2.0)  # dL/dz = 2 arrives from above
    page = opened.load(explore(z).html)
    page.evaluate("explorer.go(2)")
    assert page.inner_text("#narration").startswith("Backward: seed dL/dz = 2 at the root")
    assert "seed dL/dz = 2" in page.inner_text("#order")  # dz/dz is 1: the seed is dL/dz
    page.keyboard.press("End")
    assert page.inner_text("#narration") == "Done: x.grad = -8, y.grad = 6 (what z.backward(2.0) gives)."
    assert_page_shows_the_engine(page, x_times_y(), 2.0)
    page.fill("input[aria-label=x]", "1")  # an edit keeps the seed
    page.press("input[aria-label=x]", "Enter")
    assert page.inner_text("#narration") == "Done: x.grad = -8, y.grad = 2 (what z.backward(2.0) gives)."
    page.click("#why")
    page.keyboard.press("End")
    assert page.evaluate("explorer.why()")["topo"][:2] == [-8.0, 2.0]
    assert [row.split("\t")[2] for row in page.inner_text("#whytable tbody").splitlines()] == ["-8", "2", "2"]


def test_an_explicit_seed_wins(opened: Opened) -> None:
    z = x_times_y()
    z.backward(2.0)
    page = opened.load(explore(z, grad=3.0).html)
    page.keyboard.press("End")
    assert page.inner_text("#narration") == "Done: x.grad = -12, y.grad = 9 (what z.backward(3.0) gives)."
    assert_page_shows_the_engine(page, x_times_y(), 3.0)


def test_the_seed_is_editable_and_reruns_the_backward_half(opened: Opened) -> None:
    z = x_times_y()
    z.backward(2.0)
    page = opened.load(explore(z).html)
    assert page.input_value("input[aria-label=seed]") == "2.0"
    page.fill("input[aria-label=seed]", "3")
    page.press("input[aria-label=seed]", "Enter")
    assert page.inner_text("#error") == ""
    assert "seed dL/dz = 3" in page.inner_text("#order")
    page.click("#narration")  # out of the input, whose keys are its own
    page.keyboard.press("End")
    assert page.inner_text("#narration") == "Done: x.grad = -12, y.grad = 9 (what z.backward(3.0) gives)."
    assert_page_shows_the_engine(page, x_times_y(), 3.0)
    assert "seed dL/dz = 3" in page.evaluate(SHOWN)["boxes"]["seed"]
    page.fill("input[aria-label=seed]", "inf")
    page.press("input[aria-label=seed]", "Enter")
    assert page.inner_text("#error") == 'dL/dz (the seed): "inf" is not a finite number; kept 3.0'
    assert page.input_value("input[aria-label=seed]") == "3.0"
    page.click("#why")
    page.keyboard.press("End")
    rows = [row.split("\t") for row in page.inner_text("#whytable tbody").splitlines()]
    assert rows[0] == ["x", "-12", "-12", "—"]  # backward() ran with another seed


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity", "1e400", "-1e309"])
def test_a_non_finite_edit_is_refused_as_the_command_line_refuses_it(opened: Opened, text: str) -> None:
    page = opened.load(explore(neuron()).html)
    page.fill("input[aria-label=x]", text)
    page.press("input[aria-label=x]", "Enter")
    assert page.inner_text("#error") == f'x: "{text}" is not a finite number; kept 2.0'
    assert page.input_value("input[aria-label=x]") == "2.0"
    page.evaluate("explorer.go(explorer.steps - 1)")
    assert_page_shows_the_engine(page, neuron())


def test_a_domain_error_shows_in_the_engines_words(opened: Opened) -> None:
    x = Value(2.0, "x")
    root = (x * 3.0).log()
    page = opened.load(explore(root).html)
    page.fill("input[aria-label=x]", "-1")
    page.press("input[aria-label=x]", "Enter")
    with pytest.raises(ValueError) as caught:
        (Value(-1.0) * 3.0).log()
    assert page.inner_text("#error") == f"ValueError: {caught.value} (kept x = 2.0)"
    assert page.input_value("input[aria-label=x]") == "2.0"


@pytest.mark.parametrize("log_first", [True, False])
def test_of_several_failing_ops_the_page_names_the_first_in_its_forward_order(
    opened: Opened, log_first: bool
) -> None:
    x = Value(1.0, "x")
    reciprocal, logarithm = 1.0 / x, x.log()
    root = logarithm + reciprocal if log_first else reciprocal + logarithm
    page = opened.load(explore(root).html)
    page.fill("input[aria-label=x]", "0")
    page.press("input[aria-label=x]", "Enter")
    first = next(node for node in forward_order(root) if node is reciprocal or node is logarithm)
    with pytest.raises((ValueError, ZeroDivisionError)) as caught:
        (1.0 / Value(0.0)) if first is reciprocal else Value(0.0).log()
    assert page.inner_text("#error") == f"{caught.type.__name__}: {caught.value} (kept x = 1.0)"


def test_why_a_topological_order(opened: Opened) -> None:
    a = Value(1.0, "a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    page = opened.load(explore(c).html)
    page.click("#why")
    assert page.is_visible("#whypanel")
    for _ in range(5):  # the naive recursion's 3 steps, then the topological order's 2
        page.click("#forward")
    result = page.evaluate("explorer.why()")
    c.backward()
    assert result["topo"][0] == a.grad == 4.0
    assert result["naive"][0] == 8.0
    assert result["wrong"] == 2  # the third naive step: b passes its gradient on again
    rows = [row.split("\t") for row in page.inner_text("#whytable tbody").splitlines()]
    assert rows[0] == ["a", "8", "4", "4"]
    assert page.inner_text("#verdict").startswith(
        "Naive recursion goes wrong at step 3: a.grad = 8 instead of 4"
    )
    assert "reached again by another path" in page.inner_text("#naive")
    page.screenshot(path=str(OUT / "explorer_why.png"), full_page=True)
    page.click("#why")
    assert not page.is_visible("#whypanel")


def test_without_reuse_naive_recursion_agrees(opened: Opened) -> None:
    page = opened.load(explore(neuron(), why=True).html)
    page.keyboard.press("End")
    assert page.evaluate("explorer.why()")["wrong"] == -1
    assert "happens to agree" in page.inner_text("#verdict")


def test_no_request_leaves_the_page(opened: Opened, tmp_path: Path) -> None:
    path = explore(neuron(), why=False).save(tmp_path / "page.html")
    opened.own_file = path.as_uri()
    page = opened.context.new_page()
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(path.as_uri())
    page.keyboard.press("End")
    page.click("#why")
    page.fill("input[aria-label=x]", "1")
    page.press("input[aria-label=x]", "Enter")
    assert seen == [path.as_uri()]  # the file itself, nothing else
    assert opened.requests == []
    control = opened.load('<img src="http://example.invalid/x.png">')  # the recorder does record
    control.wait_for_timeout(100)
    assert opened.requests == ["http://example.invalid/x.png"]


def test_a_hostile_label_shows_as_text(opened: Opened) -> None:
    hostile = "</script><script>alert(1)</script>"
    x = Value(2.0, hostile)
    page = opened.load(explore(x * 3.0).html)
    page.evaluate("explorer.go(explorer.steps - 1)")
    assert hostile in "".join(page.evaluate(SHOWN)["boxes"]["v0"])
    assert hostile in page.inner_text("#leaves")
    assert page.evaluate("document.querySelectorAll('script').length") == 4  # data, op table, view.js, page


def test_the_notebook_iframe_works(opened: Opened) -> None:
    page = opened.load(explore(neuron())._repr_html_())
    frame = page.frames[1]
    frame.wait_for_load_state()
    assert frame.evaluate("explorer.steps") == 9
    frame.evaluate("explorer.go(explorer.steps - 1)")
    assert "x.grad = -1.503" in frame.inner_text("#narration")


# ---- the generated JavaScript against Python, op by op --------------------------------------


def every_op_root() -> Value:
    """One graph using every op of the table, so the page carries the whole table."""
    x, y = Value(0.3, "x"), Value(0.7, "y")
    terms = [apply(name, x, y) if OPS[name].arity == 2 else apply(name, x) for name in OPS]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


SPECIALS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.0,
    3.0,
    -2.0,
    1e-300,
    700.0,
    -710.0,
    1e308,
    math.inf,
    -math.inf,
]
SPECIALS.append(math.nan)


def random_number(rng: random.Random) -> float:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.uniform(-3.0, 3.0)
    if kind == 1:
        return rng.choice((-1, 1)) * 10 ** rng.uniform(-8, 3)
    if kind == 2:
        return float(rng.randint(-5, 5))
    if kind == 3:
        return rng.uniform(-1.0, 1.0)
    return rng.choice(SPECIALS)


def python_result(name: str, x: float, y: float, y_is_value: bool) -> dict[str, Any]:
    operands = (Value(x), Value(y) if y_is_value else y)[: OPS[name].arity]
    try:
        node = apply(name, *operands)
    except (ValueError, ArithmeticError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"out": node.data, "locals": list(node.local_grads)}


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def test_every_op_in_the_page_equals_python(opened: Opened) -> None:
    page = opened.load(explore(every_op_root(), max_nodes=None).html)
    rng = random.Random(12)
    cases = []
    for name in OPS:
        for _ in range(150):
            cases.append((name, random_number(rng), random_number(rng), rng.random() < 0.7))
    got = page.evaluate(
        """cases => cases.map(([name, x, y, yValue]) => {
             const arity = OPS[name].names.length, xs = [x, y].slice(0, arity);
             try { const r = explorer.runOp(name, xs, [true, yValue].slice(0, arity)); return r; }
             catch (e) { return {error: e.pyType + ": " + e.message}; }
           })""",
        cases,
    )
    assert sorted(page.evaluate("Object.keys(OPS)")) == sorted(OPS)
    failures = []
    for (name, x, y, y_is_value), page_result in zip(cases, got, strict=True):
        expected = python_result(name, x, y, y_is_value)
        if "error" in expected or "error" in page_result:
            same = expected.get("error") == page_result.get("error")
        else:
            same = close(expected["out"], page_result["out"]) and all(
                close(a, b) for a, b in zip(expected["locals"], page_result["locals"], strict=True)
            )
        if not same:
            failures.append((name, x, y, y_is_value, expected, page_result))
    assert failures == [], failures[:5]
    covered = {name for name, *_ in cases}
    assert covered == set(OPS)


def test_numbers_are_formatted_as_python_formats_them(opened: Opened) -> None:
    page = opened.load(explore(neuron()).html)
    rng = random.Random(5)
    values = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(300)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(300)] + SPECIALS + [0.125, 2.5, 1.0625, 9.9995, 99999.5]
    cases = [(v, rng.randint(1, 17)) for v in values] + [(v, 4) for v in values]
    got = page.evaluate("cases => cases.map(([v, d]) => [explorer.fmtG(v, d), explorer.pyRepr(v)])", cases)
    expected = [[format_number(v, d), repr(v)] for v, d in cases]
    mismatches = [(c, g, e) for c, g, e in zip(cases, got, expected, strict=True) if g != e]
    assert mismatches == [], mismatches[:5]


def test_readme_screenshot_of_the_lecture_neuron(opened: Opened) -> None:
    """out/explorer.png: the README's picture (docs/images/explorer.png is a copy of it)."""
    from autograd_mini.demos.explorer_pages import pages

    root, _ = pages()["explorer_neuron"]
    page = opened.load(explore(root, rankdir="TB", title="backward explorer: the lecture's neuron").html)
    page.set_viewport_size({"width": 1280, "height": 820})
    steps = page.evaluate("explorer.steps")
    page.evaluate(f"explorer.go({steps - 3})")  # the backward pass, two steps before the end
    assert page.inner_text("#narration") == "t2 = x2 · w2: x2.grad += 0.5 · 1 = 0.5; w2.grad += 0.5 · 0 = 0"
    page.screenshot(path=str(OUT / "explorer.png"))


CURRENT_IN_VIEW = """() => {
  const pane = document.querySelector('#graph').getBoundingClientRect();
  const shown = [...document.querySelectorAll('#graph svg g.current')].map(g => g.getBoundingClientRect());
  return shown.length === 0 ? null : shown.some(r =>
    r.left >= pane.left - 1 && r.right <= pane.right + 1 &&
    r.top >= pane.top - 1 && r.bottom <= pane.bottom + 1);
}"""


def test_the_current_node_is_scrolled_into_view_in_a_narrow_window(opened: Opened) -> None:
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    o = (x1 * w1 + x2 * w2 + Value(6.8813735870195432, "b")).tanh()
    o.label = "o"
    page = opened.load(explore(o).html)
    page.set_viewport_size({"width": 900, "height": 700})
    steps = page.evaluate("explorer.steps")
    checked = 0
    for s in range(steps):
        page.evaluate(f"explorer.go({s})")
        in_view = page.evaluate(CURRENT_IN_VIEW)
        if in_view is not None:
            assert in_view, f"step {s}: the current node is outside the drawing's pane"
            checked += 1
    assert checked >= 10
