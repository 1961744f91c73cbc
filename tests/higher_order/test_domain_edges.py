"""Second derivatives at the edges of a domain, hvp's direction, the sign of a zero gradient and
the transforms' flags. Expected numbers are PyTorch 2.13's (float64)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd_mini import Value, gradients, hessian, hvp, trace
from autograd_mini.graph import reference_gradients
from tests.helpers import bits, bits_any_nan

INF, NAN = math.inf, math.nan


def second_derivative(f: Callable[[Value], Value], x: float) -> float:
    ((h,),) = hessian(f, [x])
    return h.data


# -- second derivatives at the edge of the domain -----------------------------------------

EDGES: list[tuple[str, Callable[[Value], Value], float, float]] = [
    ("sqrt at 0", Value.sqrt, 0.0, -INF),
    ("x**0.5 at 0", lambda x: x**0.5, 0.0, -INF),
    ("x**0.25 at 0", lambda x: x**0.25, 0.0, -INF),
    ("x**0.5 at 1e-300", lambda x: x**0.5, 1e-300, -INF),
    ("x**-0.5 at 1e-200", lambda x: x**-0.5, 1e-200, INF),
    ("x**0.5 at 4", lambda x: x**0.5, 4.0, -1.0 / 32.0),
    # the first derivative is 0 * inf = nan there: so is the second
    ("0*sqrt at 0", lambda x: x.sqrt() * 0.0, 0.0, NAN),
    ("0*x**0.5 at 0", lambda x: x**0.5 * 0.0, 0.0, NAN),
    ("sqrt(x*x) at 0", lambda x: (x * x).sqrt(), 0.0, NAN),
]


@pytest.mark.parametrize(("f", "x", "expected"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_second_derivative_at_domain_edges(f: Callable[[Value], Value], x: float, expected: float) -> None:
    assert bits_any_nan(second_derivative(f, x)) == bits_any_nan(expected)


def test_first_derivative_of_small_powers_is_unchanged() -> None:
    x = Value(1e-300)
    (g,) = gradients(x**0.5, x)
    assert g.data == 0.5 * 1e-300**-0.5
    x = Value(0.25)
    (g,) = gradients(x**0.5, x)
    assert g.data == 1.0


# -- hvp: the direction is a constant ------------------------------------------------------


def test_hvp_with_the_input_as_direction_treats_it_as_a_constant() -> None:
    x = Value(0.7)
    (hv,) = hvp(lambda a: a * a * a, [x], [x])  # H = 6x = 4.2, v = 0.7
    (by_number,) = hvp(lambda a: a * a * a, [0.7], [0.7])
    assert hv.data == pytest.approx(2.94, rel=1e-15)
    assert hv.data == by_number.data


def test_hvp_with_a_computed_direction_treats_it_as_a_constant() -> None:
    x = Value(0.7)
    (hv,) = hvp(lambda a: a * a * a, [x], [x * 2.0])
    assert hv.data == pytest.approx(4.2 * 1.4, rel=1e-15)


# -- one sign for a zero gradient: +0.0 (every sum starts at +0.0) ------------------------------


def zero_gradients(fn: Callable[[Value], Value], x: float, seed: float) -> dict[str, float]:
    found: dict[str, float] = {}
    v = Value(x)
    fn(v).backward(seed)
    found["backward"] = v.grad
    v = Value(x)
    fn(v).backward(seed, create_graph=True)
    found["backward(create_graph=True)"] = v.grad
    for create_graph in (False, True):
        v = Value(x)
        (g,) = gradients(fn(v), v, grad_outputs=seed, create_graph=create_graph)
        found[f"gradients(create_graph={create_graph})"] = g.data
    v = Value(x)
    found["reference_gradients"] = reference_gradients(fn(v), seed)[v]
    _, (g,) = trace(lambda a: fn(a) * seed, x)(x)
    found["compiled"] = g
    return found


@pytest.mark.parametrize(
    ("fn", "x", "seed"),
    [
        (lambda v: v * -0.0, 1.0, 1.0),
        (lambda v: v * 0.0, 1.0, -1.0),
        (Value.cos, 0.0, 1.0),
        (lambda v: v * v, -0.0, 1.0),
        (lambda v: v * -0.0 + v * -0.0, 2.0, 1.0),
        (lambda v: (-v).relu() * -1.0, 3.0, 1.0),
    ],
)
def test_a_zero_gradient_is_plus_zero_everywhere(fn: Callable[[Value], Value], x: float, seed: float) -> None:
    for path, g in zero_gradients(fn, x, seed).items():
        assert bits(g) == bits(0.0), (path, g)


def test_an_output_that_is_an_input_gets_a_plus_zero_seed() -> None:
    x = Value(2.0)
    assert bits(gradients(x, x, grad_outputs=-0.0)[0].data) == bits(0.0)
    assert bits(gradients(x, x, grad_outputs=-0.0, create_graph=True)[0].data) == bits(0.0)
    y = x * 1.0
    y.backward(-0.0)
    assert bits(y.grad) == bits(0.0) and bits(x.grad) == bits(0.0)
    z = x * 1.0
    z.backward(-0.0, create_graph=True)
    assert bits(z.grad) == bits(0.0)
    assert bits(reference_gradients(x * 1.0, -0.0)[x]) == bits(0.0)


# -- flags must be bool ---------------------------------------------------------------


@pytest.mark.parametrize("flag", ["create_graph", "allow_unused"])
@pytest.mark.parametrize("bad", ["no", 0, 1, None, 1.0])
def test_gradients_flags_must_be_bool(flag: str, bad: object) -> None:
    x = Value(2.0)
    y = x * x
    with pytest.raises(TypeError, match=f"gradients: {flag} must be True or False, got {type(bad).__name__}"):
        gradients(y, x, **{flag: bad})  # type: ignore[arg-type]
    assert x.grad == 0.0 and y.grad == 0.0
