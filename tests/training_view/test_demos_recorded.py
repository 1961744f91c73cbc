"""The training demos' claims, checked on their recorded data."""

from __future__ import annotations

import itertools
import math

import pytest

from autograd_mini import Value, record
from autograd_mini.demos import vanishing_gradients
from autograd_mini.recording import learning_rate


def test_a_small_init_makes_the_early_layers_gradients_vanish() -> None:
    small = vanishing_gradients.train(vanishing_gradients.SMALL, steps=3, show_progress=False)
    xavier = vanishing_gradients.train(1.0, steps=3, show_progress=False)
    # orders of magnitude, and shrinking layer by layer towards the input, at initialization
    assert vanishing_gradients.first_to_last(small) < 1e-3
    norms = small.grad_norms[0]
    assert all(early < late for early, late in itertools.pairwise(norms))
    assert vanishing_gradients.first_to_last(xavier) > 1e-2
    healthy = xavier.grad_norms[0]
    assert math.log10(norms[-1] / norms[0]) > 3 + math.log10(healthy[-1] / healthy[0])


def test_the_learning_rate_is_read_from_tiny_updates_too() -> None:
    big, tiny = Value(0.25), Value(0.7)
    run = record([big, tiny], progress=False)
    big.grad, tiny.grad = 0.5, 2.6e-12
    for p in (big, tiny):
        p.data -= 0.1 * p.grad
    run.step(big * tiny)
    assert learning_rate(run.snapshot(0)) == pytest.approx(0.1, rel=1e-12)
    assert "with lr = 0.1" in run.explain_step(0)


def test_an_update_that_is_not_plain_sgd_has_no_learning_rate() -> None:
    a, b = Value(1.0), Value(1.0)
    run = record([a, b], progress=False)
    a.grad, b.grad = 1.0, 1.0
    a.data -= 0.1
    b.data -= 0.2
    run.step(a * b)
    assert learning_rate(run.snapshot(0)) is None
