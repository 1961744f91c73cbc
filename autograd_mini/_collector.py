"""Pausing Python's cyclic garbage collector's frequent passes while a call builds a graph.

Why: the collector starts a young pass every 700 new container objects, a middle one every
tenth young pass, and walks everything it tracks whenever its oldest generation has grown
by a quarter. A graph growing op by op is walked many times over, which cost more than
building it on big graphs. Nodes cannot form reference cycles (a node refers only to older
nodes and has no ``__dict__``), so the collector never finds anything in them; reference
counting frees every graph.

A pause raises the collector's young threshold (``gc.set_threshold``'s first number) from
yours, 700 by default, to ``PAUSED_THRESHOLD`` for the length of a library call (a module's
forward, a loss, ``trace``) or of your own function decorated with ``pauses_collector``.
The collector stays on: a young pass still starts once that many
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
a call, is never changed. A call that finds a young threshold from 1 to
``PAUSED_THRESHOLD - 1`` raises it and in ``finally`` puts yours back; a threshold of 0
(automatic collection off) or at least ``PAUSED_THRESHOLD`` is left alone. Both steps are
swaps (``_swap``) that read, compare and write the threshold in one step of C code: raise it
only if it is still the one found, put it back only if it is still the raised one.

- Interrupts: CPython raises KeyboardInterrupt, a signal handler's exception or another
  asynchronous exception only between bytecode instructions, at a function's start, a loop's
  jump back and just after a call returns, and switches threads only there too. The pause
  is noted and started inside the ``try`` with no such point before it, and ended in the
  ``finally`` with none before the swap back, so an interrupt landing at any moment of a call
  (the wrapper's own steps included) ends with the threshold found, or the one you set
  meanwhile (checked on CPython 3.10 to 3.13). Not covered: a trace
  function (a debugger) that raises inside the wrapper's own lines.
- Your settings: a ``gc.set_threshold`` made during a call, by any thread at any moment,
  stands, because the swaps leave a threshold that is not theirs alone. The exception is
  one whose first number is exactly ``PAUSED_THRESHOLD``: it cannot be told from the pause,
  and the call's end puts back the threshold found.
- Nested calls find the raised threshold and change nothing.
- Threads: the threshold is process-wide, and one pause is noted at a time. Overlapping
  calls from several threads are paused from the first one's start to that one's end; the
  others change nothing (a call never takes over a pause in force, also when you changed
  its threshold meanwhile: its end leaves yours).
- A process forked while a call was paused gets your threshold back in the child.
"""

from __future__ import annotations

import functools
import gc
import inspect
import operator
import os
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

