"""Checks on values that are not ops (a loss's labels), kept so compiled functions run them too.

A loss checks its labels when it is called. Inside ``trace`` the label may be an input
of the compiled function, so the check must run again at every call with the new
number: ``check_each_call`` runs it now and records it for the trace running in this
thread. A check may read several values at once (a derivative formula's branch decided on
two operands): it then sees all of their new numbers together. This module sits below the
engine: losses and higher order read it without reaching up to the compiler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["Check", "check_each_call", "recorded_checks"]

Check = Callable[..., None]  # called with one float per value it checks


class _Recorder(threading.local):
    """The checks recorded by the trace running in this thread (None outside ``trace``)."""

    checks: list[tuple[tuple[Value, ...], Check]] | None = None


recorded_checks = _Recorder()


def check_each_call(values: Value | tuple[Value, ...], check: Check) -> None:
    """Run ``check(value.data)`` now and, inside ``trace``, at every call of the compiled function.

    ``check`` raises ValueError for a bad value (a loss's label). A compiled function
    runs it on the new number whenever ``value`` is an input or computed from inputs.
    For a tuple of Values, ``check`` gets one number per Value, all from the same call.
    """
    group = values if isinstance(values, tuple) else (values,)
    check(*(value.data for value in group))
    if recorded_checks.checks is not None:
        recorded_checks.checks.append((group, check))
