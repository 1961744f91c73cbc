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

__all__ = ["build_dispatcher", "build_kernel", "dispatch_source", "kernel_source"]


def _suffix(value_operands: tuple[bool, ...]) -> str:
    """'v' for a Value operand, 'c' for a number (constant): mul_vc is Value * number."""
    return "".join("v" if is_value else "c" for is_value in value_operands)


def kernel_source(op: Op, value_operands: tuple[bool, ...]) -> str:
    """The Python source of the kernel for ``op`` with the given operand kinds."""
    if op.arity not in (1, 2) or len(value_operands) != op.arity or not any(value_operands):
        raise ValueError(f"{op.name}: needs {op.arity} operand kinds, at least one a Value")
    params = ("a", "b")[: op.arity]
    lines = [f"def {_kernel_name(op, value_operands)}({', '.join(params)}):"]
    lines += [f"    {line}" for line in _body(op, value_operands)]
    return "\n".join(lines) + "\n"


def dispatch_source(op: Op) -> str:
    """The source of ``Value <op> other`` for a binary op: the Value or number kernel inline.

    It returns NotImplemented for an operand that is not a number (Python then raises its
    usual TypeError), and OverflowError naming the op for an int too large for a float.
    One function instead of a dispatcher calling a kernel saves a call per op.
    """
    if op.arity != 2:
        raise ValueError(f"{op.name}: only a binary op has a dispatcher")
    lines = [f"def {op.name}(a, b):", "    if b.__class__ is Value:"]
    lines += [f"        {line}" for line in _body(op, (True, True))]
    lines += ["    if b.__class__ is not float:", f"        b = _number(b, {op.name!r})"]
    lines += ["        if b is None:", "            return NotImplemented"]
    lines += [f"    {line}" for line in _body(op, (True, False))]
    return "\n".join(lines) + "\n"


def _kernel_name(op: Op, value_operands: tuple[bool, ...]) -> str:
    return f"{op.name}_{_suffix(value_operands)}"


def _body(op: Op, value_operands: tuple[bool, ...]) -> list[str]:
    """Statements computing the op on operands ``a`` (and ``b``) and returning the new node."""
    names = op.operand_names
    params = ("a", "b")[: op.arity]
    lines = []
    for name, param, is_value in zip(names, params, value_operands, strict=True):
        lines.append(f"{name} = {param}._data" if is_value else f"{name} = {param}")
    lines.append("try:")
    if op.domain is not None:
        lines.append(f"    if not ({op.domain.condition}):")
        lines.append(f"        raise ValueError({op.domain.explanation!r})")
    lines.append(f"    out = {op.forward}")
    lines.append("    if _open.depth and _mode.paused:  # no_grad open in this thread")
    lines.append("        return _leaf(out)")
    locals_: list[str] = []
    for index, is_value in enumerate(value_operands):
        if not is_value:
            locals_.append("0.0")  # never read: backward skips number operands
            continue
        domain = op.grad_domain(index)
        if domain is not None:
            lines.append(f"    if not ({domain.condition}):")
            lines.append(f"        raise ValueError({domain.explanation!r})")
        lines.append(f"    d{index} = {op.derivatives[index]}")
        locals_.append(f"d{index}")
    lines.append("except (ArithmeticError, ValueError) as exc:")
    lines.append(f"    raise _op_error(_op, exc, ({', '.join(names)},)) from None")
    # A node holds at most two operands: a unary op leaves the second empty.
    operands = [*params, "None"][:2]
    derivatives = [*locals_, "0.0"][:2]
    # The node is filled in here rather than by a constructor: a call costs as much as
    # the stores themselves. The fields are Value's slots (see engine.Value).
    fields = {"_data": "out", "_grad": "0.0", "_label": "''", "_fn": "_op", "_uses": "0"}
    fields |= {"_a": operands[0], "_b": operands[1], "_da": derivatives[0], "_db": derivatives[1]}
    lines.append("node = _new_value(Value)")
    lines.extend(f"node.{field} = {code}" for field, code in fields.items())
    lines.append("return node")
    return lines


def build_kernel(
    op: Op, value_operands: tuple[bool, ...], engine_names: Mapping[str, Any]
) -> Callable[..., Any]:
    """Compile the kernel for ``op``; ``engine_names`` supplies the names it uses (engine._ENGINE_NAMES)."""
    return _build(kernel_source(op, value_operands), _kernel_name(op, value_operands), op, engine_names)


def build_dispatcher(op: Op, engine_names: Mapping[str, Any]) -> Callable[..., Any]:
    """Compile ``Value <op> other`` for a binary op (see ``dispatch_source``)."""
    return _build(dispatch_source(op), op.name, op, engine_names)


def _build(source: str, name: str, op: Op, engine_names: Mapping[str, Any]) -> Callable[..., Any]:
    filename = f"<autograd_mini kernel {name}>"
    # Register the source so that tracebacks through a kernel show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {**FORMULA_NAMES, **engine_names, "_op": op}
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - our own op table, never user text
    kernel: Callable[..., Any] = scope[name]
    return kernel
