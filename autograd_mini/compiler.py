"""Compiled mode: trace a function once, replay its graph as straight-line Python.

A scalar engine spends most of a training step building and walking ~65,000 Python
objects whose shape never changes. ``trace`` runs the function once with the engine,
then writes the graph out as code: one forward line per op and the backward lines of the
chain rule, each op's formula and local derivative taken from the op table. The code is
built from the table's formulas, node indices and float reprs only; labels never enter it.

Rewrites keep it near hand-written speed without changing any arithmetic, so results
equal the eager engine's bit for bit:

- a node used once, whose value is read once by its consumer's formula and never by the
  backward or a check, is inlined into that formula (so code size stays linear);
- a node's gradient that only one term reads (it passes it on to one operand) goes into
  that term as an expression, with no line of its own, as a name does through a local
  derivative of exactly 1; no line is written for gradients nobody asked for;
- gradients are accumulated in the eager engine's own order, leaves starting at 0.0.

The compiler runs in phases: a plan (``_plan``: what each node needs), the forward code
(``_write_forward``), the backward code (``_write_backward``) and the packaging into
functions (``_assemble``). Every value and gradient is a local (v12, g12). A graph of more
than LOCALS_LIMIT nodes is cut into chunk functions compiled one at a time; each chunk
loads on entry what it reads from earlier pieces (inputs from I, other values from a list
S) and stores into S on exit what later pieces read, so only values crossing chunks go
through a list.

Errors follow eager too: the code checks what the eager kernels check, and when a call
fails it replays the graph through the eager kernels, in the order fn made its nodes (seen
by a profile hook while tracing), to raise eager's own exception at eager's own op.
"""

from __future__ import annotations

import ast
import functools
import io
import math
import re
import string
import sys
import threading
import time
import tokenize
import warnings
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import _loops, _precedence, checks
from ._collector import pauses_collector
from ._literal_folding import fold, may_raise
from ._loops import Layout
from ._numbers import real_number, shorten
from .checks import (
    BranchChangedError,
    Check,
    Guard,
    NumberRead,
    Site,
    TraceWarning,
    check_each_call,
    recorded_checks,
    trace_ended,
    trace_started,
)
from .engine import KERNEL_NAMES, Value, is_grad_enabled
from .graph import consumer_counts, first_reached, operands_first, release_order
from .kernels import build_kernel
from .ops import FORMULA_NAMES, OPS, Op, inline_power

# check_each_call lives in checks (losses and higher order use it from there); still importable here.
__all__ = ["trace", "check_each_call", "BranchChangedError", "CompiledFunction", "TraceError", "TraceWarning"]

# Above this many nodes the code is split into chunk functions compiled one at a time, so
# that compiling a 10^6-node graph needs bounded memory (CPython's compiler uses ~3 KB a line).
LOCALS_LIMIT = 100_000
MAX_BIG_BLOCKS = 10_000  # a big graph with more repeated blocks than this is not written as loops
CHUNK_STATEMENTS = 20_000
# A chunk also ends at this much source: inlined expressions put many ops on one line,
# and CPython's compiler needs memory in proportion to the ops (90-120 bytes a character,
# ~240 MB here, below what tracing a 10^6-node graph holds anyway). Fewer, larger chunks
# run faster: each one loads again the inputs and shared values it reads.
CHUNK_CHARS = 2_000_000
MAX_INLINE_DEPTH = 40  # CPython's parser refuses deeply nested expressions
MAX_INLINE_OPS = 64  # and compiles huge one-line expressions slowly: a neuron's sum fits
MAX_TERMS = 64  # terms per gradient statement, for the same reason

Runner = Callable[[list[float]], tuple[float, list[float]]]
Run = Callable[[list[float], bool], tuple[float, list[float]]]  # with replay_branches


class TraceError(ValueError):
    """A traced function was called with arguments of another structure, or could not be traced."""


# -- the op table's formulas as code templates --------------------------------------------


@dataclass(frozen=True)
class _Template:
    """A formula as a format string over {x}, {y}, {out}; how often it reads each; whether it can raise.

    ``formula`` is the formula itself (power written out), ``folds`` the operands which, as a
    literal, leave a part of it that reads only literals (see ``_with_literals``).
    """

    text: str
    counts: tuple[tuple[str, int], ...]
    may_raise: bool
    formula: str
    folds: frozenset[str]
    # The text filled in, as a function of the code of (g, x, y, out): one f-string, faster than format.
    write: _Writer = field(compare=False, repr=False)
    # As a derivative: its term dL/dz * dz/dx (_term) as a function of (g, x, y, out), whether it
    # is exactly 1.0, and the operand it is when it is one (mul's x and y): that term depends on its code.
    term: _Writer = field(compare=False, repr=False)
    one: bool
    operand: str | None
    # How tightly the code binds (_precedence): what code put into {x} and {y} must bind at least
    # as, without parentheses; the whole code's level; and the same for the term, over {g}.
    need_x: int
    need_y: int
    level: int
    term_need: int
    term_level: int

    @property
    def reads(self) -> frozenset[str]:
        """The operand names the formula reads."""
        return frozenset(name for name, _ in self.counts)


def _template(formula: str) -> _Template:
    """Mark the operand names in a (one-line) formula as format fields, keeping its spacing."""
    formula = inline_power(formula)  # power(a, b) written out: no call
    pieces = []
    counts: Counter[str] = Counter()
    last = 0
    for token in tokenize.generate_tokens(io.StringIO(formula).readline):
        if token.type == tokenize.NAME and token.string in ("x", "y", "out"):
            start, end = token.start[1], token.end[1]
            pieces.append(formula[last:start].replace("{", "{{").replace("}", "}}"))
            pieces.append("{" + token.string + "}")
            counts[token.string] += 1
            last = end
    pieces.append(formula[last:].replace("{", "{{").replace("}", "}}"))
    text = "".join(pieces)
    tree = ast.parse(formula, mode="eval")
    folds = frozenset(name for name in ("x", "y") if _reads_only(tree, name))
    operand = text[1:-1] if text in ("{x}", "{y}", "{out}") else None
    term = _term("{g}", text)
    needs, level = _precedence.field_levels(text)
    term_needs, term_level = _precedence.field_levels(term)
    return _Template(
        text,
        tuple(sorted(counts.items())),
        may_raise(tree),
        formula,
        folds,
        _writer(text),
        _writer(term),
        text == "1.0",
        operand,
        needs.get("x", 0),
        needs.get("y", 0),
        level,
        term_needs.get("g", 0),
        term_level,
    )


_Writer = Callable[[str, str, str, str], str]


def _term(grad: str, derivative: str) -> str:
    """dL/dz * dz/dx as code, without multiplying by a literal 1.

    A derivative ``strong_zero if test else rest`` (relu, ...) becomes the select
    ``(0.0 if test else grad * rest)``: the same numbers (g * strong_zero is +0.0 for every g)
    without a Python-level multiplication on the strong zero's side. Applied once to each
    derivative's template (grad "{g}", operands as fields) to make its ``_Template.term``.
    """
    if derivative.startswith("strong_zero if "):
        # the test is an or_test, so its own conditionals sit in parentheses: the first
        # " else " outside brackets ends it
        depth = 0
        for i in range(len("strong_zero if "), len(derivative)):
            char = derivative[i]
            if char in "([":
                depth += 1
            elif char in ")]":
                depth -= 1
            elif depth == 0 and derivative.startswith(" else ", i):
                test, rest = derivative[len("strong_zero if ") : i], derivative[i + len(" else ") :]
                return f"(0.0 if {test} else {_term(grad, rest)})"
    if derivative == "1.0":
        return grad
    if derivative == "strong_zero":  # folded from "strong_zero if <a true test> else ...": the select's 0.0
        return "0.0"
    if derivative == "-1.0":
        return f"-{grad}"
    if _ATOM.fullmatch(derivative):
        return f"{grad} * {derivative}"
    return f"{grad} * ({derivative})"


# an atom of code; or, in a template (see _Template.term), an operand's field
_ATOM = re.compile(r"[A-Za-z_]\w*(\[\d+\])?|\d[\d.e+-]*|\(-[\d.e+-]+\)|\{(x|y|out)\}")


def _writer(template: str) -> _Writer:
    """A format string over {g}, {x}, {y}, {out} as a function of the four: one f-string.

    Only the op table's formulas reach it (their literal text goes in through repr).
    """
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append("f" + repr(literal.replace("{", "{{").replace("}", "}}")))
        if name is not None:
            if name not in ("g", "x", "y", "out"):
                raise ValueError(f"a template reads {name!r}")  # never: the table's formulas read x, y, out
            parts.append("f'{" + name + "}'")
    source = "lambda g, x, y, out: " + (" ".join(parts) or "''")
    writer: _Writer = eval(compile(source, "<template>", "eval"), {})  # noqa: S307 - the op table's text
    return writer


def _reads_only(tree: ast.AST, name: str) -> bool:
    """Whether some operation in the formula reads operand ``name`` and no other operand."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Constant)):
            continue
        read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in ("x", "y", "out")}
        if read == {name}:
            return True
    return False


# Literal operands of a node, as (name, repr of the float) pairs: repr keeps -0.0 apart from 0.0.
_Literals = tuple[tuple[str, str], ...]
_ATOM_LEVEL = _precedence.ATOM  # a name or a literal: never in parentheses
_TERM_LEVEL = _precedence.TERM  # a * b


def _literals_of(a: object, b: object) -> _Literals:
    """The node's number operands by name (x, y), for folding its formulas (see ``_with_literals``)."""
    found = []
    if a.__class__ is not Value:
        found.append(("x", repr(float(a))))  # type: ignore[arg-type]
    if b is not None and b.__class__ is not Value:
        found.append(("y", repr(float(b))))  # type: ignore[arg-type]
    return tuple(found)


