"""Engine semantics beyond the op math: settable grads, the public chain-rule step, Python
conversions, huge integers, NaN through the branching ops, no_grad on generators, threads."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value, is_grad_enabled, no_grad, toposort
from autograd_mini.ops import OPS
from tests.strategies import apply


def lecture_neuron() -> tuple[Value, dict[str, Value]]:
    """o = tanh(x1*w1 + x2*w2 + b) with the lecture's numbers."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


# -- grad is settable; backward_step is one step of the chain rule -------------------------


def test_grad_is_settable_on_every_node_and_checked() -> None:
    x = Value(2.0)
    y = x * 3
    y.grad = 1
    x.grad = 0.5
    assert (y.grad, x.grad) == (1.0, 0.5)
    for bad in ("1", None, True, [1.0]):
        with pytest.raises(TypeError, match=type(bad).__name__):
            y.grad = bad  # type: ignore[assignment]
    assert y.grad == 1.0


def test_backward_step_node_by_node_equals_backward() -> None:
    o, leaves = lecture_neuron()
    o.grad = 1.0
    for node in toposort(o):  # root first: each node's grad is complete before its step
        node.backward_step()
    by_hand = {name: v.grad for name, v in leaves.items()}

    fresh, fresh_leaves = lecture_neuron()
    fresh.backward()
    assert by_hand == {name: v.grad for name, v in fresh_leaves.items()}
    assert by_hand["w1"] == pytest.approx(1.0, abs=1e-6) and by_hand["x1"] == pytest.approx(-1.5, abs=1e-6)


def test_backward_step_adds_the_product_and_leaf_step_does_nothing() -> None:
    x, w = Value(2.0), Value(-3.0)
    z = x * w
    z.grad = 4.0
    x.grad = 1.0  # accumulates onto what is there
    z._backward()  # micrograd's name
    assert (x.grad, w.grad) == (1.0 + 4.0 * -3.0, 4.0 * 2.0)
    x.backward_step()  # a leaf: nothing to pass on
    assert (x.grad, w.grad) == (-11.0, 8.0)


def test_backward_step_with_fan_out_sums_both_edges() -> None:
    x = Value(3.0)
    z = x * x
    z.grad = 1.0
    z.backward_step()
    assert x.grad == 6.0


# -- micrograd's names ---------------------------------------------------------------------


def test_prev_is_the_distinct_parents_and_op_is_a_string() -> None:
    a, b = Value(1.0), Value(2.0)
    s = a + a
    t = s * b
    assert s._prev == (a,) and s.parents == (a, a)
    assert t._prev == (s, b)
    assert (s * 2)._prev == (s,)
    assert t._op == "*" and a._op == "" and t.tanh()._op == "tanh"
    assert str(id(t)) + t._op == f"{id(t)}*"
    names = [None if v.op_def is None else v.op_def.name for v in (t, a, t.tanh(), -a)]
    assert names == ["mul", None, "tanh", "neg"]
    with pytest.warns(DeprecationWarning, match="op_def"):
        assert (t.op_name, a.op_name) == ("mul", "")


# -- everyday Python on a scalar -----------------------------------------------------------


def test_format_item_abs_round_bool() -> None:
    loss = Value(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:>8.2f}" == "    0.12"
    assert f"{loss}" == repr(loss)
    assert loss.item() == 0.123456 and type(loss.item()) is float
    assert Value(-3).abs().data == 3.0 and Value(-3).abs().op == "abs"
    assert round(Value(2.567), 1) == 2.6 and round(Value(2.5)) == 2 and type(round(Value(2.7))) is int
    assert bool(Value(1.0)) and bool(Value(-0.5)) and bool(Value(math.nan))
    assert not bool(Value(0.0)) and not bool(Value(-0.0))


def test_round_cuts_the_graph() -> None:
    x = Value(1.26)
    assert not isinstance(round(x * 2, 1), Value)


# -- numbers beyond float range ------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: Value(10**400), "Value data"),
        (lambda: Value(1.0) + 10**400, "add: number operand"),
        (lambda: 10**400 - Value(1.0), "sub: number operand"),
        (lambda: Value(2.0) ** (10**5000), "pow: number operand"),
        (lambda: Value(1.0).backward(10**400), "backward grad"),
        (lambda: setattr(Value(1.0), "data", -(10**400)), "data"),
        (lambda: setattr(Value(1.0), "grad", 10**400), "grad"),
    ],
)
def test_integers_too_large_for_a_float_are_named(call: object, names: str) -> None:
    with pytest.raises(OverflowError, match=f"{names}.*too large for a float") as info:
        call()  # type: ignore[operator]
    assert "digits" in str(info.value)


def test_overflowing_number_leaves_node_unchanged() -> None:
    x = Value(3.0)
    with pytest.raises(OverflowError):
        x.data = 10**400
    assert x.data == 3.0


