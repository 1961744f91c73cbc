"""The scalar engine: ``Value`` nodes, the topological sort, and ``backward``.

A node is the z of the x,y -> z diagram: it stores its value, the op that made
it, its operands and, computed in the same forward step, the local derivatives
dz/dx and dz/dy. ``backward`` receives dL/dz and hands dL/dz * dz/dx to each
operand, walking the graph in reverse topological order without recursion.
"""

from __future__ import annotations

import operator
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import final

from . import _kernels_generated, _nodes, checks
from ._grad_mode import is_grad_enabled, no_grad, open_blocks, thread_mode
from ._kernels_generated import Arithmetic
from ._numbers import Number, as_float, operand_number, real_number
from .graph import backward_pass, toposort
from .ops import Op, op_error

__all__ = ["Number", "Value", "is_grad_enabled", "no_grad", "toposort", "zero_grad"]


# backward() runs under this process-wide lock. Python runs one thread at a time anyway, so it
# costs no parallelism, and it keeps two backward passes from interleaving their += on shared nodes.
backward_lock = threading.Lock()


@final
class Value(Arithmetic):
    """A scalar node: its value ``data``, its gradient ``grad``, and how it was computed.

    ``==`` and ``hash`` are identity (a Value is a graph node, usable in sets and
    dicts); ``<``, ``<=``, ``>``, ``>=`` compare ``data``. The arithmetic methods (``+``,
    ``*``, ``tanh``, ...) are inherited from ``Arithmetic``, generated from the op table.
    """

    # A node is z = op(a, b) with its local derivatives da = dz/da, db = dz/db.
    # An operand is a Value, or a plain float for a number operand (a constant);
    # a unary op leaves b as None, a leaf has op None. Slots, not a tuple, keep a
    # node at one garbage-collected object (see benchmarks/bench.py). _uses is
    # backward's count of consumers not yet done, 0 outside a backward pass.
    __slots__ = ("_data", "_grad", "_label", "_op_def", "_a", "_b", "_da", "_db", "_uses")

    _data: float
    _grad: float
    _label: str
    _op_def: Op | None
    _a: Value | float | None
    _b: Value | float | None
    _da: float
    _db: float
    _uses: int

    def __init__(self, data: Number, label: str = "") -> None:
        self._data = as_float(data, "Value data")
        self._grad = 0.0
        self._label = _check_label(label)
        self._op_def = None
        self._a = self._b = None
        self._da = self._db = 0.0
        self._uses = 0

    def __init_subclass__(cls, **kwargs: object) -> None:
        # The engine tells nodes from constants by exact class, for speed.
        raise TypeError("Value is not meant to be subclassed; wrap it in your own class instead")

    # -- what a node shows ---------------------------------------------------------

    @property
    def data(self) -> float:
        """The value computed in the forward pass; settable on leaves (``p.data += -lr * p.grad``)."""
        if checks.traces_running:  # inside trace(), a number read is frozen in the compiled code
            checks.note_read(self, ".data")
        return self._data

    @data.setter
    def data(self, data: Number) -> None:
        if type(data) is float and self._op_def is None:  # an optimizer's update of a leaf, in one step
            self._data = data
        else:
            self.assign(data)

    @property
    def grad(self) -> float:
        """dL/dself from the last ``backward`` (leaves accumulate across calls); settable on any node."""
        if checks.traces_running:  # a gradient read inside trace() is a number frozen in the code
            checks.note_read(self, ".grad")
        return self._grad

    @grad.setter
    def grad(self, grad: Number) -> None:
        # a float is stored as it is: a loop's p.grad = 0.0 over a model's parameters
        self._grad = grad if type(grad) is float else as_float(grad, "grad")

    @property
    def label(self) -> str:
        """A name for drawings and reprs; writable."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = _check_label(label)

    @property
    def op(self) -> str:
        """The op that computed this node, e.g. '*' or 'tanh'; '' for a leaf."""
        return "" if self._op_def is None else self._op_def.symbol

    @property
    def op_def(self) -> Op | None:
        """The op table's entry that computed this node (name, formulas, docs); None for a leaf."""
        return self._op_def

    @property
    def op_name(self) -> str:
        """Deprecated: ``op_def.name`` ('' for a leaf)."""
        warnings.warn("Value.op_name is deprecated; use Value.op_def.name", DeprecationWarning, stacklevel=2)
        return "" if self._op_def is None else self._op_def.name

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """All operands in order, number operands included as floats (constants)."""
        if self._op_def is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)  # type: ignore[return-value]

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order, duplicates kept."""
        return tuple(p for p in self.operands if isinstance(p, Value))

    @property
    def local_grads(self) -> tuple[float, ...]:
        """dself/dparent for each of ``parents``, same order (plain floats)."""
        pairs = zip(self.operands, (self._da, self._db), strict=False)
        return tuple(float(d) for p, d in pairs if isinstance(p, Value))  # a strong zero shows as 0.0

    @property
    def is_leaf(self) -> bool:
        """True for a node not computed from other Values (inputs, parameters)."""
        return self._op_def is None

    # -- micrograd's names, for code written against micrograd ----------------------

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's children: the distinct ``parents``, in operand order (micrograd keeps a set)."""
        return tuple(dict.fromkeys(self.parents))

    @property
    def _op(self) -> str:
        """micrograd's op string: the same as ``op`` ('' for a leaf)."""
        return self.op

    # -- mutation, for parameters ---------------------------------------------------

    def assign(self, data: Number) -> None:
        """Set a leaf's data (for parameter updates); a computed node refuses. Same as ``v.data = data``."""
        if self._op_def is not None:
            raise ValueError(
                f"cannot set the data of a computed Value (op {self.op!r}): its local derivatives "
                "were computed from its current value and would no longer match. "
                "Set data on a leaf (an input or parameter), or detach() first."
            )
        self._data = as_float(data, "data")

    def zero_grad(self) -> None:
        """Set grad to 0."""
        self._grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self._data, self._label)

    # -- the chain rule -------------------------------------------------------------

    def backward_step(self) -> None:
        """One chain-rule step of the x,y -> z diagram: x.grad += self.grad * dself/dx for each operand x.

        A leaf's step does nothing. ``backward`` is this step for every node, in reverse
        topological order, after seeding the root.
        """
        g = self._grad
        a = self._a
        if a.__class__ is Value:
            a._grad += g * self._da
        b = self._b
        if b.__class__ is Value:
            b._grad += g * self._db

    def _backward(self) -> None:
        """micrograd's name for ``backward_step``."""
        self.backward_step()

    def backward(self, grad: Number = 1.0, *, create_graph: bool = False) -> None:
        """Set every node's grad to dself/dnode * grad (the chain rule from the seed dL/dz = grad).

        Leaves accumulate across calls, as in PyTorch; intermediate nodes hold this pass's gradient.
        ``create_graph=True`` builds the gradients as Values (see higher_order); .grad stays a float.
        """
        if type(create_graph) is not bool:
            raise TypeError(
                f"backward: create_graph must be True or False, got {type(create_graph).__name__}"
            )
        if create_graph:  # imported here: higher_order imports this module
            from .higher_order import backward_create_graph

            return backward_create_graph(self, grad)
        seed = as_float(grad, "backward grad")
        with backward_lock:  # one backward at a time: threads sharing nodes never lose a += (see README)
            backward_pass(self, seed)

    # -- conversions and comparisons -----------------------------------------------

    def __pos__(self) -> Value:
        """+x is x itself (no node: its derivative is 1)."""
        return self

    def __float__(self) -> float:
        if checks.traces_running:
            checks.note_read(self, "float()")
        return self._data

    def item(self) -> float:
        """The value as a plain float (as PyTorch's ``tensor.item()``)."""
        if checks.traces_running:
            checks.note_read(self, ".item()")
        return self._data

    def __format__(self, spec: str) -> str:
        # f"{loss:.4f}" formats the number; a bare f"{loss}" shows the repr.
        if spec and checks.traces_running:
            checks.note_read(self, "format()")
        return format(self._data, spec) if spec else repr(self)

    def __bool__(self) -> bool:
        # As a PyTorch 0-d tensor: false only for zero (nan is true).
        result = self._data != 0.0
        if checks.traces_running:  # inside trace(), guard the decision (see checks.guard)
            checks.guard(self, None, _nonzero, "", result)
        return result

    def __round__(self, ndigits: int | None = None) -> float | int:
        """round(v, n): ``data`` rounded to a plain number (an int without n); it cuts the graph."""
        if checks.traces_running:
            checks.note_read(self, "round()")
        return round(self._data, ndigits)

    def __repr__(self) -> str:
        parts = [f"data={self._data:.6g}", f"grad={self._grad:.6g}"]
        if self._op_def is not None:
            parts.append(f"op={self.op!r}")
        if self._label:
            parts.append(f"label={self._label!r}")
        return f"Value({', '.join(parts)})"

    def __lt__(self, other: Value | Number) -> bool:
        key = _compare_key(other)
        if checks.traces_running:  # inside trace(), guard the decision (see checks.guard)
            return _guarded(self, other, key, operator.lt, "<")
        return self._data < key

    def __le__(self, other: Value | Number) -> bool:
        key = _compare_key(other)
        if checks.traces_running:  # inside trace(), guard the decision (see checks.guard)
            return _guarded(self, other, key, operator.le, "<=")
        return self._data <= key

    def __gt__(self, other: Value | Number) -> bool:
        key = _compare_key(other)
        if checks.traces_running:  # inside trace(), guard the decision (see checks.guard)
            return _guarded(self, other, key, operator.gt, ">")
        return self._data > key

    def __ge__(self, other: Value | Number) -> bool:
        key = _compare_key(other)
        if checks.traces_running:  # inside trace(), guard the decision (see checks.guard)
            return _guarded(self, other, key, operator.ge, ">=")
        return self._data >= key


