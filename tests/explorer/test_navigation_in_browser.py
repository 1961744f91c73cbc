"""Navigating the explorer at MLP scale, in Chromium: folded neurons, jumps, clicks and short names.

The lecture's MLP(3, [4, 4, 1]) (tanh throughout, autograd_mini.demos.folded_mlp) on one sample
with its squared error: every step's numbers are compared with the engine's, folded and unfolded.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from autograd_mini import Value, explore, graph, nn
from autograd_mini._drawing import format_number
from autograd_mini.demos.folded_mlp import loss
from tests.explorer.test_in_browser import OUT, SHOWN, Opened, opened

pytestmark = pytest.mark.browser
__all__ = ["opened"]  # the fixture, shared with the explorer's other browser tests (browser: conftest)

# The op-level drawing's texts (test_in_browser's SHOWN; a page with neurons has a folded drawing too).
SHOWN_OPS = SHOWN.replace(
    "[...document.querySelectorAll('#graph svg')].find(s => s.getClientRects().length)",
    "document.querySelector('#graph svg[data-drawing=full]')",  # its LR layout (both are kept up to date)
)
assert SHOWN_OPS != SHOWN
# The texts of the folded drawing's box of the value named ``name``.
FOLDED_BOX = """name => [...document.querySelectorAll('svg[data-drawing=folded] g.node')]
  .map(g => [...g.querySelectorAll('text')].map(t => t.textContent))
  .find(texts => texts[0] === name) || null"""

FOLDED_STEPS = 1 + 11 + 1 + 11 + 1  # start, 9 neurons and the loss's 2 ops forward, seed, backward, done
SINGLE_STEPS = 1 + 75 + 1 + 75 + 1  # the graph's 75 ops, one step each


def lecture() -> tuple[nn.MLP, Value, list[Value]]:
    """The model, its one-sample loss after backward(), and the graph's values in the page's order."""
    model, total = loss(1)
    return model, total, graph.view(total, model).order


def open_lecture(opened: Opened, **options: Any) -> tuple[Any, list[Value]]:
    """The lecture's page, and the graph's values in its order (explorer.names says it is the same)."""
    model, total, order = lecture()
    page = opened.load(explore(total, parameters=model, **options).html)
    assert page.evaluate("explorer.names") == [graph.view(total, model).names[v] for v in order]
    return page, order


def steps(page: Any) -> list[dict[str, Any]]:
    return [page.evaluate(f"explorer.step({k})") for k in range(page.evaluate("explorer.steps"))]


def backward_of(all_steps: list[dict[str, Any]], neuron: str) -> int:
    """The position of a folded neuron's backward step."""
    return next(
        k
        for k, st in enumerate(all_steps)
        if st["kind"] == "backward" and st["name"].startswith(neuron + ":")
    )


def assert_grads_are_the_engines(page: Any, k: int, order: list[Value], values: list[int]) -> None:
    """After step k, the page's gradient of each of ``values`` (indices) is the engine's, bit for bit."""
    grads = page.evaluate(f"explorer.gradsAt({k})")
    for i in values:
        assert grads[i] == order[i].grad, (k, i, grads[i], order[i].grad)


def done_by(all_steps: list[dict[str, Any]], k: int, order: list[Value]) -> list[int]:
    """The values whose gradient is final after step k: every op that consumes them has stepped."""
    stepped = {i for st in all_steps[: k + 1] if st["kind"] == "backward" for i in st["nodes"]}
    index = {node: i for i, node in enumerate(order)}
    consumers: dict[int, set[int]] = {}
    for z, node in enumerate(order):
        for parent in node.parents:
            consumers.setdefault(index[parent], set()).add(z)
    return [i for i in range(len(order)) if consumers.get(i) and consumers[i] <= stepped]


