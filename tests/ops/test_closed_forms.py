"""Every op: value and local derivative against closed forms and against central differences."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, gradcheck
from autograd_mini.ops import OPS


def reals(lo: float, hi: float, *, avoid_zero: float = 0.0) -> st.SearchStrategy[float]:
    """Floats in [lo, hi], optionally at least avoid_zero away from 0 (for kinks and poles)."""
    base = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return base.filter(lambda v: abs(v) >= avoid_zero) if avoid_zero else base


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# name: (engine call, closed-form value, closed-form derivative, valid inputs)
UNARY: dict[
    str,
    tuple[
        Callable[[Value], Value], Callable[[float], float], Callable[[float], float], st.SearchStrategy[float]
    ],
] = {
    "neg": (lambda v: -v, lambda x: -x, lambda x: -1.0, reals(-1e3, 1e3)),
    "abs": (abs, abs, lambda x: math.copysign(1.0, x), reals(-1e3, 1e3, avoid_zero=1e-3)),
    "exp": (Value.exp, math.exp, math.exp, reals(-30, 30)),
    "log": (Value.log, math.log, lambda x: 1 / x, reals(1e-2, 1e3)),
    "expm1": (Value.expm1, math.expm1, math.exp, reals(-30, 30)),
    "log1p": (Value.log1p, math.log1p, lambda x: 1 / (1 + x), reals(-0.99, 1e3)),
    "sqrt": (Value.sqrt, math.sqrt, lambda x: 0.5 / math.sqrt(x), reals(1e-2, 1e3)),
    "tanh": (Value.tanh, math.tanh, lambda x: 1 / math.cosh(x) ** 2, reals(-15, 15)),
    "sigmoid": (Value.sigmoid, sigmoid, lambda x: sigmoid(x) * sigmoid(-x), reals(-30, 30)),
    "relu": (Value.relu, lambda x: max(x, 0.0), lambda x: float(x > 0), reals(-1e3, 1e3, avoid_zero=1e-3)),
    "leaky_relu": (
        Value.leaky_relu,
        lambda x: x if x > 0 else 0.01 * x,
        lambda x: 1.0 if x > 0 else 0.01,
        reals(-1e3, 1e3, avoid_zero=1e-3),
    ),
    "softplus": (Value.softplus, lambda x: math.log1p(math.exp(x)), sigmoid, reals(-30, 30)),
    "sin": (Value.sin, math.sin, math.cos, reals(-10, 10)),
    "cos": (Value.cos, math.cos, lambda x: -math.sin(x), reals(-10, 10)),
}

# name: (engine call, closed-form value, closed-form (d/dx, d/dy), x inputs, y inputs)
BINARY: dict[
    str,
    tuple[
        Callable[[Value, Value], Value],
        Callable[[float, float], float],
        Callable[[float, float], tuple[float, float]],
        st.SearchStrategy[float],
        st.SearchStrategy[float],
    ],
] = {
    "add": (
        lambda a, b: a + b,
        lambda x, y: x + y,
        lambda x, y: (1.0, 1.0),
        reals(-1e3, 1e3),
        reals(-1e3, 1e3),
    ),
    "sub": (
        lambda a, b: a - b,
        lambda x, y: x - y,
        lambda x, y: (1.0, -1.0),
        reals(-1e3, 1e3),
        reals(-1e3, 1e3),
    ),
    "mul": (lambda a, b: a * b, lambda x, y: x * y, lambda x, y: (y, x), reals(-1e3, 1e3), reals(-1e3, 1e3)),
    "div": (
        lambda a, b: a / b,
        lambda x, y: x / y,
        lambda x, y: (1 / y, -x / y**2),
        reals(-1e3, 1e3),
        reals(-1e3, 1e3, avoid_zero=1e-1),
    ),
    "pow": (
        lambda a, b: a**b,
        lambda x, y: x**y,
        lambda x, y: (y * x ** (y - 1), x**y * math.log(x)),
        reals(1e-1, 10),
        reals(-3, 3),
    ),
    "leaky_relu": (
        lambda a, b: a.leaky_relu(b),
        lambda x, y: x if x > 0 else y * x,
        lambda x, y: (1.0, 0.0) if x > 0 else (y, x),
        reals(-1e3, 1e3, avoid_zero=1e-3),
        reals(0, 1),
    ),
}


def test_every_table_op_is_tested() -> None:
    assert set(OPS) == set(UNARY) | set(BINARY)


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def close_derivative(a: float, b: float) -> bool:
    """Derivatives like 1 - tanh(x)^2 cancel near saturation: allow one rounding of 1.0 absolute."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_value_and_derivative(name: str, data: st.DataObject) -> None:
    call, value, derivative, inputs = UNARY[name]
    x = data.draw(inputs, label="x")
    leaf = Value(x)
    out = call(leaf)
    out.backward()
    assert close(out.data, value(x)), (out.data, value(x))
    assert close_derivative(leaf.grad, derivative(x)), (leaf.grad, derivative(x))
    assert out.local_grads == (leaf.grad,)
    assert out.parents == (leaf,)
    gradcheck(call, [x], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_value_and_derivatives(name: str, data: st.DataObject) -> None:
    call, value, derivatives, xs, ys = BINARY[name]
    x, y = data.draw(xs, label="x"), data.draw(ys, label="y")
    a, b = Value(x), Value(y)
    out = call(a, b)
    out.backward()
    dx, dy = derivatives(x, y)
    assert close(out.data, value(x, y)), (out.data, value(x, y))
    assert close_derivative(a.grad, dx), (a.grad, dx)
    assert close_derivative(b.grad, dy), (b.grad, dy)
    assert out.parents == (a, b)
    assert out.local_grads == (a.grad, b.grad)
    gradcheck(call, [x, y], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "leaky_relu"])
