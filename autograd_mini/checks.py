"""Checks on values that are not ops, kept so compiled functions run them too; decisions fn makes.

A loss checks its labels when it is called. Inside ``trace`` the label may be an input
of the compiled function, so the check must run again at every call with the new
number: ``check_each_call`` runs it now and records it for the trace running in this
thread. A check may read several values at once (a derivative formula's branch decided on
two operands): it then sees all of their new numbers together. The comparisons fn makes
while traced become checks too (guards, below), and the numbers it reads out of Values are
noted. This module sits below the engine: losses and higher order read it without reaching
up to the compiler.
"""

from __future__ import annotations

import sys
import sysconfig
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["BranchChangedError", "Check", "TraceWarning", "check_each_call", "recorded_checks"]

Check = Callable[..., None]  # called with one float per value it checks


class _TraceRecords(threading.local):
    """What the trace running in this thread records: checks, and numbers read (None outside ``trace``)."""

    checks: list[tuple[tuple[Value, ...], Check]] | None = None
    reads: list[NumberRead] | None = None  # the numbers fn read out of Values (see note_read)
    made: list[Value] | None = None  # leaves the library made from changing numbers (see note_made)


recorded_checks = _TraceRecords()


def check_each_call(values: Value | tuple[Value, ...], check: Check) -> None:
    """Run ``check(value.data)`` now and, inside ``trace``, at every call of the compiled function.

    ``check`` raises ValueError for a bad value (a loss's label). A compiled function
    runs it on the new number whenever ``value`` is an input or computed from inputs.
    For a tuple of Values, ``check`` gets one number per Value, all from the same call.
    """
    group = values if isinstance(values, tuple) else (values,)
    check(*(value._data for value in group))  # not .data: a read the check repeats is no frozen read
    if recorded_checks.checks is not None:
        recorded_checks.checks.append((group, check))


# -- decisions fn makes from numbers while it is traced ---------------------------------------
#
# A compiled function replays the graph fn built when traced, so a Python decision fn made
# from a number (``if v > 0``, ``max(values)``) is replayed as it went then. A comparison of
# Values is recorded as a guard: a check that runs at every call and raises
# BranchChangedError when it would now go the other way. A number read out of a Value
# (``.data``, ``float(v)``) cannot be guarded (what fn does with it is not seen), so the
# trace notes where, and warns when that Value changes between calls.

traces_running = 0  # traces running in any thread: the engine's one cheap test on its hot paths
_running_lock = threading.Lock()
_PACKAGE = __name__.rpartition(".")[0]
_ENGINE_MODULES = {__name__, _PACKAGE + ".engine"}  # their frames lead here from the user's code
_STANDARD_LIBRARY = sysconfig.get_paths()["stdlib"]
_INSTALLED = (sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])  # not the stdlib's


class BranchChangedError(ValueError):
    """A compiled function met numbers for which fn would take another branch than when traced."""


class TraceWarning(UserWarning):
    """fn read a number out of a Value while traced; compiled, that number stays the traced one."""


def trace_started() -> None:
    """Count a trace as running (the engine then records comparisons and reads)."""
    global traces_running
    with _running_lock:
        traces_running += 1


def trace_ended() -> None:
    """Count a trace as ended."""
    global traces_running
    with _running_lock:
        traces_running -= 1


@dataclass(frozen=True)
class Site:
    """Where user code did something: 'file:line' and the module, for warnings and messages."""

    where: str
    module: str


def _library(module: str) -> bool:
    return (module == _PACKAGE or module.startswith(_PACKAGE + ".")) and not module.startswith(
        _PACKAGE + ".demos"  # the demos are user code here
    )


def user_site(through_library: bool = False) -> Site | None:
    """The user's code that called the engine's method (or the library, ``through_library``).

    Frames of the engine and of this module are passed, and of the standard library (a
    comparison made by ``statistics.median`` is the caller's). Without ``through_library`` a
    call the library made itself gives None: where the library decides from a number it
    records a check that repeats the decision. With it, library frames are passed too: the
    library hands the number back to the user (a gradient as a float).
    """
    frame = sys._getframe(1)
    while frame.f_back is not None:
        module = frame.f_globals.get("__name__", "")
        filename = frame.f_code.co_filename
        standard = filename.startswith(_STANDARD_LIBRARY) and not filename.startswith(_INSTALLED)
        passed = module in _ENGINE_MODULES or standard
        if not passed and _library(module):
            if not through_library:
                return None
            passed = True
        if not passed:
            break
        frame = frame.f_back
    return Site(f"{frame.f_code.co_filename}:{frame.f_lineno}", frame.f_globals.get("__name__", ""))


@dataclass(frozen=True)
class NumberRead:
    """fn read the number of ``value`` (``how``: '.data', 'float()', ...) at ``site`` while traced."""

    value: Value
    how: str
    site: Site


def note_read(value: Value, how: str, through_library: bool = False) -> None:
    """Record that fn read ``value``'s number, when a trace runs in this thread (the engine calls it)."""
    reads = recorded_checks.reads
    if reads is None:
        return  # the trace runs in another thread
    site = user_site(through_library)
    if site is not None:
        reads.append(NumberRead(value, how, site))


def note_made(values: tuple[Value, ...]) -> None:
    """Record leaves the library made, in this thread's trace, from numbers that may change.

    ``gradients`` without create_graph returns its numbers as new leaves: a trace cannot follow
    them back to what they were computed from, so it treats them as made under no_grad.
    """
    made = recorded_checks.made
    if made is not None:
        made.extend(values)


class Guard:
    """A comparison fn made while traced, as a check: BranchChangedError if it now goes the other way."""

    def __init__(self, decide: Callable[..., bool], outcome: bool, text: str, site: Site) -> None:
        self.decide, self.outcome, self.text, self.site = decide, outcome, text, site

    def __call__(self, *numbers: float) -> None:
        if self.decide(*numbers) != self.outcome:
            raise BranchChangedError(
                f"compiled function: fn's test {self.text} at {self.site.where} was {self.outcome} "
                f"when traced and is {not self.outcome} for these numbers, so fn would take another "
                "branch than the one compiled. Call fn eagerly for such numbers (autograd_mini.compile "
                "does so itself), or keep the decision out of fn: decide outside and pass its effect "
                "as a number"
            )


def guard(
    value: Value, other: Value | float | None, test: Callable[..., bool], symbol: str, outcome: bool
) -> None:
    """Record ``value <symbol> other`` (``bool(value)`` for other None) as a guard of this thread's trace."""
    checks = recorded_checks.checks
    if checks is None:
        return  # the trace runs in another thread
    site = user_site()
    if site is None:
        return
    if other is None:
        values: tuple[Value, ...] = (value,)
        decide, text = test, "bool(Value)"
    elif isinstance(other, value.__class__):
        values, decide, text = (value, other), test, f"Value {symbol} Value"
    else:
        values, text = (value,), f"Value {symbol} {other!r}"

        def decide(x: float) -> bool:
            return test(x, other)

    checks.append((values, Guard(decide, outcome, text, site)))