def test_the_lecture_mlp_steps_neuron_by_neuron_with_the_engines_numbers(opened: Opened) -> None:
    page, order = open_lecture(opened)
    names = page.evaluate("explorer.names")
    all_steps = steps(page)
    assert len(all_steps) == FOLDED_STEPS <= 30
    kinds = [st["kind"] for st in all_steps]
    assert kinds == ["start"] + ["forward"] * 11 + ["seed"] + ["backward"] * 11 + ["end"]
    neurons = [f"L{layer}.N{n}" for layer, size in enumerate([4, 4, 1]) for n in range(size)]
    assert [st["name"].split(":")[0] for st in all_steps[1:10]] == neurons
    assert [st["name"].split(":")[0] for st in all_steps[15:24]] == neurons[::-1]
    page.click("#narration")
    for k, st in enumerate(all_steps):
        if k:
            page.keyboard.press("ArrowRight")
        assert page.evaluate("explorer.position()") == k
        narration = page.inner_text("#narration")
        boxes = page.evaluate(SHOWN_OPS)["boxes"]
        if st["kind"] == "forward":  # the value the step computes, as the engine has it
            out = order[st["node"]]
            assert narration.split(";")[0].endswith(f" = {format_number(out.data)}"), narration
            assert f"data {format_number(out.data)}" in boxes[f"v{st['node']}"]
            assert f"data {format_number(out.data)}" in page.evaluate(FOLDED_BOX, names[st["node"]])
            if st["folded"]:
                assert narration.startswith(st["name"].split(":")[0] + ": t")
                assert f"= tanh({format_number(order[st['node']].parents[0].data)})" in narration
        if st["kind"] == "backward":
            assert_grads_are_the_engines(page, k, order, done_by(all_steps, k, order))
            if st["folded"]:  # each of the neuron's parameters gets its whole gradient here
                for z in st["nodes"]:
                    for parent in order[z].parents:
                        if parent.label == "" and not parent.parents:
                            assert f"= {format_number(parent.grad)}" in narration
    assert_grads_are_the_engines(page, len(all_steps) - 1, order, list(range(len(order))))
    page.screenshot(path=str(OUT / "explorer_mlp_folded_end.png"))


def test_unfolding_gives_the_single_op_steps_with_the_same_numbers(opened: Opened) -> None:
    page, order = open_lecture(opened)
    folded = steps(page)
    neuron = backward_of(folded, "L1.N2")
    members = folded[neuron]["nodes"]
    assert len(members) == 9  # 4 products, 4 sums (the bias's too), tanh
    page.evaluate(f"explorer.go({neuron})")
    before = page.evaluate(f"explorer.gradsAt({neuron})")
    page.click(f"#order li:nth-child({neuron + 1}) button.fold")  # unfold L1.N2
    unfolded = steps(page)
    assert len(unfolded) == FOLDED_STEPS + 2 * (len(members) - 1)
    first = page.evaluate("explorer.position()")
    assert unfolded[first]["nodes"] == [members[0]] and unfolded[first]["kind"] == "backward"
    assert [st["nodes"] for st in unfolded[first : first + len(members)]] == [[z] for z in members]
    assert not any(st["folded"] for st in unfolded[first : first + len(members)])
    after = first - 1 + len(members)  # the neuron's last single-op step
    assert_grads_are_the_engines(page, after, order, done_by(unfolded, after, order))
    assert page.evaluate(f"explorer.gradsAt({after})") == before  # the folded step's numbers, bit for bit
    forward = [k for k, st in enumerate(unfolded) if st["kind"] == "forward" and st["nodes"][0] in members]
    assert len(forward) == len(members)
    for k in forward:
        page.evaluate(f"explorer.go({k})")
        node = order[unfolded[k]["node"]]
        assert page.inner_text("#narration").split(";")[0].endswith(f" = {format_number(node.data)}")
        assert (
            f"data {format_number(node.data)}" in page.evaluate(SHOWN_OPS)["boxes"][f"v{unfolded[k]['node']}"]
        )
    page.click(f"#order li:nth-child({forward[0] + 1}) button.fold")  # fold it again
    assert page.evaluate("explorer.steps") == FOLDED_STEPS
    page.click("#narration")
    page.keyboard.press("u")  # unfold every neuron: one step per op
    assert page.evaluate("explorer.steps") == SINGLE_STEPS
    assert page.inner_text("#fold") == "fold neurons"
    assert_grads_are_the_engines(page, SINGLE_STEPS - 1, order, list(range(len(order))))
    page.click("#fold")
    assert page.evaluate("explorer.steps") == FOLDED_STEPS


def in_drawing(folded: bool, title: str) -> str:
    """A locator for the node titled ``title`` (v3_op) of the folded or of the op-level drawing."""
    which = "@data-drawing='folded'" if folded else "@data-drawing='full' and not(contains(@class, 'off'))"
    node = f"*[local-name()='g'][*[local-name()='title'][text()='{title}']]"
    return f"xpath=//*[local-name()='svg'][{which}]//{node}"


