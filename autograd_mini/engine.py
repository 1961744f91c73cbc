"""The scalar engine: ``Value`` nodes, the topological sort, and ``backward``.

A node is the z of the x,y -> z diagram: it stores its value, the op that made
it, its operands and, computed in the same forward step, the local derivatives
dz/dx and dz/dy. ``backward`` receives dL/dz and hands dL/dz * dz/dx to each
operand, walking the graph in reverse topological order without recursion.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import numbers
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, TypeVar, cast, final

from .graph import backward_pass, toposort
from .kernels import build_dispatcher, build_kernel, build_multiply_add
from .ops import OPS, Op

__all__ = ["Value", "is_grad_enabled", "no_grad", "toposort", "zero_grad"]

Number = float | int


class _GradMode(threading.local):
    """Per-thread recording switch: no_grad in one thread never affects another."""

    paused: int = 0  # depth of nested no_grad blocks in this thread


class _OpenBlocks:
    """How many no_grad blocks are open in all threads together.

    Reading a thread-local costs about a quarter of an op, so kernels read ``_mode.paused``
    only while this count is not 0: ``if _open.depth and _mode.paused``.
    """

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0


_mode = _GradMode()
_open = _OpenBlocks()
_open_lock = threading.Lock()
# backward() runs under this process-wide lock. Python runs one thread at a time anyway, so it
# costs no parallelism, and it keeps two backward passes from interleaving their += on shared nodes.
_backward_lock = threading.Lock()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in the current thread."""
    return _mode.paused == 0


_F = TypeVar("_F", bound=Callable[..., Any])


class no_grad(contextlib.ContextDecorator):
    """Context manager (or decorator): ops compute values but record no graph, in this thread.

    On a generator function it applies while the generator's own code runs, not only
    while the call that creates the generator does.
    """

    def __enter__(self) -> no_grad:
        with _open_lock:  # the shared count first, so it is never 0 while a thread is paused
            _open.depth += 1
        _mode.paused += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        _mode.paused -= 1
        with _open_lock:
            _open.depth -= 1

    def __call__(self, func: _F) -> _F:
        if inspect.isgeneratorfunction(func):
            return cast(_F, _paused_generator(func))
        return super().__call__(func)


