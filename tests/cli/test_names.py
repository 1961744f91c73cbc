"""Names on the command line: long or hostile names are printed shortened and escaped, never a traceback.

The table draw prints and every message naming an input use the drawings' rule (_drawing.shown:
MAX_NAME_CHARS, then escapes), so what the terminal shows is what the drawing shows.
"""

from __future__ import annotations

import io
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_mini import Value
from autograd_mini._drawing import MAX_NAME_CHARS
from autograd_mini.cli import main, value_table
from autograd_mini.demos import DEMOS
from autograd_mini.graph import view

# An escaped character is at most 10 characters (\U0010ffff); a table line holds one name and
# three fixed-width columns, so no line may be longer than this however long the name.
LONGEST_SHOWN_NAME = MAX_NAME_CHARS * 10
LONGEST_LINE = LONGEST_SHOWN_NAME + 60
SLOW_INPUT = settings(
    max_examples=40,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Hostile labels: controls (NUL included), lone surrogates, non-characters, format characters
# (right-to-left override), line separators, and lengths around and far beyond MAX_NAME_CHARS.
hostile_char = st.one_of(
    st.characters(),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from(["\x00", "\n", "\r", "\x1b", "\x7f", "\ufffe", "\uffff", "\ufdd0", "\u202e", "\u2028"]),
)
hostile_label = st.one_of(
    st.text(hostile_char, max_size=100),
    st.tuples(st.text(hostile_char, min_size=1, max_size=5), st.integers(1, 9000)).map(lambda t: t[0] * t[1]),
)
# Names the command line accepts (identifiers, unchanged by NFKC), from short to 9,000 characters.
identifier = st.tuples(st.sampled_from(["a", "é", "x_", "Ж", "名"]), st.integers(1, 9000)).map(
    lambda t: (t[0] * t[1])[: t[1]]
)


def run(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) with strict UTF-8 stdout as a terminal has; no traceback, ever."""
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="strict")
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    out.flush()
    err.flush()
    stderr = err_bytes.getvalue().decode()
    assert "Traceback" not in stderr
    return status, out_bytes.getvalue().decode(), stderr


@given(labels=st.lists(hostile_label, min_size=1, max_size=3))
def test_the_table_shows_any_label_on_one_bounded_printable_line(labels: list[str]) -> None:
    leaves = [Value(float(i + 1), label) for i, label in enumerate(labels)]
    root = leaves[0]
    for leaf in leaves[1:]:
        root = root * leaf
    root.label = labels[-1]
    root.backward()
    lines = value_table(view(root), 6)
    assert len(lines) == 1 + len(view(root).order)
    for line in lines:
        assert line.isprintable(), line
        assert len(line) <= LONGEST_LINE
        line.encode("utf-8")  # no lone surrogate left: a terminal's strict UTF-8 takes it


@given(name=st.text(st.characters(codec="ascii", categories=("Ll",)), min_size=1, max_size=MAX_NAME_CHARS))
def test_a_printable_name_up_to_the_limit_is_shown_whole(name: str) -> None:
    x = Value(2.0, name)
    root = x * 3.0
    root.label = "out"
    root.backward()
    rows = {line.split()[0]: line.split()[1:] for line in value_table(view(root), 6)[1:]}
    assert rows[name] == ["input", "2", "3"]


def test_a_long_name_is_shown_by_its_ends_as_in_the_drawing() -> None:
    name = "a" * 60 + "b" * 8_100 + "c" * 19
    x = Value(2.0, name)
    root = x * 3.0
    root.label = "out"
    root.backward()
    first_row = value_table(view(root), 6)[1]
    assert first_row.split()[0] == "a" * 60 + "…" + "c" * 19


@SLOW_INPUT
@given(name=identifier)
def test_draw_and_explore_take_any_length_of_name(name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        status, stdout, stderr = run(["draw", f"{name}*2 + 1", "--at", f"{name}=3", "-o", f"{folder}/g.dot"])
        assert status == 0, stderr[:300]
        lines = stdout.splitlines()
        assert lines[1].split()[1:] == ["input", "3", "2"]
        assert all(len(line) <= LONGEST_LINE for line in lines)
        status, stdout, stderr = run(["explore", f"{name}*2", "--at", f"{name}=3", "-o", f"{folder}/p.html"])
        assert status == 0, stderr[:300]
        assert stdout.startswith("wrote ") and len(stdout) < 500


@SLOW_INPUT
@given(name=identifier, what=st.sampled_from(["unbound", "unused", "twice", "function", "not a number"]))
def test_refusals_naming_a_long_name_are_one_short_line(name: str, what: str) -> None:
    argv = {
        "unbound": ["draw", f"{name}*2"],
        "unused": ["draw", "x*2", "--at", "x=1", f"{name}=3"],
        "twice": ["draw", f"{name}*2", "--at", f"{name}=1", f"{name}=2"],
        "function": ["draw", f"{name}(x)", "--at", "x=1"],
        "not a number": ["draw", f"{name}*2", "--at", f"{name}=abc"],
    }[what]
    with tempfile.TemporaryDirectory() as folder:
        status, stdout, stderr = run([*argv, "-o", f"{folder}/g.dot"])
    assert status == 2 and stdout == ""
    reason = stderr.splitlines()[0]
    assert reason.startswith("autograd-mini: error: ")
    assert len(reason) <= 2 * MAX_NAME_CHARS + 200, reason
    shown = name if len(name) <= MAX_NAME_CHARS else name[:60] + "…"
    assert shown in reason


@SLOW_INPUT
@given(name=hostile_label.filter(lambda text: "=" not in text and text.strip() != ""))
def test_hostile_text_as_an_input_name_is_refused_in_one_line(name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        status, _, stderr = run(["draw", "x*2", "--at", "x=1", f"{name}=3", "-o", f"{folder}/g.dot"])
    assert status == 2  # an identifier is unused here; any other text is no name
    reason = stderr.splitlines()[0]
    assert reason.startswith("autograd-mini: error: ") and reason.isprintable()
    assert len(reason) <= 500


@given(name=hostile_label.filter(lambda text: text[:1] != "-" and text not in DEMOS))
def test_an_unknown_demo_name_is_named_shortened_and_escaped(name: str) -> None:
    status, stdout, stderr = run(["demo", name])
    assert status == 2 and stdout == ""
    reason = stderr.splitlines()[0]
    assert reason.startswith("autograd-mini: error: ") and reason.isprintable()
    assert "known: " in reason and len(reason) <= LONGEST_SHOWN_NAME + 200
