"""The one timer the benchmark scripts share."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` consecutive calls, after one collection and one untimed warm-up.

    The calls run back to back, as the steps of a training loop do: no collection between
    them, which would evict the caches and slow the fastest steps most (PyTorch's batched
    moons step took 1.1 ms with a collection before each call and 0.35 ms without). Each
    system meets its own garbage collector as in a loop, but a median leaves out the
    steps slowed by a collector pass when fewer than half of them meet one.
    """
    gc.collect()
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
