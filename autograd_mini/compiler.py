"""Compiled mode: trace a function once, replay its graph as straight-line Python.

A scalar engine spends most of a training step building and walking ~65,000 Python
objects whose shape never changes. ``trace`` runs the function once with the engine,
then writes the graph out as code: one forward line per op and the backward lines of the
chain rule, each op's formula and local derivative taken from the op table. The code is
built from the table's formulas and node indices only; labels never enter it.

Three rewrites keep it near hand-written speed (they change no arithmetic, so results
equal the eager engine's):

- a node used once, whose value the backward never reads (a product in a sum, a
  partial sum), is inlined into its consumer's expression;
- a local derivative of exactly 1 into a node used once passes the gradient variable on
  by name (no line), and no line is written for gradients nobody asked for;
- gradients are accumulated in the eager engine's own order.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
import time
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import Value, _count_consumers, _release_order
from .ops import FORMULA_NAMES, OPS, Op

__all__ = ["trace", "CompiledFunction", "TraceError"]

# Above this many nodes the code keeps values in lists, in chunked functions, so that
# compiling a 10^6-node graph needs bounded memory (CPython's compiler uses ~3 KB a line).
LOCALS_LIMIT = 100_000
CHUNK_STATEMENTS = 20_000
MAX_INLINE_DEPTH = 40  # CPython's parser refuses deeply nested expressions
MAX_INLINE_OPS = 64  # and compiles huge one-line expressions slowly: a neuron's sum fits
MAX_TERMS = 64  # terms per gradient statement, for the same reason


class TraceError(ValueError):
    """A traced function was called with arguments of another structure, or could not be traced."""


@dataclass(frozen=True)
class _Template:
    """A formula as a format string over {x}, {y}, {out}, and the names it reads."""

    text: str
    reads: frozenset[str]


def _template(formula: str) -> _Template:
    """Mark the operand names in a (one-line) formula as format fields, keeping its spacing."""
    pieces = []
    reads = set()
    last = 0
    for token in tokenize.generate_tokens(io.StringIO(formula).readline):
        if token.type == tokenize.NAME and token.string in ("x", "y", "out"):
            start, end = token.start[1], token.end[1]
            pieces.append(formula[last:start].replace("{", "{{").replace("}", "}}"))
            pieces.append("{" + token.string + "}")
            reads.add(token.string)
            last = end
    pieces.append(formula[last:].replace("{", "{{").replace("}", "}}"))
    return _Template("".join(pieces), frozenset(reads))


_FORWARD = {name: _template(op.forward) for name, op in OPS.items()}
_DERIVATIVES = {name: tuple(_template(d) for d in op.derivatives) for name, op in OPS.items()}
_DOMAINS = {
    name: tuple(_template(d.condition) if d else None for d in (op.domain, *op.grad_domains))
    for name, op in OPS.items()
}


def _literal(value: float, constants: list[float]) -> str:
    """A float as code: its repr when finite (digits only), else a slot in the constants table."""
    if math.isfinite(value):
        text = repr(value)
        return f"({text})" if text.startswith("-") else text
    constants.append(value)
    return f"_C[{len(constants) - 1}]"


def _flatten(arg: object, path: str, out: list[float]) -> object:
    """Append the numbers in ``arg`` to ``out``; return its structure (for the structure check).

    Numbers and Values are interchangeable inputs, so both are recorded as one kind, "leaf".
    """
    if isinstance(arg, Value):
        out.append(arg.data)
        return "leaf"
    if isinstance(arg, (int, float)) and not isinstance(arg, bool):
        out.append(float(arg))
        return "leaf"
    if isinstance(arg, (list, tuple)):
        return tuple(_flatten(item, f"{path}[{i}]", out) for i, item in enumerate(arg))
    raise TraceError(
        f"trace: {path} must be a number, a Value, or a list/tuple of them, got {type(arg).__name__}"
    )


def _describe_mismatch(expected: object, got: object, path: str) -> str:
    if isinstance(expected, tuple) and isinstance(got, tuple):
        if len(expected) != len(got):
            return f"{path} has {len(got)} items, the traced call had {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            if e != g:
                return _describe_mismatch(e, g, f"{path}[{i}]")

    def kind(structure: object) -> str:
        return "a list" if isinstance(structure, tuple) else "a number or Value"

    return f"{path} is {kind(got)} where the traced call had {kind(expected)}"


class CompiledFunction:
    """A traced function replayed without Value objects: ``loss, grads = compiled(*args)``."""

    def __init__(
        self,
        source: str,
        run: Callable[[list[float]], tuple[float, list[float]]],
        structure: object,
        num_nodes: int,
        grad_names: list[str],
        compile_seconds: float,
    ) -> None:
        self.source = source  # the generated code: forward lines, then the chain rule's backward lines
        self._run = run
        self._structure = structure
        self.num_nodes = num_nodes
        self.grad_names = grad_names  # what each returned gradient is the derivative with respect to
        self.compile_seconds = compile_seconds

    def __call__(self, *args: object) -> tuple[float, list[float]]:
        """(value, gradients) at new argument values; the parameters' current data is read too."""
        flat: list[float] = []
        structure = _flatten(list(args), "args", flat)
        if structure != self._structure:
            raise TraceError("trace: " + _describe_mismatch(self._structure, structure, "args"))
        try:
            return self._run(flat)
        except (ArithmeticError, ValueError) as exc:
            raise type(exc)(f"compiled function: {exc}") from None

    def __repr__(self) -> str:
        return (
            f"CompiledFunction({self.num_nodes} nodes, {len(self.grad_names)} gradients, "
            f"compiled in {self.compile_seconds:.3f} s)"
        )


