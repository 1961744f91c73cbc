"""The generated kernels are current, and a new op is one table entry that reaches every consumer."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest

from autograd_mini import Value
from autograd_mini.kernels import GENERATED_PATH, module_source
from autograd_mini.ops import OPS
from tests.helpers import ROOT


def test_the_checked_in_kernels_are_what_the_op_table_generates() -> None:
    assert GENERATED_PATH.read_text(encoding="utf-8") == module_source(), (
        "autograd_mini/_kernels_generated.py is out of date: run `make kernels`"
    )


def test_every_op_with_a_method_is_a_method_of_value_from_the_generated_file() -> None:
    for op in OPS.values():
        for name in (op.method, op.reflected, *op.aliases):
            if not name:
                continue
            method = getattr(Value, name)
            assert method.__code__.co_filename == str(GENERATED_PATH), name
            assert method.__doc__, name


# An op that is in no table today: d/dx x^3 = 3x^2.
CUBE = 'Op("cube", "cube", "x * x * x", ("3.0 * x * x",), method="cube", doc="cube x^3: d/dx = 3x^2."),'

# Run in a copy of the package with the entry added: every consumer must know the new op.
CHECKS = """
import json, subprocess, sys
from autograd_mini import Value, hessian, trace, gradcheck
from autograd_mini.cli import FUNCTIONS, evaluate
from autograd_mini.js_codegen import PY_RUNTIME, op_table_js
from autograd_mini.viz import draw_graph

x = Value(2.0, "x")
y = x.cube()
y.backward()
assert (y.data, x.grad, y.op) == (8.0, 12.0, "cube"), (y.data, x.grad, y.op)  # eager
assert trace(lambda v: v.cube(), 2.0)(3.0) == (27.0, [27.0])  # compiled
assert hessian(lambda v: v.cube(), [2.0])[0][0].data == 12.0  # higher order: d2/dx2 = 6x
assert gradcheck(lambda v: v.cube(), [1.5])
root, leaves = evaluate("cube(x) + 1", {"x": 2.0})  # the command line's expressions
assert "cube" in FUNCTIONS and root.data == 9.0
assert "cube" in draw_graph(y).source  # drawings
table = op_table_js(["cube"])  # the explorer's JavaScript, run by node
script = PY_RUNTIME + "\\nconst OPS = " + table + ";\\n"
script += "console.log(JSON.stringify([OPS.cube.forward(2), OPS.cube.derivatives[0](2, 8)]));"
print(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
"""


def test_a_new_op_is_one_table_entry(tmp_path: Path) -> None:
    package = tmp_path / "autograd_mini"
    shutil.copytree(ROOT / "autograd_mini", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tools", tmp_path / "tools")
    ops = package / "ops.py"
    text = ops.read_text(encoding="utf-8")
    anchor = '        Op("cos", "cos", "cos(x)",'
    assert text.count(anchor) == 1
    ops.write_text(text.replace(anchor, f"        {CUBE}\n{anchor}"), encoding="utf-8")
    generate = [sys.executable, "tools/generate_kernels.py"]
    subprocess.run(generate, cwd=tmp_path, check=True, capture_output=True)
    assert "def cube(self) -> Value:" in (package / "_kernels_generated.py").read_text(encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHECKS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[8,12]"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"method": "maximum", "reflected": ""}, "needs parameter="),
        ({"reflected": "__rexp__"}, "reflected= is for a binary operator"),
        ({"parameter": ("slope", 0.1)}, "parameter= is for a binary op"),
        ({"doc": ""}, "needs both method= and doc="),
    ],
)
def test_the_generator_refuses_an_entry_it_would_turn_into_a_wrong_method(
    changes: dict[str, object], message: str
) -> None:
    base = OPS["mul"] if changes.get("method") == "maximum" else OPS["exp"]
    entry = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        module_source({**OPS, entry.name: entry})


def test_arithmetic_methods_are_named_values_in_help_and_errors() -> None:
    assert Value.tanh.__qualname__ == "Value.tanh"
    with pytest.raises(TypeError, match=r"^Value\.leaky_relu\(\) got an unexpected keyword"):
        Value(1.0).leaky_relu(negative_slope=0.1)  # type: ignore[call-arg]


def test_the_generated_methods_type_hints_resolve_at_run_time() -> None:
    hints = typing.get_type_hints(Value.__radd__)
    assert hints["return"] is Value
    assert typing.get_type_hints(Value.leaky_relu)["slope"] == Value | float | int
