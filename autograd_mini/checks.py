"""Checks on values that are not ops (a loss's labels), kept so compiled functions run them too.

A loss checks its labels when it is called. Inside ``trace`` the label may be an input
of the compiled function, so the check must run again at every call with the new
number: ``check_each_call`` runs it now and records it for the trace running in this
thread. This module sits below the engine: losses and higher order read it without
reaching up to the compiler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["Check", "check_each_call", "recorded_checks"]

Check = Callable[[float], None]


class _Recorder(threading.local):
    """The checks recorded by the trace running in this thread (None outside ``trace``)."""

    checks: list[tuple[Value, Check]] | None = None


recorded_checks = _Recorder()


def check_each_call(value: Value, check: Check) -> None:
    """Run ``check(value.data)`` now and, inside ``trace``, at every call of the compiled function.

    ``check`` raises ValueError for a bad value (a loss's label). A compiled function
    runs it on the new number whenever ``value`` is an input or computed from inputs.
    """
    check(value.data)
    if recorded_checks.checks is not None:
        recorded_checks.checks.append((value, check))
