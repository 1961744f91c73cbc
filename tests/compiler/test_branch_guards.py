"""Decisions fn makes from numbers while traced: comparisons are guarded, number reads warned about."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini
from autograd_mini import BranchChangedError, TraceWarning, Value, checks, losses, nn, trace
from autograd_mini.compile_cache import MAX_VARIANTS

HERE = __file__


def _eager(
    fn: Callable[..., Value], xs: list[float], params: list[Value] | None = None
) -> tuple[float, list[float]]:
    """fn's value and gradients (with respect to params, else to the inputs) by eager backward."""
    targets = params or []
    saved = [p.grad for p in targets]
    for p in targets:
        p.grad = 0.0
    leaves = [Value(x) for x in xs]
    loss = fn(*leaves)
    loss.backward()
    result = loss.data, [v.grad for v in (leaves if params is None else params)]
    for p, g in zip(targets, saved, strict=True):
        p.grad = g
    return result


def _line_of(text: str) -> int:
    """The line of this file holding ``text`` (where a warning must point)."""
    with open(HERE, encoding="utf-8") as source:
        return next(n for n, line in enumerate(source, 1) if text in line and "_line_of" not in line)


def test_a_comparison_is_repeated_and_a_changed_branch_raises_naming_it() -> None:
    def fn(x: Value) -> Value:
        return x * 2.0 if x > 0 else x * -3.0  # the guarded test

    compiled = trace(fn, 1.5)
    assert compiled(2.0) == (4.0, [2.0])
    expected = r"Value > 0.0 at .*test_branch_guards.py:\d+ was True"
    with pytest.raises(BranchChangedError, match=expected) as info:
        compiled(-1.0)
    assert f":{_line_of('the guarded test')} " in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("fn", "traced_at", "same", "other"),
    [
        (lambda x, y: x * y if x < y else x + y, (1.0, 2.0), (3.0, 4.0), (4.0, 3.0)),
        (lambda x, y: x * y if x <= y else x + y, (2.0, 2.0), (1.0, 1.5), (2.5, 2.0)),
        (lambda x, y: x * y if x >= 1 else x + y, (1.0, 2.0), (5.0, 0.0), (0.5, 2.0)),
        (lambda x, y: x * y if bool(x) else x + y, (1.0, 2.0), (-1.0, 2.0), (0.0, 2.0)),
        (lambda x, y: max([x, y]) * (x + y), (1.0, 3.0), (2.0, 3.0), (3.0, 2.0)),
        (lambda x, y: max([x, y, x * y]) * 1.0, (1.0, 3.0), (0.5, 3.0), (2.0, 3.0)),
    ],
)
def test_each_kind_of_test_is_guarded(
    fn: Callable[[Value, Value], Value],
    traced_at: tuple[float, float],
    same: tuple[float, float],
    other: tuple[float, float],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every test reads values of the result: nothing to warn about
        compiled = trace(fn, *traced_at)
    assert compiled(*same) == _eager(fn, list(same))
    with pytest.raises(BranchChangedError, match="fn would take another branch"):
        compiled(*other)


def test_a_test_of_numbers_fixed_at_trace_time_is_not_repeated() -> None:
    frozen = Value(5.0)  # read directly by fn: its value is part of the compiled code

    def fn(x: Value) -> Value:
        return x * 2.0 if frozen > 1.0 else x * 3.0

    compiled = trace(fn, 1.0)
    assert compiled(-7.0) == (-14.0, [2.0])


def test_reading_a_changing_number_warns_at_the_line_that_read_it() -> None:
    def fn(x: Value) -> Value:
        scale = x.data  # a frozen read
        return x * scale

    with pytest.warns(TraceWarning, match=r"number of a Value that changes between calls \(\.data\)") as seen:
        compiled = trace(fn, 2.0)
    assert [w.filename for w in seen] == [HERE]
    assert [w.lineno for w in seen] == [_line_of("a frozen read")]
    assert compiled(3.0) == (6.0, [2.0])  # eager: 9.0; the documented, warned-about freeze


@pytest.mark.parametrize(
    ("read", "how"),
    [
        (lambda v: float(v), "float()"),
        (lambda v: v.item(), ".item()"),
        (lambda v: round(v, 3), "round()"),
        (lambda v: float(f"{v:.3f}"), "format()"),
    ],
)
def test_every_way_of_reading_the_number_warns(read: Callable[[Value], float], how: str) -> None:
    w = Value(0.5)
    with pytest.warns(TraceWarning, match=how.replace("(", r"\(").replace(")", r"\)")):
        trace(lambda x: x * read(w * x), 2.0, params=[w])


def test_reads_of_constants_and_the_librarys_own_reads_do_not_warn() -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    constant = Value(4.0)

    def loss_fn(xs: list[list[Value]], ys: list[Value]) -> Value:
        scale = constant.data  # fixed at trace time anyway: nothing to warn about
        return losses.mse([model(x) for x in xs], ys) * scale

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = trace(loss_fn, [[1.0, 2.0], [0.5, -1.0]], [1.0, -1.0], params=model.parameters())
    assert compiled([[1.0, 2.0], [0.5, -1.0]], [1.0, -1.0])[0] > 0.0


def test_a_tested_value_the_result_does_not_need_is_computed_to_repeat_the_test() -> None:
    def fn(x: Value, y: Value) -> Value:
        return x * 2.0 if (x * y).exp() > 1.0 else x * 4.0  # x * y: outside the result's graph

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = trace(fn, 1.0, 2.0)
    assert compiled(3.0, 0.5) == (6.0, [2.0, 0.0])
    with pytest.raises(BranchChangedError, match=r"Value > 1.0 at"):
        compiled(3.0, -0.5)
    with pytest.raises(OverflowError):  # eager's own error, where eager computes the test
        compiled(30.0, 30.0)


def test_the_compile_cache_runs_a_changed_branch_eagerly_with_eagers_numbers() -> None:
    w = Value(1.5)

    def fn(x: Value) -> Value:
        return (w * x).tanh() if x * w > 0.5 else (w - x) ** 2

    cached = autograd_mini.compile(fn, params=[w])
    for x in (1.0, 2.0, -1.0, 0.1, 3.0, 0.0):
        assert cached(x) == _eager(fn, [x], [w])
    # -1.0 ran eagerly; 0.1, the second call in a row on the other branch, traced it: two variants
    assert (cached.traces, cached.eager_calls) == (2, 1)
    assert "1 run eagerly" in repr(cached)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=3, max_size=3),
    st.lists(st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=3, max_size=3), min_size=1, max_size=6),
)
def test_the_cache_equals_eager_bit_for_bit_on_piecewise_functions(
    traced: list[float], calls: list[list[float]]
) -> None:
    """Several guarded tests in a row, two-Value tests among them; every call equals eager's."""
    w = Value(0.75)

    def fn(a: Value, b: Value, c: Value) -> Value:
        out = a * w if a > b else b * w
        out = out + c if c <= 0.5 else out * c
        return out.relu() if out * w >= a else out - w

    cached = autograd_mini.compile(fn, params=[w])
    for xs in [traced, *calls]:
        assert cached(*xs) == _eager(fn, xs, [w])
    assert 1 <= cached.traces <= MAX_VARIANTS and cached.entries == 1
    assert checks.traces_running == 0


