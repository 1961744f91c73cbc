"""The built-in exercise graphs: each a function of a ``random.Random``, so a seed fixes its numbers.

``own`` (seed 0) asks the seeds' examples for their own numbers rather than random ones.

Numbers are small and "nice" (halves from -4 to 4) so that they can be worked by hand. Seed 0
of the seeds' examples gives their own numbers (the x,y -> z diagram at x = 3, y = -4 with
dL/dz = 2; the lecture's neuron); the seeds' networks are the demos' own models.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import losses
from .engine import Value

__all__ = ["BUILTINS", "Built"]


@dataclass(frozen=True)
class Built:
    """A built-in graph: its root, seed dL/droot, what to ask, and a sentence saying what it is."""

    root: Value
    title: str
    story: str
    grad: float = 1.0
    ask: tuple[str, ...] = ("locals", "grads")
    parameters: Any = None
    nodes: tuple[Value, ...] | None = None  # the values asked about (None: all)


def _nice(rng: random.Random, nonzero: bool = True) -> float:
    choices = [k / 2 for k in range(-8, 9) if k or not nonzero]
    return rng.choice(choices)


def single_op(rng: random.Random, own: bool) -> Built:
    """One op z = f(x, y) and the gradient dL/dz arriving from above (the x,y -> z picture)."""
    x, y = Value(_nice(rng), "x"), Value(_nice(rng), "y")
    kind = rng.choice(["add", "sub", "mul", "div", "tanh", "exp", "pow"])
    makers: dict[str, Callable[[], Value]] = {
        "add": lambda: x + y,
        "sub": lambda: x - y,
        "mul": lambda: x * y,
        "div": lambda: x / y,
        "tanh": lambda: (x * 0.25).tanh(),
        "exp": lambda: (x * 0.5).exp(),
        "pow": lambda: x**2 * y,
    }
    z = makers[kind]()
    z.label = "z"
    grad = rng.choice([1.0, 2.0, -1.0, 0.5])
    story = f"z is computed from x = {x.data:g} and y = {y.data:g}; dL/dz = {grad:g} arrives from above."
    return Built(z, f"one op: {kind}", story, grad)


def xyz(rng: random.Random, own: bool) -> Built:
    """The seeds' x,y -> z diagram: z = x * y at x = 3, y = -4, dL/dz = 2 (own), other numbers otherwise."""
    x = Value(3.0 if own else _nice(rng), "x")
    y = Value(-4.0 if own else _nice(rng), "y")
    z = x * y
    z.label = "z"
    return Built(
        z, "the x,y -> z diagram", f"z = x * y at x = {x.data:g}, y = {y.data:g}; dL/dz = 2 arrives.", 2.0
    )


def chain(rng: random.Random, own: bool) -> Built:
    """A chain f = tanh((a * b + c) / 4): every value has one consumer."""
    a, b, c = Value(_nice(rng), "a"), Value(_nice(rng), "b"), Value(_nice(rng), "c")
    d = a * b
    d.label = "d"
    e = d + c
    e.label = "e"
    f = (e * 0.25).tanh()
    f.label = "f"
    return Built(
        f, "a chain", f"f = tanh((a * b + c) * 0.25) at a = {a.data:g}, b = {b.data:g}, c = {c.data:g}."
    )


def fan_out(rng: random.Random, own: bool) -> Built:
    """Fan-out: a is used twice (e = a * b + a, f = e * e), so its gradient is a sum of two contributions."""
    a, b = Value(_nice(rng), "a"), Value(_nice(rng), "b")
    d = a * b
    d.label = "d"
    e = d + a
    e.label = "e"
    f = e * e  # e is used twice as well
    f.label = "f"
    return Built(f, "fan-out", f"f = e * e with e = a * b + a, at a = {a.data:g}, b = {b.data:g}.")


def neuron(rng: random.Random, own: bool) -> Built:
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b); seed 0 gives the lecture's numbers."""
    x1, x2 = Value(2.0 if own else _nice(rng), "x1"), Value(0.0 if own else _nice(rng), "x2")
    w1, w2 = Value(-3.0 if own else _nice(rng), "w1"), Value(1.0 if own else _nice(rng), "w2")
    b = Value(6.8813735870195432 if own else _nice(rng), "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1w1", "x2w2"
    total = x1w1 + x2w2
    total.label = "s"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    story = (
        f"o = tanh(x1*w1 + x2*w2 + b) at x1 = {x1.data:g}, x2 = {x2.data:g}, w1 = {w1.data:g}, "
        f"w2 = {w2.data:g}, b = {b.data:.6g}."
    )
    return Built(o, "a neuron", story)


def softmax_nll(rng: random.Random, own: bool) -> Built:
    """Softmax + negative log-likelihood of 3 logits (losses.cross_entropy): dL/dz_i = p_i - [i = t]."""
    logits = [Value(_nice(rng, nonzero=False), f"z{i}") for i in range(3)]
    target = rng.randrange(3)
    loss = losses.cross_entropy([logits], [target])
    loss.label = "L"
    story = (
        f"L = -log softmax(z)[{target}] at z = ({', '.join(f'{v.data:g}' for v in logits)}), target class "
        f"{target}. Only the logits' gradients are asked (softmax minus the one-hot target)."
    )
    return Built(loss, "softmax + NLL", story, ask=("grads",), nodes=tuple(logits))


def _network(model: Any, cost: Value, rng: random.Random, title: str, story: str) -> Built:
    named = model.named_parameters()
    picked = sorted(rng.sample(range(len(named)), 4))
    nodes = tuple(named[i][1] for i in picked)
    return Built(cost, title, story, ask=("grads",), parameters=model, nodes=nodes)


def four_layer_network(rng: random.Random, own: bool) -> Built:
    """The four-layer network of the seed article (demos.four_layer_network), four parameters asked."""
    from .demos import four_layer_network as demo

    model = demo.build_model()
    story = "C = 1/2 (s - y)^2 of the seed article's four-layer sigmoid network, at its weights and input."
    return _network(model, demo.cost(model), rng, "the four-layer network", story)


def cheatsheet_network(rng: random.Random, own: bool) -> Built:
    """The ML-cheatsheet network (demos.cheatsheet_network), four parameters asked."""
    from .demos import cheatsheet_network as demo

    model = demo.build_model()
    terms: list[Value] = []
    for x, y in zip(demo.X, demo.Y, strict=True):
        outputs = model(x)
        terms.extend(0.5 * (o - t) ** 2 for o, t in zip(outputs, y, strict=True))
    cost = terms[0]
    for term in terms[1:]:
        cost = cost + term
    story = "C = 1/2 sum (y_hat - y)^2 of the ML-cheatsheet's relu network over its three samples."
    return _network(model, cost, rng, "the ML-cheatsheet network", story)


BUILTINS: dict[str, Callable[[random.Random, bool], Built]] = {
    "single_op": single_op,
    "xyz": xyz,
    "chain": chain,
    "fan_out": fan_out,
    "neuron": neuron,
    "softmax_nll": softmax_nll,
    "four_layer_network": four_layer_network,
    "cheatsheet_network": cheatsheet_network,
}
