"""Losses against closed forms and central differences."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, datasets, gradcheck, losses

small = st.floats(-5, 5, allow_nan=False)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_mse_closed_form() -> None:
    preds = [Value(1.0), Value(2.0), Value(4.0)]
    loss = losses.mse(preds, [0.0, 2.0, 1.0])
    assert loss.data == (1 + 0 + 9) / 3
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([2 * 1 / 3, 0.0, 2 * 3 / 3])


def test_hinge_closed_form() -> None:
    scores = [Value(2.0), Value(0.5), Value(-0.5)]
    loss = losses.hinge(scores, [1, 1, 1])
    assert loss.data == pytest.approx((0 + 0.5 + 1.5) / 3)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, -1 / 3])


def test_bce_closed_form_and_stability() -> None:
    z = [Value(0.3), Value(-1.2)]
    loss = losses.binary_cross_entropy(z, [1, 0])
    expected = (-math.log(sigmoid(0.3)) - math.log(1 - sigmoid(-1.2))) / 2
    assert loss.data == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert z[0].grad == pytest.approx((sigmoid(0.3) - 1) / 2)
    assert z[1].grad == pytest.approx(sigmoid(-1.2) / 2)
    for logit, label, value, grad in [(1e3, 1, 0.0, 0.0), (-1e3, 1, 1e3, -1.0), (1e3, 0, 1e3, 1.0)]:
        v = Value(logit)
        out = losses.binary_cross_entropy([v], [label])
        out.backward()
        assert out.data == pytest.approx(value, abs=1e-12)
        assert v.grad == pytest.approx(grad, abs=1e-12)


def test_cross_entropy_closed_form_and_stability() -> None:
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    loss = losses.cross_entropy([logits], [1])
    exps = [math.exp(v) for v in (1.0, 2.0, 0.5)]
    softmax = [e / sum(exps) for e in exps]
    assert loss.data == pytest.approx(-math.log(softmax[1]), rel=1e-12)
    loss.backward()
    assert [v.grad for v in logits] == pytest.approx([softmax[0], softmax[1] - 1, softmax[2]])
    big = [Value(1000.0), Value(-1000.0), Value(999.0)]
    out = losses.cross_entropy([big], [0])
    out.backward()
    assert out.data == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-12)
    assert math.isfinite(big[0].grad)


def test_l2() -> None:
    params = [Value(1.0), Value(-2.0)]
    out = losses.l2(params)
    out.backward()
    assert out.data == 5.0
    assert [p.grad for p in params] == [2.0, -4.0]


@given(st.lists(small, min_size=3, max_size=3), st.lists(small, min_size=3, max_size=3))
def test_losses_pass_gradcheck(preds: list[float], targets: list[float]) -> None:
    gradcheck(lambda *p: losses.mse(list(p), targets), preds)
    gradcheck(lambda *p: losses.binary_cross_entropy(list(p), [1, 0, 1]), preds)
    gradcheck(lambda *p: losses.cross_entropy([list(p)], [2]), preds)
    gradcheck(lambda *p: losses.l2(list(p)), preds)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: losses.mse([Value(1.0)], [1.0, 2.0]), "1 predictions but 2 targets"),
        (lambda: losses.mse([], []), "no samples"),
        (lambda: losses.hinge([Value(1.0)], [0]), "-1 or \\+1"),
        (lambda: losses.binary_cross_entropy([Value(1.0)], [2]), "\\[0, 1\\]"),
        (lambda: losses.cross_entropy([[Value(1.0), Value(2.0)]], [2]), "class index"),
        (lambda: losses.l2([]), "no parameters"),
        (lambda: losses.mse([Value(1.0)], ["a"]), "mse target"),
        (
            lambda: losses.mse(Value(1.0), 3.0),
            "mse: predictions must be a list of Values or numbers, one per sample, got Value; "
            "for one sample write \\[p\\]",
        ),
        (
            lambda: losses.mse([Value(1.0)], 3.0),
            "mse: targets must be a list of Values or numbers, one per sample, got float",
        ),
        (lambda: losses.hinge("ab", [1, -1]), "hinge: predictions must be a list .* got str"),
        (
            lambda: losses.binary_cross_entropy(Value(1.0), [1]),
            "binary_cross_entropy: predictions must be a list",
        ),
        (lambda: losses.cross_entropy([[Value(1.0)]], 0), "cross_entropy: targets must be a list"),
        (
            lambda: losses.cross_entropy([Value(1.0)], [0]),
            "cross_entropy: each row of logits must be a list .* got Value",
        ),
        (lambda: losses.log_sum_exp(Value(1.0)), "log_sum_exp: logits must be a list"),
        (lambda: losses.l2(Value(1.0)), "l2: params must be a list"),
        (
            lambda: losses.binary_cross_entropy([Value(1.0)], [-1]),
            r"labels must be in \[0, 1\], got -1.0; "
            r"for -1/\+1 labels use hinge, or make_moons\(\.\.\., labels=\(0, 1\)\)",
        ),
    ],
)
def test_bad_arguments(call: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()  # type: ignore[operator]


def test_binary_cross_entropy_on_make_moons_points_to_its_labels_option() -> None:
    X, y = datasets.make_moons(10, seed=0)
    with pytest.raises(ValueError, match=r"make_moons\(\.\.\., labels=\(0, 1\)\)"):
        losses.binary_cross_entropy([Value(x[0]) for x in X], y)
    X, y = datasets.make_moons(10, seed=0, labels=(0, 1))
    assert losses.binary_cross_entropy([Value(x[0]) for x in X], y).data > 0


@pytest.mark.parametrize(
    ("logits", "expected"),
    [
        ([1000.0, 1000.0], 1000.0 + math.log(2.0)),
        ([-800.0, -800.0], -800.0 + math.log(2.0)),
        ([0.0, -1000.0, 2.0], 2.0 + math.log1p(math.exp(-2.0))),
        ([1e300, -1e300], 1e300),
        ([0.0, 40.0], 40.0 + math.log1p(math.exp(-40.0))),
        ([40.0, 0.0], 40.0 + math.log1p(math.exp(-40.0))),
        ([-3.0], -3.0),
    ],
)
def test_log_sum_exp_never_overflows_and_its_gradient_is_softmax(
    logits: list[float], expected: float
) -> None:
    values = [Value(z) for z in logits]
    out = losses.log_sum_exp(values)
    out.backward()
    assert out.data == pytest.approx(expected, rel=1e-15)
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]
    assert [v.grad for v in values] == pytest.approx([e / sum(exps) for e in exps], rel=1e-12, abs=1e-300)
