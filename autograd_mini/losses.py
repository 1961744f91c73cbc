"""Losses: each takes predictions (Values) and targets (numbers) and returns the mean over samples."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._collector import pauses_collector
from ._numbers import as_float
from .checks import check_each_call
from .engine import Value

__all__ = ["mse", "hinge", "binary_cross_entropy", "cross_entropy", "l2", "log_sum_exp"]

Prediction = Value | float


def _check_list(name: str, what: str, items: object, kind: str = "Values or numbers", hint: str = "") -> None:
    """``items`` must be a list (any sized sequence but text): a lone Value or number has no len()."""
    try:
        len(items)  # type: ignore[arg-type]
    except TypeError:
        pass
    else:
        if not isinstance(items, (str, bytes)):
            return
    raise TypeError(f"{name}: {what} must be a list of {kind}, got {type(items).__name__}{hint}")


def _pairs(name: str, preds: Sequence[object], targets: Sequence[object]) -> None:
    per_sample = "Values or numbers, one per sample"
    _check_list(name, "predictions", preds, per_sample, "; for one sample write [p]")
    _check_list(name, "targets", targets, per_sample, "; for one sample write [t]")
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{name}: no samples")


def _sum(terms: Sequence[Value]) -> Value:
    """terms[0] + terms[1] + ..., left to right."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _mean(terms: list[Value]) -> Value:
    return _sum(terms) / len(terms)


def _as_value(pred: object, name: str) -> Value:
    return pred if isinstance(pred, Value) else Value(as_float(pred, f"{name} prediction"))


def _target(target: object, what: str, check: Callable[[float], None] | None = None) -> Value | float:
    """A target as given (a number, or a Value such as a traced input), after ``check`` passes.

    A Value target is checked again at every call of a compiled function (see ``trace``).
    """
    if isinstance(target, Value):
        if check is not None:
            check_each_call(target, check)
        return target
    number = as_float(target, what)
    if check is not None:
        check(number)
    return number


def _hinge_label(label: float) -> None:
    if label not in (-1.0, 1.0):
        raise ValueError(f"hinge: labels must be -1 or +1, got {label!r}")


def _binary_label(label: float) -> None:
    if not 0.0 <= label <= 1.0:
        # -1 is hinge's label, and make_moons' and make_circles' by default
        hint = "; for -1/+1 labels use hinge, or make_moons(..., labels=(0, 1))" if label == -1.0 else ""
        raise ValueError(f"binary_cross_entropy: labels must be in [0, 1], got {label!r}{hint}")


@pauses_collector
def mse(preds: Sequence[Prediction], targets: Sequence[Prediction]) -> Value:
    """Mean squared error mean((p - t)^2): d/dp = 2 (p - t) / n."""
    _pairs("mse", preds, targets)
    return _mean(
        [(_as_value(p, "mse") - _target(t, "mse target")) ** 2 for p, t in zip(preds, targets, strict=True)]
    )


@pauses_collector
def hinge(scores: Sequence[Prediction], labels: Sequence[Prediction]) -> Value:
    """Max-margin loss mean(relu(1 - y s)) for labels y = -1 or +1: d/ds = -y/n where y s < 1, else 0."""
    _pairs("hinge", scores, labels)
    terms = []
    for s, y in zip(scores, labels, strict=True):
        label = _target(y, "hinge label", _hinge_label)
        terms.append((1.0 - _as_value(s, "hinge") * label).relu())
    return _mean(terms)


@pauses_collector
def binary_cross_entropy(logits: Sequence[Prediction], labels: Sequence[Prediction]) -> Value:
    """BCE on logits z, labels y in {0, 1}: mean(softplus(z) - y z); d/dz = (sigmoid(z) - y) / n.

    softplus never overflows, so |z| up to 1e3 and beyond is exact.
    """
    _pairs("binary_cross_entropy", logits, labels)
    terms = []
    for z, y in zip(logits, labels, strict=True):
        label = _target(y, "binary_cross_entropy label", _binary_label)
        logit = _as_value(z, "binary_cross_entropy")
        terms.append(logit.softplus() - logit * label)
    return _mean(terms)


@pauses_collector
def log_sum_exp(logits: Sequence[Prediction]) -> Value:
    """log(sum(exp(z_i))) computed as m + log(sum(exp(z_i - m))), m = max z: d/dz_i = softmax(z)_i.

    The shift m is built from ops, m <- m + relu(z_i - m), so that ``trace`` follows it to
    new logits (a shift read from the data would be frozen). Its gradient, 1 - sum(softmax),
    is zero up to rounding, and each small softmax entry keeps its relative accuracy.
    """
    _check_list("log_sum_exp", "logits", logits)
    if not logits:
        raise ValueError("log_sum_exp: no logits")
    values = [_as_value(z, "log_sum_exp") for z in logits]
    shift = values[0]
    for value in values[1:]:
        shift = shift + (value - shift).relu()
    return _sum([(v - shift).exp() for v in values]).log() + shift


@pauses_collector
def cross_entropy(logits: Sequence[Sequence[Prediction]], targets: Sequence[int]) -> Value:
    """Softmax cross-entropy mean(lse(z) - z[t]): d/dz_i = (softmax(z)_i - [i = t]) / n."""
    _pairs("cross_entropy", logits, targets)
    terms = []
    for row, target in zip(logits, targets, strict=True):
        _check_list("cross_entropy", "each row of logits", row, "Values or numbers, one per class")
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(row):
            raise ValueError(
                f"cross_entropy: target must be a class index in [0, {len(row)}), got {target!r}"
            )
        terms.append(log_sum_exp(row) - row[target])
    return _mean(terms)


@pauses_collector
def l2(params: Sequence[Value]) -> Value:
    """Sum of squares sum(p^2), for weight decay: d/dp = 2p."""
    _check_list("l2", "params", params, "Values")
    if not params:
        raise ValueError("l2: no parameters")
    return _sum([p * p for p in params])
