"""Optimizers against their published update rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import pytest

from autograd_mini import Value, nn, optim
from tests.statecheck import unchanged


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


def trained(kind: str) -> tuple[optim.Optimizer, list[Value]]:
    """An optimizer one step in, so its state (velocity, moments) is not all zeros."""
    params = [Value(1.0, "a"), Value(-2.0, "b"), Value(0.5, "c")]
    opt: optim.Optimizer
    if kind == "sgd":
        opt = optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)
    else:
        opt = optim.Adam(params, lr=0.1, weight_decay=0.01)
    opt.step([0.5, -0.25, 2.0])
    for p in params:
        p.zero_grad()
        (p * 3.0).backward()  # grads 3.0, kept as they are by a refused step
    return opt, params


NAN, INF = float("nan"), float("inf")
BAD_GRADS: dict[str, object] = {
    "a string last": [1, 1, "x"],
    "a Value": [1, 1, Value(1.0)],
    "a bool": [1, 1, True],
    "None": [1, 1, None],
    "a complex": [1, 1, 1j],
    "nan": [1, 1, NAN],
    "inf": [1, 1, INF],
    "-inf": [INF * -1, 1, 1],
    "int too large": [1, 1, 10**400],
    "too few": [1, 1],
    "too many": [1, 1, 1, 1],
    "empty": [],
    "a string": "abc",
    "a number": 5,
    "a set": {1, 2, 3},
    "a dict": {0: 1.0, 1: 1.0, 2: 1.0},
    "a generator": (x for x in [1.0, 1.0, 1.0]),
    "overflowing update": [1e308, 1, 1],  # finite gradient, lr * g * ... gives inf
}


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", BAD_GRADS)
def test_bad_gradients_change_nothing(kind: str, name: str) -> None:
    opt, params = trained(kind)
    if name == "overflowing update":
        opt.lr = 1e10
    with unchanged(opt, params), pytest.raises((TypeError, ValueError)) as info:
        opt.step(BAD_GRADS[name])  # type: ignore[arg-type]
    assert "step" in str(info.value)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("grad", [NAN, INF, -INF])
def test_non_finite_grad_from_backward_is_refused(kind: str, grad: float) -> None:
    opt, params = trained(kind)
    params[1].zero_grad()
    (params[1] * grad).backward()
    with unchanged(opt, params), pytest.raises(ValueError, match=r"parameter #1 \('b'\) must be finite"):
        opt.step()


def test_adam_second_moment_overflow_is_refused() -> None:
    opt, params = trained("adam")
    with unchanged(opt, params), pytest.raises(ValueError, match=r"v\[0\] inf"):
        opt.step([1e200, 1.0, 1.0])  # g * g overflows even though the step itself stays finite


BAD_RATES: dict[str, object] = {
    "nan": NAN,
    "inf": INF,
    "negative": -0.5,
    "a string": "0.1",
    "a bool": True,
    "None": None,
    "a Value": Value(0.1),
}


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", BAD_RATES)
def test_bad_learning_rate_from_a_schedule_changes_nothing(kind: str, name: str) -> None:
    opt, params = trained(kind)
    opt.lr = lambda step: BAD_RATES[name]  # type: ignore[assignment, return-value]
    with unchanged(opt, params), pytest.raises((TypeError, ValueError), match="learning rate at step 1"):
        opt.step()


def test_schedule_that_raises_changes_nothing() -> None:
    opt, params = trained("adam")

    def broken(step: int) -> float:
        raise RuntimeError("schedule bug")

    opt.lr = broken
    with unchanged(opt, params), pytest.raises(RuntimeError):
        opt.step()


q = Value(1.0)
BAD_CONSTRUCTIONS: dict[str, tuple[Callable[[], object], str]] = {
    "lr nan": (lambda: optim.SGD([q], lr=NAN), "lr must be finite"),
    "lr inf": (lambda: optim.SGD([q], lr=INF), "lr must be finite"),
    "lr bool": (lambda: optim.SGD([q], lr=True), "lr must be a real number"),  # type: ignore[arg-type]
    "lr string": (lambda: optim.Adam([q], lr="0.1"), "lr"),  # type: ignore[arg-type]
    "lr None": (lambda: optim.Adam([q], lr=None), "lr"),  # type: ignore[arg-type]
    "momentum 1": (lambda: optim.SGD([q], lr=0.1, momentum=1.0), "momentum"),
    "momentum negative": (lambda: optim.SGD([q], lr=0.1, momentum=-0.1), "momentum"),
    "momentum nan": (lambda: optim.SGD([q], lr=0.1, momentum=NAN), "momentum"),
    "weight_decay negative": (lambda: optim.SGD([q], lr=0.1, weight_decay=-1.0), "weight_decay"),
    "weight_decay inf": (lambda: optim.Adam([q], weight_decay=INF), "weight_decay"),
    "eps 0": (lambda: optim.Adam([q], eps=0), "eps must be > 0"),
    "eps 0.0": (lambda: optim.Adam([q], eps=0.0), "eps must be > 0"),
    "eps negative": (lambda: optim.Adam([q], eps=-1e-8), "eps"),
    "eps nan": (lambda: optim.Adam([q], eps=NAN), "eps"),
    "eps inf": (lambda: optim.Adam([q], eps=INF), "eps"),
    "eps bool": (lambda: optim.Adam([q], eps=True), "eps"),
    "beta1 = 1": (lambda: optim.Adam([q], betas=(1.0, 0.999)), "betas"),
    "beta2 nan": (lambda: optim.Adam([q], betas=(0.9, NAN)), "betas"),
    "beta negative": (lambda: optim.Adam([q], betas=(-0.1, 0.999)), "betas"),
    "betas bool": (lambda: optim.Adam([q], betas=(True, 0.999)), "betas"),
    "betas of three": (lambda: optim.Adam([q], betas=(0.9, 0.99, 0.999)), "betas"),  # type: ignore[arg-type]
    "betas a string": (lambda: optim.Adam([q], betas="ab"), "betas"),  # type: ignore[arg-type]
    "the same parameter twice": (lambda: optim.SGD([q, q], lr=0.1), "#1 is the same Value as #0"),
    "a duplicate later": (lambda: optim.Adam([q, Value(2.0), q]), "#2 is the same Value as #0"),
    "one Value, not a list": (lambda: optim.SGD(q, lr=0.1), "iterable of Values"),  # type: ignore[arg-type]
    "a module": (lambda: optim.SGD(nn.Neuron(2), lr=0.1), "model.parameters()"),  # type: ignore[arg-type]
    "a number in the list": (lambda: optim.SGD([q, 1.0], lr=0.1), "got float at #1"),  # type: ignore[list-item]
    "a computed Value": (lambda: optim.SGD([q, q * 2], lr=0.1), "leaves"),
    "no parameters": (lambda: optim.Adam([]), "no parameters"),
}


@pytest.mark.parametrize("name", BAD_CONSTRUCTIONS)
def test_bad_construction_is_refused(name: str) -> None:
    build, message = BAD_CONSTRUCTIONS[name]
    with unchanged(q), pytest.raises((TypeError, ValueError), match=message):
        build()


def test_gradients_may_be_any_real_numbers() -> None:
    params = [Value(1.0), Value(1.0), Value(1.0)]
    opt = optim.SGD(params, lr=0.5)
    opt.step((2, Fraction(1, 2), -0.0))
    assert [p.data for p in params] == [0.0, 0.75, 1.0]
    assert all(type(p.data) is float for p in params)
    with pytest.raises(TypeError, match="list or tuple"):
        opt.step(x for x in [0.0, 0.0, 0.0])  # type: ignore[arg-type]
    assert opt.steps == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda p: optim.SGD([p], lr=0.1).step([10**5000]),
        lambda p: optim.SGD([p], lr=10**5000),
        lambda p: optim.Adam([p], eps=10**5000),
        lambda p: optim.SGD([p], lr=0.1).step([10**400]),
    ],
)
def test_optimizer_errors_shorten_huge_integers(call: object) -> None:
    p = Value(1.0, "p")
    with pytest.raises(ValueError, match="digits") as info:
        call(p)  # type: ignore[operator]
    assert len(str(info.value)) < 200 and p.data == 1.0


def test_a_nan_parameter_is_named_as_the_cause() -> None:
    q = Value(math.nan, "q")
    with pytest.raises(ValueError, match="parameter itself is not finite"):
        optim.SGD([q], lr=0.1).step([1.0])
