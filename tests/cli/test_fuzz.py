"""Property tests: whatever text and arguments reach main(), it exits 0, 1 or 2 with no traceback.

Exit 2 (refused) always puts a one-line reason first on stderr; 1 (the math or the file write
failed) does too. Standard streams are replaced by UTF-8 text streams like Python's own (strict
stdout, backslashreplace stderr), so printing an undecodable argument unescaped would fail here
as it does in a terminal. Each input gets a hypothesis deadline: a hang fails the test.
"""

from __future__ import annotations

import io
import re
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import autograd_mini.viz  # noqa: F401  (imported once here, so no example pays for the import)
from autograd_mini.cli import FUNCTIONS, main
from autograd_mini.demos import DEMOS as LISTED_DEMOS

pytestmark = pytest.mark.slow  # hundreds of command lines per test

REASON = re.compile(r"autograd-mini: error: \S")
DEMOS = set(LISTED_DEMOS)
FUZZ = settings(
    max_examples=250,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def run(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) with Python-like standard streams; checks the exit status and the error text."""
    assert "-o" in argv  # never the default graph.svg in the working folder
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace")
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    out.flush()
    err.flush()
    stdout, stderr = out_bytes.getvalue().decode(), err_bytes.getvalue().decode()
    assert status in (0, 1, 2), (status, argv)
    event(f"exit {status}")  # shown by pytest --hypothesis-show-statistics
    assert "Traceback" not in stderr
    if status != 0:
        assert REASON.match(stderr), stderr
    return status, stdout, stderr


# Text as Python gives it from argv: any bytes, undecodable ones as lone surrogates.
argv_bytes = st.binary(max_size=40).map(lambda data: data.decode("utf-8", "surrogateescape"))
weird_text = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),
    max_size=40,
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.sampled_from(["0", "-0.0", "1e309", "1e-400", "0x10", "1_000", "0b11", "1j", "5e-324", "1.8e308"]),
)
names = st.sampled_from(["x", "y", "w"])
atoms = st.one_of(names, numbers, weird_text)
BINARY = ["+", "-", "*", "/", "**", "%", "//", " and ", "<", "@"]


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "not ", "~"]), children).map("".join),
        st.tuples(st.sampled_from([*FUNCTIONS, "eval", "print", "x.data"]), children).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(children, children).map(lambda t: f"leaky_relu({t[0]}, {t[1]})"),
    )


expressions = st.recursive(atoms, _combine, max_leaves=12)
# Deep and long ones: chains a recursive walk or Python's parser cannot take.
deep = st.tuples(
    st.sampled_from(["-", "+", "not ", "x**", "x+", "x*", "tanh(", "(", "~", "log(", "-("]),
    st.integers(1, 6000),
).map(lambda t: t[0] * t[1] + "x" + (")" * t[1] if t[0].endswith("(") else ""))
any_expression = st.one_of(expressions, deep, argv_bytes, weird_text)
bindings = st.tuples(st.one_of(names, weird_text), numbers | weird_text).map(lambda t: f"{t[0]}={t[1]}")
option_tokens = st.sampled_from(
    ["--at", "--digits", "--rankdir", "--max-nodes", "--", "-h", "--max-nodes=1", "--digits=17", "LR", "TB",
     "0", "-1", "18", "99999999999999999999", "x=1", "y=2", "-x", "--x", "-", "draw", "demo", "--list",
     "--rank", "--dig", "-x*2"]
)  # fmt: skip
tokens = st.one_of(option_tokens, bindings, any_expression, numbers)


def _safe(token: str) -> bool:
    """Random tokens never choose the output file (-o, --output and its abbreviations)."""
    return not token.startswith(("-o", "--o"))


@FUZZ
@given(expression=any_expression, values=st.lists(bindings, max_size=3))
def test_any_expression_exits_cleanly(expression: str, values: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        status, stdout, _ = run(["draw", expression, "--at", *values, "-o", f"{folder}/g.dot"])
        if status == 0:
            assert Path(folder, "g.dot").read_text().startswith("digraph")
            assert stdout.splitlines()[-1] == f"wrote {folder}/g.dot"


@FUZZ
@given(expression=any_expression, x=numbers, y=numbers)
def test_expressions_over_bound_inputs_exit_cleanly(expression: str, x: str, y: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        argv = ["draw", "-o", f"{folder}/g.dot", "--at", f"x={x}", f"y={y}", "--", expression]
        run(argv)


# Mostly valid: bound names, finite and huge numbers, every allowed operator and function.
valid_numbers = st.one_of(
    st.floats(-1e6, 1e6).map(repr), st.integers(0, 10**20).map(str), st.sampled_from(["1e308", "5e-324", "0"])
)
mostly_valid = st.recursive(
    st.one_of(st.sampled_from(["x", "y"]), valid_numbers),
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(
            lambda t: f"({t[0]}{t[1]}{t[2]})"
        ),
        st.tuples(st.sampled_from(["-", "+"]), children).map("".join),
        st.tuples(st.sampled_from(sorted(FUNCTIONS)), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children).map(lambda t: f"leaky_relu({t[0]}, {t[1]})"),
    ),
    max_leaves=30,
)


@FUZZ
@given(
    expression=st.one_of(mostly_valid, deep),
    x=valid_numbers,
    y=valid_numbers,
    limit=st.sampled_from(["400", "9999"]),
)
def test_mostly_valid_expressions_compute_or_fail_on_the_math(
    expression: str, x: str, y: str, limit: str
) -> None:
    at = [f"{name}={value}" for name, value in (("x", x), ("y", y)) if re.search(rf"\b{name}\b", expression)]
    with tempfile.TemporaryDirectory() as folder:
        argv = [
            "draw",
            "-o",
            f"{folder}/g.dot",
            "--max-nodes",
            limit,
            *(["--at", *at] if at else []),
            "--",
            expression,
        ]
        status, stdout, _ = run(argv)
        if status == 0:  # the table's last row is the result: "out", or the input itself for a bare name
            assert stdout.splitlines()[-2].split()[0] in ("out", "x", "y")


@FUZZ
@given(argv=st.lists(tokens, max_size=8))
def test_arguments_in_any_order_exit_cleanly(argv: list[str]) -> None:
    assume(all(_safe(token) for token in argv))
    with tempfile.TemporaryDirectory() as folder:
        run(["draw", *argv, "-o", f"{folder}/g.dot"])


@settings(FUZZ, max_examples=100)
@given(argv=st.lists(st.one_of(tokens, argv_bytes), max_size=5))
def test_any_command_line_exits_cleanly(argv: list[str]) -> None:
    # Never run a real demo: they take seconds; `demo --list` and unknown names are fine.
    assume(all(_safe(token) and token not in DEMOS for token in argv))
    with tempfile.TemporaryDirectory() as folder:
        run([*argv, "-o", f"{folder}/g.dot"])


# Valid expressions over x and y, small enough to lay out fast: these render with Graphviz for real.
small = st.recursive(
    st.one_of(names.filter(lambda name: name != "w"), st.floats(-5, 5).map(lambda v: f"{v:.3g}")),
    lambda children: st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(sorted(FUNCTIONS)), children).map(
            lambda t: f"{t[0]}({t[1]}{', 0.1' if t[0] == 'leaky_relu' else ''})"
        ),
    ),
    max_leaves=6,
)


@settings(FUZZ, max_examples=20, deadline=timedelta(seconds=10))
@given(expression=small, x=st.floats(-3, 3), y=st.floats(-3, 3))
def test_valid_expressions_render_svg_or_fail_on_the_math(expression: str, x: float, y: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bound = [
            f"{name}={value!r}"
            for name, value in (("x", x), ("y", y))
            if re.search(rf"\b{name}\b", expression)
        ]
        at = ["--at", *bound] if bound else []
        status, stdout, stderr = run(["draw", expression, *at, "-o", f"{folder}/g.svg"])
        if status == 0:
            assert Path(folder, "g.svg").read_text().lstrip().startswith("<?xml")
            assert stdout.splitlines()[0].split()[:3] == ["name", "op", "value"]
        else:  # a refusal here is a bug: only the math (log of a negative, 0 ** -1) may fail
            assert status == 1, stderr
