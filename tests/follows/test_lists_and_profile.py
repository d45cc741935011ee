"""The follow lists (cursor pages, profiles in bulk) and the public profile's counts and flag."""

from __future__ import annotations

import pytest
from django.test import Client
from django_redis import get_redis_connection

from apps.follows import services
from tests.follows.conftest import FOLLOWEES, FOLLOWERS
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_followers_newest_first_with_counts_and_my_flags(author, reader, reader_client):
    first, second = UserFactory(nickname="First"), UserFactory(nickname="Second")
    services.user_follow(follower=first, followee_id=author.pk)
    services.user_follow(follower=second, followee_id=author.pk)
    services.user_follow(follower=reader, followee_id=second.pk)  # I follow Second

    body = reader_client.get(FOLLOWERS.format(author.pk)).json()

    assert [item["user"]["nickname"] for item in body["results"]] == ["Second", "First"]
    assert body["results"][0]["user"] == {
        "id": second.pk,
        "nickname": "Second",
        "avatar_url": second.avatar_url,
        "follower_count": 1,
        "followee_count": 1,
        "followed": True,
    }
    assert body["results"][1]["user"]["followed"] is False
    assert body["next"] is None


def test_followees_and_cursor_pages(anonymous_client, reader):
    followed = [UserFactory() for _ in range(5)]
    for user in followed:
        services.user_follow(follower=reader, followee_id=user.pk)

    page = anonymous_client.get(FOLLOWEES.format(reader.pk), {"page_size": 2}).json()
    seen = [item["user"]["id"] for item in page["results"]]
    while page["next"]:
        page = anonymous_client.get(
            FOLLOWEES.format(reader.pk), {"page_size": 2, "cursor": page["next"]}
        ).json()
        seen += [item["user"]["id"] for item in page["results"]]

    assert seen == [user.pk for user in reversed(followed)]


def test_deactivated_followers_are_hidden_and_a_deactivated_users_lists_are_404(
    anonymous_client, author
):
    active, gone = UserFactory(), UserFactory()
    services.user_follow(follower=active, followee_id=author.pk)
    services.user_follow(follower=gone, followee_id=author.pk)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    body = anonymous_client.get(FOLLOWERS.format(author.pk)).json()

    assert [item["user"]["id"] for item in body["results"]] == [active.pk]
    assert anonymous_client.get(FOLLOWEES.format(gone.pk)).status_code == 404
    assert anonymous_client.get(FOLLOWERS.format(987654)).json()["code"] == "not_found"


def test_a_bad_cursor_is_400(anonymous_client, author):
    response = anonymous_client.get(FOLLOWERS.format(author.pk), {"cursor": "garbage"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("path", [FOLLOWERS, FOLLOWEES])
def test_list_queries_do_not_grow_with_the_page_size(
    path, author, reader_client, django_assert_max_num_queries
):
    others = [UserFactory() for _ in range(12)]
    for user in others:
        services.user_follow(follower=user, followee_id=author.pk)
        services.user_follow(follower=author, followee_id=user.pk)

    counted = []
    for size in (2, 12):
        get_redis_connection("default").flushdb()  # every count a miss: the worst case
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            body = reader_client.get(path.format(author.pk), {"page_size": size}).json()
        assert len(body["results"]) == size
        counted.append(len(captured.captured_queries))

    assert counted[0] == counted[1]
    with django_assert_max_num_queries(counted[1]):
        reader_client.get(path.format(author.pk), {"page_size": 12})


# --- the public profile ----------------------------------------------------------------------


def test_the_profile_carries_counts_and_my_followed_flag(author, reader, reader_client):
    services.user_follow(follower=reader, followee_id=author.pk)
    services.user_follow(follower=author, followee_id=UserFactory().pk)

    mine = reader_client.get(f"/api/v1/users/{author.pk}").json()
    anonymous = Client().get(f"/api/v1/users/{author.pk}").json()

    assert (mine["follower_count"], mine["followee_count"], mine["followed"]) == (1, 1, True)
    assert (anonymous["follower_count"], anonymous["followee_count"]) == (1, 1)
    assert anonymous["followed"] is False


def test_a_follow_shows_at_once_to_a_signed_in_reader_and_within_the_ttl_anonymously(
    settings, author, reader, reader_client, django_capture_on_commit_callbacks
):
    from apps.users.providers import local_follow_counts

    settings.USER_FOLLOW_COUNTS_LOCAL_TTL = 60.0  # a slow run must not outlive the copy

    anonymous = Client()
    assert anonymous.get(f"/api/v1/users/{author.pk}").json()["follower_count"] == 0

    with django_capture_on_commit_callbacks(execute=True):  # moves the Redis hash too
        services.user_follow(follower=reader, followee_id=author.pk)

    assert reader_client.get(f"/api/v1/users/{author.pk}").json()["follower_count"] == 1
    # The anonymous fast path's process-local copy is still fresh: counts up to the TTL old.
    assert anonymous.get(f"/api/v1/users/{author.pk}").json()["follower_count"] == 0
    local_follow_counts.clear()  # as once USER_FOLLOW_COUNTS_LOCAL_TTL has passed
    assert anonymous.get(f"/api/v1/users/{author.pk}").json()["follower_count"] == 1


def test_a_follow_does_not_invalidate_the_cached_profile(author, reader):
    from apps.users.selectors import profile_cache_key
    from scholarnet.cache import two_level_cache

    Client().get(f"/api/v1/users/{author.pk}")
    services.user_follow(follower=reader, followee_id=author.pk)

    assert two_level_cache.cached_locally(profile_cache_key(author.pk))
