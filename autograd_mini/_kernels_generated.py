"""Value's arithmetic: kernels generated from the op table (ops.py) by kernels.py.

Do not edit: change the op table and run ``make kernels``. Each method computes the op's
value and its local derivatives from the table's formulas and records the node.
"""

# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Sequence
from math import cos, exp, expm1, inf, log, log1p, sin, sqrt, tanh
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

power: Any = FORMULA_NAMES["power"]
strong_zero: Any = FORMULA_NAMES["strong_zero"]
_ADD = OPS["add"]
_SUB = OPS["sub"]
_MUL = OPS["mul"]
_DIV = OPS["div"]
_POW = OPS["pow"]
_NEG = OPS["neg"]
_ABS = OPS["abs"]
_EXP = OPS["exp"]
_LOG = OPS["log"]
_EXPM1 = OPS["expm1"]
_LOG1P = OPS["log1p"]
_SQRT = OPS["sqrt"]
_TANH = OPS["tanh"]
_SIGMOID = OPS["sigmoid"]
_RELU = OPS["relu"]
_LEAKY_RELU = OPS["leaky_relu"]
_SOFTPLUS = OPS["softplus"]
_SIN = OPS["sin"]
_COS = OPS["cos"]

def multiply_add(total: Value, ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    """total + ws[0]*xs[0] + ws[1]*xs[1] + ...: a neuron's weighted sum, node for node."""
    pairs = zip(ws, xs, strict=True)
    if (_open.depth and _mode.paused) or total.__class__ is not Value:
        return _by_operators(total, pairs)
    for a, b in pairs:
        if a.__class__ is not Value:  # a weight replaced by a number: the operators decide
            return _by_operators(total + a * b, pairs)
        if b.__class__ is Value:
            x = a._data
            y = b._data
            try:
                out = x * y
                d0 = y
                d1 = x
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_MUL, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _MUL
            node._uses = 0
            node._a = a
            node._b = b
            node._da = d0
            node._db = d1
            term = node
        elif b.__class__ is float:
            x = a._data
            y = b
            try:
                out = x * y
                d0 = y
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_MUL, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _MUL
            node._uses = 0
            node._a = a
            node._b = b
            node._da = d0
            node._db = 0.0
            term = node
        else:  # no float: Python's operator rules decide what a * b is
            return _by_operators(total + a * b, pairs)
        x = total._data
        y = term._data
        try:
            out = x + y
            d0 = 1.0
            d1 = 1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_ADD, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _ADD
        node._uses = 0
        node._a = total
        node._b = term
        node._da = d0
        node._db = d1
        total = node
    return total


class Arithmetic:
    """Value's methods that apply an op of the table; Value inherits them (see engine.Value)."""

    __slots__ = ()

    # Value's fields (its slots), as the kernels read them.
    _data: float

    def __add__(self, other: Value | Number) -> Value:
        """x + y: dz/dx = 1, dz/dy = 1."""
        if other.__class__ is Value:
            x = self._data
            y = other._data
            try:
                out = x + y
                if _open.depth and _mode.paused:  # no_grad open in this thread
                    return new_leaf(out)
                d0 = 1.0
                d1 = 1.0
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_ADD, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _ADD
            node._uses = 0
            node._a = self  # type: ignore[assignment]
            node._b = other
            node._da = d0
            node._db = d1
            return node
        number: float | None
        if other.__class__ is float:
            number = other
        else:
            number = _number(other, "add")
            if number is None:
                return NotImplemented  # Python then raises its usual TypeError
        x = self._data
        y = number
        try:
            out = x + y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_ADD, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _ADD
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = number
        node._da = d0
        node._db = 0.0
        return node

    def __radd__(self, other: Number) -> Value:
        """number + self, the number on the left: see __add__."""
        number = _number(other, "add")
        if number is None:
            return NotImplemented
        x = number
        y = self._data
        try:
            out = x + y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d1 = 1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_ADD, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _ADD
        node._uses = 0
        node._a = number
        node._b = self  # type: ignore[assignment]
        node._da = 0.0
        node._db = d1
        return node

    def __sub__(self, other: Value | Number) -> Value:
        """x - y: dz/dx = 1, dz/dy = -1."""
        if other.__class__ is Value:
            x = self._data
            y = other._data
            try:
                out = x - y
                if _open.depth and _mode.paused:  # no_grad open in this thread
                    return new_leaf(out)
                d0 = 1.0
                d1 = -1.0
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_SUB, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _SUB
            node._uses = 0
            node._a = self  # type: ignore[assignment]
            node._b = other
            node._da = d0
            node._db = d1
            return node
        number: float | None
        if other.__class__ is float:
            number = other
        else:
            number = _number(other, "sub")
            if number is None:
                return NotImplemented  # Python then raises its usual TypeError
        x = self._data
        y = number
        try:
            out = x - y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_SUB, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _SUB
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = number
        node._da = d0
        node._db = 0.0
        return node

    def __rsub__(self, other: Number) -> Value:
        """number - self, the number on the left: see __sub__."""
        number = _number(other, "sub")
        if number is None:
            return NotImplemented
        x = number
        y = self._data
        try:
            out = x - y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d1 = -1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_SUB, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _SUB
        node._uses = 0
        node._a = number
        node._b = self  # type: ignore[assignment]
        node._da = 0.0
        node._db = d1
        return node

    def __mul__(self, other: Value | Number) -> Value:
        """x * y: dz/dx = y, dz/dy = x."""
        if other.__class__ is Value:
            x = self._data
            y = other._data
            try:
                out = x * y
                if _open.depth and _mode.paused:  # no_grad open in this thread
                    return new_leaf(out)
                d0 = y
                d1 = x
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_MUL, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _MUL
            node._uses = 0
            node._a = self  # type: ignore[assignment]
            node._b = other
            node._da = d0
            node._db = d1
            return node
        number: float | None
        if other.__class__ is float:
            number = other
        else:
            number = _number(other, "mul")
            if number is None:
                return NotImplemented  # Python then raises its usual TypeError
        x = self._data
        y = number
        try:
            out = x * y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = y
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_MUL, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _MUL
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = number
        node._da = d0
        node._db = 0.0
        return node

    def __rmul__(self, other: Number) -> Value:
        """number * self, the number on the left: see __mul__."""
        number = _number(other, "mul")
        if number is None:
            return NotImplemented
        x = number
        y = self._data
        try:
            out = x * y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d1 = x
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_MUL, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _MUL
        node._uses = 0
        node._a = number
        node._b = self  # type: ignore[assignment]
        node._da = 0.0
        node._db = d1
        return node

    def __truediv__(self, other: Value | Number) -> Value:
        """x / y: dz/dx = 1/y, dz/dy = -x/y^2."""
        if other.__class__ is Value:
            x = self._data
            y = other._data
            try:
                out = x / y
                if _open.depth and _mode.paused:  # no_grad open in this thread
                    return new_leaf(out)
                d0 = 1.0 / y
                d1 = -out / y
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_DIV, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _DIV
            node._uses = 0
            node._a = self  # type: ignore[assignment]
            node._b = other
            node._da = d0
            node._db = d1
            return node
        number: float | None
        if other.__class__ is float:
            number = other
        else:
            number = _number(other, "div")
            if number is None:
                return NotImplemented  # Python then raises its usual TypeError
        x = self._data
        y = number
        try:
            out = x / y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0 / y
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_DIV, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _DIV
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = number
        node._da = d0
        node._db = 0.0
        return node

    def __rtruediv__(self, other: Number) -> Value:
        """number / self, the number on the left: see __truediv__."""
        number = _number(other, "div")
        if number is None:
            return NotImplemented
        x = number
        y = self._data
        try:
            out = x / y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d1 = -out / y
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_DIV, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _DIV
        node._uses = 0
        node._a = number
        node._b = self  # type: ignore[assignment]
        node._da = 0.0
        node._db = d1
        return node

    def __pow__(self, other: Value | Number) -> Value:
        """x ** y: dz/dx = y*x^(y-1), dz/dy = x^y*ln(x) (a Value exponent needs x > 0)."""
        if other.__class__ is Value:
            x = self._data
            y = other._data
            try:
                if not (x >= 0.0 or y % 1.0 == 0.0):
                    raise ValueError('a negative base needs an integer exponent (the result would be complex)')
                out = x * x if y == 2.0 and -1.3407807929942596e+154 <= x <= 1.3407807929942596e+154 else sqrt(x) if y == 0.5 and x > 0.0 else x ** y
                if _open.depth and _mode.paused:  # no_grad open in this thread
                    return new_leaf(out)
                d0 = strong_zero if y == 0.0 else y * (x * x if y - 1.0 == 2.0 and -1.3407807929942596e+154 <= x <= 1.3407807929942596e+154 else sqrt(x) if y - 1.0 == 0.5 and x > 0.0 else x ** (y - 1.0)) if y >= 1.0 or abs(x) >= 1.0 or (x != 0.0 and abs(out / x) < 1e+300) else y * (out / x) if x != 0.0 else inf * (1.0 - x)
                if not (x > 0.0):
                    raise ValueError('a Value exponent needs base x > 0 (d/dy = x**y * ln(x))')
                d1 = out * log(x)
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_POW, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _POW
            node._uses = 0
            node._a = self  # type: ignore[assignment]
            node._b = other
            node._da = d0
            node._db = d1
            return node
        number: float | None
        if other.__class__ is float:
            number = other
        else:
            number = _number(other, "pow")
            if number is None:
                return NotImplemented  # Python then raises its usual TypeError
        x = self._data
        y = number
        try:
            if not (x >= 0.0 or y % 1.0 == 0.0):
                raise ValueError('a negative base needs an integer exponent (the result would be complex)')
            out = x * x if y == 2.0 and -1.3407807929942596e+154 <= x <= 1.3407807929942596e+154 else sqrt(x) if y == 0.5 and x > 0.0 else x ** y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = strong_zero if y == 0.0 else y * (x * x if y - 1.0 == 2.0 and -1.3407807929942596e+154 <= x <= 1.3407807929942596e+154 else sqrt(x) if y - 1.0 == 0.5 and x > 0.0 else x ** (y - 1.0)) if y >= 1.0 or abs(x) >= 1.0 or (x != 0.0 and abs(out / x) < 1e+300) else y * (out / x) if x != 0.0 else inf * (1.0 - x)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_POW, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _POW
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = number
        node._da = d0
        node._db = 0.0
        return node

    def __rpow__(self, other: Number) -> Value:
        """number ** self, the number on the left: see __pow__."""
        number = _number(other, "pow")
        if number is None:
            return NotImplemented
        x = number
        y = self._data
        try:
            if not (x >= 0.0 or y % 1.0 == 0.0):
                raise ValueError('a negative base needs an integer exponent (the result would be complex)')
            out = x * x if y == 2.0 and -1.3407807929942596e+154 <= x <= 1.3407807929942596e+154 else sqrt(x) if y == 0.5 and x > 0.0 else x ** y
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            if not (x > 0.0):
                raise ValueError('a Value exponent needs base x > 0 (d/dy = x**y * ln(x))')
            d1 = out * log(x)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_POW, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _POW
        node._uses = 0
        node._a = number
        node._b = self  # type: ignore[assignment]
        node._da = 0.0
        node._db = d1
        return node

    def __neg__(self) -> Value:
        """-x: dz/dx = -1."""
        x = self._data
        try:
            out = -x
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = -1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_NEG, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _NEG
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def abs(self) -> Value:
        """|x|: dz/dx = sign(x), 0 at x = 0 (abs(v) is the same)."""
        x = self._data
        try:
            out = abs(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_ABS, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _ABS
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    __abs__ = abs

    def exp(self) -> Value:
        """exp: d/dx = exp(x)."""
        x = self._data
        try:
            out = exp(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = out
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_EXP, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _EXP
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def log(self) -> Value:
        """log (natural): d/dx = 1/x, for x > 0."""
        x = self._data
        try:
            if not (x > 0.0):
                raise ValueError('needs x > 0')
            out = log(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0 / x
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_LOG, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _LOG
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def expm1(self) -> Value:
        """expm1 e^x - 1 (exact near 0): d/dx = exp(x)."""
        x = self._data
        try:
            out = expm1(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = exp(x)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_EXPM1, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _EXPM1
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def log1p(self) -> Value:
        """log1p ln(1 + x) (exact near 0): d/dx = 1/(1 + x), for x > -1."""
        x = self._data
        try:
            if not (x > -1.0):
                raise ValueError('needs x > -1')
            out = log1p(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0 / (1.0 + x)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_LOG1P, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _LOG1P
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def sqrt(self) -> Value:
        """sqrt: d/dx = 1/(2 sqrt(x)), for x >= 0 (inf at 0)."""
        x = self._data
        try:
            if not (x >= 0.0):
                raise ValueError('needs x >= 0')
            out = sqrt(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 0.5 / out if out != 0.0 else inf * (1.0 - out)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_SQRT, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _SQRT
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def tanh(self) -> Value:
        """tanh: d/dx = 1 - tanh(x)^2."""
        x = self._data
        try:
            out = tanh(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0 - out * out
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_TANH, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _TANH
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def sigmoid(self) -> Value:
        """sigmoid 1/(1+e^-x): d/dx = sigmoid(x) * (1 - sigmoid(x))."""
        x = self._data
        try:
            out = 1.0 / (1.0 + exp(-x)) if x >= 0.0 else exp(x) / (1.0 + exp(x))
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = out * (1.0 - out)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_SIGMOID, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _SIGMOID
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def relu(self) -> Value:
        """relu max(x, 0): d/dx = 1 if x > 0 else 0 (a strong zero: 0 whatever the upstream)."""
        x = self._data
        try:
            out = 0.0 if x < 0.0 else x
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = strong_zero if x <= 0.0 else 1.0
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_RELU, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _RELU
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def leaky_relu(self, slope: Value | Number = 0.01) -> Value:
        """leaky_relu x if x > 0 else slope*x: d/dx = 1 if x > 0 else slope, d/dslope = 0 or x."""
        if slope.__class__ is Value:
            x = self._data
            y = slope._data
            try:
                out = x if x > 0.0 else y * x
                if _open.depth and _mode.paused:  # no_grad open in this thread
                    return new_leaf(out)
                d0 = 1.0 if x > 0.0 else y
                d1 = strong_zero if x > 0.0 else x
            except (ArithmeticError, ValueError) as exc:
                raise _op_error(_LEAKY_RELU, exc, (x, y)) from None
            node = _new_value(Value)
            node._data = out
            node._grad = 0.0
            node._label = ""
            node._op_def = _LEAKY_RELU
            node._uses = 0
            node._a = self  # type: ignore[assignment]
            node._b = slope
            node._da = d0
            node._db = d1
            return node
        number = _number(slope, "leaky_relu")
        if number is None:
            raise TypeError(f"leaky_relu: slope must be a number or Value, got {type(slope).__name__}")
        x = self._data
        y = number
        try:
            out = x if x > 0.0 else y * x
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = 1.0 if x > 0.0 else y
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_LEAKY_RELU, exc, (x, y)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _LEAKY_RELU
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = number
        node._da = d0
        node._db = 0.0
        return node

    def softplus(self) -> Value:
        """softplus log(1+e^x): d/dx = sigmoid(x)."""
        x = self._data
        try:
            out = log1p(exp(-abs(x))) + (x if x > 0.0 else 0.0)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = -expm1(-out)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_SOFTPLUS, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _SOFTPLUS
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def sin(self) -> Value:
        """sin: d/dx = cos(x)."""
        x = self._data
        try:
            out = sin(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = cos(x)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_SIN, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _SIN
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node

    def cos(self) -> Value:
        """cos: d/dx = -sin(x)."""
        x = self._data
        try:
            out = cos(x)
            if _open.depth and _mode.paused:  # no_grad open in this thread
                return new_leaf(out)
            d0 = -sin(x)
        except (ArithmeticError, ValueError) as exc:
            raise _op_error(_COS, exc, (x,)) from None
        node = _new_value(Value)
        node._data = out
        node._grad = 0.0
        node._label = ""
        node._op_def = _COS
        node._uses = 0
        node._a = self  # type: ignore[assignment]
        node._b = None
        node._da = d0
        node._db = 0.0
        return node
