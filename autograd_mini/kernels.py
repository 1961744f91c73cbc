"""Write the engine's kernels from the op table.

A kernel computes one op's value and, in the same step, its local derivatives, then
records the node: the forward half and the local half of the x,y -> z diagram. Value's
arithmetic methods are such kernels. They are written by ``module_source`` into
``_kernels_generated.py``, a checked-in file a reader (and "go to definition") can open;
``make kernels`` (``tools/generate_kernels.py``) writes it again after the op table
changes, and a test fails while it is out of date.

The compiled mode builds kernels for the operand kinds it replays with ``build_kernel``,
from the same statements. Only the op table's own formulas enter the generated code,
never user text.
"""

from __future__ import annotations

import builtins
import linecache
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .ops import FORMULA_NAMES, OPS, Op, inline_power

__all__ = [
    "GENERATED_PATH",
    "build_kernel",
    "kernel_source",
    "module_source",
    "multiply_add_source",
]

GENERATED_PATH = Path(__file__).with_name("_kernels_generated.py")

# The kernels' parameters: Value's methods are the kernels themselves, so they carry the
# methods' names.
_PARAMS = ("self", "other")


def _suffix(value_operands: tuple[bool, ...]) -> str:
    """'v' for a Value operand, 'c' for a number (constant): mul_vc is Value * number."""
    return "".join("v" if is_value else "c" for is_value in value_operands)


def _op_constant(op: Op) -> str:
    """The generated module's name for an op table entry: _MUL for mul."""
    return f"_{op.name.upper()}"


def kernel_source(op: Op, value_operands: tuple[bool, ...]) -> str:
    """The Python source of the kernel for ``op`` with the given operand kinds (True: a Value)."""
    if op.arity not in (1, 2) or len(value_operands) != op.arity or not any(value_operands):
        raise ValueError(f"{op.name}: needs {op.arity} operand kinds, at least one a Value")
    params = _PARAMS[: op.arity]
    lines = [f"def {op.name}_{_suffix(value_operands)}({', '.join(params)}):"]
    lines += _indent(_body(op, value_operands, params), 1)
    return "\n".join(lines) + "\n"


def _indent(lines: Iterable[str], depth: int) -> list[str]:
    return [("    " * depth + line) if line else "" for line in lines]


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
    lines.append(f"    out = {inline_power(op.forward)}")  # power(a, b) inline: no call
    if into is None:
        lines.append("    if _open.depth and _mode.paused:  # no_grad open in this thread")
        lines.append("        return new_leaf(out)")
    locals_: list[str] = []
    for index, is_value in enumerate(value_operands):
        if not is_value:
            locals_.append("0.0")  # never read: backward skips number operands
            continue
        domain = op.grad_domain(index)
        if domain is not None:
            lines.append(f"    if not ({domain.condition}):")
            lines.append(f"        raise ValueError({domain.explanation!r})")
        lines.append(f"    d{index} = {inline_power(op.derivatives[index])}")
        locals_.append(f"d{index}")
    lines.append("except (ArithmeticError, ValueError) as exc:")
    operand_tuple = f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
    lines.append(f"    raise _op_error({op_ref}, exc, {operand_tuple}) from None")
    # A node holds at most two operands: a unary op leaves the second empty.
    operands = [*params, "None"][:2]
    derivatives = [*locals_, "0.0"][:2]
    # The node is filled in here rather than by a constructor: a call costs as much as
    # the stores themselves. The fields are Value's slots (see engine.Value).
    fields = {"_data": "out", "_grad": "0.0", "_label": '""', "_op_def": op_ref, "_uses": "0"}
    fields |= {"_a": operands[0], "_b": operands[1], "_da": derivatives[0], "_db": derivatives[1]}
    lines.append("node = _new_value(Value)")
    for field, code in fields.items():
        # The mixin's self is a Value at run time; mypy knows it only as the mixin.
        ignore = "  # type: ignore[assignment]" if code == "self" else ""
        lines.append(f"node.{field} = {code}{ignore}")
    lines.append("return node" if into is None else f"{into} = node")
    return lines


# -- Value's methods --------------------------------------------------------------------


