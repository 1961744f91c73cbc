"""Optimizers against their published update rules."""

from __future__ import annotations

import math

import pytest

from autograd_mini import Value, optim


def quadratic_grad(p: Value, target: float) -> None:
    """Set p.grad to d/dp (p - target)^2 via the engine."""
    p.zero_grad()
    ((p - target) ** 2).backward()


def test_sgd_plain_step() -> None:
    p = Value(1.0)
    quadratic_grad(p, 3.0)  # grad = -4
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    assert p.data == pytest.approx(1.4)
    assert p.is_leaf


def test_sgd_momentum_and_weight_decay_follow_pytorch() -> None:
    p = Value(1.0)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    expected, velocity = 1.0, 0.0
    for step in range(3):
        quadratic_grad(p, 3.0)
        g = 2 * (expected - 3.0) + 0.5 * expected
        velocity = g if step == 0 else 0.9 * velocity + g
        expected -= 0.1 * velocity
        opt.step()
        assert p.data == pytest.approx(expected, rel=1e-15)


def test_adam_two_steps_by_hand() -> None:
    p = Value(1.0)
    opt = optim.Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    # step 1: g = 2 (1 - 3) = -4
    quadratic_grad(p, 3.0)
    opt.step()
    m1, v1 = 0.1 * -4, 0.001 * 16
    p1 = 1.0 - 0.1 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + 1e-8)  # = 1 + 0.1 * 4/(4 + 1e-8)
    assert p.data == pytest.approx(p1, rel=1e-15)
    # step 2: g = 2 (p1 - 3)
    quadratic_grad(p, 3.0)
    g2 = 2 * (p1 - 3)
    opt.step()
    m2 = 0.9 * m1 + 0.1 * g2
    v2 = 0.999 * v1 + 0.001 * g2 * g2
    p2 = p1 - 0.1 * (m2 / (1 - 0.9**2)) / (math.sqrt(v2 / (1 - 0.999**2)) + 1e-8)
    assert p.data == pytest.approx(p2, rel=1e-15)


def test_learning_rate_schedule_gets_the_step_number() -> None:
    p = Value(0.0)
    seen: list[int] = []

    def schedule(step: int) -> float:
        seen.append(step)
        return 1.0 - 0.9 * step / 100

    opt = optim.SGD([p], lr=schedule)
    for _ in range(3):
        p.zero_grad()
        (p * 1.0).backward()  # grad = 1
        opt.step()
    assert seen == [0, 1, 2]
    assert p.data == pytest.approx(-(1.0 + 0.991 + 0.982))


def test_optimizer_drives_loss_down() -> None:
    params = [Value(5.0), Value(-3.0)]
    opt = optim.Adam(params, lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        ((params[0] - 1) ** 2 + (params[1] + 2) ** 2).backward()
        opt.step()
    assert params[0].data == pytest.approx(1.0, abs=1e-2)
    assert params[1].data == pytest.approx(-2.0, abs=1e-2)


def test_bad_arguments_and_state_untouched() -> None:
    p = Value(1.0)
    with pytest.raises(ValueError, match="no parameters"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="leaves"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD([p], lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(0.9,))  # type: ignore[arg-type]
    opt = optim.SGD([p], lr=lambda step: float("nan"))
    p.zero_grad()
    (p * 1.0).backward()
    with pytest.raises(ValueError, match="learning rate at step 0"):
        opt.step()
    assert p.data == 1.0 and opt.steps == 0


def test_step_with_given_gradients() -> None:
    params = [Value(1.0), Value(2.0)]
    opt = optim.SGD(params, lr=0.5)
    opt.step([2.0, -2.0])
    assert [p.data for p in params] == [0.0, 3.0]
    with pytest.raises(ValueError, match="1 gradients for 2 parameters"):
        opt.step([1.0])
    assert [p.data for p in params] == [0.0, 3.0] and opt.steps == 1
