"""gradcheck itself: it passes correct gradients and catches a wrong one with a readable report."""

from __future__ import annotations

import pytest

from autograd_mini import GradcheckError, GradcheckReport, Value, gradcheck, numerical_grad


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


def wrong(x: Value) -> Value:
    return x * x.detach()  # backward says x, the truth is 2x


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("atol", float("nan"), ValueError),
        ("rtol", float("nan"), ValueError),
        ("atol", float("inf"), ValueError),
        ("rtol", float("inf"), ValueError),
        ("atol", -1e-5, ValueError),
        ("rtol", -1e-4, ValueError),
        ("atol", True, TypeError),
        ("eps", float("nan"), ValueError),
        ("eps", float("inf"), ValueError),
        ("eps", 0.0, ValueError),
        ("eps", -1e-6, ValueError),
        ("eps", "1e-6", TypeError),
    ],
)
def test_bad_settings_are_refused(setting: str, value: object, error: type[Exception]) -> None:
    # atol=nan or rtol=nan would make every comparison False, so a wrong gradient would "pass".
    with pytest.raises(error, match=setting):
        gradcheck(wrong, [3.0], **{setting: value})  # type: ignore[arg-type]
    if setting == "eps":
        with pytest.raises(error, match="eps"):
            numerical_grad(wrong, [3.0], eps=value)  # type: ignore[arg-type]


def test_a_report_with_a_nan_tolerance_never_passes() -> None:
    report = GradcheckReport(inputs=(3.0,), analytic=(3.0,), numerical=(6.0,), atol=float("nan"), rtol=0.0)
    assert not report.ok
    exact = GradcheckReport(inputs=(3.0,), analytic=(6.0,), numerical=(6.0,), atol=0.0, rtol=0.0)
    assert exact.ok  # zero tolerances still accept an exact match


def test_gradcheck_fails_when_the_numerical_side_is_infinite() -> None:
    with pytest.raises(GradcheckError, match="allowed inf"):
        gradcheck(lambda a: (a * a).detach() * a, [1.5], eps=1e300)
