"""The ``autograd-mini`` command line: draw an expression's graph, train and record a network, run demos.

Expressions are parsed with ``ast`` and interpreted against a whitelist (numbers, names bound
by ``--at``, + - * / **, unary minus, calls of the engine's functions); nothing is ever
``eval``ed. The tree is walked with an explicit stack, so no expression depth reaches
Python's recursion limit. Exit status: 0 done, 1 the math failed (``log(0)``) or the file
could not be written, 2 the input was refused; the first line on stderr is the reason.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import math
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from . import datasets, losses, nn, optim
from ._drawing import MAX_DIGITS, shown
from ._files import check_writable
from .demos import DEMOS, Demo
from .demos import check as check_demo
from .demos import listing as demo_listing
from .engine import Value
from .explorer import DEFAULT_MAX_NODES as EXPLORER_MAX_NODES
from .graph import GraphView, view
from .ops import OPS
from .recording import DEFAULT_MAX_SNAPSHOTS, Run, record

__all__ = ["main", "evaluate", "ExpressionError", "FUNCTIONS", "MAX_EXPRESSION_LENGTH"]

MAX_EXPRESSION_LENGTH = 10_000  # characters; longer text is refused before parsing
DEFAULT_MAX_NODES = 400  # beyond this, dot's layout gets slow and the drawing unreadable
# train-view's limits: any accepted input trains in minutes at most and writes a page of a few MB.
TRAIN_STEPS = (1, 5000)
TRAIN_SAMPLES = (2, 2000)
MAX_HIDDEN_LAYERS = 4
MAX_WIDTH = 64
MAX_NOISE = 10.0  # the data lie within about 2 of the origin: more noise is only noise
MAX_SEED = 2**32 - 1
# steps x samples x parameters, plus the boundary's forward passes: about a minute of eager training
# (54.7 million took 91 s on a shared 2-CPU VM).
MAX_TRAINING_WORK = 40_000_000
MAX_PAGE_NUMBERS = 150_000  # parameters x kept snapshots: the page stays about 2 MB
BOUNDARY_GRID = 20  # points per side of the decision-boundary picture, as the demo draws it
BOUNDARY_PICTURES = 30  # about this many pictures over the run, as the demo takes
ADAM_LR = 0.01  # Adam's default here: its own 1e-3 barely moves a small net in 120 steps
# Words that name a file to write, not an expression or an input value: a forgotten -o.
_FILE_SUFFIXES = (".svg", ".png", ".pdf", ".dot", ".gv", ".html", ".htm")


def _callable_ops() -> dict[str, tuple[Callable[..., Value], tuple[int, ...]]]:
    """Every op of the table that Value has a method for: name -> (method, allowed arg counts)."""
    functions: dict[str, tuple[Callable[..., Value], tuple[int, ...]]] = {}
    for name in OPS:
        method = getattr(Value, name, None)
        if name.startswith("_") or not callable(method):
            continue  # + - * / ** and negation are written as operators, not calls
        parameters = inspect.signature(method).parameters.values()
        required = sum(parameter.default is inspect.Parameter.empty for parameter in parameters)
        functions[name] = (method, tuple(range(required, len(parameters) + 1)))
    return functions


# The calls an expression may make: name -> (function, numbers of arguments it takes).
FUNCTIONS: dict[str, tuple[Callable[..., Value], tuple[int, ...]]] = _callable_ops()

# Either side may be a number: Python sends 2 - x to Value.__rsub__, keeping 2 a constant.
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class ExpressionError(ValueError):
    """An expression the command line refuses: one line of reason, then the offending part marked."""

    def __init__(self, message: str, source: str, node: ast.AST | None = None) -> None:
        self.reason = message
        self.context = _marked(source, node)
        super().__init__("\n".join([message, *self.context]))


class _Refusal(Exception):
    """Bad usage: the reason, then context lines (the usage)."""

    def __init__(self, reason: str, context: Sequence[str] = ()) -> None:
        self.reason = reason
        self.context = list(context)
        super().__init__(reason)


def _marked(source: str, node: ast.AST | None, width: int = 70) -> list[str]:
    """The source (a window of it, if long) with a caret line under ``node``; [] if not printable."""
    if node is None or not hasattr(node, "col_offset") or not source.isprintable():
        return []
    encoded = source.encode("utf-8")  # ast's columns count UTF-8 bytes
    start = len(encoded[: node.col_offset].decode("utf-8", "ignore"))
    end_byte = getattr(node, "end_col_offset", None) or node.col_offset + 1
    end = max(len(encoded[:end_byte].decode("utf-8", "ignore")), start + 1)
    if getattr(node, "end_lineno", 1) != 1:
        end = len(source)
    left = max(0, min(start - 10, len(source) - width))
    shown = source[left : left + width]
    carets = "^" * max(1, min(end, left + width) - start)
    prefix, suffix = ("…" if left else ""), ("…" if left + width < len(source) else "")
    return [f"  {prefix}{shown}{suffix}", f"  {' ' * (len(prefix) + start - left)}{carets}"]


def _shorten(text: str, keep: int = 24) -> str:
    """Long text cut in the middle, with its length: 12345…67890 (4300 characters)."""
    if len(text) <= keep:
        return text
    return f"{text[: keep // 2]}…{text[-keep // 2 :]} ({len(text)} characters)"


def _parse(source: str) -> ast.expr:
    """The expression's syntax tree, or an ExpressionError saying why not."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"the expression is {len(source):,} characters long; the limit is {MAX_EXPRESSION_LENGTH:,}",
            "",
        )
    bad = next((i for i, char in enumerate(source) if "\ud800" <= char <= "\udfff"), None)
    if bad is not None:
        raise ExpressionError(f"the expression is not valid UTF-8 (at character {bad + 1})", "")
    try:
        # Python's parser warns about some text ("1not 2": invalid decimal literal) on stderr,
        # which would print before the reason; whatever it warns about is refused or harmless.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        where = f" (at character {exc.offset})" if exc.offset else ""
        raise ExpressionError(f"not a valid expression: {exc.msg}{where}", source) from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on deeply nested input (about 1,000 levels) this way.
        raise ExpressionError("the expression is nested too deeply for Python's parser", "") from None


