"""The recorder: what it keeps per step, that it never changes training, and what it refuses."""

from __future__ import annotations

import math
import struct
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Run, Value, datasets, losses, nn, optim, record
from autograd_mini.recording import MAX_GRID


def moons_setup(seed: int = 0) -> tuple[nn.MLP, list[list[float]], list[float]]:
    X, y = datasets.make_moons(24, noise=0.1, seed=seed)
    return nn.MLP(2, [4, 4, 1], activation="tanh", seed=seed), X, y


def train(
    model: nn.MLP, X: list[list[float]], y: list[float], steps: int, run: Run | None, adam: bool = False
) -> list[float]:
    params = model.parameters()
    optimizer: optim.Optimizer = optim.Adam(params, lr=0.05) if adam else optim.SGD(params, lr=0.1)
    seen = []
    for _ in range(steps):
        loss = losses.hinge([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if run is not None:
            run.step(loss)
        seen.append(loss.data)
    return seen


def bits(values: list[float]) -> list[bytes]:
    return [struct.pack("<d", v) for v in values]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 1000), adam=st.booleans())
def test_training_is_bit_identical_with_and_without_recording(seed: int, adam: bool) -> None:
    plain, X, y = moons_setup(seed)
    watched, _, _ = moons_setup(seed)
    losses_plain = train(plain, X, y, 6, None, adam)
    with record(watched, progress=False) as run:
        run.watch_boundary(X, y, every=2, grid=5)
        losses_watched = train(watched, X, y, 6, run, adam)
    assert bits(losses_plain) == bits(losses_watched)
    assert bits([p.data for p in plain.parameters()]) == bits([p.data for p in watched.parameters()])
    assert bits([p.grad for p in plain.parameters()]) == bits([p.grad for p in watched.parameters()])
    assert run.losses == losses_watched