def test_clicking_a_drawn_node_of_a_folded_neuron_unfolds_it_and_jumps(opened: Opened) -> None:
    page, order = open_lecture(opened)
    folded = steps(page)
    l0n0 = folded[1]["nodes"]
    assert folded[1]["folded"] and len(l0n0) == 7  # w0*x0, + b, w1*x1, +, w2*x2, +, tanh
    top = l0n0[-2]  # the weighted sum, drawn folded as the neuron's table
    table = page.locator("svg[data-drawing=folded] g.node", has_text="layers.0.neurons.0")
    assert table.count() == 1
    table.click()  # unfolds L0.N0 and jumps to its sum's own step (the forward half is shown)
    position = page.evaluate("explorer.position()")
    assert page.evaluate("explorer.steps") == FOLDED_STEPS + 2 * (len(l0n0) - 1)
    assert page.evaluate(f"explorer.step({position})") | {"name": "", "title": ""} == {
        "kind": "forward",
        "node": top,
        "nodes": [top],
        "group": 0,
        "folded": False,
        "name": "",
        "title": "",
    }
    product = l0n0[0]
    assert order[product].op == "*"
    page.keyboard.press("b")
    page.evaluate(f"explorer.focusNode({product})")  # the view zooms and pans, it does not scroll
    page.locator(in_drawing(False, f"v{product}_op")).click()  # the op-level drawing is shown now
    back = page.evaluate("explorer.position()")
    assert page.evaluate(f"explorer.step({back})")["nodes"] == [product]
    assert page.evaluate(f"explorer.step({back})")["kind"] == "backward"
    weight = next(order.index(p) for p in order[product].parents)  # w0 (x0 is a number)
    page.evaluate(f"explorer.focusNode({weight})")
    page.locator(in_drawing(False, f"v{weight}")).click()  # a leaf: the last step adding to its grad
    assert page.evaluate(f"explorer.step({page.evaluate('explorer.position()')})")["nodes"] == [product]


def test_order_entries_jump_to_their_step(opened: Opened) -> None:
    page, _ = open_lecture(opened)
    for k in (7, 0, 19, FOLDED_STEPS - 1, 12):
        page.click(f"#order li:nth-child({k + 1}) span")
        assert page.evaluate("explorer.position()") == k
        assert "here" in page.get_attribute(f"#order li:nth-child({k + 1})", "class")
    page.click("#order li:nth-child(8) span")  # L1.N2 forward: a jump
    assert page.evaluate("explorer.position()") == 7 and page.evaluate("explorer.steps") == FOLDED_STEPS
    page.click("#order li:nth-child(8) span")  # the current neuron, clicked again: unfolded
    assert page.evaluate("explorer.steps") == FOLDED_STEPS + 2 * 8
    assert page.evaluate(f"explorer.step({page.evaluate('explorer.position()')})")["name"].startswith("t")


def test_the_jump_keys_and_buttons(opened: Opened) -> None:
    page, order = open_lecture(opened)
    all_steps = steps(page)
    seed = [st["kind"] for st in all_steps].index("seed")
    for button, key in (("end-forward", "e"), ("start-backward", "b"), ("next-parameter", "p")):
        assert page.get_attribute(f"#{button}", "title").endswith(f"({key})")
    page.click("#narration")
    page.keyboard.press("e")
    assert page.evaluate("explorer.position()") == seed - 1
    page.keyboard.press("Home")
    page.keyboard.press("b")
    assert page.evaluate("explorer.position()") == seed
    gives = [
        k
        for k, st in enumerate(all_steps)
        if st["kind"] == "backward" and any(not p.parents for z in st["nodes"] for p in order[z].parents)
    ]
    assert gives == list(range(seed + 3, len(all_steps) - 1))  # the 9 neurons; the loss's 2 ops give none
    visited = []
    for _ in gives:
        page.keyboard.press("p")
        visited.append(page.evaluate("explorer.position()"))
    assert visited == gives
    page.keyboard.press("p")  # no parameter after the last: it stays
    assert page.evaluate("explorer.position()") == gives[-1]
    page.evaluate("explorer.go(3)")
    page.click("#next-parameter")  # from the forward half: the first that gives a parameter
    assert page.evaluate("explorer.position()") == gives[0]
    page.click("#end-forward")
    assert page.evaluate("explorer.position()") == seed - 1
    page.click("#start-backward")
    assert page.evaluate("explorer.position()") == seed


