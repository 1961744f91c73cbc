"""The quiz page (explore(root, quiz=True)) in a real browser: Debian's Chromium driven headless.

On the x,y -> z example, the lecture's neuron and a fan-out graph: every answer typed right is
marked right and fills the drawing with the engine's number; wrong answers get graded hints that
name the op of the table and the upstream gradient (and, on fan-out, that contributions add);
"show answer" gives the number; the forward half asks the values. Bad input is a message, never
an error in the page. Screenshots go to out/. Chromium missing is a failure, never a skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from autograd_mini import Value, explore
from autograd_mini._drawing import format_number
from autograd_mini._exercise_parts import parse_answer
from autograd_mini.graph import consumers, forward_order, node_names
from tests.browser import Opened
from tests.helpers import ROOT

pytestmark = pytest.mark.browser

OUT = ROOT / "out"


class Tab(Opened):
    """A quiz page in its own context (requests refused, errors and dialogs recorded)."""

    def load(self, root: Value, **options: Any) -> Any:  # a root, not HTML: its quiz page
        return super().load(explore(root, quiz=True, **options).html)


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    opened = Tab(browser)
    yield opened
    opened.close()


def xy() -> tuple[Value, float]:
    """The seeds' x,y -> z: z = x * y at x = 3, y = -4, with dL/dz = 2 arriving."""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    return z, 2.0


def lecture_neuron() -> tuple[Value, float]:
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, 1.0


def fan_out() -> tuple[Value, float]:
    """The lecture's fan-out: d = a*b, e = a + b, f = d*e at a = -2, b = 3 (a and b used twice)."""
    a, b = Value(-2.0, "a"), Value(3.0, "b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    return f, 1.0


GRAPHS: dict[str, Callable[[], tuple[Value, float]]] = {
    "xy": xy,
    "neuron": lecture_neuron,
    "fan_out": fan_out,
}

# The texts of the drawing shown (the page keeps every layout's texts the same: see LAYOUTS_AGREE).
SVG_TEXTS = "() => [...document.querySelectorAll('#graph svg:not(.off) text')].map(t => t.textContent)"
LAYOUTS_AGREE = """() => { const all = [...document.querySelectorAll('#graph svg')];
  const texts = s => [...s.querySelectorAll('text')].map(t => t.textContent).sort().join('|');
  return all.length === 2 && all.every(s => texts(s) === texts(all[0])); }"""


def wrong_number(answer: float) -> float:
    """Far outside the tolerance and no trap: not the negative, not a lone factor."""
    return answer + 0.37 * (1.0 + abs(answer)) + 0.011


def engine_numbers(root: Value, seed: float) -> dict[str, float]:
    """What root.backward(seed) gives, by the quiz's prompts: dL/dv, ∂z/∂x and the values."""
    root.backward(seed)
    names = node_names(root)
    numbers: dict[str, float] = {}
    for node in forward_order(root):
        numbers[names[node]] = node.data
        if node is not root:
            numbers[f"dL/d{names[node]}"] = node.grad
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            numbers.setdefault(f"∂{names[node]}/∂{names[parent]}", local)
    return numbers


@pytest.mark.parametrize("name", GRAPHS)
def test_right_answers_typed_in_backward_order_fill_the_drawing(tab: Tab, name: str) -> None:
    root, seed = GRAPHS[name]()
    page = tab.load(root, grad=seed)
    questions = page.evaluate("quiz.questions('backward')")
    expected = engine_numbers(root, seed)
    for q in questions:
        assert q["answer"] == pytest.approx(expected[q["prompt"].split(" (")[0]], rel=1e-12, abs=1e-15)
    assert "= ?" in " ".join(page.evaluate(SVG_TEXTS))
    for q in questions:  # typed into the form, as a learner does; rounded to 6 digits
        assert page.evaluate("quiz.current().key") == q["key"]
        if q["kind"] == "grad":  # no product dL/dt · ∂t/∂v on the drawing gives this gradient away
            products = [t for t in page.evaluate(SVG_TEXTS) if "·" in t and f"∂{q['prompt'][4:]} =" in t]
            assert products == [], products
        page.fill("#answer", f"{q['answer']:.6g}")
        page.click("#check")
    assert page.evaluate("quiz.score('backward')") == {
        "right": len(questions),
        "shown": 0,
        "total": len(questions),
    }
    texts = page.evaluate(SVG_TEXTS)
    assert not any(t.endswith("= ?") for t in texts)
    assert page.evaluate(LAYOUTS_AGREE)  # the layout not shown is filled in too
    for q in questions:
        shown = format_number(q["answer"])
        assert f"{q['prompt'].split(' (')[0]} = {shown}" in texts
    assert "All " in page.text_content("#feedback") or page.evaluate("quiz.score('backward').right") == len(
        questions
    )
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"quiz_{name}_all_right.png"), full_page=True)


