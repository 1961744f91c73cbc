"""autograd-mini train-view: the page it writes is the run trained in-process, and bad input is
refused before any training with exit 2, an unwritable page with exit 1 and the old file kept."""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path
from typing import Any

import pytest

from autograd_mini import Run, cli, datasets, losses, nn, optim, record
from autograd_mini._drawing import format_number
from autograd_mini.cli import main
from autograd_mini.demos import training_view
from autograd_mini.training_page import page_data, unpack
from tests.browser import Opened
from tests.cli.helpers import ERROR, run
from tests.helpers import ROOT

OUT = ROOT / "out"
SMALL = ["--samples", "16", "--hidden", "3", "--steps", "5"]


def f32(value: float) -> float:
    """``value`` as the page stores parameters and gradients (float32)."""
    result: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return result


def trained_in_process(
    data: str, samples: int, noise: float, hidden: list[int], activation: str, loss: str, lr: float | None
) -> tuple[Run, nn.MLP, list[list[float]], list[float]]:
    """The run the command should record, written out here as a user would write it (seed 0, 5 steps)."""
    steps, labels = 5, ((-1.0, 1.0) if loss == "hinge" else (0.0, 1.0))
    make = datasets.make_moons if data == "moons" else datasets.make_circles
    X, y = make(samples, noise=noise, seed=0, labels=labels)
    model = nn.MLP(2, [*hidden, 1], activation=activation, seed=0)
    loss_of = losses.hinge if loss == "hinge" else losses.binary_cross_entropy
    if lr is None:
        optimizer: optim.Optimizer = optim.SGD(model.parameters(), lr=lambda k: 0.5 - 0.45 * k / steps)
    else:
        optimizer = optim.Adam(model.parameters(), lr=lr)
    with record(model, progress=False) as recorded:
        for _ in range(steps):
            value = loss_of([model(x) for x in X], y)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            recorded.step(value)
    return recorded, model, X, y


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ("moons", 16, 0.1, [3], "relu", "hinge", None)),
        (
            ["--data", "circles", "--noise", "0.05", "--hidden", "4,3", "--activation", "tanh",
             "--loss", "bce", "--optimizer", "adam", "--lr", "0.05"],
            ("circles", 16, 0.05, [4, 3], "tanh", "bce", 0.05),
        ),
    ],
)  # fmt: skip
def test_the_page_holds_the_run_trained_in_process_bit_for_bit(
    options: list[str], expected: tuple[Any, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.html"
    status, printed, err = run(["train-view", *SMALL, *options, "-o", str(out)], capsys)
    assert status == 0, err
    assert err == ""  # stderr is not a terminal here: no progress bar
    recorded, model, X, y = trained_in_process(*expected)
    data = page_data(out.read_text(encoding="utf-8"))
    assert unpack(data["loss"], "d") == recorded.losses  # float64 on the page: exact
    assert data["names"] == recorded.names
    n = len(recorded.params)
    before, grads = unpack(data["before"]), unpack(data["grads"])
    for s, snap in enumerate(recorded.snapshots):
        assert before[s * n : (s + 1) * n] == [f32(v) for v in snap.before]
        assert grads[s * n : (s + 1) * n] == [f32(g) for g in snap.grads]
    assert data["boundary"]["labels"] == y
    assert [e["step"] for e in data["explorers"]] == [4]  # one sample's explorer at the last step
    right = sum((model.predict(x).data > 0) == (t == 1.0) for x, t in zip(X, y, strict=True))
    lines = printed.splitlines()
    assert lines[0].startswith(f"wrote {out} (") and lines[0].endswith(" MB): open it in a browser")
    assert lines[1] == (
        f"loss {recorded.losses[0]:.4g} -> {recorded.losses[-1]:.4g} after 5 steps, "
        f"training accuracy {right / len(y):.0%}"
    )
    assert len(lines) == 2


def test_the_defaults_are_the_demos_run() -> None:
    args = cli._parser().parse_args(["train-view"])
    chosen = (args.data, args.samples, args.noise, args.hidden, args.activation, args.loss, args.optimizer)
    assert chosen == ("moons", training_view.SAMPLES, 0.1, [8, 8], "relu", "hinge", "sgd")
    assert (args.lr, args.steps, args.seed, args.output) == (None, training_view.STEPS, 0, "training.html")
    falling = cli._optimizer(args, nn.MLP(2, [1]))
    assert callable(falling.lr) and falling.lr(0) == 0.5 and falling.lr(120) == pytest.approx(0.05)
    assert isinstance(
        cli._optimizer(cli._parser().parse_args(["train-view", "--optimizer", "adam"]), nn.MLP(2, [1])),
        optim.Adam,
    )


def test_a_network_too_large_for_the_explorer_gets_a_page_without_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wide.html"
    status, printed, _ = run(
        ["train-view", "--samples", "8", "--steps", "2", "--hidden", "16,16", "-o", str(out)], capsys
    )
    assert status == 0
    assert page_data(out.read_text(encoding="utf-8"))["explorers"] == []
    assert (
        printed.splitlines()[-1] == "(no explorer on the page: one sample's graph has more than 400 values)"
    )


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (["--steps", "0"], "argument --steps: must be at least 1 and at most 5000, got 0"),
        (["--steps", "5001"], "argument --steps: must be at least 1 and at most 5000, got 5001"),
        (["--steps", "ten"], "argument --steps: 'ten' is not a whole number"),
        (["--samples", "1"], "argument --samples: must be at least 2 and at most 2000, got 1"),
        (["--samples", "2001"], "argument --samples: must be at least 2 and at most 2000, got 2001"),
        (["--hidden", "0"], "argument --hidden: each width must be at least 1 and at most 64, got 0"),
        (["--hidden", "8,65"], "argument --hidden: each width must be at least 1 and at most 64, got 65"),
        (["--hidden", "8,,8"], "argument --hidden: each width '' is not a whole number"),
        (["--hidden", "1,1,1,1,1"], "argument --hidden: at most 4 hidden layers, got 5 in '1,1,1,1,1'"),
        (["--lr", "0"], "argument --lr: must be > 0, got 0"),
        (["--lr", "-0.1"], "argument --lr: must be > 0, got -0.1"),
        (["--lr", "nan"], "argument --lr: 'nan' is not a finite number"),
        (["--lr", "inf"], "argument --lr: 'inf' is not a finite number"),
        (["--noise", "-0.1"], "argument --noise: must be >= 0 and at most 10, got -0.1"),
        (["--noise", "11"], "argument --noise: must be >= 0 and at most 10, got 11"),
        (["--noise", "1e999"], "argument --noise: '1e999' is not a finite number"),
        (["--seed", "-1"], "argument --seed: must be at least 0 and at most 4294967295, got -1"),
        (["--activation", "softmax"], "argument --activation: invalid choice: 'softmax'"),
        (["--loss", "mse"], "argument --loss: invalid choice: 'mse'"),
        (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
        (["--data", "blobs"], "argument --data: invalid choice: 'blobs'"),
        (["-o", "page.svg"], "train-view writes an HTML page: the output must end in .html or .htm"),
        (["stray"], "unrecognized arguments: stray"),
        (
            ["--steps", "5000", "--samples", "2000", "--hidden", "64,64"],
            "train-view: 5000 steps x 2000 samples x 4417 parameters is too much training",
        ),
    ],
)
def test_bad_input_is_refused_before_training(
    options: list[str], reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("training started")

    monkeypatch.setattr(cli, "record", no_training)
    status, printed, err = run(["train-view", *options], capsys)
    assert status == 2
    first, *rest = err.splitlines()
    assert first.startswith(ERROR) and reason in first, first
    assert all(line.startswith(("usage:", " ")) for line in rest)  # then only the usage, as argparse gives it
    assert printed == ""
    assert os.listdir(tmp_path) == []


def test_an_unwritable_page_exits_1_before_training_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "kept.html"
    out.write_text("the old page")
    out.chmod(0o444)  # refused even for root (replace_file honours the mode bits)
    monkeypatch.setattr(cli, "record", lambda *a, **k: pytest.fail("training started"))
    status, printed, err = run(["train-view", *SMALL, "-o", str(out)], capsys)
    assert status == 1
    assert err.splitlines() == [
        f"{ERROR}cannot write {out}: Permission denied (the file is read-only, mode 0444)"
    ]
    assert printed == ""
    assert out.read_text() == "the old page"
    assert os.listdir(tmp_path) == ["kept.html"]  # no temporary file left beside it


@pytest.mark.parametrize("where", ["missing/run.html", "folder.html"])
def test_a_missing_folder_or_a_folder_fails_before_training(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folder.html").mkdir()
    monkeypatch.setattr(cli, "record", lambda *a, **k: pytest.fail("training started"))
    status, printed, err = run(["train-view", *SMALL, "-o", where], capsys)
    assert status == 1
    assert err.splitlines() == [
        f"{ERROR}cannot write {where}: "
        + ("the folder missing does not exist" if where.startswith("missing") else "it is a folder")
    ]
    assert printed == ""


def test_a_diverging_run_writes_the_steps_up_to_it_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, printed, err = run(["train-view", *SMALL, "--lr", "1e300", "-o", "run.html"], capsys)
    assert status == 1
    (line,) = err.splitlines()
    assert line.startswith(f"{ERROR}training diverged at step 1 (") and line.endswith(
        "; the page shows steps 0 to 1 (a smaller --lr may help)"
    )
    assert printed.startswith("wrote run.html (")
    data = page_data((tmp_path / "run.html").read_text(encoding="utf-8"))
    first, last = unpack(data["loss"], "d")  # the diverged step is kept, its loss marked on the curve
    assert math.isfinite(first) and not math.isfinite(last)
    assert data["explorers"] == []


def test_progress_is_shown_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    status, _, err = run(["train-view", *SMALL], capsys)
    assert status == 0
    assert "moons" in err and "5/5" in err


def test_help_lists_every_option_and_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    status, printed, _ = run(["train-view", "--help"], capsys)
    assert status == 0
    for option in ("--data", "--samples", "--noise", "--hidden", "--activation", "--loss", "--optimizer",
                   "--lr", "--steps", "--seed", "--output"):  # fmt: skip
        assert option in printed, option
    assert "example: autograd-mini train-view" in printed
    assert "{" + ",".join(nn.ACTIVATIONS) + "}" in printed  # the nn module's own list
    assert "Exit status: 0 done, 1" in " ".join(printed.split())
    status, printed, _ = run(["--help"], capsys)
    assert "train-view" in printed


@pytest.mark.browser
def test_the_written_page_moves_with_its_slider(
    browser: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.html"
    assert main(["train-view", *SMALL, "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    loss = unpack(page_data(html)["loss"], "d")
    tab = Opened(browser)
    page = tab.load(html)
    for index in (1, 4):
        page.evaluate(
            "i => { const s = document.getElementById('slider'); s.value = String(i);"
            " s.dispatchEvent(new Event('input')); }",
            index,
        )
        assert page.locator("#position").text_content() == f"step {index} of 4"
        page.click("#phases button[data-phase=loss]")
        assert (
            page.locator("#narration").text_content()
            == f"step {index}, loss: L = {format_number(loss[index], 4)}"
        )
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "train_view_cli.png"), full_page=True)
    tab.close()
