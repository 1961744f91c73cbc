"""Gradients where an upstream gradient or a local derivative is 0, ±inf or nan: PyTorch's numbers.

The expected numbers are PyTorch 2.13's (float64), pinned here so that the rule holds without
torch installed (``tests/torch/`` checks the same against torch itself). Most ops pass on
g · ∂z/∂x, a product, so 0 · inf and inf · 0 are nan, as in PyTorch. Where PyTorch selects
instead of multiplying (relu's threshold_backward, prelu's slope gradient, pow's exponent-0
case) the local derivative is a strong zero: the gradient is +0.0 whatever arrives from above.
Every path computes the same numbers: backward, backward_step by hand, the reference gradients,
gradients() with and without create_graph, backward(create_graph=True) and the compiled mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd_mini import Value, gradients, toposort, trace
from autograd_mini.graph import reference_gradients
from autograd_mini.ops import STRONG_ZERO, StrongZero
from tests.helpers import bits_any_nan

INF, NAN = math.inf, math.nan
Fn = Callable[..., Value]


def every_path(fn: Fn, args: list[float]) -> dict[str, list[float]]:
    """d fn / d args by each way the library computes gradients."""
    results: dict[str, list[float]] = {}

    xs = [Value(a) for a in args]
    fn(*xs).backward()
    results["backward"] = [x.grad for x in xs]

    xs = [Value(a) for a in args]
    out = fn(*xs)
    out.grad = 1.0
    for node in toposort(out):  # the chain rule by hand, one backward_step per node
        node.backward_step()
    results["backward_step"] = [x.grad for x in xs]

    xs = [Value(a) for a in args]
    reference = reference_gradients(fn(*xs))
    results["reference_gradients"] = [reference.get(x, 0.0) for x in xs]

    for create_graph in (False, True):
        xs = [Value(a) for a in args]
        grads = gradients(fn(*xs), xs, create_graph=create_graph, allow_unused=True)
        results[f"gradients(create_graph={create_graph})"] = [g.data for g in grads]

    xs = [Value(a) for a in args]
    fn(*xs).backward(create_graph=True)
    results["backward(create_graph=True)"] = [x.grad for x in xs]

    _, grads = trace(fn, *args)(*args)
    results["compiled"] = list(grads)
    return results


def assert_every_path(fn: Fn, args: list[float], expected: list[float]) -> None:
    want = [bits_any_nan(e) for e in expected]
    for path, grads in every_path(fn, args).items():
        assert [bits_any_nan(g) for g in grads] == want, (path, args, grads, expected)


def upstream(op: Callable[[Value], Value], g: float) -> Fn:
    """op(x) with dL/d op(x) = g: the result times the constant g."""
    return lambda x: op(x) * g


# -- the function constant 0 below 0: the true derivative 0 -----------------------------


@pytest.mark.parametrize("x", [-1.0, -1e-300, -INF])
@pytest.mark.parametrize(
    "fn",
    [lambda x: x.relu().sqrt(), lambda x: x.relu() ** 0.5, lambda x: x.relu() ** 0.25 * 3.0],
    ids=["sqrt(relu(x))", "relu(x)**0.5", "3*relu(x)**0.25"],
)
def test_root_of_relu_below_zero_has_gradient_zero(fn: Fn, x: float) -> None:
    # sqrt'(0) is inf; relu passes on 0 at x < 0 whatever comes from above (PyTorch: 0.0)
    assert_every_path(fn, [x], [0.0])


def test_root_of_relu_above_zero_is_the_root_derivative() -> None:
    assert_every_path(lambda x: x.relu().sqrt(), [4.0], [0.25])


# -- relu, leaky_relu's slope and pow's exponent 0 select: +0.0 for every upstream ------------


@pytest.mark.parametrize("g", [INF, -INF, NAN, 1.0, -1.0, 0.0, -0.0])
@pytest.mark.parametrize("x", [-2.0, -0.0, 0.0, -INF])
def test_relu_passes_zero_at_or_below_zero_for_any_upstream(x: float, g: float) -> None:
    assert_every_path(upstream(Value.relu, g), [x], [0.0])


@pytest.mark.parametrize("g", [INF, -INF, NAN, -3.0])
@pytest.mark.parametrize("x", [2.0, INF, NAN])
def test_relu_passes_the_upstream_above_zero_and_at_nan(x: float, g: float) -> None:
    assert_every_path(upstream(Value.relu, g), [x], [0.0 + g])


@pytest.mark.parametrize("g", [INF, NAN])
def test_leaky_relu_slope_gradient_is_zero_above_zero(g: float) -> None:
    # PyTorch's prelu: d/dslope = where(x > 0, 0, x * g)
    assert_every_path(lambda x, s: x.leaky_relu(s) * g, [2.0, 0.1], [g, 0.0])
    assert_every_path(lambda x, s: x.leaky_relu(s) * g, [-2.0, 0.5], [0.5 * g, -2.0 * g])


@pytest.mark.parametrize("g", [INF, NAN, 1.0])
@pytest.mark.parametrize("x", [2.0, 1e-310, 0.0, INF])
def test_power_zero_has_gradient_zero_for_any_upstream(x: float, g: float) -> None:
    # PyTorch's pow_backward: zeros when the exponent is 0, even where x**-1 overflows
    assert_every_path(lambda v: v**0.0 * g, [x], [0.0])


# -- everything else multiplies: 0 * inf and inf * 0 are nan, as in PyTorch --------------------

PRODUCTS: list[tuple[str, Fn, float, float]] = [
    ("sqrt at 0, upstream 0", upstream(Value.sqrt, 0.0), 0.0, NAN),
    ("x**0.5 at 0, upstream 0", upstream(lambda v: v**0.5, 0.0), 0.0, NAN),
    ("sqrt at 0, upstream -1", upstream(Value.sqrt, -1.0), 0.0, -INF),
    ("abs at 0, upstream inf", upstream(Value.abs, INF), 0.0, NAN),
    ("tanh at 30, upstream inf", upstream(Value.tanh, INF), 30.0, NAN),
    ("exp at -inf, upstream inf", upstream(Value.exp, INF), -INF, NAN),
    ("sigmoid at -800, upstream inf", upstream(Value.sigmoid, INF), -800.0, NAN),
    ("x*0 upstream inf", lambda v: v * 0.0 * INF, 1.0, NAN),
    ("leaky_relu at -1, upstream inf, slope 0", lambda v: v.leaky_relu(0.0) * INF, -1.0, NAN),
]


@pytest.mark.parametrize(("fn", "x", "expected"), [c[1:] for c in PRODUCTS], ids=[c[0] for c in PRODUCTS])
def test_other_ops_multiply_the_upstream(fn: Fn, x: float, expected: float) -> None:
    assert_every_path(fn, [x], [expected])


# -- the strong zero itself ------------------------------------------------------------


@pytest.mark.parametrize("g", [INF, -INF, NAN, -1.0, 0.0, -0.0, 5e-324])
def test_strong_zero_times_anything_is_plus_zero(g: float) -> None:
    for product in (g * STRONG_ZERO, STRONG_ZERO * g):
        assert type(product) is float
        assert math.copysign(1.0, product) == 1.0 and product == 0.0
    assert STRONG_ZERO == 0.0 and isinstance(STRONG_ZERO, float)


def test_a_strong_zero_is_stored_as_relu_local_derivative() -> None:
    local = Value(-1.0).relu()._da  # stored on the node; local_grads shows it as a plain 0.0
    assert type(local) is StrongZero and local == 0.0
    (local,) = Value(2.0).relu().local_grads
    assert type(local) is float and local == 1.0


def test_compiled_code_selects_where_a_derivative_is_a_strong_zero() -> None:
    compiled = trace(lambda a, s: a.relu() * 3.0 + a.leaky_relu(s), -1.0, 0.1)
    assert "strong_zero" not in compiled.source  # a select, (0.0 if test else g * rest)
    assert compiled(-1.0, 0.1)[1] == [0.1, -1.0]
    assert compiled(2.0, 0.1)[1] == [4.0, 0.0]


def test_a_strong_zero_multiplies_anything_but_a_gradient_as_a_plain_zero() -> None:
    from autograd_mini.ops import StrongZero

    d = Value(-1.0).relu()._da
    assert type(d) is StrongZero
    assert (d * math.inf, math.nan * d) == (0.0, 0.0)  # a gradient is selected away
    product = d * Value(5.0)  # a Value still makes a node, as 0.0 * Value does
    assert isinstance(product, Value) and product.op == "*"
    for other in (None, [1, 2], "ab"):
        with pytest.raises(TypeError):
            d * other  # type: ignore[operator]


def test_local_grads_are_plain_floats() -> None:
    assert [type(d) for d in Value(-1.0).relu().local_grads] == [float]
