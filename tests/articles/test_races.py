"""Concurrency claims, checked with threads against the real database (MySQL/MariaDB)."""

import pytest

from apps.articles import services
from apps.articles.models import (
    Article,
    PublishedArticle,
    PublishedArticleTag,
    PublishSequence,
)
from tests.articles.conftest import article_events
from tests.support.concurrency import run_together
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


def test_parallel_publishes_of_one_article_make_one_live_copy():
    author = UserFactory()
    article = services.article_create(author=author, title="T", content="$x$", tags=["a", "b"])

    results = run_together(
        4, lambda i: services.article_publish(article_id=article.pk, author=author)
    )

    assert all(isinstance(result, Article) for result in results), results
    assert PublishedArticle.objects.count() == 1
    assert PublishSequence.objects.count() == 1
    assert PublishedArticleTag.objects.count() == 2
    assert [event[0] for event in article_events()] == ["article.published"] * 4


def test_parallel_first_publications_get_distinct_increasing_places():
    authors = [UserFactory() for _ in range(6)]
    articles = [
        services.article_create(author=author, title="T", content="x") for author in authors
    ]

    results = run_together(
        6, lambda i: services.article_publish(article_id=articles[i].pk, author=authors[i])
    )

    assert all(isinstance(result, Article) for result in results), results
    sequences = list(PublishedArticle.objects.values_list("publish_seq", flat=True))
    assert len(set(sequences)) == 6


def test_withdraw_racing_an_edit_and_a_publish_ends_consistent():
    author = UserFactory()
    article = services.article_create(author=author, title="T", content="x")
    services.article_publish(article_id=article.pk, author=author)

    def work(i: int):
        if i == 0:
            return services.article_withdraw(article_id=article.pk, author=author)
        if i == 1:
            return services.article_draft_update(
                article_id=article.pk, author=author, data={"content": "y"}
            )
        return services.article_publish(article_id=article.pk, author=author)

    results = run_together(3, work)

    assert all(isinstance(result, Article) for result in results), results
    working = Article.objects.get()
    live = PublishedArticle.objects.get()
    assert working.status == live.status
    statuses = [event[2]["status"] for event in article_events()]
    assert statuses[-1] == live.status
