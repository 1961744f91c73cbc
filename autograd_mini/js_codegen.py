"""The op table in JavaScript: each formula string translated with ``ast``, never written by hand.

The explorer page recomputes forward and backward in the browser after a leaf is edited; its
math is this translation of ``ops.OPS``, so a new op reaches the page by being added to the
table. Python's float semantics are kept where JavaScript differs: ``/`` by zero, ``**`` and the
``math`` functions raise (ZeroDivisionError, OverflowError, ValueError) through small runtime
helpers (``PY_RUNTIME``) instead of giving inf or nan, and ``a if c else b`` becomes ``c ? a : b``.
The table's ``power(a, b)`` becomes ``$py.power``, itself translated from ``ops.POWER``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable

from .ops import FORMULA_NAMES, OPS, POWER, Domain, Op

__all__ = ["CodegenError", "PY_RUNTIME", "op_table_js", "strong_zero_js", "translate"]


class CodegenError(ValueError):
    """A formula uses something the JavaScript translation does not know."""


# FORMULA_NAMES entries -> JavaScript. A function's kind says what Python's math module raises
# when a finite argument gives an infinite result: OverflowError ("range") or ValueError ("domain").
_FUNCTIONS: dict[str, tuple[str, str]] = {
    "exp": ("Math.exp", "range"),
    "expm1": ("Math.expm1", "range"),
    "log": ("Math.log", "domain"),
    "log1p": ("Math.log1p", "domain"),
    "sqrt": ("Math.sqrt", "domain"),
    "tanh": ("Math.tanh", "domain"),
    "sin": ("Math.sin", "domain"),
    "cos": ("Math.cos", "domain"),
}
# strong_zero's value is 0 on the page; that it is the strong zero (g * it = +0.0 for every g,
# inf and nan too) is told apart by the op's generated strong[i] (see strong_zero_js), for the
# page's backward to multiply with $py.times(g, local, strong).
_STRONG_ZERO = "strong_zero"
_CONSTANTS = {"inf": "Infinity", _STRONG_ZERO: "0.0"}
_EXACT = {"abs": "Math.abs"}  # builtins that never raise on a float

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_HELPERS = {ast.Div: "$py.div", ast.Pow: "$py.pow", ast.Mod: "$py.mod"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===", ast.NotEq: "!=="}


def translate(formula: str, names: Iterable[str] = ("x", "y", "out")) -> str:
    """A formula of the op table as a JavaScript expression over the same variable names."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise CodegenError(f"cannot parse formula {formula!r}: {exc.msg}") from None
    return _Translator(formula, frozenset(names)).expr(tree.body)


class _Translator:
    """Python expression nodes -> JavaScript text, fully parenthesised (precedence never matters)."""

    def __init__(self, formula: str, names: frozenset[str]) -> None:
        self.formula, self.names = formula, names

    def fail(self, what: str) -> CodegenError:
        return CodegenError(f"formula {self.formula!r}: {what} has no JavaScript translation")

    def expr(self, node: ast.expr) -> str:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and node.value is not True
            and node.value is not False
        ):
            return repr(float(node.value))
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.IfExp):
            return f"({self.condition(node.test)} ? {self.expr(node.body)} : {self.expr(node.orelse)})"
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            joiner = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + joiner.join(self.condition(v) for v in node.values) + ")"
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(type(node).__name__)

    def name(self, name: str) -> str:
        if name in self.names:
            return name
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        raise self.fail(f"the name {name!r}")

    def unary(self, node: ast.UnaryOp) -> str:
        if isinstance(node.op, ast.USub):
            return f"(-{self.expr(node.operand)})"
        if isinstance(node.op, ast.UAdd):
            return self.expr(node.operand)
        if isinstance(node.op, ast.Not):
            return f"(!{self.condition(node.operand)})"
        raise self.fail(type(node.op).__name__)

    def binary(self, node: ast.BinOp) -> str:
        left, right = self.expr(node.left), self.expr(node.right)
        kind = type(node.op)
        if kind in _BINARY:
            return f"({left} {_BINARY[kind]} {right})"
        if kind in _HELPERS:
            return f"{_HELPERS[kind]}({left}, {right})"
        raise self.fail(f"the operator {kind.__name__}")

    def compare(self, node: ast.Compare) -> str:
        # a < b < c is (a < b) && (b < c); the formulas are pure, so b may be computed twice
        operands = [self.expr(node.left), *(self.expr(c) for c in node.comparators)]
        parts = []
        for index, op in enumerate(node.ops):
            if type(op) not in _COMPARE:
                raise self.fail(f"the comparison {type(op).__name__}")
            parts.append(f"({operands[index]} {_COMPARE[type(op)]} {operands[index + 1]})")
        return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"

    def condition(self, node: ast.expr) -> str:
        """A test as a JS boolean with Python's truth: a number is true unless 0 (nan is true)."""
        if isinstance(node, (ast.Compare, ast.BoolOp)) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            return self.expr(node)
        return f"({self.expr(node)} !== 0)"

    def call(self, node: ast.Call) -> str:
        if isinstance(node.func, ast.Name) and node.func.id == "power" and len(node.args) == 2:
            return f"$py.power({self.expr(node.args[0])}, {self.expr(node.args[1])})"  # ops.POWER
        if not isinstance(node.func, ast.Name) or node.keywords or len(node.args) != 1:
            raise self.fail("a call other than f(one argument) or power(x, y)")
        name = node.func.id
        if name not in FORMULA_NAMES:
            raise self.fail(f"the function {name!r} (not in ops.FORMULA_NAMES)")
        argument = self.expr(node.args[0])
        if name in _EXACT:
            return f"{_EXACT[name]}({argument})"
        if name not in _FUNCTIONS:
            raise self.fail(f"the function {name!r} (add it to js_codegen._FUNCTIONS)")
        function, kind = _FUNCTIONS[name]
        return f"$py.call({function}, {argument}, {json.dumps(kind)})"


