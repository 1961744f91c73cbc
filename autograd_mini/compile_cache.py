"""A compile cache for graphs whose shape changes: trace once per argument structure, then reuse.

``trace`` compiles one graph, and refuses arguments of another structure. A training loop
over sequences of different lengths builds a graph of another shape at each length;
``compile(fn, params=...)`` keeps one compiled function per *structure* of the arguments
(how lists nest and how long they are, never the numbers in them): the first call with a
structure traces and compiles, later calls with it run the compiled code. Results are those
of ``trace``, so bit for bit eager's.

Guarded on structure only, as ``trace`` is: what fn decides in Python from the numbers
(``if v > 0``, ``.data``, ``float(v)``, a list index read from an argument) is decided once,
when a structure is first traced, and replayed for every later call with that structure.
A comparison of Values (``if v > 0``, ``max(values)``) is guarded: the compiled code
repeats it, and a call for which it goes the other way runs fn eagerly instead (counted in
``eager_calls``), so the result is eager's. A number fn reads out of a Value (``.data``,
``float(v)``) cannot be guarded: tracing warns (TraceWarning) where fn read one that changes
between calls, and the compiled code keeps its traced value. Keep such reads out of fn
(compute them outside and pass their effect as numbers, as the GPT demo passes tokens
one-hot), or call fn eagerly. The cache holds at most ``max_entries`` compiled functions and
evicts the least recently used one, with a ``CacheEvictionWarning`` saying so.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence

from .checks import BranchChangedError
from .compiler import CompiledFunction, TraceError, _check_params, _flatten, _rebuild, trace
from .engine import Value
from .graph import reference_gradients

__all__ = ["CacheEvictionWarning", "CompileCache", "compile"]

DEFAULT_ENTRIES = 32


class CacheEvictionWarning(UserWarning):
    """The compile cache was full and dropped a compiled structure (it is traced again if it returns)."""


class CompileCache:
    """``fn`` compiled once per argument structure: ``loss, grads = cached(*args)`` as for ``trace``."""

    def __init__(self, fn: Callable[..., Value], params: Sequence[Value] | None, max_entries: int) -> None:
        self.fn = fn
        self.params = None if params is None else list(params)
        self.max_entries = max_entries
        self._entries: OrderedDict[object, CompiledFunction] = OrderedDict()
        self.traces = 0  # structures traced and compiled so far (evicted ones traced again count again)
        self.hits = 0  # calls that reused a compiled structure
        self.evictions = 0
        self.eager_calls = 0  # calls run eagerly because fn would branch otherwise than traced
        self.compile_seconds = 0.0  # the time spent tracing and compiling, all structures together
        # Threads may share a cache: the table changes under this lock (two threads meeting a new
        # structure at once may both trace it; the second result replaces the first).
        self._lock = threading.Lock()

    def __call__(self, *args: object) -> tuple[float, list[float]]:
        """(value, gradients) of fn at ``args``: compiled code for their structure, traced if new."""
        structure = _flatten(list(args), [], {}, set())  # numbers read only to find the structure
        with self._lock:
            compiled = self._entries.get(structure)
            if compiled is not None:
                self.hits += 1
                self._entries.move_to_end(structure)
        if compiled is None:
            compiled = self._trace(structure, args)
        try:
            return compiled(*args)
        except BranchChangedError:  # a guarded comparison goes the other way: eager takes the other branch
            with self._lock:
                self.eager_calls += 1
            return self._eager(args)

    def _eager(self, args: tuple[object, ...]) -> tuple[float, list[float]]:
        """(value, gradients) of fn run eagerly, as the compiled function returns them; no .grad changes."""
        places = {} if self.params is None else {p: i for i, p in enumerate(self.params)}
        flat: list[float] = []
        structure = _flatten(list(args), flat, places, set())
        leaves = [Value(x) for x in flat]
        root = self.fn(*_rebuild(structure, iter(leaves)))  # type: ignore[misc]
        if type(root) is not Value:
            raise TraceError(f"compile: fn must return a Value, got {type(root).__name__}")
        grads = reference_gradients(root)  # backward's numbers, bit for bit, from zero
        targets = leaves if self.params is None else self.params
        return root._data, [grads.get(t, 0.0) for t in targets]

    def _trace(self, structure: object, args: tuple[object, ...]) -> CompiledFunction:
        compiled = trace(self.fn, *args, params=self.params)  # outside the lock: it runs fn
        with self._lock:
            self.traces += 1
            self.compile_seconds += compiled.compile_seconds
            self._entries.pop(structure, None)
            evicted = len(self._entries) >= self.max_entries
            if evicted:
                self._entries.popitem(last=False)
                self.evictions += 1
            self._entries[structure] = compiled
        if evicted:
            warnings.warn(
                f"compile: {self._name()} has met more than max_entries={self.max_entries} argument "
                "structures; the least recently used one was dropped and is traced again if it comes "
                "back. Pass a larger max_entries if the structures repeat",
                CacheEvictionWarning,
                stacklevel=3,
            )
        return compiled

    @property
    def entries(self) -> int:
        """How many compiled structures the cache holds now."""
        return len(self._entries)

    def _name(self) -> str:
        return getattr(self.fn, "__qualname__", None) or type(self.fn).__name__

    def __repr__(self) -> str:
        return (
            f"CompileCache({self._name()}: {self.entries} structures of at most {self.max_entries}, "
            f"{self.traces} traced, {self.hits} reused, {self.eager_calls} run eagerly, "
            f"{self.compile_seconds:.3f} s compiling)"
        )


def compile(  # autograd_mini.compile, as torch.compile (this module needs no builtin compile)
    fn: Callable[..., Value], *, params: Sequence[Value] | None = None, max_entries: int = DEFAULT_ENTRIES
) -> CompileCache:
    """``fn`` traced once per argument structure (nesting and lengths, never values) and reused.

    ``params`` as for ``trace``. At most ``max_entries`` structures stay compiled; the least
    recently used is dropped with a CacheEvictionWarning. Values decide nothing here: see the
    module's docstring for a function whose graph depends on its numbers.
    """
    if not callable(fn):
        raise TypeError(f"compile: fn must be a function returning a Value, got {type(fn).__name__}")
    if type(max_entries) is not int or max_entries < 1:
        raise ValueError(f"compile: max_entries must be a whole number >= 1, got {max_entries!r}")
    checked = None if params is None else _check_params(params)  # trace's own checks, made now
    return CompileCache(fn, checked, max_entries)
