"""The ``autograd-mini`` command line: draw an expression's computation graph, run the demos.

Expressions are parsed with ``ast`` and interpreted against a whitelist (numbers, names bound
by ``--at``, + - * / **, unary minus, calls of the engine's functions); nothing is ever
``eval``ed.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .engine import Value

__all__ = ["main", "evaluate", "ExpressionError", "FUNCTIONS"]

# The calls an expression may make: name -> (function, number of arguments).
FUNCTIONS: dict[str, tuple[Callable[..., Value], tuple[int, ...]]] = {
    "exp": (Value.exp, (1,)),
    "log": (Value.log, (1,)),
    "sqrt": (Value.sqrt, (1,)),
    "tanh": (Value.tanh, (1,)),
    "sigmoid": (Value.sigmoid, (1,)),
    "relu": (Value.relu, (1,)),
    "leaky_relu": (Value.leaky_relu, (1, 2)),
    "softplus": (Value.softplus, (1,)),
    "sin": (Value.sin, (1,)),
    "cos": (Value.cos, (1,)),
    "abs": (Value.__abs__, (1,)),
}

# Either side may be a number: Python sends 2 - x to Value.__rsub__, keeping 2 a constant.
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class ExpressionError(ValueError):
    """An expression the command line refuses, with the offending part marked."""

    def __init__(self, message: str, source: str, node: ast.AST | None = None) -> None:
        text = message
        if node is not None and hasattr(node, "col_offset") and "\n" not in source:
            start = node.col_offset
            end = getattr(node, "end_col_offset", None) or start + 1
            text += f"\n  {source}\n  {' ' * start}{'^' * max(end - start, 1)}"
        super().__init__(text)


def evaluate(source: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build the expression's graph; returns (result, the named inputs as leaves)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" (at character {exc.offset})" if exc.offset else ""
        raise ExpressionError(f"not a valid expression: {exc.msg}{where}", source) from None
    source = source.strip()
    leaves = {name: Value(value, name) for name, value in values.items()}
    used: dict[str, Value] = {}

    def visit(node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(
                    f"only numbers are allowed as constants, not {node.value!r}", source, node
                )
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id} is a function: call it, as in {node.id}(x)", source, node)
            if node.id not in leaves:
                hint = f"bind it with --at {node.id}=NUMBER" if node.id.isidentifier() else ""
                raise ExpressionError(f"name {node.id!r} has no value; {hint}", source, node)
            used[node.id] = leaves[node.id]
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = visit(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = visit(node.left), visit(node.right)
            if not isinstance(left, Value) and not isinstance(right, Value):
                left = Value(left)  # number op number: computed by the engine, with its errors
                return _BINARY[type(node.op)](left, right).data
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            return call(node)
        raise ExpressionError(f"{_describe(node)} is not allowed", source, node)

    def call(node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"{_describe(node.func)} is not allowed", source, node.func)
        if node.func.id not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {node.func.id!r}; allowed: {allowed}", source, node.func)
        function, arities = FUNCTIONS[node.func.id]
        if node.keywords or len(node.args) not in arities:
            raise ExpressionError(
                f"{node.func.id} takes {' or '.join(map(str, arities))} argument(s)", source, node
            )
        args = [visit(arg) for arg in node.args]
        first = args[0] if isinstance(args[0], Value) else Value(args[0])
        return function(first, *args[1:])

    result = visit(tree.body)
    if not isinstance(result, Value):
        result = Value(result)
    unused = sorted(set(leaves) - set(used))
    if unused:
        raise ExpressionError(f"--at gives {', '.join(unused)}, which the expression does not use", source)
    return result, used


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
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the operator {type(node.op).__name__}"
    return names.get(type(node), type(node).__name__)


def _binding(text: str) -> tuple[str, float]:
    """NAME=NUMBER from --at."""
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{name}: {number!r} is not a finite number")
    return name, value


def _demos_package() -> dict[str, str]:
    """The demos of a source checkout (name: description); makes ``demos`` importable."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "demos" / "__init__.py").is_file():
        raise FileNotFoundError(
            "the demos live in the source repository (demos/); clone it and run this from there"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    demos = importlib.import_module("demos")
    return dict(demos.DEMOS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-mini",
        description="See backpropagation: draw computation graphs and run the demos.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    draw = commands.add_parser(
        "draw",
        help="evaluate an expression, run backward, draw its computation graph",
        description="Evaluate EXPR with the engine at the --at values, run backward, write the drawing "
        "and print every named input's value and gradient.",
        epilog='example: autograd-mini draw "tanh(x*w + b)" --at x=2 w=-3 b=6.88 -o graph.svg',
    )
    draw.add_argument(
        "expression", metavar="EXPR", help=f"e.g. 'tanh(x*w + b)'; functions: {', '.join(FUNCTIONS)}"
    )
    draw.add_argument(
        "--at", nargs="+", type=_binding, default=[], metavar="NAME=NUMBER", help="input values"
    )
    draw.add_argument(
        "-o", "--output", default="graph.svg", help="file to write: .svg .png .pdf .dot (default graph.svg)"
    )
    draw.add_argument("--digits", type=int, default=4, help="significant digits shown (default 4)")
    draw.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction (default LR)")
    demo = commands.add_parser("demo", help="run a demo by name", description="Run one of the demos.")
    demo.add_argument("name", nargs="?", help="the demo to run (see --list)")
    demo.add_argument("--list", action="store_true", help="list the demos")
    demo.add_argument("--quick", action="store_true", help="the demo's fast mode, where it has one")
    return parser


def _draw(args: argparse.Namespace) -> int:
    from .viz import GraphvizNotFoundError, draw_graph, render

    values = dict(args.at)
    result, inputs = evaluate(args.expression, values)
    result.label = "out"
    result.backward()
    try:
        path = render(draw_graph(result, digits=args.digits, rankdir=args.rankdir), args.output)
    except GraphvizNotFoundError as exc:
        print(f"autograd-mini: {exc}", file=sys.stderr)
        return 1
    width = max([len(name) for name in inputs] + [5])
    print(f"{'name':<{width}}  {'value':>14}  {'gradient':>14}")
    for name, leaf in inputs.items():
        print(f"{name:<{width}}  {leaf.data:>14.6g}  {leaf.grad:>14.6g}")
    print(f"{'out':<{width}}  {result.data:>14.6g}  {'(seed 1)':>14}")
    print(f"wrote {path}")
    return 0


def _demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    demos = _demos_package()
    if args.list or args.name is None:
        for name, description in demos.items():
            print(f"{name:<20} {description}")
        return 0
    if args.name not in demos:
        parser.error(f"unknown demo {args.name!r}; known: {', '.join(demos)}")
    module = importlib.import_module(f"demos.{args.name}")
    demo_args = ["--quick"] if args.quick and args.name not in ("chain_rule", "cheatsheet_network") else []
    status: int = module.main(demo_args)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "draw":
            return _draw(args)
        return _demo(args, parser)
    except ExpressionError as exc:
        print(f"autograd-mini: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, ArithmeticError, FileNotFoundError, ImportError) as exc:
        print(f"autograd-mini: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
