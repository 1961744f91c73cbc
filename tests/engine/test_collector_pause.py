"""The garbage-collector pause: on during library calls that build graphs, the user's setting restored."""

from __future__ import annotations

import gc
import numbers
import os
import threading
from collections.abc import Callable, Iterator, Sequence

import pytest

from autograd_mini import Value, _collector, losses, nn
from autograd_mini._collector import pauses_collector
from autograd_mini.higher_order import gradients


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    """Run the test with the collector on, and leave it as the test found it."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


class _Watching(Sequence[object]):
    """Inputs that note whether the collector was enabled when the library read them."""

    def __init__(self, values: list[object]) -> None:
        self.values = values
        self.seen: list[bool] = []

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index: object) -> object:
        self.seen.append(gc.isenabled())
        return self.values[index]  # type: ignore[index]


class _WatchingNumber:
    """A number (registered as numbers.Real) that notes the collector's state when converted."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def __float__(self) -> float:
        self.seen.append(gc.isenabled())
        return 1.0


numbers.Real.register(_WatchingNumber)


@pytest.mark.usefixtures("collector_enabled")
@pytest.mark.parametrize("module", [nn.Neuron(2), nn.Layer(2, 3), nn.MLP(2, [3, 1])], ids=repr)
def test_a_module_forward_pauses_the_collector_and_restores_it(module: nn.Module) -> None:
    inputs = _Watching([0.5, -1.0])
    module(inputs)
    assert inputs.seen and not any(inputs.seen)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_losses_and_gradients_pause_it_too() -> None:
    scores = _Watching([Value(0.5), Value(-2.0)])
    losses.hinge(scores, [1, -1])  # type: ignore[arg-type]
    seed = _WatchingNumber()
    x = Value(2.0)
    gradients(x * x, [x], grad_outputs=seed, create_graph=True)  # type: ignore[arg-type]
    assert scores.seen and not any(scores.seen)
    assert seed.seen == [False]
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        nn.MLP(2, [3, 1])([1.0, 2.0])
        losses.l2([Value(1.0)])
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.usefixtures("collector_enabled")
def test_an_error_inside_restores_the_collector() -> None:
    with pytest.raises(ValueError, match="expects 2 inputs"):
        nn.MLP(2, [3, 1])([1.0])
    with pytest.raises(ValueError, match="hinge: labels"):
        losses.hinge([Value(1.0)], [7])
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_nested_calls_restore_once_at_the_outermost() -> None:
    states = []

    @pauses_collector
    def inner() -> None:
        states.append(gc.isenabled())

    @pauses_collector
    def outer() -> None:
        inner()
        states.append(gc.isenabled())  # still paused after the inner call left

    outer()
    assert states == [False, False]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_overlapping_threads_are_paused_until_the_first_call_ends() -> None:
    """A second thread's call finds the collector off and leaves it alone; the first one restores it."""
    first_inside, second_left, states = threading.Event(), threading.Event(), []

    @pauses_collector
    def long_call() -> None:
        first_inside.set()
        assert second_left.wait(10)
        states.append(("first, after the second left", gc.isenabled()))

    @pauses_collector
    def short_call() -> None:
        states.append(("second, inside", gc.isenabled()))

    worker = threading.Thread(target=long_call)
    worker.start()
    assert first_inside.wait(10)
    short_call()
    states.append(("between the two ends", gc.isenabled()))
    second_left.set()
    worker.join(10)
    assert states == [
        ("second, inside", False),
        ("between the two ends", False),
        ("first, after the second left", False),
    ]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_keyboard_interrupt_inside_restores_the_collector() -> None:
    @pauses_collector
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert gc.isenabled()
    assert not _collector._holders


@pytest.mark.usefixtures("collector_enabled")
def test_no_pause_once_the_young_generation_is_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Garbage other threads make cannot pile up without bound behind back-to-back calls."""
    seen = []

    @pauses_collector
    def call() -> None:
        seen.append(gc.isenabled())

    monkeypatch.setattr(_collector, "YOUNG_LIMIT", 0)
    call()
    monkeypatch.setattr(_collector, "YOUNG_LIMIT", 10**9)
    call()
    assert seen == [True, False]


@pytest.mark.usefixtures("collector_enabled")
def test_a_forked_child_gets_the_collector_back() -> None:
    """The thread holding a pause does not exist in a forked child: the child switches it back on."""
    gc.disable()
    _collector._holders.add(-1)  # as left by a thread that was inside a call at the fork
    try:
        _collector._after_fork_in_child()
        assert gc.isenabled()
        assert not _collector._holders
    finally:
        _collector._holders.discard(-1)


@pytest.mark.usefixtures("collector_enabled")
def test_a_child_forked_while_another_thread_is_paused_collects() -> None:
    """In the child, the thread that would switch the collector back on does not exist."""
    inside, release = threading.Event(), threading.Event()

    @pauses_collector
    def paused_call() -> None:
        inside.set()
        assert release.wait(10)

    worker = threading.Thread(target=paused_call)
    worker.start()
    assert inside.wait(10)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # the child: report, then leave without running pytest's exit code
            os.write(write_end, b"1" if gc.isenabled() else b"0")
            os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(read_end, 1) == b"1"
    finally:
        release.set()
        worker.join(10)
        os.close(read_end)
        os.close(write_end)


def test_a_paused_call_keeps_the_name_and_docstring() -> None:
    assert nn.MLP.__call__.__name__ == "__call__"
    assert losses.hinge.__doc__ is not None and "relu(1 - y s)" in losses.hinge.__doc__


def _collections_during(build: Callable[[], object]) -> list[int]:
    """The generations of the collector passes that start while ``build`` runs."""
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        build()
    finally:
        gc.callbacks.remove(note)
    return started


@pytest.mark.usefixtures("collector_enabled")
def test_back_to_back_forward_calls_start_no_collector_pass() -> None:
    """[model(x) for x in X] allocates nothing between the calls, so it is one paused run."""
    model = nn.MLP(2, [16, 16, 1])
    samples = [[0.1 * i, -0.2 * i] for i in range(30)]  # about 19,000 nodes
    assert _collections_during(lambda: [model(x) for x in samples]) == []
    # The same graph built by your own operators meets the collector every 700 nodes.
    weights = [w for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    assert _collections_during(lambda: [sum(w * 0.5 for w in weights) for _ in samples])