def strong_zero_js(formula: str, names: Iterable[str] = ("x", "y", "out")) -> str | None:
    """A JS test: does ``formula`` give ops.STRONG_ZERO at these operands? None if it never does.

    The formula's value is a strong zero only when it is the name itself, chosen by an
    if-expression (``strong_zero if x <= 0.0 else 1.0``); arithmetic on it gives plain floats.
    """
    body = ast.parse(formula, mode="eval").body
    if not any(isinstance(node, ast.Name) and node.id == _STRONG_ZERO for node in ast.walk(body)):
        return None
    translator = _Translator(formula, frozenset(names))

    def chosen(node: ast.expr) -> str:
        if isinstance(node, ast.Name) and node.id == _STRONG_ZERO:
            return "true"
        if isinstance(node, ast.IfExp):
            return f"({translator.condition(node.test)} ? {chosen(node.body)} : {chosen(node.orelse)})"
        return "false"

    return chosen(body)


def _domain_js(domain: Domain | None, names: tuple[str, ...]) -> str:
    if domain is None:
        return "null"
    test = _Translator(domain.condition, frozenset(names)).condition(
        ast.parse(domain.condition, "", "eval").body
    )
    params = ", ".join(names)
    return f"{{test: function({params}) {{ return {test}; }}, explanation: {_js_string(domain.explanation)}}}"


def _js_string(text: str) -> str:
    """A JS string literal safe inside an HTML <script> element."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def op_js(op: Op) -> str:
    """One op as a JavaScript object: forward, derivatives, domains, from the table's strings."""
    names = op.operand_names
    params = ", ".join(names)
    derivatives = ", ".join(
        f"function({params}, out) {{ return {translate(d, (*names, 'out'))}; }}" for d in op.derivatives
    )
    grad_domains = ", ".join(_domain_js(op.grad_domain(i), names) for i in range(op.arity))
    tests = [strong_zero_js(d, (*names, "out")) for d in op.derivatives]
    strong = ", ".join("null" if t is None else f"function({params}, out) {{ return {t}; }}" for t in tests)
    return (
        f"{{name: {_js_string(op.name)}, symbol: {_js_string(op.symbol)}, names: {json.dumps(list(names))}, "
        f"forward: function({params}) {{ return {translate(op.forward, names)}; }}, "
        f"derivatives: [{derivatives}], domain: {_domain_js(op.domain, names)}, "
        f"gradDomains: [{grad_domains}], strong: [{strong}]}}"
    )


def op_table_js(names: Iterable[str] | None = None) -> str:
    """``{name: op, ...}`` in JavaScript for the given ops of the table (all of them by default)."""
    chosen = list(OPS) if names is None else list(dict.fromkeys(names))
    unknown = [name for name in chosen if name not in OPS]
    if unknown:
        raise CodegenError(f"not in the op table: {', '.join(unknown)}")
    entries = ",\n".join(f"  {json.dumps(name)}: {op_js(OPS[name])}" for name in chosen)
    return "{\n" + entries + "\n}"


# Python's float semantics where JavaScript's differ. Errors are thrown as {pyType, message}
# and turned into the engine's message (engine._op_error) by the page's kernel.
_RUNTIME = r"""
const $py = {
  error(type, message) { const e = new Error(message); e.pyType = type; return e; },
  div(a, b) {
    if (b === 0) throw $py.error("ZeroDivisionError", "float division by zero");
    return a / b;
  },
  mod(a, b) {
    if (b === 0) throw $py.error("ZeroDivisionError", "float modulo");
    const r = a % b;
    return (r !== 0 && (r < 0) !== (b < 0)) ? r + b : r;
  },
  // The table's power(x, y): ops.POWER translated (x * x and sqrt(x) written out, not left to
  // V8's own special cases of Math.pow).
  power(x, y) { return POWER_JS; },
  // Python's float **.
  pow(a, b) {
    if (a === 1 || b === 0) return 1;
    if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
    if (a === 0 && b < 0 && isFinite(b)) throw $py.error("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    if (a < 0 && isFinite(a) && isFinite(b) && b % 1 !== 0) throw $py.error("ValueError", "complex result");
    // Chromium's Math.pow is C's pow() (V8 calls std::pow: glibc on Linux, as CPython does),
    // bit for bit, except that V8 computes y = 2 as x * x and y = 0.5 as sqrt(x); power
    // reaches here with those only where the results agree (overflow, zeros, infinities, nan).
    const r = Math.pow(a, b);
    if (!isFinite(r) && !isNaN(r) && isFinite(a) && isFinite(b))
      throw $py.error("OverflowError", "Numerical result out of range");
    return r;
  },
  // g * local as the engine's backward pass multiplies: a strong zero (ops.StrongZero, its
  // op's strong[i] true) gives +0.0 whatever g is, inf and nan included.
  times(g, local, strong) { return strong ? 0 : g * local; },
  call(f, a, kind) {
    const r = f(a);
    if (isNaN(r) && !isNaN(a)) throw $py.error("ValueError", "math domain error");
    if (!isFinite(r) && !isNaN(r) && isFinite(a))
      throw kind === "range" ? $py.error("OverflowError", "math range error")
                             : $py.error("ValueError", "math domain error");
    return r;
  },
};
"""  # noqa: E501 - JavaScript

PY_RUNTIME = _RUNTIME.replace("POWER_JS", translate(POWER, ("x", "y")))