@pytest.mark.parametrize("name", GRAPHS)
def test_wrong_answers_get_graded_hints_naming_the_op_and_the_upstream_gradient(tab: Tab, name: str) -> None:
    root, seed = GRAPHS[name]()
    page = tab.load(root, grad=seed)
    names = node_names(root)
    by_name = {names[node]: node for node in forward_order(root)}
    used_by = consumers(forward_order(root))
    for i, q in enumerate(page.evaluate("quiz.questions('backward')")):
        page.evaluate(f"quiz.select({i})")
        results = [page.evaluate("t => quiz.check(t)", str(wrong_number(q["answer"]))) for _ in range(3)]
        assert [r["status"] for r in results] == ["wrong"] * 3
        assert [len(r["hints"]) for r in results] == [1, 2, 3]  # one hint more per wrong try
        first, second = results[2]["hints"][0], results[2]["hints"][1]
        if q["kind"] == "grad":
            node = by_name[q["prompt"].removeprefix("dL/d")]
            users = list(dict.fromkeys(used_by[node]))
            for user in users:  # the upstream gradient of every consumer, and its op from the table
                assert f"dL/d{names[user]}" in first
                assert f"'{user.op_def.name}'" in (first if len(users) == 1 else second)
                assert user.op_def.doc in second
            if len(used_by[node]) > 1:
                assert "contributions add" in first
        else:
            node = by_name[re.match(r"∂(\S+)/", q["prompt"])[1]]  # type: ignore[index]
            assert f"'{node.op_def.name}'" in first and node.op_def.doc in first
        shown = page.text_content("#hints")
        assert first in shown and second in shown
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"quiz_{name}_wrong.png"), full_page=True)


@pytest.mark.parametrize("name", GRAPHS)
def test_show_answer_gives_the_number_and_counts_it_as_shown(tab: Tab, name: str) -> None:
    root, seed = GRAPHS[name]()
    page = tab.load(root, grad=seed)
    questions = page.evaluate("quiz.questions('backward')")
    last = len(questions) - 1
    page.evaluate(f"quiz.select({last})")
    page.click("#show")
    q = questions[last]
    shown = format_number(q["answer"])
    assert f"{q['prompt']} = {shown}" in page.text_content("#feedback")
    assert f"{q['prompt']} = {shown}" in page.evaluate(SVG_TEXTS)
    assert page.evaluate("quiz.score('backward')") == {"right": 0, "shown": 1, "total": len(questions)}
    assert page.locator("#hints li").count() == 3  # every hint, once the answer is shown
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"quiz_{name}_shown.png"), full_page=True)


def test_the_forward_half_asks_each_value(tab: Tab) -> None:
    root, seed = lecture_neuron()
    page = tab.load(root, grad=seed)
    page.click("#mode-forward")
    texts = page.evaluate(SVG_TEXTS)
    assert "data ?" in texts and not any(t.startswith("dL/d") for t in texts)  # gradients hidden
    questions = page.evaluate("quiz.questions('forward')")
    values = engine_numbers(root, seed)
    assert [q["prompt"] for q in questions] == ["t1", "t2", "t3", "n", "o"]
    wrong = page.evaluate("t => quiz.check(t)", "1.5")
    assert wrong["status"] == "wrong" and "t1 = x1 * w1" in wrong["hints"][0]
    for q in questions:
        assert q["answer"] == values[q["prompt"]]
        page.fill("#answer", repr(q["answer"]))
        page.press("#answer", "Enter")
    assert page.evaluate("quiz.score('forward')")["right"] == len(questions)
    assert "data ?" not in page.evaluate(SVG_TEXTS)
    page.click("#mode-backward")
    assert "dL/dn = ?" in page.evaluate(SVG_TEXTS)


