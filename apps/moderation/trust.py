"""Trust levels, Discourse-style, computed from activity by a periodic job.

Inputs per user: account age (days since ``date_joined``), articles read (distinct articles in
the read marks the interactions app keeps, signed-in reads only), likes received (the
``like_count`` of the user's live articles) and flags upheld (reports against the user's
content that a moderator upheld). A level is reached when every threshold of it is met
(``MODERATION_TRUST_LEVEL_1``/``_2``); once reached it stays (read marks are pruned, so the
read count may fall), except that ``MODERATION_TRUST_MAX_FLAGS`` upheld flags hold a user at 0.

The job walks users in primary-key batches with seven queries per batch whatever its
size, and writes the batch in one upsert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from apps.articles.models import PublishedArticle
from apps.interactions.models import ArticleReadMark, ArticleStat
from apps.moderation.models import Report, ReportStatus, TrustLevel
from apps.moderation.selectors import trust_thresholds
from apps.users.models import User

COMPUTED_FIELDS = [
    "level",
    "account_age_days",
    "articles_read",
    "likes_received",
    "flags_upheld",
    "computed_at",
]


def trust_level_for(activity: dict[str, int], *, previous: int = 0) -> int:
    """The level these figures earn; a level once reached is kept unless flags demote."""
    if activity["flags_upheld"] >= settings.MODERATION_TRUST_MAX_FLAGS:
        return 0
    earned = 0
    for level, thresholds in sorted(trust_thresholds().items()):
        if all(activity.get(name, 0) >= minimum for name, minimum in thresholds.items()):
            earned = level
        else:
            break
    return max(earned, previous)


def _reads(user_ids: list[int]) -> dict[int, int]:
    keys = {f"u:{user_id}": user_id for user_id in user_ids}
    rows = (
        ArticleReadMark.objects.filter(reader_key__in=keys)
        .values("reader_key")
        .annotate(articles=Count("article_id", distinct=True))
    )
    return {keys[row["reader_key"]]: row["articles"] for row in rows}


def _likes(user_ids: list[int]) -> dict[int, int]:
    authors = dict(
        PublishedArticle.objects.filter(author_id__in=user_ids).values_list("id", "author_id")
    )
    likes: dict[int, int] = defaultdict(int)
    stats = ArticleStat.objects.filter(article_id__in=list(authors)).values_list(
        "article_id", "like_count"
    )
    for article_id, like_count in stats:
        likes[authors[article_id]] += like_count
    return likes


def _flags(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Report.objects.filter(entry__author_id__in=user_ids, status=ReportStatus.UPHELD)
        .values("entry__author_id")
        .annotate(flags=Count("id"))
    )
    return {row["entry__author_id"]: row["flags"] for row in rows}


def _batch_compute(users: list[tuple[int, Any]]) -> list[TrustLevel]:
    ids = [user_id for user_id, _ in users]
    reads, likes, flags = _reads(ids), _likes(ids), _flags(ids)
    previous = dict(TrustLevel.objects.filter(pk__in=ids).values_list("pk", "level"))
    now = timezone.now()
    rows = []
    for user_id, joined in users:
        activity = {
            "account_age_days": max((now - joined).days, 0),
            "articles_read": reads.get(user_id, 0),
            "likes_received": likes.get(user_id, 0),
            "flags_upheld": flags.get(user_id, 0),
        }
        level = trust_level_for(activity, previous=previous.get(user_id, 0))
        rows.append(TrustLevel(user_id=user_id, level=level, computed_at=now, **activity))
    return rows


def _user_batches(*, batch_size: int, after_id: int) -> Iterable[list[tuple[int, Any]]]:
    while True:
        batch = list(
            User.objects.filter(pk__gt=after_id)
            .order_by("pk")
            .values_list("pk", "date_joined")[:batch_size]
        )
        if not batch:
            return
        yield batch
        after_id = batch[-1][0]


def _conflict_target() -> dict[str, Any]:
    # MySQL's ON DUPLICATE KEY UPDATE names no columns; SQLite and PostgreSQL need them.
    if connection.features.supports_update_conflicts_with_target:
        return {"unique_fields": ["user"]}
    return {}


def trust_levels_compute(*, batch_size: int | None = None, after_id: int = 0) -> int:
    """Recompute every user's trust level (from ``after_id`` on); the number of users done."""
    done = 0
    size = batch_size or settings.MODERATION_TRUST_BATCH_SIZE
    for batch in _user_batches(batch_size=size, after_id=after_id):
        TrustLevel.objects.bulk_create(
            _batch_compute(batch),
            update_conflicts=True,
            update_fields=COMPUTED_FIELDS,
            **_conflict_target(),
        )
        done += len(batch)
    return done
