"""Compiled mode under hostile inputs: linear code size, eager's errors and eager's bits everywhere."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import TraceError, Value, compiler, engine, losses, no_grad, trace
from autograd_mini.ops import OPS
from tests.helpers import eager, outcome
from tests.strategies import apply

# One step per op, each applying the op to operands that are themselves inlinable expressions,
# so that a formula reading an operand several times would copy it at every level.
# Each operand is x * scale + shift (x * scale for shift 0); the shifts keep the op in its domain.
CHAIN_OPERANDS: dict[str, tuple[tuple[float, float], ...]] = {
    "add": ((0.5, 0.0), (0.25, 0.0)),
    "sub": ((0.5, 0.0), (0.25, 0.0)),
    "mul": ((0.5, 0.1), (0.25, 0.2)),
    "div": ((0.5, 0.1), (0.25, 2.0)),
    "pow": ((0.25, 1.0), (0.5, 0.5)),
    "neg": ((0.5, 0.1),),
    "abs": ((0.5, -0.1),),
    "exp": ((0.5, -0.5),),
    "log": ((0.5, 1.5),),
    "expm1": ((0.5, -0.5),),
    "log1p": ((0.5, 0.5),),
    "sqrt": ((0.5, 0.5),),
    "tanh": ((0.5, 0.1),),
    "sigmoid": ((0.5, 0.1),),
    "relu": ((0.5, 0.1),),
    "leaky_relu": ((0.5, -0.1), (0.25, 0.1)),
    "softplus": ((0.5, -1.0),),
    "sin": ((0.5, 0.1),),
    "cos": ((0.5, 0.1),),
}


def chain_step(name: str, x: Value) -> Value:
    """Op ``name`` on its CHAIN_OPERANDS expressions of x."""
    return apply(name, *(x * scale + shift if shift else x * scale for scale, shift in CHAIN_OPERANDS[name]))


MAX_BYTES_PER_NODE = 200  # pow, the longest formulas, writes about 120


def test_every_op_has_a_chain_step() -> None:
    assert sorted(CHAIN_OPERANDS) == sorted(OPS)
    assert all(len(CHAIN_OPERANDS[name]) == op.arity for name, op in OPS.items())


@pytest.mark.parametrize("name", sorted(CHAIN_OPERANDS))
@pytest.mark.parametrize("with_params", [False, True])
def test_generated_code_is_linear_in_graph_nodes(name: str, with_params: bool) -> None:
    w = Value(1.5)

    def chain(x: Value, depth: int) -> Value:
        for _ in range(depth):
            x = chain_step(name, x)
        return w * x  # with params=[w], no node of the chain needs a gradient

    params = [w] if with_params else None
    short, long = (trace(lambda x, d=d: chain(x, d), 0.3, params=params) for d in (4, 8))
    # bytes per node added by the four more steps (leaving out the fixed header and return)
    per_node = (len(long.source) - len(short.source)) / (long.num_nodes - short.num_nodes)
    assert per_node < MAX_BYTES_PER_NODE
    assert len(long.source) / long.num_nodes < MAX_BYTES_PER_NODE
    leaf = Value(0.7)
    out = chain(leaf, 8)
    w.zero_grad()
    out.backward()
    assert long(0.7) == (out.data, [w.grad] if with_params else [leaf.grad])


def test_ten_sigmoids_under_a_parameter_compile_small() -> None:
    w = Value(2.0)

    def fn(x: Value) -> Value:
        for _ in range(10):
            x = x.sigmoid()
        return w * x

    compiled = trace(fn, 0.3, params=[w])
    assert len(compiled.source) < 4_000  # was 23 MB: every sigmoid copied its operand four times


def assert_same_as_eager(
    fn: Callable[..., Value], trace_at: tuple[float, ...], at: tuple[float, ...]
) -> None:
    """The same bits (every nan alike), or the same error type and message."""
    compiled = trace(fn, *trace_at)
    assert outcome(lambda: compiled(*at)) == outcome(lambda: eager(fn, *at))


def test_cross_entropy_compiled_equals_eager_far_from_the_trace_point() -> None:
    def loss(a: Value, b: Value) -> Value:
        return losses.cross_entropy([[a, b]], [0])

    for at in [(1000.0, 1000.0), (-800.0, -800.0), (1e300, -1e300), (3.0, -2.0)]:
        assert_same_as_eager(loss, (0.0, 0.0), at)
    compiled = trace(loss, 0.0, 0.0)
    assert compiled(1000.0, 1000.0)[0] == pytest.approx(math.log(2.0), rel=1e-12)


def test_value_exponent_is_checked_without_a_gradient() -> None:
    w = Value(2.0)
    compiled = trace(lambda y: w**y, 2.0, params=[w])
    w.assign(-2.0)
    with pytest.raises(ValueError, match=r"pow: a Value exponent needs base x > 0 .*; got x = -2.0, y = 2.0"):
        compiled(2.0)


def test_derivatives_eager_computes_are_checked_without_a_gradient() -> None:
    # eager computes d/dx for every Value operand, needed or not; where that raises, compiled raises too
    w = Value(1.0)
    for at in [(1e-200,), (0.0,), (-3.0,)]:
        leaf = Value(at[0])
        try:
            eager: object = (w * leaf**-1.5).data
        except (ArithmeticError, ValueError) as exc:
            eager = exc
        compiled = trace(lambda x: w * x**-1.5, 2.0, params=[w])
        if isinstance(eager, BaseException):
            with pytest.raises(type(eager), match=r"^pow: "):
                compiled(*at)
        else:
            assert compiled(*at)[0] == eager


@pytest.mark.parametrize(
    ("loss", "label", "message"),
    [
        (losses.hinge, 7.0, "hinge: labels must be -1 or \\+1, got 7.0"),
        (losses.hinge, math.nan, "hinge: labels must be -1 or \\+1, got nan"),
        (losses.binary_cross_entropy, 2.0, r"binary_cross_entropy: labels must be in \[0, 1\], got 2.0"),
    ],
)
def test_label_checks_run_at_every_call(loss: Callable[..., Value], label: float, message: str) -> None:
    compiled = trace(lambda s, y: loss([s], [y]), 0.5, 1.0)
    with pytest.raises(ValueError, match=message):
        loss([Value(0.5)], [Value(label)])
    with pytest.raises(ValueError, match=message):
        compiled(0.5, label)
    assert compiled(0.5, 1.0)[0] == loss([Value(0.5)], [1.0]).data


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.cos(),
        lambda x: -x * 0.0,
        lambda x: x * -0.0 + x.sin() * 0.0,
        lambda x: (x * 0.0).relu() - x * 0.0,
    ],
)
def test_zero_gradients_have_eager_sign(fn: Callable[[Value], Value]) -> None:
    for at in (0.0, -0.0, 1.0):
        assert_same_as_eager(fn, (1.0,), (at,))


@pytest.mark.parametrize(
    ("fn", "at", "message"),
    [
        (Value.exp, 1000.0, "exp: result is too large for a float; got x = 1000.0"),
        (lambda x: 1.0 / x, 0.0, "div: division by zero; got x = 1.0, y = 0.0"),
        (lambda x: (x - 1).log(), 0.5, "log: needs x > 0; got x = -0.5"),
        (
            lambda x: x.sin().exp() * (x * 400).exp(),
            2.0,
            "exp: result is too large for a float; got x = 800.0",
        ),
        (lambda x: x.sin() + x.sin().sin() * 0.0, math.inf, "sin: math domain error; got x = inf"),
    ],
)
def test_errors_are_eagers_errors(fn: Callable[[Value], Value], at: float, message: str) -> None:
    assert_same_as_eager(fn, (1.5,), (at,))
    with pytest.raises((ValueError, ArithmeticError)) as caught:
        trace(fn, 1.5)(at)
    assert str(caught.value) == message


class Shouting(float):
    def __repr__(self) -> str:
        return "__import__('os').getcwd()"


@pytest.mark.filterwarnings("ignore::autograd_mini.TraceWarning")  # the hand-made node reads x.data
def test_numbers_enter_the_code_as_plain_float_reprs() -> None:
    def fn(x: Value) -> Value:
        # a node whose number operand is a float subclass, built past the engine's own conversion
        return engine._node(x.data * 3.0, OPS["mul"], x, Shouting(3.0), 3.0, x.data)

    compiled = trace(fn, 1.0)
    assert "__import__" not in compiled.source
    assert compiled(2.0) == (6.0, [3.0])


def test_dead_nodes_are_not_run() -> None:
    # The compiled function is the graph behind the result: an op whose value fn drops is no part of it.
    def fn(x: Value) -> Value:
        (x * 1000.0).exp()
        return x * 2.0

    with pytest.raises(OverflowError, match=r"^exp: "):
        fn(Value(1.0))
    assert trace(fn, 0.1)(1.0) == (2.0, [2.0])


def test_chunked_code_checks_and_raises_as_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "LOCALS_LIMIT", 20)
    monkeypatch.setattr(compiler, "CHUNK_STATEMENTS", 5)
    w = Value(0.5)

    def fn(xs: list[Value], ys: list[Value]) -> Value:
        scores = [(x * w).log() + x.sigmoid() for x in xs]
        return losses.hinge(scores, ys) + losses.cross_entropy([scores], [1])

    xs, ys = [1.0, 2.0, 3.0, 4.0], [1.0, -1.0, 1.0, -1.0]
    compiled = trace(fn, xs, ys, params=[w])
    assert "chunk functions" in compiled.source
    for w_data, at_x, at_y in [
        (0.25, xs, ys),
        (0.5, [1e300, 2.0, 3.0, 4.0], ys),
        (0.5, [1.0, -2.0, 3.0, 4.0], ys),
        (0.5, xs, [1.0, -1.0, 0.5, -1.0]),
        (-1.0, xs, ys),
    ]:
        w.assign(w_data)
        w.zero_grad()
        try:
            out = fn([Value(x) for x in at_x], [Value(y) for y in at_y])
            out.backward()
        except ValueError as exc:
            with pytest.raises(ValueError) as caught:
                compiled(at_x, at_y)
            assert str(caught.value) == str(exc)
            continue
        assert compiled(at_x, at_y) == (out.data, [w.grad])


anything = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 1000.0, -1000.0, 1e308, math.inf, math.nan]))
labels = st.sampled_from([-1.0, 1.0, 0.0, 0.5, 7.0, math.nan])


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(anything, min_size=3, max_size=3), st.lists(labels, min_size=3, max_size=3))
def test_compiled_losses_equal_eager_at_any_input(logits: list[float], ys: list[float]) -> None:
    def fn(z: list[Value], y: list[Value]) -> Value:
        return (
            losses.cross_entropy([z], [1])
            + losses.hinge(z, y)
            + losses.binary_cross_entropy(z, [abs(t) for t in y])
            + losses.mse(z, y)
        )

    compiled = trace(fn, [0.0, 0.0, 0.0], [1.0, -1.0, 1.0])
    expected = outcome(lambda: eager(lambda *v: fn(list(v[:3]), list(v[3:])), *logits, *ys))
    assert outcome(lambda: compiled(logits, ys)) == expected


def test_integers_too_large_for_a_float_are_a_clear_error() -> None:
    compiled = trace(lambda x: x * 2, 1.0)
    for number in (10**400, 2**1024 - 2**969):
        with pytest.raises(TraceError, match=r"args\[0\] is an integer too large for a float"):
            compiled(number)
    with pytest.raises(TraceError, match=r"args\[1\]\[0\] is an integer too large"):
        trace(lambda x, ys: x * ys[0], 1.0, [10**400])


def test_labels_computed_from_inputs_are_checked_at_every_call() -> None:
    def fn(s: Value, y01: Value) -> Value:
        return losses.hinge([s], [y01 * 2.0 - 1.0])  # labels given as 0/1, mapped to -1/+1

    compiled = trace(fn, 0.5, 1.0)
    leaves = [Value(0.25), Value(0.0)]
    out = fn(*leaves)
    out.backward()
    assert compiled(0.25, 0.0) == (out.data, [leaf.grad for leaf in leaves])
    with pytest.raises(ValueError, match=r"hinge: labels must be -1 or \+1, got 0.0"):
        compiled(0.25, 0.5)


# -- trace: refusals instead of a silently frozen function or a RecursionError ---------------


def test_trace_inside_no_grad_is_refused() -> None:
    with no_grad(), pytest.raises(TraceError, match="inside no_grad"):
        trace(lambda a: a * a, 2.0)


def test_trace_of_a_result_that_ignores_its_inputs_is_refused() -> None:
    @no_grad()
    def loss(a: Value) -> Value:
        return a * a

    with pytest.raises(TraceError, match="depends on no argument"):
        trace(loss, 2.0)
    w = Value(0.5)
    with pytest.raises(TraceError, match="depends on no argument"):
        trace(lambda a: Value(a.data * w.data), 2.0, params=[w])


def test_trace_refuses_deep_or_self_containing_arguments() -> None:
    deep: list[object] = [1.0]
    for _ in range(5000):
        deep = [deep]
    loop: list[object] = [1.0]
    loop.append(loop)
    for args in (deep, loop):
        with pytest.raises(TraceError, match="nest lists more than"):
            trace(lambda xs: Value(1.0) * 2, args)
    compiled = trace(lambda xs: xs[0] * 2, [1.0])
    with pytest.raises(TraceError, match="nest lists more than"):
        compiled(deep)


def test_trace_takes_any_real_number_type() -> None:
    from fractions import Fraction

    compiled = trace(lambda a: a * a, Fraction(3, 2))
    value, grads = compiled(Fraction(5, 2))
    assert value == 6.25 and grads == [5.0]
    with pytest.raises(TraceError, match="got bool"):
        compiled(True)


def test_a_function_of_no_argument_is_refused() -> None:
    with pytest.raises(TraceError, match="takes no number and no params"):
        trace(lambda: Value(2.0) * 3.0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (Value(1.0), r"params must be a list of leaf Values \(params=\[w\]\), got a single Value"),
        (3, "params must be a list of leaf Values, got int"),
        ([Value(1.0) * 2], r"params\[0\] is a computed Value"),
        ([1.0], r"params\[0\] is float"),
    ],
)
def test_params_that_are_not_a_list_of_leaf_values_are_a_trace_error(params: object, message: str) -> None:
    with pytest.raises(TraceError, match=message):
        trace(lambda x: x * 2.0, 1.0, params=params)  # type: ignore[arg-type]


class _SaysItIsAFloat:
    """Claims float as its class (isinstance believes it) but has no __float__."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return float