# -- a derivative that overflows is inf; the value decides whether the op succeeds ----------


def test_pow_whose_only_derivative_overflows_succeeds() -> None:
    x = Value(1e-200)
    z = x**-1.5
    z.backward()
    assert z.data == pytest.approx(1e300) and x.grad == -math.inf
    with no_grad():
        assert (Value(1e-200) ** -1.5).data == z.data


_VALUE_OPERANDS = st.floats(-1e6, 1e6) | st.sampled_from([1e-300, -1e-300, 1e-200, 0.0, -0.0, 1e300])


@given(name=st.sampled_from(sorted(OPS)), x=_VALUE_OPERANDS, y=_VALUE_OPERANDS, y_is_value=st.booleans())
def test_recording_never_fails_where_the_value_succeeds(
    name: str, x: float, y: float, y_is_value: bool
) -> None:
    """Where an op's value is defined (no_grad succeeds), recording it succeeds too, except for
    the documented precondition of a derivative (a Value exponent needs base > 0)."""
    op = OPS[name]

    def run() -> Value:
        args = (Value(x),) if op.arity == 1 else (Value(x), Value(y) if y_is_value else y)
        return apply(name, *args)

    with no_grad():
        try:
            value = run().data
        except (ValueError, ArithmeticError):
            return
    try:
        recorded = run()
    except ValueError as exc:
        guarded = op.grad_domain(1)
        assert y_is_value and guarded is not None and guarded.explanation in str(exc)
        return
    assert (math.isnan(value) and math.isnan(recorded.data)) or recorded.data == value


# -- NaN through the branching ops: propagate, as PyTorch float64 does ----------------------
# PyTorch 2.13 float64: relu(nan) = nan with slope 1; abs(nan) = nan with slope 0;
# leaky_relu(nan, 0.01) = nan with slope 0.01; relu(-0.0) = -0.0.


@pytest.mark.parametrize(
    ("build", "slope"),
    [(Value.relu, 1.0), (Value.abs, 0.0), (lambda v: v.leaky_relu(0.01), 0.01)],
)
def test_nan_propagates_through_branching_ops(build: object, slope: float) -> None:
    x = Value(math.nan)
    z = build(x)  # type: ignore[operator]
    z.backward()
    assert math.isnan(z.data) and x.grad == slope


def test_nan_weight_shows_in_the_loss() -> None:
    w = Value(math.nan)
    loss = (w * 2.0).relu() * 3.0 + 1.0
    loss.backward()
    assert math.isnan(loss.data)


def test_relu_keeps_the_sign_of_zero_like_pytorch() -> None:
    assert math.copysign(1.0, Value(-0.0).relu().data) == -1.0
    assert Value(-2.0).relu().data == 0.0 and Value(2.0).relu().data == 2.0


# -- no_grad on a generator function ---------------------------------------------------------


def test_no_grad_applies_while_a_generator_runs_and_not_in_between() -> None:
    seen: list[bool] = []

    @no_grad()
    def doubled(xs: list[Value]) -> Iterator[Value]:
        for x in xs:
            seen.append(is_grad_enabled())
            yield x * 2

    xs = [Value(1.0), Value(2.0)]
    for out in doubled(xs):
        assert is_grad_enabled()  # the caller's code records as usual
        assert out.is_leaf
    assert seen == [False, False]


def test_no_grad_generator_send_throw_close_and_return_value() -> None:
    @no_grad()
    def echo() -> Iterator[float]:
        received = yield 1.0
        try:
            yield float(received)
        except KeyError:
            yield -1.0
        return None

    gen = echo()
    assert next(gen) == 1.0
    assert gen.send(5) == 5.0
    assert gen.throw(KeyError("k")) == -1.0
    gen.close()
    assert is_grad_enabled()

    @no_grad()
    def finished() -> Iterator[int]:
        return 7
        yield 0  # makes it a generator

    with pytest.raises(StopIteration) as info:
        next(finished())
    assert info.value.value == 7


# -- threads -----------------------------------------------------------------------------


def test_backward_from_many_threads_on_one_shared_graph() -> None:
    o, leaves = lecture_neuron()
    o.backward()
    single = {name: v.grad for name, v in leaves.items()}
    for v in leaves.values():
        v.grad = 0.0
    threads = [threading.Thread(target=o.backward) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, v in leaves.items():
        assert v.grad == pytest.approx(8 * single[name], rel=1e-12, abs=1e-12)


def test_separate_graphs_sharing_parameters_lose_no_update() -> None:
    w = Value(0.5)

    def work() -> None:
        for _ in range(200):
            loss = sum((w * x for x in (1.0, 2.0, 3.0)), Value(0.0))
            loss.backward()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert w.grad == 6 * 200 * 6.0


def test_unary_plus_is_the_value_itself() -> None:
    x = Value(2.0)
    assert +x is x
