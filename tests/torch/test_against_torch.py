"""PyTorch as the oracle: every op's value and gradient against PyTorch float64, NaN, signed
zeros and infinities included (torch is in the dev extra, so make test runs these)."""

from __future__ import annotations

import math

import pytest
import torch

from autograd_mini import Value
from autograd_mini.ops import OPS
from tests.torch.reference import TORCH

POINTS = [math.nan, 0.0, -0.0, 1e-3, -1e-3, 0.5, -0.5, 2.0, -2.0, 30.0, -30.0]


def same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def engine(name: str, args: list[float]) -> tuple[float, list[float]] | None:
    xs = [Value(a) for a in args]
    op = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__", "pow": "__pow__"}
    try:
        if name in op:
            out = getattr(xs[0], op[name])(xs[1])
        elif name == "neg":
            out = -xs[0]
        elif name == "leaky_relu":
            out = xs[0].leaky_relu(xs[1])
        else:
            out = getattr(xs[0], name)()
        out.backward()
    except (ValueError, ArithmeticError):
        return None  # the engine refuses this point (a domain it documents)
    return out.data, [x.grad for x in xs]


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_against_torch_float64(name: str) -> None:
    arity = OPS[name].arity
    grid = [[a] for a in POINTS] if arity == 1 else [[a, b] for a in POINTS for b in POINTS]
    checked = 0
    for args in grid:
        ours = engine(name, args)
        if ours is None:
            continue
        ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        out = TORCH[name](*ts)
        out.backward()
        value, grads = ours
        if name == "expm1" and args[0] < -20.0:
            # PyTorch's derivative is expm1(x) + 1, which loses digits there; exp(x) does not
            assert grads[0] == math.exp(args[0])
            continue
        assert same(value, out.item()), (name, args, value, out.item())
        for mine, theirs in zip(grads, ts, strict=True):
            if math.isnan(value):
                continue  # a nan result's gradients are not compared: torch's are as arbitrary
            assert same(mine, theirs.grad.item()), (name, args, grads, [t.grad.item() for t in ts])
        checked += 1
    assert checked > 0


@pytest.mark.parametrize(("name", "slope"), [("relu", 1.0), ("abs", 0.0), ("leaky_relu", 0.01)])
def test_nan_policy_matches_torch(name: str, slope: float) -> None:
    args = [math.nan] if name != "leaky_relu" else [math.nan, 0.01]
    ours = engine(name, args)
    assert ours is not None
    t = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
    slope_t = torch.tensor(0.01, dtype=torch.float64)
    out = TORCH[name](t) if name != "leaky_relu" else TORCH[name](t, slope_t)
    out.backward()
    assert math.isnan(ours[0]) and math.isnan(out.item())
    assert ours[1][0] == t.grad.item() == slope
