"""An article's review count and mean rating: ``ReviewStat`` rows, served from Redis.

The comments app answers ``review_count`` and ``review_rating_mean`` of the articles app's
counts read (registered in ``CommentsConfig.ready()``), which every article read makes. Those
reads are counted (a list page costs a fixed number of queries, the warm detail none), so the
answer never queries the database: one ``MGET`` of ``comments:reviews:<id>`` per page, and a
missing key means no reviews.

That makes Redis the fast copy, kept exact by writing it through: every review write moves the
row with ``F()`` in its transaction (bumping ``version``), reads it back under the row lock, and
after commit stores ``count, sum, version`` with a script that keeps the newest version (two
commits' hooks may run in either order). The rows stay the source of truth:
``manage.py comments_recount`` rewrites every key from the reviews (run it after Redis lost its
data), and with Redis down the read falls back to the rows (one query per page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from apps.comments.models import ReviewStat

logger = logging.getLogger(__name__)

PROVIDED_FIELDS = ("review_count", "review_rating_mean")
_REDIS_FAILURES = (redis.RedisError, OSError)

# KEYS[1]: the article's key; ARGV: count, sum, version. Stored unless a newer version is there.
_STORE_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local version = tonumber(string.match(current, '^%d+:%d+:(%d+)$') or '-1')
  if version >= tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2] .. ':' .. ARGV[3])
return 1
"""


def _client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _key(article_id: int) -> str:
    return f"comments:reviews:{article_id}"


def review_stat_ensure(*, article_id: int) -> None:
    """The article's row, created and committed before the review's transaction (as
    ``article_stat_ensure`` does it, for the same InnoDB reason)."""
    ReviewStat.objects.bulk_create([ReviewStat(article_id=article_id)], ignore_conflicts=True)


def review_stat_add(*, article_id: int, count: int, rating: int) -> None:
    """Add ``count`` reviews whose ratings sum to ``rating`` (negative to remove), with F(),
    and store the result in Redis once the caller's transaction commits."""
    ReviewStat.objects.filter(pk=article_id).update(
        review_count=Greatest(F("review_count") + count, 0),
        rating_sum=Greatest(F("rating_sum") + rating, 0),
        version=F("version") + 1,
    )
    row = ReviewStat.objects.filter(pk=article_id).values_list(
        "review_count", "rating_sum", "version"
    )
    _store_on_commit(article_id, *row.get())


def _store_on_commit(article_id: int, count: int, total: int, version: int) -> None:
    transaction.on_commit(lambda: _store(article_id, count, total, version))


def _store(article_id: int, count: int, total: int, version: int) -> None:
    try:
        _client().eval(_STORE_IF_NEWER, 1, _key(article_id), count, total, version)
    except _REDIS_FAILURES:  # the recount repairs it
        logger.warning("review stats: could not store the counts of %s", article_id)


def _values(count: int, total: int) -> dict[str, Any]:
    mean = round(total / count, 2) if count else None
    return {"review_count": count, "review_rating_mean": mean}


def _from_rows(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = ReviewStat.objects.filter(pk__in=ids).values_list(
        "article_id", "review_count", "rating_sum"
    )
    found = {article_id: (count, total) for article_id, count, total in rows}
    return {article_id: _values(*found.get(article_id, (0, 0))) for article_id in ids}


def _parse(value: bytes | str | None) -> tuple[int, int]:
    if not value:
        return 0, 0
    text = value.decode() if isinstance(value, bytes) else value
    count, total, _version = text.split(":")
    return int(count), int(total)


def review_stats_provide(*, ids: list[int], **context: Any) -> dict[int, dict[str, Any]]:
    """``{article_id: {"review_count": n, "review_rating_mean": mean or None}}`` for ``ids``."""
    if not ids:
        return {}
    try:
        values = _client().mget([_key(article_id) for article_id in ids])
    except _REDIS_FAILURES:
        logger.warning("review stats: Redis unavailable, reading the rows")
        return _from_rows(ids)
    return {
        article_id: _values(*_parse(value)) for article_id, value in zip(ids, values, strict=True)
    }


def review_stats_recount(
    *, article_ids: list[int], facts_read: Callable[..., dict[int, tuple[int, int]]]
) -> int:
    """Set the rows of ``article_ids`` from ``facts_read(ids=...)`` (the reviews) and rewrite
    their Redis copies; how many rows changed.

    The rows are locked in primary-key order before the reviews are counted; a review write
    locks the article's ``ArticleStat`` row and then this one, so a recount (which never waits
    on the stat rows) cannot deadlock with it, and a review committing meanwhile is counted once.
    """
    with transaction.atomic():
        return _recount_locked(article_ids=article_ids, facts_read=facts_read)


def _recount_locked(
    *, article_ids: list[int], facts_read: Callable[..., dict[int, tuple[int, int]]]
) -> int:
    rows = ReviewStat.objects.select_for_update().filter(pk__in=article_ids).order_by("pk")
    current = {row.pk: (row.review_count, row.rating_sum, row.version) for row in rows}
    facts = facts_read(ids=article_ids)
    changed = 0
    for article_id in article_ids:
        want = facts.get(article_id, (0, 0))
        count, total, version = current.get(article_id, (0, 0, 0))
        if (count, total) != want:
            ReviewStat.objects.update_or_create(
                article_id=article_id,
                defaults={"review_count": want[0], "rating_sum": want[1], "version": version + 1},
            )
            version += 1
            changed += 1
        if article_id in current or want != (0, 0):
            _store_on_commit(article_id, want[0], want[1], version)
    return changed
