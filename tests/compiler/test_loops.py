"""Repeated blocks written once, as a loop (``autograd_mini._loops``).

Every compiled result is compared bit for bit with the eager engine's, and with the
straight-line code the compiler writes without loops: values, gradients, and the errors
raised (type and message). The loops are asked for on small graphs here (MIN_LOOP_NODES = 0).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, _loops, compile, compiler, losses, nn, trace
from tests.helpers import Outcome, outcome

Batch = list[list[float]]
LossFn = Callable[[Batch], Value]


@pytest.fixture(autouse=True)
def loops_on_small_graphs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_loops, "MIN_LOOP_NODES", 0)
    monkeypatch.setattr(_loops, "MIN_BLOCK_LENGTH", 1)


def eager_with_params(fn: LossFn, batch: Batch, params: Sequence[Value]) -> tuple[float, list[float]]:
    """fn on fresh leaves for ``batch``, then backward: (value, the params' gradients)."""
    for p in params:
        p.zero_grad()
    out = fn([[Value(x) for x in row] for row in batch])
    out.backward()
    return out.data, [p.grad for p in params]


def straight_line(
    fn: LossFn, batch: Batch, params: Sequence[Value]
) -> Callable[..., tuple[float, list[float]]]:
    """fn traced without loops."""
    return trace(fn, batch, params=params, loops=False)


def has_loop(compiled: object) -> bool:
    source: str = compiled.source  # type: ignore[attr-defined]
    return " in _L:" in source and " in reversed(_saved):" in source


def agree(fn: LossFn, traced_at: Batch, params: Sequence[Value], batches: list[Batch]) -> bool:
    """Trace fn, then at each batch: compiled == straight-line == eager (bits or errors). The loop's use."""
    compiled = trace(fn, traced_at, params=params)
    straight = straight_line(fn, traced_at, params)
    for batch in batches:
        expected: Outcome = outcome(lambda batch=batch: eager_with_params(fn, batch, params))
        assert outcome(lambda batch=batch: compiled(batch)) == expected, batch
        assert outcome(lambda batch=batch: straight(batch)) == expected, batch
    return has_loop(compiled)


def moons_like(samples: int, seed: int = 0) -> tuple[LossFn, list[Value], Batch]:
    """An MLP's hinge loss plus L2 over a batch, as in the moons demo (labels are the last column)."""
    model = nn.MLP(2, [4, 4, 1], seed=seed)
    params = model.parameters()

    def loss(batch: Batch) -> Value:
        scores = [model(row[:2]) for row in batch]
        return losses.hinge(scores, [row[2] for row in batch]) + 1e-4 * losses.l2(params)

    rng = random.Random(seed)
    batch = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.choice([-1.0, 1.0])] for _ in range(samples)]
    return loss, params, batch


def test_a_batch_loss_is_written_as_one_loop_and_equals_eager() -> None:
    loss, params, batch = moons_like(24)
    rng = random.Random(1)
    others = [[[rng.gauss(0, 2), rng.gauss(0, 2), row[2]] for row in batch] for _ in range(4)]
    assert agree(loss, batch, params, [batch, *others])
    compiled = trace(loss, batch, params=params)
    source = compiled.source
    # one copy of a sample's code, not 24 (a few samples at either end stay straight code)
    assert len(straight_line(loss, batch, params).source) > 3 * len(source)


def test_new_parameter_values_are_read_at_each_call() -> None:
    loss, params, batch = moons_like(8)
    compiled = trace(loss, batch, params=params)
    assert has_loop(compiled)
    for p in params:
        p.assign(p.data * -1.5 + 0.25)
    assert outcome(lambda: compiled(batch)) == outcome(lambda: eager_with_params(loss, batch, params))


