"""A small circuit breaker for Redis calls.

After a Redis failure every request would otherwise pay a connect or socket timeout (a second
each with the default options) before falling back. The breaker remembers the failure and answers
"skip Redis" for a back-off window that doubles on each consecutive failure. When the window ends,
exactly one caller is let through to probe; the others keep skipping until the probe reports.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        *,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = backoff_seconds
        self._max = max_backoff_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        return self._failures > 0

    def allow(self) -> bool:
        """True when the caller may use Redis: closed, or the one probe after a back-off window."""
        if self._failures == 0:  # the hot path takes no lock
            return True
        with self._lock:
            now = self._clock()
            if now < self._open_until:
                return False
            # This caller probes; everyone else waits out one more window unless it succeeds.
            self._open_until = now + self._backoff()
            return True

    def record_success(self) -> None:
        if self._failures == 0:
            return
        with self._lock:
            self._failures = 0
            self._open_until = 0.0

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._open_until = self._clock() + self._backoff()

    def reset(self) -> None:
        self.record_success()

    def _backoff(self) -> float:
        exponent = max(0, self._failures - 1)
        return min(self._max, self._base * (2 ** min(exponent, 16)))
