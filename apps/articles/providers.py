"""What apps above articles add to every article read: counts and the viewer's flags.

Articles cannot import the apps that own the numbers (interactions, comments), so it declares
two bulk reads here and they register their parts in ``AppConfig.ready()``:

- ``article_counts_providers``: ``provide(ids=[article ids])`` → ``{id: {"like_count": …}}``
  (interactions: like, collect and read counts; comments: comment_count);
- ``article_flags_providers``: ``provide(ids=[article ids], user_id=…)`` → ``{id: {"liked": …}}``
  (interactions: liked, collected), asked only for a signed-in viewer.

Each read is one call per provider for a whole page; unknown fields stay 0 / false.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields

from django.conf import settings

from scholarnet.providers import BulkFieldProviders


@dataclass(frozen=True, slots=True)
class ArticleCounts:
    like_count: int = 0
    collect_count: int = 0
    read_count: int = 0
    comment_count: int = 0


@dataclass(frozen=True, slots=True)
class ViewerFlags:
    liked: bool = False
    collected: bool = False


article_counts_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="article counts", defaults={field.name: 0 for field in fields(ArticleCounts)}
)
article_flags_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="article viewer flags", defaults={field.name: False for field in fields(ViewerFlags)}
)


def counts_get(*, article_ids: list[int]) -> dict[int, ArticleCounts]:
    rows = article_counts_providers.collect(article_ids)
    return {article_id: ArticleCounts(**values) for article_id, values in rows.items()}


def flags_get(*, user_id: int, article_ids: list[int]) -> dict[int, ViewerFlags]:
    rows = article_flags_providers.collect(article_ids, user_id=user_id)
    return {article_id: ViewerFlags(**values) for article_id, values in rows.items()}


class _LocalCounts:
    """One article's counts per process for ``ARTICLE_COUNTS_LOCAL_TTL`` seconds.

    The anonymous detail is the hottest read: asking Redis for its counts on every request
    would cost a round trip the cached article itself does not. Counts a couple of seconds old
    are fine for readers who are not signed in; a signed-in reader (who may just have liked)
    always gets them fresh.
    """

    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._entries: dict[int, tuple[float, ArticleCounts]] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, article_id: int) -> ArticleCounts:
        ttl = float(settings.ARTICLE_COUNTS_LOCAL_TTL)
        now = time.monotonic()
        entry = self._entries.get(article_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        counts = counts_get(article_ids=[article_id])[article_id]
        if ttl > 0:
            with self._lock:
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()  # rare, and cheaper than tracking recency per read
                self._entries[article_id] = (now + ttl, counts)
        return counts

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


local_counts = _LocalCounts()