def _with_literals(template: _Template, literals: _Literals, condition: bool = False) -> _Template:
    """The template with what reads only literal operands evaluated (``_literal_folding.fold``).

    The operands stay fields: the code still fills them with their literals. ``condition``:
    only the formula's truth matters (a check).
    """
    relevant = tuple(item for item in literals if item[0] in template.folds)
    if not relevant:
        return template
    return _folded_template(template, relevant, condition)


@functools.lru_cache(maxsize=4096)  # keyed by literal values: bounded, whatever numbers a graph holds
def _folded_template(template: _Template, literals: _Literals, condition: bool) -> _Template:
    """``_with_literals`` for the operands that fold, once per template and literal values."""
    folded = fold(template.formula, {name: float(text) for name, text in literals}, condition)
    return template if folded is None else _template(folded)


_ALWAYS = "True"  # a check's condition folded to this cannot fail: it is left out


@dataclass(frozen=True)
class _Check:
    """A domain condition of an op, and the error the code raises when it fails (replaced by eager's)."""

    condition: _Template
    message: str


def _checks_of(op: Op) -> tuple[_Check | None, tuple[_Check | None, ...]]:
    """The op's domain check, and its derivative checks per operand position."""
    domains = (op.domain, *(op.grad_domain(i) for i in range(op.arity)))
    checks = tuple(
        _Check(_template(d.condition), f"{op.name}: {d.explanation}") if d is not None else None
        for d in domains
    )
    return checks[0], checks[1:]


_FORWARD = {name: _template(op.forward) for name, op in OPS.items()}
_DERIVATIVES = {name: tuple(_template(d) for d in op.derivatives) for name, op in OPS.items()}
_CHECKS = {name: _checks_of(op) for name, op in OPS.items()}


class _Constants:
    """Numbers as code: a finite float as its repr, others (inf, nan) as slots of a table _C."""

    def __init__(self) -> None:
        self.table: list[float] = []
        self._slots: dict[str, str] = {}
        self._seen: dict[float, str] = {}  # nonzero numbers (0.0 == -0.0, so zeros are not cached)

    def literal(self, value: float) -> str:
        """The code for ``value``; only ``repr(float)`` ever reaches the code, never an object's repr."""
        text = self._seen.get(value) if value else None
        if text is None:
            text = self._literal(value)
            if value:
                self._seen[value] = text
        return text

    def _literal(self, value: float) -> str:
        number = float(value)
        text = repr(number)
        if math.isfinite(number):
            return f"({text})" if text.startswith("-") else text
        if text not in self._slots:
            self._slots[text] = f"_C[{len(self.table)}]"
            self.table.append(number)
        return self._slots[text]


# -- arguments --------------------------------------------------------------------------


# Arguments nest lists at most this deep: a deeper (or self-containing) list is refused
# before Python's recursion limit is reached.
MAX_ARGUMENT_DEPTH = 100


# Where an argument sits, built only for an error message: ("args", 1, 0) is args[1][0].
_Path = tuple[object, ...]


def _flatten(
    arg: object, out: list[float], refused: dict[Value, int], walked: set[Value], path: _Path = ("args",)
) -> object:
    """Append the numbers in ``arg`` to ``out``; return its structure (for the structure check).

    Numbers and Values are interchangeable inputs, so both are recorded as one kind, "leaf".
    A Value that is one of ``refused`` (a parameter, by its place, or a Value fn reads
    directly, _READ_DIRECTLY), or is computed from one, is refused. Any real number counts
    (int, float, NumPy scalars), bool excepted. ``walked`` holds the nodes of computed
    arguments already found clean (arguments often share a graph). Runs at every call of a
    compiled function, so floats and lists take the shortest way and paths stay tuples.
    """
    if type(arg) is float:  # type(), not __class__, which an object can fake
        out.append(arg)
        return "leaf"
    if type(arg) is Value:
        if refused and (arg in refused or arg._op_def is not None):
            _check_argument_value(arg, refused, walked, path)
        out.append(arg.data)
        return "leaf"
    if isinstance(arg, (list, tuple)) and issubclass(type(arg), (list, tuple)):  # not a faked __class__
        if len(path) > MAX_ARGUMENT_DEPTH:
            raise TraceError(
                f"trace: arguments nest lists more than {MAX_ARGUMENT_DEPTH} deep (or a list contains itself)"
            )
        structure: list[object] = []
        for i, item in enumerate(arg):
            if type(item) is float:
                out.append(item)
                structure.append("leaf")
            else:
                structure.append(_flatten(item, out, refused, walked, (*path, i)))
        return tuple(structure)
    try:
        number = real_number(arg)  # the engine's own reading of a number operand
    except OverflowError:
        kind = "an integer" if isinstance(arg, int) else "a number"
        raise TraceError(f"trace: {_where(path)} is {kind} too large for a float ({shorten(arg)})") from None
    except (TypeError, ValueError):  # claims to be a number (its __class__) but float() refuses it
        raise TraceError(
            f"trace: {_where(path)} says it is a number but float() cannot read it "
            f"(its type is {type(arg).__name__})"
        ) from None
    if number is None:
        raise TraceError(
            f"trace: {_where(path)} must be a number, a Value, or a list/tuple of them, "
            f"got {type(arg).__name__}"
        )
    out.append(number)
    return "leaf"


# The place recorded in ``refused`` for a Value fn reads directly (not a parameter).
_READ_DIRECTLY = -1


def _check_argument_value(arg: Value, refused: dict[Value, int], walked: set[Value], path: _Path) -> None:
    """Refuse an argument Value that is, or is computed from, a parameter or a Value fn reads directly.

    Compiled, an argument is a number, a fresh input at each call. Eager, it is a node of the
    same graph as those Values: their gradients sum the path through the argument too (12.0
    for ``(w * 2) * w`` at w = 3, where the compiled function would give 6.0), and a Value fn
    reads directly keeps its trace-time value while the argument brings its new one.
    """
    place = refused.get(arg)
    if place is not None:
        if place == _READ_DIRECTLY:
            raise TraceError(
                f"trace: {_where(path)} is a Value fn reads directly; compiled, that read keeps its "
                "trace-time value and is another input than the argument, so the two could differ and "
                "its gradient would miss one path. Pass it in params when tracing, or pass a number"
            )
        raise _both_argument_and_parameter(_where(path), place)
    reached = first_reached(arg, refused, walked)
    if reached is None:
        return
    place = refused[reached]
    source = f"params[{place}]" if place != _READ_DIRECTLY else "a Value fn reads directly"
    raise TraceError(
        f"trace: {_where(path)} is computed from {source}; compiled, an argument is read as a number, "
        f"so the gradient of {source} would miss the path through {_where(path)} (eager sums both), "
        "and its value could differ from the one fn reads. Compute it inside fn, or pass a number"
    )


def _note_numbers_handed_back(args: object) -> None:
    """Note each Value in ``args`` as read by the user's code: its number comes back as floats."""
    if type(args) is Value:
        checks.note_read(args, "a compiled function's argument", through_library=True)
    elif isinstance(args, (list, tuple)):
        for item in args:
            _note_numbers_handed_back(item)


def _where(path: _Path) -> str:
    """("args", 1, 0) as 'args[1][0]'."""
    return str(path[0]) + "".join(f"[{i}]" for i in path[1:])


def _rebuild(structure: object, leaves: Iterator[Value]) -> object:
    """The arguments again, each number replaced by the next leaf to trace through."""
    if isinstance(structure, tuple):
        return [_rebuild(item, leaves) for item in structure]
    return next(leaves)


def _as_leaves(args: tuple[object, ...], refused: dict[Value, int]) -> tuple[object, list[Value], object]:
    """(structure, a new leaf Value per number, the arguments rebuilt from those leaves)."""
    flat: list[float] = []
    structure = _flatten(list(args), flat, refused, set())
    leaves = [Value(x) for x in flat]
    return structure, leaves, _rebuild(structure, iter(leaves))


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


# -- the compiled function -----------------------------------------------------------------


class CompiledFunction:
    """A traced function replayed without Value objects: ``loss, grads = compiled(*args)``."""

    def __init__(
        self,
        source: str,
        run: Run,
        structure: object,
        refused: dict[Value, int],
        num_nodes: int,
        grad_names: list[str],
        compile_seconds: float,
        tape: _Tape,
    ) -> None:
        self.source = source  # the generated code: forward lines, then the chain rule's backward lines
        self._run = run
        self._tape = tape  # the graph in creation order (torch_code reads it to write PyTorch code)
        self._structure = structure
        # Refused as arguments, and so is any Value computed from them: the parameters (by
        # place) and the leaves fn reads directly (_READ_DIRECTLY), each an input of its own.
        self._refused = refused
        self.num_nodes = num_nodes
        self.grad_names = grad_names  # what each returned gradient is the derivative with respect to
        self.compile_seconds = compile_seconds

    def __call__(self, *args: object) -> tuple[float, list[float]]:
        """(value, gradients) at new argument values; the parameters' current data is read too."""
        return self._call(args, True)

    def _call(self, args: tuple[object, ...], replay_branches: bool) -> tuple[float, list[float]]:
        """The call; without ``replay_branches`` a BranchChangedError is raised as it is found."""
        flat: list[float] = []
        structure = _flatten(list(args), flat, self._refused, set())
        if structure != self._structure:
            raise TraceError("trace: " + _describe_mismatch(self._structure, structure, "args"))
        if checks.traces_running:  # called inside a traced fn: the numbers it returns are frozen there
            _note_numbers_handed_back(args)
        return self._run(flat, replay_branches)

    def __repr__(self) -> str:
        return (
            f"CompiledFunction({self.num_nodes} nodes, {len(self.grad_names)} gradients, "
            f"compiled in {self.compile_seconds:.3f} s)"
        )


