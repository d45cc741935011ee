"""Feed inboxes in Redis: the sorted set ``feed:inbox:<user id>``, article ids by publish_seq.

An inbox holds the newest ``FEED_INBOX_SIZE`` pushed articles of the authors a reader follows
(those below ``FEED_PUSH_MAX_FOLLOWERS``). The member ``0`` (score 0) marks an inbox as built,
so an empty feed is not taken for a missing one. An inbox expires when its reader's activity
window ends (``last_login`` + ``FEED_ACTIVE_DAYS``): fan-out writes only to the inboxes of
readers signed in within the window, so an inbox that exists has missed no push, and a reader
who returns after the window gets a fresh one rebuilt from the database. Inboxes are derived
state: ``manage.py feed_rebuild`` rebuilds them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import redis
from django.conf import settings

BUILT = "0"  # the marker member, below every publish_seq

# KEYS: inboxes; ARGV[1]: the article id, ARGV[2]: its publish_seq, ARGV[3]: the cap. Only
# inboxes that exist get it; each is trimmed to the marker and the newest ``cap`` ids.
_PUSH_IF_EXISTS = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, ARGV[2], ARGV[1])
    redis.call('ZREMRANGEBYRANK', key, 1, -(tonumber(ARGV[3]) + 1))
  end
end
return 0
"""


# KEYS[1]: an inbox; ARGV[1]: the cap, then (publish_seq, article id) pairs.
_MERGE_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  for i = 2, #ARGV, 2 do
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 1, -(tonumber(ARGV[1]) + 1))
end
return 0
"""
_scripts: dict[str, Any] = {}


def inbox_key(user_id: int) -> str:
    return f"feed:inbox:{user_id}"


def _client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _registered(source: str) -> Any:
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = _client().register_script(source)
    return script


def _push_script() -> Any:
    return _registered(_PUSH_IF_EXISTS)


def _merge_script() -> Any:
    return _registered(_MERGE_IF_EXISTS)


def inbox_push(*, user_ids: list[int], article_id: int, publish_seq: int) -> None:
    """Add one article to the existing inboxes of ``user_ids``: one round trip for all."""
    if user_ids:
        keys = [inbox_key(user_id) for user_id in user_ids]
        cap = settings.FEED_INBOX_SIZE
        _push_script()(keys=keys, args=[article_id, publish_seq, cap], client=_client())


def inbox_merge(*, user_id: int, entries: Iterable[tuple[int, int]]) -> None:
    """Add ``(article id, publish_seq)`` entries to the inbox if it exists, keeping the cap."""
    args: list[Any] = [settings.FEED_INBOX_SIZE]
    for article_id, publish_seq in entries:
        args += [publish_seq, article_id]
    if len(args) > 1:
        _merge_script()(keys=[inbox_key(user_id)], args=args, client=_client())


def inbox_remove(*, user_id: int, article_ids: list[int]) -> None:
    if article_ids:
        _client().zrem(inbox_key(user_id), *[str(article_id) for article_id in article_ids])


def inbox_store(*, user_id: int, entries: list[tuple[int, int]], expires_at: datetime) -> None:
    """Replace the inbox with ``entries`` (newest ``FEED_INBOX_SIZE``), until ``expires_at``."""
    newest = sorted(entries, key=lambda entry: -entry[1])[: settings.FEED_INBOX_SIZE]
    mapping = {BUILT: 0.0, **{str(article_id): float(seq) for article_id, seq in newest}}
    pipe = _client().pipeline(transaction=True)
    pipe.delete(inbox_key(user_id))
    pipe.zadd(inbox_key(user_id), mapping)
    pipe.expireat(inbox_key(user_id), expires_at)
    pipe.execute()


def inbox_drop(*, user_id: int) -> None:
    _client().delete(inbox_key(user_id))


def inbox_range(*, user_id: int, before: int | None, limit: int) -> list[tuple[int, int]] | None:
    """Up to ``limit`` ``(article id, publish_seq)`` below ``before``, newest first; ``None``
    when the inbox does not exist.

    One command: the range reaches down to score 0, the marker's, so a built inbox always
    answers something (its items, or the marker once they run out) and an empty answer means
    no inbox.
    """
    top = f"({before}" if before is not None else "+inf"
    rows = _client().zrevrangebyscore(
        inbox_key(user_id), top, 0, start=0, num=limit + 1, withscores=True
    )
    if not rows:
        return None
    items = [
        (int(member), int(score))
        for member, score in cast("list[tuple[bytes, float]]", rows)
        if member != BUILT.encode()
    ]
    return items[:limit]