def evaluate(source: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build the expression's graph; returns (result, the named inputs as leaves)."""
    source = source.strip()
    body = _parse(source)
    leaves = {name: Value(value, name) for name, value in values.items()}
    order = _checked_postorder(body, source, leaves)
    unused = sorted(set(leaves) - {node.id for node in order if isinstance(node, ast.Name)})
    if unused:  # checked before any math, so a refusal never hides behind a math error
        raise ExpressionError(f"--at gives {_names(unused)}, which the expression does not use", source)
    used: dict[str, Value] = {}
    stack: list[Value | float] = []
    for node in order:
        count = _operand_count(node)
        operands = stack[len(stack) - count :]
        del stack[len(stack) - count :]
        stack.append(_apply(node, operands, leaves, used))
    result = stack[0]
    return (result if isinstance(result, Value) else Value(result)), used


def _checked_postorder(body: ast.expr, source: str, leaves: dict[str, Value]) -> list[ast.expr]:
    """Every node, operands before the node using them; refuses any node not on the whitelist."""
    order: list[ast.expr] = []
    stack: list[tuple[ast.expr, bool]] = [(body, False)]
    while stack:  # an explicit stack: depth is limited by memory, not Python's recursion limit
        node, operands_done = stack.pop()
        if operands_done:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((operand, False) for operand in reversed(_operands(node, source, leaves)))
    return order


def _operands(node: ast.expr, source: str, leaves: dict[str, Value]) -> list[ast.expr]:
    """The node's operand nodes, left to right, after checking the node itself is allowed."""
    if isinstance(node, ast.Constant):
        _check_number(node, source)
        return []
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, as in {node.id}(x)", source, node)
        if node.id not in leaves:
            name = shown(node.id)
            raise ExpressionError(
                f"name {name!r} has no value; bind it with --at {name}=NUMBER", source, node
            )
        return []
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        return _call_arguments(node, source)
    raise ExpressionError(f"{_describe(node)} is not allowed{_hint(node, source)}", source, node)


# Operators the whitelist refuses, by their symbol and name (ast calls ^ "BitXor").
_OPERATORS: dict[type[ast.AST], str] = {
    ast.BitXor: "^ (bitwise xor)",
    ast.FloorDiv: "// (floor division)",
    ast.Mod: "% (remainder)",
    ast.MatMult: "@ (matrix product)",
    ast.BitAnd: "& (bitwise and)",
    ast.BitOr: "| (bitwise or)",
    ast.LShift: "<< (shift)",
    ast.RShift: ">> (shift)",
    ast.Invert: "~ (bitwise not)",
    ast.Not: "not",
}


def _operand_text(node: ast.expr, source: str) -> str:
    """An operand's source, in parentheses unless it is a name, number or call (** binds tightly)."""
    text = ast.get_source_segment(source, node) or "x"
    return text if isinstance(node, (ast.Name, ast.Constant, ast.Call)) else f"({text})"


def _hint(node: ast.expr, source: str) -> str:
    """What the user probably meant by a refused operator, as '; ...', or ''."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        example = _shorten(f"{_operand_text(node.left, source)}**{_operand_text(node.right, source)}", 40)
        return f"; a power is written **, as in {example}"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
        return "; / divides"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
        return "; - negates"
    return ""


def _check_number(node: ast.Constant, source: str) -> None:
    """Only finite real numbers that fit a float are constants."""
    value: object = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(
            f"only numbers are allowed as constants, not {_shorten(repr(value))}", source, node
        )
    written = _shorten(ast.get_source_segment(source, node) or repr(value))
    try:
        finite = math.isfinite(float(value))  # an int too large for a float raises instead
    except OverflowError:
        finite = False
    if not finite:
        raise ExpressionError(f"the number {written} is too large for a float", source, node)


def _call_arguments(node: ast.Call, source: str) -> list[ast.expr]:
    if not isinstance(node.func, ast.Name):
        raise ExpressionError(f"{_describe(node.func)} is not allowed", source, node.func)
    if node.func.id not in FUNCTIONS:
        allowed = ", ".join(sorted(FUNCTIONS))
        raise ExpressionError(
            f"unknown function {shown(node.func.id)!r}; allowed: {allowed}", source, node.func
        )
    arities = FUNCTIONS[node.func.id][1]
    if node.keywords or len(node.args) not in arities:
        raise ExpressionError(
            f"{node.func.id} takes {' or '.join(map(str, arities))} argument(s)", source, node
        )
    return list(node.args)


def _operand_count(node: ast.expr) -> int:
    if isinstance(node, ast.UnaryOp):
        return 1
    if isinstance(node, ast.BinOp):
        return 2
    return len(node.args) if isinstance(node, ast.Call) else 0


def _apply(
    node: ast.expr, operands: list[Value | float], leaves: dict[str, Value], used: dict[str, Value]
) -> Value | float:
    """One checked node's value, given its operands' values."""
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, (int, float))  # _check_number allowed only these
        return float(node.value)
    if isinstance(node, ast.Name):
        used[node.id] = leaves[node.id]
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        return -operands[0] if isinstance(node.op, ast.USub) else operands[0]
    if isinstance(node, ast.BinOp):
        left, right = operands
        if not isinstance(left, Value) and not isinstance(right, Value):
            # number op number: computed by the engine, with its errors, and kept a number
            return _BINARY[type(node.op)](Value(left), right).data
        return _BINARY[type(node.op)](left, right)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    first = operands[0] if isinstance(operands[0], Value) else Value(operands[0])
    return FUNCTIONS[node.func.id][0](first, *operands[1:])


def _describe(node: ast.AST) -> str:
    """A reader's name for a refused piece of syntax."""
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripting",
        ast.Lambda: "a lambda",
        ast.Compare: "a comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "an if-expression",
        ast.List: "a list",
        ast.Tuple: "a tuple",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a generator",
        ast.Starred: "unpacking",
        ast.JoinedStr: "an f-string",
        ast.NamedExpr: "an assignment expression",
        ast.Await: "await",
    }
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {_OPERATORS.get(type(node.op), type(node.op).__name__)}"
    return names.get(type(node), type(node).__name__)