__all__ = ["PAUSED_THRESHOLD", "pauses_collector"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

PAUSED_THRESHOLD = 1_000_000  # new container objects that start a young pass during a library call


def _swap(expected: int, new: int) -> Iterator[object]:
    """An endless iterator: each ``next()`` sets the young threshold to ``new`` if it is ``expected``.

    Why not ``if gc.get_threshold()[0] == expected: gc.set_threshold(new)``: the interpreter
    runs signal handlers (so raises KeyboardInterrupt) and switches threads only between
    bytecode instructions, right after a call returns among other places. Between that
    reading and that writing, an interrupt would leave the pause in force for good, and
    another thread's ``gc.set_threshold`` would be overwritten. A ``next()`` of this chain of
    built-in iterators reads, compares and writes in C, with no instruction in between. (Up
    to Python 3.11 a collector pass started by an allocation in between could still run
    finalizers, which are Python code; the one allocation, ``gc.get_threshold()``'s tuple,
    comes from the free list.) Returns None at each step.
    """
    young = map(operator.itemgetter(0), iter(gc.get_threshold, None))  # get_threshold() never returns None
    # Each step reads the threshold twice in that one C step, so twice the same number: the first
    # is the key, the second the default, written back unchanged unless the key was ``expected``.
    written: Callable[[int, int], int] = {expected: new}.get
    return map(gc.set_threshold, map(written, young, young))


class _Pause:
    """The pause in force, if any: how to end it and which call started it."""

    __slots__ = ("end", "in_force", "serial", "switches")

    def __init__(self) -> None:
        self.in_force = False
        self.serial = 0  # numbers the pauses from 1, so a call ends only the pause it started
        self.end: Iterator[object] = iter(())  # the pause's swap back to the threshold found
        # The last pause's (found, raised, start, end): made once, as a pause finds the same threshold
        # almost every time (made anew for each pair, they would allocate before the pause starts).
        self.switches: tuple[int, int, Iterator[object], Iterator[object]] = (0, 0, iter(()), iter(()))


_pause = _Pause()


def pauses_collector(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a function that builds graph nodes: the collector's young passes wait while it runs.

    The library's own graph-building calls are decorated; decorate yours (a training step
    that builds its graph op by op) to have its nodes built as one run too. Only plain
    functions: a generator or coroutine function would be paused only while it makes its
    generator or coroutine, not while it runs, so it is refused (``TypeError``), as are a
    class and a ``staticmethod``/``classmethod`` object (put this decorator below those). A
    plain function that returns a generator or coroutine made by another cannot be told
    apart: it is paused only until it returns.

    The wrapper allocates no container object before the pause starts (such an allocation
    could start a pass, splitting back-to-back calls): ``gc.get_threshold()``'s 3-tuple comes
    from the interpreter's tuple free list, which the collector does not count, and the swaps
    are made once; no ``with``.
    """

    _check_plain_function(func)

    @functools.wraps(func)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        found = gc.get_threshold()[0]
        raised = PAUSED_THRESHOLD
        if not 0 < found < raised:  # nested, another thread's pause, or yours: leave it
            return func(*args, **kwargs)
        switches = _pause.switches  # one read: another thread may replace it meanwhile
        if switches[0] != found or switches[1] != raised:
            switches = _pause.switches = (found, raised, _swap(found, raised), _swap(raised, found))
        start, end = switches[2], switches[3]
        mine = 0  # no pause's number: this call has noted none (yet)
        try:
            # Between here and the swap's C code, no instruction lets an interrupt in or another
            # thread run, so this check, the note and the start happen as one step. A pause noted
            # in force while the threshold is below it is another thread's, whose threshold you
            # changed: taking it over would end it with the threshold this call found before yours.
            if not _pause.in_force:
                # Noted before it starts, inside the try: an interrupt can land after any call
                # returns, and after this one it lands where the finally ends the pause.
                _pause.serial = mine = _pause.serial + 1
                _pause.end = end
                _pause.in_force = True
                next(start)  # raised only if still found: a threshold you set meanwhile stands
            return func(*args, **kwargs)
        finally:
            # Not ours if another call noted a pause since. The note is cleared and the pause ended
            # with no instruction between them where an interrupt could leave one done without the
            # other; the swap back leaves a threshold changed meanwhile (by you) alone.
            if _pause.serial == mine and _pause.in_force:
                _pause.in_force = False
                next(end)

    return paused


def _check_plain_function(func: object) -> None:
    """A callable whose call runs its body: not a generator, coroutine or async generator function."""
    if isinstance(func, staticmethod | classmethod):  # the wrapper, a plain function, would bind as a method
        kind = type(func).__name__
        raise TypeError(
            f"put @pauses_collector below @{kind}, next to the def: @{kind} wraps the paused function; "
            f"got {func!r}"
        )
    if isinstance(func, type):  # the wrapper would replace the class by a function
        raise TypeError(
            f"pauses_collector decorates a function, not the class {func.__qualname__}; "
            "decorate the method that builds the graph"
        )
    if not callable(func):
        raise TypeError(f"pauses_collector decorates a function; got {type(func).__name__} {func!r}")
    # An object's __call__ too: calling the object runs it.
    if any(
        inspect.isgeneratorfunction(f) or inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f)
        for f in (func, type(func).__call__)
    ):
        name = getattr(func, "__qualname__", repr(func))
        raise TypeError(
            f"pauses_collector cannot pause {name}: a generator or async function returns before its body "
            "runs, so the pause would end at once; decorate a plain function that builds the graph"
        )


def _after_fork_in_child() -> None:
    """The thread that holds a pause does not exist in the child: put the threshold back."""
    if _pause.in_force:
        _pause.in_force = False
        next(_pause.end)


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
