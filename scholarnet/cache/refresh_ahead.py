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
- at most every ``ttl / 4`` seconds one reader (whoever comes then) reloads, in one bulk call,
  every entry read in the last ``5 * ttl`` seconds that is at least ``0.75 * ttl`` old: a key
  read now and then is reloaded before it expires, and its readers never wait for it;
- an entry past ``ttl`` but within ``2 * ttl`` (its refresh is late: another reader held the
  refresh) answers too;
- an absent entry, or one older than ``2 * ttl`` (a key nobody read for a while), is loaded at
  once, like any cache miss.

So a value is never more than ``2 * ttl`` old (about ``ttl`` for keys read often), and a worker
pays at most ``4 / ttl`` bulk round trips per second for all its warm keys together, whatever
its request rate; the keys they carry are those read lately, each about once per lifetime.
Counters (hits, stale hits, misses, refreshes; approximate, bumped without a lock) are kept per
table for the bench and debugging (:meth:`stats`).
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
# Bulk refreshes at most this often, as a share of the lifetime; each reloads the entries read
# lately that are at least (1 - this) lifetimes old, so a key read often never goes stale.
REFRESH_EVERY_LIFETIMES = 0.25
# Entries not read for this many lifetimes are no longer refreshed.
KEEP_LIFETIMES = 5.0

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
        self._read_at: dict[K, float] = {}  # key → when it was last read
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._last_refresh = float("-inf")
        self._counts = dict.fromkeys(("hits", "stale_hits", "misses", "refreshes", "refreshed"), 0)
        _ALL_TABLES.append(self)

    def get(self, key: K) -> V:
        entry = self._entries.get(key)
        now, ttl = self._clock(), float(self._ttl())
        if entry is None or now - entry[0] >= ttl:
            return self.get_many([key])[key]
        self._counts["hits"] += 1  # the hot path: two dict operations, no list built
        self._read_at[key] = now
        if now - self._last_refresh >= ttl * REFRESH_EVERY_LIFETIMES:
            self._refresh(now, ttl)
        return entry[1]

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The value of every key: fresh, or at most ``2 * ttl`` old (see the module doc)."""
        ttl = float(self._ttl())
        keys = list(keys)
        if ttl <= 0:
            return self._load(keys)
        now = self._clock()
        found, missing = self._lookup(keys, now=now, ttl=ttl)
        if now - self._last_refresh >= ttl * REFRESH_EVERY_LIFETIMES:
            refreshed = self._refresh(now, ttl)
            found.update((key, refreshed[key]) for key in found if key in refreshed)
        if missing:
            loaded = self._load(missing)
            self._store(loaded, now=now)
            found.update(loaded)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._read_at.clear()
            self._last_refresh = float("-inf")

    def stats(self) -> dict[str, int]:
        """Reads answered fresh, answered stale, loaded; bulk refreshes and the keys they read."""
        return dict(self._counts) | {"entries": len(self._entries)}

    def _lookup(self, keys: list[K], *, now: float, ttl: float) -> tuple[dict[K, V], list[K]]:
        found: dict[K, V] = {}
        missing: list[K] = []
        entries, counts, read_at = self._entries, self._counts, self._read_at
        for key in keys:
            read_at[key] = now
            entry = entries.get(key)
            age = now - entry[0] if entry is not None else None
            if age is None or age >= ttl * STALE_LIMIT_LIFETIMES:
                missing.append(key)
                counts["misses"] += 1
                continue
            found[key] = entry[1]  # type: ignore[index]
            counts["hits" if age < ttl else "stale_hits"] += 1
        return found, missing

    def _refresh(self, now: float, ttl: float) -> dict[K, V]:
        """Reload, in one call, every entry read lately that is (nearly) at the end of its
        lifetime; nothing when another reader is already at it."""
        if not self._refreshing.acquire(blocking=False):
            return {}
        try:
            with self._lock:
                self._last_refresh = now
                due = self._due(now, ttl)
            loaded = self._load(due) if due else {}
            self._store(loaded, now=now)
            self._counts["refreshes"] += 1 if due else 0
            self._counts["refreshed"] += len(loaded)
            return loaded
        finally:
            self._refreshing.release()

    def _due(self, now: float, ttl: float) -> list[K]:
        # Called under the lock. Entries not read for KEEP_LIFETIMES are left to expire (and
        # forgotten), so the table does not keep refreshing keys nobody asks for.
        reload_from, keep = ttl * (1 - REFRESH_EVERY_LIFETIMES), ttl * KEEP_LIFETIMES
        due: list[K] = []
        for key, read in list(self._read_at.items()):
            if now - read >= keep:
                del self._read_at[key]
                continue
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] >= reload_from:
                due.append(key)
        return due

    def _store(self, loaded: dict[K, V], *, now: float) -> None:
        with self._lock:
            if len(self._entries) + len(loaded) > self._max_entries:
                self._entries.clear()  # rare, and cheaper than tracking recency per read
                self._read_at.clear()
            self._entries.update((key, (now, value)) for key, value in loaded.items())


def refresh_ahead_stats() -> dict[str, dict[str, int]]:
    """Every table's counters in this process, by name."""
    return {table.name: table.stats() for table in _ALL_TABLES}