@pauses_collector
def trace(
    fn: Callable[..., Value],
    *example_args: object,
    params: Sequence[Value] | None = None,
    loops: bool = True,
) -> CompiledFunction:
    """Trace ``fn(*example_args)`` once and compile it; the result returns (value, gradients).

    ``params`` are leaf Values that ``fn`` reads without taking them as arguments (a model's
    parameters): each call reads their current ``data`` and returns the gradients with
    respect to them, in order, ready for ``optimizer.step(grads)``. Without ``params`` the
    gradients are with respect to every number in the arguments, flattened in order.
    Any other Value ``fn`` reads keeps its trace-time value. The graph's shape is fixed:
    branches (relu, abs, leaky_relu) re-evaluate on new values; a comparison ``fn`` makes
    (``if v > 0``) is repeated at every call, which raises BranchChangedError when it goes the
    other way; a number ``fn`` reads out of a changing Value (``.data``) is frozen, with a
    TraceWarning; calling with arguments of another structure raises TraceError.
    TraceError also refuses a function of nothing (its result would be one frozen number),
    a parameter listed twice, and an argument Value that is a parameter or a Value ``fn``
    reads directly, or is computed from one (when tracing and at every call).
    With ``loops`` (the default), repeated blocks of the graph (a batch's samples) are
    written once, as a loop: compiling takes a fraction of the time and a call about 10%
    longer; ``loops=False`` writes straight-line code, for runs of thousands of calls.
    """
    started = time.perf_counter()
    if type(loops) is not bool:
        raise TypeError(f"trace: loops must be True or False, got {loops!r}")
    if not is_grad_enabled():
        raise TraceError("trace: called inside no_grad(), where no graph is recorded; call it outside")
    param_list = _check_params(params)
    places = {p: i for i, p in enumerate(param_list)}
    structure, leaves, traced_args = _as_leaves(example_args, places)
    if not leaves and not param_list:
        raise TraceError(
            "trace: fn takes no number and no params were given, so the compiled function would "
            "always return the same number; pass what it depends on as arguments or params"
        )
    run_ = _run_recording(fn, traced_args)
    inputs = param_list + leaves  # the code reads them in this order
    targets = param_list if params is not None else leaves
    program = _generate(run_, inputs, targets, _argument_values(example_args), loops)
    del run_  # the generated code and the compact tape are all that is kept of the graph
    run = _runner(program, param_list)
    if params is not None:
        names = [f"params[{i}]" for i in range(len(param_list))]
    else:
        names = [f"input[{i}]" for i in range(len(leaves))]
    refused = dict.fromkeys(program.read_directly, _READ_DIRECTLY)
    refused.update(places)
    seconds = time.perf_counter() - started
    return CompiledFunction(
        program.source, run, structure, refused, program.num_nodes, names, seconds, program.tape
    )


def _runner(program: _Program, params: list[Value]) -> Run:
    """Compile the code; the call runs it on the parameters' current data and the arguments.

    When the code raises, the graph is replayed through the eager kernels on the same
    numbers, in the order fn created its nodes, so that the error raised is eager's own: the
    op eager meets first, its type, its operand values.
    """
    checks = program.checks
    driver = _compile(program, checks)
    tape = program.tape

    def run(values: list[float], replay_branches: bool = True) -> tuple[float, list[float]]:
        numbers = [p._data for p in params] + values if params else values
        try:
            return driver(numbers)
        except BranchChangedError:
            if not replay_branches:  # the caller runs fn eagerly, which raises eager's own error
                raise
            error = _replay(tape, numbers, checks)  # that guard again, or an error eager meets before it
            if error is None:
                raise
            raise error from None
        except (ArithmeticError, ValueError) as exc:
            error = _replay(tape, numbers, checks)
            if error is None:  # eager would not fail: a compiler bug, shown as such
                raise type(exc)(f"compiled function: {exc}") from None
            raise error from None

    return run


def _check_params(params: object) -> list[Value]:
    """``params`` as a list of leaf Values, else TraceError (checked before anything runs)."""
    if params is None:
        return []
    if type(params) is Value:
        raise TraceError("trace: params must be a list of leaf Values (params=[w]), got a single Value")
    if not isinstance(params, (list, tuple)) and not hasattr(type(params), "__iter__"):
        raise TraceError(f"trace: params must be a list of leaf Values, got {type(params).__name__}")
    param_list: list[Value] = list(params)  # type: ignore[call-overload]
    first: dict[Value, int] = {}
    for i, p in enumerate(param_list):
        if type(p) is not Value or not p.is_leaf:  # type(): __class__ can be faked
            kind = "a computed Value" if type(p) is Value else type(p).__name__
            raise TraceError(
                f"trace: params must be leaf Values (a model's parameters); params[{i}] is {kind}"
            )
        if p in first:  # its gradient would be returned twice, and an optimizer step would apply it twice
            raise TraceError(
                f"trace: params[{i}] is the same Value as params[{first[p]}]; list each parameter once "
                "(its gradient would be returned, and applied by a step, twice)"
            )
        first[p] = i
    return param_list


def _argument_values(args: tuple[object, ...]) -> dict[Value, str]:
    """The Values among the arguments (already checked by ``_flatten``), each with where it sits."""
    found: dict[Value, str] = {}
    stack: list[tuple[object, _Path]] = [(list(args), ("args",))]
    while stack:
        arg, path = stack.pop()
        if type(arg) is Value:
            found.setdefault(arg, _where(path))
        elif isinstance(arg, (list, tuple)):
            stack.extend((item, (*path, i)) for i, item in enumerate(arg))
    return found


def _both_argument_and_parameter(where: str, place: int) -> TraceError:
    """The refusal of a Value passed both as an argument and in ``params``.

    Compiled, an argument is a fresh input at every call and a parameter is read from its
    ``.data``: the two would be two inputs where eager has one node, and the gradient of
    either would miss the other's path (eager sums both).
    """
    return TraceError(
        f"trace: {where} is also params[{place}]; a Value cannot be both an argument and a "
        "parameter (their gradients would be split in two): pass it in params only and let fn "
        "read it directly, or as an argument only"
    )


@dataclass
class _Run:
    """What tracing fn recorded: its result, the checks it asks to repeat, the order of its nodes."""

    root: Value
    checks: list[tuple[tuple[Value, ...], Check]]
    # The nodes in the order fn made them (as returned by a function; a node returned again is
    # listed again), an int before them whenever the number of checks recorded so far changed
    # (it is that number); None when another profiler held the hook.
    created: list[Value | int] | None
    reads: list[NumberRead]  # the numbers fn read out of Values (frozen in the compiled code)
    made: list[Value]  # leaves the library made from changing numbers (gradients as numbers)


@dataclass(eq=False)
class _Recorder:
    """One running trace's record: each node returned, and the number of checks whenever it changed.

    A list, not a dict of node to count: appending costs less time and, for a 10^6-node
    graph, about 60 MB less memory; repeats and the counts are sorted out once, afterwards.
    """

    checks: list[tuple[tuple[Value, ...], Check]]
    created: list[Value | int] = field(default_factory=list)
    checks_seen: int = 0


class _Recorders(threading.local):
    """The traces running in this thread, innermost last, and the one profile hook feeding them all.

    A trace inside a traced fn records its own order, and the outer one goes on recording.
    """

    def __init__(self) -> None:
        stack: list[_Recorder] = []

        def hook(frame: object, event: str, arg: object) -> None:
            if event == "return" and arg.__class__ is Value:
                for recorder in stack:
                    if len(recorder.checks) != recorder.checks_seen:  # rare: a check was recorded
                        recorder.checks_seen = len(recorder.checks)
                        recorder.created.append(recorder.checks_seen)
                    recorder.created.append(arg)

        self.stack = stack
        self.hook = hook  # a closure over this thread's stack: no thread-local lookup per event


_recorders = _Recorders()


