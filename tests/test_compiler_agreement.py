"""Compiled and eager agree on random graphs at random inputs, non-finite and out-of-domain ones included.

Either both return the same numbers, bit for bit (nan equal to nan), or both raise the same
exception with the same message, naming the op and its operand values.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

from hypothesis import event, given, settings
from hypothesis import strategies as st

from autograd_mini import Value, trace
from autograd_mini.ops import OPS

BINARY: dict[str, Callable[[Value | float, Value | float], Value]] = {
    "add": lambda a, b: a + b,  # type: ignore[operator]
    "sub": lambda a, b: a - b,  # type: ignore[operator]
    "mul": lambda a, b: a * b,  # type: ignore[operator]
    "div": lambda a, b: a / b,  # type: ignore[operator]
    "pow": lambda a, b: a**b,  # type: ignore[operator]
    "leaky_relu": lambda a, b: Value.leaky_relu(a, b),  # type: ignore[arg-type]
}
# Every unary op of the table, through its Value method (so a new op is tested here once added).
UNARY: dict[str, Callable[[Value], Value]] = {
    name: {"neg": Value.__neg__, "abs": Value.__abs__}.get(name) or getattr(Value, name)
    for name, op in OPS.items()
    if op.arity == 1
}

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 710.0, 1e-200, 1e308, -1e308, math.inf, -math.inf, math.nan]
numbers = st.one_of(st.sampled_from(SPECIAL), st.floats(-4.0, 4.0), st.floats())
tame = st.floats(0.25, 2.0)  # trace points: most graphs trace there; new points are anything

# An operand: an earlier node ("node", i), a number ("number", x) or a Value made inside fn ("frozen", x).
Operand = tuple[str, int | float]
Step = tuple[str, Operand, Operand]


@st.composite
def operands(draw: st.DrawFn, available: int) -> Operand:
    kind = draw(st.sampled_from(["node", "node", "node", "number", "frozen"]))
    if kind == "node":
        return ("node", draw(st.integers(0, available - 1)))
    return (kind, draw(numbers))


@st.composite
def programs(draw: st.DrawFn) -> tuple[int, list[Step], list[int], bool]:
    """(inputs, steps, the nodes summed into the output, whether input 0 is a parameter)."""
    n_inputs = draw(st.integers(1, 3))
    steps: list[Step] = []
    for k in range(draw(st.integers(1, 10))):
        available = n_inputs + k
        op = draw(st.sampled_from(sorted(OPS)))
        first = ("node", draw(st.integers(0, available - 1)))  # the op's method needs a Value first
        if op in BINARY and op != "leaky_relu" and draw(st.booleans()):
            steps.append((op, draw(operands(available)), first))
        else:
            steps.append((op, first, draw(operands(available))))
    # Every node reaches the output: the output sums the nodes no step reads, and a few more.
    # (A node it does not depend on is no part of the traced graph: see test_dead_nodes_are_not_run.)
    used = [(a, b) if op in BINARY else (a,) for op, a, b in steps]
    read = {int(x) for pair in used for kind, x in pair if kind == "node"}
    total = n_inputs + len(steps)
    extra = draw(st.lists(st.integers(0, total - 1), max_size=2))
    outputs = sorted({i for i in range(total) if i not in read} | set(extra))
    return n_inputs, steps, outputs, draw(st.booleans())


def run(steps: list[Step], outputs: list[int], leaves: list[Value]) -> Value:
    nodes = list(leaves)

    def get(operand: Operand) -> Value | float:
        kind, x = operand
        if kind == "node":
            return nodes[int(x)]
        return Value(x) if kind == "frozen" else float(x)

    for op, a, b in steps:
        if op in BINARY:
            nodes.append(BINARY[op](get(a), get(b)))
        else:
            nodes.append(UNARY[op](get(a)))  # type: ignore[arg-type]
    total = nodes[outputs[0]]
    for i in outputs[1:]:
        total = total + nodes[i]
    return total


def failures(steps: list[Step], leaves: list[Value]) -> set[tuple[type, str]]:
    """The eager error of every step whose operands were computed, each step run on its own."""
    nodes: list[Value | None] = list(leaves)
    errors = set()
    for op, a, b in steps:
        pair = [a, b] if op in BINARY else [a]
        values = [
            nodes[int(x)] if kind == "node" else (Value(x) if kind == "frozen" else x) for kind, x in pair
        ]
        if any(v is None for v in values):
            nodes.append(None)  # an operand failed: this step never runs
            continue
        try:
            nodes.append(BINARY[op](*values) if op in BINARY else UNARY[op](*values))  # type: ignore[arg-type]
        except (ArithmeticError, ValueError) as exc:
            errors.add((type(exc), str(exc)))
            nodes.append(None)
    return errors


def bits(x: float) -> bytes:
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


Outcome = tuple[list[bytes], None] | tuple[None, tuple[type, str]]


def outcome(call: Callable[[], tuple[float, list[float]]]) -> Outcome:
    try:
        value, grads = call()
    except (ArithmeticError, ValueError) as exc:
        return None, (type(exc), str(exc))
    return [bits(value), *map(bits, grads)], None


def eager(steps: list[Step], outputs: list[int], param: Value | None, point: list[float]) -> Outcome:
    leaves = [Value(x) for x in point]

    def call() -> tuple[float, list[float]]:
        out = run(steps, outputs, [param, *leaves] if param is not None else leaves)
        out.backward()
        return out.data, [param.grad] if param is not None else [leaf.grad for leaf in leaves]

    if param is not None:
        param.zero_grad()
    return outcome(call)


@settings(max_examples=600, deadline=None)
@given(
    programs(),
    st.lists(tame, min_size=3, max_size=3),
    st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=3, max_size=3),
)
def test_compiled_equals_eager_everywhere(
    program: tuple[int, list[Step], list[int], bool], traced_at: list[float], points: list[list[float]]
) -> None:
    n_inputs, steps, outputs, with_param = program
    param = Value(traced_at[0]) if with_param and n_inputs > 1 else None
    n_args = n_inputs - (param is not None)
    example = traced_at[1 : 1 + n_args] if param else traced_at[:n_args]
    at_trace = eager(steps, outputs, param, example)
    try:
        compiled = trace(
            lambda *leaves: run(steps, outputs, [param, *leaves] if param is not None else list(leaves)),
            *example,
            params=[param] if param is not None else None,
        )
    except (ArithmeticError, ValueError) as exc:
        assert at_trace == (None, (type(exc), str(exc)))  # tracing is an eager run
        event("tracing raised")
        return
    for point in points:
        if param is not None:
            param.assign(point[-1])
        args = point[:n_args]
        result = outcome(lambda args=args: compiled(*args))
        expected = eager(steps, outputs, param, args)
        if result[1] is None or expected[1] is None or result == expected:
            assert result == expected
            event("both raised" if result[0] is None else "both returned")
            continue
        # Several ops fail: compiled reports the first in its own topological order, which
        # need not be the order fn created them in; it is still that op's eager error.
        numbers = ([param.data] if param is not None else []) + args
        possible = failures(steps, [Value(x) for x in numbers])
        assert {result[1], expected[1]} <= possible
        event("both raised, at different failing ops")