def test_each_step_keeps_values_before_and_after_the_update_and_the_gradients() -> None:
    model, X, y = moons_setup()
    params = model.parameters()
    run = record(model, progress=False)
    optimizer = optim.SGD(params, lr=0.1)
    for k in range(3):
        start = [p.data for p in params]
        loss = losses.hinge([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        run.step(loss)
        snap = run.snapshot(k)
        assert list(snap.before) == start
        assert list(snap.grads) == [p.grad for p in params]
        assert list(snap.after) == [p.data for p in params]
        for layer, name in enumerate(run.layers):
            members = [i for i, owner in enumerate(run.layer_of) if owner == layer]
            norm = math.sqrt(sum(params[i].grad ** 2 for i in members))
            assert run.grad_norms[k][layer] == pytest.approx(norm, rel=1e-12), name
            moved = math.sqrt(sum((params[i].data - start[i]) ** 2 for i in members))
            size = math.sqrt(sum(start[i] ** 2 for i in members))
            assert run.update_ratios[k][layer] == pytest.approx(moved / size, rel=1e-9)
    assert run.layers == ["layer 1 (tanh)", "layer 2 (tanh)", "output (linear)"]
    assert run.step_count == 3


def test_snapshots_are_thinned_to_every_kth_step_past_the_limit() -> None:
    w = Value(1.0, "w")
    run = record([w], max_snapshots=4, progress=False)
    for k in range(21):
        loss = (w - 3.0) ** 2
        w.grad = 0.0
        loss.backward()
        w.data -= 0.01 * w.grad
        run.step(loss)
        assert len(run.snapshots) <= 4, k
    assert len(run.losses) == 21  # the loss and layer norms are kept for every step
    assert run.stride == 8
    assert [s.step for s in run.snapshots] == [0, 8, 16]
    with pytest.raises(ValueError, match=r"step 3 was not kept .*every 8"):
        run.snapshot(3)


def test_explain_step_shows_the_update_with_numbers() -> None:
    model, X, y = moons_setup()
    run = record(model, progress=False)
    train(model, X, y, 2, run)
    text = run.explain_step(1, limit=2)
    snap = run.snapshot(1)
    assert "1. forward" in text and "2. loss" in text and "3. backward" in text and "4. update" in text
    assert "p.data -= lr * p.grad, with lr = 0.1" in text
    first = f"{snap.before[0]:.4g} - 0.1 * ({snap.grads[0]:.4g}) = {snap.after[0]:.4g}"
    assert first in text
    assert f"and {len(run.params) - 2} more parameters" in text


def test_explain_step_says_when_the_update_is_not_plain_sgd() -> None:
    model, X, y = moons_setup()
    run = record(model, progress=False)
    train(model, X, y, 2, run, adam=True)
    assert "not plain SGD" in run.explain_step(1)


def test_nan_losses_are_recorded_and_marked_never_raised() -> None:
    w = Value(1.0, "w")
    run = record([w], progress=False)
    for k in range(4):
        loss = w * 1e308 * 1e308 - w * 1e308 * 1e308 if k >= 2 else w * w  # inf - inf = nan
        w.grad = 0.0
        loss.backward()
        run.step(loss)
    assert run.nan_steps == [2, 3]
    assert math.isnan(run.losses[2])
    page = run.page()  # no drawing for a list of Values, but a page
    assert "<!DOCTYPE html>" in page.html


class NoParameters(nn.Module):
    def __init__(self) -> None:
        self.scale = 2.0


@pytest.mark.parametrize(
    ("model", "error", "message"),
    [
        (NoParameters(), ValueError, "no parameters"),
        ([], ValueError, "no parameters"),
        (Value(1.0), TypeError, "a Module .* or a list of parameter Values"),
        ("weights", TypeError, "a Module"),
        ([Value(1.0), 2.0], TypeError, "parameter Values only"),
    ],
)
def test_record_refuses_what_cannot_be_watched(model: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        record(model, progress=False)


@pytest.mark.parametrize("bad", [0.5, "0.5", None, [Value(1.0)]])
def test_step_refuses_a_loss_that_is_not_a_value_and_records_nothing(bad: Any) -> None:
    w = Value(1.0)
    run = record([w], progress=False)
    with pytest.raises(TypeError, match="loss must be a Value"):
        run.step(bad)
    assert run.losses == [] and run.snapshots == []


def test_step_given_loss_data_hints_at_the_value() -> None:
    run = record([Value(1.0)], progress=False)
    with pytest.raises(TypeError, match=r"not loss\.data"):
        run.step(0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("X", "y", "options", "message"),
    [
        ([[0.0, 1.0, 2.0]], [1.0], {}, r"X\[0\] must be two finite numbers"),
        ([[0.0, math.nan]], [1.0], {}, r"X\[0\] must be two finite numbers"),
        ([], [], {}, "non-empty list"),
        ([[0.0, 1.0]], [1.0, 2.0], {}, "one label per point"),
        ([[0.0, 1.0]], ["a"], {}, "finite number"),
        ([[0.0, 1.0]], [1.0], {"every": 0}, "every must be an int >= 1"),
        ([[0.0, 1.0]], [1.0], {"grid": MAX_GRID + 1}, "at most"),
    ],
)
def test_watch_boundary_refuses_bad_data(X: Any, y: Any, options: dict[str, Any], message: str) -> None:
    model, _, _ = moons_setup()
    run = record(model, progress=False)
    with pytest.raises(ValueError, match=message):
        run.watch_boundary(X, y, **options)
    assert run.boundary is None


def test_watch_boundary_needs_one_output() -> None:
    model = nn.MLP(2, [3, 2], seed=0)
    run = record(model, progress=False)
    with pytest.raises(ValueError, match="return one Value"):
        run.watch_boundary([[0.0, 1.0]], [1.0])


def test_boundary_grids_are_the_model_before_their_step() -> None:
    model, X, y = moons_setup()
    run = record(model, progress=False)
    run.watch_boundary(X, y, every=2, grid=3)
    corner = (run.boundary.extent[0], run.boundary.extent[2]) if run.boundary else (0.0, 0.0)
    first = model.predict(list(corner)).data
    train(model, X, y, 4, run)
    boundary = run.boundary
    assert boundary is not None
    assert boundary.steps == [0, 2, 4]
    assert boundary.scores[0][0] == first
    assert boundary.scores[-1][0] == model.predict(list(corner)).data
    assert len(boundary.scores[1]) == 9


def test_explore_uses_the_steps_values_and_puts_everything_back() -> None:
    model, X, y = moons_setup()
    run = record(model, progress=False)
    train(model, X, y, 3, run)
    params = model.parameters()
    now = [(p.data, p.grad) for p in params]
    seen: list[float] = []

    def sample_loss() -> Value:
        seen.append(params[0].data)
        loss = losses.hinge([model(X[0])], [y[0]])
        loss.backward()  # touching grads is allowed: they are put back
        return loss

    explorer = run.explore(1, sample_loss)
    assert seen == [run.snapshot(1).before[0]]
    assert [(p.data, p.grad) for p in params] == now
    assert "step 1" in explorer.title
    with pytest.raises(ValueError, match="was not kept"):
        run.explore(7, sample_loss)
    with pytest.raises(TypeError, match="must return a Value"):
        run.explore(1, lambda: 0.5)  # type: ignore[arg-type, return-value]
    assert [(p.data, p.grad) for p in params] == now


def test_progress_is_a_plain_line_without_tqdm(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    w = Value(2.0)
    with record([w], steps=2, description="fit") as run:
        for _ in range(2):
            loss = w * w
            run.step(loss)
    assert "fit: step 2/2, loss 4" in capsys.readouterr().err


def test_progress_bar_with_tqdm_shows_the_loss(capsys: Any) -> None:
    w = Value(2.0)
    with record([w], steps=1, description="fit") as run:
        run.step(w * w)
    err = capsys.readouterr().err
    assert "fit" in err and "loss=4" in err


@settings(max_examples=40, deadline=None)
@given(limit=st.integers(2, 9), steps=st.integers(1, 70))
def test_thinning_keeps_every_strideth_step_within_the_limit(limit: int, steps: int) -> None:
    w = Value(0.5)
    run = record([w], max_snapshots=limit, progress=False)
    for _ in range(steps):
        run.step(w * w)
    kept = [s.step for s in run.snapshots]
    assert 1 <= len(kept) <= limit
    assert kept == list(range(0, steps, run.stride))  # every stride-th step from 0, none missing
    assert len(run.losses) == steps
    # the stride is as small as the limit allows: half of it would keep too many
    assert run.stride == 1 or len(range(0, steps, run.stride // 2)) > limit


def test_a_diverging_step_is_recorded_whole_not_raised() -> None:
    # An update of 5e199: its square overflows float ** 2 (OverflowError); the run keeps inf.
    model = nn.MLP(2, [3, 1], seed=0)
    opt = optim.SGD(model.parameters(), lr=1e200)
    run = record(model, progress=False)
    run.watch_boundary([[0.1, 0.2], [0.5, -0.3]], [1.0, -1.0], every=1, grid=5)
    loss = losses.mse([model([0.1, 0.2])], [5.0])
    opt.zero_grad()
    loss.backward()
    opt.step()
    run.step(loss)
    assert len(run.losses) == len(run.grad_norms) == len(run.update_ratios) == len(run.snapshots) == 1
    assert math.inf in run.update_ratios[0]
    assert run.snapshots[0].after[0] == model.parameters()[0].data  # 5.48e199, kept exactly