def _run_recording(fn: Callable[..., Value], args: object) -> _Run:
    """Run fn on the traced arguments, collecting its checks and the order it makes its nodes in.

    Eager raises at the first failing op in the order the program ran them, which a graph
    does not record (operands come first, but of two independent ops either may be first).
    A profile hook on this thread sees each node as the function that made it returns it;
    a kernel returns its node at once, so that is the order of creation (the few nodes made
    inside one call and never returned, a neuron's partial sums, are placed by the graph).
    One hook serves the traces nested in this thread; another profiler's hook is left alone
    (no order is recorded then), and so is a hook fn installs itself.
    """
    outer = recorded_checks.checks, recorded_checks.reads, recorded_checks.made
    checks: list[tuple[tuple[Value, ...], Check]] = []
    reads: list[NumberRead] = []
    made: list[Value] = []
    recorded_checks.checks, recorded_checks.reads, recorded_checks.made = checks, reads, made
    recorder = _Recorder(checks)
    ours = _recorders.hook
    previous = sys.getprofile()
    hooked = previous is None or previous is ours  # a profiler already running keeps the hook
    if hooked:
        _recorders.stack.append(recorder)
        sys.setprofile(ours)
    trace_started()
    try:
        root = fn(*args)  # type: ignore[misc]
    finally:
        trace_ended()
        if hooked:
            _recorders.stack.remove(recorder)  # by identity (eq=False)
            if sys.getprofile() is ours:  # else fn installed a hook of its own: keep it
                sys.setprofile(previous)
        recorded_checks.checks, recorded_checks.reads, recorded_checks.made = outer
    if type(root) is not Value:
        raise TraceError(f"trace: fn must return a Value, got {type(root).__name__}")
    return _Run(root, checks, recorder.created if hooked else None, reads, made)


def _compile(program: _Program, checks: tuple[Check, ...]) -> Runner:
    """Compile the pieces one at a time and return the driver ``_compiled``."""
    scope: dict[str, Any] = {
        **FORMULA_NAMES,
        "_C": tuple(program.constants),
        "_K": checks,
        "_EIGHT": (0,) * 8,
        "_L": program.table,
    }
    for piece in program.pieces:
        exec(compile(piece, "<autograd_mini compiled>", "exec"), scope)  # noqa: S102 - built from the op table
    program.pieces.clear()
    driver: Runner = scope["_compiled"]
    return driver


# -- planning: what each node needs ---------------------------------------------------------


@dataclass(frozen=True)
class _NodeKind:
    """What the code does for one kind of op node (op, operand kinds, what varies, what needs a gradient).

    The eager kernel checks the op's domain, and for every Value operand its derivative's
    domain and the derivative itself, needed or not: ``checks`` and ``probes`` are those of
    them that can fail on new values (conditions over constants passed at trace time).
    """

    grad_positions: tuple[int, ...]  # operands whose gradient the backward uses
    checks: tuple[_Check, ...]
    probes: tuple[_Template, ...]  # derivatives no gradient needs, evaluated only to raise as eager does
    reads_out: bool  # something besides the forward formula reads the node's value
    keep_operands: tuple[bool, bool]  # a Value operand read more than once or outside the forward formula
    forward: _Template  # the op's formula, and its local derivatives
    derivatives: tuple[_Template, ...]
    varies: bool  # an operand varies, so the node does
    folds: frozenset[str]  # the operands which, as numbers, fold some of its code (_Template.folds)


@functools.cache
def _node_kind(
    name: str, values: tuple[bool, bool], varying: tuple[bool, bool], needed: tuple[int, ...]
) -> _NodeKind:
    """The plan for an op node whose operands are Values (``values``), vary, need a gradient."""
    domain, grad_domains = _CHECKS[name]
    derivatives = _DERIVATIVES[name]
    names = {n for n, v in zip("xy", varying, strict=True) if v} | ({"out"} if any(varying) else set())
    checks = [domain] if domain is not None and domain.condition.reads & names else []
    probes = []
    for position in range(OPS[name].arity):
        if not values[position]:
            continue  # a number operand: the kernel neither checks nor differentiates it
        grad_domain = grad_domains[position]
        if grad_domain is not None and grad_domain.condition.reads & names:
            checks.append(grad_domain)
        if position not in needed and derivatives[position].may_raise and derivatives[position].reads & names:
            probes.append(derivatives[position])
    elsewhere: Counter[str] = Counter()  # reads outside the forward formula
    for template in [*(c.condition for c in checks), *probes, *(derivatives[i] for i in needed)]:
        elsewhere.update(dict(template.counts))
    forward = dict(_FORWARD[name].counts)
    keep = [values[i] and (forward.get(n, 0) > 1 or elsewhere[n] > 0) for i, n in enumerate("xy")]
    written = [_FORWARD[name], *(c.condition for c in checks), *probes, *(derivatives[i] for i in needed)]
    return _NodeKind(
        needed,
        tuple(checks),
        tuple(probes),
        elsewhere["out"] > 0,
        (keep[0], keep[1]),
        _FORWARD[name],
        derivatives,
        any(varying),
        frozenset().union(*(template.folds for template in written)),
    )


# _node_kind by op name, then by six bits: x is a Value (1), varies (2), needs a gradient (4);
# the same for y (8, 16, 32). A list lookup per node where a cached call would build three tuples.
_KINDS: dict[str, list[_NodeKind | None]] = {name: [None] * 64 for name in OPS}


def _kind_of(name: str, bits: int) -> _NodeKind:
    """``_node_kind`` for the operand bits of ``_KINDS``, remembered there."""
    kind = _KINDS[name][bits]
    if kind is None:
        values, varying = (bool(bits & 1), bool(bits & 8)), (bool(bits & 2), bool(bits & 16))
        needed = (0,) * bool(bits & 4) + (1,) * bool(bits & 32)
        kind = _KINDS[name][bits] = _node_kind(name, values, varying, needed)
    return kind


@dataclass
class _Plan:
    """What the code must compute for each node of the graph, decided before writing a line."""

    order: list[Value]  # forward order, operands first; reversed, the eager backward's order
    index: dict[Value, int]
    input_slot: dict[Value, int]
    targets: list[Value]
    big: bool
    root: Value  # fn's result; ``order`` ends with it, or with nodes only checks read (_tested_elsewhere)
    kinds: list[_NodeKind | None] = field(default_factory=list)  # by place in order; None for a leaf
    variable: set[Value] = field(default_factory=set)  # inputs and nodes computed from them
    needs_grad: set[Value] = field(default_factory=set)
    materialize: set[Value] = field(default_factory=set)  # nodes given a variable of their own
    node_checks: dict[Value, list[int]] = field(default_factory=dict)  # check_each_call checks by node
    input_checks: list[int] = field(default_factory=list)  # checks of inputs the result does not read
    check_args: list[tuple[_CheckArg, ...]] = field(default_factory=list)  # what each check reads
    root_needs_grad: bool = False
    input_names: dict[str, int] = field(default_factory=dict)  # a big graph's input locals, by slot

    def forget_forward_tables(self) -> None:
        """Free the tables the backward does not read (peak memory on big graphs)."""
        for table in (self.variable, self.needs_grad, self.materialize):
            table.clear()

    def forget_per_node_tables(self) -> None:
        """Free the tables only planning and writing read; ``order`` and ``targets`` stay."""
        self.forget_forward_tables()
        self.index.clear()
        self.kinds.clear()


def _plan(
    root: Value,
    inputs: list[Value],
    targets: list[Value],
    checked: list[tuple[Value, ...]],
    arguments: dict[Value, str],
) -> _Plan:
    uses = consumer_counts((root,))  # edges into each node from the graph
    shared = {node for node, count in uses.items() if count != 1}  # the root, and nodes read twice or more
    if not any(node in uses for node in inputs):  # compiling it would freeze one number
        raise TraceError(
            "trace: fn's result depends on no argument and no parameter, so the compiled function would "
            "always return the same number; was it computed under no_grad(), or from .data?"
        )
    tested = _tested_elsewhere(checked, uses)
    order = release_order((root,), uses)  # uses the counts up
    del uses
    order.reverse()
    if tested:
        order += tested
        shared.update(tested)  # read by name by the checks, and their operands by them
        shared.update(p for node in tested for p in (node._a, node._b) if p.__class__ is Value)
    index = dict(zip(order, range(len(order)), strict=True))  # each node by its place in order
    input_slot = {node: k for k, node in enumerate(inputs) if node in index}
    walked: set[Value] = set()
    for value, where in arguments.items():
        if value in index:  # fn read the argument's Value itself, not the input traced in its place
            raise TraceError(
                f"trace: fn reads the Value passed as {where} directly, not only through its argument; "
                "compiled, that read would be frozen at its trace-time value and lose its gradient. "
                "Pass it in params (and not as an argument) if fn reads it directly"
            )
        if value._op_def is not None and first_reached(value, index, walked) is not None:
            # what fn reads directly (parameters were refused before fn ran) and the argument meet
            raise TraceError(
                f"trace: {where} is computed from a Value fn reads directly; compiled, that read "
                f"would be frozen at its trace-time value while {where} brings its new value at each "
                "call, and its gradient would miss the path through the argument (eager sums both). "
                "Compute it inside fn, or pass a number"
            )
    plan = _Plan(order, index, input_slot, targets, len(order) > LOCALS_LIMIT, root)
    if plan.big:  # chunks load inputs from I by these names (small graphs copy them in their lines)
        plan.input_names = {f"v{index[node]}": slot for node, slot in input_slot.items()}
    _plan_nodes(plan, set(targets), shared)
    plan.materialize.add(root)
    plan.root_needs_grad = root in plan.needs_grad
    _plan_user_checks(plan, inputs, checked)
    return plan


def _tested_elsewhere(checked: list[tuple[Value, ...]], graph: dict[Value, int]) -> list[Value]:
    """The op nodes checks read that the result is not computed from, operands first.

    fn tested them (``if x * w > 0``), so the code computes them too, after the result's graph
    (whose order, the eager backward's, stays as it is), for the checks to read.
    """
    starts = [v for values in checked for v in values if v._op_def is not None and v not in graph]
    if not starts:
        return []
    counts = consumer_counts(starts)
    return [node for node in reversed(release_order(starts, counts)) if node not in graph]


