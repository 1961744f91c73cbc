"""Losses: each takes predictions (Values) and targets (numbers) and returns the mean over samples."""

from __future__ import annotations

from collections.abc import Sequence

from .engine import Value, _as_float

__all__ = ["mse", "hinge", "binary_cross_entropy", "cross_entropy", "l2", "log_sum_exp"]

Prediction = Value | float


def _pairs(name: str, preds: Sequence[object], targets: Sequence[object]) -> None:
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
    return pred if isinstance(pred, Value) else Value(_as_float(pred, f"{name} prediction"))


def _target(target: object, what: str) -> tuple[Value | float, float]:
    """A target as given (a number, or a Value such as a traced input) and its numeric value."""
    if isinstance(target, Value):
        return target, target.data
    number = _as_float(target, what)
    return number, number


def mse(preds: Sequence[Prediction], targets: Sequence[Prediction]) -> Value:
    """Mean squared error mean((p - t)^2): d/dp = 2 (p - t) / n."""
    _pairs("mse", preds, targets)
    return _mean(
        [
            (_as_value(p, "mse") - _target(t, "mse target")[0]) ** 2
            for p, t in zip(preds, targets, strict=True)
        ]
    )


def hinge(scores: Sequence[Prediction], labels: Sequence[Prediction]) -> Value:
    """Max-margin loss mean(relu(1 - y s)) for labels y = -1 or +1: d/ds = -y/n where y s < 1, else 0."""
    _pairs("hinge", scores, labels)
    terms = []
    for s, y in zip(scores, labels, strict=True):
        label, number = _target(y, "hinge label")
        if number not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels must be -1 or +1, got {number!r}")
        terms.append((1.0 - _as_value(s, "hinge") * label).relu())
    return _mean(terms)


def binary_cross_entropy(logits: Sequence[Prediction], labels: Sequence[Prediction]) -> Value:
    """BCE on logits z, labels y in {0, 1}: mean(softplus(z) - y z); d/dz = (sigmoid(z) - y) / n.

    softplus never overflows, so |z| up to 1e3 and beyond is exact.
    """
    _pairs("binary_cross_entropy", logits, labels)
    terms = []
    for z, y in zip(logits, labels, strict=True):
        label, number = _target(y, "binary_cross_entropy label")
        if not 0.0 <= number <= 1.0:
            raise ValueError(f"binary_cross_entropy: labels must be in [0, 1], got {number!r}")
        logit = _as_value(z, "binary_cross_entropy")
        terms.append(logit.softplus() - logit * label)
    return _mean(terms)


def log_sum_exp(logits: Sequence[Prediction]) -> Value:
    """log(sum(exp(z_i))) computed as m + log(sum(exp(z_i - m))), m = max z: d/dz_i = softmax(z)_i."""
    if not logits:
        raise ValueError("log_sum_exp: no logits")
    values = [_as_value(z, "log_sum_exp") for z in logits]
    # The shift m is a constant: the result and its gradient do not depend on it, only overflow does.
    m = max(v.data for v in values)
    return _sum([(v - m).exp() for v in values]).log() + m


def cross_entropy(logits: Sequence[Sequence[Prediction]], targets: Sequence[int]) -> Value:
    """Softmax cross-entropy mean(lse(z) - z[t]): d/dz_i = (softmax(z)_i - [i = t]) / n."""
    _pairs("cross_entropy", logits, targets)
    terms = []
    for row, target in zip(logits, targets, strict=True):
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(row):
            raise ValueError(
                f"cross_entropy: target must be a class index in [0, {len(row)}), got {target!r}"
            )
        terms.append(log_sum_exp(row) - row[target])
    return _mean(terms)


def l2(params: Sequence[Value]) -> Value:
    """Sum of squares sum(p^2), for weight decay: d/dp = 2p."""
    if not params:
        raise ValueError("l2: no parameters")
    return _sum([p * p for p in params])
