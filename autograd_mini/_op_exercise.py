"""Try a new op table entry before adding it to ``ops.py``: build its kernel and gradcheck it.

A learner writes an ``ops.Op`` as ``ops.py`` would hold it (formula strings over x, y, out);
``check_op`` validates every formula with the op table's own whitelist (the JavaScript
translator accepts only numbers, the operand names, arithmetic, comparisons and the table's
functions, so no attribute, subscript or other call can reach the compiler), builds the
engine's kernel for it as ``make kernels`` would, and compares backward with central
differences at a few points. Every problem comes back as a message, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .engine import KERNEL_NAMES, Value
from .gradcheck import GradcheckReport, gradcheck
from .js_codegen import CodegenError, translate
from .kernels import build_kernel
from .ops import Op

__all__ = ["OpCheck", "check_op", "op_function"]

DEFAULT_POINTS = (-1.7, -0.6, 0.35, 1.3, 2.2)


@dataclass(frozen=True)
class OpCheck:
    """Whether an op entry's derivatives agree with central differences, and what went wrong."""

    ok: bool
    message: str
    reports: tuple[GradcheckReport, ...] = ()

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message


def _entry_problem(op: object) -> str:
    """Why ``op`` cannot be built into a kernel, or ''."""
    if not isinstance(op, Op):
        return f"an op table entry is an ops.Op(name, symbol, forward, derivatives), got {type(op).__name__}"
    if not op.name.isidentifier():
        return f"the op's name must be an identifier such as 'softsign', got {op.name!r}"
    if not isinstance(op.derivatives, tuple) or len(op.derivatives) not in (1, 2):
        return "derivatives must be a tuple of one formula (for f(x)) or two (for f(x, y))"
    names = op.operand_names
    formulas = [("forward", op.forward, names)]
    formulas += [
        (f"derivative d/d{n}", d, (*names, "out")) for n, d in zip(names, op.derivatives, strict=True)
    ]
    domains = [
        ("domain", op.domain),
        *((f"domain of d/d{n}", op.grad_domain(i)) for i, n in enumerate(names)),
    ]
    formulas += [(what, domain.condition, names) for what, domain in domains if domain is not None]
    for what, formula, allowed in formulas:
        if formula is None or (isinstance(formula, str) and not formula.strip()):
            return f"the {what} formula is missing: write it as a string over {', '.join(allowed)}"
        if not isinstance(formula, str):
            return (
                f"the {what} formula must be a string over {', '.join(allowed)}, got {type(formula).__name__}"
            )
        try:
            translate(formula, allowed)
        except CodegenError as exc:
            return f"the {what} formula cannot go in the op table: {exc}"
    return ""


def op_function(op: Op) -> Callable[..., Value]:
    """The engine's kernel for ``op`` on Value operands, as Value's method runs it (``op`` checked first)."""
    problem = _entry_problem(op)
    if problem:
        raise ValueError(f"op_function: {problem}")
    kernel: Callable[..., Value] = build_kernel(op, (True,) * op.arity, KERNEL_NAMES)
    return kernel


def check_op(
    op: object, points: Sequence[float] = DEFAULT_POINTS, atol: float = 1e-5, rtol: float = 1e-4
) -> OpCheck:
    """gradcheck of ``op``'s derivatives at each point (pairs of points for a binary op); never raises."""
    problem = _entry_problem(op)
    if problem:
        return OpCheck(False, problem)
    assert isinstance(op, Op)
    f = op_function(op)
    inputs = [(p,) for p in points] if op.arity == 1 else [(p, q) for p in points for q in points[::2]]
    reports = []
    for args in inputs:
        try:
            report = gradcheck(f, args, atol=atol, rtol=rtol, raise_exception=False)
        except (ArithmeticError, ValueError):  # outside the op's domain there: another point
            continue
        reports.append(report)
        if not report.ok:
            return OpCheck(
                False, f"{op.name}: the derivative disagrees with central differences\n{report}", (report,)
            )
    if not reports:
        return OpCheck(False, f"{op.name}: no point of {list(points)} is inside the op's domain; pass others")
    return OpCheck(
        True, f"{op.name}: gradcheck passed at {len(reports)} points (atol={atol:g}, rtol={rtol:g})"
    )
