"""Writes of the feed: fan-out on publish, merges on follow, inbox rebuilds.

Push/pull hybrid: an article of an author with fewer than ``FEED_PUSH_MAX_FOLLOWERS`` followers
is pushed into the inbox of each follower signed in within ``FEED_ACTIVE_DAYS``, in batches of
``FEED_FANOUT_BATCH_SIZE`` (one query and one Redis round trip per batch); bigger authors and
followed tags are pulled when the feed is read. Everything here is idempotent (an inbox is a
set keyed by article id), so redelivered events and re-run tasks change nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.articles.public import article_public_rows
from apps.feed import inbox
from apps.feed.sources import authors_newest
from apps.follows.selectors import follow_exists, followed_user_ids, follower_ids_page
from apps.users.providers import local_follow_counts
from apps.users.selectors import user_follow_counts


def _active_since() -> datetime:
    return timezone.now() - timedelta(days=settings.FEED_ACTIVE_DAYS)


def feed_pushed_authors(*, author_ids: list[int], recent: bool = False) -> list[int]:
    """Those of ``author_ids`` whose articles are pushed (fewer followers than the threshold).

    ``recent``: counts from this process's copy (``USER_FOLLOW_COUNTS_LOCAL_TTL`` seconds old
    at most), for the feed's read: an author crossing the threshold a second late changes only
    which side a few of their articles are read from.
    """
    limit = settings.FEED_PUSH_MAX_FOLLOWERS
    if recent:
        local = local_follow_counts.get_many(author_ids)
        return [author_id for author_id in author_ids if local[author_id]["follower_count"] < limit]
    counts = user_follow_counts(user_ids=author_ids)
    return [author_id for author_id in author_ids if counts[author_id].follower_count < limit]


def feed_fanout(*, article_id: int) -> int:
    """Push a public article into its author's active followers' inboxes; how many were asked."""
    rows = article_public_rows(article_ids=[article_id])
    if not rows or not feed_pushed_authors(author_ids=[rows[0].author_id]):
        return 0  # no longer public, or a big author (pulled at read time)
    article, since, after_id, asked = rows[0], _active_since(), 0, 0
    while page := follower_ids_page(
        user_id=article.author_id,
        after_id=after_id,
        limit=settings.FEED_FANOUT_BATCH_SIZE,
        signed_in_since=since,
    ):
        followers = [follower_id for _follow_id, follower_id in page]
        inbox.inbox_push(user_ids=followers, article_id=article.pk, publish_seq=article.publish_seq)
        after_id, asked = page[-1][0], asked + len(followers)
    return asked


def feed_follow_apply(*, follower_id: int, followee_id: int) -> None:
    """Bring the follower's inbox in line with the follow as it is now (not as the event said).

    Following merges the followee's newest articles in (when they are pushed at all);
    unfollowing removes them. The feed's read filters by the follows too, so this only keeps
    the inbox's 500 slots for authors still followed.
    """
    newest = authors_newest(author_ids=[followee_id], before=None, limit=settings.FEED_INBOX_SIZE)
    following = follow_exists(follower_id=follower_id, followee_id=followee_id)
    if following and feed_pushed_authors(author_ids=[followee_id]):
        inbox.inbox_merge(user_id=follower_id, entries=newest)
    elif not following:
        inbox.inbox_remove(
            user_id=follower_id, article_ids=[article_id for article_id, _ in newest]
        )


def _inbox_expiry(user: Any) -> datetime | None:
    """When the reader's activity window ends; ``None`` for a reader outside it."""
    if user.last_login is None:
        return None
    ends = user.last_login + timedelta(days=settings.FEED_ACTIVE_DAYS)
    return ends if ends > timezone.now() else None


def feed_inbox_entries(*, user_id: int) -> list[tuple[int, int]]:
    """What the inbox holds when rebuilt from the database: pushed authors' newest articles."""
    pushed = feed_pushed_authors(author_ids=followed_user_ids(user_id=user_id))
    return authors_newest(author_ids=pushed, before=None, limit=settings.FEED_INBOX_SIZE)


def feed_inbox_rebuild(*, user: Any) -> list[tuple[int, int]]:
    """Rebuild the reader's inbox from the database; stored only while the reader is active.

    An inactive reader's inbox is not kept: fan-out skips them, so it would miss pushes.
    """
    entries = feed_inbox_entries(user_id=user.pk)
    expires_at = _inbox_expiry(user)
    if expires_at is None:
        inbox.inbox_drop(user_id=user.pk)
    else:
        inbox.inbox_store(user_id=user.pk, entries=entries, expires_at=expires_at)
    return entries
