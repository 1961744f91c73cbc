"""Build the engine's kernels from the op table.

A kernel computes one op's value and, in the same step, its local derivatives,
then records the node: the forward half and the local half of the x,y -> z
diagram. One kernel is built per op and per operand kind (Value or number),
so that no derivative is computed for a number operand, which never needs one.
Only the op table's own formulas enter the generated code, never user text.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable, Mapping
from typing import Any

from .ops import FORMULA_NAMES, Op

__all__ = ["build_kernel", "kernel_source"]


def _suffix(value_operands: tuple[bool, ...]) -> str:
    """'v' for a Value operand, 'c' for a number (constant): mul_vc is Value * number."""
    return "".join("v" if is_value else "c" for is_value in value_operands)


def kernel_source(op: Op, value_operands: tuple[bool, ...]) -> str:
    """The Python source of the kernel for ``op`` with the given operand kinds."""
    if op.arity not in (1, 2) or len(value_operands) != op.arity or not any(value_operands):
        raise ValueError(f"{op.name}: needs {op.arity} operand kinds, at least one a Value")
    names = op.operand_names
    params = ("a", "b")[: op.arity]
    lines = [f"def {op.name}_{_suffix(value_operands)}({', '.join(params)}):"]
    for name, param, is_value in zip(names, params, value_operands, strict=True):
        lines.append(f"    {name} = {param}._data" if is_value else f"    {name} = {param}")
    lines.append("    try:")
    if op.domain is not None:
        lines.append(f"        if not ({op.domain.condition}):")
        lines.append(f"            raise ValueError({op.domain.explanation!r})")
    lines.append(f"        out = {op.forward}")
    lines.append("        if _open.depth and _mode.paused:  # no_grad open in this thread")
    lines.append("            return _leaf(out)")
    locals_: list[str] = []
    for index, is_value in enumerate(value_operands):
        if not is_value:
            locals_.append("0.0")  # never read: backward skips number operands
            continue
        domain = op.grad_domain(index)
        if domain is not None:
            lines.append(f"        if not ({domain.condition}):")
            lines.append(f"            raise ValueError({domain.explanation!r})")
        lines.append(f"        d{index} = {op.derivatives[index]}")
        locals_.append(f"d{index}")
    lines.append("    except (ArithmeticError, ValueError) as exc:")
    lines.append(f"        raise _op_error(_op, exc, ({', '.join(names)},)) from None")
    # A node holds at most two operands: a unary op leaves the second empty.
    operands = [*params, "None"][:2]
    derivatives = [*locals_, "0.0"][:2]
    # The node is filled in here rather than by a constructor: a call costs as much as
    # the stores themselves. The fields are Value's slots (see engine.Value).
    fields = {"_data": "out", "_grad": "0.0", "_label": "''", "_fn": "_op", "_uses": "0"}
    fields |= {"_a": operands[0], "_b": operands[1], "_da": derivatives[0], "_db": derivatives[1]}
    lines.append("    node = _new_value(Value)")
    lines.extend(f"    node.{field} = {code}" for field, code in fields.items())
    lines.append("    return node")
    return "\n".join(lines) + "\n"


def build_kernel(
    op: Op, value_operands: tuple[bool, ...], engine_names: Mapping[str, Any]
) -> Callable[..., Any]:
    """Compile the kernel for ``op``; ``engine_names`` supplies the names it uses (engine._ENGINE_NAMES)."""
    source = kernel_source(op, value_operands)
    name = f"{op.name}_{_suffix(value_operands)}"
    filename = f"<autograd_mini kernel {name}>"
    # Register the source so that tracebacks through a kernel show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {**FORMULA_NAMES, **engine_names, "_op": op}
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - our own op table, never user text
    kernel: Callable[..., Any] = scope[name]
    return kernel
