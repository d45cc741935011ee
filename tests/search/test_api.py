"""GET /api/v1/search: validation errors, result shapes, paging, filters, visibility."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from apps.search import selectors
from apps.search.backends import get_backend
from apps.search.backends.base import SearchUnavailable
from apps.search.pagination import cursor_encode
from tests.articles.factories import published_article
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search"


@pytest.fixture
def client() -> APIClient:
    return APIClient(HTTP_USER_AGENT=USER_AGENT)


def index_article(article) -> None:
    """Index as the consumer does (these tests do not run the relay)."""
    from apps.search.services import search_article_sync

    search_article_sync(article_id=article.pk)


def index_user(user) -> None:
    from apps.search.services import search_user_sync

    search_user_sync(user_id=user.pk)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "query_empty"),
        ({"q": ""}, "query_empty"),
        ({"q": "   \t"}, "query_empty"),
        ({"q": "x" * 201}, "query_too_long"),
        ({"q": "graphs", "type": "comment"}, "invalid"),
        ({"q": "graphs", "type": "user", "tag": "nlp"}, "invalid"),
        ({"q": "graphs", "type": "tag", "author": "3"}, "invalid"),
        ({"q": "graphs", "author": "ada"}, "invalid"),
        ({"q": "graphs", "page_size": "51"}, "invalid"),
        ({"q": "graphs", "cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"q": "graphs", "cursor": cursor_encode(1001)}, "invalid_cursor"),
    ],
)
def test_bad_requests_are_400_with_a_clear_code(client, params, code):
    response = client.get(SEARCH, params)

    assert response.status_code == 400
    assert response.json()["code"] == code


def test_the_errors_say_what_is_wrong(client):
    too_long = client.get(SEARCH, {"q": "x" * 201}).json()
    bad_type = client.get(SEARCH, {"q": "x", "type": "comment"}).json()

    assert too_long["extra"] == {"max_length": 200}
    assert list(bad_type["extra"]["fields"]) == ["type"]


def test_a_query_of_the_maximum_length_is_accepted(client):
    assert results(client.get(SEARCH, {"q": "x" * 200})) == []


def test_a_query_of_punctuation_only_finds_nothing(client):
    published_article(title="Anything")

    assert client.get(SEARCH, {"q": "*:* ()"}).json() == {"results": [], "next": None}


def test_an_article_hit_has_its_public_fields_and_highlights(client):
    author = UserFactory(nickname="Ada")
    article = published_article(
        author=author,
        title="Graph <Learning> notes",
        content="Spectral **graph** theory and 注意力.",
        tags=["NLP"],
    )
    index_article(article)

    [hit] = results(client.get(SEARCH, {"q": "graph 注意力"}))

    assert hit == {
        "id": article.pk,
        "title": "Graph <Learning> notes",
        "abstract": "Spectral graph theory and 注意力.",
        "author": {"id": author.pk, "nickname": "Ada"},
        "tags": ["NLP"],
        "published_at": article.published_at.isoformat().replace("+00:00", "Z"),
        "like_count": 0,
        "collect_count": 0,
        "read_count": 0,
        "comment_count": 0,
        "liked": False,
        "collected": False,
        "highlights": {
            "title": "<mark>Graph</mark> &lt;Learning&gt; notes",
            "abstract": "Spectral <mark>graph</mark> theory and <mark>注意力</mark>.",
            "text": "Spectral <mark>graph</mark> theory and <mark>注意力</mark>.",
        },
    }


def test_a_user_hit_has_public_fields_only(client):
    user = UserFactory(
        email="ada.private@example.org", phone="+8613800138000", nickname="Ada", about="Graphs"
    )
    index_user(user)

    response = client.get(SEARCH, {"q": "ada", "type": "user"})

    assert results(response) == [
        {
            "id": user.pk,
            "nickname": "Ada",
            "avatar_url": "",
            "about": "Graphs",
            "highlights": {"nickname": "<mark>Ada</mark>"},
        }
    ]
    assert "example.org" not in response.content.decode()
    assert "13800138000" not in response.content.decode()


def test_searching_for_an_email_or_phone_finds_no_user(client):
    user = UserFactory(email="ada.private@example.org", phone="+8613800138000", nickname="Ada")
    index_user(user)

    for query in ("ada.private@example.org", "example.org", "private", "+8613800138000"):
        assert results(client.get(SEARCH, {"q": query, "type": "user"})) == [], query


def test_tags_are_the_official_ones_and_the_viewers_own(client):
    viewer = UserFactory()
    backend = get_backend()
    backend.upsert("tag", "1", {"name": "Graphs", "official": True, "owner_id": None})
    backend.upsert("tag", "2", {"name": "Graphs mine", "official": False, "owner_id": viewer.pk})
    backend.upsert("tag", "3", {"name": "Graphs theirs", "official": False, "owner_id": 999})

    anonymous = results(client.get(SEARCH, {"q": "graphs", "type": "tag"}))
    bearer(client, login(client, viewer.email)["access"])
    signed_in = results(client.get(SEARCH, {"q": "graphs", "type": "tag"}))

    assert anonymous == [
        {
            "id": 1,
            "name": "Graphs",
            "official": True,
            "highlights": {"name": "<mark>Graphs</mark>"},
        }
    ]
    assert sorted(hit["id"] for hit in signed_in) == [1, 2]


def test_articles_are_filtered_by_tag_and_author(client):
    ada, grace = UserFactory(), UserFactory()
    nlp = published_article(author=ada, title="Graph models", tags=["NLP"])
    other = published_article(author=grace, title="Graph models", tags=["Vision"])
    for article in (nlp, other):
        index_article(article)

    by_tag = results(client.get(SEARCH, {"q": "graph", "tag": "nlp"}))
    by_author = results(client.get(SEARCH, {"q": "graph", "author": grace.pk}))

    assert [hit["id"] for hit in by_tag] == [nlp.pk]
    assert [hit["id"] for hit in by_author] == [other.pk]


def test_pages_follow_the_next_link_to_the_end(client):
    articles = [published_article(title=f"Krylov solver {n}") for n in range(5)]
    for article in articles:
        index_article(article)

    seen, url, pages = [], SEARCH + "?q=krylov&page_size=2", 0
    while url:
        body = client.get(url).json()
        seen += [hit["id"] for hit in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3
    assert sorted(seen) == sorted(article.pk for article in articles)


def test_paging_stops_at_the_maximum_offset(client, settings):
    settings.SEARCH_MAX_OFFSET = 2
    for n in range(5):
        index_article(published_article(title=f"Krylov solver {n}"))

    first = client.get(SEARCH, {"q": "krylov", "page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(second["results"]) == 2
    assert second["next"] is None


def test_articles_that_are_no_longer_public_are_never_returned(client):
    public = published_article(title="Graph models")
    hidden = published_article(title="Graph models")
    for article in (public, hidden):
        index_article(article)
    from apps.articles import services as articles

    articles.article_withdraw(article_id=hidden.pk, author=hidden.author)  # event not relayed
    get_backend().upsert("article", "987654", {"title": "Graph models"})  # never existed

    assert [hit["id"] for hit in results(client.get(SEARCH, {"q": "graph"}))] == [public.pk]


def test_an_article_page_costs_one_query(client, django_assert_num_queries):
    for n in range(3):
        index_article(published_article(title=f"Krylov solver {n}"))

    # The visibility check, and the counts' stat rows (Redis has them from then on).
    with django_assert_num_queries(2):
        assert len(results(client.get(SEARCH, {"q": "krylov"}))) == 3


@pytest.mark.parametrize("users", [1, 3, 8])
def test_a_user_page_costs_one_query_whatever_its_size(client, django_assert_num_queries, users):
    for n in range(users):
        index_user(UserFactory(nickname=f"Ada {n}"))

    with django_assert_num_queries(1):  # which hits are still active accounts
        assert len(results(client.get(SEARCH, {"q": "ada", "type": "user"}))) == users


def test_a_deactivated_account_is_not_found_before_the_index_hears_of_it(client):
    kept, closed = UserFactory(nickname="Ada Kept"), UserFactory(nickname="Ada Closed")
    index_user(kept)
    index_user(closed)
    type(closed).objects.filter(pk=closed.pk).update(is_active=False)  # no event, no reindex

    assert [hit["id"] for hit in results(client.get(SEARCH, {"q": "ada", "type": "user"}))] == [
        kept.pk
    ]


def test_user_html_is_escaped_in_highlights_and_returned_as_plain_text(client):
    user = UserFactory(nickname="<img src=x onerror=alert(1)>Ada", about="")
    index_user(user)

    [hit] = results(client.get(SEARCH, {"q": "ada", "type": "user"}))

    assert hit["nickname"] == "<img src=x onerror=alert(1)>Ada"  # data, for the client to escape
    assert hit["highlights"]["nickname"] == "&lt;img src=x onerror=alert(1)&gt;<mark>Ada</mark>"


def test_search_is_rate_limited(client, settings):
    settings.RATELIMIT_SEARCH = "2/60s"

    statuses = [client.get(SEARCH, {"q": "graphs"}).status_code for _ in range(3)]
    limited = client.get(SEARCH, {"q": "graphs"})

    assert statuses == [200, 200, 429]
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0


def test_an_unavailable_backend_is_a_503(client, monkeypatch):
    def unavailable(**kwargs):
        raise SearchUnavailable()

    monkeypatch.setattr(selectors, "search_results_list", unavailable)
    monkeypatch.setattr("apps.search.apis.search_results_list", unavailable)

    response = client.get(SEARCH, {"q": "graphs"})

    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "search_unavailable"
