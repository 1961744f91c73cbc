"""The explorer without a browser: the op table's JavaScript translation, the API and bad input."""

from __future__ import annotations

import html
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Value, _explorer_page, explore
from autograd_mini import explorer as explorer_module
from autograd_mini.graph import forward_order
from autograd_mini.js_codegen import CodegenError, op_js, op_table_js, translate
from autograd_mini.ops import OPS, Op
from autograd_mini.viz import GraphvizNotFoundError


def neuron() -> Value:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    out = (x * w + b).tanh()
    out.label = "out"
    return out


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_of_the_table_translates(name: str) -> None:
    source = op_js(OPS[name])
    assert f'name: "{name}"' in source
    # no Python left in the code (strings aside): calls only through Math.* or the runtime helpers
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', source)
    assert " if " not in code and "**" not in code and " and " not in code and " or " not in code
    assert not re.search(r"(?<![.\w])(exp|log|sqrt|tanh|sin|cos|expm1|log1p|abs)\(", code)


def test_translation_of_python_syntax() -> None:
    assert translate("1.0 if x > 0.0 else y") == "((x > 0.0) ? 1.0 : y)"
    assert translate("x ** y") == "$py.pow(x, y)"
    assert translate("x / y") == "$py.div(x, y)"
    assert translate("abs(x)") == "Math.abs(x)"
    assert translate("exp(x)") == '$py.call(Math.exp, x, "range")'
    assert translate("0.0 < abs(x) < 1.0") == "((0.0 < Math.abs(x)) && (Math.abs(x) < 1.0))"
    assert translate("inf") == "Infinity"
    assert translate("x if out else y") == "((out !== 0) ? x : y)"  # Python truth: nan is true


def test_an_unknown_function_is_a_clear_error_at_generation_time() -> None:
    with pytest.raises(CodegenError, match="the function 'gamma'"):
        op_js(Op("gamma", "gamma", "gamma(x)", ("1.0",)))
    with pytest.raises(CodegenError, match="the name 'z'"):
        translate("z + 1.0")
    with pytest.raises(CodegenError, match="FloorDiv"):
        translate("x // y")
    with pytest.raises(CodegenError, match="not in the op table: nope"):
        op_table_js(["add", "nope"])


def test_domain_strings_reach_the_page_verbatim() -> None:
    source = op_table_js()
    for op in OPS.values():
        for domain in (op.domain, *op.grad_domains):
            if domain is not None:
                assert domain.explanation.replace(">", "\\u003e").replace("<", "\\u003c") in source


def test_save_writes_one_self_contained_page(tmp_path: Path) -> None:
    page = explore(neuron())
    path = page.save(tmp_path / "page.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count("<svg") == 2  # laid out LR and TB
    # nothing to fetch: no src=, no href= to anything, no @import, no url(
    assert not re.search(r"\b(src|href)\s*=", text.split("<svg", 1)[0] + text.split("</svg>", 1)[1])
    assert "@import" not in text and "url(" not in text
    assert "default-src 'none'" in text
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_explore_leaves_the_graph_as_it_was() -> None:
    out = neuron()
    out.backward()
    before = [(v.data, v.grad) for v in forward_order(out)]
    explore(out)
    assert [(v.data, v.grad) for v in forward_order(out)] == before


def _page_numbers(page: str) -> dict[str, Any]:
    """The data the page's script reads (its JSON <script id="data">)."""
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.DOTALL)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_page_gradients_are_one_fresh_backward_and_no_grad_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, fresh = neuron(), neuron()
    out.backward()
    out.backward()  # leaves accumulate: the page still shows one backward from zero gradients
    before = [v.grad for v in forward_order(out)]
    fresh.backward()

    def refuse(self: Value, grad: float) -> None:
        raise AssertionError("explore wrote a .grad")

    monkeypatch.setattr(Value, "grad", property(Value.grad.fget, refuse))
    data = _page_numbers(explore(out).html)
    assert [node["grad"] for node in data["nodes"]] == [v.grad for v in forward_order(fresh)]
    assert [v.grad for v in forward_order(out)] == before