def _binding(text: str) -> tuple[str, float]:
    """NAME=NUMBER from --at; names are NFKC-normalised as Python's parser does."""
    name, sep, number = text.partition("=")
    name = unicodedata.normalize("NFKC", name.strip())
    if not sep or not name.isidentifier():
        hint = (
            f"the file to write goes after -o: -o {_shorten(text, 40)}"
            if os.path.splitext(text)[1].lower() in _FILE_SUFFIXES
            else "an expression after --at must follow --"
        )
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {_shorten(repr(text))} ({hint})")
    try:
        return name, _finite_number(number)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{shown(name)}: {exc}") from None


def _finite_number(text: str) -> float:
    """An argparse type: a finite float."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_shorten(repr(text))} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{_shorten(repr(text))} is not a finite number")
    return value


def _bounded_int(low: int, high: int | None) -> Callable[[str], int]:
    """An argparse type: an int in [low, high]."""

    def convert(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{_shorten(repr(text))} is not a whole number") from None
        if number < low or (high is not None and number > high):
            upper = f" and at most {high}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be at least {low}{upper}, got {number}")
        return number

    return convert


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error raises _Refusal (reason first) instead of exiting.

    Every refusal starts "autograd-mini: error: ", a subcommand's naming it next ("draw: ..."),
    where argparse would write "autograd-mini draw: error: ". Options are never abbreviated:
    ``--m=3`` is refused, not taken as ``--max-nodes=3`` (nor ``--at``'s ``--m=3``, a name).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # subcommands' parsers are made by this class too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("autograd-mini").strip()
        where = f"{command}: " if command else ""
        raise _Refusal(f"autograd-mini: error: {where}{message}", self.format_usage().rstrip().splitlines())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autograd-mini")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="autograd-mini",
        description="See backpropagation: draw computation graphs and run the demos.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    draw = commands.add_parser(
        "draw",
        help="evaluate an expression, run backward, draw its computation graph",
        description="Evaluate EXPR with the engine at the --at values, run backward, write the drawing "
        "and print every value of the graph with its gradient. An EXPR starting with - may be given "
        "first, or last after --. Exit status: 0 done, 1 the math failed or the file could not be "
        "written, 2 the input was refused.",
        epilog='example: autograd-mini draw "tanh(x*w + b)" --at x=2 w=-3 b=6.88 -o graph.svg',
    )
    draw.add_argument(
        "expression",
        metavar="EXPR",
        nargs="?",
        help=f"e.g. 'tanh(x*w + b)'; functions: {', '.join(FUNCTIONS)}",
    )
    _add_graph_options(
        draw,
        output=("graph.svg", "file to write: .svg .png .pdf .dot (default graph.svg)"),
        max_nodes_note="; big ones lay out slowly",
    )
    draw.add_argument(
        "--show",
        choices=("forward", "backward", "both"),
        default="both",
        help="forward: values and local derivatives; backward: gradients and the chain-rule "
        "product on each edge; both (default)",
    )
    draw.add_argument("--legend", action="store_true", help="add a legend of the colours")
    _explore_parser(commands)
    _train_view_parser(commands)
    _demo_parser(commands)
    return parser


def _add_graph_options(
    command: argparse.ArgumentParser,
    *,
    output: tuple[str, str],
    max_nodes_note: str = "",
    rankdirs: tuple[str, ...] = ("LR", "TB"),
) -> None:
    """The options draw and explore share: --at, -o (default, help), --digits, --rankdir, --max-nodes.

    ``rankdirs`` are the layout directions offered, the first being the default.
    """
    command.add_argument(
        "--at",
        nargs="+",
        action="extend",  # --at x=1 --at y=2 adds up, so a name given twice is caught either way
        type=_binding,
        default=[],
        metavar="NAME=NUMBER",
        help="input values",
    )
    command.add_argument("-o", "--output", default=output[0], help=output[1])
    command.add_argument(
        "--digits",
        type=_bounded_int(1, MAX_DIGITS),
        default=4,
        help=f"significant digits shown, 1 to {MAX_DIGITS} (default 4)",
    )
    command.add_argument(
        "--rankdir",
        choices=rankdirs,
        default=rankdirs[0],
        help=f"layout direction (default {rankdirs[0]})",
    )
    command.add_argument(
        "--max-nodes",
        type=_bounded_int(1, None),
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help=f"refuse graphs of more than N values (default {DEFAULT_MAX_NODES}{max_nodes_note})",
    )


def _explore_parser(commands: Any) -> None:
    """The explore command: an expression's explorer page (see explorer.explore)."""
    explore = commands.add_parser(
        "explore",
        help="write an interactive page stepping through the expression's forward and backward passes",
        description="Evaluate EXPR with the engine at the --at values and write one self-contained HTML "
        "page that steps through its forward and backward passes (open it in any browser; nothing is "
        "fetched). Exit status: 0 done, 1 the math failed or the file could not be written, 2 the input "
        "was refused.",
        epilog='example: autograd-mini explore "tanh(x*w + b)" --at x=2 w=-3 b=6.88 -o page.html',
    )
    explore.add_argument("expression", metavar="EXPR", nargs="?", help="e.g. 'tanh(x*w + b)'")
    # auto: the page lays out both directions and shows the one that fits its window larger.
    _add_graph_options(
        explore,
        output=("explorer.html", "page to write (default explorer.html)"),
        rankdirs=("auto", "LR", "TB"),
    )
    explore.add_argument("--why", action="store_true", help="open in the 'why a topological order' mode")
    explore.add_argument("--quiz", action="store_true", help="a quiz: type each value and gradient, checked")
    explore.add_argument(
        "--grad",
        type=_finite_number,
        default=1.0,
        metavar="NUMBER",
        help="the seed dL/dz the backward pass starts from, as z.backward(NUMBER) (default 1)",
    )


