"""Check backward against central differences: (f(x+eps) - f(x-eps)) / (2 eps)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._numbers import Number, as_float
from .engine import Value, no_grad
from .higher_order import gradients

__all__ = [
    "GradcheckError",
    "GradcheckReport",
    "GradgradcheckReport",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
]


class GradcheckError(AssertionError):
    """backward disagrees with central differences; the message is the report."""


@dataclass(frozen=True)
class GradcheckReport:
    """Analytic (backward) and numerical gradients per input, and whether all agree."""

    inputs: tuple[float, ...]
    analytic: tuple[float, ...]
    numerical: tuple[float, ...]
    atol: float
    rtol: float

    def error(self, i: int) -> float:
        """|analytic - numerical| for input i."""
        return abs(self.analytic[i] - self.numerical[i])

    def allowed(self, i: int) -> float:
        """The tolerance for input i: atol + rtol * |numerical|."""
        return self.atol + self.rtol * abs(self.numerical[i])

    def _fails(self, i: int) -> bool:
        # Written as "not within" so a NaN error or a NaN tolerance is a failure, never a pass;
        # an infinite tolerance (a numerical side of inf) proves nothing either.
        allowed = self.allowed(i)
        return not self.error(i) <= allowed or math.isinf(allowed)

    @property
    def ok(self) -> bool:
        """True when every input's gradient agrees within tolerance."""
        return not any(self._fails(i) for i in range(len(self.inputs)))

    @property
    def worst(self) -> int:
        """Index of the input with the largest error relative to its tolerance."""
        if not self.inputs:
            raise ValueError("gradcheck: no inputs")

        def excess(i: int) -> float:
            error, allowed = self.error(i), self.allowed(i)
            if math.isnan(error) or (allowed == 0.0 and error > 0.0):
                return math.inf
            return error / allowed if allowed > 0.0 else 0.0

        return max(range(len(self.inputs)), key=excess)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "gradcheck passed" if self.ok else "gradcheck FAILED"
        lines = [f"{verdict} (atol={self.atol:g}, rtol={self.rtol:g})"]
        if self.inputs:
            i = self.worst
            lines.append(
                f"worst input #{i} (x = {self.inputs[i]!r}): backward {self.analytic[i]!r}, "
                f"central difference {self.numerical[i]!r}, error {self.error(i):.3g} "
                f"(allowed {self.allowed(i):.3g})"
            )
        for i in range(len(self.inputs)):
            mark = "  <-- mismatch" if self._fails(i) else ""
            lines.append(
                f"  #{i}: backward {self.analytic[i]: .10g}  numerical {self.numerical[i]: .10g}{mark}"
            )
        return "\n".join(lines)


def _check_setting(what: str, value: object, *, positive: bool = False) -> float:
    """A finite real tolerance or step: >= 0, or > 0 when ``positive`` (NaN would make every check pass)."""
    number = as_float(value, f"gradcheck: {what}")
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"gradcheck: {what} must be a finite number {bound}, got {value!r}")
    return number


def _check_settings(eps: object, atol: object, rtol: object) -> tuple[float, float, float]:
    """(eps, atol, rtol) checked: eps > 0, tolerances >= 0, all finite."""
    return (
        _check_setting("eps", eps, positive=True),
        _check_setting("atol", atol),
        _check_setting("rtol", rtol),
    )


def _point(inputs: Sequence[Value | Number]) -> tuple[float, ...]:
    """The inputs' numbers: a Value gives its data (its own grad is never touched)."""
    return tuple(x.data if isinstance(x, Value) else as_float(x, "gradcheck input") for x in inputs)


def numerical_grad(f: Callable[..., Value], inputs: Sequence[Number], eps: float = 1e-6) -> tuple[float, ...]:
    """Central differences (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for each input i."""
    eps = _check_setting("eps", eps, positive=True)
    point = [as_float(x, "gradcheck input") for x in inputs]
    grads = []
    with no_grad():
        for i in range(len(point)):
            high = _value_of(f, [Value(v) for v in _shifted(point, i, eps)]).data
            low = _value_of(f, [Value(v) for v in _shifted(point, i, -eps)]).data
            grads.append((high - low) / (2 * eps))
    return tuple(grads)


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | Number],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Compare backward with central differences for f(*inputs); raise GradcheckError on a mismatch.

    ``f`` takes one Value per input and returns a Value. The inputs' own grads are
    never touched: f runs on fresh leaves with the inputs' data.
    """
    eps, atol, rtol = _check_settings(eps, atol, rtol)
    point = _point(inputs)
    report = GradcheckReport(
        inputs=point,
        analytic=_float_gradient(f, point),
        numerical=numerical_grad(f, point, eps),
        atol=atol,
        rtol=rtol,
    )
    if raise_exception and not report.ok:
        raise GradcheckError(str(report))
    return report


@dataclass(frozen=True)
class GradgradcheckReport:
    """Second order: row i compares d/dx (df/dx_i) by double backward with central differences of df/dx_i."""

    rows: tuple[GradcheckReport, ...]

    @property
    def ok(self) -> bool:
        """True when every second derivative agrees within tolerance."""
        return all(row.ok for row in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "gradgradcheck passed" if self.ok else "gradgradcheck FAILED"
        parts = [verdict]
        for i, row in enumerate(self.rows):
            text = str(row).split("\n", 1)[1] if row.inputs else ""
            parts.append(f"d/dx (df/dx_{i}), {'ok' if row.ok else 'MISMATCH'}:\n{text}")
        return "\n".join(parts)


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | Number],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    raise_exception: bool = True,
) -> GradgradcheckReport:
    """Compare d^2 f/dx_i dx_j by double backward with (g_i(x + eps e_j) - g_i(x - eps e_j)) / (2 eps).

    g = df/dx comes from the float backward at the shifted points; the analytic side from
    ``gradients(..., create_graph=True)`` differentiated again. Raises GradcheckError on a mismatch.
    """
    eps, atol, rtol = _check_settings(eps, atol, rtol)
    point = _point(inputs)
    leaves = [Value(x) for x in point]
    first = gradients(_value_of(f, leaves), leaves, create_graph=True, allow_unused=True)
    analytic = [tuple(h.data for h in gradients(g, leaves, allow_unused=True)) for g in first]
    # columns[j][i] = df/dx_i shifted along input j, by the ordinary float backward
    highs = [_float_gradient(f, _shifted(point, j, eps)) for j in range(len(point))]
    lows = [_float_gradient(f, _shifted(point, j, -eps)) for j in range(len(point))]
    rows = tuple(
        GradcheckReport(
            inputs=point,
            analytic=analytic[i],
            numerical=tuple((high[i] - low[i]) / (2 * eps) for high, low in zip(highs, lows, strict=True)),
            atol=atol,
            rtol=rtol,
        )
        for i in range(len(point))
    )
    report = GradgradcheckReport(rows)
    if raise_exception and not report.ok:
        raise GradcheckError(str(report))
    return report


def _shifted(point: Sequence[float], j: int, step: float) -> list[float]:
    shifted = list(point)
    shifted[j] += step
    return shifted


def _float_gradient(f: Callable[..., Value], point: Sequence[float]) -> tuple[float, ...]:
    """df/dx at point by the float backward, on fresh leaves."""
    leaves = [Value(x) for x in point]
    _value_of(f, leaves).backward()
    return tuple(leaf.grad for leaf in leaves)


def _value_of(f: Callable[..., Value], leaves: Sequence[Value]) -> Value:
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out
