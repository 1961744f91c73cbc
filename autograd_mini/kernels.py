"""Build the engine's kernels from the op table.

A kernel computes one op's value and, in the same step, its local derivatives,
then records the node: the forward half and the local half of the x,y -> z
diagram. One kernel is built per op and per operand kind (Value or number),
so that no derivative is computed for a number operand, which never needs one.
Only the op table's own formulas enter the generated code, never user text.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .ops import FORMULA_NAMES, Op

__all__ = [
    "build_dispatcher",
    "build_kernel",
    "build_multiply_add",
    "dispatch_source",
    "kernel_source",
    "multiply_add_source",
]


# The kernels' parameters: Value's methods are the kernels themselves (engine), so they
# carry the methods' names.
_PARAMS = ("self", "other")


def _suffix(value_operands: tuple[bool, ...]) -> str:
    """'v' for a Value operand, 'c' for a number (constant): mul_vc is Value * number."""
    return "".join("v" if is_value else "c" for is_value in value_operands)


def kernel_source(op: Op, value_operands: tuple[bool, ...]) -> str:
    """The Python source of the kernel for ``op`` with the given operand kinds."""
    if op.arity not in (1, 2) or len(value_operands) != op.arity or not any(value_operands):
        raise ValueError(f"{op.name}: needs {op.arity} operand kinds, at least one a Value")
    params = _PARAMS[: op.arity]
    lines = [f"def {_kernel_name(op, value_operands)}({', '.join(params)}):"]
    lines += [f"    {line}" for line in _body(op, value_operands, params)]
    return "\n".join(lines) + "\n"


def dispatch_source(op: Op) -> str:
    """The source of ``Value <op> other`` for a binary op: the Value or number kernel inline.

    It returns NotImplemented for an operand that is not a number (Python then raises its
    usual TypeError), and OverflowError naming the op for an int too large for a float.
    One function instead of a dispatcher calling a kernel saves a call per op.
    """
    if op.arity != 2:
        raise ValueError(f"{op.name}: only a binary op has a dispatcher")
    lines = [f"def {op.name}(self, other):", "    if other.__class__ is Value:"]
    lines += [f"        {line}" for line in _body(op, (True, True), _PARAMS)]
    lines += ["    if other.__class__ is not float:", f"        other = _number(other, {op.name!r})"]
    lines += ["        if other is None:", "            return NotImplemented"]
    lines += [f"    {line}" for line in _body(op, (True, False), _PARAMS)]
    return "\n".join(lines) + "\n"


def multiply_add_source(mul: Op, add: Op) -> str:
    """The source of ``multiply_add(total, ws, xs)``: total + ws[0]*xs[0] + ws[1]*xs[1] + ...

    A neuron's weighted sum, built node for node as the operators build it (each product,
    then the running sum plus it), with both kernels' bodies inlined into one loop: two
    calls fewer per input. A pair that is not (Value, Value or float) goes through the
    operators, and so does everything under ``no_grad``.
    """
    lines = ["def multiply_add(total, ws, xs):", "    pairs = zip(ws, xs, strict=True)"]
    lines += ["    if (_open.depth and _mode.paused) or total.__class__ is not Value:"]
    lines += ["        return _by_operators(total, pairs)", "    for a, b in pairs:"]
    lines += ["        if a.__class__ is not Value:  # a weight replaced by a number: the operators decide"]
    lines += ["            return _by_operators(total + a * b, pairs)"]
    lines += ["        if b.__class__ is Value:"]
    lines += [f"            {line}" for line in _body(mul, (True, True), ("a", "b"), "term", "_mul")]
    lines += ["        elif b.__class__ is float:"]
    lines += [f"            {line}" for line in _body(mul, (True, False), ("a", "b"), "term", "_mul")]
    lines += ["        else:  # no float: Python's operator rules decide what a * b is"]
    lines += ["            return _by_operators(total + a * b, pairs)"]
    lines += [f"        {line}" for line in _body(add, (True, True), ("total", "term"), "total", "_add")]
    lines += ["    return total"]
    return "\n".join(lines) + "\n"


def _by_operators(total: Any, pairs: Iterable[tuple[Any, Any]]) -> Any:
    """The rest of ``multiply_add`` with the operators: under no_grad, or for operands of other types."""
    for a, b in pairs:
        total = total + a * b
    return total


def _kernel_name(op: Op, value_operands: tuple[bool, ...]) -> str:
    return f"{op.name}_{_suffix(value_operands)}"


def _body(
    op: Op,
    value_operands: tuple[bool, ...],
    params: tuple[str, ...],
    into: str | None = None,
    op_ref: str = "_op",
) -> list[str]:
    """Statements computing the op on operands ``params`` and returning the new node.

    With ``into``, the node is stored in that variable instead, and the caller must have
    checked ``no_grad`` already (the body is then inlined into a loop). ``op_ref`` is the
    name under which the generated code finds ``op``.
    """
    names = op.operand_names
    params = params[: op.arity]
    lines = []
    for name, param, is_value in zip(names, params, value_operands, strict=True):
        lines.append(f"{name} = {param}._data" if is_value else f"{name} = {param}")
    lines.append("try:")
    if op.domain is not None:
        lines.append(f"    if not ({op.domain.condition}):")
        lines.append(f"        raise ValueError({op.domain.explanation!r})")
    lines.append(f"    out = {op.forward}")
    if into is None:
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
    lines.append(f"    raise _op_error({op_ref}, exc, ({', '.join(names)},)) from None")
    # A node holds at most two operands: a unary op leaves the second empty.
    operands = [*params, "None"][:2]
    derivatives = [*locals_, "0.0"][:2]
    # The node is filled in here rather than by a constructor: a call costs as much as
    # the stores themselves. The fields are Value's slots (see engine.Value).
    fields = {"_data": "out", "_grad": "0.0", "_label": "''", "_fn": op_ref, "_uses": "0"}
    fields |= {"_a": operands[0], "_b": operands[1], "_da": derivatives[0], "_db": derivatives[1]}
    lines.append("node = _new_value(Value)")
    lines.extend(f"node.{field} = {code}" for field, code in fields.items())
    lines.append("return node" if into is None else f"{into} = node")
    return lines


def build_kernel(
    op: Op, value_operands: tuple[bool, ...], engine_names: Mapping[str, Any]
) -> Callable[..., Any]:
    """Compile the kernel for ``op``; ``engine_names`` supplies the names it uses (engine._ENGINE_NAMES)."""
    name = _kernel_name(op, value_operands)
    return _build(kernel_source(op, value_operands), name, {**engine_names, "_op": op})


def build_dispatcher(op: Op, engine_names: Mapping[str, Any]) -> Callable[..., Any]:
    """Compile ``Value <op> other`` for a binary op (see ``dispatch_source``)."""
    return _build(dispatch_source(op), op.name, {**engine_names, "_op": op})


def build_multiply_add(mul: Op, add: Op, engine_names: Mapping[str, Any]) -> Callable[..., Any]:
    """Compile ``multiply_add`` (see ``multiply_add_source``)."""
    names = {**engine_names, "_by_operators": _by_operators, "_mul": mul, "_add": add}
    return _build(multiply_add_source(mul, add), "multiply_add", names)


def _build(source: str, name: str, names: Mapping[str, Any]) -> Callable[..., Any]:
    filename = f"<autograd_mini kernel {name}>"
    # Register the source so that tracebacks through a kernel show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {**FORMULA_NAMES, **names}
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - our own op table, never user text
    kernel: Callable[..., Any] = scope[name]
    return kernel
