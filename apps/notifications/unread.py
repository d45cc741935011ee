"""Unread counts per kind in Redis (``notifications:unread:<user>``), cheap enough to poll.

The rows are the truth. A read that misses counts them (one grouped query) and fills the hash
only if it is still absent and no write marked it changed in the last ``CHANGED_MARKER_MS``: a
write drops the hash and sets that marker after its commit, so a reader that counted before the
write cannot store the older numbers. Redis being down never fails a write (the hash expires
within ``NOTIFICATIONS_UNREAD_TTL``) and reads then count the rows.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Count

from apps.notifications.models import Notification, NotificationKind

logger = logging.getLogger(__name__)

CHANGED_MARKER_MS = 2000
KINDS = tuple(NotificationKind.values)
_FAILURES = (redis.RedisError, OSError)
# KEYS: hash, marker; ARGV[1]: TTL (s), then field, value pairs. Fills only an absent hash.
_FILL_IF_ABSENT = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""
_scripts: dict[str, Any] = {}


def _client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _keys(user_id: int) -> tuple[str, str]:
    key = f"notifications:unread:{user_id}"
    return key, f"{key}:changed"


def unread_counts_load(*, user_id: int) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    rows = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
    for row in rows.values("kind").annotate(n=Count("id")).order_by():
        counts[row["kind"]] = row["n"]
    return counts


def unread_counts_get(*, user_id: int) -> dict[str, int]:
    """``{kind: unread}`` for every kind: one HGETALL when warm."""
    key, marker = _keys(user_id)
    try:
        found = _client().hgetall(key)
    except _FAILURES:
        logger.warning("unread counts unreadable; counting the rows", exc_info=True)
        return unread_counts_load(user_id=user_id)
    if found:
        return {kind: int(found.get(kind.encode(), 0)) for kind in KINDS}
    counts = unread_counts_load(user_id=user_id)
    script = _scripts.get("fill") or _scripts.setdefault(
        "fill", _client().register_script(_FILL_IF_ABSENT)
    )
    values = [item for kind in KINDS for item in (kind, counts[kind])]
    try:
        script(keys=[key, marker], args=[int(settings.NOTIFICATIONS_UNREAD_TTL), *values])
    except _FAILURES:
        logger.warning("unread counts not stored", exc_info=True)
    return counts


def unread_counts_forget(*, user_ids: list[int]) -> None:
    if not user_ids:
        return
    try:
        pipe = _client().pipeline(transaction=False)
        for user_id in user_ids:
            key, marker = _keys(user_id)
            pipe.delete(key)
            pipe.set(marker, 1, px=CHANGED_MARKER_MS)
        pipe.execute()
    except _FAILURES:
        logger.warning("unread counts not dropped for %s", user_ids, exc_info=True)


def unread_counts_forget_on_commit(*, user_ids: list[int]) -> None:
    ids = sorted(set(user_ids))
    transaction.on_commit(lambda: unread_counts_forget(user_ids=ids))
