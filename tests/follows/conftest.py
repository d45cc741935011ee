from __future__ import annotations

from apps.follows.models import Follow, FollowStat
from scholarnet.events.models import OutboxEvent
from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    author_client,
    reader,
    reader_client,
    signed_in_client,
)

FOLLOW = "/api/v1/users/{}/follow"
FOLLOWERS = "/api/v1/users/{}/followers"
FOLLOWEES = "/api/v1/users/{}/followees"
TAG_FOLLOW = "/api/v1/tags/{}/follow"
FOLLOWED_TAGS = "/api/v1/me/followed-tags"


def stat(user_id: int) -> tuple[int, int]:
    """(follower_count, followee_count) of the user's stat row; zeros without one."""
    row = FollowStat.objects.filter(pk=user_id).first()
    return (row.follower_count, row.followee_count) if row else (0, 0)


def follow_pairs() -> list[tuple[int, int]]:
    return sorted(Follow.objects.values_list("follower_id", "followee_id"))


def events() -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(type="follow.changed").order_by("id")]
