"""The anonymous fast path of GET /articles answers exactly what the DRF list view answers."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.articles import selectors
from apps.articles.apis import ArticleViewSet
from apps.articles.first_page import anonymous_counts
from tests.articles.conftest import ARTICLES
from tests.articles.factories import published_article
from tests.users.conftest import USER_AGENT

pytestmark = pytest.mark.django_db

PER_RESPONSE = {"X-Request-ID", "Content-Length"}


@pytest.fixture
def api_view_calls(monkeypatch) -> list[str]:
    """The DRF list action's calls: empty when the fast path answered."""
    calls: list[str] = []
    original = ArticleViewSet.list

    def spy(self, request):
        calls.append(request.META.get("QUERY_STRING", ""))
        return original(self, request)

    monkeypatch.setattr(ArticleViewSet, "list", spy)
    return calls


@pytest.fixture(autouse=True)
def _fresh_counts():
    anonymous_counts.clear()
    yield
    anonymous_counts.clear()


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_RESPONSE}


def _counts(monkeypatch, **per_article):
    """Make the counts provider answer fixed like counts, and count its calls."""
    calls: list[list[int]] = []

    def counts(*, article_ids):
        calls.append(list(article_ids))
        return {
            i: selectors.ArticleCounts(like_count=per_article.get(str(i), 0)) for i in article_ids
        }

    monkeypatch.setattr(selectors, "article_counts", counts)
    return calls


@pytest.mark.parametrize("articles", [1, 25])
def test_an_anonymous_first_page_gets_the_api_views_bytes_and_headers(
    author, api_view_calls, monkeypatch, articles
):
    published = [
        published_article(author=author, tags=["graphs", "λ-calculus"]) for _ in range(articles)
    ]
    _counts(monkeypatch, **{str(published[0].pk): 7})
    client = Client(HTTP_USER_AGENT=USER_AGENT)

    fast = client.get(ARTICLES)
    # A JSON media type the fast path leaves to the API view, which reads the same cache.
    full = client.get(ARTICLES, HTTP_ACCEPT="application/json; charset=utf-8")

    assert api_view_calls == [""]  # only the second request reached the API view
    assert fast.status_code == full.status_code == 200
    assert fast.content == full.content
    assert headers(fast) == headers(full)
    body = fast.json()
    assert len(body["results"]) == min(articles, 20)
    assert (body["next"] is None) is (articles <= 20)
    if articles == 1:
        assert body["results"][0]["like_count"] == 7
        assert body["results"][0]["liked"] is False


def test_the_fast_page_equals_the_uncached_api_view(author, settings):
    for _ in range(3):
        published_article(author=author, tags=["optics"])
    client = Client()

    fast = client.get(ARTICLES)
    settings.ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED = False
    uncached = client.get(ARTICLES)

    assert fast.content == uncached.content


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"page_size": 5}},
        {"HTTP_ACCEPT": "text/html"},
        {"REQUEST_METHOD": "HEAD"},
    ],
)
def test_everything_else_goes_to_the_api_view(author, api_view_calls, request_kwargs):
    published_article(author=author)

    Client().get(ARTICLES, **request_kwargs)

    assert len(api_view_calls) == 1


def test_credentials_go_to_the_api_view_which_refuses_bad_ones(author, api_view_calls):
    published_article(author=author)

    response = Client().get(ARTICLES, HTTP_AUTHORIZATION="Bearer nonsense")

    assert response.status_code == 401  # the fast path would have answered 200
    assert response.json()["code"]


def test_the_page_is_served_without_queries_and_counts_within_their_ttl(
    author, monkeypatch, settings, django_assert_num_queries
):
    settings.ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL = 60
    article = published_article(author=author)
    calls = _counts(monkeypatch, **{str(article.pk): 1})
    client = Client()
    client.get(ARTICLES)

    _counts_now = _counts(monkeypatch, **{str(article.pk): 2})
    with django_assert_num_queries(0):
        again = client.get(ARTICLES)

    assert calls == [[article.pk]]
    assert _counts_now == []  # read from the process-local tier, not the provider
    assert again.json()["results"][0]["like_count"] == 1
    anonymous_counts.clear()
    assert client.get(ARTICLES).json()["results"][0]["like_count"] == 2


def test_a_publish_shows_on_the_fast_page_once_it_commits(
    author, django_capture_on_commit_callbacks
):
    first = published_article(author=author)
    client = Client()
    assert [item["id"] for item in client.get(ARTICLES).json()["results"]] == [first.pk]

    with django_capture_on_commit_callbacks(execute=True):
        second = published_article(author=author)

    assert [item["id"] for item in client.get(ARTICLES).json()["results"]] == [second.pk, first.pk]
