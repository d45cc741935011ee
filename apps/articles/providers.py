"""What apps above articles add to every article read: counts and the viewer's flags.

Articles cannot import the apps that own the numbers (interactions, comments), so it declares
two bulk reads here and they register their parts in ``AppConfig.ready()``:

- ``article_counts_providers``: ``provide(ids=[article ids])`` → ``{id: {"like_count": …}}``
  (interactions: every count, from one hash per article; the comments app moves the comment
  and review counts in it);
- ``article_flags_providers``: ``provide(ids=[article ids], user_id=…)`` → ``{id: {"liked": …}}``
  (interactions: liked, collected), asked only for a signed-in viewer.

Each read is one call per provider for a whole page; unknown fields stay 0 / false.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.conf import settings

from scholarnet.cache.refresh_ahead import RefreshAheadTable
from scholarnet.providers import BulkFieldProviders


@dataclass(frozen=True, slots=True)
class ArticleCounts:
    like_count: int = 0
    collect_count: int = 0
    read_count: int = 0
    comment_count: int = 0
    review_count: int = 0  # the mean is None without reviews
    review_rating_mean: float | None = None


@dataclass(frozen=True, slots=True)
class ViewerFlags:
    liked: bool = False
    collected: bool = False


article_counts_providers: BulkFieldProviders[int] = BulkFieldProviders(
    name="article counts", defaults={field.name: field.default for field in fields(ArticleCounts)}
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


# The anonymous detail is the hottest read: asking Redis for its counts on every request would cost
# a round trip the cached article itself does not. Counts a couple of seconds old are fine for
# readers who are not signed in (a signed-in reader, who may just have liked, gets them fresh);
# refreshed ahead in bulk, so the warm detail costs no round trip whatever the request rate.
local_counts: RefreshAheadTable[int, ArticleCounts] = RefreshAheadTable(
    name="article counts",
    load=lambda article_ids: counts_get(article_ids=article_ids),
    ttl=lambda: float(settings.ARTICLE_COUNTS_LOCAL_TTL),
)
