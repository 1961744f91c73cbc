"""Graph cases: fan-out, shared nodes, deep chains, repeated backward, no_grad and detach."""

from __future__ import annotations

import math
import sys
import threading

import pytest

from autograd_mini import Value, is_grad_enabled, no_grad, toposort, zero_grad


def test_xyz_diagram_numbers() -> None:
    """The x,y -> z diagram: z = x*y at x=3, y=-4 with dL/dz = 2 arriving from above."""
    x, y = Value(3.0, "x"), Value(-4.0, "y")
    z = x * y
    assert z.data == -12.0
    assert z.op == "*"
    assert z.parents == (x, y)
    assert z.local_grads == (-4.0, 3.0)  # dz/dx = y, dz/dy = x, stored in the forward pass
    z.backward(2.0)
    assert z.grad == 2.0
    assert x.grad == 2.0 * -4.0
    assert y.grad == 2.0 * 3.0


def test_diamond() -> None:
    a = Value(2.0)
    b = a * 2  # da: 2
    c = a + 3  # da: 1
    d = b * c  # d = 2a(a+3), dd/da = 4a + 6
    d.backward()
    assert a.grad == 4 * 2.0 + 6


def test_a_plus_a_keeps_both_edges() -> None:
    a = Value(5.0)
    b = a + a
    assert b.parents == (a, a)
    assert b.local_grads == (1.0, 1.0)
    b.backward()
    assert a.grad == 2.0


def test_a_times_a_accumulates() -> None:
    a = Value(3.0)
    b = a * a
    b.backward()
    assert a.grad == 6.0  # tinygrad once assigned instead of accumulating and got 3


def test_reused_intermediate() -> None:
    a = Value(0.5)
    b = a * a
    c = b + b * b  # dc/da = (1 + 2b) * 2a
    c.backward()
    assert a.grad == pytest.approx((1 + 2 * 0.25) * 2 * 0.5, rel=1e-15)
    assert b.grad == 1 + 2 * 0.25


@pytest.mark.slow
def test_million_node_chain_at_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 1000 + 100  # pytest may add a little; far below the depth
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    y.backward()
    assert x.grad == pytest.approx(1.000001**1_000_000, rel=1e-9)


def test_backward_twice_accumulates_leaves_but_not_intermediates() -> None:
    x = Value(1.0)
    mid = x * 2
    out = mid * 3
    out.backward()
    out.backward()
    assert x.grad == 12.0  # micrograd gives 18: stale intermediate grads double-count
    assert mid.grad == 3.0
    assert out.grad == 1.0


def test_backward_seed_scales_every_gradient() -> None:
    x = Value(2.0)
    out = x.tanh() * x
    out.backward(0.5)
    grad_half = x.grad
    zero_grad([x])
    out.backward()
    assert grad_half == pytest.approx(x.grad / 2, rel=1e-15)


def test_backward_on_a_leaf_accumulates_the_seed() -> None:
    x = Value(2.0)
    x.backward()
    x.backward(3)
    assert x.grad == 4.0


def test_zero_grad_helper_and_method() -> None:
    a, b = Value(1.0), Value(2.0)
    (a * b).backward()
    zero_grad([a])
    assert (a.grad, b.grad) == (0.0, 1.0)
    b.zero_grad()
    assert b.grad == 0.0


def test_toposort_puts_every_node_before_its_parents() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = toposort(e)
    assert order[0] is e
    assert len(order) == len(set(order)) == 5
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[parent] > position[node]


def test_no_grad_records_nothing_and_restores() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            y = (x * 3).tanh()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.is_leaf and y.parents == () and y.op == ""
    assert y.data == math.tanh(6.0)
    z = x * 3
    assert z.parents == (x,)


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def evaluate(v: Value) -> Value:
        return v * v

    assert evaluate(Value(3.0)).is_leaf
    assert is_grad_enabled()


def test_no_grad_is_per_thread() -> None:
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)
            seen.append(is_grad_enabled())

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    # The worker is inside no_grad right now; this thread must still record.
    recorded = Value(1.0) * 2
    release.set()
    thread.join(5)
    assert recorded.parents != ()
    assert seen == [False]


def test_detach_stops_the_gradient() -> None:
    x = Value(3.0, "x")
    d = x.detach()
    assert d.is_leaf and d.data == 3.0 and d.label == "x" and d is not x
    out = x * d
    out.backward()
    assert x.grad == 3.0  # only through the first operand
    assert d.grad == 3.0


