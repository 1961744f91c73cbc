"""Argument Values and parameters: what would split one eager node into two compiled inputs is refused."""

from __future__ import annotations

import pytest

from autograd_mini import TraceError, Value, trace


def test_an_argument_computed_from_a_parameter_is_refused_when_tracing() -> None:
    w = Value(3.0)
    # eager: ((w * 2) * w).backward() gives w.grad = 12.0; compiled would miss the path through x
    with pytest.raises(TraceError, match=r"args\[0\] is computed from params\[0\]"):
        trace(lambda x: x * w, w * 2, params=[w])
    with pytest.raises(TraceError, match=r"args\[1\]\[0\] is computed from params\[1\]"):
        trace(lambda x, ys: x * ys[0], 2.0, [(w * 2).exp() + 1.0], params=[Value(1.0), w])
    # even when fn never reads the parameter itself, its gradient would be 0.0 instead of eager's
    with pytest.raises(TraceError, match=r"args\[0\] is computed from params\[0\]"):
        trace(lambda x: x * x, w * 2, params=[w])
    assert w.grad == 0.0  # refused before fn ran


def test_an_argument_computed_from_a_parameter_is_refused_at_a_call() -> None:
    w = Value(3.0)
    compiled = trace(lambda x: x * w, 2.0, params=[w])
    with pytest.raises(TraceError, match=r"args\[0\] is computed from params\[0\]"):
        compiled(w * 2)
    with pytest.raises(TraceError, match=r"args\[0\] is computed from params\[0\]"):
        compiled((w + 1.0).tanh() * Value(2.0))
    assert compiled(Value(2.0) * 3.0) == (18.0, [6.0])  # computed from other Values: a number


def test_an_argument_computed_from_a_value_fn_reads_directly_is_refused_when_tracing() -> None:
    u = Value(3.0)
    # compiled, fn's read of u is frozen while the argument carries u's new value at each call
    with pytest.raises(TraceError, match=r"args\[0\] is computed from a Value fn reads directly"):
        trace(lambda x: x * u, u * 2)
    h = u * 2  # a computed Value fn reads (its leaf u is read through it)
    with pytest.raises(TraceError, match=r"args\[0\] is computed from a Value fn reads directly"):
        trace(lambda x: x * h, h + 1.0)
    with pytest.raises(TraceError, match=r"args\[0\] is computed from a Value fn reads directly"):
        trace(lambda x: x * h, u - 1.0)


def test_an_argument_computed_from_a_value_fn_reads_directly_is_refused_at_a_call() -> None:
    u = Value(3.0)
    h = u * 2
    compiled = trace(lambda x: x * h, 2.0)
    with pytest.raises(TraceError, match=r"args\[0\] is computed from a Value fn reads directly"):
        compiled(u + 1.0)
    with pytest.raises(TraceError, match=r"args\[0\] is computed from a Value fn reads directly"):
        compiled(h * 1.0)
    # the read Value itself, passed at a call: refused as it is when tracing
    with pytest.raises(TraceError, match=r"args\[0\] is a Value fn reads directly"):
        compiled(u)
    assert compiled(Value(2.0) + 1.0) == (18.0, [6.0])


def test_computed_arguments_of_other_values_are_read_as_numbers() -> None:
    w, a = Value(3.0), Value(2.0)
    x = (a * 3.0).exp().log()  # about 6.0, computed from a, which fn never reads
    compiled = trace(lambda x: x * w, x, params=[w])
    out = x * w
    out.backward()
    assert compiled(x) == (out.data, [w.grad])
    assert trace(lambda x: x * 2.0, x)(x) == (x.data * 2.0, [2.0])


def test_a_long_computed_argument_is_checked_without_recursion() -> None:
    w = Value(0.5)
    x = Value(1.0)
    for _ in range(20_000):
        x = x * 1.0
    compiled = trace(lambda y: y * w, x, params=[w])
    assert compiled(x) == (0.5, [1.0])
    chained = w
    for _ in range(20_000):
        chained = chained * 1.0
    with pytest.raises(TraceError, match=r"args\[0\] is computed from params\[0\]"):
        compiled(chained)


def test_a_parameter_listed_twice_is_refused() -> None:
    w, b = Value(3.0), Value(1.0)
    with pytest.raises(TraceError, match=r"params\[2\] is the same Value as params\[0\]"):
        trace(lambda x: x * w * w + b, 2.0, params=[w, b, w])
    assert trace(lambda x: x * w * w + b, 2.0, params=[w, b])(2.0) == (19.0, [12.0, 1.0])