def test_repr_html_is_an_isolated_iframe() -> None:
    page = explore(neuron())
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    assert html.unescape(shown.split('srcdoc="', 1)[1].split('" title=', 1)[0]) == page.html


def test_a_hostile_label_never_becomes_markup() -> None:
    x = Value(1.0, "</script><script>alert(1)</script>")
    page = explore(x * 2.0, title="<b>t</b>").html
    assert "<script>alert(1)" not in page
    assert "<b>t</b>" not in page
    assert page.count("<script") == 4  # data, op table, the view (view.js), page script


def test_bad_root_and_arguments_name_the_argument() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        explore(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_nodes=3"):
        explore(neuron(), max_nodes=3)
    with pytest.raises(TypeError, match="max_nodes must be an int or None"):
        explore(neuron(), max_nodes="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="digits must be an int"):
        explore(neuron(), digits=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be auto, LR or TB, got 'XX'"):
        explore(neuron(), rankdir="XX")
    with pytest.raises(TypeError, match="why must be a bool"):
        explore(neuron(), why=1)  # type: ignore[arg-type]


def test_explore_without_dot_raises_graphviz_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer_module.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="dot"):
        explore(neuron())


def test_unwritable_paths_are_refused_and_nothing_is_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = explore(neuron())
    with pytest.raises(FileNotFoundError, match=r"path .*missing"):
        page.save(tmp_path / "missing" / "page.html")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        page.save(tmp_path)
    with pytest.raises(TypeError, match="path must be a str"):
        page.save(3)  # type: ignore[arg-type]
    target = tmp_path / "page.html"
    target.write_text("old page")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match=r"cannot write .*page.html: No space left"):
        page.save(target)
    assert target.read_text() == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_special_numbers_travel_as_json() -> None:
    x = Value(float("inf"), "x")
    page = explore(x * 0.0).html  # inf * 0 = nan
    assert '{"special": "inf"}' in page and '{"special": "nan"}' in page


def test_cli_explore_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_mini.cli import main

    target = tmp_path / "page.html"
    status = main(["explore", "tanh(x*w + b)", "--at", "x=2", "w=-3", "b=6.88", "-o", str(target)])
    assert status == 0
    assert f"wrote {target}" in capsys.readouterr().out
    page = target.read_text(encoding="utf-8")
    assert '"name": "out"' in page and '"name": "x"' in page and "<svg" in page


def test_cli_explore_refusals_and_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_mini.cli import main

    assert main(["explore", "log(x)", "--at", "x=-1", "-o", str(tmp_path / "p.html")]) == 1
    assert capsys.readouterr().err.startswith("autograd-mini: error: log: needs x > 0; got x = -1.0")
    assert main(["explore"]) == 2
    assert "explore needs an expression" in capsys.readouterr().err
    assert main(["explore", "x*x*x", "--at", "x=1", "--max-nodes", "2", "-o", str(tmp_path / "p.html")]) == 2
    assert "more than --max-nodes 2" in capsys.readouterr().err
    assert main(["explore", "x*2", "--at", "x=1", "-o", str(tmp_path / "no" / "p.html")]) == 1
    assert "the folder of path" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_explore_without_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_mini.cli import main

    monkeypatch.setattr(explorer_module.shutil, "which", lambda name: None)
    assert main(["explore", "x*2", "--at", "x=1", "-o", str(tmp_path / "p.html")]) == 1
    assert "dot" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_compacting_the_svg_keeps_every_text_and_shape() -> None:
    raw = (
        '<svg><!-- v0 -->\n<g id="node1" class="node">\n<title>v0</title>\n'
        '<path fill="none" stroke="#374151" d="M205.33,-45.37C251.4,-77.8"/>\n'
        '<path fill="#f3f4f6" d="M1.25,2.5"/>\n'
        '<g id="a_edge1"><a xlink:title="old number 0.50097">\n'
        '<text text-anchor="start" x="27.55" y="-105.91" font-family="Helvetica,sans-Serif" '
        'font-size="12.00">data 0.50097</text>\n</a>\n</g>\n</g></svg>'
    )
    assert _explorer_page.compact_svg(raw) == (
        '<svg><g id="node1" class="node">\n<title>v0</title>\n'
        '<path stroke="#374151" d="M205.3,-45.3C251.4,-77.8"/>\n'
        '<path fill="#f3f4f6" d="M1.2,2.5"/>\n'
        '<text x="27.5" y="-105.9">data 0.50097</text>\n</g></svg>'
    )


def test_the_demo_writes_three_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_mini.demos import _common, explorer_pages

    monkeypatch.setattr(_common, "OUT", tmp_path)
    assert explorer_pages.main([]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["explorer_neuron.html", "explorer_reuse.html", "explorer_xy.html"]
    assert '"why": true' in (tmp_path / "explorer_reuse.html").read_text(encoding="utf-8")
    assert '"why": false' in (tmp_path / "explorer_xy.html").read_text(encoding="utf-8")
    assert '"name": "o"' in (tmp_path / "explorer_neuron.html").read_text(encoding="utf-8")


def test_random_graph_has_the_size_asked_for() -> None:
    from autograd_mini.demos.explorer_pages import random_graph

    assert len(forward_order(random_graph(100))) == 100


def test_the_page_takes_its_colours_from_the_drawings_palette() -> None:
    from autograd_mini._drawing import BACKWARD, ROLES, palette
    from autograd_mini._explorer_page import asset

    style, script = asset("explorer.css"), asset("explorer.js")
    assert not re.search(r"#(?:[0-9a-fA-F]{3}){1,2}\b", style + script)  # no colour of its own
    used = set(re.findall(r"var\(--([\w-]+)\)", style + script)) | set(
        re.findall(r'colour\("([\w-]+)"\)', script)
    )
    used |= {
        f"role-{role}" for role in ("input", "parameter", "output")
    }  # the swatches: "var(--role-" + role
    assert {"backward", "forward", "highlight", "error"} <= used <= set(palette())
    page = explore(neuron()).html
    assert f"--backward: {BACKWARD};" in page and f"--role-parameter: {ROLES['parameter'][0]};" in page


def x_times_y() -> Value:
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    z.label = "z"
    return z


def test_the_seed_is_the_one_the_last_backward_used_else_one() -> None:
    z = x_times_y()
    assert _page_numbers(explore(z).html)["seed"] == 1.0  # no backward() yet
    z.backward(2.0)
    data = _page_numbers(explore(z).html)
    assert data["seed"] == 2.0
    assert [node["grad"] for node in data["nodes"]] == [-8.0, 6.0, 2.0]
    assert _page_numbers(explore(z, grad=3.0).html)["seed"] == 3.0
    z.grad = 0.0  # as zero_grad leaves it: nothing to go by
    assert _page_numbers(explore(z).html)["seed"] == 1.0
    x = Value(5.0, "x")
    x.backward(2.0)  # a leaf's .grad accumulates over calls, so it is not taken as a seed
    x.backward(2.0)
    assert _page_numbers(explore(x).html)["seed"] == 1.0


@pytest.mark.parametrize(
    ("grad", "error", "words"),
    [
        (math.nan, ValueError, "explore: grad must be finite, got nan"),
        (math.inf, ValueError, "explore: grad must be finite, got inf"),
        (10**400, ValueError, "explore: grad must be finite"),
        ("2", TypeError, "explore: grad must be a real number, got str"),
        (True, TypeError, "explore: grad must be a real number, got bool"),
    ],
)
def test_a_bad_seed_is_refused_naming_grad(grad: object, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        explore(x_times_y(), grad=grad)  # type: ignore[arg-type]


@pytest.mark.parametrize("digits", [0, 18, 400])
def test_digits_are_bounded_to_what_a_float_holds(digits: int) -> None:
    with pytest.raises(ValueError, match=f"explore: digits must be from 1 to 17, got {digits}"):
        explore(x_times_y(), digits=digits)


def test_the_page_and_the_command_line_bound_digits_alike() -> None:
    from autograd_mini import cli

    assert explorer_module.MAX_DIGITS == cli.MAX_DIGITS == 17
    explore(x_times_y(), digits=17)


def test_cli_explore_takes_the_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_mini.cli import main

    target = tmp_path / "page.html"
    assert main(["explore", "x*y", "--at", "x=3", "y=-4", "--grad", "2", "-o", str(target)]) == 0
    data = _page_numbers(target.read_text(encoding="utf-8"))
    assert data["seed"] == 2.0 and [node["grad"] for node in data["nodes"]] == [-8.0, 6.0, 2.0]


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400", "two", ""])
def test_cli_explore_refuses_a_bad_seed(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_mini.cli import main

    target = tmp_path / "page.html"
    assert main(["explore", "x*y", "--at", "x=3", "y=-4", "--grad", text, "-o", str(target)]) == 2
    assert "argument --grad" in capsys.readouterr().err
    assert not target.exists()


def chain(size: int) -> Value:
    """x * x * ... : a graph of ``size`` values."""
    x = Value(1.0, "x")
    out = x
    for _ in range(size - 1):
        out = out * x
    return out


def test_max_nodes_none_still_refuses_a_graph_too_large_to_lay_out(monkeypatch: pytest.MonkeyPatch) -> None:
    laid_out: list[int] = []
    monkeypatch.setattr(
        explorer_module, "_svg", lambda view, *rest, **options: laid_out.append(len(view.order)) or "<svg/>"
    )
    limit = explorer_module.LAYOUT_LIMIT
    with pytest.raises(
        ValueError, match=f"has {limit + 1} values, more than the layout bound of {limit}"
    ) as caught:
        explore(chain(limit + 1), max_nodes=None)
    assert f"pass max_nodes={limit + 1} to lay it out anyway" in str(caught.value)
    assert laid_out == []  # refused before Graphviz ran
    explore(chain(limit), max_nodes=None)
    explore(chain(limit + 1), max_nodes=limit + 1)  # a number, named: the caller asked for this size
    assert laid_out == [limit, limit + 1]


def test_cli_explore_lays_out_what_max_nodes_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_mini.cli import main

    monkeypatch.setattr(explorer_module, "_svg", lambda *args, **options: "<svg/>")
    size = explorer_module.LAYOUT_LIMIT + 1
    expression = "*".join(["x"] * size)  # x*x*...: x and size - 1 products
    argv = ["explore", expression, "--at", "x=1", "--max-nodes", str(size), "-o", str(tmp_path / "p.html")]
    assert main(argv) == 0, capsys.readouterr().err


def test_a_slow_layout_says_so_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(explorer_module, "PROGRESS_AFTER", 0.05)
    assert explorer_module._with_progress(12, lambda: time.sleep(0.5) or "slow") == "slow"
    assert capsys.readouterr().err == "explore: Graphviz is laying out 12 values (this can take minutes)...\n"
    assert explorer_module._with_progress(12, lambda: "fast") == "fast"
    time.sleep(0.2)
    assert capsys.readouterr().err == ""  # done before PROGRESS_AFTER: nothing said
    # A small graph with the real threshold says nothing (0.05 s would be too tight on a loaded CI box).
    monkeypatch.setattr(explorer_module, "PROGRESS_AFTER", 10.0)
    explore(x_times_y())
    assert capsys.readouterr().err == ""