def _paused_generator(
    func: Callable[..., Generator[Any, Any, Any]],
) -> Callable[..., Generator[Any, Any, Any]]:
    """Wrap a generator function: each resumption runs under no_grad, the caller's code does not."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        inner = func(*args, **kwargs)  # creating a generator runs none of its code
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            try:
                with no_grad():
                    item = inner.send(sent) if thrown is None else inner.throw(thrown)
            except StopIteration as stop:
                return stop.value
            try:
                sent, thrown = (yield item), None
            except GeneratorExit:
                with no_grad():
                    inner.close()
                raise
            except BaseException as exc:  # thrown in by the caller: hand it to the inner generator
                sent, thrown = None, exc

    return wrapper


def _as_float(value: object, what: str) -> float:
    """``value`` as a float, or TypeError naming what it was; bool is refused (True is not 1.0 here)."""
    try:
        number = _constant(value)
    except OverflowError as exc:
        raise OverflowError(f"{what}: {exc}") from None
    if number is None:
        raise TypeError(f"{what} must be a real number (int or float), got {type(value).__name__}")
    return number


def _constant(value: object) -> float | None:
    """A number operand as a float, or None when it is not a number (the operator then refuses it).

    An integer beyond float range raises OverflowError showing the number, shortened.
    """
    if type(value) is float:
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise OverflowError(
                f"{_shorten(value)} is too large for a float (the largest is about 1.8e308)"
            ) from None
    return None


def _shorten(number: object) -> str:
    """A number for an error message: a long integer is cut to its ends and digit count."""
    if isinstance(number, int):
        # str() refuses integers over 4,300 digits (about 14,000 bits).
        digits = len(str(abs(number))) if number.bit_length() < 14_000 else None
        if digits is None:
            return f"an integer of about {int(number.bit_length() * 0.30103)} digits"
        if digits > 20:
            text = str(number)
            return f"{text[:8]}…{text[-4:]} ({digits} digits)"
    return repr(number)


@final
class Value:
    """A scalar node: its value ``data``, its gradient ``grad``, and how it was computed.

    ``==`` and ``hash`` are identity (a Value is a graph node, usable in sets and
    dicts); ``<``, ``<=``, ``>``, ``>=`` compare ``data``.
    """

    # A node is z = op(a, b) with its local derivatives da = dz/da, db = dz/db.
    # An operand is a Value, or a plain float for a number operand (a constant);
    # a unary op leaves b as None, a leaf has op None. Slots, not a tuple, keep a
    # node at one garbage-collected object (see benchmarks/bench.py). _uses is
    # backward's count of consumers not yet done, 0 outside a backward pass.
    __slots__ = ("_data", "_grad", "_label", "_fn", "_a", "_b", "_da", "_db", "_uses")

    _data: float
    _grad: float
    _label: str
    _fn: Op | None
    _a: Value | float | None
    _b: Value | float | None
    _da: float
    _db: float
    _uses: int

    def __init__(self, data: Number, label: str = "") -> None:
        self._data = _as_float(data, "Value data")
        self._grad = 0.0
        self._label = _check_label(label)
        self._fn = None
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
        return self._data

    @data.setter
    def data(self, data: Number) -> None:
        self.assign(data)

    @property
    def grad(self) -> float:
        """dL/dself from the last ``backward`` (leaves accumulate across calls); settable on any node."""
        return self._grad

    @grad.setter
    def grad(self, grad: Number) -> None:
        self._grad = _as_float(grad, "grad")

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
        return "" if self._fn is None else self._fn.symbol

    @property
    def op_name(self) -> str:
        """The op table's name of the op that computed this node, e.g. 'mul' or 'tanh'; '' for a leaf."""
        return "" if self._fn is None else self._fn.name

    @property
    def operands(self) -> tuple[Value | float, ...]:
        """All operands in order, number operands included as floats (constants)."""
        if self._fn is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)  # type: ignore[return-value]

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order, duplicates kept."""
        return tuple(p for p in self.operands if isinstance(p, Value))

    @property
    def local_grads(self) -> tuple[float, ...]:
        """dself/dparent for each of ``parents``, same order."""
        pairs = zip(self.operands, (self._da, self._db), strict=False)
        return tuple(d for p, d in pairs if isinstance(p, Value))

    @property
    def is_leaf(self) -> bool:
        """True for a node not computed from other Values (inputs, parameters)."""
        return self._fn is None

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
        if self._fn is not None:
            raise ValueError(
                f"cannot set the data of a computed Value (op {self.op!r}): its local derivatives "
                "were computed from its current value and would no longer match. "
                "Set data on a leaf (an input or parameter), or detach() first."
            )
        self._data = _as_float(data, "data")

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
        seed = _as_float(grad, "backward grad")
        with _backward_lock:  # one backward at a time: threads sharing nodes never lose a += (see README)
            backward_pass(self, seed)

    # -- conversions and comparisons -----------------------------------------------

    def __float__(self) -> float:
        return self._data

    def item(self) -> float:
        """The value as a plain float (as PyTorch's ``tensor.item()``)."""
        return self._data

    def __format__(self, spec: str) -> str:
        # f"{loss:.4f}" formats the number; a bare f"{loss}" shows the repr.
        return format(self._data, spec) if spec else repr(self)

    def __bool__(self) -> bool:
        # As a PyTorch 0-d tensor: false only for zero (nan is true).
        return self._data != 0.0

    def __round__(self, ndigits: int | None = None) -> float | int:
        """round(v, n): ``data`` rounded to a plain number (an int without n); it cuts the graph."""
        return round(self._data, ndigits)

    def __repr__(self) -> str:
        parts = [f"data={self._data:.6g}", f"grad={self._grad:.6g}"]
        if self._fn is not None:
            parts.append(f"op={self.op!r}")
        if self._label:
            parts.append(f"label={self._label!r}")
        return f"Value({', '.join(parts)})"

    def __lt__(self, other: Value | Number) -> bool:
        return self._data < _compare_key(other)

    def __le__(self, other: Value | Number) -> bool:
        return self._data <= _compare_key(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self._data > _compare_key(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self._data >= _compare_key(other)

    # -- arithmetic: the op table's math, through the kernels ------------------------

    def __add__(self, other: Value | Number) -> Value:
        """x + y: dz/dx = 1, dz/dy = 1."""
        return _add(self, other)

    def __radd__(self, other: Number) -> Value:
        return _binary_reflected(_ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        """x - y: dz/dx = 1, dz/dy = -1."""
        return _sub(self, other)

    def __rsub__(self, other: Number) -> Value:
        return _binary_reflected(_SUB, other, self)

    def __mul__(self, other: Value | Number) -> Value:
        """x * y: dz/dx = y, dz/dy = x."""
        return _mul(self, other)

    def __rmul__(self, other: Number) -> Value:
        return _binary_reflected(_MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        """x / y: dz/dx = 1/y, dz/dy = -x/y^2."""
        return _div(self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _binary_reflected(_DIV, other, self)

    def __pow__(self, other: Value | Number) -> Value:
        """x ** y: dz/dx = y*x^(y-1), dz/dy = x^y*ln(x) (a Value exponent needs x > 0)."""
        return _pow(self, other)

    def __rpow__(self, other: Number) -> Value:
        return _binary_reflected(_POW, other, self)

    def __neg__(self) -> Value:
        """-x: dz/dx = -1."""
        return _NEG(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """|x|: dz/dx = sign(x), 0 at x = 0."""
        return _ABS(self)

    def abs(self) -> Value:
        """|x|: dz/dx = sign(x), 0 at x = 0 (the same as abs(v))."""
        return _ABS(self)

    def exp(self) -> Value:
        """exp: d/dx = exp(x)."""
        return _EXP(self)

    def log(self) -> Value:
        """log (natural): d/dx = 1/x, for x > 0."""
        return _LOG(self)

    def expm1(self) -> Value:
        """expm1 e^x - 1 (exact near 0): d/dx = exp(x)."""
        return _EXPM1(self)

    def log1p(self) -> Value:
        """log1p ln(1 + x) (exact near 0): d/dx = 1/(1 + x), for x > -1."""
        return _LOG1P(self)

    def sqrt(self) -> Value:
        """sqrt: d/dx = 1/(2 sqrt(x)), for x >= 0 (inf at 0)."""
        return _SQRT(self)

    def tanh(self) -> Value:
        """tanh: d/dx = 1 - tanh(x)^2."""
        return _TANH(self)

    def sigmoid(self) -> Value:
        """sigmoid 1/(1+e^-x): d/dx = sigmoid(x) * (1 - sigmoid(x))."""
        return _SIGMOID(self)

    def relu(self) -> Value:
        """relu max(x, 0): d/dx = 1 if x > 0 else 0."""
        return _RELU(self)

    def leaky_relu(self, slope: Value | Number = 0.01) -> Value:
        """leaky_relu x if x > 0 else slope*x: d/dx = 1 if x > 0 else slope."""
        result = _binary(_LEAKY_RELU, self, slope)
        if result is NotImplemented:
            raise TypeError(f"leaky_relu: slope must be a number or Value, got {type(slope).__name__}")
        return result

    def softplus(self) -> Value:
        """softplus log(1+e^x): d/dx = sigmoid(x)."""
        return _SOFTPLUS(self)

    def sin(self) -> Value:
        """sin: d/dx = cos(x)."""
        return _SIN(self)

    def cos(self) -> Value:
        """cos: d/dx = -sin(x)."""
        return _COS(self)


def _check_label(label: object) -> str:
    if not isinstance(label, str):
        raise TypeError(f"Value label must be a str, got {type(label).__name__}")
    return label


def _compare_key(other: object) -> float:
    if isinstance(other, Value):
        return other._data
    number = _constant(other)
    if number is None:
        raise TypeError(f"cannot compare Value with {type(other).__name__}")
    return number


_new_value = object.__new__


def _node(
    data: float, op: Op | None, a: Value | float | None, b: Value | float | None, da: float, db: float
) -> Value:
    """A node built without __init__'s checks: kernels pass a float and a valid op."""
    node: Value = _new_value(Value)
    node._data = data
    node._grad = 0.0
    node._label = ""
    node._fn = op
    node._a = a
    node._b = b
    node._da = da
    node._db = db
    node._uses = 0
    return node


def _leaf(data: float) -> Value:
    """A node made under no_grad: a value with no history."""
    return _node(data, None, None, None, 0.0, 0.0)


_REASONS: dict[type[BaseException], str] = {
    ZeroDivisionError: "division by zero",
    OverflowError: "result is too large for a float",
}


def _op_error(op: Op, exc: BaseException, operands: tuple[float, ...]) -> BaseException:
    """The exception a failed op raises: same type, naming the op and its operand values."""
    reason = _REASONS.get(type(exc), str(exc))
    values = ", ".join(f"{name} = {value!r}" for name, value in zip(op.operand_names, operands, strict=True))
    kind = type(exc) if isinstance(exc, (ValueError, ZeroDivisionError, OverflowError)) else ValueError
    return kind(f"{op.name}: {reason}; got {values}")


def _number(value: object, name: str) -> float | None:
    """A number operand of op ``name`` as a float, or None if it is no number; OverflowError names the op."""
    try:
        return _constant(value)
    except OverflowError as exc:
        raise OverflowError(f"{name}: number operand {exc}") from None


_ENGINE_NAMES = {
    "Value": Value,
    "_number": _number,
    "_new_value": _new_value,
    "_leaf": _leaf,
    "_open": _open,
    "_mode": _mode,
    "_op_error": _op_error,
}

Kernel = Callable[..., Value]


# A binary op's kernels for (Value, Value), (Value, number), (number, Value), and the op's name.
BinaryKernels = tuple[Kernel, Kernel, Kernel, str]


def _kernels(name: str) -> BinaryKernels:
    op = OPS[name]
    return (
        build_kernel(op, (True, True), _ENGINE_NAMES),
        build_kernel(op, (True, False), _ENGINE_NAMES),
        build_kernel(op, (False, True), _ENGINE_NAMES),
        name,
    )


def _unary(name: str) -> Kernel:
    return build_kernel(OPS[name], (True,), _ENGINE_NAMES)


def _dispatcher(name: str) -> Kernel:
    return build_dispatcher(OPS[name], _ENGINE_NAMES)


# Value <op> other for the operators: one call that picks the kernel itself (see kernels.py).
_add, _sub, _mul, _div, _pow = (_dispatcher(name) for name in ("add", "sub", "mul", "div", "pow"))


_ADD = _kernels("add")
_SUB = _kernels("sub")
_MUL = _kernels("mul")
_DIV = _kernels("div")
_POW = _kernels("pow")
_LEAKY_RELU = _kernels("leaky_relu")
_NEG = _unary("neg")
_ABS = _unary("abs")
_EXP = _unary("exp")
_LOG = _unary("log")
_EXPM1 = _unary("expm1")
_LOG1P = _unary("log1p")
_SQRT = _unary("sqrt")
_TANH = _unary("tanh")
_SIGMOID = _unary("sigmoid")
_RELU = _unary("relu")
_SOFTPLUS = _unary("softplus")
_SIN = _unary("sin")
_COS = _unary("cos")


# total + ws[0]*xs[0] + ws[1]*xs[1] + ...: a neuron's weighted sum, the operators' nodes in one loop.
_multiply_add: Callable[[Value, Sequence[Value], Sequence[Value | float]], Value] = build_multiply_add(
    OPS["mul"], OPS["add"], _ENGINE_NAMES
)


def _install_fast_methods() -> None:
    """Make the generated functions Value's methods themselves, keeping what the class body declares.

    The methods in the class body are what mypy and help() read; calling the dispatcher
    or kernel directly saves one Python call per op (about a tenth of building a node).
    ``abs(v)`` keeps its method: the kernel is ``v.abs()``'s.
    """
    fast = {"__add__": _add, "__sub__": _sub, "__mul__": _mul, "__truediv__": _div, "__pow__": _pow}
    fast |= {"__neg__": _NEG, "abs": _ABS, "exp": _EXP, "log": _LOG, "expm1": _EXPM1, "log1p": _LOG1P}
    fast |= {"sqrt": _SQRT, "tanh": _TANH, "sigmoid": _SIGMOID, "relu": _RELU, "softplus": _SOFTPLUS}
    fast |= {"sin": _SIN, "cos": _COS}
    for name, function in fast.items():
        declared = vars(Value)[name]
        function.__doc__, function.__module__ = declared.__doc__, declared.__module__
        function.__name__, function.__qualname__ = declared.__name__, declared.__qualname__
        function.__annotations__ = declared.__annotations__
        function.__signature__ = inspect.signature(declared)  # type: ignore[attr-defined]
        setattr(Value, name, function)


_install_fast_methods()


def _binary(kernels: BinaryKernels, x: Value, y: object) -> Value:
    if isinstance(y, Value):
        return kernels[0](x, y)
    number = _operand_constant(kernels, y)
    if number is None:
        return cast(Value, NotImplemented)  # Python then raises its usual TypeError
    return kernels[1](x, number)


def _binary_reflected(kernels: BinaryKernels, x: object, y: Value) -> Value:
    number = _operand_constant(kernels, x)
    if number is None:
        return cast(Value, NotImplemented)
    return kernels[2](number, y)


def _operand_constant(kernels: BinaryKernels, value: object) -> float | None:
    return _number(value, kernels[3])


def zero_grad(values: Iterable[Value]) -> None:
    """Set grad to 0 on every Value in ``values``."""
    for value in values:
        value._grad = 0.0
