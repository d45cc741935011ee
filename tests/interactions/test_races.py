"""Concurrency claims, checked with threads against the real database and Redis."""

import uuid
from datetime import UTC, datetime

import pytest
from django_redis import get_redis_connection

from apps.comments import services as comment_services
from apps.comments.models import Comment
from apps.interactions import reads, recount, services
from apps.interactions.counters import counts_key
from apps.interactions.models import ArticleLike, ArticleStat, Collection, CollectionItem
from apps.interactions.selectors import article_stats_provide
from scholarnet.events.envelope import Event
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


def test_recounts_racing_read_batches_and_comments_lose_and_double_nothing():
    """Read batches, comments and prunes commit while recounts run: the counts stay exact."""
    articles = [published_article() for _ in range(3)]
    ids = [article.pk for article in articles]
    writers = [UserFactory() for _ in range(4)]
    now = datetime.now(UTC)

    def work(i):
        if i % 4 == 0:
            return recount.article_stats_recount(article_ids=ids)
        if i % 4 == 1:
            return comment_services.comment_create(
                user=writers[i % 4], article_id=ids[i % 3], content=f"c{i}"
            )
        readers = [f"a:{i}-{n}" for n in range(20)]
        batch = [_read(article_id, reader, now) for article_id in ids for reader in readers]
        return reads.reads_apply(batch)

    results = run_together(24, work)

    assert not [result for result in results if isinstance(result, Exception)], results
    for article_id in ids:
        row = ArticleStat.objects.get(pk=article_id)
        assert row.read_count == 12 * 20
        assert row.comment_count == Comment.objects.filter(article_id=article_id).count() == 2
    assert recount.article_stats_recount(article_ids=ids) == 0  # nothing left to correct


def _read(article_id, reader, at):
    payload = {"article_id": article_id, "author_id": None, "reader": reader}
    return Event(uuid.uuid4(), "article.read", 1, at, payload)
