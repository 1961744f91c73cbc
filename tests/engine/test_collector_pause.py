"""The garbage-collector pause: on during library calls that build graphs, the user's setting restored."""

from __future__ import annotations

import gc
import inspect
import math
import numbers
import os
import random
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from types import FrameType

import pytest

import autograd_mini
from autograd_mini import Value, _collector, losses, nn
from autograd_mini._collector import pauses_collector
from autograd_mini.higher_order import gradients
from tests.helpers import collector_at_default_threshold


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    """Run the test with the collector on at Python's default threshold, and leave it as found."""
    with collector_at_default_threshold():
        yield


def paused() -> bool:
    """Whether a library call's pause is in force: the young threshold raised, the collector still on."""
    return gc.isenabled() and gc.get_threshold()[0] == _collector.PAUSED_THRESHOLD


class _Watching(Sequence[object]):
    """Inputs that note whether the collector was enabled when the library read them."""

    def __init__(self, values: list[object]) -> None:
        self.values = values
        self.seen: list[bool] = []

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index: object) -> object:
        self.seen.append(paused())
        return self.values[index]  # type: ignore[index]


class _WatchingNumber:
    """A number (registered as numbers.Real) that notes the collector's state when converted."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def __float__(self) -> float:
        self.seen.append(paused())
        return 1.0


numbers.Real.register(_WatchingNumber)


@pytest.mark.usefixtures("collector_enabled")
@pytest.mark.parametrize("module", [nn.Neuron(2), nn.Layer(2, 3), nn.MLP(2, [3, 1])], ids=repr)
def test_a_module_forward_pauses_the_collector_and_restores_it(module: nn.Module) -> None:
    inputs = _Watching([0.5, -1.0])
    module(inputs)
    assert inputs.seen and all(inputs.seen)
    assert gc.isenabled() and gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_losses_and_gradients_pause_it_too() -> None:
    scores = _Watching([Value(0.5), Value(-2.0)])
    losses.hinge(scores, [1, -1])  # type: ignore[arg-type]
    seed = _WatchingNumber()
    x = Value(2.0)
    gradients(x * x, [x], grad_outputs=seed, create_graph=True)  # type: ignore[arg-type]
    assert scores.seen and all(scores.seen)
    assert seed.seen == [True]
    assert gc.isenabled() and gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    nn.MLP(2, [3, 1])([1.0, 2.0])
    losses.l2([Value(1.0)])
    assert not gc.isenabled() and gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_your_own_switch_made_inside_a_call_is_kept() -> None:
    """The pause never touches gc.enable/gc.disable, so yours, made during a call, stand."""

    @pauses_collector
    def switching_off() -> None:
        gc.disable()

    @pauses_collector
    def switching_on() -> None:
        gc.enable()

    switching_off()
    assert not gc.isenabled() and gc.get_threshold()[0] == 700
    switching_on()
    assert gc.isenabled() and gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_your_own_switch_made_inside_a_module_forward_is_kept() -> None:
    class Disabling(_Watching):
        def __getitem__(self, index: object) -> object:  # type: ignore[override]
            gc.disable()
            return super().__getitem__(index)

    nn.MLP(2, [3, 1])(Disabling([0.5, -1.0]))  # type: ignore[arg-type]
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_your_own_threshold_set_inside_a_call_is_kept() -> None:
    @pauses_collector
    def tuning() -> None:
        gc.set_threshold(5000, 20, 30)

    tuning()
    assert gc.get_threshold() == (5000, 20, 30)


@pytest.mark.usefixtures("collector_enabled")
@pytest.mark.parametrize("threshold", [0, 10**6])
def test_a_threshold_of_0_or_above_the_pause_is_left_alone(threshold: int) -> None:
    """0 switches automatic collection off; a high one already collects less often than a pause."""
    seen = []

    @pauses_collector
    def call() -> None:
        seen.append(gc.get_threshold()[0])

    gc.set_threshold(threshold)
    call()
    assert seen == [threshold] and gc.get_threshold()[0] == threshold


@pytest.mark.usefixtures("collector_enabled")
def test_an_error_inside_restores_the_collector() -> None:
    with pytest.raises(ValueError, match="expects 2 inputs"):
        nn.MLP(2, [3, 1])([1.0])
    with pytest.raises(ValueError, match="hinge: labels"):
        losses.hinge([Value(1.0)], [7])
    assert gc.isenabled() and gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_nested_calls_restore_once_at_the_outermost() -> None:
    states = []

    @pauses_collector
    def inner() -> None:
        states.append(paused())

    @pauses_collector
    def outer() -> None:
        inner()
        states.append(paused())  # still paused after the inner call left

    outer()
    assert states == [True, True]
    assert gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_overlapping_threads_are_paused_until_the_first_call_ends() -> None:
    """A second thread's call finds the collector off and leaves it alone; the first one restores it."""
    first_inside, second_left, states = threading.Event(), threading.Event(), []

    @pauses_collector
    def long_call() -> None:
        first_inside.set()
        assert second_left.wait(10)
        states.append(("first, after the second left", paused()))

    @pauses_collector
    def short_call() -> None:
        states.append(("second, inside", paused()))

    worker = threading.Thread(target=long_call)
    worker.start()
    assert first_inside.wait(10)
    short_call()
    states.append(("between the two ends", paused()))
    second_left.set()
    worker.join(10)
    assert states == [
        ("second, inside", True),
        ("between the two ends", True),
        ("first, after the second left", True),
    ]
    assert gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_keyboard_interrupt_inside_restores_the_collector() -> None:
    @pauses_collector
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert gc.isenabled() and gc.get_threshold()[0] == 700


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_still_runs_during_a_paused_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pause raises the young threshold: a young pass starts after PAUSED_THRESHOLD new objects."""
    monkeypatch.setattr(_collector, "PAUSED_THRESHOLD", 20_000)
    kept: list[list[object]] = []

    @pauses_collector
    def call(count: int) -> None:
        kept.extend([] for _ in range(count))

    assert _collections_during(lambda: call(15_000)) == []
    assert _collections_during(lambda: call(25_000)) == [0]


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
    assert paused()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # the child: report, then leave without running pytest's exit code
            os.write(write_end, b"1" if gc.get_threshold()[0] == 700 else b"0")
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


class _Interrupt(BaseException):
    """What a signal handler raises, as Ctrl-C raises KeyboardInterrupt."""


@pytest.fixture
def timer_signal() -> Iterator[None]:
    """SIGALRM's handler is the test's own for the test; the timer is off and the handler back after it."""
    previous = signal.getsignal(signal.SIGALRM)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def _calls_to_interrupt() -> dict[str, Callable[[], object]]:
    """Library calls of several shapes: the interrupts land in the wrapper's own steps or in the work."""

    @pauses_collector
    def empty() -> None:
        pass

    @pauses_collector
    def nested() -> None:
        empty()
        empty()

    model = nn.MLP(2, [4, 1])
    return {"an empty call": empty, "nested calls": nested, "a module forward": lambda: model([1.0, 2.0])}


