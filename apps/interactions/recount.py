"""Rebuilding the counters from the facts: ``interactions_recount`` and the admin action.

Derived state is never the only copy of anything: ``like_count`` and ``collect_count`` of the
stat rows follow from the likes and the folder entries, and this rebuilds them while the site
keeps liking. ``read_count`` and ``comment_count`` are not rebuilt here: their facts belong to
the read pipeline (pruned read marks) and the comments app.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.interactions.counters import counters_forget
from apps.interactions.models import ArticleLike, ArticleStat, CollectionItem

__all__ = ["article_ids_with_facts", "article_stats_recount"]


def article_ids_with_facts(*, after_id: int, limit: int) -> list[int]:
    """The next ``limit`` article ids above ``after_id`` that have a stat row or a fact."""
    ids: set[int] = set()
    for model, column in ((ArticleStat, "article_id"), (ArticleLike, "article_id")):
        rows = model.objects.filter(**{f"{column}__gt": after_id}).order_by(column)
        ids.update(rows.values_list(column, flat=True).distinct()[:limit])
    items = CollectionItem.objects.filter(article_id__gt=after_id).order_by("article_id")
    ids.update(items.values_list("article_id", flat=True).distinct()[:limit])
    return sorted(ids)[:limit]


def article_stats_recount(*, article_ids: list[int]) -> int:
    """Set like_count and collect_count of ``article_ids`` from the facts; how many changed.

    The stat rows are locked before the facts are counted, so a like committing meanwhile is
    either in the count (committed before) or adds itself after the lock is released; it is
    never counted twice or lost. read_count and comment_count have no facts here to rebuild
    them from and are left alone. The Redis hashes of the batch are dropped after the commit.
    """
    if not article_ids:
        return 0
    ArticleStat.objects.bulk_create(
        [ArticleStat(article_id=article_id) for article_id in article_ids], ignore_conflicts=True
    )
    with transaction.atomic():
        stats = list(
            ArticleStat.objects.select_for_update().filter(pk__in=article_ids).order_by("pk")
        )
        likes = _grouped(ArticleLike.objects.filter(article_id__in=article_ids), "user_id")
        collects = _grouped(CollectionItem.objects.filter(article_id__in=article_ids), "user_id")
        changed = [
            stat
            for stat in stats
            if _recounted(stat, likes.get(stat.pk, 0), collects.get(stat.pk, 0))
        ]
        ArticleStat.objects.bulk_update(changed, ["like_count", "collect_count", "updated_at"])
        transaction.on_commit(lambda: counters_forget(article_ids=article_ids))
    return len(changed)


def _grouped(facts: Any, distinct: str) -> dict[int, int]:
    rows = facts.values("article_id").annotate(n=Count(distinct, distinct=True)).order_by()
    return {row["article_id"]: row["n"] for row in rows}


def _recounted(stat: ArticleStat, likes: int, collects: int) -> bool:
    if (stat.like_count, stat.collect_count) == (likes, collects):
        return False
    stat.like_count, stat.collect_count, stat.updated_at = likes, collects, timezone.now()
    return True
