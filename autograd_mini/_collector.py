"""Pausing Python's cyclic garbage collector's frequent passes while a library call builds a graph.

Why: the collector starts a young pass every 700 new container objects, a middle one every
tenth young pass, and walks everything it tracks whenever its oldest generation has grown
by a quarter. A graph growing op by op is walked many times over, which cost more than
building it on big graphs. Nodes cannot form reference cycles (a node refers only to older
nodes and has no ``__dict__``), so the collector never finds anything in them; reference
counting frees every graph.

A pause raises the collector's young threshold (``gc.set_threshold``'s first number) from
yours, 700 by default, to ``PAUSED_THRESHOLD`` for the length of a library call (a module's
forward, a loss, ``trace``). The collector stays on: a young pass still starts once that many
new objects wait, from any thread, however long the call lasts, so garbage other threads
make meanwhile is collected after at most about ``PAUSED_THRESHOLD`` allocations (a bound in
allocations, not in seconds: while nothing is allocated, nothing piles up). A graph of up to
about a million nodes (the benchmarks' wide MLP step: 884,352) meets no pass at all; a bigger
one meets a young pass every million nodes. A smaller threshold would have the middle passes
walk the graph again: at 100,000 the wide step spent 0.3 s more in the collector.

When the call ends, your threshold is back and the collector starts its next pass at the
first container allocated, as it always would: library calls back to back with nothing
allocated between them, as in ``[model(x) for x in X]``, build their nodes as one run, which
meets one young pass instead of one every 700 nodes.

The pause never calls ``gc.disable``/``gc.enable``, so your own switch, made before or during
a call, is never changed. Each call that starts a pause notes it and ends it itself:

- a call that finds a young threshold from 1 to ``PAUSED_THRESHOLD - 1`` raises it, and in
  ``finally`` puts yours back, unless the threshold was changed meanwhile (by you: your
  setting stands). A threshold of 0 (automatic collection off) or at least
  ``PAUSED_THRESHOLD`` is left alone. Nested calls, errors and KeyboardInterrupt all end
  with the threshold found.
- Threads: the threshold is process-wide. Overlapping calls from several threads are paused
  from the first one's start to that one's end; the others change nothing.
- A process forked while a call was paused gets your threshold back in the child.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["PAUSED_THRESHOLD", "pauses_collector"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

PAUSED_THRESHOLD = 1_000_000  # new container objects that start a young pass during a library call


class _Pause:
    """The pause in force, if any: the threshold to put back and which call started it."""

    __slots__ = ("in_force", "serial", "yours")

    def __init__(self) -> None:
        self.in_force = False
        self.serial = 0  # numbers the pauses, so a call ends only the pause it started
        self.yours = 700  # the young threshold found when the pause started


_pause = _Pause()


def pauses_collector(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a library function that builds graph nodes: the collector's young passes wait while it runs.

    The wrapper allocates no container object before the pause starts (such an allocation
    could start a pass, splitting back-to-back calls): ``gc.get_threshold()``'s 3-tuple comes
    from the interpreter's tuple free list, which the collector does not count; no ``with``.
    """

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        found = gc.get_threshold()[0]
        if not 0 < found < PAUSED_THRESHOLD:  # nested, another thread's pause, or yours: leave it
            return func(*args, **kwargs)
        gc.set_threshold(PAUSED_THRESHOLD)  # the first number only: yours for the older generations stay
        _pause.yours = found
        _pause.serial = mine = _pause.serial + 1
        _pause.in_force = True
        try:
            return func(*args, **kwargs)
        finally:
            # Changed meanwhile (by you, or ended by a fork's child handler)? Then it is not ours to reset.
            if _pause.serial == mine and _pause.in_force:
                _pause.in_force = False
                if gc.get_threshold()[0] == PAUSED_THRESHOLD:
                    gc.set_threshold(_pause.yours)

    return paused


def _after_fork_in_child() -> None:
    """The thread that holds a pause does not exist in the child: put the threshold back."""
    if _pause.in_force:
        _pause.in_force = False
        if gc.get_threshold()[0] == PAUSED_THRESHOLD:
            gc.set_threshold(_pause.yours)


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
