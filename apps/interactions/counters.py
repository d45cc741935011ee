"""Per-article counters in Redis: the hash ``interactive:article:<id>``, a cache of ArticleStat.

The stat rows are the truth. A hash exists only for articles read in the last
``INTERACTIONS_COUNTS_TTL`` seconds; a write changes a hash only when it exists (one Lua
script: HINCRBY if EXISTS), so a write never creates a partial hash a reader would trust, and a
read that misses refills the hash from the rows (only if still absent and not marked changed;
see ``CHANGED_MARKER_MS``). A whole page costs one pipeline of HGETALLs, plus one of fills for
the misses.

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

# A write that finds no hash leaves a short-lived marker instead: a reader that read the stat
# row before that write committed must not store what it read. Filling only an absent hash, and
# none while a marker lives, closes both races (an older read overwriting a newer hash, and a
# refill missing an increment that found no hash). The marker outlives any read-then-fill.
CHANGED_MARKER_MS = 2000

# ARGV[1]: the hashes' key prefix, ARGV[2]: the field, ARGV[3]: marker lifetime (ms), ARGV[4]:
# "id:delta id:delta …". Never below zero. The keys are built here from one string instead of
# passed as KEYS: a read batch moves hundreds of hashes, and encoding 1,500 arguments cost the
# client half of the call (10.6 ms a batch of 500 articles, 5.8 ms so). ScholarNet runs one
# Redis, not a cluster, so undeclared keys are safe.
_INCR_IF_EXISTS = """
local prefix, field, marker_ms = ARGV[1], ARGV[2], ARGV[3]
for id, delta in string.gmatch(ARGV[4], '(%d+):(%-?%d+)') do
  local key = prefix .. id
  if redis.call('EXISTS', key) == 1 then
    if redis.call('HINCRBY', key, field, delta) < 0 then
      redis.call('HSET', key, field, 0)
    end
  else
    redis.call('SET', key .. ':changed', 1, 'PX', marker_ms)
  end
end
return 0
"""
# KEYS: hash, marker; ARGV[1]: TTL (s), then field, value pairs. 1 when filled.
_FILL_IF_ABSENT = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


def counts_key(article_id: int, *, biz: str = BIZ_ARTICLE) -> str:
    return f"interactive:{biz}:{article_id}"


def changed_marker_key(article_id: int, *, biz: str = BIZ_ARTICLE) -> str:
    return f"interactive:{biz}:{article_id}:changed"


def _client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


_scripts: dict[str, Any] = {}


def _script(source: str) -> Any:
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = _client().register_script(source)
    return script


def counters_incr(*, field: str, deltas: Mapping[int, int]) -> None:
    """Add ``deltas`` (article id → delta) to ``field`` of the hashes that exist, atomically."""
    if field not in FIELDS:
        raise ValueError(f"unknown counter {field!r}")
    changed = {article_id: delta for article_id, delta in deltas.items() if delta}
    if not changed:
        return
    pairs = " ".join(f"{article_id}:{delta}" for article_id, delta in changed.items())
    args = [counts_key(0)[:-1], field, CHANGED_MARKER_MS, pairs]
    try:
        _script(_INCR_IF_EXISTS)(keys=[], args=args, client=_client())
    except _REDIS_FAILURES:
        logger.warning("counter increment lost; the hash is stale until it expires", exc_info=True)


def counters_incr_on_commit(*, field: str, deltas: Mapping[int, int]) -> None:
    """:func:`counters_incr` once the current transaction commits (never for a rollback)."""
    frozen = dict(deltas)
    transaction.on_commit(lambda: counters_incr(field=field, deltas=frozen))


def _keys(article_id: int) -> tuple[str, str]:
    return counts_key(article_id), changed_marker_key(article_id)


def counters_forget(*, article_ids: list[int]) -> None:
    """Drop the hashes (after a recount): the next read refills them from the rows."""
    if not article_ids:
        return
    try:
        pipe = _client().pipeline(transaction=False)
        for article_id in article_ids:
            pipe.delete(counts_key(article_id))
            pipe.set(changed_marker_key(article_id), 1, px=CHANGED_MARKER_MS)
        pipe.execute()
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
        fill = _script(_FILL_IF_ABSENT)
        for article_id, values in rows.items():
            pairs = [part for field in FIELDS for part in (field, values[field])]
            fill(keys=_keys(article_id), args=[ttl, *pairs], client=pipe)
        pipe.execute()
    except _REDIS_FAILURES:
        logger.warning("could not refill counter hashes", exc_info=True)
