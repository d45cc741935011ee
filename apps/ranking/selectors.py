"""Serving the hot list: the cached ranking, and the cached list of its articles public now.

Read order (the kernel two-level cache): the process-local copy, then Redis, then the stored
``HotList`` row; each recompute invalidates the key everywhere (pub/sub) and warms it again.
When Redis fails, the stale local copy answers (the cache's own fallback). The ranking only
names ids: the ones public now, as list items, are cached beside it
(:mod:`apps.ranking.hot_page`) and dropped by every change to an article's public state, so a
withdrawn or taken-down article drops out at once rather than at the next recompute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.interactions.models import ArticleStat
from apps.ranking.hot_page import hot_live_invalidate, hot_page_items
from apps.ranking.models import HOT_LIST_ID, HotList
from apps.ranking.scoring import ScoreFormula
from scholarnet.cache import two_level_cache

HOT_LIST_KEY = "ranking:hot"
# The kernel's process-wide two-level cache; a name of its own lets tests give it another Redis.
hot_cache = two_level_cache


@dataclass(frozen=True, slots=True)
class HotPage:
    items: list[dict[str, Any]]
    next_offset: int | None


def _hot_list_load() -> dict[str, Any]:
    hot = HotList.objects.filter(pk=HOT_LIST_ID).first()
    if hot is None:
        return {"computed_at": None, "entries": []}
    return {"computed_at": hot.computed_at.isoformat(), "entries": hot.entries}


def hot_list_get() -> dict[str, Any]:
    """``{"computed_at", "entries": [[article_id, score], ...]}``, best first."""
    ttl = int(settings.RANKING_CACHE_TTL)
    # Redis keeps it twice the recompute period, so a late beat run never leaves a cold key.
    return hot_cache.get_or_load(HOT_LIST_KEY, _hot_list_load, ttl=2 * ttl, local_ttl=ttl)


def hot_list_invalidate() -> None:
    """Drop every process's copy and Redis's, then load the new one into both; the live
    articles' page (:mod:`apps.ranking.hot_page`) goes with it."""
    hot_cache.invalidate(HOT_LIST_KEY)
    hot_list_get()
    hot_live_invalidate()


def hot_articles_page(*, user: Any, offset: int, page_size: int) -> HotPage:
    """One page of the public hot list, with counts and the viewer's flags (in bulk).

    From the cached live list (:func:`apps.ranking.hot_page.hot_live_get`): no query per read.
    """
    items, more = hot_page_items(offset=offset, page_size=page_size, user=user)
    return HotPage(items=items, next_offset=offset + page_size if more else None)


def article_score_explain(*, article: Any, now: datetime | None = None) -> dict[str, Any]:
    """The score of a live article now, factor by factor (the admin's explain)."""
    stat: dict[str, Any] = dict(
        ArticleStat.objects.filter(article_id=article.pk).values().first() or {}
    )
    return ScoreFormula.from_settings().explain(
        stat, published_at=article.published_at, now=now or timezone.now()
    )


def article_hot_rank(*, article_id: int) -> int | None:
    """The article's 1-based place in the stored ranking (before the live filter), or None."""
    for place, (ranked_id, _score) in enumerate(hot_list_get()["entries"], start=1):
        if int(ranked_id) == article_id:
            return place
    return None
