"""The public list's first page is cached, and every change readers would see invalidates it."""

from __future__ import annotations

import pytest

from apps.articles import services
from apps.articles.selectors import public_first_page_cache_key
from scholarnet.cache import two_level_cache
from tests.articles.conftest import ARTICLES
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the block's on-commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_warm_first_page_is_served_without_queries(
    author, anonymous_client, django_assert_num_queries
):
    published_article(author=author)
    anonymous_client.get(ARTICLES)

    with django_assert_num_queries(0):
        response = anonymous_client.get(ARTICLES)

    assert response.status_code == 200
    assert two_level_cache.cached_locally(public_first_page_cache_key())


def test_the_cached_page_equals_the_uncached_one_and_its_cursor_continues(
    author, anonymous_client, settings
):
    articles = [published_article(author=author, tags=["graphs"]) for _ in range(23)]
    newest_first = [article.pk for article in reversed(articles)]

    cached = anonymous_client.get(ARTICLES)
    settings.ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED = False
    uncached = anonymous_client.get(ARTICLES)
    second = anonymous_client.get(ARTICLES, {"cursor": cached.json()["next"]})

    assert cached.content == uncached.content
    assert ids(cached) == newest_first[:20]
    assert ids(second) == newest_first[20:]
    assert second.json()["next"] is None


def test_a_short_list_has_no_next_page(author, anonymous_client):
    published_article(author=author)

    assert anonymous_client.get(ARTICLES).json()["next"] is None


def test_publishing_shows_the_new_article_at_once(author, anonymous_client, committed):
    older = published_article(author=author)
    assert ids(anonymous_client.get(ARTICLES)) == [older.pk]

    with committed():
        newer = published_article(author=author)

    assert ids(anonymous_client.get(ARTICLES)) == [newer.pk, older.pk]


def test_republishing_an_edit_shows_the_new_title(author, anonymous_client, committed):
    article = published_article(author=author, title="Before")
    anonymous_client.get(ARTICLES)

    with committed():
        services.article_draft_update(article_id=article.pk, author=author, data={"title": "After"})
    assert anonymous_client.get(ARTICLES).json()["results"][0]["title"] == "Before"
    with committed():
        services.article_publish(article_id=article.pk, author=author)

    assert anonymous_client.get(ARTICLES).json()["results"][0]["title"] == "After"


def test_editing_a_draft_keeps_the_cached_page(author, anonymous_client, committed):
    article = published_article(author=author)
    anonymous_client.get(ARTICLES)

    with committed():
        services.article_draft_update(article_id=article.pk, author=author, data={"title": "New"})

    assert two_level_cache.cached_locally(public_first_page_cache_key())


@pytest.mark.parametrize("change", ["withdraw", "delete", "take_down"])
def test_an_article_leaves_the_cached_page_at_once(author, anonymous_client, committed, change):
    kept = published_article(author=author)
    gone = published_article(author=author)
    assert ids(anonymous_client.get(ARTICLES)) == [gone.pk, kept.pk]

    with committed():
        if change == "withdraw":
            services.article_withdraw(article_id=gone.pk, author=author)
        elif change == "delete":
            services.article_delete(article_id=gone.pk, author=author)
        else:
            moderator = UserFactory(is_staff=True)
            services.article_take_down(article_id=gone.pk, moderator=moderator, reason="spam")

    assert ids(anonymous_client.get(ARTICLES)) == [kept.pk]


def test_a_restored_article_comes_back_at_once(author, anonymous_client, committed):
    article = published_article(author=author)
    moderator = UserFactory(is_staff=True)
    with committed():
        services.article_take_down(article_id=article.pk, moderator=moderator, reason="spam")
    assert ids(anonymous_client.get(ARTICLES)) == []

    with committed():
        services.article_restore(article_id=article.pk, moderator=moderator)

    assert ids(anonymous_client.get(ARTICLES)) == [article.pk]


@pytest.mark.parametrize("params", [{"page_size": 5}, {"author": 1}, {"tag": "graphs"}])
def test_parameters_bypass_the_cache(author, anonymous_client, params):
    published_article(author=author, tags=["graphs"])

    anonymous_client.get(ARTICLES, params)

    assert not two_level_cache.cached_locally(public_first_page_cache_key())


def test_bad_parameters_are_still_refused(anonymous_client):
    response = anonymous_client.get(ARTICLES, {"author": "x"})

    assert response.status_code == 400


@pytest.mark.parametrize("params", [{}, {"page_size": 2}, {"tag": "graphs"}])
def test_list_items_are_the_serializers_output(author, anonymous_client, params):
    from apps.articles.serializers import ArticleListItemOutputSerializer

    for _ in range(3):
        published_article(author=author, tags=["graphs", "linear algebra"])

    results = anonymous_client.get(ARTICLES, params).json()["results"]

    assert results == ArticleListItemOutputSerializer(results, many=True).data
    assert [list(item) for item in results] == [
        list(ArticleListItemOutputSerializer().fields) for _ in results
    ]
