"""Concurrency claims, checked with threads against the real database and Redis."""

import pytest
from django_redis import get_redis_connection

from apps.interactions import services
from apps.interactions.counters import counts_key
from apps.interactions.models import ArticleLike, ArticleStat, Collection, CollectionItem
from apps.interactions.selectors import article_stats_provide
from scholarnet.events.models import OutboxEvent
from tests.articles.factories import published_article
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_a_hundred_parallel_likes_by_one_user_make_one_like():
    article, reader = published_article(), UserFactory()

    results = run_together(100, lambda i: services.article_like(user=reader, article_id=article.pk))

    assert all(isinstance(result, services.LikeState) for result in results), results
    assert ArticleLike.objects.filter(article_id=article.pk).count() == 1
    assert ArticleStat.objects.get(pk=article.pk).like_count == 1
    assert OutboxEvent.objects.filter(type="like.changed").count() == 1


def test_a_hundred_distinct_users_liking_in_parallel_make_a_hundred():
    article = published_article()
    readers = [UserFactory() for _ in range(100)]
    article_stats_provide(ids=[article.pk])  # the hash exists: every like increments it

    results = run_together(
        100, lambda i: services.article_like(user=readers[i], article_id=article.pk)
    )

    assert all(isinstance(result, services.LikeState) for result in results), results
    assert ArticleLike.objects.filter(article_id=article.pk).count() == 100
    assert ArticleStat.objects.get(pk=article.pk).like_count == 100
    hash_value = get_redis_connection("default").hget(counts_key(article.pk), "like_count")
    assert hash_value == b"100"
    assert sorted(result.like_count for result in results) == list(range(1, 101))


@pytest.mark.parametrize("attempt", range(6))
def test_parallel_likes_and_unlikes_by_one_user_never_go_below_zero(attempt):
    # A fresh article each time: the first like and an unlike racing on an article with no stat
    # row yet deadlocked about one run in four on MariaDB before unlike locked the row first.
    article, reader = published_article(), UserFactory()

    def toggle(i):
        if i % 2:
            return services.article_unlike(user=reader, article_id=article.pk)
        return services.article_like(user=reader, article_id=article.pk)

    results = run_together(40, toggle)

    assert [result for result in results if not isinstance(result, services.LikeState)] == []
    likes = ArticleLike.objects.filter(article_id=article.pk).count()
    assert ArticleStat.objects.get(pk=article.pk).like_count == likes


def test_parallel_first_collects_make_one_default_folder_and_a_count_of_one():
    article, reader = published_article(), UserFactory()
    graphs = Collection.objects.create(owner=reader, name="Graphs")

    def collect(i):
        folder = graphs.pk if i % 2 else None
        return services.article_collect(user=reader, article_id=article.pk, collection_id=folder)

    results = run_together(30, collect)

    assert all(isinstance(result, services.CollectState) for result in results), results
    assert Collection.objects.filter(owner=reader, is_default=True).count() == 1
    assert CollectionItem.objects.filter(user=reader, article_id=article.pk).count() == 2
    assert ArticleStat.objects.get(pk=article.pk).collect_count == 1


def test_parallel_collects_by_distinct_users_add_up():
    article = published_article()
    readers = [UserFactory() for _ in range(50)]

    results = run_together(
        50, lambda i: services.article_collect(user=readers[i], article_id=article.pk)
    )

    assert all(isinstance(result, services.CollectState) for result in results), results
    assert ArticleStat.objects.get(pk=article.pk).collect_count == 50
