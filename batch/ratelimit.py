"""A requests-per-second ceiling shared by every worker (hospital servers publish quotas)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from requests.adapters import HTTPAdapter


class RateLimiter:
    """Spaces calls at least 1/rate seconds apart, across threads, with no burst.

    No burst on purpose: an overnight run must look to the server like a steady trickle.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for our slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


class RateLimitedAdapter(HTTPAdapter):
    """An HTTPAdapter that takes a slot from the limiter before every request on the wire.

    At the transport level, so retries and paging requests count too.
    """

    def __init__(self, limiter: RateLimiter, **kwargs) -> None:
        self.limiter = limiter
        super().__init__(**kwargs)

    def send(self, request, **kwargs):  # type: ignore[override]
        self.limiter.acquire()
        return super().send(request, **kwargs)


def limit_session(session, rate: float | None, pool_size: int) -> RateLimiter | None:
    """Mount a pool big enough for every worker, rate-limited when `rate` is given."""
    limiter = RateLimiter(rate) if rate else None
    kwargs = {"pool_connections": 4, "pool_maxsize": pool_size, "max_retries": 0}
    adapter = RateLimitedAdapter(limiter, **kwargs) if limiter else HTTPAdapter(**kwargs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return limiter
