"""Reads of the follow graph: counts and flags for the users app, the lists, followed tags.

``follow_counts_provide`` and ``follow_flags_provide`` answer the users app's bulk reads
(registered in ``apps.py``): counts from the Redis hashes (misses from the stat rows), the
viewer's flags from the facts, one round trip / query each for a whole page. What a user
follows (users and tags) is read through the two-level cache (``following_get``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from apps.follows.counters import FIELDS, counters_get_many
from apps.follows.errors import FolloweeNotFound
from apps.follows.models import Follow, FollowStat, TagFollow
from apps.users.selectors import user_follow_counts, user_follow_flags
from scholarnet.cache import two_level_cache

PROVIDED_COUNTS = FIELDS
FOLLOWED = "followed"
PROVIDED_FLAGS = (FOLLOWED,)


def follow_stats_load(user_ids: list[int]) -> dict[int, dict[str, int]]:
    """The stat rows of ``user_ids`` (zeros for a user nobody follows), one query."""
    rows = {user_id: dict.fromkeys(FIELDS, 0) for user_id in user_ids}
    for row in FollowStat.objects.filter(pk__in=user_ids).values("user_id", *FIELDS):
        rows[row.pop("user_id")] = row
    return rows


def follow_counts_provide(*, ids: list[int]) -> dict[int, dict[str, int]]:
    return counters_get_many(user_ids=ids, load=follow_stats_load)


def follow_flags_provide(*, ids: list[int], user_id: int) -> dict[int, dict[str, bool]]:
    """Which of ``ids`` the viewer follows: one query on the unique (follower, followee) index."""
    followed = set(
        Follow.objects.filter(follower_id=user_id, followee_id__in=ids).values_list(
            "followee_id", flat=True
        )
    )
    return {user_id_: {FOLLOWED: user_id_ in followed} for user_id_ in ids}


def following_cache_key(user_id: int) -> str:
    return f"follows:following:{user_id}"


def _following_load(user_id: int) -> tuple[list[int], list[str]]:
    users = Follow.objects.filter(follower_id=user_id).values_list("followee_id", flat=True)
    tags = TagFollow.objects.filter(user_id=user_id).values_list("name", flat=True)
    return list(users), list(tags)


def following_get(*, user_id: int) -> tuple[list[int], list[str]]:
    """Everyone and every tag ``user_id`` follows (the feed reads it on every page).

    Through the two-level cache: a warm read costs no query and no Redis round trip. Every
    follow, unfollow, tag follow and tag unfollow invalidates the reader's entry once it
    commits (``following_forget_on_commit``), so it is as fresh as the kernel cache's pub/sub.
    """
    return two_level_cache.get_or_load(
        following_cache_key(user_id),
        lambda: _following_load(user_id),
        ttl=settings.FOLLOWS_FOLLOWING_CACHE_TTL,
    )


def followed_user_ids(*, user_id: int) -> list[int]:
    """Everyone ``user_id`` follows (for the feed's merge), from :func:`following_get`."""
    return list(following_get(user_id=user_id)[0])


def follower_ids_page(
    *, user_id: int, after_id: int, limit: int, signed_in_since: datetime | None = None
) -> list[tuple[int, int]]:
    """``(follow id, follower id)`` of ``user_id``'s followers with follow ids above
    ``after_id``, in follow-id order; only those signed in since ``signed_in_since`` if given."""
    rows = Follow.objects.filter(followee_id=user_id, id__gt=after_id)
    if signed_in_since is not None:
        rows = rows.filter(follower__last_login__gte=signed_in_since)
    return list(rows.order_by("id").values_list("id", "follower_id")[:limit])


def followed_tag_names(*, user_id: int) -> list[str]:
    """The display names of the tags ``user_id`` follows (for the feed's pull), cached."""
    return list(following_get(user_id=user_id)[1])


def follow_exists(*, follower_id: int, followee_id: int) -> bool:
    return Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).exists()


# --- the lists -----------------------------------------------------------------------------------


def _active_user_checked(user_id: int) -> None:
    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        raise FolloweeNotFound()


def follower_list(*, user_id: int) -> QuerySet[Follow]:
    """``user_id``'s active followers, newest follow first (paginate on ``-id``)."""
    _active_user_checked(user_id)
    rows = Follow.objects.filter(followee_id=user_id, follower__is_active=True)
    return rows.only("id", "follower_id", "created_at")


def followee_list(*, user_id: int) -> QuerySet[Follow]:
    """The active users ``user_id`` follows, newest follow first (paginate on ``-id``)."""
    _active_user_checked(user_id)
    rows = Follow.objects.filter(follower_id=user_id, followee__is_active=True)
    return rows.only("id", "followee_id", "created_at")


def follow_items_represent(
    follows: list[Follow], *, side: str, viewer: Any
) -> list[dict[str, Any]]:
    """A page of follows as profiles: users, counts and the viewer's flags, in bulk.

    ``side`` is ``"follower"`` or ``"followee"``: which end of each follow to show. Three reads
    for the whole page whatever its size (users, counts, flags; flags only when signed in).
    """
    user_ids = [getattr(follow, f"{side}_id") for follow in follows]
    users = get_user_model().objects.filter(pk__in=user_ids).only("id", "nickname", "avatar_url")
    profiles = {user.pk: user for user in users.order_by()}
    counts = user_follow_counts(user_ids=user_ids)
    signed_in = viewer is not None and viewer.is_authenticated
    flags = user_follow_flags(viewer_id=viewer.pk, user_ids=user_ids) if signed_in else {}
    items = []
    for follow, user_id in zip(follows, user_ids, strict=True):
        user = profiles.get(user_id)
        if user is None:
            continue  # deleted between the two reads
        items.append(
            {
                "user": {
                    "id": user.pk,
                    "nickname": user.nickname,
                    "avatar_url": user.avatar_url,
                    "follower_count": counts[user_id].follower_count,
                    "followee_count": counts[user_id].followee_count,
                    "followed": flags.get(user_id, False),
                },
                "followed_at": follow.created_at,
            }
        )
    return items


def tag_follow_list(*, user: Any) -> QuerySet[TagFollow]:
    """The tags ``user`` follows, newest first (paginate on ``-id``)."""
    return TagFollow.objects.filter(user=user).only("id", "name", "created_at")
