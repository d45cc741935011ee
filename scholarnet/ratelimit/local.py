"""The process-local sliding window that security limiters fall back to while Redis is down.

It has the Redis limiter's interface (``hit``, ``release``, ``reset``) and semantics, per process:
with N worker processes an attacker gets at most N times the budget during an outage, instead of
an unlimited one (fail open) or none of the site's sign-ins (fail closed). Keys are bounded (least
recently used dropped first) so a flood of distinct keys cannot grow memory without limit; the
counts are forgotten when Redis answers again, whose own counts from before the outage still hold.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from scholarnet.ratelimit.limiter import Decision, Rate

MAX_KEYS = 100_000
LOCAL_MEMBER_PREFIX = "local:"


class LocalSlidingWindow:
    def __init__(
        self, *, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: OrderedDict[str, deque[tuple[float, str]]] = OrderedDict()
        self._serial = itertools.count()

    def hit(self, rate: Rate, key: str) -> Decision:
        now = self._clock()
        with self._lock:
            hits = self._window(key, now - rate.window_seconds)
            if len(hits) < rate.limit:
                member = f"{LOCAL_MEMBER_PREFIX}{next(self._serial)}"
                hits.append((now, member))
                return Decision(True, rate.limit - len(hits), 0.0, member)
            retry_after = hits[0][0] + rate.window_seconds - now if hits else rate.window_seconds
            return Decision(False, 0, max(0.0, retry_after))

    def release(self, key: str, member: str) -> None:
        with self._lock:
            hits = self._hits.get(key)
            if hits is not None:
                self._hits[key] = deque(entry for entry in hits if entry[1] != member)

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)

    def _window(self, key: str, oldest: float) -> deque[tuple[float, str]]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            while len(self._hits) > self._max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0][0] <= oldest:
            hits.popleft()
        return hits


# One per process, shared by every security scope (keys carry the scope's namespace).
local_window = LocalSlidingWindow()
