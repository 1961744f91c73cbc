"""Compiled mode: equal to the eager engine, structure checks, branches, dead work, big graphs."""

from __future__ import annotations

import gc
import math
import re

import pytest
from hypothesis import given

from autograd_mini import TraceError, Value, compiler, datasets, losses, nn, optim, trace
from tests.helpers import eager
from tests.strategies import Graph, graphs


def moons_setup() -> tuple[nn.MLP, list[list[float]], list[float]]:
    X, y = datasets.make_moons(30, noise=0.1, seed=1)
    return nn.MLP(2, [8, 8, 1], seed=1), X, y


def test_moons_step_equals_eager_bit_for_bit() -> None:
    model, X, y = moons_setup()
    params = model.parameters()

    def loss_fn(X: list[list[Value]], y: list[Value]) -> Value:
        return losses.hinge([model(x) for x in X], y) + 1e-4 * losses.l2(params)

    compiled = trace(loss_fn, X, y, params=params)
    model.zero_grad()
    eager = loss_fn(X, y)  # type: ignore[arg-type]
    eager.backward()
    loss, grads = compiled(X, y)
    # Same formulas, same order of accumulation: identical floats, not merely close.
    assert loss == eager.data
    assert grads == [p.grad for p in params]


def test_training_with_compiled_gradients_matches_eager_training() -> None:
    def run(use_trace: bool) -> list[float]:
        model, X, y = moons_setup()
        params = model.parameters()
        opt = optim.SGD(params, lr=lambda k: 1.0 - 0.9 * k / 10, momentum=0.5)

        def loss_fn(X: list[list[Value]], y: list[Value]) -> Value:
            return losses.hinge([model(x) for x in X], y) + 1e-4 * losses.l2(params)

        compiled = trace(loss_fn, X, y, params=params) if use_trace else None
        history = []
        for _ in range(5):
            if compiled is not None:
                loss, grads = compiled(X, y)
                opt.step(grads)
            else:
                opt.zero_grad()
                out = loss_fn(X, y)  # type: ignore[arg-type]
                out.backward()
                loss = out.data
                opt.step()
            history.append(loss)
        return history + [p.data for p in params]

    assert run(use_trace=True) == run(use_trace=False)


@given(graphs())
def test_random_graphs_equal_eager(graph: Graph) -> None:
    compiled = trace(graph.build, *graph.inputs)
    # at the traced inputs, and at other inputs on the same compiled code
    for point in (graph.inputs, [x * 0.5 + 0.1 for x in graph.inputs]):
        out, leaf_grads = eager(graph.build, *point)
        value, grads = compiled(*point)
        assert (value, grads) == (out, leaf_grads)  # no nan here: == is bitwise
        assert [math.copysign(1.0, g) for g in grads] == [math.copysign(1.0, g) for g in leaf_grads]


@pytest.mark.parametrize(
    "fn", [lambda x: x.relu() * 3, lambda x: abs(x) * x, lambda x: x.leaky_relu(0.2) + x]
)
def test_branching_ops_follow_new_values(fn: object) -> None:
    compiled = trace(fn, 1.5)  # type: ignore[arg-type]
    for x in (2.0, -1.5, 0.0):
        leaf = Value(x)
        out = fn(leaf)  # type: ignore[operator]
        out.backward()
        assert compiled(x) == (out.data, [leaf.grad])


def test_structure_mismatch_is_a_clear_error() -> None:
    compiled = trace(lambda xs, w: sum((x * w for x in xs), Value(0.0)), [1.0, 2.0, 3.0], 0.5)
    assert compiled([1.0, 2.0, 4.0], 1.0) == (7.0, [1.0, 1.0, 1.0, 7.0])  # d/dx_i = w, d/dw = sum x
    with pytest.raises(TraceError, match=r"args\[0\] has 2 items, the traced call had 3"):
        compiled([1.0, 2.0], 1.0)
    with pytest.raises(TraceError, match=r"args\[1\] is a list where the traced call had a number"):
        compiled([1.0, 2.0, 3.0], [1.0])
    with pytest.raises(TraceError, match="args has 1 items, the traced call had 2"):
        compiled([1.0, 2.0, 3.0])
    with pytest.raises(TraceError, match="must be a number"):
        compiled([1.0, 2.0, "3"], 1.0)


def test_no_gradient_work_for_inputs_that_need_none() -> None:
    w, b = Value(0.5), Value(0.1)
    compiled = trace(lambda x, y: ((x * w + b).tanh() - y) ** 2, 1.0, 0.3, params=[w, b])
    source = compiled.source
    assert compiled.grad_names == ["params[0]", "params[1]"]
    # only gradients flowing to w and b: no term for x's or y's own gradient
    assert source.count(" = g") + source.count(" = -g") <= 4
    x = Value(2.0)
    eager = ((x * w + b).tanh() - 0.7) ** 2
    w.zero_grad()
    b.zero_grad()
    eager.backward()
    assert compiled(2.0, 0.7) == (eager.data, [w.grad, b.grad])


def test_source_reads_as_forward_then_chain_rule() -> None:
    compiled = trace(lambda x, w, b: (x * w + b).tanh(), 2.0, -3.0, 6.88)
    lines = compiled.source.splitlines()
    assert lines[0].startswith("# forward: ")
    backward_at = lines.index("    # backward")
    assert any("tanh(" in line for line in lines[:backward_at])
    assert any(
        "(1.0 - v" in line for line in lines[backward_at:]
    )  # tanh's local derivative, from the op table
    assert lines[-1].startswith("    return ")


