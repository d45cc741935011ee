"""A per-process table of short-lived values read in bulk, refreshed ahead of the readers.

The anonymous fast paths add counts (an article's likes, a user's followers) from a copy in
process memory a couple of seconds old, so a warm read costs no Redis round trip. A plain
expiring copy does not keep that promise under load: every key expires every ``ttl`` seconds in
every worker, and its next reader pays a round trip. With ``K`` keys read in turn, a worker
serving ``R`` requests/s pays ``K / ttl`` round trips/s (1,000 profiles at a 2 s lifetime: 500/s)
as long as ``R`` is large enough to touch every key each ``ttl``, so the share of requests that
miss is ``K / (ttl * R)``: the slower the machine, the larger the share. Measured on the bench,
that share was 30 to 45 % of the profile and detail reads, and it moved with the load.

:class:`RefreshAheadTable` makes the cost independent of the request rate:

- a fresh entry (younger than ``ttl``) answers;
- an entry past ``ttl`` but within ``2 * ttl`` answers too, and its key is marked due; at most
  every ``ttl / 4`` seconds one reader (whoever finds a due key then) reloads every due key in
  one bulk call and answers with the new values, while the others keep serving the old ones;
- an absent entry, or one older than ``2 * ttl`` (a key nobody read for a while), is loaded at
  once, like any cache miss.

So a value is never more than ``2 * ttl`` old, and a worker pays at most ``4 / ttl`` bulk round
trips per second for all its warm keys together, whatever its request rate. Counters (hits,
stale hits, misses, refreshes; approximate, bumped without a lock) are kept per table for the
bench and debugging (:meth:`stats`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Readers may be served a value up to this many lifetimes old while its refresh is due.
STALE_LIMIT_LIFETIMES = 2.0
# Bulk refreshes at most this often, as a share of the lifetime.
REFRESH_EVERY_LIFETIMES = 0.25

_ALL_TABLES: list[RefreshAheadTable] = []  # type: ignore[type-arg]


class RefreshAheadTable(Generic[K, V]):
    def __init__(
        self,
        *,
        name: str,
        load: Callable[[list[K]], dict[K, V]],
        ttl: Callable[[], float],
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}  # key → (loaded at, value)
        self._due: set[K] = set()
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._last_refresh = float("-inf")
        self._counts = dict.fromkeys(("hits", "stale_hits", "misses", "refreshes", "refreshed"), 0)
        _ALL_TABLES.append(self)

    def get(self, key: K) -> V:
        entry = self._entries.get(key)
        if entry is not None and self._clock() - entry[0] < float(self._ttl()):
            self._counts["hits"] += 1  # the hot path: one dict lookup, no list built
            return entry[1]
        return self.get_many([key])[key]

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The value of every key: fresh, or at most ``2 * ttl`` old (see the module doc)."""
        ttl = float(self._ttl())
        keys = list(keys)
        if ttl <= 0:
            return self._load(keys)
        now = self._clock()
        found, missing, stale = self._lookup(keys, now=now, ttl=ttl)
        if stale and now - self._last_refresh >= ttl * REFRESH_EVERY_LIFETIMES:
            refreshed = self._refresh(now)
            found.update((key, refreshed[key]) for key in found if key in refreshed)
        if missing:
            loaded = self._load(missing)
            self._store(loaded, now=now)
            found.update(loaded)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._due.clear()
            self._last_refresh = float("-inf")

    def stats(self) -> dict[str, int]:
        """Reads answered fresh, answered stale, loaded; bulk refreshes and the keys they read."""
        return dict(self._counts) | {"entries": len(self._entries)}

    def _lookup(self, keys: list[K], *, now: float, ttl: float) -> tuple[dict[K, V], list[K], bool]:
        found: dict[K, V] = {}
        missing: list[K] = []
        stale = False
        entries, counts = self._entries, self._counts
        for key in keys:
            entry = entries.get(key)
            age = now - entry[0] if entry is not None else None
            if age is None or age >= ttl * STALE_LIMIT_LIFETIMES:
                missing.append(key)
                counts["misses"] += 1
                continue
            found[key] = entry[1]  # type: ignore[index]
            if age < ttl:
                counts["hits"] += 1
            else:
                counts["stale_hits"] += 1
                self._due.add(key)
                stale = True
        return found, missing, stale

    def _refresh(self, now: float) -> dict[K, V]:
        """Reload every due key in one call; nothing when another reader is already at it."""
        if not self._refreshing.acquire(blocking=False):
            return {}
        try:
            with self._lock:
                due, self._due = list(self._due), set()
                self._last_refresh = now
            loaded = self._load(due) if due else {}
            self._store(loaded, now=now)
            self._counts["refreshes"] += 1
            self._counts["refreshed"] += len(loaded)
            return loaded
        finally:
            self._refreshing.release()

    def _store(self, loaded: dict[K, V], *, now: float) -> None:
        with self._lock:
            if len(self._entries) + len(loaded) > self._max_entries:
                self._entries.clear()  # rare, and cheaper than tracking recency per read
            self._entries.update((key, (now, value)) for key, value in loaded.items())


def refresh_ahead_stats() -> dict[str, dict[str, int]]:
    """Every table's counters in this process, by name."""
    return {table.name: table.stats() for table in _ALL_TABLES}