def test_a_trace_in_one_thread_records_nothing_of_another_threads_work() -> None:
    started, release = threading.Event(), threading.Event()
    seen: list[float] = []

    def slow_fn(x: Value) -> Value:
        started.set()
        release.wait(5.0)
        return x * 2.0

    def other_thread() -> None:
        started.wait(5.0)
        v = Value(3.0)
        seen.append(v.data if v > 1 else -1.0)  # a read and a test in this thread, while the trace runs
        release.set()

    helper = threading.Thread(target=other_thread)
    helper.start()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = trace(slow_fn, 1.0)
    helper.join()
    assert seen == [3.0]
    assert compiled(-5.0) == (-10.0, [2.0])
    assert checks.traces_running == 0


def test_a_failing_fn_leaves_no_trace_running() -> None:
    def broken(x: Value) -> Value:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        trace(broken, 1.0)
    assert checks.traces_running == 0
    v = Value(2.0)
    assert v > 1 and v.data == 2.0  # and nothing is recorded outside a trace


def test_the_pytorch_code_of_a_function_with_a_test_computes_the_result() -> None:
    import torch  # the torch extra is part of dev

    from autograd_mini.torch_code import torch_code

    def fn(x: Value) -> Value:
        loss = (x - 1.0) * (x - 1.0)
        if (loss * 10.0).exp() > 2.0:  # a tested value the result does not need
            loss = loss + 0.0
        return loss

    compiled = trace(fn, 3.0)
    namespace: dict[str, object] = {}
    exec(torch_code(compiled).source, namespace)  # our own generated code
    compute = namespace["compute"]
    assert compute(torch.tensor(3.0, dtype=torch.float64)).item() == compiled(3.0)[0] == 4.0  # type: ignore[operator]


def test_a_test_or_read_of_a_value_made_under_no_grad_warns() -> None:
    def fn(x: Value) -> Value:
        with autograd_mini.no_grad():
            s = x * 2.0
        return x * 3.0 if s > 0 else x * 5.0  # s has no graph: no guard can repeat this test

    with pytest.warns(TraceWarning, match=r"reads a Value made during the trace without a graph"):
        trace(fn, 1.0)

    def reads(x: Value) -> Value:
        return x * float(x.detach())

    with pytest.warns(TraceWarning, match=r"changes between calls \(float\(\)\)"):
        trace(reads, 1.0)


