"""The process-local tier: a bounded, thread-safe LRU of serialised values with per-entry TTLs.

Values are kept as the pickled bytes that also go to Redis. Bytes are immutable, so threads can
share an entry safely, and every reader unpickles its own copy: a caller that mutates what it got
back never changes what the next caller sees.

Expired entries are not dropped at once. They stay, bounded by the LRU size, as the stale
fallback served while Redis is unreachable; :meth:`LocalTier.get_fresh` ignores them.

Invalidation races: a reader that started before an invalidation may finish after it and try to
store what it read. Each invalidation advances a clock and remembers, per key, when it happened;
:meth:`LocalTier.set` refuses a value whose reader took its :meth:`LocalTier.token` earlier.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final


class _Absent:
    """The "nothing cached" marker; a cached ``None`` is a real value, stored pickled."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@dataclass(slots=True)
class _Entry:
    payload: bytes
    expires_at: float


class LocalTier:
    def __init__(self, *, max_entries: int) -> None:
        self._max_entries = max(1, max_entries)
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # key → clock value of its latest invalidation; bounded like the entries.
        self._invalidated_at: OrderedDict[str, int] = OrderedDict()
        self._clock = 0
        # Invalidations at or below this clock value were forgotten (evicted or reset wholesale).
        self._forgotten_up_to = 0

    def get_fresh(self, key: str) -> bytes | _Absent:
        # Wall-clock time (not monotonic) so tests can move it; a clock step only shifts a
        # lifetime of seconds, and cross-process invalidation does not depend on it.
        now = time.time()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires_at <= now:
                return ABSENT
            self._entries.move_to_end(key)
            return entry.payload

    def get_stale(self, key: str) -> bytes | _Absent:
        """The entry whether or not it expired: the fallback while Redis is unreachable."""
        with self._lock:
            entry = self._entries.get(key)
            return ABSENT if entry is None else entry.payload

    def token(self) -> int:
        """Take before reading a value from Redis or the loader; pass it to :meth:`set`."""
        with self._lock:
            return self._clock

    def set(self, key: str, payload: bytes, *, ttl: float, token: int) -> bool:
        with self._lock:
            if token < self._forgotten_up_to or token < self._invalidated_at.get(key, 0):
                return False  # invalidated while the value was being read: it may be old
            self._entries[key] = _Entry(payload, time.time() + ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
            return True

    def invalidate(self, keys: list[str]) -> None:
        with self._lock:
            self._clock += 1
            for key in keys:
                self._entries.pop(key, None)
                self._invalidated_at[key] = self._clock
                self._invalidated_at.move_to_end(key)
            while len(self._invalidated_at) > self._max_entries:
                _, forgotten = self._invalidated_at.popitem(last=False)
                self._forgotten_up_to = max(self._forgotten_up_to, forgotten)

    def expire_all(self) -> None:
        """Mark everything stale (kept for fallback): invalidations may have been missed."""
        with self._lock:
            self._reset_clock()
            for entry in self._entries.values():
                entry.expires_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._reset_clock()
            self._entries.clear()
            self._invalidated_at.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _reset_clock(self) -> None:
        # Every read in flight started before this moment and may carry an outdated value.
        self._clock += 1
        self._forgotten_up_to = self._clock
