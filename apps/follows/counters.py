"""Per-user follow counts in Redis: the hash ``follows:user:<id>``, a cache of FollowStat.

The stat rows are the truth. A hash exists only for users whose counts were read in the last
``FOLLOWS_COUNTS_TTL`` seconds; a follow moves both users' hashes in one script call (one round
trip: HINCRBY if EXISTS), so a write never creates a partial hash a reader
would trust, and a read that misses refills the hash from the rows. A page costs one pipeline of
HGETALLs, plus one of HSETs for the misses. Redis being down never fails a follow: reads then
fall back to the stat rows (a lost increment leaves a hash stale until it expires, or
``follows_recount`` drops it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

FIELDS = ("follower_count", "followee_count")
_REDIS_FAILURES = (redis.RedisError, OSError)

# KEYS[i]: a hash; ARGV[2i - 1]: its field, ARGV[2i]: the delta. Not clamped at zero: two
# commits' increments may reach Redis in either order (an unfollow's -1 before the follow's +1),
# and clamping the transient -1 would leave the sum one too high for good. Readers clamp.
_INCR_IF_EXISTS = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('HINCRBY', key, ARGV[2 * i - 1], ARGV[2 * i])
  end
end
return 0
"""


def counts_key(user_id: int) -> str:
    return f"follows:user:{user_id}"


def _client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


_script: Any = None


def _incr_script() -> Any:
    global _script
    if _script is None:
        _script = _client().register_script(_INCR_IF_EXISTS)
    return _script


def counters_follow_moved(*, follower_id: int, followee_id: int, delta: int) -> None:
    """The follower's ``followee_count`` and the followee's ``follower_count`` += ``delta``."""
    keys = [counts_key(follower_id), counts_key(followee_id)]
    args = ["followee_count", delta, "follower_count", delta]
    try:
        _incr_script()(keys=keys, args=args, client=_client())
    except _REDIS_FAILURES:
        logger.warning(
            "follow count increment lost; the hash stays stale until it expires", exc_info=True
        )


def counters_follow_moved_on_commit(*, follower_id: int, followee_id: int, delta: int) -> None:
    transaction.on_commit(
        lambda: counters_follow_moved(follower_id=follower_id, followee_id=followee_id, delta=delta)
    )


def counters_forget(*, user_ids: list[int]) -> None:
    if not user_ids:
        return
    try:
        _client().delete(*[counts_key(user_id) for user_id in user_ids])
    except _REDIS_FAILURES:
        logger.warning("could not drop follow count hashes", exc_info=True)


def counters_get_many(
    *, user_ids: list[int], load: Callable[[list[int]], dict[int, dict[str, int]]]
) -> dict[int, dict[str, int]]:
    """Counts of every user: from the hashes, misses from ``load`` (and written back)."""
    if not user_ids:
        return {}
    try:
        found = _hashes_read(user_ids)
    except _REDIS_FAILURES:
        logger.warning("follow count hashes unreadable; reading the stat rows", exc_info=True)
        return load(user_ids)
    missing = [user_id for user_id in user_ids if user_id not in found]
    if missing:
        loaded = load(missing)
        _hashes_fill(loaded)
        found.update(loaded)
    return found


def _hashes_read(user_ids: list[int]) -> dict[int, dict[str, int]]:
    pipe = _client().pipeline(transaction=False)
    for user_id in user_ids:
        pipe.hgetall(counts_key(user_id))
    found = {}
    for user_id, raw in zip(user_ids, pipe.execute(), strict=True):
        if raw:
            found[user_id] = {field: max(int(raw.get(field.encode(), 0)), 0) for field in FIELDS}
    return found


def _hashes_fill(rows: dict[int, dict[str, int]]) -> None:
    ttl = settings.FOLLOWS_COUNTS_TTL
    try:
        pipe = _client().pipeline(transaction=False)
        for user_id, values in rows.items():
            pipe.hset(counts_key(user_id), mapping={field: values[field] for field in FIELDS})
            pipe.expire(counts_key(user_id), ttl)
        pipe.execute()
    except _REDIS_FAILURES:
        logger.warning("could not refill follow count hashes", exc_info=True)