def _plan_nodes(plan: _Plan, target_set: set[Value], shared: set[Value]) -> None:
    """For each node: does it vary, need a gradient, get a variable; what it checks.

    A node gets a variable unless one formula reads it exactly once and nothing else does:
    inlining an operand that a formula reads twice would copy it, and copies of copies
    grow exponentially with depth. This rule keeps the code linear in the graph.
    """
    keep, input_slot, kinds, value_type = plan.materialize, plan.input_slot, plan.kinds, Value
    # Nearly every node varies and needs a gradient: the loop collects the few that do not, and
    # the two sets are filled at once afterwards (asking a small set is faster, adding to a large one slow).
    constant: set[Value] = set()
    no_grad: set[Value] = set()
    for node in plan.order:
        op = node._op_def
        if op is None:
            kinds.append(None)
            keep.add(node)
            if node not in input_slot:
                constant.add(node)
            if node not in target_set:
                no_grad.add(node)
            continue
        if node in shared:
            keep.add(node)
        a, b = node._a, node._b
        bits = 0  # additions, not 2 * (a in variable): CPython does not specialize bool arithmetic
        if a.__class__ is value_type:
            bits = 1 if a in constant else 3
            if a not in no_grad:
                bits += 4
        if b.__class__ is value_type:
            bits += 8 if b in constant else 24
            if b not in no_grad:
                bits += 32
        kind = _KINDS[op.name][bits] or _kind_of(op.name, bits)
        kinds.append(kind)
        if not kind.varies:
            constant.add(node)
        if not kind.grad_positions:
            no_grad.add(node)
        if kind.reads_out:
            keep.add(node)
        if kind.keep_operands[0]:
            keep.add(a)  # type: ignore[arg-type]
        if kind.keep_operands[1]:
            keep.add(b)  # type: ignore[arg-type]
    plan.variable.update(plan.order)
    plan.variable.difference_update(constant)
    plan.needs_grad.update(plan.order)
    plan.needs_grad.difference_update(no_grad)


def _plan_user_checks(plan: _Plan, inputs: list[Value], checked: list[tuple[Value, ...]]) -> None:
    """Place each check_each_call check right after the last of the values it reads is computed.

    The code only has to raise when a check fails (the replay then finds eager's error), so
    any place after its values will do. A check reading only inputs the result does not
    depend on runs first; one reading only constants passed at trace time and is left out.
    """
    slots = {node: k for k, node in enumerate(inputs)}
    for number, values in enumerate(checked):
        args: list[_CheckArg] = []
        last = -1
        for value in values:
            if value in plan.variable:
                args.append(("node", value))
                plan.materialize.add(value)  # read by name
                last = max(last, plan.index[value])
            elif value in slots:
                args.append(("input", slots[value]))
            else:
                args.append(("number", value._data))
        plan.check_args.append(tuple(args))
        if last >= 0:
            plan.node_checks.setdefault(plan.order[last], []).append(number)
        elif any(kind == "input" for kind, _ in args):
            plan.input_checks.append(number)


# -- writing the code -----------------------------------------------------------------------


# What a check reads: a node's value, an input (by slot) or a number fixed at trace time.
_CheckArg = tuple[str, Any]


@dataclass
class _Program:
    """Generated code in pieces to compile one at a time, and what running it needs."""

    pieces: list[str]
    source: str
    num_nodes: int
    constants: list[float]
    tape: _Tape
    checks: tuple[Check, ...]
    read_directly: list[Value]  # the leaves fn reads that are not inputs (kept by their trace-time value)
    table: list[tuple[int, ...]]  # a loop's blocks: each one's input slots and check numbers (_loops)


def _generate(
    run: _Run, inputs: list[Value], targets: list[Value], arguments: dict[Value, str], loops: bool = True
) -> _Program:
    """The source of ``_compiled(inputs) -> (value, grads)`` for the graph behind root.

    Returned as pieces: one for a graph of up to LOCALS_LIMIT nodes, else chunks (of up to
    CHUNK_STATEMENTS statements or CHUNK_CHARS characters) and a driver, so that CPython's
    compiler never holds the syntax tree of a huge graph at once.
    """
    root = run.root
    plan = _plan(root, inputs, targets, [values for values, _ in run.checks], arguments)
    _warn_frozen_decisions(run, plan, inputs)
    # Any Value fn reads directly is computed from these leaves: a call refuses an argument built from them.
    read_directly = [node for node in plan.order if node._op_def is None and node not in plan.input_slot]
    tape = _record_tape(plan, _program_order(plan, inputs, run.created), run.created)
    run.created = None  # freed before the code is written (peak memory on big graphs)
    constants = _Constants()
    forward, backward, grad_of, result, rolled = _write_code(plan, constants, loops)
    plan.forget_per_node_tables()
    pieces = _assemble(plan, forward, backward, grad_of, result)
    if len(pieces) == 1:
        source = pieces[0]
    else:  # too long to read: keep the driver and say what was left out
        source = (
            f"# {len(pieces) - 1} chunk functions _part0 ... of about {CHUNK_STATEMENTS} statements "
            "each (and their loads and stores), not kept\n"
        )
        source += pieces[-1]
    checks = tuple(check for _, check in run.checks)
    table = rolled.table if rolled else []
    return _Program(pieces, source, len(plan.order), constants.table, tape, checks, read_directly, table)


def _write_code(
    plan: _Plan, constants: _Constants, loops: bool
) -> tuple[list[str], list[str], dict[Value, str], str, _loops.Rolled | None]:
    """Forward and backward lines, gradient names and the result's code; repeated blocks as loops.

    A big graph with repeated blocks is written as a small graph's code (its inputs loaded in
    its lines): with its loops it may fit one function; if not, chunks run these lines too.
    """
    layout = _loops.find_layout(plan.order, plan.kinds, plan.index) if loops else None
    big = plan.big
    if layout and big and layout.count <= MAX_BIG_BLOCKS:
        plan.big, plan.input_names = False, {}
    elif big:
        layout = None  # its per-block tables would hold too much for what a loop would save
    if layout:  # what another block reads gets a name: inlined, it would make the blocks differ
        layout.crossing = _loops.crossing_reads(plan.order, plan.kinds, plan.index, layout)
        plan.materialize.update(layout.crossing)
    forward, expressions = _write_forward(plan, constants, layout)
    if layout and _loops.choose_loop(layout, forward):
        layout.running = _loops.running_parents(plan.order, plan.kinds, plan.index, layout)
    else:
        layout = None
    plan.forget_forward_tables()
    backward, grad_of = _write_backward(plan, expressions, constants, layout)
    result = expressions[plan.root]
    rolled = _rolled(plan, layout, forward, backward, grad_of, result) if layout else None
    if rolled and len(rolled.forward) + len(rolled.backward) > LOCALS_LIMIT:
        rolled = None  # still too long for one function: the straight code, in chunks
    if rolled:
        return rolled.forward, rolled.backward, {**grad_of, **rolled.gradients}, result, rolled
    plan.big = big
    return forward, backward, grad_of, result, None


def _rolled(
    plan: _Plan,
    layout: Layout,
    forward: list[str],
    backward: list[str],
    grad_of: dict[Value, str],
    result: str,
) -> _loops.Rolled | None:
    """The code with the layout's blocks as loops, if enough of them have the same backward code too.

    Whatever happens, the straight-line code stays right: its running sums add the same terms
    in the same order as one sum would.
    """
    if not _loops.narrow_to_backward(layout, backward):
        return None
    return _loops.reroll(layout, forward, backward, result, grad_of)


def _warn_frozen_decisions(run: _Run, plan: _Plan, inputs: list[Value]) -> None:
    """Warn where fn read a number that changes between calls, or tested one no guard can repeat.

    A number read out of an input, a parameter, or a node computed from them is frozen in the
    compiled code (a comparison is no read: checks.guard repeats it at every call). So is a
    leaf fn made during the trace (under no_grad, or by detach): nothing says what it was
    computed from, so a read of it warns, and so does a test of it, which no guard can repeat;
    the same for the leaves ``gradients`` returns as numbers.
    """
    guards = [(values, check) for values, check in run.checks if isinstance(check, Guard)]
    if not run.reads and not guards:
        return  # nothing to look at: no pass over the nodes fn made
    input_set = set(inputs)
    made = {
        node
        for node in (*(run.created or ()), *run.made)
        if node.__class__ is Value and node._op_def is None and node not in input_set
    }
    sources = input_set | made
    outside: dict[Value, bool] = {}  # nodes outside the graph: computed from an input or a made leaf?

    def changes(value: Value) -> bool:
        if value in plan.variable or value in sources:
            return True
        if value._op_def is None or value in plan.index:
            return False  # a leaf fn reads directly, or a node of constants only
        if value not in outside:  # a fresh search each time: a shared one would stop at nodes seen
            outside[value] = first_reached(value, sources, set()) is not None
        return outside[value]

    for read in run.reads:
        if changes(read.value):
            _warn_at(
                read.site,
                f"trace: fn read the number of a Value that changes between calls ({read.how}); "
                "the compiled function keeps the number it had when traced, so whatever fn decided "
                "or computed from it is replayed unchanged. Compute it from Values instead, or call "
                "fn eagerly",
            )
    for values, check in guards:
        if any(v in made or _made_from(v, made) for v in values):
            _warn_at(
                check.site,
                f"trace: fn's test {check.text} reads a Value made during the trace without a graph "
                "(under no_grad, or by detach), so the compiled function cannot repeat the test and "
                "replays the traced branch. Compute the Value with its graph, or call fn eagerly",
            )


