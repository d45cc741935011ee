"""Concurrency claims of review counts, with threads against the real database and Redis."""

from __future__ import annotations

import pytest

from apps.articles.providers import counts_get
from apps.comments import services
from apps.comments.models import Comment
from apps.interactions.models import ArticleStat
from tests.articles.factories import published_article
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_parallel_first_reviews_are_all_counted_in_the_row_and_in_redis():
    article = published_article()
    counts_get(article_ids=[article.pk])  # the counts hash exists: every review's hook moves it
    users = [UserFactory() for _ in range(20)]

    def work(i):
        return services.comment_create(
            user=users[i],
            article_id=article.pk,
            content="review",
            kind="review",
            rating=i % 10 + 1,
            confidence=3,
        )

    results = run_together(20, work)

    assert all(isinstance(result, Comment) for result in results), results
    expected_sum = sum(i % 10 + 1 for i in range(20))
    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.review_rating_sum, stat.comment_count) == (20, expected_sum, 20)
    # Every commit's hook added its review to the hash, whatever order they ran in.
    counts = counts_get(article_ids=[article.pk])[article.pk]
    assert (counts.review_count, counts.review_rating_mean) == (20, round(expected_sum / 20, 2))


def test_parallel_reviews_and_deletes_leave_the_counts_exact():
    article = published_article()
    users = [UserFactory() for _ in range(20)]
    first = [
        services.comment_create(
            user=users[i], article_id=article.pk, content="r", kind="review", rating=5, confidence=2
        )
        for i in range(10)
    ]
    counts_get(article_ids=[article.pk])  # the counts hash exists: every write's hook moves it

    def work(i):
        if i < 10:
            return services.comment_delete(user=users[i], comment_id=first[i].pk)
        return services.comment_create(
            user=users[i], article_id=article.pk, content="r", kind="review", rating=8, confidence=2
        )

    results = run_together(20, work)

    assert not [result for result in results if isinstance(result, Exception)], results
    stat = ArticleStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.review_rating_sum) == (10, 80)
    counts = counts_get(article_ids=[article.pk])[article.pk]
    assert (counts.review_count, counts.review_rating_mean) == (10, 8.0)
