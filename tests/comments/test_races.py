"""Concurrency claims of comments, checked with threads against the real database and Redis."""

from __future__ import annotations

import pytest
from django_redis import get_redis_connection

from apps.comments import services
from apps.comments.errors import InvalidParent
from apps.comments.models import Comment
from apps.interactions.counters import changed_marker_key, counts_key
from apps.interactions.models import ArticleStat
from apps.interactions.selectors import article_stats_provide
from tests.articles.factories import published_article
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_parallel_first_comments_are_all_counted():
    article = published_article()
    users = [UserFactory() for _ in range(30)]

    results = run_together(
        30, lambda i: services.comment_create(user=users[i], article_id=article.pk, content="Hi")
    )

    assert all(isinstance(result, Comment) for result in results), results
    assert Comment.objects.filter(article_id=article.pk).count() == 30
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 30


def test_parallel_replies_and_a_root_delete_leave_the_count_exact():
    article, reader = published_article(), UserFactory()
    root = services.comment_create(user=reader, article_id=article.pk, content="root")
    get_redis_connection("default").delete(changed_marker_key(article.pk))
    article_stats_provide(ids=[article.pk])  # the hash exists: every write moves it

    def work(i):
        if i == 10:
            return services.comment_delete(user=reader, comment_id=root.pk)
        return services.comment_create(
            user=reader, article_id=article.pk, content=f"r{i}", parent_id=root.pk
        )

    results = run_together(20, work)

    refused = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, InvalidParent) for error in refused), refused
    assert Comment.objects.filter(article_id=article.pk).count() == 0  # the root took them all
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 0
    assert get_redis_connection("default").hget(counts_key(article.pk), "comment_count") == b"0"