def test_traps_name_the_common_mistake(tab: Tab) -> None:
    root, seed = lecture_neuron()
    page = tab.load(root, grad=seed)
    keys = [q["key"] for q in page.evaluate("quiz.questions('backward')")]
    page.evaluate(f"quiz.select({keys.index('dL_dw1')})")
    assert "other operand" in page.evaluate("quiz.check('-1.5')")["message"]  # dL/dt1 · w1 instead of · x1
    root, seed = fan_out()
    page = tab.load(root, grad=seed)
    keys = [q["key"] for q in page.evaluate("quiz.questions('backward')")]
    page.evaluate(f"quiz.select({keys.index('dL_da')})")
    assert "contributions add" in page.evaluate("quiz.check('3')")["message"]  # only the path through d


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "type a number"),
        ("2*3", "never evaluated"),
        ("y", "not a number"),
        ("nan", "nan is not"),
        ("<b>x</b>", "not a number"),
        ("1e999999", "wrong"),
    ],
)
def test_bad_input_is_a_message_never_an_error(tab: Tab, typed: str, words: str) -> None:
    root, seed = xy()
    page = tab.load(root, grad=seed)
    page.fill("#answer", typed)
    page.click("#check")
    assert words in page.text_content("#feedback")
    assert page.locator("#feedback b").count() == 0  # shown as text, never markup


def test_hostile_labels_stay_text(tab: Tab) -> None:
    x = Value(1.0, "<img src=x onerror=alert(1)>")
    y = Value(2.0, '"><script>alert(2)</script>')
    z = (x * y).tanh()
    z.label = "</script><script>alert(3)</script>"
    page = tab.load(z)
    questions = page.evaluate("quiz.questions('backward')")
    for i, q in enumerate(questions):
        page.evaluate(f"quiz.select({i})")
        assert page.evaluate("t => quiz.check(t)", repr(q["answer"]))["status"] == "right"
    assert page.evaluate("quiz.score('backward').right") == len(questions)
    assert page.locator("#graph img, aside img, aside script").count() == 0


def test_readme_screenshot(tab: Tab) -> None:
    """out/quiz.png: the README's picture (docs/images/quiz.png is a copy of it)."""
    root, seed = lecture_neuron()
    page = tab.load(root, grad=seed)
    questions = page.evaluate("quiz.questions('backward')")
    asked = [q["key"] for q in questions].index("dL_dt2")
    for q in questions[:asked]:
        page.fill("#answer", f"{q['answer']:.4g}")
        page.click("#check")
    assert "✓ right" in page.text_content("#feedback")  # the verdict stays while the next question comes
    assert page.evaluate("quiz.current().key") == "dL_dt2"
    page.fill("#answer", "1")  # ∂t3/∂t2 alone: the upstream gradient forgotten
    page.click("#check")
    page.click("#check")
    assert "multiply by the upstream" in page.text_content("#feedback")
    assert page.locator("#hints li").count() == 2
    OUT.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 600})
    page.screenshot(path=str(OUT / "quiz.png"))


def test_a_square_and_a_lone_value(tab: Tab) -> None:
    x = Value(3.0, "x")
    y = x * x  # one op using x twice: two edges, two local derivatives, contributions add
    y.label = "y"
    page = tab.load(y)
    questions = page.evaluate("quiz.questions('backward')")
    assert [q["prompt"] for q in questions] == ["∂y/∂x (first operand)", "∂y/∂x (second operand)", "dL/dx"]
    page.evaluate("quiz.select(2)")
    assert "contributions add" in page.evaluate("quiz.check('3')")["message"]
    for i, q in enumerate(questions):
        page.evaluate(f"quiz.select({i})")
        page.evaluate("t => quiz.check(t)", repr(q["answer"]))
    texts = page.evaluate(SVG_TEXTS)
    assert not any(t.endswith("= ?") for t in texts) and texts.count("∂y/∂x = 3") == 2
    with pytest.raises(ValueError, match="a leaf asks nothing"):  # as from_graph: nothing to ask
        tab.load(Value(2.0, "a"))


TYPED = [
    "-8",
    " -8 ",
    "+8",
    "8.",
    ".5",
    "1e3",
    "1E-3",
    "inf",
    "-Infinity",
    "nan",
    "NaN",
    "",
    "  ",
    "2*3",
    "1/2",
    "0x10",
    "1_000",
    "8 8",
    "--8",
    "e3",
    "abc",
    "½",
    "٣",
    "1,5",
    "(8)",
    "8e",
    "+-8",
]


def test_the_page_reads_typed_numbers_as_check_does(tab: Tab) -> None:
    root, seed = xy()
    page = tab.load(root, grad=seed)
    for typed in TYPED:
        number, _ = parse_answer(typed)
        status = page.evaluate("t => quiz.check(t).status", typed)
        assert (status == "invalid") == (number is None), (typed, status, number)