def test_numbers_handed_back_by_the_library_inside_fn_warn() -> None:
    inner = trace(lambda x: x * x, 1.0)

    def through_grad(x: Value) -> Value:
        y = x * x * x
        y.backward()
        return x * x.grad

    def through_compiled(x: Value) -> Value:
        value, _ = inner(x)
        return x * value

    for fn, how in ((through_grad, r"\.grad"), (through_compiled, "a compiled function's argument")):
        with pytest.warns(TraceWarning, match=how) as seen:
            trace(fn, 1.0)
        assert {w.filename for w in seen} == {HERE}


def test_the_checks_a_function_asks_for_do_not_warn() -> None:
    def positive(x: float) -> None:
        if x <= 0:
            raise ValueError("must be positive")

    def fn(x: Value) -> Value:
        checks.check_each_call(x, positive)
        return x * 2.0

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = trace(fn, 1.0)
    with pytest.raises(ValueError, match="must be positive"):
        compiled(-1.0)


def test_every_line_reading_a_changing_number_warns() -> None:
    def fn2(x: Value) -> Value:
        a = x * 2.0
        b, c = a + 1.0, a + 2.0
        first = float(b)  # read one
        return x * (first + float(c))  # read two

    with pytest.warns(TraceWarning) as seen:
        trace(fn2, 1.0)
    assert sorted(w.lineno for w in seen) == [_line_of("read one"), _line_of("read two")]


def test_warnings_name_the_users_module_and_line_even_through_the_standard_library() -> None:
    import statistics

    def fn(xs: list[Value]) -> Value:
        middle = statistics.median_low(xs)  # compares inside the standard library
        return middle * float(xs[0])  # and a read here

    with pytest.warns(TraceWarning) as seen:
        compiled = trace(fn, [1.0, 3.0, 2.0])
    assert [(w.filename, w.lineno) for w in seen] == [(HERE, _line_of("and a read here"))]
    with pytest.raises(BranchChangedError, match=f"test_branch_guards.py:{_line_of('compares inside')} "):
        compiled([5.0, 3.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", category=TraceWarning, module=__name__)  # checked first
        trace(lambda x: x * float(x * 1.5), 2.0)  # silenced by its module's name


def test_the_cache_follows_a_branch_that_stays_changed_with_a_second_variant() -> None:
    w = Value(2.0)

    def fn(x: Value) -> Value:
        return w * x if x > 0 else w * x * x

    cached = autograd_mini.compile(fn, params=[w])
    calls = [3.0, -1.0, -2.0, -3.0, -4.0, 5.0, -5.0, 6.0]
    results = [cached(x) for x in calls]
    assert results == [_eager(fn, [x], [w]) for x in calls]
    # -1.0 ran eagerly; at -2.0 (the second in a row) the other branch was traced; both stay
    assert (cached.traces, cached.eager_calls, cached.entries) == (2, 1, 1)


def test_the_cache_runs_eagerly_under_no_grad_and_when_a_derivatives_branch_flips() -> None:
    from autograd_mini import gradients

    w = Value(2.0)
    cached = autograd_mini.compile(lambda x: w * x if x > 0 else w * x * x, params=[w])
    cached(3.0)
    with autograd_mini.no_grad():
        assert cached(-3.0) == (18.0, [9.0])  # eager, with its graph, inside no_grad too
        assert cached(4.0) == (8.0, [4.0])

    def slope(x: Value) -> Value:
        (g,) = gradients(x.abs() * x, [x], create_graph=True)  # d/dx x|x| = 2|x|: abs's branch
        return g * 1.0

    cached_slope = autograd_mini.compile(slope)
    assert cached_slope(2.0) == (4.0, [2.0])
    assert cached_slope(-2.0) == (4.0, [-2.0])  # the derivative's branch flipped: eager's numbers
    assert cached_slope.eager_calls == 1


def test_gradients_as_numbers_inside_fn_warn_where_they_are_used() -> None:
    from autograd_mini import gradients

    def fn(x: Value) -> Value:
        (g,) = gradients(x * x * x, [x])  # 3x^2 as a leaf with no graph
        return x * g.data  # used as a number

    def tests(x: Value) -> Value:
        (g,) = gradients(x * x * x, [x])
        return x * 2.0 if g > 5.0 else x * 3.0  # tested

    with pytest.warns(TraceWarning, match=r"\(\.data\)"):
        trace(fn, 1.0)
    with pytest.warns(TraceWarning, match="made during the trace without a graph"):
        trace(tests, 1.0)