def _operator_source(op: Op) -> list[str]:
    """``Value <op> other``: the Value or number kernel inline, NotImplemented for other types.

    One function instead of a dispatcher calling a kernel saves a call per op. An int too
    large for a float raises OverflowError naming the op.
    """
    ref = _op_constant(op)
    lines = [f"def {op.method}(self, other: Value | Number) -> Value:", f'    """{op.doc}"""']
    lines += ["    if other.__class__ is Value:"]
    lines += _indent(_body(op, (True, True), ("self", "other"), op_ref=ref), 2)
    lines += ["    number: float | None", "    if other.__class__ is float:", "        number = other"]
    lines += ["    else:", f'        number = _number(other, "{op.name}")', "        if number is None:"]
    lines += ["            return NotImplemented  # Python then raises its usual TypeError"]
    lines += _indent(_body(op, (True, False), ("self", "number"), op_ref=ref), 1)
    return lines


def _reflected_source(op: Op) -> list[str]:
    """``number <op> Value``: the number is the left operand x."""
    ref = _op_constant(op)
    doc = f"number {op.symbol} self, the number on the left: see {op.method}."
    lines = [f"def {op.reflected}(self, other: Number) -> Value:", f'    """{doc}"""']
    lines += [f'    number = _number(other, "{op.name}")', "    if number is None:"]
    lines += ["        return NotImplemented"]
    lines += _indent(_body(op, (False, True), ("number", "self"), op_ref=ref), 1)
    return lines


def _parameter_method_source(op: Op) -> list[str]:
    """A binary op called as a method with a named second operand and a default: ``v.leaky_relu(slope)``."""
    assert op.parameter is not None
    ref = _op_constant(op)
    name, default = op.parameter
    lines = [f"def {op.method}(self, {name}: Value | Number = {default!r}) -> Value:", f'    """{op.doc}"""']
    lines += [f"    if {name}.__class__ is Value:"]
    lines += _indent(_body(op, (True, True), ("self", name), op_ref=ref), 2)
    lines += [f'    number = _number({name}, "{op.name}")', "    if number is None:"]
    message = f"{op.method}: {name} must be a number or Value, got {{type({name}).__name__}}"
    lines += [f'        raise TypeError(f"{message}")']
    lines += _indent(_body(op, (True, False), ("self", "number"), op_ref=ref), 1)
    return lines


def _unary_source(op: Op) -> list[str]:
    lines = [f"def {op.method}(self) -> Value:", f'    """{op.doc}"""']
    lines += _indent(_body(op, (True,), ("self",), op_ref=_op_constant(op)), 1)
    return lines


def _check_entry(op: Op) -> None:
    """Refuse an entry the generator would turn into a wrong method: say what to change."""
    where = f"op table entry {op.name!r}"
    dunder = op.method.startswith("__") and op.method.endswith("__")
    if op.reflected and (op.arity != 2 or not dunder or op.parameter is not None):
        raise ValueError(f"{where}: reflected= is for a binary operator method such as __mul__")
    if op.parameter is not None and (op.arity != 2 or dunder):
        raise ValueError(f"{where}: parameter= is for a binary op called as a named method")
    if op.arity == 2 and op.method and not dunder and op.parameter is None:
        raise ValueError(f"{where}: a binary op with method {op.method!r} needs parameter=(name, default)")
    if (op.method or op.aliases) and not (op.method and op.doc):
        raise ValueError(f"{where}: a method needs both method= and doc= (the math in one line)")


def _method_sources(op: Op) -> list[list[str]]:
    """Every method of Value that applies ``op``, as lines at class level."""
    _check_entry(op)
    if not op.method:
        return []
    if op.arity == 1:
        methods = [_unary_source(op)]
    elif op.parameter is not None:
        methods = [_parameter_method_source(op)]
    else:
        methods = [_operator_source(op)] + ([_reflected_source(op)] if op.reflected else [])
    methods += [[f"{alias} = {op.method}"] for alias in op.aliases]
    return methods


# -- a neuron's weighted sum ---------------------------------------------------------------