def trace(
    fn: Callable[..., Value],
    *example_args: object,
    params: Sequence[Value] | None = None,
) -> CompiledFunction:
    """Trace ``fn(*example_args)`` once and compile it; the result returns (value, gradients).

    ``params`` are leaf Values that ``fn`` reads without taking them as arguments (a model's
    parameters): each call reads their current ``data`` and returns the gradients with
    respect to them, in order, ready for ``optimizer.step(grads)``. Without ``params`` the
    gradients are with respect to every number in the arguments, flattened in order.
    Any other Value ``fn`` reads keeps its trace-time value. The graph's shape is fixed:
    branches (relu, abs, leaky_relu) re-evaluate on new values, but Python ``if``s in ``fn``
    were decided once, and calling with arguments of another structure raises TraceError.
    """
    started = time.perf_counter()
    flat: list[float] = []
    structure = _flatten(list(example_args), "args", flat)
    counter = itertools.count()
    leaves: list[Value] = []

    def rebuild(spec: object) -> object:
        """The arguments again, with each number replaced by a fresh leaf to trace through."""
        if isinstance(spec, tuple):
            return [rebuild(item) for item in spec]
        leaf = Value(flat[next(counter)])
        leaves.append(leaf)
        return leaf

    traced_args = rebuild(structure)
    param_list = list(params) if params is not None else []
    for p in param_list:
        if not isinstance(p, Value) or not p.is_leaf:
            raise TraceError("trace: params must be leaf Values (a model's parameters)")
    root = fn(*traced_args)  # type: ignore[misc]
    if not isinstance(root, Value):
        raise TraceError(f"trace: fn must return a Value, got {type(root).__name__}")
    inputs = param_list + leaves  # the code reads them in this order
    targets = param_list if params is not None else leaves
    pieces, num_nodes, constants = _generate(root, inputs, targets)
    del root  # the generated code is all that is kept of the graph
    scope: dict[str, Any] = {**FORMULA_NAMES, "_C": tuple(constants), "_domain_error": _domain_error}
    for piece in pieces:
        exec(compile(piece, "<autograd_mini compiled>", "exec"), scope)  # noqa: S102 - built from the op table
    if len(pieces) == 1:
        source = pieces[0]
    else:  # too long to read: keep the driver and say what was left out
        source = (
            f"# {len(pieces) - 1} chunk functions _part0 ... of up to {CHUNK_STATEMENTS} lines, not kept\n"
        )
        source += pieces[-1]
    del pieces
    driver = scope["_compiled"]
    n_params = len(param_list)

    def run(values: list[float]) -> tuple[float, list[float]]:
        result: tuple[float, list[float]] = driver(
            [p.data for p in param_list] + values if n_params else values
        )
        return result

    names = (
        [f"params[{i}]" for i in range(n_params)]
        if params is not None
        else [f"input[{i}]" for i in range(len(leaves))]
    )
    return CompiledFunction(source, run, structure, num_nodes, names, time.perf_counter() - started)


@functools.cache
def _reads(op_name: str, used: tuple[int, ...]) -> frozenset[str]:
    """The names (x, y, out) that the backward and the domain checks of an op read."""
    reads: set[str] = set()
    for i in used:
        reads |= _DERIVATIVES[op_name][i].reads
    for i, domain in enumerate(_DOMAINS[op_name]):
        if domain is not None and (i == 0 or (i - 1) in used):
            reads |= domain.reads
    return frozenset(reads)


