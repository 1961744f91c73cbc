"""Grad mode: whether ops record a graph, switched off per thread by ``no_grad``.

Kernels read ``open_blocks.depth`` first (a plain attribute) and the thread-local
``thread_mode.paused`` only while some thread has a ``no_grad`` block open.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Generator, Iterator
from typing import Any, TypeVar, cast

__all__ = ["is_grad_enabled", "no_grad", "open_blocks", "recording", "thread_mode"]


class _GradMode(threading.local):
    """Per-thread recording switch: no_grad in one thread never affects another."""

    paused: int = 0  # depth of nested no_grad blocks in this thread


class _OpenBlocks:
    """How many no_grad blocks are open in all threads together.

    Reading a thread-local costs about a quarter of an op, so kernels read ``thread_mode.paused``
    only while this count is not 0: ``if open_blocks.depth and thread_mode.paused``.
    """

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0


thread_mode = _GradMode()
open_blocks = _OpenBlocks()
_open_lock = threading.Lock()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in the current thread."""
    return thread_mode.paused == 0


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Record graphs in this thread for the block, even inside no_grad (for the library's own eager runs)."""
    paused = thread_mode.paused
    thread_mode.paused = 0  # open_blocks still counts the outer block: kernels keep reading the mode
    try:
        yield
    finally:
        thread_mode.paused = paused


_F = TypeVar("_F", bound=Callable[..., Any])


class no_grad(contextlib.ContextDecorator):
    """Context manager (or decorator): ops compute values but record no graph, in this thread.

    On a generator function, a coroutine function (``async def``) or an async generator
    function it applies while that function's own code runs, each time it is resumed, not
    while the call that creates the generator or coroutine does; code that runs while it is
    suspended (the caller's, other asyncio tasks') records as usual.
    """

    def __enter__(self) -> no_grad:
        with _open_lock:  # the shared count first, so it is never 0 while a thread is paused
            open_blocks.depth += 1
        thread_mode.paused += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        thread_mode.paused -= 1
        with _open_lock:
            open_blocks.depth -= 1

    def __call__(self, func: _F) -> _F:
        # Without these cases the decorator would cover only the call that creates the generator
        # or coroutine, which runs none of its code: the graph would be recorded after all.
        if inspect.isgeneratorfunction(func):
            return cast(_F, _paused_generator(func))
        if inspect.iscoroutinefunction(func):
            return cast(_F, _paused_coroutine(func))
        if inspect.isasyncgenfunction(func):
            return cast(_F, _paused_async_generator(func))
        return super().__call__(func)


def _step_under_no_grad(inner: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Drive ``inner`` (a generator, or a coroutine's or awaitable's iterator): each step under no_grad.

    Whatever ``inner`` yields (a value, or the future a coroutine waits on) goes out to the
    caller, which runs outside no_grad; what the caller sends or throws in goes back in.
    """
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        try:
            with no_grad():
                item = inner.send(sent) if thrown is None else inner.throw(thrown)
        except StopIteration as stop:
            return stop.value
        try:
            sent, thrown = (yield item), None
        except GeneratorExit:
            with no_grad():
                inner.close()
            raise
        except BaseException as exc:  # thrown in by the caller: hand it to the inner generator
            sent, thrown = None, exc


class _SteppedUnderNoGrad:
    """An awaitable that runs another awaitable's steps under no_grad (``await`` drives its iterator)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Awaitable[Any]) -> None:
        self.inner = inner

    def __await__(self) -> Generator[Any, Any, Any]:
        return _step_under_no_grad(self.inner.__await__())


def _paused_generator(
    func: Callable[..., Generator[Any, Any, Any]],
) -> Callable[..., Generator[Any, Any, Any]]:
    """Wrap a generator function: each resumption runs under no_grad, the caller's code does not."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        return (yield from _step_under_no_grad(func(*args, **kwargs)))  # creating it runs none of its code

    return wrapper


def _paused_coroutine(
    func: Callable[..., Coroutine[Any, Any, Any]],
) -> Callable[..., Coroutine[Any, Any, Any]]:
    """Wrap a coroutine function: its code runs under no_grad between awaits, other tasks' code does not."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await _SteppedUnderNoGrad(func(*args, **kwargs))

    return wrapper


def _paused_async_generator(
    func: Callable[..., AsyncGenerator[Any, Any]],
) -> Callable[..., AsyncGenerator[Any, Any]]:
    """Wrap an async generator function: each step (asend, athrow, aclose) runs under no_grad."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        inner = func(*args, **kwargs)
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            step = inner.asend(sent) if thrown is None else inner.athrow(thrown)
            try:
                item = await _SteppedUnderNoGrad(step)
            except StopAsyncIteration:
                return
            try:
                sent, thrown = (yield item), None
            except GeneratorExit:
                await _SteppedUnderNoGrad(inner.aclose())
                raise
            except BaseException as exc:  # thrown in by the caller: hand it to the inner generator
                sent, thrown = None, exc

    return wrapper