def test_parameters_are_read_at_each_call_and_other_values_are_frozen() -> None:
    w = Value(2.0)
    frozen = Value(10.0)
    compiled = trace(lambda x: x * w + frozen, 1.0, params=[w])
    w.assign(3.0)
    frozen.assign(100.0)
    assert compiled(1.0) == (13.0, [1.0])


def test_domain_errors_name_the_op() -> None:
    compiled = trace(lambda x: (x - 1).log(), 2.0)
    with pytest.raises(ValueError, match=re.escape("log: needs x > 0; got x = -1.0")):
        compiled(0.0)
    compiled_pow = trace(lambda x, p: x**p, 2.0, 0.5)
    with pytest.raises(ValueError, match="pow: a negative base"):
        compiled_pow(-8.0, 1 / 3)
    with pytest.raises(ZeroDivisionError):
        trace(lambda x: 1 / x, 2.0)(0.0)


def test_big_graphs_use_chunked_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "LOCALS_LIMIT", 50)
    monkeypatch.setattr(compiler, "CHUNK_STATEMENTS", 7)

    def chain(x: Value) -> Value:
        y = x
        for _ in range(200):
            y = (y * 1.01 + 0.01).tanh() + y * 0.5
        return y

    compiled = trace(chain, 0.3)
    assert "chunk functions" in compiled.source
    leaf = Value(0.3)
    out = chain(leaf)
    out.backward()
    assert compiled(0.3) == (out.data, [leaf.grad])


def test_chunks_end_at_a_size_too_so_long_inlined_lines_compile_in_bounded_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compiler, "LOCALS_LIMIT", 20)
    monkeypatch.setattr(compiler, "CHUNK_STATEMENTS", 10_000)  # only the size ends a chunk here
    monkeypatch.setattr(compiler, "CHUNK_CHARS", 300)
    pieces: list[str] = []
    original = compiler._compile

    def spy(program: compiler._Program, checks: tuple[compiler.Check, ...]) -> compiler.Runner:
        pieces.extend(program.pieces)
        return original(program, checks)

    monkeypatch.setattr(compiler, "_compile", spy)

    def chain(x: Value) -> Value:
        for _ in range(400):  # one forward line holds up to MAX_INLINE_DEPTH products
            x = x * 1.001
        return x

    compiled = trace(chain, 0.5)
    chunks = pieces[:-1]  # the last piece is the driver
    assert len(chunks) > 10
    # a chunk ends once it reaches 300 characters: at most one line more than that
    longest_line = max(len(line) for piece in chunks for line in piece.splitlines())
    assert all(len(piece) < 300 + 2 * longest_line for piece in chunks)
    leaf = Value(0.5)
    out = chain(leaf)
    out.backward()
    assert compiled(0.5) == (out.data, [leaf.grad])


def test_a_gradient_read_by_one_term_is_inlined_not_given_a_line() -> None:
    def chain(x: Value) -> Value:
        for _ in range(100):
            x = (x * 1.01).tanh()  # each node passes its gradient to one operand only
        return x

    compiled = trace(chain, 0.5)
    backward = compiled.source.split("# backward", 1)[1].splitlines()[1:-1]
    assert len(backward) < 10  # a line every MAX_INLINE_DEPTH steps, not one per node
    leaf = Value(0.5)
    out = chain(leaf)
    out.backward()
    assert compiled(0.5) == (out.data, [leaf.grad])
    assert compiled(-3.0)[1] == eager(chain, -3.0)[1]


def test_long_chains_do_not_nest_too_deeply() -> None:
    def chain(x: Value) -> Value:
        for _ in range(5_000):
            x = x * 1.0001 + 0.0001
        return x

    value, grads = trace(chain, 1.0)(1.0)
    leaf = Value(1.0)
    out = chain(leaf)
    out.backward()
    assert (value, grads) == (out.data, [leaf.grad])


def test_trace_errors() -> None:
    with pytest.raises(TraceError, match="must return a Value"):
        trace(lambda x: 1.0, 1.0)  # type: ignore[arg-type, return-value]
    with pytest.raises(TraceError, match="leaf Values"):
        trace(lambda x: x, 1.0, params=[Value(1.0) * 2])
    with pytest.raises(TraceError, match="must be a number"):
        trace(lambda x: x, {"a": 1})  # type: ignore[arg-type, return-value]
    assert "CompiledFunction(" in repr(trace(lambda x: x * 2, 1.0))


def test_trace_pauses_the_collector_while_it_runs_and_restores_it() -> None:
    from autograd_mini import _collector

    seen: list[int] = []

    def fn(x: Value) -> Value:
        seen.append(gc.get_threshold()[0])
        return x * 2.0

    assert gc.isenabled()
    threshold = gc.get_threshold()[0]
    compiled = trace(fn, 1.0)
    assert seen == [_collector.PAUSED_THRESHOLD]  # paused while fn built the graph
    assert gc.get_threshold()[0] == threshold and gc.isenabled()  # and the user's setting restored
    gc.disable()
    try:
        trace(fn, 1.0)
        assert not gc.isenabled()  # a user's own pause is left as it was
    finally:
        gc.enable()
    assert compiled(3.0) == (6.0, [2.0])
    assert trace.__name__ == "trace" and "Trace ``fn" in (trace.__doc__ or "")


def test_check_each_call_is_still_importable_from_the_compiler() -> None:
    from autograd_mini import checks, compiler

    assert compiler.check_each_call is checks.check_each_call
    assert "check_each_call" in compiler.__all__
