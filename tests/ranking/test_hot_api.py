"""GET /api/v1/articles/hot: paged, decorated in bulk, filtered against the live store."""

from __future__ import annotations

from base64 import b64encode
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from apps.articles import services as article_services
from apps.interactions.models import ArticleStat
from apps.ranking import hot_page, services
from tests.articles.conftest import signed_in_client
from tests.ranking.conftest import HOT, live_article
from tests.users.conftest import USER_AGENT
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(HTTP_USER_AGENT=USER_AGENT)


@pytest.fixture
def moderator():
    return UserFactory(is_staff=True)


@pytest.fixture
def ranked(author) -> list[int]:
    """Five articles, computed into the hot list, best first."""
    now = timezone.now()
    created = [
        live_article(author=author, hours_ago=1, likes=50 - 10 * i, now=now) for i in range(5)
    ]
    services.ranking_compute(now=now)
    return created


def cursor_of(next_url: str) -> str:
    return parse_qs(urlsplit(next_url).query)["cursor"][0]


def test_the_hot_list_is_served_best_first_with_counts(client, ranked, author):
    response = client.get(HOT)

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["results"]] == ranked
    assert body["next"] is None
    first = body["results"][0]
    assert first["author"] == {"id": author.pk, "nickname": "Ada", "avatar_url": ""}
    assert (first["like_count"], first["liked"]) == (50, False)


def test_pages_follow_the_cursor_to_the_end(client, ranked):
    first = client.get(HOT, {"page_size": 2}).json()
    second = client.get(HOT, {"page_size": 2, "cursor": cursor_of(first["next"])}).json()
    third = client.get(HOT, {"page_size": 2, "cursor": cursor_of(second["next"])}).json()

    pages = [[item["id"] for item in page["results"]] for page in (first, second, third)]
    assert pages == [ranked[:2], ranked[2:4], ranked[4:]]
    assert third["next"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not base64!"},
        {"cursor": b64encode(b"p=3").decode()},
        {"cursor": b64encode(b"o=-1").decode()},
    ],
)
def test_a_bad_cursor_is_a_400_invalid_cursor(client, ranked, params):
    response = client.get(HOT, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("page_size", ["0", "101", "many"])
def test_a_bad_page_size_is_a_400_naming_the_field(client, ranked, page_size):
    response = client.get(HOT, {"page_size": page_size})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "page_size" in response.json()["extra"]["fields"]


def test_withdrawn_and_taken_down_articles_drop_out_at_once(
    client, ranked, author, moderator, django_capture_on_commit_callbacks
):
    assert len(client.get(HOT).json()["results"]) == 5  # the live list cached, here and in Redis
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_withdraw(article_id=ranked[0], author=author)
        article_services.article_take_down(article_id=ranked[2], moderator=moderator, reason="spam")

    ids = [item["id"] for item in client.get(HOT).json()["results"]]

    assert ids == [ranked[1], ranked[3], ranked[4]]


def test_a_signed_in_reader_gets_the_flags(ranked):
    reader = UserFactory()
    api = signed_in_client(reader)
    assert api.put(f"/api/v1/articles/{ranked[1]}/like").status_code in (200, 204)

    results = api.get(HOT).json()["results"]

    assert [item["liked"] for item in results] == [False, True, False, False, False]


def test_a_warm_hot_list_costs_no_query_whatever_the_page(
    client, ranked, django_assert_num_queries
):
    # The live articles' list is cached (apps.ranking.hot_page); counts come from Redis.
    client.get(HOT, {"page_size": 5})  # warm the caches every request shares
    with django_assert_num_queries(0):
        client.get(HOT, {"page_size": 1})
    with django_assert_num_queries(0):
        client.get(HOT, {"page_size": 5})


def test_a_cold_hot_list_costs_the_same_queries_whatever_the_page(client, ranked):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(HOT)  # the ranking itself in the process
    costs = []
    for size in (1, 5):
        hot_page.hot_live_invalidate()
        with CaptureQueriesContext(connection) as captured:
            assert len(client.get(HOT, {"page_size": size}).json()["results"]) == size
        costs.append(len(captured.captured_queries))

    # The live filter of all ranked ids, then the live articles' tags and authors.
    assert costs == [3, 3]


def test_a_new_ranking_replaces_the_cached_list(client, ranked):
    assert client.get(HOT).json()["results"][0]["id"] == ranked[0]
    ArticleStat.objects.filter(article_id=ranked[4]).update(like_count=10_000)

    services.ranking_compute(now=timezone.now())

    assert client.get(HOT).json()["results"][0]["id"] == ranked[4]


def test_the_anonymous_fast_path_answers_the_drf_views_bytes(client, ranked, settings):
    from django.test import RequestFactory

    from apps.ranking.apis import HotArticlesView

    settings.RANKING_PAGE_SIZE = 2  # a next link too
    fast = client.get(HOT)
    request = RequestFactory().get(HOT, HTTP_USER_AGENT=USER_AGENT)
    drf = HotArticlesView.as_view()(request)
    drf.render()

    assert fast.content == drf.content
    assert fast["Content-Type"] == drf["Content-Type"]
    through_drf = client.get(HOT, {"page_size": 2})  # a query string: the DRF view answers
    assert (fast["Vary"], fast["Allow"]) == (through_drf["Vary"], through_drf["Allow"])
    assert fast.json()["next"] is not None


def test_an_empty_hot_list_before_the_first_computation(client):
    assert client.get(HOT).json() == {"results": [], "next": None}


def test_the_path_resolves_before_the_article_detail(client, ranked):
    from django.urls import resolve

    assert resolve(HOT).url_name == "articles-hot"
    assert resolve(f"/api/v1/articles/{ranked[0]}").url_name == "articles-detail"


def test_there_is_no_public_trigger(client, ranked):
    ArticleStat.objects.filter(article_id=ranked[4]).update(like_count=10_000)
    for method in ("post", "put", "delete"):
        assert getattr(client, method)(HOT).status_code == 405

    assert client.get(HOT).json()["results"][0]["id"] == ranked[0]  # not recomputed
