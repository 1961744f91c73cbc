"""Other threads and tasks next to library calls: their garbage is collected, no_grad stays theirs."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from autograd_mini import Value, _collector, is_grad_enabled, no_grad
from autograd_mini._collector import pauses_collector
from tests.helpers import collector_at_default_threshold

BOUND = 50_000  # the pause's threshold in these tests, so that they are quick
MADE = 400_000  # cyclic garbage the other thread makes during one paused call
# While a pass runs finalizers or gc callbacks (Python code, so threads switch), other threads'
# allocations start no pass: the count can overshoot the threshold by what they make meanwhile.
ALLOWED = 3 * BOUND


def test_the_pause_keeps_the_promised_bound() -> None:
    assert _collector.PAUSED_THRESHOLD <= 1_000_000  # the docs: at most about a million objects wait


@pytest.fixture
def default_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The collector on at Python's default threshold, a pause of BOUND, and left as the test found it."""
    monkeypatch.setattr(_collector, "PAUSED_THRESHOLD", BOUND)
    with collector_at_default_threshold():
        gc.collect()
        yield


def _garbage_maker(peak: list[int], done: threading.Event) -> Callable[[], None]:
    """A thread body: MADE self-referencing lists, noting the most objects waiting for the collector."""

    def make() -> None:
        try:
            for i in range(MADE):
                cycle: list[object] = []
                cycle.append(cycle)  # freed only by the collector
                if i % 500 == 0:
                    peak[0] = max(peak[0], gc.get_count()[0])
        finally:
            done.set()

    return make


@pytest.mark.usefixtures("default_collector")
@pytest.mark.parametrize("call", ["waiting", "building a graph"])
def test_garbage_another_thread_makes_during_one_long_call_is_collected(call: str) -> None:
    """However long one library call lasts, the collector keeps up with the other threads."""
    peak, done = [0], threading.Event()
    nodes: list[Value] = []

    @pauses_collector
    def long_call() -> None:
        if call == "waiting":
            assert done.wait(30)
            return
        x = acc = Value(0.5)
        while True:
            for _ in range(500):
                acc = acc * 1.0 + x
            nodes.append(acc)
            if done.wait(0.001):  # a share of the time for each thread, as in a real program
                return

    maker = threading.Thread(target=_garbage_maker(peak, done))
    maker.start()
    long_call()
    maker.join(30)
    assert done.is_set() and (call == "waiting" or nodes)
    assert 0 < peak[0] <= ALLOWED, f"{peak[0]:,} objects waited for the collector"


@pytest.mark.usefixtures("default_collector")
def test_back_to_back_calls_let_no_more_garbage_pile_up_than_one_call() -> None:
    """Calls with nothing between them are one run for the collector, still with the same bound."""
    peak, done = [0], threading.Event()

    @pauses_collector
    def short_call() -> Value:
        x = Value(0.5)
        return x * x + 1.0

    maker = threading.Thread(target=_garbage_maker(peak, done))
    maker.start()
    while not done.is_set():
        [short_call() for _ in range(100)]
    maker.join(30)
    assert 0 < peak[0] <= ALLOWED, f"{peak[0]:,} objects waited for the collector"


def test_no_grad_on_a_coroutine_function_applies_while_its_code_runs() -> None:
    x = Value(2.0)
    seen: list[tuple[str, bool]] = []

    @no_grad()
    async def evaluate() -> Value:
        seen.append(("evaluate, start", is_grad_enabled()))
        first = x * 3.0
        await asyncio.sleep(0)  # another task runs here, recording its graph
        seen.append(("evaluate, resumed", is_grad_enabled()))
        return first + x

    async def train() -> Value:
        seen.append(("train", is_grad_enabled()))
        return x * x

    async def main() -> tuple[Value, Value]:
        evaluated, trained = await asyncio.gather(evaluate(), train())
        return evaluated, trained

    evaluated, trained = asyncio.run(main())
    assert evaluated.data == 8.0 and evaluated.is_leaf  # no graph recorded
    assert not trained.is_leaf  # the other task's graph is recorded
    assert seen == [("evaluate, start", False), ("train", True), ("evaluate, resumed", False)]
    assert is_grad_enabled()
    assert asyncio.iscoroutinefunction(evaluate) and evaluate.__name__ == "evaluate"


def test_no_grad_on_a_coroutine_function_passes_errors_and_cancellation_through() -> None:
    @no_grad()
    async def failing() -> None:
        await asyncio.sleep(0)
        raise ValueError("inside")

    @no_grad()
    async def waiting_forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            assert not is_grad_enabled()  # the cleanup runs under no_grad too

    async def main() -> None:
        with pytest.raises(ValueError, match="inside"):
            await failing()
        task = asyncio.ensure_future(waiting_forever())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert is_grad_enabled()

    asyncio.run(main())
    assert is_grad_enabled()


def test_no_grad_on_an_async_generator_function_applies_while_its_code_runs() -> None:
    x = Value(2.0)
    seen: list[bool] = []

    @no_grad()
    async def stream() -> AsyncIterator[Value]:
        for k in range(3):
            seen.append(is_grad_enabled())
            yield x * float(k)
            await asyncio.sleep(0)

    async def main() -> list[Value]:
        items = []
        async for item in stream():
            assert is_grad_enabled()  # the consumer's own code records as usual
            items.append(item)
        return items

    items = asyncio.run(main())
    assert [v.data for v in items] == [0.0, 2.0, 4.0] and all(v.is_leaf for v in items)
    assert seen == [False, False, False]
    assert is_grad_enabled()
