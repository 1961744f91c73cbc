"""Datasets: shapes, labels, reproducibility, geometry."""

from __future__ import annotations

import math

import pytest

from autograd_mini import datasets


def test_moons() -> None:
    X, y = datasets.make_moons(101, noise=0.0, seed=1)
    assert len(X) == len(y) == 101 and all(len(x) == 2 for x in X)
    assert sorted(set(y)) == [-1, 1] and y.count(-1) == 50
    for (a, b), label in zip(X, y, strict=True):
        # noiseless: points lie on unit circles centred at (0, 0) (upper) and (1, 0.5) (lower)
        centre = (0.0, 0.0) if label == -1 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0)
    assert datasets.make_moons(50, seed=3) == datasets.make_moons(50, seed=3)
    assert datasets.make_moons(50, seed=3) != datasets.make_moons(50, seed=4)
    _, y01 = datasets.make_moons(10, labels=(0, 1))
    assert sorted(set(y01)) == [0, 1]


def test_circles_blobs_regression() -> None:
    X, y = datasets.make_circles(40, noise=0.0, factor=0.3)
    for (a, b), label in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == -1 else 0.3)
    X, y = datasets.make_blobs(30, centers=3, dim=4)
    assert len(X) == 30 and all(len(x) == 4 for x in X) and sorted(set(y)) == [0, 1, 2]
    X, y = datasets.make_regression_1d(20, noise=0.0)
    assert X[0][0] == -math.pi and y == pytest.approx([math.sin(x[0]) for x in X])


@pytest.mark.parametrize(
    "call",
    [
        lambda: datasets.make_moons(1),
        lambda: datasets.make_moons(10, noise=-1),
        lambda: datasets.make_moons(10, labels=(1, 1)),
        lambda: datasets.make_circles(10, factor=2),
        lambda: datasets.make_blobs(10, centers=0),
        lambda: datasets.make_regression_1d(10, x_range=(1, 0)),
    ],
)
def test_bad_arguments(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