def _train_view_parser(commands: Any) -> None:
    """The train-view command: train a small MLP on 2-D data, recorded, and write its training page."""
    command = commands.add_parser(
        "train-view",
        help="train a small network on 2-D data and write a page replaying every step",
        description="Train a fresh nn.MLP(2, HIDDEN + [1]) on a built-in 2-D data set, record every "
        "step with autograd_mini.record, and write one self-contained HTML training page: the network "
        "coloured step by step, the loss, the decision boundary, per-layer gradient flow, and the "
        "backward explorer on one sample at the last step. Everything is checked before training "
        "starts. Exit status: 0 done, 1 training failed or the file could not be written, 2 the input "
        "was refused.",
        epilog="example: autograd-mini train-view --data circles --hidden 8,8 --activation tanh "
        "--steps 200 -o circles.html",
    )
    command.add_argument(
        "--data", choices=("moons", "circles"), default="moons", help="data set (default moons)"
    )
    command.add_argument(
        "--samples",
        type=_bounded_int(*TRAIN_SAMPLES),
        default=60,
        metavar="N",
        help=f"points, {TRAIN_SAMPLES[0]} to {TRAIN_SAMPLES[1]} (default 60)",
    )
    command.add_argument(
        "--noise",
        type=_number_in(0.0, MAX_NOISE, low_open=False),
        default=0.1,
        metavar="X",
        help=f"standard deviation of the noise on each coordinate, 0 to {MAX_NOISE:g} (default 0.1)",
    )
    command.add_argument(
        "--hidden",
        type=_widths,
        default=[8, 8],
        metavar="W,W",
        help=f"hidden layer widths, 1 to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_WIDTH} (default 8,8)",
    )
    _add_training_options(command)