def test_a_recurrence_carries_the_block_before() -> None:
    """h_k = tanh(w h_(k-1) + u x_k + b): each block reads the one before, forward and backward."""
    w, u, b = Value(0.7), Value(-1.3), Value(0.2)

    def loss(batch: Batch) -> Value:
        h: Value | float = 0.0
        for row in batch:
            h = (w * h + u * row[0] + b).tanh() * row[1]
        assert isinstance(h, Value)
        return h * h

    batch = [[0.1 * k - 0.5, 1.0 + 0.05 * k] for k in range(10)]
    rng = random.Random(2)
    others = [[[rng.gauss(0, 1), rng.gauss(1, 0.5)] for _ in batch] for _ in range(4)]
    assert agree(loss, batch, [w, u, b], [batch, *others])


def test_an_error_in_a_middle_block_is_eagers() -> None:
    """log of a negative input in sample 5 raises eager's ValueError, from inside the loop."""
    p = Value(1.5)

    def loss(batch: Batch) -> Value:
        return sum(((row[0] * p).log() + p * row[1]) for row in batch)  # type: ignore[return-value]

    batch = [[1.0 + k, 0.5 * k] for k in range(9)]
    bad = [row[:] for row in batch]
    bad[5][0] = -2.0
    assert agree(loss, batch, [p], [batch, bad])
    with pytest.raises(ValueError, match="log"):
        trace(loss, batch, params=[p])(bad)


def test_a_check_of_each_block_uses_that_blocks_input() -> None:
    """The hinge loss checks each label: a bad label in block 6 is reported as eager reports it."""
    loss, params, batch = moons_like(10)
    bad = [row[:] for row in batch]
    bad[6][2] = 0.5
    assert agree(loss, batch, params, [batch, bad])
    assert outcome(lambda: trace(loss, batch, params=params)(bad))[1] is not None


def agree_without_params(fn: LossFn, traced_at: Batch, batches: list[Batch]) -> bool:
    """As agree, for gradients with respect to every input (no params): one or more per block."""
    compiled = trace(fn, traced_at)
    straight = trace(fn, traced_at, loops=False)

    def eager_inputs(batch: Batch) -> tuple[float, list[float]]:
        leaves = [[Value(x) for x in row] for row in batch]
        out = fn(leaves)  # type: ignore[arg-type]
        out.backward()
        return out.data, [v.grad for row in leaves for v in row]

    for batch in batches:
        expected = outcome(lambda batch=batch: eager_inputs(batch))
        assert outcome(lambda batch=batch: compiled(batch)) == expected, batch
        assert outcome(lambda batch=batch: straight(batch)) == expected, batch
    return has_loop(compiled)


def test_gradients_of_each_blocks_inputs_are_returned_from_the_loop() -> None:
    """Without params the gradients are the inputs' own, some in every block: the loop keeps them."""
    w = Value(0.75)

    def loss(batch: Batch) -> Value:
        return sum(((row[0] * w + row[1]).tanh() * row[1]) for row in batch)  # type: ignore[return-value]

    batch = [[0.1 * k, 1.0 - 0.05 * k] for k in range(12)]
    compiled = trace(loss, batch)
    assert has_loop(compiled) and "_G[" in compiled.source
    assert agree_without_params(loss, batch, [batch, [[-x for x in row] for row in batch]])


def test_the_compile_cache_writes_a_loop_for_each_batch_size() -> None:
    loss, params, batch = moons_like(9)
    cached = compile(loss, params=params)
    for size in (9, 6, 9, 7):
        part = batch[:size]
        assert outcome(lambda part=part: cached(part)) == outcome(
            lambda part=part: eager_with_params(loss, part, params)
        )
    assert (cached.traces, cached.hits) == (3, 1)