def _made_from(value: Value, made: set[Value]) -> bool:
    """True if ``value`` is computed from one of the leaves fn made during the trace."""
    return bool(made) and value._op_def is not None and first_reached(value, made, set()) is not None


_WARNING_REGISTRIES: dict[str, dict[Any, Any]] = {}  # one warning per place, as warnings.warn gives
_MAX_REGISTRIES = 1000  # notebooks name each cell a file of its own: a bound on what is remembered


def _warn_at(site: Site, message: str) -> None:
    """A TraceWarning shown at the user's line (``site``) that read the number or made the test."""
    filename, _, line = site.where.rpartition(":")
    if len(_WARNING_REGISTRIES) >= _MAX_REGISTRIES:
        _WARNING_REGISTRIES.clear()
    registry = _WARNING_REGISTRIES.setdefault(filename, {})
    warnings.warn_explicit(message, TraceWarning, filename, int(line), module=site.module, registry=registry)


def _write_forward(
    plan: _Plan, constants: _Constants, layout: Layout | None = None
) -> tuple[list[str], dict[Value, str]]:
    """Forward lines: inputs, then each op's checks, formula and probes; and each node's code.

    With a ``layout``, the line where each of its blocks starts goes into its forward_starts.
    """
    expressions: dict[Value, str] = {}  # how the code refers to each node's value (a name or a literal)
    code: dict[str, Callable[[Any], str]] = {
        "node": expressions.__getitem__,
        "input": "I[{}]".format,
        "number": constants.literal,
    }

    def check_call(number: int) -> str:
        """``_K[n](a, b)``: check n on the numbers it reads."""
        return f"_K[{number}](" + ", ".join(code[kind](x) for kind, x in plan.check_args[number]) + ")"

    lines = [check_call(number) for number in plan.input_checks]
    # An inlined node's code until its consumer reads it (and nothing else does): the code, its
    # nesting of inlined expressions, the ops inlined into it and how tightly it binds (_precedence).
    inlined: dict[Value, tuple[str, int, int, int]] = {}
    literal, materialize, node_checks = constants.literal, plan.materialize, plan.node_checks
    input_slot = plan.input_slot
    # bound methods and globals as locals: this loop runs once a node
    append, take, value_type, atom = lines.append, inlined.pop, Value, _ATOM_LEVEL
    max_depth, max_ops = MAX_INLINE_DEPTH, MAX_INLINE_OPS
    starts: list[int] = []
    mark = layout.start if layout else -1
    if layout:
        layout.forward_starts = starts
    length, count = (layout.length, layout.count) if layout else (0, 0)
    kinds = plan.kinds
    i = -1  # a counter and kinds[i], not enumerate(zip(...)): fewer calls a node
    for node in plan.order:
        i += 1
        kind = kinds[i]
        if i == mark:
            starts.append(len(lines))
            mark = mark + length if len(starts) <= count else -1
        if kind is None:
            slot = input_slot.get(node)
            if slot is None:  # a Value fn read but that is no input: frozen at its trace-time value
                expressions[node] = literal(node._data)
            else:  # a local; in chunks it is loaded from I where a chunk first reads it (_link)
                expressions[node] = f"v{i}"
                if not plan.big:
                    append(f"v{i} = I[{slot}]")
            if node_checks and node in node_checks:
                lines.extend(check_call(number) for number in node_checks[node])
            continue
        a, b = node._a, node._b
        formula, probes, checks = kind.forward, kind.probes, kind.checks
        if kind.folds and (
            a.__class__ is not value_type or (b is not None and b.__class__ is not value_type)
        ):
            # a number operand: what reads only numbers is worked out now
            read = [name for name, p in (("x", a), ("y", b)) if p.__class__ is Value and p not in expressions]
            formula, probes, checks = _folded_forward(kind, _literals_of(a, b), read)
        # the operands' code: an inlined one is read here and nowhere else, so its text can go.
        # Written out for a and b (not a helper called twice): this loop runs once a node.
        # An inlined operand's code gets parentheses only where the formula needs them (_precedence).
        deepest, ops = 0, 1
        if a.__class__ is value_type:
            if a in inlined:
                x, deepest, a_ops, x_level = take(a)
                ops += a_ops
                if x_level < formula.need_x:
                    x = f"({x})"
            else:
                x, x_level = expressions[a], atom
        else:
            x, x_level = literal(a), atom  # type: ignore[arg-type]
        if b.__class__ is value_type:
            if b in inlined:
                y, d, b_ops, y_level = take(b)
                ops += b_ops
                if d > deepest:
                    deepest = d
                if y_level < formula.need_y:
                    y = f"({y})"
            else:
                y, y_level = expressions[b], atom
        elif b is not None:
            y, y_level = literal(b), atom
        else:
            y, y_level = "", atom
        if checks:
            for check in checks:
                append(f"if not ({check.condition.write('', x, y, '')}){_RAISE}{check.message!r})")
        write = formula.write  # an attribute holding a function: read as one, not looked up as a method
        out = write("", x, y, "")
        if deepest >= max_depth or ops >= max_ops or node in materialize:
            append(f"v{i} = {out}")
            expressions[node] = out = f"v{i}"
            if node_checks and node in node_checks:
                lines.extend(check_call(number) for number in node_checks[node])
        else:
            level = formula.level or (x_level if formula.operand == "x" else y_level)  # SAME: the operand's
            inlined[node] = (out, deepest + 1, ops, level)
        if probes:  # evaluated only to raise where eager's kernel raises computing them
            lines.extend(probe.write("", x, y, out) for probe in probes)
    if layout:  # the last block ends the order
        starts.extend([len(lines)] * (layout.count + 1 - len(starts)))
    return lines, expressions


def _folded_forward(
    kind: _NodeKind, literals: _Literals, inlined: list[str]
) -> tuple[_Template, tuple[_Template, ...], tuple[_Check, ...]]:
    """A node's forward formula, probes and checks with its literal operands folded in.

    A check that can no longer fail and a probe that can no longer raise are left out. The
    formula stays as written if folding drops the read of an inlined operand (its code):
    that operand's ops would no longer run.
    """
    formula = _with_literals(kind.forward, literals)
    reads = dict(formula.counts)
    if any(not reads.get(name) for name in inlined):
        formula = kind.forward
    probes = tuple(p for p in (_with_literals(probe, literals) for probe in kind.probes) if p.may_raise)
    checks = []
    for check in kind.checks:
        condition = _with_literals(check.condition, literals, condition=True)
        if condition.text != _ALWAYS:
            checks.append(check if condition is check.condition else _Check(condition, check.message))
    return formula, probes, tuple(checks)


