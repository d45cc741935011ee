"""What apps above users add to a public profile: follow counts and the viewer's flag.

Users cannot import the follows app, so it declares two bulk reads here and follows registers
its parts in its ``AppConfig.ready()``:

- ``user_follow_counts_providers``: ``provide(ids=[user ids])`` →
  ``{id: {"follower_count": …, "followee_count": …}}``;
- ``user_follow_flags_providers``: ``provide(ids=[user ids], user_id=viewer)`` →
  ``{id: {"followed": …}}``, asked only for a signed-in viewer.

The counts are never part of the cached profile: they are added per request, so a follow never
invalidates a profile. The anonymous fast path takes them from :data:`local_follow_counts`, a
per-process copy at most ``USER_FOLLOW_COUNTS_LOCAL_TTL`` seconds old, so a warm profile costs
no Redis round trip; signed-in readers get them fresh.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings

from scholarnet.providers import BulkFieldProviders

user_follow_counts_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="user follow counts", defaults={"follower_count": 0, "followee_count": 0}
)
user_follow_flags_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="user follow flags", defaults={"followed": False}
)


class _LocalFollowCounts:
    """One user's counts per process for ``USER_FOLLOW_COUNTS_LOCAL_TTL`` seconds."""

    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._entries: dict[int, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, user_id: int) -> dict[str, Any]:
        now = time.monotonic()
        entry = self._entries.get(user_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        counts = user_follow_counts_providers.collect([user_id])[user_id]
        ttl = float(settings.USER_FOLLOW_COUNTS_LOCAL_TTL)
        if ttl > 0:
            with self._lock:
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()  # rare, and cheaper than tracking recency per read
                self._entries[user_id] = (now + ttl, counts)
        return counts

    def get_many(self, user_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Counts of every user, the expired or missing ones in one provider call."""
        now, entries = time.monotonic(), self._entries
        found: dict[int, dict[str, Any]] = {}
        missing: list[int] = []
        for user_id in user_ids:
            entry = entries.get(user_id)
            if entry is not None and entry[0] > now:
                found[user_id] = entry[1]
            else:
                missing.append(user_id)
        if missing:
            loaded = user_follow_counts_providers.collect(missing)
            found.update(loaded)
            ttl = float(settings.USER_FOLLOW_COUNTS_LOCAL_TTL)
            if ttl > 0:
                with self._lock:
                    if len(entries) + len(loaded) > self._max_entries:
                        entries.clear()
                    entries.update((key, (now + ttl, value)) for key, value in loaded.items())
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


local_follow_counts = _LocalFollowCounts()
