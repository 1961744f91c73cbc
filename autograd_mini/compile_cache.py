"""A compile cache for graphs whose shape changes: trace once per argument structure, then reuse.

``trace`` compiles one graph, and refuses arguments of another structure. A training loop
over sequences of different lengths builds a graph of another shape at each length;
``compile(fn, params=...)`` keeps one compiled function per *structure* of the arguments
(how lists nest and how long they are, never the numbers in them): the first call with a
structure traces and compiles, later calls with it run the compiled code. Results are those
of ``trace``, so bit for bit eager's.

The cache is keyed on structure, never on numbers, but a comparison fn makes in Python
(``if v > 0``, ``max(values)``) is guarded: the compiled code repeats it at every call. A call
for which it goes the other way runs fn eagerly instead (counted in ``eager_calls``), so its
result is eager's; when that happens on RETRACE_AFTER calls in a row, the structure is traced
again on the new branch and kept beside the first (at most MAX_VARIANTS per structure, tried
most recently used first). A number fn reads out of a Value (``.data``, ``float(v)``, a list
index) cannot be guarded: tracing warns (TraceWarning) where fn read one that changes between
calls, and the compiled code keeps its traced value. Keep such reads out of fn (compute them
outside and pass their effect as numbers, as the GPT demo passes tokens one-hot), or call fn
eagerly. A Value fn reads directly keeps its trace-time number in compiled calls, while an
eager call reads its current one. The cache holds at most ``max_entries`` structures and
evicts the least recently used one, with a ``CacheEvictionWarning`` saying so.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence

from ._grad_mode import recording
from .checks import BranchChangedError
from .compiler import CompiledFunction, TraceError, _as_leaves, _check_params, _flatten, trace
from .engine import Value, is_grad_enabled
from .graph import reference_gradients

__all__ = ["CacheEvictionWarning", "CompileCache", "compile"]

DEFAULT_ENTRIES = 32
RETRACE_AFTER = 2  # calls in a row on a branch no variant has before it is traced
MAX_VARIANTS = 4  # branches kept compiled per structure


class CacheEvictionWarning(UserWarning):
    """The compile cache was full and dropped a compiled structure (it is traced again if it returns)."""


class CompileCache:
    """``fn`` compiled once per argument structure: ``loss, grads = cached(*args)`` as for ``trace``."""

    def __init__(
        self, fn: Callable[..., Value], params: Sequence[Value] | None, max_entries: int, loops: bool = True
    ) -> None:
        self.fn = fn
        self.params = None if params is None else list(params)
        self.max_entries = max_entries
        self.loops = loops  # trace's: repeated blocks written once, as a loop
        # per structure: its compiled variants (one per branch traced), the last one to succeed first
        self._entries: OrderedDict[object, list[CompiledFunction]] = OrderedDict()
        self._misses: dict[object, int] = {}  # calls in a row no variant could run, per structure
        self.traces = 0  # structures (and variants) traced and compiled so far, evicted ones counted again
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
            variants = self._entries.get(structure)
            if variants is not None:
                self.hits += 1
                self._entries.move_to_end(structure)
                variants = list(variants)
        if variants is None:
            variants = [self._trace(structure, args, new_structure=True)]
        for compiled in variants:
            try:
                result = compiled._call(args, False)
            except BranchChangedError:  # this variant's branch is not this call's: try the next
                continue
            self._succeeded(structure, compiled)
            return result
        return self._other_branch(structure, args, len(variants))

    def _succeeded(self, structure: object, compiled: CompiledFunction) -> None:
        with self._lock:
            self._misses.pop(structure, None)
            variants = self._entries.get(structure)
            if variants and variants[0] is not compiled and compiled in variants:
                variants.remove(compiled)
                variants.insert(0, compiled)

    def _other_branch(
        self, structure: object, args: tuple[object, ...], variants: int
    ) -> tuple[float, list[float]]:
        """A call no compiled variant can run: eager, or traced anew when such calls repeat."""
        with self._lock:
            misses = self._misses[structure] = self._misses.get(structure, 0) + 1
        if misses >= RETRACE_AFTER and variants < MAX_VARIANTS and is_grad_enabled():
            compiled = self._trace(structure, args, new_structure=False)  # on this call's branch
            with self._lock:
                self._misses.pop(structure, None)
            return compiled(*args)
        with self._lock:
            self.eager_calls += 1
        return self._eager(args)

    def _eager(self, args: tuple[object, ...]) -> tuple[float, list[float]]:
        """(value, gradients) of fn run eagerly, as the compiled function returns them; no .grad changes."""
        places = {} if self.params is None else {p: i for i, p in enumerate(self.params)}
        _, leaves, eager_args = _as_leaves(args, places)
        with recording():  # a compiled call runs under no_grad too: this one needs its graph
            root = self.fn(*eager_args)  # type: ignore[misc]
        if type(root) is not Value:
            raise TraceError(f"compile: fn must return a Value, got {type(root).__name__}")
        grads = reference_gradients(root)  # backward's numbers, bit for bit, from zero
        targets = leaves if self.params is None else self.params
        return root._data, [grads.get(t, 0.0) for t in targets]

    def _trace(self, structure: object, args: tuple[object, ...], new_structure: bool) -> CompiledFunction:
        compiled = trace(self.fn, *args, params=self.params, loops=self.loops)  # outside the lock: it runs fn
        with self._lock:
            self.traces += 1
            self.compile_seconds += compiled.compile_seconds
            kept = self._entries.pop(structure, [])  # a new structure replaces what another thread traced
            variants = [] if new_structure else kept
            evicted = len(self._entries) >= self.max_entries
            if evicted:
                dropped, _ = self._entries.popitem(last=False)
                self._misses.pop(dropped, None)
                self.evictions += 1
            self._entries[structure] = [compiled, *variants]
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
    fn: Callable[..., Value],
    *,
    params: Sequence[Value] | None = None,
    max_entries: int = DEFAULT_ENTRIES,
    loops: bool = True,
) -> CompileCache:
    """``fn`` traced once per argument structure (nesting and lengths, never values) and reused.

    ``params`` and ``loops`` as for ``trace``. At most ``max_entries`` structures stay compiled; the least
    recently used is dropped with a CacheEvictionWarning. Numbers choose no entry, but fn's
    comparisons are repeated at each call: see the module's docstring for a function whose
    graph depends on its numbers.
    """
    if not callable(fn):
        raise TypeError(f"compile: fn must be a function returning a Value, got {type(fn).__name__}")
    if type(max_entries) is not int or max_entries < 1:
        raise ValueError(f"compile: max_entries must be a whole number >= 1, got {max_entries!r}")
    if type(loops) is not bool:
        raise TypeError(f"compile: loops must be True or False, got {loops!r}")
    checked = None if params is None else _check_params(params)  # trace's own checks, made now
    return CompileCache(fn, checked, max_entries, loops)
