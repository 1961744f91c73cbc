"""Pausing Python's cyclic garbage collector while a library call builds a graph.

Why: the collector starts a young pass every 700 new container objects, a middle one every
tenth young pass, and walks everything it tracks whenever its oldest generation has grown
by a quarter. A graph growing op by op is walked many times over, which cost more than
building it on big graphs. Nodes cannot form reference cycles (a node refers only to older
nodes and has no ``__dict__``), so the collector never finds anything in them; reference
counting frees every graph.

With the collector paused for the length of each library call (a module's forward, a
loss, ``trace``), the nodes built there start no pass. The collector starts its next pass
at the first container allocated with it on, as it always would: library calls back to
back with nothing allocated between them, as in ``[model(x) for x in X]``, build their
nodes as one run, which meets one young pass instead of one every 700 nodes.

Each call keeps what it found in a local variable and puts it back itself, so no state is
shared that an interrupt could leave half-updated:

- a call that finds the collector on switches it off and, in ``finally``, on again; a call
  that finds it off (switched off by you, or by another library call still running) leaves
  it alone. Nested calls, errors and KeyboardInterrupt all end with the setting found.
- Threads: ``gc.disable`` is process-wide. Overlapping calls from several threads are paused
  from the first one's start to that one's end; the others change nothing. A
  ``gc.disable()`` made by another thread meanwhile is undone when that call ends.
- No call pauses while the collector has let more than ``YOUNG_LIMIT`` new objects pile up
  since its last pass, so garbage that other threads make during paused calls is collected
  after at most about that many allocations.
- A process forked while a call was paused gets its collector back on in the child.
"""

from __future__ import annotations

import functools
import gc
import os
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["YOUNG_LIMIT", "pauses_collector"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

YOUNG_LIMIT = 1_000_000  # new container objects since the collector's last young pass

# Threads whose calls switched the collector off and have not yet switched it back on.
# set.add and set.discard are single steps under the GIL; only a forked child reads it.
_holders: set[int] = set()


def pauses_collector(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a library function that builds graph nodes: the collector is paused while it runs.

    The wrapper allocates no container object before the pause starts (such an allocation
    could start a pass, splitting back-to-back calls), hence gc.get_count() and no ``with``.
    """

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        pausing = gc.isenabled() and gc.get_count()[0] < YOUNG_LIMIT
        try:
            if pausing:
                _holders.add(threading.get_ident())
                gc.disable()
            return func(*args, **kwargs)
        finally:
            if pausing:
                gc.enable()
                _holders.discard(threading.get_ident())

    return paused


def _after_fork_in_child() -> None:
    """A thread that held a pause does not exist in the child: switch the collector back on."""
    if _holders:
        _holders.clear()
        gc.enable()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