def _write_backward(
    plan: _Plan, expressions: dict[Value, str], constants: _Constants, layout: Layout | None = None
) -> tuple[list[str], dict[Value, str]]:
    """Backward lines: the chain rule in the eager engine's order; and each gradient's variable.

    A node's gradient is written once, as the sum of its terms dL/dz * dz/dnode in the order
    eager accumulates them, when all of its consumers are done. Left-to-right addition gives
    eager's sums; a leaf's sum starts at 0.0 as eager's does, which also gives it eager's
    +0.0 where the terms are all -0.0 (intermediate gradients can differ from eager only in
    the sign of a zero, which a leaf's 0.0 + ... then removes).

    With a ``layout``, the lines where each block's backward starts and ends go into it, and the
    gradients in its ``running`` are summed one term a line from where its loop begins.
    """
    grad_of: dict[Value, str] = {}  # kept for leaves only: the gradients returned are leaves'
    # Each node's terms so far, one dict lookup a term (see _Terms): only a lone term is passed on
    # as an expression, so only its nesting and how tightly it binds are kept.
    terms: dict[Value, _Terms] = {}
    lines: list[str] = []
    if plan.root_needs_grad:
        terms[plan.root] = (0, _ATOM_LEVEL, "1.0")
    literal, order, kinds, value_type = constants.literal, plan.order, plan.kinds, Value
    # bound methods and globals as locals: this loop runs once a node, its inner one once a term
    take, terms_of, code_of, append = terms.pop, terms.get, expressions.get, lines.append
    atom, product, max_depth = _ATOM_LEVEL, _TERM_LEVEL, MAX_INLINE_DEPTH
    if layout:
        layout.backward_starts, layout.backward_ends = [-1] * layout.count, [-1] * layout.count
    crossing = layout.crossing if layout else None
    fed: set[Value] = set()  # the running sums that got a term
    mark = layout.place(layout.count) - 1 if layout else -2
    for i in range(len(order) - 1, -1, -1):  # the eager backward's order
        if i == mark:  # the top of a block (layout)
            mark = _mark_block(layout, i, lines, terms, fed)  # type: ignore[arg-type]
        node = order[i]
        entry = take(node, None)
        if entry is None:
            continue  # no gradient needed here
        kind = kinds[i]
        if entry.__class__ is tuple:  # one term
            level, binds, grad = entry
            if kind is None:  # a leaf: its sum starts at 0.0, as eager's
                grad_of[node] = f"g{i}"
                append(f"g{i} = 0.0 + {grad}")
                continue
            positions = kind.grad_positions
            # One term, read by one term (or a name): passed on as it is, with no line of its own.
            if level >= max_depth or not (
                len(positions) == 1 or grad.isidentifier() or ("[" in grad and _is_name(grad))
            ):
                append(f"g{i} = {grad}")
                grad, level = f"g{i}", 0
        elif entry.__class__ is list:
            if kind is None:
                grad_of[node] = f"g{i}"
                _sum_lines(lines, f"g{i}", entry, start_at_zero=True)
                continue
            positions = kind.grad_positions
            grad, level = f"g{i}", 0
            _sum_lines(lines, grad, entry, start_at_zero=False)
        else:  # a running sum (a layout's outer node): its terms are summed by now
            if node not in fed:
                continue  # no term reached it: it has no gradient
            if kind is None:
                grad_of[node] = entry  # type: ignore[assignment]
                continue  # a leaf's sum is done
            grad, level, positions = entry, 0, kind.grad_positions  # type: ignore[assignment]
        if level == 0:
            binds = atom  # a name or a literal
        a, b = node._a, node._b
        derivatives, literals = kind.derivatives, None
        if kind.folds and (
            a.__class__ is not value_type or (b is not None and b.__class__ is not value_type)
        ):
            literals = _literals_of(a, b)
        x = None
        for position in positions:
            derivative = derivatives[position]
            if literals is not None:  # a number operand: what reads only numbers is worked out now
                derivative = _with_literals(derivative, literals)
            if derivative.one:  # dz/dx is 1.0: the term is the gradient itself, as its writer "{g}" gives,
                # which needs no parentheses and binds as g (term_need 0, term_level SAME: test_writers)
                term, nest, term_level = grad, level, binds
            elif derivative.operand is None:
                # the code of the node and its operands, read once a derivative reads them: an inlined
                # value has none left, and no derivative reads it (a number's literal: the forward wrote it)
                if x is None:
                    out = code_of(node, _INLINED)
                    x = code_of(a, _INLINED) if a.__class__ is value_type else literal(a)  # type: ignore[arg-type]
                    y = ""  # a unary op's formulas read no y
                    if b.__class__ is value_type:
                        y = code_of(b, _INLINED)
                    elif b is not None:
                        y = literal(b)
                # the gradient's code in parentheses only where the term needs them (_precedence)
                g = grad if binds >= derivative.term_need else f"({grad})"
                write = derivative.term  # as the forward's write
                term, nest = write(g, x, y, out), level + 1
                term_level = derivative.term_level or binds  # SAME: the term is the gradient itself
            else:  # mul's dz/dx is y, exp's is out: the term depends on that code (a name, 1.0, ...)
                operand = derivative.operand
                if operand == "x":
                    code = code_of(a, _INLINED) if a.__class__ is value_type else literal(a)  # type: ignore[arg-type]
                elif operand == "y":
                    if b.__class__ is value_type:
                        code = code_of(b, _INLINED)
                    else:
                        code = literal(b) if b is not None else ""
                else:
                    code = code_of(node, _INLINED)
                term_level = product
                if code[0] == "v":
                    term, nest = f"{grad} * {code}" if binds >= product else f"({grad}) * {code}", level + 1
                else:  # g * literal, or g itself for 1.0 (literal() writes a negative in parentheses)
                    term = _term(grad if binds >= product else f"({grad})", code)
                    nest = level if code == "1.0" else level + 1
            parent = b if position else a
            known = terms_of(parent)  # type: ignore[arg-type]
            if known is None:
                if crossing is not None and parent in crossing:  # passed into another block: named
                    nest = MAX_INLINE_DEPTH
                terms[parent] = (nest, term_level, term)  # type: ignore[index]
            elif known.__class__ is list:
                known.append(term)
            elif known.__class__ is tuple:
                terms[parent] = [known[2], term]  # type: ignore[index]
            else:  # inside a loop's block: one addition to its running sum, now
                append(f"{known} = {known} + {term}")
                fed.add(parent)  # type: ignore[arg-type]
    if layout and layout.backward_ends[0] < 0:  # the first block starts the order
        layout.backward_ends[0] = len(lines)
    return lines, grad_of


# A node's gradient terms while the backward is written: (nesting, level, code) of one term (its
# nesting of parentheses, 0 for a name or a literal; how tightly it binds, _precedence), the
# list of its terms once it has two, or the name of a layout's running sum (see _mark_block).
_Terms = tuple[int, int, str] | list[str] | str


def _mark_block(
    layout: Layout, top: int, lines: list[str], terms: dict[Value, _Terms], fed: set[Value]
) -> int:
    """At the last node of a block: note where its backward starts; returns the next such place.

    Where the loop's blocks begin (the last of them), the gradients the blocks add to one term
    at a time start: a leaf's at 0.0 as eager's, and each with the terms it already has; from
    there on ``terms`` holds their names (``fed`` those that got a term).
    """
    block = (top - layout.start) // layout.length
    if block + 1 < layout.count:
        layout.backward_ends[block + 1] = len(lines)
    if block < 0:
        return -2
    if block == layout.last:
        for node, name in layout.running.items():
            parts = terms.pop(node, None)
            leaf = node._op_def is None
            if parts is None:
                lines.append(f"{name} = {'0.0' if leaf else '-0.0'}")
            else:
                fed.add(node)
                _sum_lines(lines, name, [parts[2]] if parts.__class__ is tuple else parts, leaf)  # type: ignore[arg-type]
            terms[node] = name
    layout.backward_starts[block] = len(lines)
    return top - layout.length


def _is_name(code: str) -> bool:
    """Whether code is a name (g12) or an item (_C[0]): ``_NAME``, with str's own test first."""
    return code.isidentifier() or ("[" in code and _NAME.fullmatch(code) is not None)


def _sum_lines(lines: list[str], name: str, parts: list[str], start_at_zero: bool) -> None:
    """Append ``name = t1 + t2 + ...`` to lines in left-to-right order, split every MAX_TERMS terms."""
    if len(parts) <= MAX_TERMS:  # one line
        chunk = " + ".join(parts)
        lines.append(f"{name} = 0.0 + {chunk}" if start_at_zero else f"{name} = {chunk}")
        return
    for start in range(0, len(parts), MAX_TERMS):
        chunk = " + ".join(parts[start : start + MAX_TERMS])
        if start:  # a continuation adds onto the running sum, keeping left-to-right order
            lines.append(f"{name} = {name} + {chunk}")
        else:
            lines.append(f"{name} = 0.0 + {chunk}" if start_at_zero else f"{name} = {chunk}")


# The first lines of each generated function. CPython 3.11 specializes a function's bytecode
# after 8 calls or 8 jumps back; straight-line code has no jump back, so its first 8 calls
# (a new structure's first steps in a compile cache) ran unspecialized, about 1.4x slower.
# Jumping back 8 times at the start specializes it from its second call (harmless elsewhere).
_WARM_UP = ["    for _ in _EIGHT:  # see compiler._WARM_UP", "        pass"]


def _assemble(
    plan: _Plan, forward: list[str], backward: list[str], grad_of: dict[Value, str], result: str
) -> list[str]:
    """The function ``_compiled``: one piece for a small graph, else chunk functions and a driver."""
    header = f"# forward: {len(forward)} lines; backward (chain rule, output first): {len(backward)} lines"
    if not plan.big:
        gradients = ", ".join(grad_of.get(t, "0.0") for t in plan.targets)
        body = [header, "def _compiled(I):", *_WARM_UP, *(f"    {s}" for s in forward), "    # backward"]
        body += [f"    {s}" for s in backward] + [f"    return {result}, [{gradients}]"]
        return ["\n".join(body) + "\n"]
    chunks = list(_chunks([forward, backward]))
    targets = [grad_of.get(t) for t in plan.targets]
    links = _link(chunks, [result, *(name for name in targets if name is not None)])
    shared = _Shared(plan.input_names)
    for _, stores in links:  # slots in the order of the first store
        for name in stores:
            shared.slots.setdefault(name, len(shared.slots))
    pieces = [_chunk_function(k, chunk, *links[k], shared) for k, chunk in enumerate(chunks)]
    pieces.append(_driver(header, len(pieces), shared, result, targets))
    return pieces


# -- packaging a big graph: chunk functions sharing the values that cross them -------------
#
# Each chunk keeps its values and gradients in locals (v12, g12), as a small graph's one
# function does: a local is the fastest variable CPython has. A name read by a later chunk
# (or the driver) is stored into the list S at the end of the chunk that defines it, and a
# chunk loads each name it reads before defining it once, at its start: from I for an
# input, from S otherwise. Only where values are kept changes, never an operation or its order.


@dataclass
class _Shared:
    """Where names shared between pieces live: inputs in I (by slot), other names in S (by slot)."""

    inputs: dict[str, int]
    slots: dict[str, int] = field(default_factory=dict)

    def place(self, name: str) -> str:
        """The list item holding ``name``."""
        slot = self.inputs.get(name)
        return f"I[{slot}]" if slot is not None else f"S[{self.slots[name]}]"


def _link(chunks: list[list[str]], driver_reads: list[str]) -> list[tuple[list[str], list[str]]]:
    """For each chunk: the names it loads on entry, and the names it stores for later pieces."""
    scans = [_scan(chunk) for chunk in chunks]
    last_read: dict[str, int] = {}
    for k, (loads, _) in enumerate(scans):
        last_read.update(dict.fromkeys(loads, k))
    last_read.update(dict.fromkeys(driver_reads, len(chunks)))
    return [
        (loads, [n for n in defined if last_read.get(n, -1) > k]) for k, (loads, defined) in enumerate(scans)
    ]


