"""A gradient taken inside a traced function keeps eager's sign of zero at every call.

``gradients(create_graph=True)`` turns a gradient of -0.0 into +0.0 (as ``backward``'s sums,
which start at +0.0) by one more node, made eagerly only where the number is -0.0. While a
trace runs that node is always made: a shape chosen on the traced numbers would be frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, gradients, trace
from tests.helpers import eager, outcome


def slope_times_y(x: Value, y: Value) -> Value:
    """d/dx [tanh(x*y + x) * (x - y)], times y: -0.0 at (-0.0, 0.0), not at the traced point."""
    return gradients((x * y + x).tanh() * (x - y), [x, y], create_graph=True)[0] * y


def both_slopes(x: Value, y: Value) -> Value:
    gx, gy = gradients(x * y * y, [x, y], create_graph=True)
    return gx * x + gy


FUNCTIONS: list[Callable[[Value, Value], Value]] = [slope_times_y, both_slopes]
ZEROS = [0.0, -0.0]


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("point", [(x, y) for x in ZEROS for y in ZEROS])
def test_signed_zeros_at_a_call_come_out_as_eagers(
    fn: Callable[[Value, Value], Value], point: tuple[float, float]
) -> None:
    compiled = trace(fn, 0.7, 1.3)
    assert outcome(partial(compiled, *point)) == outcome(partial(eager, fn, *point))


numbers = st.sampled_from([0.0, -0.0, 1.0, -1.0]) | st.floats(-3.0, 3.0)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FUNCTIONS), numbers, numbers, numbers, numbers)
def test_any_traced_point_and_any_call_agree_with_eager(
    fn: Callable[[Value, Value], Value], a: float, b: float, x: float, y: float
) -> None:
    compiled = trace(fn, a, b)
    assert outcome(partial(compiled, x, y)) == outcome(partial(eager, fn, x, y))
