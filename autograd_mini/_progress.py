"""A progress line for long work: tqdm's bar when tqdm is installed, else a plain line on stderr."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

__all__ = ["Progress"]

PLAIN_INTERVAL = 1.0  # seconds between two plain lines: often enough to show life, rarely enough to read


class Progress:
    """Counts steps and shows the latest loss; ``close()`` ends the line."""

    def __init__(self, description: str, total: int | None = None) -> None:
        self.description = description
        self.total = total
        self.count = 0
        self._last_shown = 0.0
        self._bar: Any = None
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=total, desc=description, ncols=90, mininterval=0.5, file=sys.stderr)

    def update(self, loss: float) -> None:
        """One more step, whose loss was ``loss`` (NaN shown as nan)."""
        self.count += 1
        shown = f"{loss:.4g}" if math.isfinite(loss) else str(loss)
        if self._bar is not None:
            self._bar.set_postfix(loss=shown, refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        if now - self._last_shown >= PLAIN_INTERVAL or self.count == self.total:
            self._last_shown = now
            of = f"/{self.total}" if self.total else ""
            print(f"{self.description}: step {self.count}{of}, loss {shown}", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Finish the bar (a no-op for the plain line, which ends each print with a newline)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
