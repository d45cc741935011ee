"""Concurrency claims of follows, checked with threads against the real database and Redis."""

from __future__ import annotations

import pytest
from django_redis import get_redis_connection

from apps.follows import services
from apps.follows.counters import counts_key
from apps.follows.models import Follow, FollowStat
from apps.follows.selectors import follow_counts_provide
from scholarnet.events.models import OutboxEvent
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def _hash(user_id: int) -> dict[bytes, bytes]:
    return get_redis_connection("default").hgetall(counts_key(user_id))


def test_fifty_parallel_follows_by_one_user_make_one_follow():
    follower, followee = UserFactory(), UserFactory()

    results = run_together(
        50, lambda i: services.user_follow(follower=follower, followee_id=followee.pk)
    )

    assert all(isinstance(result, services.FollowState) for result in results), results
    assert Follow.objects.count() == 1
    assert FollowStat.objects.get(pk=followee.pk).follower_count == 1
    assert FollowStat.objects.get(pk=follower.pk).followee_count == 1
    assert OutboxEvent.objects.filter(type="follow.changed").count() == 1


def test_a_hundred_distinct_followers_in_parallel_make_a_hundred_in_the_row_and_the_hash():
    followee = UserFactory()
    followers = [UserFactory() for _ in range(100)]
    follow_counts_provide(ids=[followee.pk])  # the hash exists: every follow increments it

    results = run_together(
        100, lambda i: services.user_follow(follower=followers[i], followee_id=followee.pk)
    )

    assert all(isinstance(result, services.FollowState) for result in results), results
    assert FollowStat.objects.get(pk=followee.pk).follower_count == 100
    assert _hash(followee.pk)[b"follower_count"] == b"100"
    assert sorted(result.follower_count for result in results) == list(range(1, 101))


def test_parallel_follows_and_unfollows_end_exact_in_the_row_and_the_hash():
    followee = UserFactory()
    followers = [UserFactory() for _ in range(20)]
    follow_counts_provide(ids=[followee.pk, *[user.pk for user in followers]])

    def toggle(i):
        follower = followers[i % 20]
        if i % 3 == 2:
            return services.user_unfollow(follower=follower, followee_id=followee.pk)
        return services.user_follow(follower=follower, followee_id=followee.pk)

    results = run_together(60, toggle)

    assert all(isinstance(result, services.FollowState) for result in results), results
    facts = Follow.objects.filter(followee=followee).count()
    assert FollowStat.objects.get(pk=followee.pk).follower_count == facts
    assert int(_hash(followee.pk)[b"follower_count"]) == facts
    for follower in followers:
        following = Follow.objects.filter(follower=follower).count()
        assert FollowStat.objects.get(pk=follower.pk).followee_count == following
        assert int(_hash(follower.pk)[b"followee_count"]) == following


def test_two_users_following_each_other_at_once_never_deadlock():
    first, second = UserFactory(), UserFactory()

    def follow(i):
        pair = (first, second) if i % 2 else (second, first)
        return services.user_follow(follower=pair[0], followee_id=pair[1].pk)

    results = run_together(40, follow)

    assert all(isinstance(result, services.FollowState) for result in results), results
    assert Follow.objects.count() == 2
    assert FollowStat.objects.get(pk=first.pk).follower_count == 1
    assert FollowStat.objects.get(pk=second.pk).follower_count == 1
