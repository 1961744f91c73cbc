"""Grad mode: whether ops record a graph, switched off per thread by ``no_grad``.

Kernels read ``open_blocks.depth`` first (a plain attribute) and the thread-local
``thread_mode.paused`` only while some thread has a ``no_grad`` block open.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar, cast

__all__ = ["is_grad_enabled", "no_grad", "open_blocks", "thread_mode"]


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


_F = TypeVar("_F", bound=Callable[..., Any])


class no_grad(contextlib.ContextDecorator):
    """Context manager (or decorator): ops compute values but record no graph, in this thread.

    On a generator function it applies while the generator's own code runs, not only
    while the call that creates the generator does.
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
        if inspect.isgeneratorfunction(func):
            return cast(_F, _paused_generator(func))
        return super().__call__(func)


def _paused_generator(
    func: Callable[..., Generator[Any, Any, Any]],
) -> Callable[..., Generator[Any, Any, Any]]:
    """Wrap a generator function: each resumption runs under no_grad, the caller's code does not."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        inner = func(*args, **kwargs)  # creating a generator runs none of its code
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

    return wrapper