def test_narration_uses_short_names_with_the_full_name_on_hover(opened: Opened) -> None:
    page, _ = open_lecture(opened)
    all_steps = steps(page)
    k = backward_of(all_steps, "L1.N2")
    page.evaluate(f"explorer.go({k})")
    names = page.evaluate(
        "() => [...document.querySelectorAll('#narration span.name')].map(s => [s.textContent, s.title])"
    )
    titled = dict(name for name in names if name[1])
    assert titled["L1.N2.w0"] == "layers.1.neurons.2.w.0"
    assert titled["L1.N2.b"] == "layers.1.neurons.2.b"
    assert "layers.1" not in page.inner_text("#narration")
    assert page.inner_text("#narration").startswith("L1.N2: dL/dt")
    order_entry = page.get_attribute(f"#order li:nth-child({k + 1})", "title")
    assert "layers.1.neurons.2.w.0" in order_entry
    assert "w0" in page.inner_text(f"#order li:nth-child({k + 1})")
    page.hover("#narration span.name[title='layers.1.neurons.2.w.0']")
    page.screenshot(path=str(OUT / "explorer_mlp_folded.png"))


def test_an_expression_has_no_fold_button_and_steps_as_before(opened: Opened) -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    out = (x * w).tanh()
    page = opened.load(explore(out).html)
    assert page.is_hidden("#fold")
    assert page.evaluate("explorer.steps") == 1 + 2 + 1 + 2 + 1
    page.click("#narration")
    page.keyboard.press("u")  # nothing to fold
    assert page.evaluate("explorer.steps") == 7
    page.keyboard.press("p")  # no parameters: from the forward half, nowhere to go
    assert page.evaluate("explorer.position()") == 0


FOLDED_TEXTS = "() => [...document.querySelectorAll('svg[data-drawing=folded] text')].map(t => t.textContent)"
NEURON_TEXTS = """path => {
  const tables = [...document.querySelectorAll('svg[data-drawing=folded] g.node')]
    .filter(g => [...g.querySelectorAll('text')].some(t => t.textContent === ' ' + path));
  return tables.length === 1 ? [...tables[0].querySelectorAll('text')].map(t => t.textContent) : null;
}"""
SUM = re.compile(r"(dL/d\S+) = (.+) = (\S+)")


def same_drawn_text(drawn: str, shown: str) -> bool:
    """The page writes draw_graph's texts, but a gradient's products in the order backward() adds
    them (draw_graph: in drawing order), and an edge's product without "dL/dx = " in front."""
    if drawn == shown or drawn.endswith(" = " + shown):
        return True
    a, b = SUM.fullmatch(drawn), SUM.fullmatch(shown)
    return (
        bool(a and b)
        and (a[1], a[3]) == (b[1], b[3])
        and sorted(a[2].split(" + ")) == sorted(b[2].split(" + "))
    )