def test_identity_equality_and_data_comparisons() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert a == a
    assert len({a, b, a}) == 2
    assert a <= b and a >= b and not a < b
    assert Value(1.0) < 2 and Value(3.0) > 2.5 and Value(1.0) > 0
    with pytest.raises(TypeError):
        _ = Value(1.0) < "2"  # type: ignore[operator]


def test_number_operands_are_constants_not_parents() -> None:
    x = Value(2.0)
    y = 3 * x + 1
    assert y.operands[1] == 1.0
    assert y.parents[0].operands == (3.0, x)
    assert y.parents[0].parents == (x,)


def test_structure_is_read_only_and_data_assignable_on_leaves() -> None:
    x = Value(2.0)
    y = x * 2
    for name in ("op", "parents", "local_grads", "_prev", "_op"):
        with pytest.raises(AttributeError):
            setattr(x, name, 1.0)
    x.label = "x"
    assert x.label == "x"
    x.assign(5)
    assert x.data == 5.0
    x.data = 6
    x.data += 1
    assert x.data == 7.0
    with pytest.raises(ValueError, match="local derivatives"):
        y.assign(1.0)
    with pytest.raises(ValueError, match=r"leaf.*detach\(\)"):
        y.data = 1.0
    assert y.data == 4.0
    with pytest.raises(TypeError, match="str"):
        x.assign("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bool"):
        x.data = True
    assert x.data == 7.0


def test_float_and_repr() -> None:
    x = Value(2.5, "x")
    assert float(x) == 2.5
    assert repr(x) == "Value(data=2.5, grad=0, label='x')"
    assert "op='*'" in repr(x * 2)


# -- backward keeps its counts in the nodes (_uses): they must be 0 again after every pass --


class _Boom(float):
    """A local derivative that raises when backward multiplies by it (an interrupted pass)."""

    def __rmul__(self, other: object) -> float:
        raise KeyboardInterrupt


def test_interrupted_backward_leaves_no_counts_behind() -> None:
    from autograd_mini import engine
    from autograd_mini.ops import OPS

    x = Value(2.0)
    shared = x * 3.0 + x  # reached by the interrupted pass and by the next one
    bad = engine._node(1.0, OPS["mul"], shared, shared, _Boom(1.0), 1.0)
    with pytest.raises(KeyboardInterrupt):
        (bad + shared).backward()
    assert all(node._uses == 0 for node in toposort(bad + shared))
    x.zero_grad()
    (shared * shared).backward()  # d(16x^2)/dx at x = 2
    assert x.grad == 64.0
    assert all(node._uses == 0 for node in toposort(shared))


def test_counts_are_zero_after_backward_on_shared_subgraphs() -> None:
    x = Value(1.5)
    h = (x * x).tanh()
    first, second = h * 2.0 + h, h.exp() * h
    first.backward()
    second.backward()  # h was counted by first's pass too: its count must have gone back to 0
    assert h.grad == math.exp(h.data) * h.data + math.exp(h.data)
    assert all(node._uses == 0 for node in toposort(first) + toposort(second))


def test_no_grad_count_of_open_blocks_returns_to_zero() -> None:
    from autograd_mini import _grad_mode

    with pytest.raises(RuntimeError), no_grad(), no_grad():
        raise RuntimeError("leave both blocks by an exception")
    assert _grad_mode.open_blocks.depth == 0
    assert (Value(1.0) * 2.0).parents  # records again


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_operator_dispatch_matches_the_per_kind_kernels(name: str) -> None:
    """x <op> y through the one-call dispatcher equals the op's Value and number kernels."""
    from fractions import Fraction

    from autograd_mini import engine
    from autograd_mini.kernels import build_kernel
    from autograd_mini.ops import OPS

    vv, vc = (build_kernel(OPS[name], kinds, engine.KERNEL_NAMES) for kinds in [(True, True), (True, False)])
    dispatch = getattr(Value, OPS[name].method)
    x, y = Value(1.5), Value(2.5)
    for other, kernel, operand in [(y, vv, y), (2.5, vc, 2.5), (2, vc, 2.0), (Fraction(5, 2), vc, 2.5)]:
        got, want = dispatch(x, other), kernel(x, operand)
        assert (got.data, got.op, got.operands, got.local_grads) == (
            want.data,
            want.op,
            want.operands,
            want.local_grads,
        )
        assert type(got.operands[1]) is type(want.operands[1])  # a number operand is stored as a float
    assert dispatch(x, "2") is NotImplemented
    assert dispatch(x, True) is NotImplemented  # bool is not a number here
