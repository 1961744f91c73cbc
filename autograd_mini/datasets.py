"""Small seeded toy data sets as plain lists: X is a list of float lists, y a list of labels or targets."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

__all__ = ["make_moons", "make_circles", "make_blobs", "make_regression_1d"]

Dataset = tuple[list[list[float]], list[float]]


def _check(n: int, noise: float) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")


def _check_labels(labels: tuple[float, float]) -> tuple[float, float]:
    if not isinstance(labels, tuple) or len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels must be a pair of two different values, got {labels!r}")
    return labels


def _shuffled(rng: random.Random, X: list[list[float]], y: list[float]) -> Dataset:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int = 0, labels: tuple[float, float] = (-1, 1)
) -> Dataset:
    """Two interleaving half circles (scikit-learn's shape); labels (-1, +1) by default, as micrograd uses."""
    _check(n, noise)
    first, second = _check_labels(labels)
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X: list[list[float]] = []
    y: list[float] = []
    for i in range(n_outer):
        t = math.pi * i / max(n_outer - 1, 1)
        X.append([math.cos(t), math.sin(t)])
        y.append(first)
    for i in range(n_inner):
        t = math.pi * i / max(n_inner - 1, 1)
        X.append([1 - math.cos(t), 0.5 - math.sin(t)])
        y.append(second)
    X = [[a + rng.gauss(0, noise), b + rng.gauss(0, noise)] for a, b in X]
    return _shuffled(rng, X, y)


def make_circles(
    n: int = 100,
    noise: float = 0.05,
    factor: float = 0.5,
    seed: int = 0,
    labels: tuple[float, float] = (-1, 1),
) -> Dataset:
    """A small circle (radius ``factor``, second label) inside a unit circle (first label)."""
    _check(n, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    first, second = _check_labels(labels)
    rng = random.Random(seed)
    n_outer = n // 2
    X: list[list[float]] = []
    y: list[float] = []
    for count, radius, label in ((n_outer, 1.0, first), (n - n_outer, factor, second)):
        for i in range(count):
            t = 2 * math.pi * i / count
            X.append([radius * math.cos(t) + rng.gauss(0, noise), radius * math.sin(t) + rng.gauss(0, noise)])
            y.append(label)
    return _shuffled(rng, X, y)


def make_blobs(n: int = 100, centers: int = 3, std: float = 1.0, seed: int = 0, dim: int = 2) -> Dataset:
    """Gaussian clusters around ``centers`` random centres in [-5, 5]^dim; labels 0 .. centers-1."""
    _check(n, std)
    if isinstance(centers, bool) or not isinstance(centers, int) or centers < 1:
        raise ValueError(f"centers must be a positive int, got {centers!r}")
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")
    rng = random.Random(seed)
    means = [[rng.uniform(-5, 5) for _ in range(dim)] for _ in range(centers)]
    X: list[list[float]] = []
    y: list[float] = []
    for i in range(n):
        label = i % centers
        X.append([m + rng.gauss(0, std) for m in means[label]])
        y.append(label)
    return _shuffled(rng, X, y)


def make_regression_1d(
    n: int = 50,
    noise: float = 0.1,
    seed: int = 0,
    fn: Callable[[float], float] = math.sin,
    x_range: tuple[float, float] = (-math.pi, math.pi),
) -> Dataset:
    """Points x evenly spread over ``x_range`` with targets fn(x) + gaussian noise (default: noisy sin)."""
    _check(n, noise)
    lo, hi = x_range
    if not lo < hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    rng = random.Random(seed)
    xs = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
    return [[x] for x in xs], [fn(x) + rng.gauss(0, noise) for x in xs]