def test_the_folded_drawing_follows_the_steps_and_ends_on_draw_graphs_numbers(opened: Opened) -> None:
    model, total, _ = lecture()
    page_html = explore(total, parameters=model).html
    folded_svg = page_html[page_html.index('<svg data-drawing="folded"') :]
    drawn = [
        html.unescape(t)
        for t in re.findall(r"<text[^>]*>([^<]*)</text>", folded_svg[: folded_svg.index("</svg>")])
    ]
    page = opened.load(page_html)
    visible = """[...new Set([...document.querySelectorAll('#graph svg')]
      .filter(s => s.getClientRects().length).map(s => s.dataset.drawing))]"""  # the drawings shown
    assert page.evaluate(visible) == ["folded"]  # all folded: the folded drawing
    assert page.evaluate("explorer.shownSvg().dataset.drawing") == "folded"
    all_steps = steps(page)
    names = graph.view(total, model).names
    groups = page.evaluate("explorer.groups")
    for k, st in enumerate(all_steps):
        if st["kind"] != "backward" or not st["folded"]:
            continue
        path = groups[st["group"]]["path"]  # layers.1.neurons.2
        page.evaluate(f"explorer.go({k - 1})")
        before = page.evaluate(NEURON_TEXTS, path)
        assert [t for t in before if t.startswith("dL/d")] == []  # nothing of its backward yet
        page.evaluate(f"explorer.go({k})")
        rows = [t for t in page.evaluate(NEURON_TEXTS, path) if t.startswith("dL/d")]
        own = [p for p in model.parameters() if names[p].startswith(path + ".")]
        assert len(rows) == len(own) and len(own) in (4, 5)  # w.0 ... and b, each with its gradient
        assert sorted(row.rsplit(" = ", 1)[1] for row in rows) == sorted(format_number(p.grad) for p in own)
    page.evaluate("explorer.go(explorer.steps - 1)")
    shown = page.evaluate(FOLDED_TEXTS)
    assert len(shown) == len(drawn)
    different = [(a, b) for a, b in zip(drawn, shown, strict=True) if not same_drawn_text(a, b)]
    assert different == []
    page.keyboard.press("u")
    assert page.evaluate(visible) == ["full"]  # a neuron unfolded: the op-level drawing
    assert page.evaluate("explorer.shownSvg().dataset.drawing") == "full"
    page.keyboard.press("u")
    assert page.evaluate(visible) == ["folded"]


def test_fold_false_opens_unfolded_and_the_button_folds(opened: Opened) -> None:
    page, _ = open_lecture(opened, fold=False)
    assert page.evaluate("explorer.steps") == SINGLE_STEPS
    visible = """[...new Set([...document.querySelectorAll('#graph svg')]
      .filter(s => s.getClientRects().length).map(s => s.dataset.drawing))]"""  # the drawings shown
    assert page.evaluate(visible) == ["full"]
    assert page.inner_text("#fold") == "fold neurons"
    page.click("#fold")
    assert page.evaluate("explorer.steps") == FOLDED_STEPS
    assert page.evaluate(visible) == ["folded"]


def test_an_edited_weight_reaches_every_folded_step(opened: Opened) -> None:
    page, _ = open_lecture(opened)
    names = page.evaluate("explorer.names")
    weight = names.index("layers.1.neurons.2.w.0")
    page.evaluate(f"explorer.setLeaf({weight}, '0.5')")
    model, _ = loss(1)  # the same network with that weight, through the engine
    dict(model.named_parameters())["layers.1.neurons.2.w.0"].data = 0.5
    model.zero_grad()
    total = (model([2.0, 3.0, -1.0]) - 1.0) ** 2
    total.label = "L"
    total.backward()
    rebuilt = graph.view(total, model)
    engine = rebuilt.order
    assert [rebuilt.names[node] for node in engine] == names  # the page's order
    shown = page.evaluate("explorer.numbers()")
    for i, node in enumerate(engine):
        assert shown["data"][i] == pytest.approx(node.data, rel=1e-12, abs=1e-15)
        assert shown["grad"][i] == pytest.approx(node.grad, rel=1e-12, abs=1e-15)
    neuron = backward_of(steps(page), "L1.N2")
    page.evaluate(f"explorer.go({neuron})")
    rows = [t for t in page.evaluate(NEURON_TEXTS, "layers.1.neurons.2") if t.startswith("dL/dw.0")]
    assert rows == [f"dL/dw.0 = {rows[0].split(' = ')[1]} = {format_number(engine[weight].grad)}"]
    assert page.evaluate(FOLDED_BOX, names[weight]) is None  # drawn as a row of the table, not a box


def test_start_and_done_name_the_inputs_and_count_many_parameters(opened: Opened) -> None:
    page, _ = open_lecture(opened)
    assert page.inner_text("#narration") == "Leaves: 41 parameters. Step forward (→) to compute the graph."
    page.evaluate("explorer.go(explorer.steps - 1)")
    assert (
        page.inner_text("#narration")
        == "Done: 41 parameters' gradients in the drawing (what L.backward() gives)."
    )
    xs = [Value(float(i), f"x{i}") for i in range(10)]  # many inputs, no parameters: each is named
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    page = opened.load(explore(total).html)
    page.evaluate("explorer.go(explorer.steps - 1)")
    done = page.inner_text("#narration")
    assert done.startswith("Done: x0.grad = 1, x1.grad = 1, ") and "x9.grad = 1 (what" in done
