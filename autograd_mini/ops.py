"""The op table: every operation's forward formula and local derivatives, written once.

Each formula is a Python expression over the operand values ``x`` (and ``y``);
derivative formulas may also use ``out``, the op's result. These strings are the
only place the math lives: the eager engine (``kernels.py``), the compiled mode
and the drawings all read them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FORMULA_NAMES", "OPS", "Domain", "Op"]


@dataclass(frozen=True)
class Domain:
    """A precondition on the operands: a Python condition and the sentence shown when it fails."""

    condition: str
    explanation: str


@dataclass(frozen=True)
class Op:
    """One operation: z = forward(x[, y]) and its local derivatives dz/dx[, dz/dy]."""

    name: str
    symbol: str
    forward: str
    derivatives: tuple[str, ...]
    domain: Domain | None = None
    # Extra preconditions for an operand's derivative, checked only when that operand is a Value.
    grad_domains: tuple[Domain | None, ...] = ()

    @property
    def arity(self) -> int:
        """Number of operands (1 or 2)."""
        return len(self.derivatives)

    @property
    def operand_names(self) -> tuple[str, ...]:
        """The names the formulas use for the operands: ('x',) or ('x', 'y')."""
        return ("x", "y")[: self.arity]

    def grad_domain(self, index: int) -> Domain | None:
        """The extra precondition for the derivative with respect to operand ``index``."""
        return self.grad_domains[index] if index < len(self.grad_domains) else None


# The functions and constants the formulas may call: nothing else is in scope for them.
FORMULA_NAMES: dict[str, object] = {
    "exp": math.exp,
    "expm1": math.expm1,
    "log": math.log,
    "log1p": math.log1p,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "inf": math.inf,
    "abs": abs,
}

_POSITIVE = Domain("x > 0.0", "needs x > 0")

OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("add", "+", "x + y", ("1.0", "1.0")),
        Op("sub", "-", "x - y", ("1.0", "-1.0")),
        Op("mul", "*", "x * y", ("y", "x")),
        Op("div", "/", "x / y", ("1.0 / y", "-out / y")),
        Op(
            "pow",
            "**",
            "x ** y",
            (
                # Only for 0 < |x| < 1 and y < 1 can x**(y-1) overflow while x**y does not:
                # there out / x is the same number and a float division gives inf, not an error.
                # x**(y-1) at x = 0 is a division by zero for y < 1: use the limit instead.
                "y * (out / x) if y < 1.0 and 0.0 < abs(x) < 1.0 else "
                "(y * x ** (y - 1.0) if x != 0.0 or y >= 1.0 else (0.0 if y == 0.0 else inf))",
                "out * log(x)",
            ),
            domain=Domain(
                "x >= 0.0 or y % 1.0 == 0.0",  # y % 1.0 is nan for inf and nan: refused
                "a negative base needs an integer exponent (the result would be complex)",
            ),
            grad_domains=(
                None,
                Domain("x > 0.0", "a Value exponent needs base x > 0 (d/dy = x**y * ln(x))"),
            ),
        ),
        Op("neg", "neg", "-x", ("-1.0",)),
        Op("abs", "abs", "abs(x)", ("1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)",)),
        Op("exp", "exp", "exp(x)", ("out",)),
        Op("log", "log", "log(x)", ("1.0 / x",), domain=_POSITIVE),
        # exp(x) - 1 and log(1 + x), exact near x = 0; softplus's derivative uses expm1,
        # so its second derivative needs expm1 as an op of its own.
        Op("expm1", "expm1", "expm1(x)", ("exp(x)",)),
        Op("log1p", "log1p", "log1p(x)", ("1.0 / (1.0 + x)",), domain=Domain("x > -1.0", "needs x > -1")),
        Op(
            "sqrt",
            "sqrt",
            "sqrt(x)",
            ("0.5 / out if out != 0.0 else inf",),
            domain=Domain("x >= 0.0", "needs x >= 0"),
        ),
        Op("tanh", "tanh", "tanh(x)", ("1.0 - out * out",)),
        # Two branches so that exp never overflows: exp(-|x|) <= 1.
        Op(
            "sigmoid",
            "sigmoid",
            "1.0 / (1.0 + exp(-x)) if x >= 0.0 else exp(x) / (1.0 + exp(x))",
            ("out * (1.0 - out)",),
        ),
        # Written so that nan passes through, as in PyTorch: relu(nan) = nan with slope 1.
        Op("relu", "relu", "0.0 if x < 0.0 else x", ("0.0 if x <= 0.0 else 1.0",)),
        # The slope is the second operand, so a Value slope (PReLU) gets its gradient too.
        Op(
            "leaky_relu",
            "leaky_relu",
            "x if x > 0.0 else y * x",
            ("1.0 if x > 0.0 else y", "0.0 if x > 0.0 else x"),
        ),
        # log(1 + e^x) written so that e^x never overflows; its derivative is
        # sigmoid(x) = 1 - e^(-out), computed with expm1 to stay exact for tiny out.
        Op(
            "softplus",
            "softplus",
            "log1p(exp(-abs(x))) + (x if x > 0.0 else 0.0)",
            ("-expm1(-out)",),
        ),
        Op("sin", "sin", "sin(x)", ("cos(x)",)),
        Op("cos", "cos", "cos(x)", ("-sin(x)",)),
    )
}
