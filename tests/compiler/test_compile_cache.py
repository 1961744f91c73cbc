"""autograd_mini.compile: one trace per argument structure, reused, bounded, bit for bit eager."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini
from autograd_mini import CacheEvictionWarning, TraceError, Value
from autograd_mini.demos import gpt


def _model() -> tuple[list[Value], Value]:
    return [Value(0.3), Value(-0.7), Value(1.1)], Value(0.05)


def _loss(ws: list[Value], b: Value, xs: list[list[float]]) -> Value:
    """A sequence of any length through a tiny relu/exp/log model: one structure per length."""
    total: Value | float = 0.0
    for x in xs:
        s = b + sum(w * xi for w, xi in zip(ws, x, strict=True))
        total = total + (s.relu() + s.exp()).log() * (1.0 / len(xs))
    assert isinstance(total, Value)
    return total


def _eager(ws: list[Value], b: Value, xs: list[list[float]]) -> list[str]:
    params = [*ws, b]
    for p in params:
        p.grad = 0.0
    loss = _loss(ws, b, xs)
    loss.backward()
    return [loss.data.hex(), *(p.grad.hex() for p in params)]


def _hex(result: tuple[float, list[float]]) -> list[str]:
    return [result[0].hex(), *(g.hex() for g in result[1])]


def test_a_structure_is_traced_once_and_reused() -> None:
    ws, b = _model()
    cached = autograd_mini.compile(lambda xs: _loss(ws, b, xs), params=[*ws, b])
    first = cached([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    second = cached([[0.1, 0.2, 0.3], [4.0, 5.0, 6.0]])  # same structure, new numbers
    assert (cached.traces, cached.hits, cached.entries) == (1, 1, 1)
    assert first != second
    assert _hex(second) == _eager(ws, b, [[0.1, 0.2, 0.3], [4.0, 5.0, 6.0]])


def test_a_new_structure_compiles_anew_and_both_stay() -> None:
    ws, b = _model()
    cached = autograd_mini.compile(lambda xs: _loss(ws, b, xs), params=[*ws, b])
    cached([[1.0, 2.0, 3.0]])
    cached([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    cached([[3.0, 2.0, 1.0]])
    assert (cached.traces, cached.hits, cached.entries) == (2, 1, 2)
    assert cached.compile_seconds > 0.0
    assert "2 traced, 1 reused" in repr(cached)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-3.0, 3.0, allow_subnormal=False), min_size=3, max_size=3), min_size=1, max_size=4
    ),
    st.lists(st.floats(-2.0, 2.0, allow_subnormal=False), min_size=4, max_size=4),
)
def test_every_call_equals_eager_bit_for_bit(xs: list[list[float]], weights: list[float]) -> None:
    ws, b = _model()
    cached = autograd_mini.compile(lambda xs: _loss(ws, b, xs), params=[*ws, b])
    cached([[0.0, 1.0, 2.0]] * len(xs))  # traced at other numbers
    for p, w in zip([*ws, b], weights, strict=True):
        p.data = w  # parameters are read at each call
    assert _hex(cached(xs)) == _eager(ws, b, xs)


def test_growth_is_bounded_and_an_eviction_says_so() -> None:
    ws, b = _model()
    cached = autograd_mini.compile(lambda xs: _loss(ws, b, xs), params=[*ws, b], max_entries=2)
    one, two, three = ([[1.0, 2.0, 3.0]] * n for n in (1, 2, 3))
    cached(one)
    cached(two)
    cached(one)  # now two is the least recently used
    with pytest.warns(CacheEvictionWarning, match="max_entries=2"):
        cached(three)
    assert (cached.entries, cached.evictions) == (2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cached(one)  # kept: used more recently than two
    assert cached.traces == 3
    with pytest.warns(CacheEvictionWarning):
        assert _hex(cached(two)) == _eager(ws, b, two)  # traced again
    assert (cached.traces, cached.entries, cached.evictions) == (4, 2, 2)


def test_a_comparison_that_goes_the_other_way_runs_fn_eagerly() -> None:
    """A Python branch on a value is guarded: when it would go the other way, the call is eager's."""
    w = Value(2.0)

    def branchy(x: Value) -> Value:
        return w * x if x > 0 else w * x * x

    cached = autograd_mini.compile(branchy, params=[w])
    assert cached(3.0) == (6.0, [3.0])
    assert cached(-3.0) == (18.0, [9.0])  # eager: 2 * 9, d/dw = 9 (the traced branch gave -6)
    assert cached(4.0) == (8.0, [4.0])
    assert (cached.traces, cached.eager_calls) == (1, 1)
    assert w.grad == 0.0  # the eager call leaves .grad alone, as the compiled one does


def test_bad_arguments_are_refused_before_anything_is_cached() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="max_entries must be a whole number >= 1, got 0"):
        autograd_mini.compile(lambda x: w * x, params=[w], max_entries=0)
    with pytest.raises(TypeError, match="fn must be a function"):
        autograd_mini.compile(3.0)  # type: ignore[arg-type]
    with pytest.raises(TraceError, match="params must be a list of leaf Values"):
        autograd_mini.compile(lambda x: w * x, params=w)  # type: ignore[arg-type]
    cached = autograd_mini.compile(lambda x: w * x, params=[w])
    with pytest.raises(TraceError, match="must be a number"):
        cached("three")
    assert (cached.traces, cached.entries) == (0, 0)


def test_the_gpt_loss_runs_compiled_per_word_length_equal_to_eager() -> None:
    model = gpt.init_gpt(seed=2)
    params = model.parameters()
    cached = autograd_mini.compile(lambda xs, ys: gpt.one_hot_loss(model, xs, ys), params=params)
    for word in ("ab", "cd", "abc"):
        tokens = gpt.encode(word)
        loss, grads = cached(gpt.one_hot(tokens[:-1]), gpt.one_hot(tokens[1:]))
        for p in params:
            p.grad = 0.0
        eager = gpt.word_loss(model, word)
        eager.backward()
        assert [loss.hex(), *(g.hex() for g in grads)] == [eager.data.hex(), *(p.grad.hex() for p in params)]
    assert (cached.traces, cached.hits) == (2, 1)


def test_threads_sharing_a_cache_get_eager_results_and_a_bounded_table() -> None:
    import threading

    ws, b = _model()
    cached = autograd_mini.compile(lambda xs: _loss(ws, b, xs), params=[*ws, b], max_entries=2)
    inputs = [[[0.5 * k, 1.0, -1.0]] * (1 + k % 3) for k in range(12)]
    expected = [_eager(ws, b, xs) for xs in inputs]
    results: dict[int, list[str]] = {}

    def work(start: int) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CacheEvictionWarning)
            for k in range(start, len(inputs), 3):
                results[k] = _hex(cached(inputs[k]))

    threads = [threading.Thread(target=work, args=(start,)) for start in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[k] for k in range(len(inputs))] == expected
    assert cached.entries <= 2