def _scan(chunk: list[str]) -> tuple[list[str], list[str]]:
    """The names a chunk reads before it defines them, and the names it defines, in order."""
    loads: dict[str, None] = {}
    defined: dict[str, None] = {}
    for statement in chunk:
        target = _ASSIGNED.match(statement)
        code = statement.partition(_RAISE)[0]  # not the message a check raises
        for name in _LOCAL.findall(code, target.end() if target else 0):
            if name not in defined:
                loads[name] = None
        if target:
            defined[target.group(1)] = None
    return list(loads), list(defined)


def _chunk_function(k: int, chunk: list[str], loads: list[str], stores: list[str], shared: _Shared) -> str:
    """``_part{k}(I, S)``: load what earlier pieces made, run the chunk, store what later ones read."""
    lines = [f"def _part{k}(I, S):", *_WARM_UP]
    lines += [f"    {name} = {shared.place(name)}" for name in loads]
    lines += [f"    {statement}" for statement in chunk]
    lines += [f"    {shared.place(name)} = {name}" for name in stores]
    chunk.clear()  # its lines can be freed as the pieces are written
    return "\n".join(lines) + "\n"


def _driver(header: str, parts: int, shared: _Shared, result: str, targets: list[str | None]) -> str:
    """``_compiled(I)``: run the chunks in order on a fresh S; gather the value and the gradients."""
    zero = len(shared.slots)  # a slot no chunk stores: 0.0, the gradient of an unreachable target
    slots = tuple(shared.slots[name] if name is not None else zero for name in targets)
    lines = [header, f"_T = {slots!r}", "def _compiled(I):", f"    S = [0.0] * {zero + 1}"]
    lines += [f"    _part{k}(I, S)" for k in range(parts)]
    lines.append(f"    return {shared.place(result)}, [S[i] for i in _T]")
    return "\n".join(lines) + "\n"


def _chunks(parts: list[list[str]]) -> Iterator[list[str]]:
    """The statements in order, in runs of at most CHUNK_STATEMENTS and about CHUNK_CHARS characters.

    Each list in ``parts`` is emptied as it is used, so its lines can be freed as chunks are written.
    """
    chunk: list[str] = []
    chars = 0
    for statements in parts:
        for statement in statements:
            chunk.append(statement)
            chars += len(statement)
            if len(chunk) >= CHUNK_STATEMENTS or chars >= CHUNK_CHARS:
                yield chunk
                chunk, chars = [], 0
        statements.clear()
    if chunk:
        yield chunk


_INLINED = "(inlined)"  # not code: a formula reading it would fail to compile, never run wrong
_LOCAL = re.compile(r"\b[vg]\d+\b")  # a node's value or gradient as a local
_ASSIGNED = re.compile(r"([vg]\d+) = ")
_RAISE = ": raise ValueError("  # what precedes a check's message in its line
_NAME = re.compile(r"[A-Za-z_]\w*(\[\d+\])?")


# -- errors: replay the graph through the eager kernels ------------------------------------

_OP_NAMES = tuple(OPS)
_OP_CODES = {name: code for code, name in enumerate(_OP_NAMES)}
_INPUT, _FROZEN = 254, 255  # tape codes of leaves; ops are numbered by their place in OPS
_NONE = -1  # operand refs: a place on the tape >= 0, no operand, or a constant -2 - k


@dataclass
class _Tape:
    """The graph in the order fn made its nodes, compact (17 bytes a node), to replay when a call fails."""

    codes: bytearray
    first: array[int]  # operand a (its place on the tape); an input's slot; a frozen leaf's constant
    second: array[int]
    constants: list[float]
    check_args: list[tuple[_CheckArg, ...]]  # per check: ("node", place), ("input", slot), ("number", x)
    checks_after: dict[int, list[int]]  # the checks run after the node at each place (-1: before the first)
    root: int  # the result's place (nodes only checks read may follow it: _tested_elsewhere)


def _program_order(plan: _Plan, inputs: list[Value], created: list[Value | int] | None) -> list[Value]:
    """The graph's nodes in the order fn made them: inputs, then as ``created`` lists them.

    A node ``created`` does not list (made inside a call that returned another node, or
    before tracing) is placed just before the first node that needs it, operands first and
    the first operand before the second, as Python evaluates ``f(a, b)``. Without
    ``created`` that is the whole order: the output evaluated as one expression. The root
    and the nodes only checks read (_tested_elsewhere) come last, with anything left (made in
    another thread); the tape records where the root is.
    """
    index = plan.index
    starts = [node for node in inputs if node in index]
    if created is not None:  # no (*inputs, *created): that would copy created, a node per call fn made
        starts += [node for node in created if node.__class__ is Value and node in index]
    return operands_first([*starts, *plan.order[index[plan.root] :]])


def _record_tape(plan: _Plan, order: list[Value], created: list[Value | int] | None) -> _Tape:
    """Each node's op code and operand refs, in ``order``; each check placed where fn ran it.

    A check runs after every node fn made before recording it, and after the values it reads.
    """
    numbers: list[float] = []
    index = plan.index
    place = array("q", bytes(8 * len(order)))  # each node's place on the tape, by its index
    for k, at in enumerate(map(index.__getitem__, order)):
        place[at] = k
    codes, first, second = bytearray(), array("q"), array("q")
    code, put_first, put_second = codes.append, first.append, second.append
    input_slot, op_codes, value_type = plan.input_slot, _OP_CODES, Value
    # operand refs: a node by its place, no operand (_NONE), a number as constant k (-2 - k)
    for node in order:
        fn = node._op_def
        if fn is not None:
            code(op_codes[fn.name])
            a, b = node._a, node._b
            if a.__class__ is value_type:
                put_first(place[index[a]])
            else:
                numbers.append(float(a))  # type: ignore[arg-type]
                put_first(-1 - len(numbers))
            if b.__class__ is value_type:
                put_second(place[index[b]])
            elif b is None:
                put_second(_NONE)
            else:
                numbers.append(float(b))
                put_second(-1 - len(numbers))
        else:
            slot = input_slot.get(node)
            if slot is None:
                code(_FROZEN)
                numbers.append(float(node._data))
                put_first(-1 - len(numbers))
            else:
                code(_INPUT)
                put_first(slot)
            put_second(_NONE)
    check_args = [
        tuple(("node", place[index[x]]) if kind == "node" else (kind, x) for kind, x in args)
        for args in plan.check_args
    ]
    after = _made_before_checks(created, len(check_args), index, place)
    checks_after: dict[int, list[int]] = {}
    for number, args in enumerate(check_args):
        if all(kind == "number" for kind, _ in args):
            continue  # it passed at trace time and reads nothing that changes
        last = max([after[number], *(x for kind, x in args if kind == "node")])
        checks_after.setdefault(last, []).append(number)
    return _Tape(codes, first, second, numbers, check_args, checks_after, place[index[plan.root]])


def _made_before_checks(
    created: list[Value | int] | None, checks: int, index: dict[Value, int], place: array[int]
) -> list[int]:
    """For each check, the last place on the tape that fn made before recording it (-1: none, or no list)."""
    after = [-1] * checks
    if created is None or not checks:
        return after  # no scan of created: most graphs have no check
    latest, number, recorded = -1, 0, 0  # recorded: the checks recorded before the next node
    for item in created:  # a node listed again changes nothing: latest already counts it
        if type(item) is int:
            recorded = min(item, checks)
            continue
        if number < recorded:
            after[number:recorded] = [latest] * (recorded - number)
            number = recorded
            if number == checks:
                return after  # all placed: the nodes made after the last check change nothing
        at = index.get(item)  # type: ignore[arg-type]
        if at is not None and place[at] > latest:
            latest = place[at]
    after[number:] = [latest] * (checks - number)
    return after


class _Recording:
    """The grad mode replays run in: always recording, so kernels check derivatives as eager does."""

    paused = 0


@functools.cache
def _replay_kernel(code: int, kinds: tuple[bool, ...]) -> Callable[..., Value]:
    """The eager kernel of an op for these operand kinds (Value or number)."""
    return build_kernel(OPS[_OP_NAMES[code]], kinds, {**KERNEL_NAMES, "_mode": _Recording})


def _replay(tape: _Tape, inputs: list[float], checks: tuple[Check, ...]) -> BaseException | None:
    """Run the graph through the eager kernels on these inputs: the exception eager raises, or None."""
    nodes: list[Value] = []

    def operand(ref: int) -> Value | float:
        return nodes[ref] if ref >= 0 else tape.constants[-2 - ref]

    reads = {"node": lambda k: nodes[k].data, "input": inputs.__getitem__, "number": float}

    def run_checks(place: int) -> None:
        for number in tape.checks_after.get(place, ()):
            checks[number](*(reads[kind](x) for kind, x in tape.check_args[number]))

    try:
        run_checks(-1)
        for i, code in enumerate(tape.codes):
            if code == _INPUT:
                node = Value(inputs[tape.first[i]])
            elif code == _FROZEN:
                node = Value(operand(tape.first[i]))  # type: ignore[arg-type]
            else:
                operands = [operand(tape.first[i])]
                if tape.second[i] != _NONE:
                    operands.append(operand(tape.second[i]))
                kinds = tuple(p.__class__ is Value for p in operands)
                node = _replay_kernel(code, kinds)(*operands)
            nodes.append(node)
            run_checks(i)
    except (ArithmeticError, ValueError) as exc:
        return exc
    return None
