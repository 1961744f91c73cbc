"""A derivative formula's branch whose test reads two operands is re-checked on both at once.

``gradients(create_graph=True)`` builds pow's dz/dx from one side of its branch, chosen on x
and y together; a compiled call must refuse a point where the two moved together flip it, even
though moving either one alone would not.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, trace
from autograd_mini.higher_order import gradients
from tests.helpers import eager, outcome


def power_plus_its_slope(a: Value, b: Value) -> Value:
    """a**b + d(a**b)/da, the slope built as a graph from pow's derivative formula."""
    z = a**b
    (slope,) = gradients(z, [a], create_graph=True)
    return z + slope


def pow_side(x: float, y: float) -> int:
    """Which side of pow's dz/dx formula (ops.py) applies at (x, y), numbered in reading order."""
    if y == 0.0:
        return 0
    out = x**y
    if y >= 1.0 or abs(x) >= 1.0 or (x != 0.0 and abs(out / x) < 1e300):
        return 1
    return 2 if x != 0.0 else 3


@pytest.mark.parametrize("point", [(1e-305, 1e-3), (1e-310, 1e-10)])
def test_both_operands_moving_across_pow_branch_is_refused(point: tuple[float, float]) -> None:
    compiled = trace(power_plus_its_slope, 2.0, 2.0)
    # Each operand moved alone keeps the traced side, so only a check on both sees the flip.
    assert pow_side(point[0], 2.0) == pow_side(2.0, point[1]) == pow_side(2.0, 2.0) != pow_side(*point)
    refused = r"branch was chosen when tracing at .*x = 2\.0, y = 2\.0 .*trace again"
    with pytest.raises(ValueError, match=refused):
        compiled(*point)


def test_points_on_the_traced_side_still_equal_eager() -> None:
    compiled = trace(power_plus_its_slope, 2.0, 2.0)
    for point in [(3.0, 2.0), (0.5, 1.5), (1.5, 0.25), (2.0, -3.0)]:
        assert outcome(lambda point=point: compiled(*point)) == outcome(
            lambda point=point: eager(power_plus_its_slope, *point)
        )


coordinates = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, -0.5, 1.0, 2.0, 1e-310, 1e-10, 0.999, 1.0000001, math.inf, math.nan]),
    st.floats(-3.0, 3.0),
)


@settings(max_examples=300, deadline=None)
@given(
    st.tuples(st.floats(0.1, 3.0), st.floats(-3.0, 3.0)),
    st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=4),
)
def test_compiled_equals_eager_except_where_both_operands_flip_the_branch(
    traced_at: tuple[float, float], points: list[tuple[float, float]]
) -> None:
    compiled = trace(power_plus_its_slope, *traced_at)
    for point in points:
        result = outcome(lambda point=point: compiled(*point))
        if result[1] is not None and "branch was chosen" in result[1][1]:
            assert pow_side(*point) != pow_side(*traced_at)  # refused only where the side changes
            continue
        assert result == outcome(lambda point=point: eager(power_plus_its_slope, *point))
