"""Writes of follows (users and tags) and of the counts they keep.

A follow is a fact under a unique constraint, so following twice changes nothing. A follow or
unfollow runs in one transaction that locks both users' stat rows (in primary-key order, so
two users following each other at once cannot deadlock), inserts or deletes the fact, moves
the follower's ``followee_count`` and the followee's ``follower_count`` with ``F()`` (never
below zero), publishes ``follow.changed`` through the outbox, and schedules the Redis hash
increments for after the commit. Nothing is published or counted when the state did not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from apps.follows.counters import counters_follow_moved_on_commit, counters_forget
from apps.follows.errors import CannotFollowSelf, FolloweeNotFound, TagNotFound
from apps.follows.events import FollowChanged
from apps.follows.models import Follow, FollowStat, TagFollow
from apps.follows.selectors import following_cache_key
from apps.tags.names import TagNameInvalid, tag_name_parse
from apps.tags.selectors import tag_ids_for_name
from scholarnet.api.errors import ValidationFailed
from scholarnet.cache import invalidate_on_commit
from scholarnet.events.payloads import publish_event

__all__ = [
    "FollowState",
    "follow_stats_recount",
    "tag_follow",
    "tag_unfollow",
    "user_follow",
    "user_unfollow",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FollowState:
    following: bool
    follower_count: int  # the followee's


# --- stat rows -----------------------------------------------------------------------------------


class _StatRowMissing(Exception):
    """A follow found a stat row missing; raised before it wrote anything."""


def _counted(user_ids: list[int]) -> dict[int, dict[str, int]]:
    """Both counts of ``user_ids`` by COUNT over the facts (two grouped index scans)."""
    rows = {user_id: {"follower_count": 0, "followee_count": 0} for user_id in user_ids}
    for side, field in (("followee_id", "follower_count"), ("follower_id", "followee_count")):
        grouped = Follow.objects.filter(**{f"{side}__in": user_ids}).values_list(side)
        for user_id, number in grouped.annotate(n=Count("id")).order_by():
            rows[user_id][field] = number
    return rows


def _stat_rows_create(user_ids: list[int]) -> None:
    """Create the missing rows from a COUNT of the facts, committed at once (INSERT IGNORE).

    No follow of these users can commit between the COUNT and the insert: each needs the rows
    locked first, so a concurrent creator's COUNT sees the same facts and its insert is ignored.
    """
    counts = _counted(user_ids)
    # In primary-key order: INSERT IGNORE share-locks the rows it finds, and must take them in
    # the order the follows' transactions lock them.
    FollowStat.objects.bulk_create(
        [FollowStat(user_id=user_id, **counts[user_id]) for user_id in sorted(counts)],
        ignore_conflicts=True,
    )


def _with_stat_rows(user_ids: list[int], work: Callable[[], T]) -> T:
    """Run ``work`` in a transaction once both users have stat rows.

    The rows are made to exist before the transaction: a locking read of a missing row takes
    a gap lock, and two writers holding gap locks that both then insert the row deadlock.
    ``work`` raises ``_StatRowMissing`` (before writing) if a row vanished meanwhile.
    """
    existing = set(FollowStat.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    if len(existing) < len(set(user_ids)):
        _stat_rows_create([user_id for user_id in user_ids if user_id not in existing])
    try:
        with transaction.atomic():
            return work()
    except _StatRowMissing:
        _stat_rows_create(user_ids)
        with transaction.atomic():
            return work()


def _stats_locked(user_ids: list[int]) -> dict[int, FollowStat]:
    """Both stat rows, locked in primary-key order: the first lock of every follow write."""
    rows = FollowStat.objects.select_for_update().filter(pk__in=user_ids).order_by("pk")
    return {row.pk: row for row in rows}


def _count_add(user_id: int, name: str, delta: int) -> None:
    rows = FollowStat.objects.filter(pk=user_id)
    if delta < 0:
        rows = rows.filter(**{f"{name}__gte": -delta})
    rows.update(**{name: F(name) + delta, "updated_at": timezone.now()})


# --- following users -----------------------------------------------------------------------------


def _followee_checked(*, follower: Any, followee_id: int, active_only: bool) -> None:
    if followee_id == follower.pk:
        raise CannotFollowSelf()
    users = get_user_model().objects.filter(pk=followee_id)
    if active_only:
        users = users.filter(is_active=True)
    if not users.exists():
        raise FolloweeNotFound()


def user_follow(*, follower: Any, followee_id: int) -> FollowState:
    """Follow an active user; following them again changes nothing."""
    _followee_checked(follower=follower, followee_id=followee_id, active_only=True)
    ids = [follower.pk, followee_id]

    def work() -> FollowState:
        stats = _stats_locked(ids)
        if len(stats) < 2:
            raise _StatRowMissing()
        current = stats[followee_id].follower_count
        try:
            with transaction.atomic():
                Follow.objects.create(follower=follower, followee_id=followee_id)
        except IntegrityError:  # followed already
            return FollowState(following=True, follower_count=current)
        return _moved(follower_id=follower.pk, followee_id=followee_id, delta=1, before=current)

    return _with_stat_rows(ids, work)


def user_unfollow(*, follower: Any, followee_id: int) -> FollowState:
    """Stop following a user (a deactivated one too); unfollowing a stranger changes nothing."""
    _followee_checked(follower=follower, followee_id=followee_id, active_only=False)
    ids = [follower.pk, followee_id]

    def work() -> FollowState:
        stats = _stats_locked(ids)
        if len(stats) < 2:
            raise _StatRowMissing()
        current = stats[followee_id].follower_count
        deleted, _ = Follow.objects.filter(follower=follower, followee_id=followee_id).delete()
        if not deleted:
            return FollowState(following=False, follower_count=current)
        return _moved(follower_id=follower.pk, followee_id=followee_id, delta=-1, before=current)

    return _with_stat_rows(ids, work)


def _moved(*, follower_id: int, followee_id: int, delta: int, before: int) -> FollowState:
    _count_add(follower_id, "followee_count", delta)
    _count_add(followee_id, "follower_count", delta)
    state = FollowState(following=delta > 0, follower_count=max(before + delta, 0))
    publish_event(
        FollowChanged(
            follower_id=follower_id,
            followee_id=followee_id,
            following=state.following,
            follower_count=state.follower_count,
            occurred_at=timezone.now(),
        )
    )
    counters_follow_moved_on_commit(follower_id=follower_id, followee_id=followee_id, delta=delta)
    invalidate_on_commit(following_cache_key(follower_id))
    return state


def follow_stats_recount(*, user_ids: list[int]) -> int:
    """Rewrite the stat rows of ``user_ids`` from a COUNT of the facts; the rows it changed.

    Each row is corrected under its lock, so a follow committing meanwhile is either counted
    by the COUNT or applied after it, never lost. The corrected users' hashes are dropped.
    """
    changed: list[int] = []
    for user_id in sorted(user_ids):
        with transaction.atomic():
            stat = FollowStat.objects.select_for_update().filter(pk=user_id).first()
            counts = _counted([user_id])[user_id]
            if stat is None:
                FollowStat.objects.bulk_create(
                    [FollowStat(user_id=user_id, **counts)], ignore_conflicts=True
                )
                continue
            if (stat.follower_count, stat.followee_count) != tuple(counts.values()):
                FollowStat.objects.filter(pk=user_id).update(**counts, updated_at=timezone.now())
                changed.append(user_id)
    counters_forget(user_ids=changed)
    return len(changed)


# --- following tags ------------------------------------------------------------------------------


def _tag_parsed(name: str) -> Any:
    try:
        return tag_name_parse(name)
    except TagNameInvalid as error:
        raise ValidationFailed(fields={"name": error.messages}) from error


def tag_follow(*, user: Any, name: str) -> TagFollow:
    """Follow the tag called ``name`` (any tag of that name); following it again changes nothing."""
    parsed = _tag_parsed(name)
    if not tag_ids_for_name(name=parsed.display):
        raise TagNotFound()
    existing = TagFollow.objects.filter(user=user, name_key=parsed.key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            followed = TagFollow.objects.create(user=user, name_key=parsed.key, name=parsed.display)
            invalidate_on_commit(following_cache_key(user.pk))
            return followed
    except IntegrityError:  # a concurrent follow of the same tag won
        return TagFollow.objects.get(user=user, name_key=parsed.key)


def tag_unfollow(*, user: Any, name: str) -> str:
    """Stop following a tag; unfollowing one not followed changes nothing. The display name."""
    parsed = _tag_parsed(name)
    deleted, _ = TagFollow.objects.filter(user=user, name_key=parsed.key).delete()
    if deleted:
        invalidate_on_commit(following_cache_key(user.pk))
    return str(parsed.display)
