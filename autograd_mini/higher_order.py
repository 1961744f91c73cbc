"""Higher-order derivatives: the op table's derivative formulas evaluated on Values.

``backward()`` multiplies floats: each node's local derivatives were computed as numbers
in the forward pass. Here the same formula strings are read once more, parsed once into
small trees, and evaluated with Value operations (``1.0 - out * out`` for tanh becomes
two new nodes), so every gradient is a Value with a graph of its own: differentiable
again, drawable and traceable. A branch (``1.0 if x > 0.0 else 0.0``) picks its side on
the operands' data; a constant side has derivative 0, as in PyTorch.

The rule for ``.grad``: it is always a float. ``gradients`` returns the Value gradients
and touches no ``.grad``; ``backward(create_graph=True)`` builds the same graph and writes
each node's ``.grad`` from it (the same numbers as ``backward()``).
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import checks
from ._collector import pauses_collector
from ._numbers import Number, as_float, real_number
from .checks import BranchChangedError, check_each_call
from .engine import Value, backward_lock, is_grad_enabled
from .graph import chain_term, gradient_map
from .ops import FORMULA_NAMES, OPS, StrongZero, power

__all__ = ["backward_create_graph", "derivative", "gradients", "hessian", "hvp"]

Grad = Value | float
Env = dict[str, Grad]

# -- the derivative formulas as small trees ---------------------------------------------


@dataclass(frozen=True)
class _Const:
    """A number in a formula (or inf): derivative 0."""

    value: float

    def evaluate(self, env: Env, data: Env) -> Grad:
        return self.value


@dataclass(frozen=True)
class _Name:
    """An operand name: x, y or out."""

    name: str

    def evaluate(self, env: Env, data: Env) -> Grad:
        return env[self.name]


@dataclass(frozen=True)
class _Apply:
    """An arithmetic operator (+ - * / ** and unary -) on Values or floats."""

    function: Callable[..., Grad]
    args: tuple[_Tree, ...]

    def evaluate(self, env: Env, data: Env) -> Grad:
        return self.function(*(arg.evaluate(env, data) for arg in self.args))


@dataclass(frozen=True)
class _Call:
    """A table function, exp(x): the op's Value method on a Value, the float function on a float."""

    name: str

    arg: _Tree

    def evaluate(self, env: Env, data: Env) -> Grad:
        value = self.arg.evaluate(env, data)
        if isinstance(value, Value):
            result: Value = getattr(value, self.name)()
            return result
        function: Callable[[float], float] = FORMULA_NAMES[self.name]  # type: ignore[assignment]
        return function(value)


@dataclass(frozen=True)
class _Compare:
    """A comparison chain such as 0.0 < abs(x) < 1.0, read on data only."""

    operators: tuple[Callable[[Grad, Grad], bool], ...]
    operands: tuple[_Tree, ...]

    def evaluate(self, env: Env, data: Env) -> bool:
        values = [operand.evaluate(data, data) for operand in self.operands]
        pairs = zip(self.operators, values, values[1:], strict=False)
        return all(compare(left, right) for compare, left, right in pairs)


@dataclass(frozen=True)
class _BoolOp:
    """``and`` / ``or`` of conditions."""

    is_and: bool
    values: tuple[_Tree, ...]

    def evaluate(self, env: Env, data: Env) -> bool:
        results = (bool(value.evaluate(data, data)) for value in self.values)
        return all(results) if self.is_and else any(results)


@dataclass(frozen=True)
class _Branch:
    """``body if test else orelse``: the test on the operands' data, one side evaluated."""

    test: _Tree
    body: _Tree
    orelse: _Tree
    formula: str
    reads: frozenset[str]  # the operand names the test reads

    def evaluate(self, env: Env, data: Env) -> Grad:
        taken = bool(self.test.evaluate(data, data))
        if env is not data:  # on Values: inside trace the side must be re-checked at each call
            # One check over every Value the test reads: operands that move together can flip
            # a test (y < 1.0 and 0.0 < abs(x) < 1.0) that neither flips alone.
            names = tuple(name for name in sorted(self.reads) if isinstance(env[name], Value))
            if names:
                values = tuple(env[name] for name in names)
                check_each_call(values, functools.partial(self._same_side, taken, data, names))  # type: ignore[arg-type]
        return (self.body if taken else self.orelse).evaluate(env, data)

    def _same_side(self, taken: bool, data: Env, names: tuple[str, ...], *numbers: float) -> None:
        """Refuse a compiled call where the test, with ``names`` moved to ``numbers`` together, flips."""
        moved = {**data, **dict(zip(names, numbers, strict=True))}
        if bool(self.test.evaluate(moved, moved)) != taken:
            traced = ", ".join(f"{name} = {data[name]!r}" for name in names)
            now = ", ".join(f"{name} = {moved[name]!r}" for name in names)
            raise BranchChangedError(
                f"derivative formula {self.formula!r}: its branch was chosen when tracing at "
                f"{traced} and is the other one at {now}; trace again on this side"
            )


