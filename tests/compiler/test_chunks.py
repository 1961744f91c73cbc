"""Compiled big graphs: chunk functions keep their values in locals and still equal eager bit for bit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings

from autograd_mini import Value, compiler, datasets, losses, nn, trace
from autograd_mini.compiler import TraceError
from tests.helpers import eager, result_bits
from tests.strategies import Graph, graphs


@contextmanager
def chunked(statements: int, pieces: list[str]) -> Iterator[None]:
    """Every graph takes the big-graph path, in chunks of ``statements``; the pieces compiled are kept."""
    original = compiler._compile

    def spy(program: compiler._Program, checks: tuple[compiler.Check, ...]) -> compiler.Runner:
        pieces.extend(program.pieces)
        return original(program, checks)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compiler, "LOCALS_LIMIT", 0)
        patch.setattr(compiler, "CHUNK_STATEMENTS", statements)
        patch.setattr(compiler, "_compile", spy)
        yield


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_chunked_random_graphs_equal_eager_bit_for_bit(graph: Graph) -> None:
    pieces: list[str] = []
    with chunked(2, pieces):
        compiled = trace(graph.build, *graph.inputs)
    assert len(pieces) >= 2  # chunks and a driver
    for point in (graph.inputs, [x * 0.5 + 0.1 for x in graph.inputs]):
        assert result_bits(compiled(*point)) == result_bits(eager(graph.build, *point))


def test_chunked_moons_step_equals_eager_bit_for_bit() -> None:
    X, y = datasets.make_moons(12, noise=0.1, seed=3)
    model = nn.MLP(2, [6, 6, 1], seed=3)
    params = model.parameters()
    unused = Value(0.25)  # a parameter the loss never reads: its gradient is 0.0

    def loss_fn(X: list[list[Value]], y: list[Value]) -> Value:
        return losses.hinge([model(x) for x in X], y) + 1e-4 * losses.l2(params)

    pieces: list[str] = []
    with chunked(25, pieces):
        compiled = trace(loss_fn, X, y, params=[*params, unused])
    assert len(pieces) > 10
    model.zero_grad()
    out = loss_fn(X, y)  # type: ignore[arg-type]
    out.backward()
    assert result_bits(compiled(X, y)) == result_bits((out.data, [p.grad for p in params] + [0.0]))


def test_long_sums_split_across_chunks_equal_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "MAX_TERMS", 3)  # a gradient's sum continues over several lines

    def fn(x: Value) -> Value:
        total = x * 0.0
        for k in range(40):
            total = total + (x * (0.1 * k - 1.3)).tanh()
        return total

    pieces: list[str] = []
    with chunked(2, pieces):
        compiled = trace(fn, 0.7)
    continued = [re.findall(r"^ +(\S+) = \1 \+ ", piece, re.M) for piece in pieces]
    assert sum(map(len, continued)) > 5  # continuation lines: g = g + ...
    assert result_bits(compiled(-0.4)) == result_bits(eager(fn, -0.4))


_LOAD = re.compile(r"    [vg]\d+ = [IS]\[\d+\]")
_STORE = re.compile(r"    S\[\d+\] = ([vg]\d+)")


def test_chunks_keep_values_in_locals_and_share_only_what_crosses() -> None:
    def fn(x: Value) -> Value:
        for _ in range(60):
            x = (x * 1.01).tanh() + x  # tanh's value is read by the backward, the sum's only forward
        return x

    pieces: list[str] = []
    with chunked(20, pieces):
        compiled = trace(fn, 0.3)
    chunks, driver = pieces[:-1], pieces[-1]
    assert len(chunks) > 3
    returned = set(re.findall(r"S\[(\d+)\]", driver)) | set(
        re.findall(r"\d+", driver.split("_T = ")[1].split(")")[0])
    )
    for k, chunk in enumerate(chunks):
        body = chunk.splitlines()[1:]
        statements = [line for line in body if not _LOAD.fullmatch(line) and not _STORE.fullmatch(line)]
        # the chunk's own statements read locals only: inputs and shared values are loaded once, on entry
        assert not any("S[" in line or "I[" in line for line in statements)
        loads = [line.split(" = ")[0].strip() for line in body if _LOAD.fullmatch(line)]
        assert len(loads) == len(set(loads))
        later_loads = set(re.findall(r"^    ([vg]\d+) = S\[", "\n".join(pieces[k + 1 : -1]), re.M))
        stores = {
            m.group(1): m.group(0).split("[")[1].split("]")[0] for m in map(_STORE.fullmatch, body) if m
        }
        defined = {line.split(" = ")[0].strip() for line in statements if re.match(r"    [vg]\d+ = ", line)}
        # a value is stored exactly when a later piece reads it
        assert set(stores) == {n for n in defined if n in later_loads or stores.get(n) in returned}
    assert "    v3 = v2 + v0" in chunks[0] and "= v3\n" not in chunks[0]  # read in chunk 0 only: a local
    assert result_bits(compiled(-0.2)) == result_bits(eager(fn, -0.2))


def test_argument_errors_name_the_place_in_nested_arguments() -> None:
    """Paths are built only when an argument is refused; they still name the exact place."""
    compiled = trace(lambda x, rows: x * rows[1][0], 1.0, [[1.0], [2.0, 3.0]])
    assert compiled(2.0, [[1.0], [5.0, 3.0]])[0] == 10.0
    with pytest.raises(TraceError, match=r"args\[1\]\[1\]\[0\] must be a number, a Value, .* got str"):
        compiled(2.0, [[1.0], ["5", 3.0]])
    with pytest.raises(TraceError, match=r"args\[1\]\[0\]\[0\] is an integer too large for a float"):
        compiled(2.0, [[10**400], [5.0, 3.0]])
    looped: list[object] = [1.0]
    looped.append(looped)
    with pytest.raises(TraceError, match="nest lists more than 100 deep"):
        compiled(2.0, looped)


@pytest.mark.parametrize("constant", [2.0, -2.0, float("inf")])
def test_a_function_of_nothing_is_refused_on_the_chunked_path_too(constant: float) -> None:
    """A function of no argument returning a literal Value would compile to one frozen number."""
    with chunked(2, []), pytest.raises(TraceError, match="takes no number and no params"):
        trace(lambda: Value(constant))


def test_an_argument_that_only_claims_to_be_a_float_is_read_as_a_number() -> None:
    class Pretender:
        """Says its class is float; float() of it is 4.0."""

        @property  # type: ignore[misc]
        def __class__(self) -> type:
            return float

        def __float__(self) -> float:
            return 4.0

    compiled = trace(lambda x: x * 2.0, 1.0)
    assert compiled(Pretender())[0] == 8.0  # converted, not run through the code as it is
