"""PyTorch as the oracle: gradients at the edge cases against PyTorch float64 (run by make test).

Every op of the table at operands 0, -0, ±inf, nan, subnormals and large values, with an
upstream gradient of 0, -0, ±1, ±inf or nan, on every path (backward, the reference
gradients, gradients() with and without create_graph, and the compiled mode for unary ops);
second derivatives at the edges of a domain; hvp. The expected gradient is PyTorch's plus
+0.0: the engine's sums start at +0.0, where PyTorch takes a leaf's first gradient as it is
(so PyTorch's -0.0 is the engine's +0.0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch

from autograd_mini import Value, gradients, hessian, hvp, trace
from autograd_mini.graph import reference_gradients
from autograd_mini.ops import OPS
from tests.torch.reference import TORCH

INF, NAN = math.inf, math.nan
POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 2.0, 1e-300, 1e-310, -1e-310, 30.0, -800.0, 800.0, INF, -INF, NAN]
UPSTREAM = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN]
# Where 1/y overflows PyTorch divides, g / y, and the engine multiplies by its stored 1/y = ±inf.
OVERFLOWING_RECIPROCAL = 2.0**-1024


def documented_difference(name: str, args: list[float]) -> bool:
    """The points where the engine's gradient is documented to differ (docs/guide/engine.md)."""
    divisor = {"div": args[-1], "log": args[0]}.get(name)
    if divisor is not None and 0.0 < abs(divisor) < OVERFLOWING_RECIPROCAL:
        return True  # g * (1/y) with 1/y = ±inf, where PyTorch computes g / y
    if name == "sqrt" and math.copysign(1.0, args[0]) < 0.0:
        return True  # sqrt(-0.0) = -0.0: PyTorch's 1 / (2 * -0.0) is -inf, the engine's derivative +inf
    return name == "expm1" and args[0] < -20.0  # PyTorch's expm1(x) + 1 loses digits there; exp(x) does not


def apply(name: str, operands: list[Any]) -> Any:
    """The op on Values (or on torch tensors with TORCH)."""
    methods = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__", "pow": "__pow__"}
    first, *rest = operands
    if name in methods:
        return getattr(first, methods[name])(rest[0])
    if name == "neg":
        return -first
    return getattr(first, name)(*rest)


def torch_gradients(name: str, args: list[float], g: float) -> list[float]:
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = TORCH[name](*ts)
    out.backward(torch.tensor(g, dtype=torch.float64))
    return [t.grad.item() for t in ts]


def engine_paths(name: str, args: list[float], g: float) -> dict[str, list[float]] | None:
    """Each path's gradients of op(args) with upstream g; None where the engine refuses the point."""

    def fn(*xs: Value) -> Value:
        return apply(name, list(xs)) * g  # d loss / d op(x) = g

    found: dict[str, list[float]] = {}
    try:
        xs = [Value(a) for a in args]
        fn(*xs).backward()
    except (ValueError, ArithmeticError):
        return None
    found["backward"] = [x.grad for x in xs]
    xs = [Value(a) for a in args]
    reference = reference_gradients(fn(*xs))
    found["reference_gradients"] = [reference[x] for x in xs]
    for create_graph in (False, True):
        xs = [Value(a) for a in args]
        grads = gradients(fn(*xs), xs, create_graph=create_graph)
        found[f"gradients(create_graph={create_graph})"] = [v.data for v in grads]
    if len(args) == 1:
        _, grads = trace(fn, *args)(*args)
        found["compiled"] = list(grads)
    return found


def same(mine: float, theirs: float) -> bool:
    """Equal, nan as nan, and the sign of a zero as 0.0 + PyTorch's."""
    expected = 0.0 + theirs
    if math.isnan(mine) or math.isnan(expected):
        return math.isnan(mine) and math.isnan(expected)
    if mine == 0.0 or expected == 0.0 or math.isinf(expected):
        return mine == expected and math.copysign(1.0, mine) == math.copysign(1.0, expected)
    return abs(mine - expected) <= 1e-12 * abs(expected)