@given(data=st.data())
def test_number_operand_on_either_side_matches_value_operand(name: str, data: st.DataObject) -> None:
    """Value op number and number op Value give the Value op Value results, with the number as a constant."""
    call, _, _, xs, ys = BINARY[name]
    x, y = data.draw(xs, label="x"), data.draw(ys, label="y")
    a, b = Value(x), Value(y)
    full = call(a, b)
    full.backward()
    left = Value(x)
    with_number = call(left, y)  # type: ignore[arg-type]
    with_number.backward()
    assert with_number.data == full.data
    assert left.grad == a.grad
    assert with_number.parents == (left,)
    assert with_number.operands == (left, y)
    if name != "leaky_relu":  # leaky_relu's slope is a method argument, not a reflected operator
        right = Value(y)
        reflected = call(x, right)  # type: ignore[arg-type]
        reflected.backward()
        assert reflected.data == full.data
        assert right.grad == b.grad
        assert reflected.operands == (x, right)


@pytest.mark.parametrize(
    ("expr", "value", "grad"),
    [
        (lambda v: v**2, 9.0, 6.0),
        (lambda v: v**0.5, math.sqrt(3.0), 0.5 / math.sqrt(3.0)),
        (lambda v: v**-1, 1 / 3, -1 / 9),
        (lambda v: 2**v, 8.0, 8.0 * math.log(2)),
        (lambda v: 1 / v, 1 / 3, -1 / 9),
        (lambda v: 10 - v, 7.0, -1.0),
        (lambda v: (-v) ** 3, -27.0, -27.0),
    ],
)
def test_powers_and_reflected_ops_closed_forms(
    expr: Callable[[Value], Value], value: float, grad: float
) -> None:
    x = Value(3.0)
    out = expr(x)
    out.backward()
    assert close(out.data, value)
    assert close(x.grad, grad)


@given(reals(-50, 50))
def test_negative_base_with_integer_exponent(x: float) -> None:
    v = Value(x)
    out = v**3
    out.backward()
    assert close(out.data, x**3)
    assert close(v.grad, 3 * x**2)


@pytest.mark.parametrize(
    ("expr", "value", "grad"),
    [
        (lambda v: v.sqrt(), 0.0, math.inf),
        (lambda v: v**0.5, 0.0, math.inf),
        (lambda v: v**2, 0.0, 0.0),
        (lambda v: v**1, 0.0, 1.0),
        (lambda v: v**0, 1.0, 0.0),
        (lambda v: abs(v), 0.0, 0.0),
        (lambda v: v.relu(), 0.0, 0.0),
    ],
)
def test_derivatives_at_zero(expr: Callable[[Value], Value], value: float, grad: float) -> None:
    """At x = 0 the one-sided limits are used, as PyTorch does, instead of failing."""
    x = Value(0.0)
    out = expr(x)
    out.backward()
    assert out.data == value
    assert x.grad == grad


@pytest.mark.parametrize("x", [-1000.0, -745.0, 0.0, 745.0, 1000.0])
def test_sigmoid_and_softplus_do_not_overflow(x: float) -> None:
    s = Value(x).sigmoid()
    assert 0.0 <= s.data <= 1.0
    sp = Value(x)
    out = sp.softplus()
    out.backward()
    assert out.data == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))
    assert sp.grad == pytest.approx(sigmoid(x) if abs(x) < 700 else float(x > 0))


def test_softplus_derivative_is_exact_for_very_negative_inputs() -> None:
    """sigmoid(-30) ~ 9.4e-14: computing 1 - exp(-out) naively would lose most digits."""
    x = Value(-30.0)
    x.softplus().backward()
    assert close(x.grad, sigmoid(-30.0), 1e-12)