ROUNDS = 3000  # about 0.1 s a call shape; before the fix, one of the first few interrupts left the pause


@pytest.mark.usefixtures("collector_enabled", "timer_signal")
@pytest.mark.parametrize("shape", ["an empty call", "nested calls", "a module forward"])
def test_an_interrupt_at_any_moment_of_a_call_ends_with_the_threshold_found(shape: str) -> None:
    """A signal handler's exception lands wherever the timer fires: at the start, the middle or the end."""
    call = _calls_to_interrupt()[shape]

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise _Interrupt

    signal.signal(signal.SIGALRM, interrupt)
    delays = random.Random(0)
    for done in range(ROUNDS):
        try:
            signal.setitimer(signal.ITIMER_REAL, delays.uniform(1e-6, 3e-5))
            while True:
                call()
        except _Interrupt:
            pass
        assert gc.get_threshold()[0] == 700, f"left at {gc.get_threshold()} after {done + 1} interrupts"
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled", "timer_signal")
@pytest.mark.parametrize("shape", ["an empty call", "nested calls", "a module forward"])
def test_a_threshold_set_at_any_moment_of_a_call_is_kept(shape: str) -> None:
    """A set_threshold made between a pause's reading and writing (by another thread, here a handler) stands.

    A signal handler runs where the interpreter may also switch threads, so it stands for
    another thread that sets its threshold at that moment.
    """
    call = _calls_to_interrupt()[shape]
    settings = iter(range(701, 701 + ROUNDS))
    set_to: list[int] = []

    def tune(signum: int, frame: FrameType | None) -> None:
        set_to.append(next(settings))
        gc.set_threshold(set_to[-1])

    signal.signal(signal.SIGALRM, tune)
    delays = random.Random(1)
    for done in range(ROUNDS):
        gc.set_threshold(700)
        count = len(set_to)
        signal.setitimer(signal.ITIMER_REAL, delays.uniform(1e-6, 3e-5))
        while len(set_to) == count:
            call()
        call()  # a call that starts and ends at the threshold set
        assert gc.get_threshold()[0] == set_to[-1], f"{set_to[-1]} lost after {done + 1} settings"