_Tree = _Const | _Name | _Apply | _Call | _Compare | _BoolOp | _Branch

_ARITHMETIC: dict[type[ast.AST], Callable[..., Grad]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
}
_COMPARISONS: dict[type[ast.AST], Callable[[Grad, Grad], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_OPERANDS = frozenset({"x", "y", "out"})


def _power(x: Grad, y: Grad) -> Grad:
    """The table's power(x, y): Value's ** on a Value (its kernel computes power), ops.power on floats."""
    if isinstance(x, Value) or isinstance(y, Value):
        return x**y
    return power(x, y)


def _build(node: ast.AST, formula: str) -> _Tree:
    """One ast node of a table formula as a tree node; anything else is refused."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return _Const(float(node.value))
    if isinstance(node, ast.Name) and node.id in _OPERANDS:
        return _Name(node.id)
    if isinstance(node, ast.Name) and isinstance(FORMULA_NAMES.get(node.id), float):
        return _Const(FORMULA_NAMES[node.id])  # type: ignore[arg-type]  # inf, strong_zero (kept as is)
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        return _Apply(_ARITHMETIC[type(node.op)], (_build(node.left, formula), _build(node.right, formula)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _ARITHMETIC:
        return _Apply(_ARITHMETIC[type(node.op)], (_build(node.operand, formula),))
    if isinstance(node, ast.Call) and _is_power_call(node):
        return _Apply(_power, tuple(_build(arg, formula) for arg in node.args))
    if isinstance(node, ast.Call) and _is_op_call(node):
        return _Call(node.func.id, _build(node.args[0], formula))  # type: ignore[attr-defined]
    if isinstance(node, ast.Compare) and all(type(o) in _COMPARISONS for o in node.ops):
        operators = tuple(_COMPARISONS[type(o)] for o in node.ops)
        return _Compare(operators, tuple(_build(n, formula) for n in (node.left, *node.comparators)))
    if isinstance(node, ast.BoolOp):
        return _BoolOp(isinstance(node.op, ast.And), tuple(_build(v, formula) for v in node.values))
    if isinstance(node, ast.IfExp):
        reads = frozenset(n.id for n in ast.walk(node.test) if isinstance(n, ast.Name) and n.id in _OPERANDS)
        test, body, orelse = (_build(n, formula) for n in (node.test, node.body, node.orelse))
        return _Branch(test, body, orelse, formula, reads)
    raise ValueError(f"derivative formula {formula!r}: cannot evaluate {ast.dump(node)} on Values")


def _is_power_call(node: ast.Call) -> bool:
    """power(x, y), the table's power."""
    is_power = isinstance(node.func, ast.Name) and node.func.id == "power"
    return is_power and len(node.args) == 2 and not node.keywords


def _is_op_call(node: ast.Call) -> bool:
    """f(arg) where f is a table function that is also an op with a Value method (exp, log, ...)."""
    name = node.func.id if isinstance(node.func, ast.Name) else ""
    return len(node.args) == 1 and not node.keywords and name in OPS and callable(FORMULA_NAMES.get(name))


@functools.cache
def formula_tree(formula: str) -> _Tree:
    """A derivative formula of the op table parsed once into a tree that evaluates on Values."""
    return _build(ast.parse(formula, mode="eval").body, formula)


def _local_derivative(node: Value, index: int) -> Grad:
    """dnode/doperand[index] as a Value graph: the op's formula evaluated on the node's operands."""
    op = node._op_def
    assert op is not None  # only called on computed nodes
    tree = formula_tree(op.derivatives[index])
    if tree.__class__ is _Const:  # add, sub, neg: no environment needed
        return tree.value
    env: Env = {"x": node._a, "out": node}  # type: ignore[dict-item]
    if node._b is not None:
        env["y"] = node._b
    if tree.__class__ is _Name:  # mul: dz/dx = y
        return env[tree.name]
    # The operands' numbers, for the tests of branches: only formulas with a branch read them.
    data: Env = (
        {name: float(value) for name, value in env.items()} if _branches(op.derivatives[index]) else env
    )
    return tree.evaluate(env, data)


@functools.cache
def _branches(formula: str) -> bool:
    """Whether a formula has a branch (``a if test else b``)."""
    return any(isinstance(n, ast.IfExp) for n in ast.walk(ast.parse(formula, mode="eval")))


# -- the backward pass over Values ------------------------------------------------------


def _times(g: Grad, d: Grad) -> Grad:
    """g * d, without a node when either factor is the number 1.0 (the same number either way).

    A strong zero (relu at x <= 0, ...) gives +0.0 without a node, whatever g is: PyTorch's
    select, whose derivative is 0 too.
    """
    if d.__class__ is StrongZero:
        return 0.0
    if type(g) is float and g == 1.0:
        return d
    if type(d) is float and d == 1.0:
        return g
    return g * d


def _value_term(g: Grad, node: Value, index: int) -> Grad:
    """g * dnode/doperand_index, the local derivative built as a Value graph."""
    return _times(g, _local_derivative(node, index))


def _gradient_map(seeds: Sequence[tuple[Value, Grad]], create_graph: bool) -> dict[Value, Grad]:
    """d(sum of seed * root)/dnode for every node the roots reach, in backward's order.

    The local derivatives are the stored floats, or with ``create_graph`` Value graphs.
    """
    if create_graph:
        return gradient_map(seeds, _value_term)
    return gradient_map(seeds, chain_term, zero=0.0)  # sums start at 0.0, as backward's do


def _values(items: object, what: str) -> tuple[Value, ...]:
    """A Value or a non-empty sequence of Values, else a TypeError naming ``what``."""
    listed = (items,) if isinstance(items, Value) else items
    if not isinstance(listed, (list, tuple)) or not listed:
        raise TypeError(f"gradients: {what} must be a Value or a non-empty list of Values, got {items!r}")
    for i, item in enumerate(listed):
        if not isinstance(item, Value):
            raise TypeError(f"gradients: {what}[{i}] must be a Value, got {type(item).__name__}")
    return tuple(listed)


def _seed(value: object, what: str, create_graph: bool) -> Grad:
    """A grad_outputs entry: a Value (kept with create_graph, else its data) or a real number."""
    if isinstance(value, Value):
        return value if create_graph else value.data
    number = real_number(value)
    if number is None:
        raise TypeError(f"gradients: {what} must be a Value or a real number, got {type(value).__name__}")
    return number


def _seeds(outputs: tuple[Value, ...], grad_outputs: object, create_graph: bool) -> list[tuple[Value, Grad]]:
    """(output, dL/doutput) pairs: 1.0 each by default."""
    if grad_outputs is None:
        return [(out, 1.0) for out in outputs]
    listed = grad_outputs if isinstance(grad_outputs, (list, tuple)) else (grad_outputs,)
    if len(listed) != len(outputs):
        raise ValueError(
            f"gradients: grad_outputs has {len(listed)} entries but outputs has {len(outputs)} (one each)"
        )
    return [
        (out, _seed(g, f"grad_outputs[{i}]", create_graph))
        for i, (out, g) in enumerate(zip(outputs, listed, strict=True))
    ]


@pauses_collector
def gradients(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Value | Number | Sequence[Value | Number] | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Value, ...]:
    """d(sum_k grad_outputs[k] * outputs[k]) / d inputs[i] for each input i, as Values.

    With ``create_graph`` the gradients have graphs (built from the op table's derivative
    formulas) and can be differentiated again; without, they are leaves. No ``.grad`` changes.
    An input the outputs do not depend on is an error, or a 0 gradient with ``allow_unused``.
    """
    for flag, given in (("create_graph", create_graph), ("allow_unused", allow_unused)):
        if type(given) is not bool:
            raise TypeError(f"gradients: {flag} must be True or False, got {type(given).__name__}")
    roots = _values(outputs, "outputs")
    wanted = _values(inputs, "inputs")
    seeds = _seeds(roots, grad_outputs, create_graph)
    if create_graph and not is_grad_enabled():
        raise RuntimeError(
            "gradients: create_graph=True inside no_grad(): the gradients' graph cannot be recorded"
        )
    grads = _gradient_map(seeds, create_graph)
    missing = [i for i, x in enumerate(wanted) if x not in grads]
    if missing and not allow_unused:
        hint = (
            " (the outputs have no graph: computed under no_grad?)" if all(r.is_leaf for r in roots) else ""
        )
        raise ValueError(
            f"gradients: inputs[{missing[0]}] is not in the graph of outputs{hint}; "
            "pass allow_unused=True for a 0 gradient"
        )
    # Values are hashed by identity: these are the nodes a returned gradient must not be.
    taken = {g for _, g in seeds if isinstance(g, Value)} | grads.keys()
    result: list[Value] = []
    for x in wanted:
        g = _from_zero(grads.get(x, 0.0))
        if not isinstance(g, Value):
            g = Value(g)
        elif g in taken:  # an existing node (d(a*b)/da is b itself): return a new one, never an alias
            g = 0.0 + g
        taken.add(g)
        result.append(g)
    if not create_graph and checks.traces_running:  # numbers with no graph, inside a traced fn
        checks.note_made(tuple(result))
    return tuple(result)


def _from_zero(g: Grad) -> Grad:
    """0.0 + g: a gradient is a sum that starts at +0.0, as ``backward``'s are, so a zero is +0.0.

    The Value sums of ``create_graph`` start from their first term instead (a node fewer per
    sum): a -0.0 is made +0.0 here, by one more node with derivative 1, only where it occurs.
    While a trace runs, that node is always made: the graph's shape must not depend on the
    numbers, and ``0.0 + g`` is g itself for every other g.
    """
    if isinstance(g, Value):
        if checks.traces_running or (g._data == 0.0 and math.copysign(1.0, g._data) < 0.0):
            return 0.0 + g
        return g
    return 0.0 + g


@pauses_collector
def backward_create_graph(root: Value, grad: Number = 1.0) -> None:
    """``root.backward(grad, create_graph=True)``: .grad = the Value gradient's data; leaves accumulate."""
    seed = as_float(grad, "backward grad")
    if root.is_leaf:
        raise ValueError(
            "backward(create_graph=True): this Value has no graph (a leaf, or computed under no_grad)"
        )
    if not is_grad_enabled():
        raise RuntimeError(
            "backward(create_graph=True) inside no_grad(): the gradients' graph cannot be recorded"
        )
    grads = _gradient_map([(root, seed)], create_graph=True)
    with backward_lock:  # every formula evaluated first: an error leaves every .grad as it was
        for node, g in grads.items():
            value = g.data if isinstance(g, Value) else g
            node._grad = node._grad + value if node.is_leaf else 0.0 + value  # backward's sums


# -- transforms -------------------------------------------------------------------------


def _leaves(args: Sequence[object], what: str) -> list[Value]:
    """Arguments as Values: a Value is used as it is (so transforms nest), a number becomes a leaf."""
    if not isinstance(args, (list, tuple)):
        raise TypeError(f"{what} must be a list or tuple of numbers or Values, got {type(args).__name__}")
    values = []
    for i, arg in enumerate(args):
        values.append(arg if isinstance(arg, Value) else Value(as_float(arg, f"{what}: argument {i}")))
    return values


def _call(f: Callable[..., Value], args: Sequence[Value], what: str) -> Value:
    """f(*args), which must be a single Value."""
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"{what}: f must return a single Value, got {type(out).__name__}")
    return out


def _check_function(f: object, what: str) -> None:
    if not callable(f):
        raise TypeError(f"{what}: f must be callable, got {type(f).__name__}")


def derivative(f: Callable[..., Value], argnum: int = 0) -> Callable[..., Value]:
    """The function args -> df/d(args[argnum]) as a Value with a graph: derivative(derivative(f)) is f''."""
    _check_function(f, "derivative")
    if type(argnum) is not int or argnum < 0:
        raise TypeError(f"derivative: argnum must be an int >= 0, got {argnum!r}")

    @functools.wraps(f)
    def df(*args: Value | Number) -> Value:
        if argnum >= len(args):
            raise TypeError(f"derivative(f, argnum={argnum}): called with {len(args)} argument(s)")
        values = _leaves(args, "derivative(f)")
        out = _call(f, values, "derivative(f)")
        return gradients(out, values[argnum], create_graph=True, allow_unused=True)[0]

    return df


def hessian(f: Callable[..., Value], xs: Sequence[Value | Number]) -> tuple[tuple[Value, ...], ...]:
    """``H[i][j]`` = d^2 f / dx_i dx_j at xs, as Values: one backward pass per row through the gradient."""
    _check_function(f, "hessian")
    leaves = _leaves(xs, "hessian xs")
    out = _call(f, leaves, "hessian")
    first = gradients(out, leaves, create_graph=True, allow_unused=True)
    return tuple(gradients(g, leaves, create_graph=True, allow_unused=True) for g in first)


def hvp(
    f: Callable[..., Value], xs: Sequence[Value | Number], v: Sequence[Value | Number]
) -> tuple[Value, ...]:
    """H v = d/dx (grad f(x) . v) at xs, v a constant: two backward passes, never forming H."""
    _check_function(f, "hvp")
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"hvp xs must be a list or tuple of numbers or Values, got {type(xs).__name__}")
    if not isinstance(v, (list, tuple)) or len(v) != len(xs):
        raise ValueError(f"hvp: v must be a list with one entry per x ({len(xs)}), got {v!r}")
    leaves = _leaves(xs, "hvp xs")
    # The direction is a constant, as in torch.autograd.functional.hvp: its numbers, not its
    # graph (v may be the very Value x, whose own derivative would otherwise be added).
    directions = [d.data for d in _leaves(v, "hvp v")]
    out = _call(f, leaves, "hvp")
    first = gradients(out, leaves, create_graph=True, allow_unused=True)
    slope = sum((g * d for g, d in zip(first, directions, strict=True)), Value(0.0))
    return gradients(slope, leaves, create_graph=True, allow_unused=True)
