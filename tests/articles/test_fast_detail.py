"""The anonymous fast path of GET /articles/{id} answers exactly what the API view answers."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.articles import services
from apps.articles.apis import ArticleViewSet
from tests.articles.conftest import ARTICLES, signed_in_client
from tests.articles.factories import published_article
from tests.users.conftest import USER_AGENT

pytestmark = pytest.mark.django_db

# Headers that vary per response, or that the test client adds itself.
PER_RESPONSE = {"X-Request-ID", "Content-Length"}


@pytest.fixture
def api_view_calls(monkeypatch) -> list[int]:
    """The ids the DRF retrieve action was asked for: empty when the fast path answered."""
    calls: list[int] = []
    original = ArticleViewSet.retrieve

    def spy(self, request, pk):
        calls.append(int(pk))
        return original(self, request, pk)

    monkeypatch.setattr(ArticleViewSet, "retrieve", spy)
    return calls


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_RESPONSE}


def test_an_anonymous_read_gets_the_api_views_bytes_and_headers(author, api_view_calls):
    article = published_article(author=author, title="Noether", tags=["algebra", "physics"])
    client = Client(HTTP_USER_AGENT=USER_AGENT)

    fast = client.get(f"{ARTICLES}/{article.pk}")
    # The same request with a JSON media type the fast path leaves to the API view.
    full = client.get(f"{ARTICLES}/{article.pk}", HTTP_ACCEPT="application/json; charset=utf-8")

    assert api_view_calls == [article.pk]  # only the second request reached the API view
    assert fast.status_code == full.status_code == 200
    assert fast.content == full.content
    assert headers(fast) == headers(full)
    assert fast.json()["author"]["nickname"] == author.nickname


@pytest.mark.parametrize("accept", ["*/*", "application/json"])
def test_plain_json_accepts_take_the_fast_path(author, api_view_calls, accept):
    article = published_article(author=author)

    response = Client().get(f"{ARTICLES}/{article.pk}", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert api_view_calls == []


def test_a_private_article_is_answered_by_the_api_view_as_not_found(author, api_view_calls):
    article = published_article(author=author)
    services.article_withdraw(article_id=article.pk, author=author)

    response = Client().get(f"{ARTICLES}/{article.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_view_calls == [article.pk]


def test_an_unknown_id_is_answered_by_the_api_view(api_view_calls):
    response = Client().get(f"{ARTICLES}/987654")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_view_calls == [987654]


def test_the_author_with_a_token_reads_a_private_article_through_the_api_view(
    author, api_view_calls
):
    article = published_article(author=author)
    services.article_withdraw(article_id=article.pk, author=author)

    response = signed_in_client(author).get(f"{ARTICLES}/{article.pk}")

    assert response.status_code == 200
    assert response.json()["status"] == "private"
    assert api_view_calls == [article.pk]


def test_an_invalid_token_is_refused_even_for_a_public_article(author):
    article = published_article(author=author)

    response = Client().get(f"{ARTICLES}/{article.pk}", HTTP_AUTHORIZATION="Bearer not-a-token")

    # Refused by the API view's authentication, before any action runs.
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_session_cookie_leaves_the_request_to_the_api_view(author, api_view_calls, settings):
    article = published_article(author=author)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "whatever"

    client.get(f"{ARTICLES}/{article.pk}")

    assert api_view_calls == [article.pk]


@pytest.mark.parametrize(
    ("extra", "query"),
    [({"HTTP_ACCEPT": "text/html"}, ""), ({}, "format=json"), ({}, "x=1")],
)
def test_other_media_types_and_query_strings_go_to_the_api_view(
    author, api_view_calls, extra, query
):
    article = published_article(author=author)

    response = Client().get(f"{ARTICLES}/{article.pk}?{query}", **extra)

    assert response.status_code == 200
    assert api_view_calls == [article.pk]


def test_other_methods_go_to_the_api_view(author, api_view_calls):
    article = published_article(author=author)

    response = Client().head(f"{ARTICLES}/{article.pk}")

    assert response.status_code == 200
    assert api_view_calls == [article.pk]


def test_an_id_too_long_for_the_column_is_not_routed():
    assert Client().get(f"{ARTICLES}/{'9' * 19}").status_code == 404


def test_the_cached_fields_come_in_the_serializers_order():
    from apps.articles.selectors import DETAIL_OWN_FIELDS, DETAIL_PER_REQUEST_FIELDS
    from apps.articles.serializers import ArticleDetailOutputSerializer

    fields = tuple(ArticleDetailOutputSerializer().fields)

    assert fields == DETAIL_OWN_FIELDS + DETAIL_PER_REQUEST_FIELDS


def test_a_saturated_cache_fallback_is_a_503_in_the_envelope(author, monkeypatch, api_view_calls):
    from scholarnet.api.errors import ServiceUnavailable
    from scholarnet.cache import two_level_cache

    article = published_article(author=author)

    def saturated(*args, **kwargs):
        raise ServiceUnavailable("Too many requests are waiting for the database.")

    monkeypatch.setattr(two_level_cache, "get_or_load", saturated)
    response = Client().get(f"{ARTICLES}/{article.pk}")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Too many requests are waiting for the database.",
        "code": "service_unavailable",
        "extra": {},
    }
    assert api_view_calls == []  # answered at once, not read a second time


def test_a_warm_detail_costs_no_query_and_no_redis_round_trip(
    author, api_view_calls, django_assert_num_queries, monkeypatch
):
    """Article, author and counts all come from process memory once warm (the author's follow
    counts, which the detail does not show, are not read)."""
    import threading

    from redis.connection import AbstractConnection

    article = published_article(author=author)
    client = Client(HTTP_USER_AGENT=USER_AGENT)
    client.get(f"{ARTICLES}/{article.pk}")  # warms the local tiers
    sent: list[bytes] = []
    real = AbstractConnection.send_packed_command
    request_thread = threading.get_ident()

    def counting(self, command, *args, **kwargs):
        if threading.get_ident() == request_thread:  # not the event stream's shipping thread
            sent.append(command if isinstance(command, bytes) else b"".join(command))
        return real(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)

    with django_assert_num_queries(0):
        response = client.get(f"{ARTICLES}/{article.pk}")

    assert response.status_code == 200
    # The global per-IP limit is the request's only round trip: the detail costs none.
    assert len(sent) == 1
    assert b"EVALSHA" in sent[0]
    assert api_view_calls == []
