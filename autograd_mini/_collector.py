"""Pausing Python's cyclic garbage collector while a library call builds a graph.

Why: the collector starts a pass every 700 new container objects, and after every tenth
pass a deeper one, and walks the whole growing graph in a full pass whenever it has grown
by a quarter. A graph of 10^6 nodes is walked several times over and costs 2 to 3 times
the work of building it. Nodes cannot form reference cycles (a node refers only to older
nodes and has no ``__dict__``), so the collector never finds anything in them; reference
counting frees every graph.

With the collector paused for the length of each library call (a module's forward, a
loss, ``trace``), the nodes built there start no pass. The collector starts its next pass
at the first container your own code allocates with it on, as it always would; library
calls back to back with nothing allocated between them, as in ``[model(x) for x in X]``,
build their nodes as one run, which then meets one young pass instead of one every 700
nodes, and no full pass at all. Nothing is collected later than at that allocation.

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


# _enter and _leave allocate no container object: an allocation with the collector on may
# start a pass, and one in the gap between two library calls (as in [model(x) for x in X])
# would split what is one run of graph building into many. So the lock is taken with
# acquire()/release(), not ``with``, which makes bound-method objects.


def _enter() -> None:
    _lock.acquire()
    try:
        if _pause.depth == 0:
            _pause.restore = gc.isenabled()
            if _pause.restore:
                gc.disable()
        _pause.depth += 1
    finally:
        _lock.release()


def _leave() -> None:
    _lock.acquire()
    try:
        _pause.depth -= 1
        if _pause.depth == 0 and _pause.restore:
            _pause.restore = False
            gc.enable()
    finally:
        _lock.release()


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
