"""Hypothesis strategies shared by the test modules: the op catalogue and one random-graph strategy.

The catalogue calls every op of ``autograd_mini.ops.OPS`` as a user writes it (``a + b``,
``-a``, ``a.tanh()``), so an op added to the table is exercised by every test that draws from it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from hypothesis import strategies as st

from autograd_mini import Value
from autograd_mini.ops import OPS

Operand = Value | float

# -- the op catalogue -------------------------------------------------------------------------

# The ops a user writes with Python's operators; every other op is a Value method of its name.
_OPERATORS: dict[str, Callable[..., Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "neg": operator.neg,
}

UNARY = sorted(name for name, op in OPS.items() if op.arity == 1)
BINARY = sorted(name for name, op in OPS.items() if op.arity == 2)
# Binary ops written with an operator: a number may come first too (Python's reflected operators).
REFLECTED = frozenset(name for name in BINARY if OPS[name].symbol in _OPERATORS)


def apply(name: str, *operands: Operand) -> Value:
    """Op ``name`` of the table on ``operands`` through Value's own API: its operator, else its method."""
    symbol = OPS[name].symbol
    if symbol in _OPERATORS:
        return _OPERATORS[symbol](*operands)
    result: Value = getattr(Value, name)(*operands)
    return result


# -- forms: what a random graph's step does with an op ------------------------------------------


@dataclass(frozen=True)
class Forms:
    """The steps a random graph may take: each name's function of one operand or of two."""

    name: str
    unary: Mapping[str, Callable[..., Value]]  # of a Value
    binary: Mapping[str, Callable[..., Value]]  # of a Value and a Value or a number
    reflected: frozenset[str] = field(default=frozenset())  # binary forms that take a number first too

    def __repr__(self) -> str:  # hypothesis prints failing examples with it
        return self.name

    def arity(self, name: str) -> int:
        """1 or 2: how many operands the form ``name`` reads."""
        return 2 if name in self.binary else 1

    def apply(self, name: str, a: Operand, b: Operand) -> Value:
        """The form ``name`` on its operands (a unary form reads ``a`` only)."""
        return self.binary[name](a, b) if name in self.binary else self.unary[name](a)


# Every op of the table, raw: out-of-domain and non-finite results included.
EVERY_OP = Forms(
    "EVERY_OP",
    unary={name: partial(apply, name) for name in UNARY},
    binary={name: partial(apply, name) for name in BINARY},
    reflected=REFLECTED,
)

# Smooth steps that keep values bounded, so central differences of first and second order stay
# accurate; the kinked ops (abs, relu, leaky_relu) are left out.
_SMOOTH_UNARY: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "sin": Value.sin,
    "cos": Value.cos,
    "exp": lambda a: a.tanh().exp(),
    "expm1": lambda a: a.tanh().expm1(),
    "log": lambda a: (a * a + 1).log(),
    "log1p": lambda a: (a * a).log1p(),
    "sqrt": lambda a: (a * a + 1).sqrt(),
    "softplus": Value.softplus,
    "square": lambda a: (a.tanh() * 2) ** 2,
    "neg": lambda a: -a,
    "rdiv": lambda a: 1 / (2 + a.sin()),
}
_SMOOTH_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b.tanh(),
    "div": lambda a, b: a / (1 + b * b),
    # Exponent in (0.5, 2.5), never 0: at y == 0 the table follows PyTorch's select (d/dx is a
    # constant 0, so d2/dydx is 0, not 1/x), tested on its own in test_power_at_exponent_zero_*.
    "pow": lambda a, b: (a * a + 0.5) ** (1.5 + b.tanh()),
    "rsub": lambda a, b: 1 - a * 0.5 + b,
}
SMOOTH = Forms("SMOOTH", unary=_SMOOTH_UNARY, binary=_SMOOTH_BINARY)

# -- one random-graph strategy -------------------------------------------------------------------

# A step's operand: an earlier node ("node", index), a number ("number", x), or a Value the
# function makes itself, so no gradient flows to it ("frozen", x).
Ref = tuple[str, int | float]
Step = tuple[str, Ref, Ref]


@dataclass(frozen=True)
class Graph:
    """Inputs and steps; a step applies a form to earlier nodes (the inputs first) or to numbers."""

    forms: Forms
    inputs: list[float]
    steps: list[Step]

    def operands(self, step: Step) -> tuple[Ref, ...]:
        """The operands the step reads: both for a binary form, the first for a unary one."""
        name, a, b = step
        return (a, b)[: self.forms.arity(name)]

    def reads(self) -> set[int]:
        """The nodes some step reads."""
        return {int(x) for step in self.steps for kind, x in self.operands(step) if kind == "node"}

    def nodes(self, leaves: list[Value]) -> list[Value]:
        """The leaves, then one node per step, replayed on those leaves."""
        nodes = list(leaves)

        def get(ref: Ref) -> Operand:
            kind, x = ref
            if kind == "node":
                return nodes[int(x)]
            return Value(x) if kind == "frozen" else float(x)

        for name, a, b in self.steps:
            b_value = get(b) if self.forms.arity(name) == 2 else 0.0
            nodes.append(self.forms.apply(name, get(a), b_value))
        return nodes

    def build(self, *leaves: Value) -> Value:
        """The sum of every node, so every node reaches the output (fan-out everywhere)."""
        nodes = self.nodes(list(leaves))
        total = nodes[0]
        for node in nodes[1:]:
            total = total + node
        return total


INPUTS = st.floats(-2, 2, allow_nan=False)  # where the SMOOTH forms stay accurate for gradcheck


@st.composite
def graphs(
    draw: st.DrawFn,
    forms: Forms = SMOOTH,
    inputs: st.SearchStrategy[float] = INPUTS,
    max_inputs: int = 4,
    max_steps: int = 14,
    numbers: st.SearchStrategy[float] | None = None,
    frozen: bool = False,
) -> Graph:
    """A random graph with shared sub-expressions; with ``numbers``, operands may be numbers too.

    A step's first operand is a node (an op's method needs a Value first) unless the form is
    reflected and a coin says to swap; with ``frozen``, operands may be Values made in the function.
    """
    if frozen and numbers is None:
        raise ValueError("frozen operands need numbers to draw their values from")
    values = draw(st.lists(inputs, min_size=1, max_size=max_inputs))
    kinds = ["node"] if numbers is None else ["node", "node", "node", "number"] + ["frozen"] * frozen
    steps: list[Step] = []
    for k in range(draw(st.integers(1, max_steps))):
        available = len(values) + k
        name = draw(st.sampled_from(sorted(forms.unary) + sorted(forms.binary)))
        first: Ref = ("node", draw(st.integers(0, available - 1)))
        kind = draw(st.sampled_from(kinds))
        if kind == "node" or numbers is None:
            second: Ref = ("node", draw(st.integers(0, available - 1)))
        else:
            second = (kind, draw(numbers))
        if name in forms.reflected and kind != "node" and draw(st.booleans()):
            first, second = second, first
        steps.append((name, first, second))
    return Graph(forms, values, steps)