def _domain_checks(op: Op, node: Value, used: tuple[int, ...], names: dict[str, str]) -> list[str]:
    """Lines that raise the eager engine's domain errors (pow, log, sqrt) on new values."""
    value_operands = {n for n, p in zip("xy", (node._a, node._b), strict=False) if isinstance(p, Value)}
    lines = []
    checks = (op.domain, *op.grad_domains)
    for i, template in enumerate(_DOMAINS[op.name]):
        domain = checks[i]
        if template is None or domain is None or not (i == 0 or (i - 1) in used):
            continue
        if not template.reads & value_operands:
            continue  # only constants: they passed this check when the graph was traced
        args = ", ".join(names[n] for n in op.operand_names)
        lines.append(
            f"if not ({template.text.format(**names)}): "
            f"raise _domain_error({op.name!r}, {domain.explanation!r}, {args})"
        )
    return lines


def _domain_error(op_name: str, explanation: str, *values: float) -> ValueError:
    names = ("x", "y")
    shown = ", ".join(f"{n} = {v!r}" for n, v in zip(names, values, strict=False))
    return ValueError(f"{op_name}: {explanation}; got {shown}")


def _generate(root: Value, inputs: list[Value], targets: list[Value]) -> tuple[list[str], int, list[float]]:
    """The source of ``_compiled(inputs) -> (value, grads)`` for the graph behind root.

    Returned as pieces to compile one at a time: one for a graph of up to LOCALS_LIMIT
    nodes, else chunks of CHUNK_STATEMENTS statements and a driver, so that CPython's
    compiler never holds the syntax tree of a huge graph at once.
    """
    uses = _count_consumers(root)  # edges into each node from the graph
    backward_order = _release_order(root, dict(uses))  # the eager backward's order: root first
    order = backward_order[::-1]  # forward order: operands first
    index = {node: i for i, node in enumerate(order)}
    input_slot = {node: k for k, node in enumerate(inputs) if node in index}
    target_set = set(targets)
    constants: list[float] = []
    big = len(order) > LOCALS_LIMIT
    value_prefix, grad_prefix, close = ("V[", "G[", "]") if big else ("v", "g", "")

    # Which nodes need a gradient: the targets and everything between them and the root;
    # and for each op node, the operand positions whose local derivative the backward uses.
    needs: dict[Value, bool] = {}
    emitted: dict[Value, tuple[int, ...]] = {}
    for node in order:
        if node._fn is None:
            needs[node] = node in target_set
            continue
        a, b = node._a, node._b
        positions = []
        if a.__class__ is Value and needs[a]:
            positions.append(0)
        if b.__class__ is Value and needs[b]:
            positions.append(1)
        needs[node] = bool(positions)
        emitted[node] = tuple(positions)

    # Which values must live in a variable; the rest are inlined into their single consumer.
    materialize = {node: node._fn is None or uses[node] > 1 for node in order}
    materialize[root] = True
    for node, used in emitted.items():
        reads = _reads(node._fn.name, used)  # type: ignore[union-attr]
        if "out" in reads:
            materialize[node] = True
        if "x" in reads and isinstance(node._a, Value):
            materialize[node._a] = True
        if "y" in reads and isinstance(node._b, Value):
            materialize[node._b] = True

    expressions: dict[Value, str] = {}  # how the code refers to each node's value
    depth: dict[Value, int] = {}  # nesting of inlined expressions (0: a name or a literal)
    size: dict[Value, int] = {}  # ops inlined into the expression
    forward: list[str] = []

    def code_of(operand: Value | float | None) -> tuple[str, int]:
        if operand.__class__ is Value:
            return expressions[operand], depth[operand]
        return _literal(operand, constants), 0  # type: ignore[arg-type]

    for node in order:
        op = node._fn
        if op is None:
            slot = input_slot.get(node)
            if slot is None:  # a Value fn read but that is no input: frozen at its trace-time value
                expressions[node], depth[node] = _literal(node._data, constants), 0
            elif big:  # read in place: a copy would be one more line to compile per input
                expressions[node], depth[node] = f"I[{slot}]", 0
            else:  # small graphs copy inputs into locals, which are faster to read
                name = f"v{index[node]}"
                expressions[node], depth[node] = name, 0
                forward.append(f"{name} = I[{slot}]")
            continue
        x, dx = code_of(node._a)
        names = {"x": x if dx == 0 else f"({x})"}
        deepest = dx
        ops = 1 + (size.get(node._a, 0) if dx else 0)  # type: ignore[arg-type]
        if op.arity == 2:
            y, dy = code_of(node._b)
            names["y"] = y if dy == 0 else f"({y})"
            deepest = max(dx, dy)
            ops += size.get(node._b, 0) if dy else 0  # type: ignore[arg-type]
        if op.domain is not None or op.grad_domains:
            forward.extend(_domain_checks(op, node, emitted[node], names))
        expression = _FORWARD[op.name].text.format(**names)
        if materialize[node] or deepest >= MAX_INLINE_DEPTH or ops >= MAX_INLINE_OPS:
            name = f"{value_prefix}{index[node]}{close}"
            forward.append(f"{name} = {expression}")
            expressions[node], depth[node] = name, 0
        else:
            expressions[node], depth[node], size[node] = expression, deepest + 1, ops

    # Backward: the chain rule in the eager engine's order. A node's gradient is written once,
    # as the sum of its terms dL/dz * dz/dnode in the order eager accumulates them, when all of
    # its consumers are done; left-to-right addition gives eager's exact sums (0.0 + t is t).
    grad_of: dict[Value, str] = {}
    terms: dict[Value, list[str]] = {}
    backward: list[str] = []
    if needs[root]:
        terms[root] = ["1.0"]
    for node in backward_order:
        parts = terms.pop(node, None)
        if parts is None:
            continue  # no gradient needed here
        if len(parts) == 1 and _NAME.fullmatch(parts[0]):
            grad_of[node] = parts[0]  # dz/dx = 1 and x is used once: x's gradient is z's
        else:
            name = f"{grad_prefix}{index[node]}{close}"
            grad_of[node] = name
            for start in range(0, len(parts), MAX_TERMS):
                chunk = " + ".join(parts[start : start + MAX_TERMS])
                # a continuation adds onto the running sum, keeping left-to-right order
                backward.append(f"{name} = {chunk}" if start == 0 else f"{name} = {name} + {chunk}")
        op = node._fn
        if op is None:
            continue
        g = grad_of[node]
        names = {"out": expressions[node], "x": code_of(node._a)[0]}
        if op.arity == 2:
            names["y"] = code_of(node._b)[0]
        derivatives = _DERIVATIVES[op.name]
        for position in emitted[node]:
            derivative = derivatives[position].text.format(**names)
            if derivative == "1.0":
                term = g
            elif derivative == "-1.0":
                term = f"-{g}"
            elif _ATOM.fullmatch(derivative):
                term = f"{g} * {derivative}"
            else:
                term = f"{g} * ({derivative})"
            operand = node._a if position == 0 else node._b
            terms.setdefault(operand, []).append(term)  # type: ignore[arg-type]
    header = f"# forward: {len(forward)} lines; backward (chain rule, output first): {len(backward)} lines"
    if not big:
        results = ", ".join(grad_of.get(t, "0.0") for t in targets)
        returns = f"return {expressions[root]}, [{results}]"
        body = [header, "def _compiled(I):", *(f"    {s}" for s in forward), "    # backward"]
        body += [f"    {s}" for s in backward] + [f"    {returns}"]
        return ["\n".join(body) + "\n"], len(order), constants
    # Large graphs: values and gradients in lists, statements split into chunks.
    # Gradients are gathered from G by slot; slot len(order) stays 0.0 for unreachable targets.
    slots = [int(grad_of[t][2:-1]) if t in grad_of else len(order) for t in targets]
    for table in (depth, size, materialize, needs, emitted, grad_of):
        table.clear()  # free the per-node tables before compiling
    statements = forward + backward
    del forward, backward
    pieces = []
    chunks = range(0, len(statements), CHUNK_STATEMENTS)
    for n, start in enumerate(chunks):
        lines = [f"def _part{n}(I, V, G):"]
        lines.extend(f"    {s}" for s in statements[start : start + CHUNK_STATEMENTS])
        pieces.append("\n".join(lines) + "\n")
    driver = [header, f"_T = {tuple(slots)!r}", "def _compiled(I):"]
    driver += [f"    V = [0.0] * {len(order)}", f"    G = [0.0] * {len(order) + 1}"]
    driver.extend(f"    _part{n}(I, V, G)" for n in range(len(chunks)))
    driver.append(f"    return {expressions[root]}, [G[i] for i in _T]")
    pieces.append("\n".join(driver) + "\n")
    return pieces, len(order), constants


_NAME = re.compile(r"[A-Za-z_]\w*(\[\d+\])?")
_ATOM = re.compile(r"[A-Za-z_]\w*(\[\d+\])?|\d[\d.e+-]*|\(-[\d.e+-]+\)")
