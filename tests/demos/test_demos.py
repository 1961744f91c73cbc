"""The seed demos agree with the engine (asserted, not only printed), and every demo runs."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mini.cli import main as cli
from autograd_mini.demos import (
    DEMOS,
    _common,
    argument_parser,
    chain_rule,
    cheatsheet_network,
    four_layer_network,
    moons,
    run,
)
from autograd_mini.demos.__main__ import main as run_all
from tests.helpers import ROOT


@pytest.fixture
def out_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_common, "OUT", tmp_path)
    return tmp_path


def test_chain_rule_table() -> None:
    rows = {row["f"]: row for row in chain_rule.chain_rule_rows()}
    assert rows["x * y"] == {
        "f": "x * y",
        "z": -12.0,
        "dz/dx": -4.0,
        "dz/dy": 3.0,
        "dL/dx": -8.0,
        "dL/dy": 6.0,
    }
    division = rows["x / y"]
    assert (division["dz/dx"], division["dz/dy"]) == (1 / -4, -3 / 16)
    assert (division["dL/dx"], division["dL/dy"]) == (2 * (1 / -4), 2 * (-3 / 16))


def test_cheatsheet_equations_match_the_engine() -> None:
    rows = cheatsheet_network.compare()
    assert len(rows) == 2 + 4 + 2 + 2  # Wh (1,2), Wo (2,2), Bh (1,2), Bo (1,2)
    assert max(row.difference for row in rows) <= 1e-12
    # The chosen numbers exercise both ReLU branches in both layers.
    hand = cheatsheet_network.by_hand()
    assert any(v < 0 for r in hand["Zh"] for v in r) and any(v < 0 for r in hand["Zo"] for v in r)
    # One entry written out: C'(Wo[0][0]) = sum over samples of H[i][0] * Eo[i][0].
    expected = sum(hand["H"][i][0] * hand["Eo"][i][0] for i in range(3))
    assert next(r for r in rows if r.name == "Wo[0][0]").engine == pytest.approx(expected, abs=1e-15)


def test_cheatsheet_demo_fails_loudly_on_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    real = cheatsheet_network.by_hand

    def off_by_a_little() -> dict[str, list[list[float]]]:
        result = real()
        result["dWo"][0][0] += 1e-9
        return result

    monkeypatch.setattr(cheatsheet_network, "by_hand", off_by_a_little)
    assert cheatsheet_network.main([]) == 1


def test_four_layer_chain_rule_and_all_gradients() -> None:
    example, hand, engine = four_layer_network.chain_rule_example()
    assert abs(example.by_hand - example.engine) <= 1e-12
    assert set(hand) == set(engine) and len(engine) == 8 + 2 + 4 + 2 + 2
    assert all(abs(hand[name] - engine[name]) <= 1e-12 for name in engine)


def test_four_layer_gradient_descent_lowers_the_cost() -> None:
    costs = four_layer_network.gradient_descent(50)
    # the last entry is the one that stopped falling (the loop's termination test)
    assert all(later < earlier for earlier, later in itertools.pairwise(costs[:-1]))
    assert costs[-1] < costs[0] / 1000


@pytest.mark.slow
def test_moons_reaches_97_percent_with_the_default_seed() -> None:
    run = moons.train(show_progress=False)
    assert len(run.loss) == 100
    assert moons.final_accuracy(run) >= 0.97
    assert run.loss[-1] < run.loss[0]


# The two drawing-only demos take a fraction of a second; the others train or plot: slow.
@pytest.mark.parametrize(
    "name",
    [
        n if n in ("chain_rule", "cheatsheet_network") else pytest.param(n, marks=pytest.mark.slow)
        for n in DEMOS
    ],
)
def test_every_demo_runs_in_quick_mode(name: str, out_dir: Path) -> None:
    module = __import__(f"autograd_mini.demos.{name}", fromlist=["main"])
    quick = ["--quick"] if DEMOS[name].quick else []
    assert module.main(quick) == 0
    if any(
        file.endswith(".png") and file.replace(".png", ".dot") not in DEMOS[name].writes
        for file in DEMOS[name].writes
    ):  # a matplotlib picture
        assert any(out_dir.glob("*.png"))
    # The list says what each demo writes (with Graphviz's dot program, which make test installs).
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(DEMOS[name].writes)


@pytest.mark.parametrize("name", [name for name, demo in DEMOS.items() if not demo.quick])
def test_a_demo_the_list_gives_no_quick_mode_refuses_quick(name: str) -> None:
    with pytest.raises(SystemExit):
        argument_parser(name, None).parse_args(["--quick"])


@pytest.mark.slow
def test_demos_run_as_modules(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout, wherever the test runs from
    env.pop("AUTOGRAD_MINI_OUT", None)
    for name in ("chain_rule", "four_layer_network"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                f"autograd_mini.demos.{name}",
                *(["--quick"] if name != "chain_rule" else []),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout
        assert (tmp_path / "out" / DEMOS[name].writes[0]).is_file()  # out/ of the working folder


def test_the_runner_and_the_command_list_every_demo(capsys: pytest.CaptureFixture[str]) -> None:
    for list_them in (lambda: run_all(["--list"]), lambda: cli(["demo", "--list"])):
        assert list_them() == 0
        names = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line[:1].isalpha()]
        assert names[: len(DEMOS)] == list(DEMOS)


def test_the_command_passes_a_demos_own_options(out_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["demo", "moons", "--quick", "--compiled", "--seed", "1"]) == 0
    assert "10 steps" in capsys.readouterr().out
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(DEMOS["moons"].writes)


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["demo", "folded_mlp", "--compiled"], "demo folded_mlp: unrecognized arguments: --compiled"),
        (["demo", "chain_rule", "--quick"], "demo chain_rule has no quick mode"),
        (["demo", "moons", "--seed", "two"], "demo moons: argument --seed: invalid int value: 'two'"),
    ],
)
def test_the_command_refuses_an_option_the_demo_does_not_take(
    argv: list[str], reason: str, out_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"autograd-mini: error: {reason}")
    assert "options: " in err.splitlines()[0]
    assert not any(out_dir.iterdir())  # refused before the demo ran


@pytest.mark.parametrize(
    ("name", "hidden", "extra"),
    [("chain_rule", "graphviz", "viz"), ("moons", "matplotlib", "demos"), ("newton", "matplotlib", "demos")],
)
def test_a_missing_package_names_the_extra_to_install(
    name: str,
    hidden: str,
    extra: str,
    out_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, hidden, None)  # import and find_spec both fail, as when not installed
    install = f"pip install 'autograd-mini[{extra}]'"
    assert cli(["demo", name]) == 1
    assert (
        capsys.readouterr().err
        == f"autograd-mini: error: demo {name} needs {hidden}, which is not installed: {install}\n"
    )
    assert run(name, []) == 1
    assert install in capsys.readouterr().err
    assert not any(out_dir.iterdir())  # checked before the demo ran


def test_plots_without_matplotlib_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'autograd-mini\[demos\]'"):
        _common.pyplot()


def test_demos_write_dot_files_and_a_hint_without_graphviz(
    out_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(out_dir))  # no dot program here
    assert chain_rule.main([]) == 0
    assert (out_dir / "chain_rule_graph.dot").read_text().startswith("digraph")
    assert not (out_dir / "chain_rule_graph.svg").exists()
    assert "dot program is not installed" in capsys.readouterr().out


@pytest.mark.slow
def test_moons_compiled_training_matches_eager() -> None:
    eager = moons.train(5, show_progress=False)
    compiled = moons.train(5, show_progress=False, compiled=True)
    assert compiled.loss == eager.loss
    assert compiled.model.state_dict() == eager.model.state_dict()


def test_docs_images_show_what_the_code_draws() -> None:
    """The README's drawings are current: docs/images/STEM.dot equals today's DOT source."""
    from autograd_mini.demos import check_images

    assert check_images.stale_drawings() == []


def test_the_currency_check_notices_a_stale_drawing(tmp_path: Path) -> None:
    from autograd_mini.demos import check_images

    for path in check_images.IMAGES.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    stale = tmp_path / "chain_rule_graph.dot"
    stale.write_text(stale.read_text().replace("data 3", "data 4"))
    assert check_images.stale_drawings(tmp_path) == ["chain_rule_graph.dot"]


def test_folded_mlp_draws_the_lecture_loss_in_far_fewer_boxes() -> None:
    from autograd_mini import toposort
    from autograd_mini.demos import folded_mlp

    _, total = folded_mlp.loss(4)
    drawings = folded_mlp.drawings()
    assert len(toposort(total)) == 344
    assert drawings["folded_mlp_loss"].source.count("label=<<TABLE") < 344 / 2
    assert drawings["folded_mlp_graph"].source.count("Σ wᵢxᵢ + b") == 9


def test_seed_drawings_show_named_gradients_and_both_halves() -> None:
    xyz = chain_rule.drawings()["chain_rule_graph"].source
    # top to bottom, the chain rule's numbers are on a line of their own
    assert "dL/dx = dL/dz · ∂z/∂x</FONT><BR/>" in xyz and "= 2 · (-4) = -8" in xyz and "seed dL/dz = 2" in xyz
    neuron = chain_rule.drawings()["neuron_graph"].source
    assert "x1*w1 + x2*w2 (<B>t3</B>)" in neuron and "∂x1*w1" not in neuron
    cheatsheet = cheatsheet_network.drawing().source
    assert "dC/dw 0.256" in cheatsheet  # C'(Wo[0][1]) of the article's equations
    four = four_layer_network.drawing().source
    example, _, _ = four_layer_network.chain_rule_example()
    assert f"dC/dw {example.engine:.3g}" in four  # dC/dw22(2), the article's worked example


def test_folded_mlp_docstring_counts_are_the_real_ones() -> None:
    from autograd_mini import toposort
    from autograd_mini.demos import folded_mlp

    one, four = (len(toposort(folded_mlp.loss(samples)[1])) for samples in (1, 4))
    doc = " ".join((folded_mlp.__doc__ or "").split())
    assert f"is {one} values, the lecture's 4-sample loss {four}." in doc


def test_the_lecture_mlp_is_the_lectures_network() -> None:
    """tanh on every layer, the output's too (the lecture's Layer applies it everywhere)."""
    from autograd_mini.demos import folded_mlp

    model, total = folded_mlp.loss(1)
    assert model.activation == model.output_activation == "tanh"
    assert 0.0 <= total.data < 4.0  # (tanh(.) - 1)^2 is below 4 for a target of 1
