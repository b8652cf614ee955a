"""A progress bar on stderr with rate and ETA. Counts only: never a patient id."""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import TextIO

_WINDOW_S = 30.0  # the rate is measured over the last half minute: ETA follows slow-downs


class Progress:
    """Redraws one line on a terminal; elsewhere prints a line every `interval` seconds."""

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float | None = None,
        already: list[str] | tuple[str, ...] = (),
        clock=time.monotonic,
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.2 if self.tty else 15.0)
        self._clock = clock
        self.started = clock()
        # Patients reported by an earlier run (--resume): counted, but not in the rate.
        self.done = len(already)
        self.counts: dict[str, int] = {}
        for verdict in already:
            self.counts[verdict] = self.counts.get(verdict, 0) + 1
        self._recent: deque[tuple[float, int]] = deque([(self.started, self.done)])
        self._last_draw = 0.0
        self._drawn = False
        self._drawn_at = -1  # `done` when last drawn: the closing line is not printed twice

    def advance(self, verdict: str) -> None:
        self.done += 1
        self.counts[verdict] = self.counts.get(verdict, 0) + 1
        now = self._clock()
        self._recent.append((now, self.done))
        while len(self._recent) > 2 and now - self._recent[0][0] > _WINDOW_S:
            self._recent.popleft()
        if now - self._last_draw >= self.interval or self.done == self.total:
            self.draw()

    def rate(self) -> float:
        """Patients per second over the recent window."""
        (t0, n0), (t1, n1) = self._recent[0], self._recent[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def line(self) -> str:
        total = max(self.total, 1)
        frac = min(self.done / total, 1.0)
        width = 24
        filled = int(frac * width)
        bar = "#" * filled + "." * (width - filled)
        rate = self.rate()
        remaining = self.total - self.done
        if remaining <= 0:
            eta = "0:00"
        else:
            eta = _clock_text(remaining / rate) if rate > 0 else "?"
        counts = " ".join(f"{_SHORT.get(k, k)} {v}" for k, v in sorted(self.counts.items()))
        return (f"[{bar}] {self.done}/{self.total} {frac:4.0%} {rate:.1f}/s "
                f"ETA {eta} elapsed {_clock_text(self._clock() - self.started)}  {counts}")

    def draw(self) -> None:
        if not self.enabled:
            return
        self._last_draw = self._clock()
        self._drawn_at = self.done
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line())
        else:
            self.stream.write("prescreen batch: " + self.line() + "\n")
        self.stream.flush()
        self._drawn = True

    def message(self, text: str) -> None:
        """A line of its own, without breaking the bar."""
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()
        if self.tty and self._drawn and self.enabled:
            self.stream.write(self.line())
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and (self.done or self.total):
            if self._drawn_at != self.done:
                self.draw()
            if self.tty:
                self.stream.write("\n")
                self.stream.flush()


_SHORT = {"potentially_eligible": "eligible", "needs_information": "needs-info", "ineligible": "ineligible",
          "error": "errors"}


def _clock_text(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