def _check_label(label: object) -> str:
    if not isinstance(label, str):
        raise TypeError(f"Value label must be a str, got {type(label).__name__}")
    return label


def _nonzero(x: float) -> bool:
    return x != 0.0


def _guarded(
    value: Value, other: Value | Number, key: float, test: Callable[[float, float], bool], symbol: str
) -> bool:
    """``test(value, other)``, recorded as a guard of the running trace (checks.guard)."""
    result = test(value._data, key)
    checks.guard(value, other if isinstance(other, Value) else key, test, symbol, result)
    return result


def _compare_key(other: object) -> float:
    if isinstance(other, Value):
        return other._data
    number = real_number(other)
    if number is None:
        raise TypeError(f"cannot compare Value with {type(other).__name__}")
    return number


_new_value = object.__new__


def _node(
    data: float, op: Op | None, a: Value | float | None, b: Value | float | None, da: float, db: float
) -> Value:
    """A node built without __init__'s checks (for tests and tools that need a hand-made node)."""
    node: Value = _new_value(Value)
    node._data = data
    node._grad = 0.0
    node._label = ""
    node._op_def = op
    node._a = a
    node._b = b
    node._da = da
    node._db = db
    node._uses = 0
    return node


def _name_methods_as_values(value_class: type[Value]) -> None:
    """Name the inherited arithmetic methods Value's (``Value.tanh``), in help() and error messages."""
    for function in vars(Arithmetic).values():
        if callable(function) and function.__qualname__.startswith("Arithmetic."):
            function.__qualname__ = f"{value_class.__name__}.{function.__name__}"
            if hasattr(function.__code__, "co_qualname"):  # Python 3.11+ words its TypeErrors with it
                function.__code__ = function.__code__.replace(co_qualname=function.__qualname__)


_kernels_generated.bind(Value)
_nodes.register(Value)
_name_methods_as_values(Value)

# The names a kernel built at run time finds (kernels.build_kernel, for the compiled mode's
# replay): the same the generated kernels use.
KERNEL_NAMES = {
    "Value": Value,
    "_number": operand_number,
    "_new_value": _new_value,
    "new_leaf": _kernels_generated.new_leaf,
    "_open": open_blocks,
    "_mode": thread_mode,
    "_op_error": op_error,
}


def zero_grad(values: Iterable[Value]) -> None:
    """Set grad to 0 on every Value in ``values``."""
    for value in values:
        value._grad = 0.0