def test_loops_false_writes_straight_line_code_and_loops_is_checked() -> None:
    loss, params, batch = moons_like(12)
    assert has_loop(trace(loss, batch, params=params))
    assert not has_loop(trace(loss, batch, params=params, loops=False))
    cached = compile(loss, params=params, loops=False)
    assert outcome(lambda: cached(batch)) == outcome(lambda: eager_with_params(loss, batch, params))
    assert [has_loop(v) for variants in cached._entries.values() for v in variants] == [False]
    with pytest.raises(TypeError, match="trace: loops must be True or False, got 'yes'"):
        trace(loss, batch, params=params, loops="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="compile: loops must be True or False, got 1"):
        compile(loss, params=params, loops=1)  # type: ignore[arg-type]


def test_few_or_small_blocks_stay_straight_line(monkeypatch: pytest.MonkeyPatch) -> None:
    loss, params, batch = moons_like(12)
    monkeypatch.setattr(_loops, "MIN_LOOP_NODES", 10**9)
    assert not has_loop(trace(loss, batch, params=params))
    monkeypatch.setattr(_loops, "MIN_LOOP_NODES", 0)
    assert not has_loop(trace(loss, batch[:2], params=params))  # two blocks: fewer than MIN_LOOP_BLOCKS


def test_blocks_shorter_than_min_block_length_stay_straight_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain's blocks are one op long: a turn of the loop would cost more than the op."""
    monkeypatch.setattr(_loops, "MIN_BLOCK_LENGTH", 16)

    def chain(batch: Batch) -> Value:
        x = batch[0][0] * params[0]
        for _ in range(300):
            x = (x * 0.999).tanh()
        return x

    params = [Value(0.5)]
    assert not agree(chain, [[0.25]], params, [[[0.25]], [[-3.0]]])
    monkeypatch.setattr(_loops, "MIN_BLOCK_LENGTH", 1)
    assert agree(chain, [[0.25]], params, [[[0.25]], [[-3.0]]])


def test_a_big_graph_with_repeated_blocks_fits_one_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over LOCALS_LIMIT nodes a graph is cut into chunk functions, unless its loops make it short."""
    monkeypatch.setattr(compiler, "LOCALS_LIMIT", 500)
    loss, params, batch = moons_like(24)  # about 1,900 nodes, 'big' here
    compiled = trace(loss, batch, params=params)
    assert has_loop(compiled) and "_part0" not in compiled.source
    assert agree(loss, batch, params, [batch, [[-x for x in row[:2]] + row[2:] for row in batch]])


def test_a_big_graph_whose_loop_is_still_too_long_runs_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "LOCALS_LIMIT", 100)  # shorter than the code with its loop
    monkeypatch.setattr(compiler, "CHUNK_STATEMENTS", 200)
    loss, params, batch = moons_like(24)
    compiled = trace(loss, batch, params=params)
    assert not has_loop(compiled) and "chunk functions _part0" in compiled.source
    assert not agree(loss, batch, params, [batch, [[-x for x in row[:2]] + row[2:] for row in batch]])


# -- random blocks -----------------------------------------------------------------------------

UNARY = ["exp", "log", "tanh", "relu", "sigmoid", "sqrt", "abs", "neg"]
BINARY = ["add", "sub", "mul", "div", "pow"]


def apply(op: str, a: Value | float, b: Value | float) -> Value | float:
    if op in UNARY:
        value = a if isinstance(a, Value) else Value(a)
        return -value if op == "neg" else getattr(value, op)()
    return {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "pow": lambda: a ** (b if isinstance(b, float) else 2.0),
    }[op]()


Step = tuple[str, int, int]  # op and its operands: places in the block's list of readable values


@st.composite
def block_programs(draw: st.DrawFn) -> tuple[list[Step], list[float], str, list[float] | None]:
    steps = []
    for k in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(UNARY + BINARY))
        readable = 6 + k  # two inputs, three params, the carried value, the steps before
        steps.append((op, draw(st.integers(0, readable - 1)), draw(st.integers(-3, readable - 1))))
    literals = draw(st.lists(st.sampled_from([0.5, 2.0, -1.0, 3.0]), min_size=3, max_size=3))
    combine = draw(st.sampled_from(["sum", "carry", "product"]))
    # a number per sample (a class weight): equal blocks but for a literal, written alike or not
    scale = st.sampled_from([0.5, 0.05, 0.005, 1.5, 1.05, 2.0])
    scales = draw(st.one_of(st.none(), st.lists(scale, min_size=10, max_size=10)))
    return steps, literals, combine, scales


def block_loss(
    steps: list[Step],
    literals: list[float],
    combine: str,
    params: list[Value],
    scales: list[float] | None = None,
) -> LossFn:
    def loss(batch: Batch) -> Value:
        total: Value | float = 0.0
        carried: Value | float = 1.0
        for sample, row in enumerate(batch):
            readable: list[Value | float] = [row[0], row[1], *params, carried]
            for op, a, b in steps:
                second = literals[-b - 1] if b < 0 else readable[b]
                readable.append(apply(op, readable[a], second))
            # every step reaches the result: an op the result does not read is not computed when
            # compiled (as without loops), and would not raise where eager's raises
            out = readable[6]
            for value in readable[7:]:
                out = out + value
            if scales:
                out = out * scales[sample]
            if combine == "product":
                total = total * out if isinstance(total, Value) else out
            else:
                total = total + out
            if combine == "carry":  # the next block may read this one's output
                carried = out
        last = batch[-1][0] * params[0]  # so that the result always depends on an input and a param
        return total + last if isinstance(total, Value) else last + total

    return loss


finite = st.floats(-3.0, 3.0, allow_nan=False)
special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e300, -1e-300, math.inf, math.nan])


@settings(max_examples=200, deadline=None)
@given(
    block_programs(),
    st.integers(5, 10),  # two or three blocks at the ends stay straight code: most draws loop
    st.lists(finite, min_size=3, max_size=3),
    st.lists(st.lists(st.one_of(finite, special), min_size=2, max_size=2), min_size=10, max_size=10),
)
def test_random_blocks_equal_eager_and_the_straight_code(
    program: tuple[list[Step], list[float], str, list[float] | None],
    samples: int,
    param_values: list[float],
    rows: list[list[float]],
) -> None:
    steps, literals, combine, scales = program
    params = [Value(x) for x in param_values]
    loss = block_loss(steps, literals, combine, params, scales)
    traced_at = [[0.5 + 0.1 * k, 1.25 - 0.1 * k] for k in range(samples)]
    try:
        eager_with_params(loss, traced_at, params)
    except (ArithmeticError, ValueError):
        return  # no trace where eager fails: trace raises eager's error, tested elsewhere
    agree(loss, traced_at, params, [traced_at, rows[:samples]])
    agree_without_params(loss, traced_at, [traced_at, rows[:samples]])  # the inputs' gradients too


def test_numbers_written_differently_make_blocks_differ() -> None:
    """0.5 and 0.05 have the same digits but for a zero: a loop would give every sample one of them."""
    params = [Value(0.5), Value(-0.25), Value(1.5)]
    steps: list[Step] = [("mul", 0, 2), ("tanh", 6, 0), ("add", 7, 5), ("mul", 8, 1)]
    batch = [[0.1 * k, 0.2 + k] for k in range(10)]
    for scales in ([0.5, 0.05] * 5, [1.5, 1.05] * 5, [0.5] * 5 + [0.05] * 5):
        loss = block_loss(steps, [0.5, 2.0, -1.0], "sum", params, scales)
        agree(loss, batch, params, [batch])
    assert agree(loss, batch, params, [batch])  # the last: a loop over samples 0-4 still


def test_random_blocks_use_the_loop() -> None:
    """The programs above are loops, not only straight code that agrees."""
    params = [Value(0.5), Value(-0.25), Value(1.5)]
    steps: list[Step] = [("mul", 0, 2), ("tanh", 6, 0), ("add", 7, 5), ("mul", 8, 1)]
    batch = [[0.1 * k, 0.2 + k] for k in range(8)]
    for combine in ("sum", "carry", "product"):
        loss = block_loss(steps, [0.5, 2.0, -1.0], combine, params)
        assert agree(loss, batch, params, [batch, [[-x for x in row] for row in batch]]), combine