def multiply_add_source(mul: Op, add: Op) -> str:
    """The source of ``multiply_add(total, ws, xs)``: total + ws[0]*xs[0] + ws[1]*xs[1] + ...

    A neuron's weighted sum, built node for node as the operators build it (each product,
    then the running sum plus it), with both kernels' bodies inlined into one loop: two
    calls fewer per input. A pair that is not (Value, Value or float) goes through the
    operators, and so does everything under ``no_grad``.
    """
    mul_ref, add_ref = _op_constant(mul), _op_constant(add)
    lines = ["def multiply_add(total: Value, ws: Sequence[Any], xs: Sequence[Any]) -> Any:"]
    lines += ['    """total + ws[0]*xs[0] + ws[1]*xs[1] + ...: a neuron\'s weighted sum, node for node."""']
    lines += ["    pairs = zip(ws, xs, strict=True)"]
    lines += ["    if (_open.depth and _mode.paused) or total.__class__ is not Value:"]
    lines += ["        return _by_operators(total, pairs)", "    for a, b in pairs:"]
    lines += ["        if a.__class__ is not Value:  # a weight replaced by a number: the operators decide"]
    lines += ["            return _by_operators(total + a * b, pairs)"]
    lines += ["        if b.__class__ is Value:"]
    lines += _indent(_body(mul, (True, True), ("a", "b"), "term", mul_ref), 3)
    lines += ["        elif b.__class__ is float:"]
    lines += _indent(_body(mul, (True, False), ("a", "b"), "term", mul_ref), 3)
    lines += ["        else:  # no float: Python's operator rules decide what a * b is"]
    lines += ["            return _by_operators(total + a * b, pairs)"]
    lines += _indent(_body(add, (True, True), ("total", "term"), "total", add_ref), 2)
    lines += ["    return total"]
    return "\n".join(lines) + "\n"


# -- the generated module -----------------------------------------------------------------

_HEADER = '''\
"""Value's arithmetic: kernels generated from the op table (ops.py) by kernels.py.

Do not edit: change the op table and run ``make kernels``. Each method computes the op's
value and its local derivatives from the table's formulas and records the node.
"""

# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Sequence
{math_import}
from typing import TYPE_CHECKING, Any

from ._grad_mode import open_blocks as _open
from ._grad_mode import thread_mode as _mode
from ._numbers import Number
from ._numbers import operand_number as _number
from .ops import FORMULA_NAMES, OPS
from .ops import op_error as _op_error

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["Arithmetic", "bind", "multiply_add", "new_leaf"]

_new_value = object.__new__


def bind(value_class: type[Value]) -> None:
    """Give the kernels the class of the nodes they build; engine calls it once, after defining Value."""
    globals()["Value"] = value_class


def new_leaf(data: float) -> Value:
    """A node made under no_grad: a value with no history."""
    node: Value = _new_value(Value)
    node._data = data
    node._grad = 0.0
    node._label = ""
    node._op_def = None
    node._a = node._b = None
    node._da = node._db = 0.0
    node._uses = 0
    return node


def _by_operators(total: Any, pairs: Any) -> Any:
    """The rest of ``multiply_add`` with the operators: under no_grad, or for operands of other types."""
    for a, b in pairs:
        total = total + a * b
    return total

'''

_ARITHMETIC = '''

class Arithmetic:
    """Value's methods that apply an op of the table; Value inherits them (see engine.Value)."""

    __slots__ = ()

    # Value's fields (its slots), as the kernels read them.
    _data: float
'''


def module_source(ops: Mapping[str, Op] = OPS) -> str:
    """The text of ``_kernels_generated.py`` for the op table ``ops``."""
    # The formulas' functions are math's (abs is a builtin); other names (strong_zero) are
    # read from the op table's module.
    math_names = sorted(name for name, value in FORMULA_NAMES.items() if getattr(math, name, None) is value)
    own = sorted(name for name in FORMULA_NAMES if name not in math_names and not hasattr(builtins, name))
    parts = [_HEADER.replace("{math_import}", f"from math import {', '.join(math_names)}")]
    parts += [f'{name}: Any = FORMULA_NAMES["{name}"]\n' for name in own]
    parts += [f'{_op_constant(op)} = OPS["{op.name}"]\n' for op in ops.values() if op.method]
    parts.append("\n")
    parts.append(multiply_add_source(ops["mul"], ops["add"]))
    parts.append(_ARITHMETIC)
    for op in ops.values():
        for method in _method_sources(op):
            parts.append("\n" + "\n".join(_indent(method, 1)) + "\n")
    return "".join(parts)


def write_module(path: Path = GENERATED_PATH) -> bool:
    """Write the generated kernels to ``path``; True when the file changed."""
    text = module_source()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return True


# -- kernels built at run time, for the compiled mode's replay ------------------------------------


def build_kernel(op: Op, value_operands: tuple[bool, ...], names: Mapping[str, Any]) -> Callable[..., Any]:
    """Compile the kernel for ``op``; ``names`` supplies the names it uses (engine.KERNEL_NAMES)."""
    source = kernel_source(op, value_operands)
    name = f"{op.name}_{_suffix(value_operands)}"
    filename = f"<autograd_mini kernel {name}>"
    # Register the source so that tracebacks through a kernel show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {**FORMULA_NAMES, **names, "_op": op}
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - our own op table, never user text
    kernel: Callable[..., Any] = scope[name]
    return kernel