@pytest.mark.parametrize("name", sorted(OPS))
def test_edge_gradients_match_torch_on_every_path(name: str) -> None:
    arity = OPS[name].arity
    grid = [[a] for a in POINTS] if arity == 1 else [[a, b] for a in POINTS for b in POINTS]
    checked = 0
    for args in grid:
        if documented_difference(name, args):
            continue
        for g in UPSTREAM:
            paths = engine_paths(name, args, g)
            if paths is None:
                continue
            theirs = torch_gradients(name, args, g)
            for path, grads in paths.items():
                for mine, their in zip(grads, theirs, strict=True):
                    assert same(mine, their), (name, args, g, path, grads, theirs)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize(
    ("engine_fn", "torch_fn"),
    [
        (lambda v: v.relu().sqrt(), lambda t: t.relu().sqrt()),
        (lambda v: v.relu() ** 0.5, lambda t: t.relu() ** 0.5),
        (lambda v: (v.relu() ** 0.5).tanh() * 3.0, lambda t: (t.relu() ** 0.5).tanh() * 3.0),
        (lambda v: v.leaky_relu(0.0).sqrt(), lambda t: torch.nn.functional.leaky_relu(t, 0.0).sqrt()),
    ],
)
@pytest.mark.parametrize("x", [-1.0, -1e-300, -0.0, 0.0, 4.0])
def test_roots_of_relu_match_torch(engine_fn: Any, torch_fn: Any, x: float) -> None:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch_fn(t).backward()
    for create_graph in (False, True):
        v = Value(x)
        (g,) = gradients(engine_fn(v), v, create_graph=create_graph)
        assert same(g.data, t.grad.item()), (x, create_graph, g.data, t.grad.item())
    _, (g,) = trace(engine_fn, x)(x)
    assert same(g, t.grad.item())


SECOND: list[tuple[Callable[[Value], Value], Callable[[Any], Any], float]] = [
    (Value.sqrt, torch.sqrt, 0.0),
    (lambda v: v**0.5, lambda t: t**0.5, 0.0),
    (lambda v: v**0.25, lambda t: t**0.25, 0.0),
    (lambda v: v**0.5, lambda t: t**0.5, 1e-300),
    (lambda v: v**0.5, lambda t: t**0.5, 1e-310),
    (lambda v: v**-0.5, lambda t: t**-0.5, 1e-200),
    (lambda v: v**1.5, lambda t: t**1.5, 0.0),
    (lambda v: v**2.0, lambda t: t**2.0, 0.0),
    (lambda v: v.sqrt() * 0.0, lambda t: t.sqrt() * 0.0, 0.0),
    (lambda v: (v * v).sqrt(), lambda t: (t * t).sqrt(), 0.0),
    (lambda v: v.sqrt().exp(), lambda t: t.sqrt().exp(), 0.0),
    (Value.sqrt, torch.sqrt, INF),
    (Value.log, torch.log, 1e-300),
]


@pytest.mark.parametrize(("engine_fn", "torch_fn", "x"), SECOND)
def test_second_derivatives_at_domain_edges_match_torch(engine_fn: Any, torch_fn: Any, x: float) -> None:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(torch_fn(t), t, create_graph=True)
    (second,) = torch.autograd.grad(first, t)
    ((h,),) = hessian(engine_fn, [x])
    assert same(h.data, second.item()), (x, h.data, second.item())


@pytest.mark.parametrize("x", [0.7, -1.3, 2.0])
def test_hvp_with_the_input_as_direction_matches_torch(x: float) -> None:
    def f(a: Any) -> Any:
        return (a * a * a).sin()

    _, expected = torch.autograd.functional.hvp(
        f, torch.tensor(x, dtype=torch.float64), torch.tensor(x, dtype=torch.float64)
    )
    v = Value(x)
    (hv,) = hvp(f, [v], [v])
    assert hv.data == pytest.approx(expected.item(), rel=1e-12)
