"""autograd_mini.exercises: every built-in kind, answers checked against independent numbers,
graded hints that name the right op and upstream gradient, and bad answers that never raise."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, exercises, numerical_grad
from autograd_mini.exercises import KINDS, builtin, from_graph
from tests.strategies import Graph, graphs


def wrong_by(answer: float, amount: float = 0.37) -> float:
    """A number well outside the tolerance of ``answer`` that is no trap (not its negative)."""
    return answer + amount * (1.0 + abs(answer))


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_deterministic_and_its_own_answers_are_right(kind: str) -> None:
    first, again = builtin(kind, seed=7), builtin(kind, seed=7)
    assert first.answers() == again.answers()
    assert first.text() == again.text()
    result = first.check(first.answers())
    assert result.all_right and result.score == (len(first.keys), len(first.keys))
    assert all(key.isidentifier() for key in first.keys)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_grads_match_a_fresh_backward_and_wrong_answers_get_hints(kind: str) -> None:
    ex = builtin(kind, seed=3)
    ex.view.root.backward(ex.view.seed)  # the engine's own pass, another code path than the exercise's
    for question in ex.questions:
        if question.kind == "grad" and question.node.is_leaf:
            assert question.answer == pytest.approx(question.node.grad, rel=1e-12, abs=1e-15)
    key = ex.keys[-1]
    part = ex.check({key: wrong_by(ex.answers()[key])})[key]
    assert part.status == "wrong" and len(part.hints) == 1 and part.hints[0]


@pytest.mark.parametrize("kind", ["single_op", "xyz", "chain", "fan_out", "neuron", "softmax_nll"])
def test_random_kinds_change_with_the_seed(kind: str) -> None:
    answers = {tuple(builtin(kind, seed=s).answers().values()) for s in range(1, 7)}
    assert len(answers) > 1


def test_xyz_seed_0_is_the_seeds_diagram() -> None:
    ex = builtin("xyz")
    assert ex.answers() == {"dz_dx": -4.0, "dz_dy": 3.0, "dL_dy": 6.0, "dL_dx": -8.0}
    assert "dL/dz = 2" in ex.text()


def test_neuron_seed_0_is_the_lecture_neuron() -> None:
    answers = builtin("neuron").answers()
    # the lecture: o = 0.7071, do/dn = 1 - o^2 = 0.5, dw1 = x1 * 0.5 = 1, dx1 = w1 * 0.5 = -1.5
    assert answers["do_dn"] == pytest.approx(0.5)
    assert answers["dL_dw1"] == pytest.approx(1.0)
    assert answers["dL_dx1"] == pytest.approx(-1.5)
    assert answers["dL_dx2"] == pytest.approx(0.5) and answers["dL_dw2"] == pytest.approx(0.0)


@pytest.mark.parametrize("seed", range(5))
def test_softmax_nll_gradients_are_softmax_minus_one_hot(seed: int) -> None:
    ex = builtin("softmax_nll", seed)
    target = int(re.search(r"target class (\d)", ex.story)[1])  # type: ignore[index]
    logits = {q.key: q.node.data for q in ex.questions}
    total = sum(math.exp(z) for z in logits.values())
    for i, key in enumerate(sorted(logits)):
        expected = math.exp(logits[key]) / total - (i == target)
        assert ex.answers()[key] == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_fan_out_gradient_is_the_sum_of_both_paths(seed: int) -> None:
    ex = builtin("fan_out", seed)
    a = next(q.node for q in ex.questions if q.key == "dL_da")
    b = next(q.node for q in ex.questions if q.key == "dL_db")
    e = a.data * b.data + a.data
    assert ex.answers()["dL_da"] == pytest.approx(2 * e * (b.data + 1))  # f = e^2, de/da = b + 1
    # one path only: the message says the contributions add
    only_direct = 2 * e * 1.0
    part = ex.check(dL_da=only_direct)["dL_da"]
    if not math.isclose(only_direct, ex.answers()["dL_da"]):
        assert part.status == "wrong" and "contributions add" in part.message
    assert "contributions add" in ex.hints("dL_da")[0]


def test_hints_are_graded_and_name_the_op_and_the_upstream_gradient() -> None:
    ex = builtin("neuron")
    shown = [ex.check(dL_dw1=7.0)["dL_dw1"].hints for _ in range(4)]
    assert [len(h) for h in shown] == [1, 2, 3, 3]
    assert "dL/dx1w1" in shown[0][0] and "'mul'" in shown[0][0]
    assert "dz/dx = y, dz/dy = x" in shown[1][1]  # the op table's doc of mul
    local = ex.hints("do_dn")
    assert "'tanh'" in local[0] and "1 - tanh(x)^2" in local[0]
    assert "dz/dx = 1.0 - out * out" in local[1]  # the table's formula string itself


def test_traps_say_what_a_common_wrong_answer_is() -> None:
    ex = builtin("neuron")
    assert "other operand" in ex.check(dL_dw1=-1.5)["dL_dw1"].message  # upstream · w1 instead of · x1
    assert "upstream" in ex.check(dL_dx1=0.5)["dL_dx1"].message  # forgot ∂x1w1/∂x1
    assert "sign" in ex.check(dL_dw1=-1.0)["dL_dw1"].message


def test_tolerance_is_relative_and_stated() -> None:
    ex = builtin("xyz", rtol=1e-3, atol=1e-6)
    assert ex.check(dL_dx=-8.0 * (1 + 0.9e-3))["dL_dx"].right
    assert not ex.check(dL_dx=-8.0 * (1 + 1.1e-3))["dL_dx"].right
    assert "0.001 relative" in str(ex.check())
    with pytest.raises(ValueError, match="rtol"):
        builtin("xyz", rtol=-1.0)


@pytest.mark.parametrize(
    ("given", "status", "words"),
    [
        (None, "missing", "fill in dL_dx"),
        ("", "missing", "fill in"),
        ("2*3", "invalid", "never evaluated"),
        ("y", "invalid", "not a number"),
        ("٣", "invalid", "not a number"),  # an Arabic-Indic 3: float() reads it, the page would not
        ("__import__('os')", "invalid", "not a number"),
        (float("nan"), "invalid", "nan"),
        ("nan", "invalid", "nan"),
        (True, "invalid", "not a number"),
        ([1, 2], "invalid", "list"),
        (Value(-8.0), "invalid", ".data"),
        (" -8 ", "right", "right"),
        ("-8e0", "right", "right"),
        (-8, "right", "right"),
    ],
)
def test_bad_answers_get_a_message_never_an_exception(given: object, status: str, words: str) -> None:
    part = builtin("xyz").check(dL_dx=given)["dL_dx"]
    assert part.status == status and words in str(part)


def test_unknown_keys_and_a_non_dict_are_reported() -> None:
    ex = builtin("xyz")
    result = ex.check(dL_dq=1)
    assert result["dL_dq"].status == "unknown" and "dL_dx" in result["dL_dq"].message
    assert not result.all_right
    assert ex.check([1, 2]).parts[0].status == "invalid"  # type: ignore[arg-type]
    assert ex.check().missing == ex.keys


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["dL_dx", "dL_dy", "dz_dx", "other"]), st.from_type(object) | st.text())
)
def test_any_answers_never_raise(answers: dict[str, object]) -> None:
    result = builtin("xyz").check(answers)
    assert len(result.parts) >= 4
    assert str(result)


@settings(max_examples=40, deadline=None)
@given(graphs(max_steps=8))
def test_any_graph_answers_match_central_differences(graph: Graph) -> None:
    leaves = [Value(x, f"x{i}") for i, x in enumerate(graph.inputs)]
    root = graph.build(*leaves)
    ex = from_graph(root, ask=["values", "locals", "grads"])
    assert len(set(ex.keys)) == len(ex.keys) and all(k.isidentifier() for k in ex.keys)
    assert ex.check(ex.answers()).all_right
    numeric = numerical_grad(graph.build, graph.inputs)
    asked = {q.node: q.answer for q in ex.questions if q.kind == "grad"}
    for leaf, slope in zip(leaves, numeric, strict=True):
        if leaf in asked:
            assert asked[leaf] == pytest.approx(slope, rel=1e-4, abs=1e-5)


def test_from_graph_refuses_bad_arguments_clearly() -> None:
    x = Value(2.0, "x")
    y = x * x
    with pytest.raises(TypeError, match="root must be a Value"):
        from_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ask must name"):
        from_graph(y, ask=["gradients"])
    with pytest.raises(TypeError, match="ask must be a list"):
        from_graph(y, ask="grads")
    with pytest.raises(ValueError, match="not in root's graph"):
        from_graph(y, nodes=[Value(1.0)])
    with pytest.raises(ValueError, match="kind must be one of"):
        builtin("nope")


def test_square_asks_both_operand_positions() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    ex = from_graph(y, ask=["locals", "grads"])
    assert ex.answers() == {"dy_dx_first": 3.0, "dy_dx_second": 3.0, "dL_dx": 6.0}
    assert "contributions add" in ex.hints("dL_dx")[0]


def test_large_graphs_ask_about_leaves_only() -> None:
    ex = builtin("four_layer_network", seed=1)
    assert len(ex.keys) == 4 and all(q.node.is_leaf for q in ex.questions)
    assert all(k.startswith("dL_dlayers_") for k in ex.keys)


def test_the_exercise_leaves_the_graph_untouched() -> None:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    from_graph(z, grad=2.0).check(dL_dx=-8)
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)


@pytest.fixture
def dot() -> None:
    if shutil.which("dot") is None:
        pytest.fail("Graphviz's dot is needed (make test installs it)")


@pytest.mark.usefixtures("dot")
@pytest.mark.parametrize("kind", KINDS)
def test_drawing_blanks_every_asked_number(kind: str) -> None:
    ex = builtin(kind)
    svg = ex.drawing().pipe(format="svg").decode("utf-8")
    texts = [t.replace("&#45;", "-") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for q in ex.questions:
        if q.kind == "grad":
            assert f"{q.prompt} = ?" in texts, q.prompt
            assert not any(t.startswith(q.prompt + " = ") and t != f"{q.prompt} = ?" for t in texts)
        if q.kind == "local":
            prompt = q.prompt.split(" (")[0]
            assert not any(t.startswith(prompt + " = ") and "?" not in t for t in texts)
    answered = ex.drawing(answers=True).pipe(format="svg").decode("utf-8")
    assert "= ?" not in answered


@pytest.mark.usefixtures("dot")
def test_sheet_has_blanks_drawings_and_an_answer_key(tmp_path: Path) -> None:
    made = [builtin("xyz"), builtin("fan_out", 2)]
    path = exercises.sheet(made, tmp_path / "sheet.md")
    text = path.read_text(encoding="utf-8")
    assert text.count("____") == sum(len(e.keys) for e in made)
    assert "## Answer key" in text and "| `dL_dx` | dL/dx | -8 |" in text
    assert (tmp_path / "sheet_1.svg").read_text(encoding="utf-8").count("= ?") >= 4
    assert (tmp_path / "sheet_2.svg").exists()


def test_command_line_show_check_and_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert exercises.main(["show", "xyz"]) == 0
    assert "dL_dx" in capsys.readouterr().out
    assert exercises.main(["check", "xyz", "dL_dx=-8", "dL_dy=6", "dz_dx=-4", "dz_dy=3"]) == 0
    assert exercises.main(["check", "xyz", "dL_dx=2*3"]) == 1
    assert "never evaluated" in capsys.readouterr().out
    assert exercises.main(["check", "xyz", "oops"]) == 2
    assert exercises.main(["sheet", "neuron", "chain", "--no-drawings", "--out", str(tmp_path / "s.md")]) == 0
    assert exercises.main(["sheet", "xyz", "--out", str(tmp_path / "no" / "s.md")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert "Answer key" in (tmp_path / "s.md").read_text(encoding="utf-8")


@pytest.mark.usefixtures("dot")
def test_long_names_are_blanked_too_and_sheet_text_is_escaped(tmp_path: Path) -> None:
    long = "w" * 100  # drawn shortened, with an ellipsis
    x, w = Value(3.0, "x"), Value(-4.0, long)
    z = x * w
    z.label = "z"
    ex = from_graph(z, ask=["locals", "grads"], title="<script>alert(1)</script>", story="a < b & c")
    svg = ex.drawing().pipe(format="svg").decode("utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    asked = [t for t in texts if ("∂" in t or t.startswith("dL/d")) and "(seed)" not in t]
    assert len(asked) == 6 and all(t.endswith("= ?") for t in asked), asked  # 2 locals, 2 products, 2 grads
    text = exercises.sheet([ex], tmp_path / "s.md", drawings=False).read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &lt; b &amp; c" in text


def test_sheet_refuses_a_folder_or_no_name_before_writing_anything(tmp_path: Path) -> None:
    folder = tmp_path / "sheets"
    folder.mkdir()
    exs = [exercises.builtin("xyz")]
    for bad in (folder, ""):
        with pytest.raises(IsADirectoryError, match="is not a file name"):
            exercises.sheet(exs, bad)
    assert list(tmp_path.rglob("*.svg")) == []  # no drawing was written beside it


def test_from_graph_refuses_answers_that_are_not_finite() -> None:
    a = Value(1e308, "a")
    d = (a * 10.0 - a * 10.0) * Value(2.0, "w")  # inf - inf = nan
    with pytest.raises(ValueError, match="not a finite number"):
        exercises.from_graph(d, ask=["values", "grads"])


def test_from_graph_starts_from_the_seed_backward_used() -> None:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.backward(2.0)
    assert exercises.from_graph(z).answers() == {"dL_dx": -8.0, "dL_dy": 6.0}
    assert exercises.from_graph(z, grad=1.0).answers() == {"dL_dx": -4.0, "dL_dy": 3.0}


def test_a_huge_int_answer_is_named_too_large_not_not_a_number() -> None:
    ex = exercises.builtin("xyz")
    key = next(iter(ex.answers()))
    result = ex.check({key: 10**400})
    assert "too large for a float" in str(result)
