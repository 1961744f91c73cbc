"""gradcheck itself: it passes correct gradients and catches a wrong one with a readable report."""

from __future__ import annotations

import pytest

from autograd_mini import GradcheckError, Value, gradcheck, numerical_grad


def test_passes_and_reports() -> None:
    report = gradcheck(lambda a, b: a * b.tanh(), [0.5, -1.5])
    assert report.ok and bool(report)
    assert "gradcheck passed" in str(report)
    assert report.analytic == pytest.approx(report.numerical, rel=1e-6)


def test_catches_a_wrong_gradient() -> None:
    # detach() hides one path from backward, so backward says x while the truth is 2x.
    def wrong(x: Value) -> Value:
        return x * x.detach()

    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong, [3.0])
    text = str(info.value)
    assert "FAILED" in text and "worst input #0" in text and "mismatch" in text
    report = gradcheck(wrong, [3.0], raise_exception=False)
    assert not report.ok
    assert report.analytic == (3.0,)
    assert report.numerical[0] == pytest.approx(6.0)


def test_leaves_the_callers_values_untouched() -> None:
    x = Value(2.0)
    gradcheck(lambda v: v * v, [x])
    assert x.grad == 0.0


def test_numerical_grad() -> None:
    assert numerical_grad(lambda a, b: a * b, [2.0, 5.0]) == pytest.approx((5.0, 2.0))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda v: v, [1.0], eps=0)
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda v: 1.0, [1.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="gradcheck input"):
        gradcheck(lambda v: v, ["1"])  # type: ignore[list-item]