class _SaysItIsAValue:
    """Claims Value as its class, with none of a Value's fields."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return Value


@pytest.mark.parametrize("impostor", [_SaysItIsAFloat, _SaysItIsAValue])
def test_an_argument_faking_its_class_is_a_trace_error(impostor: type) -> None:
    with pytest.raises(TraceError, match=r"args\[0\]"):
        trace(lambda x: x * 2.0, impostor())
    compiled = trace(lambda x: x * 2.0, 1.0)
    with pytest.raises(TraceError, match=r"args\[0\]"):
        compiled(impostor())
    with pytest.raises(TraceError, match=r"params\[0\] is _SaysItIsAValue"):
        trace(lambda x: x * 2.0, 1.0, params=[_SaysItIsAValue()])


# -- a Value that is both an argument and something fn reads directly ---------------------------


def test_a_parameter_passed_as_an_argument_too_is_refused() -> None:
    w = Value(3.0)
    with pytest.raises(TraceError, match=r"args\[0\] is also params\[0\]"):
        trace(lambda x: x * w, w, params=[w])
    with pytest.raises(TraceError, match=r"args\[1\]\[0\] is also params\[0\]"):
        trace(lambda x, ys: x * ys[0], 2.0, [w], params=[w])
    # passed once, it compiles to eager's gradient: d(w*w)/dw = 2w
    assert trace(lambda: w * w, params=[w])() == (9.0, [6.0])
    assert trace(lambda x: x * x, w)(w) == (9.0, [6.0])
    # and a call cannot pass a parameter as an argument either (eager: 6.0, two inputs: 3.0)
    compiled = trace(lambda x: x * w, 2.0, params=[w])
    with pytest.raises(TraceError, match=r"args\[0\] is also params\[0\]"):
        compiled(w)
    assert compiled(Value(3.0)) == (9.0, [3.0])


def test_an_argument_value_that_fn_also_reads_directly_is_refused() -> None:
    v = Value(3.0)
    with pytest.raises(TraceError, match=r"fn reads the Value passed as args\[0\] directly"):
        trace(lambda x: x * v, v)
