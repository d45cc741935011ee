"""Concurrency claims of review counts, with threads against the real database and Redis."""

from __future__ import annotations

import pytest

from apps.comments import services
from apps.comments.models import Comment, ReviewStat
from apps.comments.review_stats import review_stats_provide
from tests.articles.factories import published_article
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_parallel_first_reviews_are_all_counted_in_the_row_and_in_redis():
    article = published_article()
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
    stat = ReviewStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.rating_sum, stat.version) == (20, expected_sum, 20)
    # Every commit's hook stored its version; the newest one won, whatever order they ran in.
    assert review_stats_provide(ids=[article.pk])[article.pk] == {
        "review_count": 20,
        "review_rating_mean": round(expected_sum / 20, 2),
    }


def test_parallel_reviews_and_deletes_leave_the_counts_exact():
    article = published_article()
    users = [UserFactory() for _ in range(20)]
    first = [
        services.comment_create(
            user=users[i], article_id=article.pk, content="r", kind="review", rating=5, confidence=2
        )
        for i in range(10)
    ]

    def work(i):
        if i < 10:
            return services.comment_delete(user=users[i], comment_id=first[i].pk)
        return services.comment_create(
            user=users[i], article_id=article.pk, content="r", kind="review", rating=8, confidence=2
        )

    results = run_together(20, work)

    assert not [result for result in results if isinstance(result, Exception)], results
    stat = ReviewStat.objects.get(pk=article.pk)
    assert (stat.review_count, stat.rating_sum) == (10, 80)
    assert review_stats_provide(ids=[article.pk])[article.pk] == {
        "review_count": 10,
        "review_rating_mean": 8.0,
    }
