"""Per-article counters in Redis: the hash ``interactive:article:<id>``, a cache of ArticleStat.

The stat rows are the truth. A hash exists only for articles read in the last
``INTERACTIONS_COUNTS_TTL`` seconds; a write changes a hash only when it exists (one Lua
script: HINCRBY if EXISTS), so a write never creates a partial hash a reader would trust, and a
read that misses refills the hash from the rows (only if still absent and not marked changed;
see ``CHANGED_MARKER_MS``). A whole page costs one script call that reads every hash, plus one
pipeline of fills for the misses.

A hash lacking one of :data:`FIELDS` (filled by a release that counted fewer things) is never
trusted: a read takes it for a miss and its fill drops it, and a write that finds the hash
without its field drops it too and leaves the marker, so the next read fills the whole shape.

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
FIELDS = (
    "like_count",
    "collect_count",
    "read_count",
    "comment_count",
    "review_count",
    "review_rating_sum",
)
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

# ARGV[1]: the hashes' key prefix, ARGV[2]: marker lifetime (ms), ARGV[3]: "id:field:delta …".
# Never below zero. The keys are built here from one string instead of passed as KEYS: a read
# batch moves hundreds of hashes, and encoding 1,500 arguments cost the client half of the call
# (10.6 ms a batch of 500 articles, 5.8 ms so). ScholarNet runs one Redis, not a cluster, so
# undeclared keys are safe. Several fields of one article (a review moves its count and its
# rating sum) change in one call, so no reader sees one without the other.
_INCR_IF_EXISTS = """
local prefix, marker_ms = ARGV[1], ARGV[2]
for id, field, delta in string.gmatch(ARGV[3], '(%d+):([%w_]+):(%-?%d+)') do
  local key = prefix .. id
  if redis.call('HEXISTS', key, field) == 1 then
    if redis.call('HINCRBY', key, field, delta) < 0 then
      redis.call('HSET', key, field, 0)
    end
  else
    redis.call('DEL', key)
    redis.call('SET', key .. ':changed', 1, 'PX', marker_ms)
  end
end
return 0
"""
# KEYS: the hashes; ARGV: the fields. One string for the page: per hash, in KEYS' order and
# separated by ";", its values joined by "," or nothing when it is missing or lacks a field. A
# pipeline of HGETALLs answered the same in 21 replies of 12 elements each, and parsing those
# in redis-py cost 0.4 ms of a feed page's 0.6 ms of counts; one bulk string parses at once.
_READ_ALL = """
local out = {}
for i, key in ipairs(KEYS) do
  local values = redis.call('HMGET', key, unpack(ARGV))
  local complete = true
  for j = 1, #ARGV do
    if not values[j] then complete = false; break end
  end
  out[i] = complete and table.concat(values, ',') or ''
end
return table.concat(out, ';')
"""
# KEYS: hash, marker; ARGV[1]: TTL (s), then field, value pairs. 1 when filled. A hash with
# fewer fields than the pairs is an older shape: dropped, filled by the next read.
_FILL_IF_ABSENT = """
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HLEN', KEYS[1]) < (#ARGV - 1) / 2 then
    redis.call('DEL', KEYS[1])
  end
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
    counters_move(changes={article_id: {field: delta} for article_id, delta in deltas.items()})


def counters_move(*, changes: Mapping[int, Mapping[str, int]]) -> None:
    """Add ``changes`` (article id → {field: delta}) to the hashes that exist, in one call."""
    unknown = {field for fields in changes.values() for field in fields} - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown counters {sorted(unknown)!r}")
    triples = " ".join(
        f"{article_id}:{field}:{delta}"
        for article_id, fields in changes.items()
        for field, delta in fields.items()
        if delta
    )
    if not triples:
        return
    args = [counts_key(0)[:-1], CHANGED_MARKER_MS, triples]
    try:
        _script(_INCR_IF_EXISTS)(keys=[], args=args, client=_client())
    except _REDIS_FAILURES:
        logger.warning("counter increment lost; the hash is stale until it expires", exc_info=True)


def counters_incr_on_commit(*, field: str, deltas: Mapping[int, int]) -> None:
    """:func:`counters_incr` once the current transaction commits (never for a rollback)."""
    counters_move_on_commit(
        changes={article_id: {field: delta} for article_id, delta in deltas.items()}
    )


def counters_move_on_commit(*, changes: Mapping[int, Mapping[str, int]]) -> None:
    """:func:`counters_move` once the current transaction commits (never for a rollback)."""
    frozen = {article_id: dict(fields) for article_id, fields in changes.items()}
    transaction.on_commit(lambda: counters_move(changes=frozen))


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
    """The complete hashes of ``article_ids``: one script call (an older, partial shape is a
    miss, and its fill drops it)."""
    keys = [counts_key(article_id) for article_id in article_ids]
    answer = _script(_READ_ALL)(keys=keys, args=FIELDS, client=_client())
    found = {}
    for article_id, part in zip(article_ids, bytes(answer).split(b";"), strict=True):
        if part:
            found[article_id] = dict(zip(FIELDS, map(int, part.split(b",")), strict=True))
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