def _add_training_options(command: argparse.ArgumentParser) -> None:
    """train-view's options about the training itself and its output."""
    command.add_argument(
        "--activation", choices=nn.ACTIVATIONS, default="relu", help="of the hidden layers (default relu)"
    )
    command.add_argument(
        "--loss",
        choices=tuple(_LOSSES),
        default="hinge",
        help="hinge (labels -1/+1) or bce, binary cross-entropy on the logit (labels 0/1) (default hinge)",
    )
    command.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd", help="(default sgd)")
    command.add_argument(
        "--lr",
        type=_number_in(0.0, None, low_open=True),
        metavar="X",
        help=f"learning rate, a finite number > 0 (default: sgd falls from 0.5 to 0.05, adam {ADAM_LR:g})",
    )
    command.add_argument(
        "--steps",
        type=_bounded_int(*TRAIN_STEPS),
        default=120,
        metavar="N",
        help=f"training steps, {TRAIN_STEPS[0]} to {TRAIN_STEPS[1]} (default 120)",
    )
    command.add_argument(
        "--seed",
        type=_bounded_int(0, MAX_SEED),
        default=0,
        metavar="N",
        help="seed of the data and of the initial weights (default 0)",
    )
    command.add_argument(
        "-o", "--output", default="training.html", help="page to write (default training.html)"
    )


def _widths(text: str) -> list[int]:
    """An argparse type: comma-separated hidden layer widths, 1 to MAX_HIDDEN_LAYERS of 1 to MAX_WIDTH."""
    words = text.split(",")
    if len(words) > MAX_HIDDEN_LAYERS:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(words)} in {_shorten(repr(text))}"
        )
    width = _bounded_int(1, MAX_WIDTH)
    try:
        return [width(word.strip()) for word in words]
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(
            f"each width {exc} (widths are 1 to {MAX_WIDTH}, comma-separated, as in 8,8)"
        ) from None


def _number_in(low: float, high: float | None, *, low_open: bool) -> Callable[[str], float]:
    """An argparse type: a finite float above ``low`` (or at least it), at most ``high``."""

    def convert(text: str) -> float:
        number = _finite_number(text)
        if number < low or (low_open and number == low) or (high is not None and number > high):
            above = f"> {low:g}" if low_open else f">= {low:g}"
            upper = f" and at most {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be {above}{upper}, got {_shorten(text)}")
        return number

    return convert