@pytest.mark.usefixtures("collector_enabled", "timer_signal")
def test_a_threshold_set_as_another_thread_starts_a_call_stands_when_both_calls_end() -> None:
    """Your set_threshold lands while this thread starts a call; another thread's call then starts a pause.

    Whichever moment of this thread's call the handler lands in, the other thread's pause ends
    with your setting, and this thread's call does not take over that pause.
    """
    inside, release = threading.Event(), threading.Event()
    workers: list[threading.Thread] = []

    @pauses_collector
    def empty() -> None:
        pass

    @pauses_collector
    def held() -> None:
        inside.set()
        assert release.wait(10)

    setting = [700]

    def tune_then_start_another_call(signum: int, frame: FrameType | None) -> None:
        gc.set_threshold(setting[0])
        workers.append(threading.Thread(target=held))
        workers[-1].start()
        assert inside.wait(10)

    signal.signal(signal.SIGALRM, tune_then_start_another_call)
    delays = random.Random(2)
    for done in range(500):
        gc.set_threshold(700)
        setting[0] = 701 + done
        inside.clear()
        release.clear()
        signal.setitimer(signal.ITIMER_REAL, delays.uniform(1e-6, 2e-5))
        while not inside.is_set():
            empty()
        release.set()
        workers[-1].join(10)
        assert gc.get_threshold()[0] == setting[0], f"{setting[0]} lost after {done + 1} rounds"


@pytest.mark.usefixtures("collector_enabled")
def test_your_own_function_decorated_builds_its_graph_as_one_run() -> None:
    """A graph built op by op meets young passes every 700 nodes; decorated, it meets none."""
    weights = [Value(0.01 * i) for i in range(200)]

    def build() -> list[Value]:
        return [sum((w * 0.5 for w in weights), Value(0.0)) for _ in range(40)]  # about 16,000 nodes

    assert _collections_during(build)
    assert _collections_during(autograd_mini.pauses_collector(build)) == []


@pytest.mark.usefixtures("collector_enabled")
def test_your_own_function_is_paused_inside_and_restored_after_even_on_error() -> None:
    seen: list[int] = []

    @autograd_mini.pauses_collector
    def step(fail: bool) -> float:
        """Build, backward."""
        seen.append(gc.get_threshold()[0])
        loss = (Value(2.0) * Value(3.0)).tanh()
        loss.backward()
        if fail:
            raise ValueError("from the step")
        return loss.data

    before = gc.get_threshold()
    assert step(False) == pytest.approx(math.tanh(6.0))
    with pytest.raises(ValueError, match="from the step"):
        step(True)
    assert seen == [_collector.PAUSED_THRESHOLD] * 2
    assert gc.get_threshold() == before
    assert step.__name__ == "step" and step.__doc__ == "Build, backward."


def _generator() -> Iterator[int]:
    yield 1


async def _coroutine() -> int:
    return 1


async def _async_generator() -> AsyncIterator[int]:
    yield 1


@pytest.mark.parametrize("func", [_generator, _coroutine, _async_generator])
def test_a_generator_or_async_function_is_refused(func: Callable[[], object]) -> None:
    """Its call returns before its body runs, so the pause would end before any node is built."""
    with pytest.raises(TypeError, match=rf"cannot pause {func.__name__}: a generator or async function"):
        autograd_mini.pauses_collector(func)


def test_something_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="pauses_collector decorates a function; got int 3"):
        autograd_mini.pauses_collector(3)  # type: ignore[arg-type]


class _Steps:
    """Where users put graph-building functions: methods, static and class methods."""

    @pauses_collector
    def method(self, x: float) -> tuple[float, int]:
        return x, gc.get_threshold()[0]

    @staticmethod
    @pauses_collector
    def static(x: float) -> tuple[float, int]:
        return x, gc.get_threshold()[0]

    @classmethod
    @pauses_collector
    def of_class(cls, x: float) -> tuple[str, float, int]:
        return cls.__name__, x, gc.get_threshold()[0]


@pytest.mark.usefixtures("collector_enabled")
def test_methods_static_and_class_methods_are_paused_and_bound_as_usual() -> None:
    raised = _collector.PAUSED_THRESHOLD
    assert _Steps().method(1.0) == (1.0, raised)
    assert _Steps.static(2.0) == _Steps().static(2.0) == (2.0, raised)
    assert _Steps.of_class(3.0) == _Steps().of_class(3.0) == ("_Steps", 3.0, raised)
    assert str(inspect.signature(_Steps.method)) == "(self, x: 'float') -> 'tuple[float, int]'"
    assert inspect.unwrap(_Steps.static).__name__ == "static"


@pytest.mark.parametrize("kind", [staticmethod, classmethod])
def test_a_static_or_class_method_object_is_refused_naming_the_order(kind: type) -> None:
    """Above @staticmethod the wrapper would be a plain function again: bound, it would get the instance."""

    def build(x: float) -> float:
        return x

    with pytest.raises(TypeError, match=rf"put @pauses_collector below @{kind.__name__}"):
        autograd_mini.pauses_collector(kind(build))


def test_a_class_is_refused() -> None:
    """Decorated, a class would become a function: no isinstance, no subclass."""
    with pytest.raises(TypeError, match="pauses_collector decorates a function, not the class _Steps"):
        autograd_mini.pauses_collector(_Steps)


def test_an_object_whose_call_is_a_generator_function_is_refused() -> None:
    class Stream:
        def __call__(self) -> Iterator[int]:
            yield 1

    with pytest.raises(TypeError, match="a generator or async function returns before its body runs"):
        autograd_mini.pauses_collector(Stream())
