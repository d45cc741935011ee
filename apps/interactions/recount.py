"""Rebuilding the counters from the facts: ``interactions_recount`` and the admin action.

Derived state is never the only copy of anything. Each counter of the stat rows follows from
facts, and this rebuilds them while the site keeps writing:

- ``like_count``: the likes; ``collect_count``: the distinct users with the article in a folder;
- ``read_count``: the read marks (one per reader, article and day) plus the days the prune job
  already rolled up into ``ArticleReadDay``;
- ``comment_count``, ``review_count`` and ``review_rating_sum``: the comments and their reviews,
  counted by the comments app through the provider
  :data:`apps.interactions.comment_counts.article_comment_facts` it registers in ``ready()``
  (this app may not import it: comments already builds on interactions), one call per batch
  for the three. Without a provider they are left as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from apps.interactions.comment_counts import COMMENT_FIELDS, article_comment_facts
from apps.interactions.counters import counters_forget
from apps.interactions.models import (
    ArticleLike,
    ArticleReadDay,
    ArticleReadMark,
    ArticleStat,
    CollectionItem,
)

__all__ = ["RECOUNTED", "article_ids_with_facts", "article_stats_recount"]

logger = logging.getLogger(__name__)

RECOUNTED = ("like_count", "collect_count", "read_count", *COMMENT_FIELDS)

Counts = dict[int, int]


def article_ids_with_facts(*, after_id: int, limit: int) -> list[int]:
    """The next ``limit`` article ids above ``after_id`` that have a stat row or a fact.

    Reads and comments always create the stat row in the transaction of the fact; likes,
    folder entries and rolled-up read days are scanned too, for stat rows lost by hand.
    """
    ids: set[int] = set()
    for model in (ArticleStat, ArticleLike, CollectionItem, ArticleReadDay):
        rows = model.objects.filter(article_id__gt=after_id).order_by("article_id")
        ids.update(rows.values_list("article_id", flat=True).distinct()[:limit])
    return sorted(ids)[:limit]


def article_stats_recount(*, article_ids: list[int], counts: tuple[str, ...] = RECOUNTED) -> int:
    """Set the ``counts`` of ``article_ids`` from the facts; how many stat rows changed.

    The stat rows are locked before the facts are counted, and every writer of a fact (like,
    collect, read batch, comment) updates the stat row in the fact's transaction: a fact
    committing meanwhile is either in the count (committed before) or adds itself after the
    lock is released; it is never counted twice or lost. The batch's Redis hashes are dropped
    after the commit.
    """
    counts = _available(counts)
    if not article_ids or not counts:
        return 0
    ArticleStat.objects.bulk_create(
        [ArticleStat(article_id=article_id) for article_id in article_ids], ignore_conflicts=True
    )
    with transaction.atomic():
        stats = list(
            ArticleStat.objects.select_for_update().filter(pk__in=article_ids).order_by("pk")
        )
        facts = _facts(article_ids, counts)
        changed = [stat for stat in stats if _recounted(stat, facts)]
        ArticleStat.objects.bulk_update(changed, [*counts, "updated_at"])
        transaction.on_commit(lambda: counters_forget(article_ids=article_ids))
    return len(changed)


def _available(counts: tuple[str, ...]) -> tuple[str, ...]:
    if set(counts) & set(COMMENT_FIELDS) and not article_comment_facts.provider_names():
        logger.warning("comment and review counts left alone: no app provides the comment facts")
        return tuple(field for field in counts if field not in COMMENT_FIELDS)
    return counts


def _facts(article_ids: list[int], counts: tuple[str, ...]) -> dict[str, Counts]:
    facts = {field: FACT_COUNTS[field](article_ids) for field in counts if field in FACT_COUNTS}
    if set(counts) & set(COMMENT_FIELDS):
        rows = article_comment_facts.collect(article_ids)
        for field in set(counts) & set(COMMENT_FIELDS):
            facts[field] = {article_id: int(row[field]) for article_id, row in rows.items()}
    return facts


def _likes(article_ids: list[int]) -> Counts:
    return _grouped(ArticleLike.objects.filter(article_id__in=article_ids), "user_id")


def _collects(article_ids: list[int]) -> Counts:
    return _grouped(CollectionItem.objects.filter(article_id__in=article_ids), "user_id")


def _reads(article_ids: list[int]) -> Counts:
    """Marks still kept plus the rolled-up days: each (reader, article, day) once."""
    reads = _grouped(
        ArticleReadMark.objects.filter(article_id__in=article_ids, day__in=_mark_days()), "id"
    )
    days = (
        ArticleReadDay.objects.filter(article_id__in=article_ids)
        .values("article_id")
        .annotate(n=Sum("readers"))
        .order_by()
    )
    for row in days:
        reads[row["article_id"]] = reads.get(row["article_id"], 0) + int(row["n"])
    return reads


def _mark_days() -> list[date]:
    # The marks' index leads with the day: naming the few kept days makes the count a handful
    # of index ranges instead of a scan of every mark.
    span = ArticleReadMark.objects.aggregate(first=Min("day"), last=Max("day"))
    if span["first"] is None:
        return []
    length = (span["last"] - span["first"]).days + 1
    return [span["first"] + timedelta(days=offset) for offset in range(length)]


FACT_COUNTS: dict[str, Callable[[list[int]], Counts]] = {
    "like_count": _likes,
    "collect_count": _collects,
    "read_count": _reads,
}


def _grouped(facts: Any, distinct: str) -> Counts:
    rows = facts.values("article_id").annotate(n=Count(distinct, distinct=True)).order_by()
    return {row["article_id"]: row["n"] for row in rows}


def _recounted(stat: ArticleStat, facts: dict[str, Counts]) -> bool:
    wrong = {
        field: found.get(stat.pk, 0)
        for field, found in facts.items()
        if getattr(stat, field) != found.get(stat.pk, 0)
    }
    if not wrong:
        return False
    for field, value in wrong.items():
        setattr(stat, field, value)
    stat.updated_at = timezone.now()
    return True
