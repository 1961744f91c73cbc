"""Pausing Python's cyclic garbage collector while a library call builds a graph.

Why: the collector starts a pass every 700 new container objects, and after every tenth
pass a deeper one, and walks the whole growing graph in a full pass whenever it has grown
by a quarter. A graph of 10^6 nodes is walked several times over and costs 2 to 3 times
the work of building it. Nodes cannot form reference cycles (a node refers only to older
nodes and has no ``__dict__``), so the collector never finds anything in them; reference
counting frees every graph.

With the collector paused for the length of one library call (a module's forward, a
loss, ``trace``), the nodes that call makes meet one young-generation pass when it ends
instead of one every 700, so full passes, which need many young passes before them,
become rare. Nothing is collected later than it would have been by more than one call.

Threads: the pause is process-wide (``gc.disable`` is), so the calls share one count under
a lock. The first call to enter records ``gc.isenabled()`` and the last one to leave sets
it back, so the user's setting is restored exactly; if the user had disabled the
collector, nothing is changed at all.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["pauses_collector"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Pause:
    """How many library calls are running with the collector paused, and what to restore."""

    __slots__ = ("depth", "restore")

    def __init__(self) -> None:
        self.depth = 0
        self.restore = False  # the collector was enabled when the first call entered


_pause = _Pause()
_lock = threading.Lock()


def _enter() -> None:
    with _lock:
        if _pause.depth == 0:
            _pause.restore = gc.isenabled()
            if _pause.restore:
                gc.disable()
        _pause.depth += 1


def _leave() -> None:
    with _lock:
        _pause.depth -= 1
        if _pause.depth == 0 and _pause.restore:
            _pause.restore = False
            gc.enable()


def pauses_collector(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a library function that builds graph nodes: the collector is paused while it runs."""

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        _enter()
        try:
            return func(*args, **kwargs)
        finally:
            _leave()

    return paused