def _demo_parser(commands: Any) -> None:
    """The demo command: one demo of autograd_mini.demos.DEMOS, its own options after its name."""
    table = "\n".join(f"  {demo.name:<20} {demo.usage()}" for demo in DEMOS.values())
    demo = commands.add_parser(
        "demo",
        help="run a demo by name (--list lists them)",
        usage="autograd-mini demo [-h] [--list] [NAME [--quick] [OPTION ...]]",
        description="Run one of the demos: it prints what it computes and writes its pictures and\n"
        "pages to out/ (or to $AUTOGRAD_MINI_OUT). The demos draw with matplotlib and\n"
        "the graphviz package: pip install 'autograd-mini[demos]'. Exit status: 0 done,\n"
        "1 the demo failed or needs a package that is not installed, 2 the input was refused.",
        epilog=f"the demos and their options:\n{table}\n\n"
        "example: autograd-mini demo moons --quick --compiled",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("name", metavar="NAME", nargs="?", help="the demo to run (see --list)")
    demo.add_argument("--list", action="store_true", help="list the demos, their options and their files")
    demo.add_argument("--quick", action="store_true", help="the demo's fast mode (for demos that have one)")


class _DemoOptions(_Parser):
    """A demo's own options, checked before it starts; an error names the demo and its options."""

    def __init__(self, demo: Demo) -> None:
        super().__init__(prog=f"autograd-mini demo {demo.name}", add_help=False)
        self.demo = demo
        demo.add_arguments(self)

    def error(self, message: str) -> NoReturn:
        raise _Refusal(f"demo {self.demo.name}: {message}; its options: {self.demo.usage()}")


# What an option looks like (--name, --name=value): such a word is never taken as an expression.
_OPTION = re.compile(r"--[A-Za-z][\w-]*(=.*)?\Z", re.DOTALL)


def _arguments(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parsed arguments; an unknown 'option' such as -x*2 is taken as draw's expression."""
    args, extras = parser.parse_known_args(argv)
    if args.command == "demo" and args.name is not None and not args.list:
        args.demo_options, extras = extras, []  # the demo's own options: _demo checks them
    lone = extras[0] if len(extras) == 1 else ""
    takes_expression = args.command in ("draw", "explore")
    if takes_expression and args.expression is None and lone[:1] == "-" and not _OPTION.match(lone):
        args.expression, extras = lone, []
    if takes_expression:
        _refuse_misplaced_bindings(parser, args.command, args.expression, extras)
    if extras:
        hint = ""
        files = [extra for extra in extras if os.path.splitext(extra)[1].lower() in _FILE_SUFFIXES]
        if takes_expression and files:
            hint = f" (the file to write goes after -o: -o {_shorten(files[0], 40)})"
        elif takes_expression:
            hint = (
                " (an expression starting with - may go last, after --)"
                if any(extra[:1] == "-" for extra in extras)
                else f" ({args.command} takes one expression: quote it, as in 'x * y')"
            )
        parser.error(f"unrecognized arguments: {_words(extras)}{hint}")
    if args.command in ("explore", "train-view"):
        _check_html_output(args.command, args.output)
    if takes_expression:
        if args.expression is None:
            parser.error(
                f"{args.command} needs an expression, e.g. autograd-mini {args.command} 'x*y' --at x=2 y=3"
            )
        names = [name for name, _ in args.at]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            parser.error(f"--at gives {_names(twice)} more than once")
    return args


def _check_html_output(command: str, output: str) -> None:
    """Refuse an output name that does not end in .html or .htm (the page is HTML whatever its name)."""
    if os.path.splitext(output)[1].lower() not in (".html", ".htm"):
        # an .svg name would hold HTML, not a drawing
        raise _Refusal(
            f"{command} writes an HTML page: the output must end in .html or .htm, "
            f"got {_shorten(output, 200)}"
        )


def _names(names: Sequence[str]) -> str:
    """Input names for a message, each as drawings show it (shortened, escaped), comma-separated."""
    return ", ".join(shown(name) for name in names)


def _words(words: Sequence[str]) -> str:
    """Command-line words for a message: at most five, each shortened."""
    return " ".join(_shorten(word, 40) for word in words[:5]) + (" …" if len(words) > 5 else "")


def _looks_like_binding(word: str) -> bool:
    """NAME=..., what --at takes: a word no expression can be (= is not an operator)."""
    name, sep, rest = word.partition("=")
    return bool(sep) and unicodedata.normalize("NFKC", name.strip()).isidentifier() and rest[:1] != "="


def _refuse_misplaced_bindings(
    parser: argparse.ArgumentParser, command: str, expression: str | None, extras: Sequence[str]
) -> None:
    """Input values given without --at (draw 'x*y' x=2) are refused with the command that works."""
    words = [*([expression] if expression is not None else []), *extras]
    bindings = [word for word in words if _looks_like_binding(word)]
    if not bindings:
        return
    hint = f"input values go after --at: --at {_words(bindings)}"
    if expression is not None and _looks_like_binding(expression):
        parser.error(f"{_shorten(expression, 40)} is an input value, not an expression for {command}; {hint}")
    parser.error(f"unrecognized arguments: {_words(extras)} ({hint})")


def _draw(args: argparse.Namespace) -> int:
    from ._graph_drawing import DrawOptions, draw_view
    from .viz import GraphvizNotFoundError, render

    view = _expression_graph(args, "draw it anyway (large graphs are slow to lay out)")
    view.root.backward()
    options = DrawOptions(args.show, args.rankdir, args.digits, max_nodes=None, legend=args.legend)
    try:
        graph = draw_view(view, {node: node.grad for node in view.order}, options)
        path = render(graph, args.output)
    except GraphvizNotFoundError as exc:  # its message spans lines: the reason, then details
        reason, *details = str(exc).splitlines() or [""]
        return _fail(f"autograd-mini: error: {reason}", details, 1)
    except ValueError as exc:  # the output's suffix: every other option was checked above
        raise _Refusal(str(exc)) from None
    _print_table(view, max(args.digits, 6))
    print(f"wrote {_printable(str(path))}")
    return 0


def _expression_graph(args: argparse.Namespace, anyway: str) -> GraphView:
    """The expression's graph within --max-nodes, its result named "out" unless it is an input itself."""
    result, inputs = evaluate(args.expression, dict(args.at))
    if result not in inputs.values():
        result.label = "out"  # a bare input keeps its own name: it is the root itself
    graph = view(result)
    size = len(graph.order)
    if size > args.max_nodes:
        raise _Refusal(
            f"the graph has {size} values, more than --max-nodes {args.max_nodes}; "
            f"pass --max-nodes {size} to {anyway}"
        )
    return graph


def _explore(args: argparse.Namespace) -> int:
    from .explorer import explore
    from .viz import GraphvizNotFoundError

    if args.quiz and args.why:
        raise _Refusal("--quiz and --why make two different pages; pass one of them")
    result = _expression_graph(args, "explore it anyway").root
    if args.quiz and result.is_leaf:
        raise _Refusal("--quiz needs an expression with at least one operation (a lone value asks nothing)")
    try:
        page = explore(
            result,
            digits=args.digits,
            rankdir=args.rankdir,
            why=args.why,
            quiz=args.quiz,
            max_nodes=args.max_nodes,
            grad=args.grad,
        )
    except GraphvizNotFoundError as exc:
        reason, *details = str(exc).splitlines() or [""]
        return _fail(f"autograd-mini: error: {reason}", details, 1)
    path = page.save(args.output)
    print(
        f"wrote {_printable(str(path))} ({len(page.html.encode('utf-8')) // 1024} KB): open it in a browser"
    )
    return 0


# train-view's losses: name -> (the loss of scores against labels, the labels (first, second) it takes)
_LOSSES: dict[str, tuple[Callable[[Sequence[Value], Sequence[float]], Value], tuple[float, float]]] = {
    "hinge": (losses.hinge, (-1.0, 1.0)),
    "bce": (losses.binary_cross_entropy, (0.0, 1.0)),
}


def _train_view(args: argparse.Namespace) -> int:
    """Train and record as demos/training_view.py does, then write the page (everything checked first)."""
    X, y = _dataset(args)
    model = nn.MLP(2, [*args.hidden, 1], activation=args.activation, seed=args.seed)
    _check_training_work(args, len(model.parameters()))
    check_writable(args.output)  # what the page's save would refuse, refused before training (exit 1)
    loss_of = _LOSSES[args.loss][0]
    fits_explorer = _sample_graph_size(model, loss_of, X[0], y[0]) <= EXPLORER_MAX_NODES
    run, diverged = _recorded_training(args, model, X, y)
    explorer = fits_explorer and diverged is None  # a diverged step's graph holds inf and nan
    page = run.page(
        title=_training_title(args),
        sample_loss=(lambda: loss_of([model(X[0])], [y[0]])) if explorer else None,
        explore_steps=[run.snapshots[-1].step] if explorer else None,
    )
    path = page.save(args.output)
    size = len(page.html.encode("utf-8")) / 1e6
    print(f"wrote {_printable(str(path))} ({size:.2f} MB): open it in a browser")
    if diverged is not None:
        return _fail(f"autograd-mini: error: {diverged}", [], 1)
    accuracy = _accuracy(model, X, y, _LOSSES[args.loss][1][1])
    steps = f"{args.steps} step" + ("s" if args.steps > 1 else "")
    losses_text = f"loss {run.losses[0]:.4g} -> {run.losses[-1]:.4g} after {steps}"
    print(f"{losses_text}, training accuracy {accuracy:.0%}")
    if not fits_explorer:
        print(f"(no explorer on the page: one sample's graph has more than {EXPLORER_MAX_NODES} values)")
    return 0


def _dataset(args: argparse.Namespace) -> tuple[list[list[float]], list[float]]:
    """The chosen data set, labelled as the chosen loss takes its labels."""
    make = datasets.make_moons if args.data == "moons" else datasets.make_circles
    return make(args.samples, noise=args.noise, seed=args.seed, labels=_LOSSES[args.loss][1])


def _check_training_work(args: argparse.Namespace, parameters: int) -> None:
    """Refuse a run whose steps x samples x parameters (and boundary pictures) would take too long."""
    boundary = BOUNDARY_GRID**2 * (BOUNDARY_PICTURES + 1)  # forward passes for the pictures
    work = parameters * (args.steps * args.samples + boundary)
    if work > MAX_TRAINING_WORK:
        raise _Refusal(
            f"train-view: {args.steps} steps x {args.samples} samples x {parameters} parameters is too much "
            f"training for a page (work {work:,}, limit {MAX_TRAINING_WORK:,}); "
            "lower --steps, --samples or --hidden"
        )


def _sample_graph_size(model: nn.MLP, loss_of: Callable[..., Value], x: list[float], label: float) -> int:
    """The number of values in one sample's loss graph, the graph the page's explorer would show."""
    return len(view(loss_of([model(x)], [label])).order)


def _recorded_training(
    args: argparse.Namespace, model: nn.MLP, X: list[list[float]], y: list[float]
) -> tuple[Run, str | None]:
    """The plain loop of demos/training_view.py, recorded; and why training diverged, or None.

    A step whose update the optimizer refuses (an infinite or NaN gradient) is recorded with its loss
    and gradients but no update, and ends the run: the page then shows how it diverged.
    """
    loss_of = _LOSSES[args.loss][0]
    optimizer = _optimizer(args, model)
    kept = max(2, min(DEFAULT_MAX_SNAPSHOTS, MAX_PAGE_NUMBERS // len(model.parameters())))
    show = sys.stderr.isatty()  # the progress bar with the loss, only where someone watches
    with record(model, steps=args.steps, max_snapshots=kept, progress=show, description=args.data) as run:
        run.watch_boundary(X, y, every=max(1, args.steps // BOUNDARY_PICTURES), grid=BOUNDARY_GRID)
        for k in range(args.steps):
            loss: Value | None = None
            try:
                loss = loss_of([model(x) for x in X], y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            except (ValueError, ArithmeticError) as exc:
                if loss is not None:
                    run.step(loss)
                if run.step_count == 0:
                    raise ValueError(f"training failed at step 0: {exc}") from None
                last = run.step_count - 1
                return run, (
                    f"training diverged at step {k} ({exc}); the page shows steps 0 to {last} "
                    "(a smaller --lr may help)"
                )
            run.step(loss)
    return run, None


def _optimizer(args: argparse.Namespace, model: nn.MLP) -> optim.Optimizer:
    """SGD (by default with the demo's rate, falling from 0.5 to 0.05) or Adam, at --lr if given."""
    if args.optimizer == "adam":
        return optim.Adam(model.parameters(), lr=ADAM_LR if args.lr is None else args.lr)
    steps: int = args.steps

    def falling(k: int) -> float:
        return 0.5 - 0.45 * k / steps

    return optim.SGD(model.parameters(), lr=falling if args.lr is None else args.lr)


def _training_title(args: argparse.Namespace) -> str:
    """The page's title: data, model, loss, optimizer, as the demo titles its pages."""
    sizes = ", ".join(str(width) for width in [*args.hidden, 1])
    lr = "" if args.lr is None else f", lr {args.lr:g}"
    return f"{args.data}: MLP(2, [{sizes}]) with {args.activation}, {args.loss} loss, {args.optimizer}{lr}"


def _accuracy(model: nn.MLP, X: list[list[float]], y: list[float], positive: float) -> float:
    """The share of points whose score's sign gives their label (score > 0: the ``positive`` label)."""
    right = sum((model.predict(x).data > 0) == (label == positive) for x, label in zip(X, y, strict=True))
    return float(right / len(y))


def _print_table(graph: GraphView, digits: int) -> None:
    """Every value of the graph, inputs first, under the names the drawing uses, with dL/d(name)."""
    print("\n".join(value_table(graph, digits)))


def value_table(graph: GraphView, digits: int) -> list[str]:
    """The table draw prints: name, op, value, gradient; names shortened and escaped as drawn."""
    # the drawings' shortening and escaping, then anything else a terminal would not show on one line
    names = {node: _printable(shown(name)) for node, name in graph.names.items()}
    rows = [(names[node], node.op or "input", node.data, node.grad) for node in graph.order]
    width = max([len(name) for name, *_ in rows] + [len("name")])
    gradient = f"d{names[graph.root]}/d(name)"
    lines = [f"{'name':<{width}}  {'op':<10}  {'value':>14}  {gradient:>14}"]
    lines += [
        f"{name:<{width}}  {op:<10}  {data:>14.{digits}g}  {grad:>14.{digits}g}"
        for name, op, data, grad in rows
    ]
    return lines


def _demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.list or args.name is None:
        print("\n".join(demo_listing()))
        return 0
    if args.name not in DEMOS:
        parser.error(f"unknown demo {shown(args.name)!r}; known: {', '.join(DEMOS)}")
    demo = DEMOS[args.name]
    if args.quick and not demo.quick:
        raise _Refusal(
            f"demo {demo.name} has no quick mode (it is quick already); its options: {demo.usage()}"
        )
    demo_args = [*(["--quick"] if args.quick else []), *args.demo_options]
    _DemoOptions(demo).parse_args(demo_args)  # refuses what the demo's own parser would, reason first
    check_demo(demo.name)  # a missing optional package: MissingExtraError naming the extra, exit 1
    module = importlib.import_module(f".demos.{demo.name}", __package__)
    status: int = module.main(demo_args)
    return status


def _printable(text: str) -> str:
    """Text as one printable line: undecodable bytes as \\xNN, other non-printables (newlines too) escaped."""
    out = []
    for char in text:
        if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (Python's surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif char.isprintable():
            out.append(char)
        else:
            out.append(ascii(char)[1:-1])
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 done, 1 math or file failure, 2 refused)."""
    parser = _parser()
    try:
        args = _arguments(parser, argv)
        if args.command == "draw":
            return _draw(args)
        if args.command == "explore":
            return _explore(args)
        if args.command == "train-view":
            return _train_view(args)
        return _demo(args, parser)
    except BrokenPipeError:  # the reader stopped early (| head): nothing more to say, and no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else 2
    except (ExpressionError, _Refusal) as exc:
        reason = (
            exc.reason if exc.reason.startswith("autograd-mini") else f"autograd-mini: error: {exc.reason}"
        )
        return _fail(reason, exc.context, 2)
    except (ValueError, ArithmeticError, OSError, ImportError) as exc:
        return _fail(f"autograd-mini: error: {_reason(exc)}", [], 1)


def _reason(exc: Exception) -> str:
    """The error's text; an OSError whose message already names the file loses its "[Errno N] "."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is None and "cannot write" in exc.strerror:
        return exc.strerror
    return str(exc)


def _fail(reason: str, context: Sequence[str], status: int) -> int:
    """Print the reason as one line, then any context lines, to stderr; returns ``status``."""
    print(_printable(_shorten(reason, 400)), file=sys.stderr)
    for line in context:
        print(_printable(line), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
