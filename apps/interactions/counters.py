"""Per-article counters in Redis: the hash ``interactive:article:<id>``, a cache of ArticleStat.

The stat rows are the truth. A hash exists only for articles read in the last
``INTERACTIONS_COUNTS_TTL`` seconds; a write changes a hash only when it exists (one Lua
script: HINCRBY if EXISTS), so a write never creates a partial hash a reader would trust, and a
read that misses refills the hash from the rows. A whole page costs one pipeline of HGETALLs,
plus one of HSETs for the misses.

Redis being down never fails a write (a lost increment leaves the hash stale until it expires,
or ``interactions_recount`` drops it). Reads then go to the stat rows, as the kernel cache does:
a circuit breaker skips Redis instead of paying a timeout per request, and at most
``CACHE_FALLBACK_CONCURRENCY`` reads per process query the rows at once; the others wait up to
``FALLBACK_WAIT_SECONDS`` and then get 503 ``service_unavailable`` rather than stampede the
database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import redis
from django.conf import settings
from django.db import transaction

from scholarnet.api.errors import ServiceUnavailable
from scholarnet.cache.breaker import CircuitBreaker
from scholarnet.observability.metrics import counter

logger = logging.getLogger(__name__)

BIZ_ARTICLE = "article"
FIELDS = ("like_count", "collect_count", "read_count", "comment_count")
COUNTS_READS = counter(
    "interactions_counts_reads_total", "Article count lookups by source.", labelnames=("source",)
)
_REDIS_FAILURES = (redis.RedisError, OSError)
FALLBACK_WAIT_SECONDS = 0.5
_breaker = CircuitBreaker()
_fallback_slots = threading.BoundedSemaphore(max(1, settings.CACHE_FALLBACK_CONCURRENCY))

# KEYS: hashes; ARGV[1]: the field, ARGV[i + 1]: the delta for KEYS[i]. Never below zero.
_INCR_IF_EXISTS = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    if redis.call('HINCRBY', key, ARGV[1], ARGV[i + 1]) < 0 then
      redis.call('HSET', key, ARGV[1], 0)
    end
  end
end
return 0
"""


def counts_key(article_id: int, *, biz: str = BIZ_ARTICLE) -> str:
    return f"interactive:{biz}:{article_id}"


def _client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


_script: Any = None


def _incr_script() -> Any:
    global _script
    if _script is None:
        _script = _client().register_script(_INCR_IF_EXISTS)
    return _script


def counters_incr(*, field: str, deltas: Mapping[int, int]) -> None:
    """Add ``deltas`` (article id → delta) to ``field`` of the hashes that exist, atomically."""
    if field not in FIELDS:
        raise ValueError(f"unknown counter {field!r}")
    changed = {article_id: delta for article_id, delta in deltas.items() if delta}
    if not changed:
        return
    keys = [counts_key(article_id) for article_id in changed]
    try:
        _incr_script()(keys=keys, args=[field, *changed.values()], client=_client())
    except _REDIS_FAILURES:
        logger.warning("counter increment lost; the hash is stale until it expires", exc_info=True)


def counters_incr_on_commit(*, field: str, deltas: Mapping[int, int]) -> None:
    """:func:`counters_incr` once the current transaction commits (never for a rollback)."""
    frozen = dict(deltas)
    transaction.on_commit(lambda: counters_incr(field=field, deltas=frozen))


def counters_forget(*, article_ids: list[int]) -> None:
    """Drop the hashes (after a recount): the next read refills them from the rows."""
    if not article_ids:
        return
    try:
        _client().delete(*[counts_key(article_id) for article_id in article_ids])
    except _REDIS_FAILURES:
        logger.warning("could not drop counter hashes", exc_info=True)


def counters_get_many(
    *, article_ids: list[int], load: Callable[[list[int]], dict[int, dict[str, int]]]
) -> dict[int, dict[str, int]]:
    """Counts of every article: from the hashes, misses from ``load`` (and written back)."""
    if not article_ids:
        return {}
    if not _breaker.allow():
        return _fallback(article_ids, load)
    try:
        found = _hashes_read(article_ids)
    except _REDIS_FAILURES:
        _breaker.record_failure()
        logger.warning("counter hashes unreadable; reading the stat rows", exc_info=True)
        return _fallback(article_ids, load)
    _breaker.record_success()
    missing = [article_id for article_id in article_ids if article_id not in found]
    COUNTS_READS.labels("redis").inc(len(article_ids) - len(missing))
    if missing:
        COUNTS_READS.labels("database").inc(len(missing))
        loaded = load(missing)
        _hashes_fill(loaded)
        found.update(loaded)
    return found


def _fallback(
    article_ids: list[int], load: Callable[[list[int]], dict[int, dict[str, int]]]
) -> dict[int, dict[str, int]]:
    """The stat rows while Redis is unusable, a bounded number of reads at a time."""
    if not _fallback_slots.acquire(timeout=FALLBACK_WAIT_SECONDS):
        COUNTS_READS.labels("refused").inc(len(article_ids))
        raise ServiceUnavailable("The service is busy. Try again shortly.")
    try:
        COUNTS_READS.labels("database").inc(len(article_ids))
        return load(article_ids)
    finally:
        _fallback_slots.release()


def _hashes_read(article_ids: list[int]) -> dict[int, dict[str, int]]:
    pipe = _client().pipeline(transaction=False)
    for article_id in article_ids:
        pipe.hgetall(counts_key(article_id))
    found = {}
    for article_id, raw in zip(article_ids, pipe.execute(), strict=True):
        if raw:
            found[article_id] = {field: int(raw.get(field.encode(), 0)) for field in FIELDS}
    return found


def _hashes_fill(rows: dict[int, dict[str, int]]) -> None:
    ttl = settings.INTERACTIONS_COUNTS_TTL
    try:
        pipe = _client().pipeline(transaction=False)
        for article_id, values in rows.items():
            pipe.hset(counts_key(article_id), mapping={field: values[field] for field in FIELDS})
            pipe.expire(counts_key(article_id), ttl)
        pipe.execute()
    except _REDIS_FAILURES:
        logger.warning("could not refill counter hashes", exc_info=True)
