"""Following users: idempotent facts, exact counts, the event, the refusals."""

from __future__ import annotations

import pytest

from apps.follows import services
from tests.follows.conftest import FOLLOW, events, follow_pairs, stat
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_follow_twice_makes_one_follow_one_event_and_counts_of_one(reader, reader_client, author):
    first = reader_client.put(FOLLOW.format(author.pk))
    second = reader_client.put(FOLLOW.format(author.pk))

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"following": True, "follower_count": 1}
    assert follow_pairs() == [(reader.pk, author.pk)]
    assert stat(author.pk) == (1, 0)
    assert stat(reader.pk) == (0, 1)
    [event] = events()
    assert (event["follower_id"], event["followee_id"], event["following"]) == (
        reader.pk,
        author.pk,
        True,
    )
    assert event["follower_count"] == 1


def test_unfollow_twice_never_goes_below_zero(reader, reader_client, author):
    reader_client.put(FOLLOW.format(author.pk))

    first = reader_client.delete(FOLLOW.format(author.pk))
    second = reader_client.delete(FOLLOW.format(author.pk))

    assert first.json() == second.json() == {"following": False, "follower_count": 0}
    assert follow_pairs() == []
    assert stat(author.pk) == (0, 0)
    assert stat(reader.pk) == (0, 0)
    assert [event["following"] for event in events()] == [True, False]


def test_following_oneself_is_400_and_changes_nothing(reader, reader_client):
    response = reader_client.put(FOLLOW.format(reader.pk))

    assert response.status_code == 400
    assert response.json()["code"] == "cannot_follow_self"
    assert follow_pairs() == []
    assert stat(reader.pk) == (0, 0)
    assert events() == []


@pytest.mark.parametrize("target", ["missing", "deactivated"])
def test_following_a_missing_or_deactivated_user_is_404(target, reader_client):
    user_id = 987654 if target == "missing" else UserFactory(is_active=False).pk

    response = reader_client.put(FOLLOW.format(user_id))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert follow_pairs() == []
    assert events() == []


def test_a_deactivated_user_can_still_be_unfollowed(reader, reader_client):
    gone = UserFactory()
    services.user_follow(follower=reader, followee_id=gone.pk)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    response = reader_client.delete(FOLLOW.format(gone.pk))

    assert response.json() == {"following": False, "follower_count": 0}
    assert follow_pairs() == []


def test_follow_needs_a_signed_in_user(anonymous_client, author):
    response = anonymous_client.put(FOLLOW.format(author.pk))

    assert response.status_code == 401
    assert follow_pairs() == []
    assert stat(author.pk) == (0, 0)


def test_follows_are_rate_limited_per_user(settings, reader_client, author):
    settings.RATELIMIT_FOLLOW = "2/60s"
    reader_client.put(FOLLOW.format(author.pk))
    reader_client.delete(FOLLOW.format(author.pk))

    refused = reader_client.put(FOLLOW.format(author.pk))

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert follow_pairs() == []
    assert stat(author.pk) == (0, 0)


def test_a_missing_stat_row_is_created_from_a_count_of_the_follows(reader, author):
    other = UserFactory()
    services.user_follow(follower=other, followee_id=author.pk)
    from apps.follows.models import FollowStat

    FollowStat.objects.filter(pk=author.pk).delete()  # as before the stat rows existed

    state = services.user_follow(follower=reader, followee_id=author.pk)

    assert state.follower_count == 2
    assert stat(author.pk) == (2, 0)


def test_the_recount_command_corrects_wrong_rows_and_their_hashes(reader, author):
    from django.core.management import call_command

    from apps.follows.models import FollowStat
    from apps.follows.selectors import follow_counts_provide

    services.user_follow(follower=reader, followee_id=author.pk)
    FollowStat.objects.filter(pk=author.pk).update(follower_count=7)
    FollowStat.objects.filter(pk=reader.pk).update(followee_count=0)
    follow_counts_provide(ids=[author.pk, reader.pk])  # the wrong values are now in Redis too

    call_command("follows_recount", "--no-progress")

    assert stat(author.pk) == (1, 0)
    assert stat(reader.pk) == (0, 1)
    assert follow_counts_provide(ids=[author.pk, reader.pk]) == {
        author.pk: {"follower_count": 1, "followee_count": 0},
        reader.pk: {"follower_count": 0, "followee_count": 1},
    }


def test_the_recount_command_resumes_after_the_saved_position(reader, author):
    from io import StringIO

    from django.core.management import call_command
    from django_redis import get_redis_connection

    from apps.follows.management.commands.follows_recount import POSITION_KEY
    from apps.follows.models import FollowStat

    services.user_follow(follower=reader, followee_id=author.pk)
    first, second = sorted([reader.pk, author.pk])
    FollowStat.objects.filter(pk__in=[first, second]).update(follower_count=5, followee_count=5)
    get_redis_connection("default").set(POSITION_KEY, first)
    out = StringIO()

    call_command("follows_recount", "--no-progress", "--resume", stdout=out)

    assert out.getvalue().strip() == "Recounted 1 users: 1 corrected."
    assert stat(first) == (5, 5)  # before the position: untouched
    assert stat(second) == ((1, 0) if second == author.pk else (0, 1))
    assert get_redis_connection("default").get(POSITION_KEY) is None
