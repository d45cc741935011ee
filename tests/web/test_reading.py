"""The reading pages through Django's test client: they render, they scope like the API, they
count reads like the API, and their counts agree with the API's."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django_redis import get_redis_connection

from apps.articles import services as article_services
from apps.follows import services as follow_services
from apps.interactions import reads
from apps.interactions import services as interaction_services
from apps.ranking import services as ranking_services
from apps.search import services as search_services
from apps.users.models import User
from apps.web.auth import sign_in_test_client
from apps.web.views import reading
from scholarnet.events.batches import decode_pack
from scholarnet.events.envelope import Event
from scholarnet.events.stream import emit_flush, sender_buffer, stream_key
from tests.articles.conftest import signed_in_client
from tests.articles.factories import ArticleFactory, published_article
from tests.users.conftest import USER_AGENT
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_reads_of_earlier_tests():
    sender_buffer().discard()
    get_redis_connection("default").delete(stream_key("article.read"))


@pytest.fixture
def author() -> User:
    return UserFactory(nickname="Ada Lovelace")


@pytest.fixture
def reader() -> User:
    return UserFactory(nickname="Grace")


@pytest.fixture
def web() -> Client:
    return Client(HTTP_USER_AGENT=USER_AGENT)


def signed_in_web(user: User) -> Client:
    """A browser-like client signed in the way the login page does it (a platform session)."""
    client = Client(HTTP_USER_AGENT=USER_AGENT)
    sign_in_test_client(client, user)
    return client


def page_path(article) -> str:
    return f"/a/{article.pk}/{re.sub(r'[^a-z0-9]+', '-', article.title.lower()).strip('-')}/"


# --- pages render ------------------------------------------------------------------------------


def test_the_article_page_shows_title_author_tags_and_math_as_mathml(web, author):
    article = published_article(author=author, title="Notes on mass", tags=["physics"])

    response = web.get(page_path(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="article-title">Notes on mass</h1>' in html
    assert "Ada Lovelace" in html
    assert 'href="/t/physics/"' in html
    # $E = mc^2$ and the display integral are MathML, with the TeX kept for copying.
    assert '<span class="math inline" data-tex="E = mc^2"><math' in html
    assert '<div class="math block" data-tex="\\int_0^1 x\\,dx = \\frac{1}{2}"><math' in html
    assert 'display="block"' in html
    assert "<msup><mi>c</mi><mn>2</mn></msup>" in html


def test_the_article_page_has_canonical_and_opengraph_tags(web, author):
    article = published_article(author=author, title="Notes on mass")

    html = web.get(page_path(article)).content.decode()

    canonical = f"http://testserver{page_path(article)}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert '<meta property="og:title" content="Notes on mass">' in html
    assert '<meta property="og:type" content="article">' in html


def test_a_wrong_or_missing_slug_redirects_permanently_to_the_canonical_path(web, author):
    article = published_article(author=author, title="Notes on mass")

    wrong = web.get(f"/a/{article.pk}/something-else/")
    bare = web.get(f"/a/{article.pk}/")

    assert wrong.status_code == 301
    assert wrong["Location"] == page_path(article)
    assert bare.status_code == 301
    assert bare["Location"] == page_path(article)


def test_home_shows_latest_hot_tag_chips_and_the_signed_in_readers_feed(web, author, reader):
    article = published_article(author=author, title="Spectral notes", tags=["graphs"])
    interaction_services.article_like(user=reader, article_id=article.pk)
    ranking_services.ranking_compute()

    home = web.get("/")
    assert [item["id"] for item in home.context["hot"]] == [article.pk]
    assert home.context["hot"][0]["published_at"].year >= 2026  # a datetime, as "|date" needs
    assert home.context["tags"] == ["graphs"]

    anonymous = web.get("/").content.decode()
    signed_in = signed_in_web(reader).get("/").content.decode()

    assert page_path(article) in anonymous
    assert "Your feed" not in anonymous
    assert 'href="/login/"' in anonymous
    assert "Your feed" in signed_in
    assert 'action="/logout/"' in signed_in
    assert 'href="/me/notifications/"' in signed_in


def test_the_signed_in_readers_feed_holds_the_followed_authors_article(author, reader):
    followed = published_article(author=author, title="From a followed author")
    published_article(author=UserFactory(), title="From a stranger")
    follow_services.user_follow(follower=reader, followee_id=author.pk)

    response = signed_in_web(reader).get("/")

    feed = [item["id"] for item in response.context["feed"]]
    assert feed == [followed.pk]
    html = response.content.decode()
    feed_section = html[html.index('id="feed-heading"') : html.index('id="latest-heading"')]
    assert page_path(followed) in feed_section


def test_search_pages_ten_results_at_a_time(web, author, search_index):
    for index in range(12):
        article = published_article(author=author, title=f"Eigenvalue note {index}")
        search_services.search_article_sync(article_id=article.pk)

    first = web.get("/search", {"q": "eigenvalue", "type": "articles"})
    second = web.get("/search", {"q": "eigenvalue", "type": "articles", "page": 2})

    assert len(first.context["results"]) == 10
    assert 'rel="next"' in first.content.decode()
    assert len(second.context["results"]) == 2
    assert 'rel="prev"' in second.content.decode()
    assert 'rel="next"' not in second.content.decode()
    ids = {row["id"] for row in first.context["results"] + second.context["results"]}
    assert len(ids) == 12


def test_the_author_page_lists_public_articles_and_counts(web, author):
    shown = published_article(author=author, title="Public one")
    ArticleFactory(author=author, title="A draft")

    response = web.get(f"/u/{author.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert page_path(shown) in html
    assert "A draft" not in html
    assert "0 following" in html
    assert 'data-count="followers">0<' in html


def test_the_tag_page_lists_the_tags_articles(web, author):
    tagged = published_article(author=author, title="Tagged one", tags=["graphs"])
    other = published_article(author=author, title="Other one", tags=["physics"])

    html = web.get("/t/graphs/").content.decode()

    assert page_path(tagged) in html
    assert page_path(other) not in html
    assert web.get("/t/no-such-tag/").status_code == 404


@pytest.fixture
def search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "tantivy"
    settings.SEARCH_TANTIVY_PATH = tmp_path / "search"
    settings.SEARCH_WRITE_LOCK_TIMEOUT = 5.0


def test_search_finds_an_article_with_highlights_and_tabs(web, author, search_index):
    article = published_article(author=author, title="Eigenvalue bounds", tags=["graphs"])
    search_services.search_article_sync(article_id=article.pk)
    search_services.search_user_sync(user_id=author.pk)

    html = web.get("/search", {"q": "eigenvalue"}).content.decode()

    assert page_path(article) in html
    assert "<mark>Eigenvalue</mark>" in html
    assert 'aria-current="page"' in html
    users = web.get("/search", {"q": "ada", "type": "users"}).content.decode()
    assert f'href="/u/{author.pk}/"' in users
    assert web.get("/search", {"q": ""}).status_code == 200


def test_feeds_sitemap_and_robots(web, author):
    article = published_article(author=author, title="Feed me", tags=["graphs"])

    latest = web.get("/feeds/latest.atom")
    by_author = web.get(f"/feeds/u/{author.pk}.atom")
    by_tag = web.get("/feeds/t/graphs.atom")
    sitemap = web.get("/sitemap.xml")
    robots = web.get("/robots.txt")

    for response in (latest, by_author, by_tag):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        assert page_path(article) in response.content.decode()
    assert page_path(article) in sitemap.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    assert web.get("/feeds/u/999999.atom").status_code == 404


# --- scoping: what the API hides is a 404 here too ----------------------------------------------


def test_a_draft_a_private_and_a_withdrawn_article_are_404_for_other_readers(web, author, reader):
    draft = ArticleFactory(author=author, title="Draft")
    withdrawn = published_article(author=author, title="Withdrawn")
    article_services.article_withdraw(article_id=withdrawn.pk, author=author)
    reader_web = signed_in_web(reader)

    for article in (draft, withdrawn):
        assert web.get(page_path(article)).status_code == 404
        assert reader_web.get(page_path(article)).status_code == 404
        assert web.get(f"/a/{article.pk}/").status_code == 404
        assert signed_in_client(reader).get(f"/api/v1/articles/{article.pk}").status_code == 404
    # As in the API, the author still reads the withdrawn (private) live copy.
    own = signed_in_web(author).get(page_path(withdrawn))
    assert own.status_code == 200
    assert "Only you can see this article" in own.content.decode()
    assert signed_in_client(author).get(f"/api/v1/articles/{withdrawn.pk}").status_code == 200
    for listing in ("/", f"/u/{author.pk}/", "/feeds/latest.atom", "/sitemap.xml"):
        assert page_path(withdrawn) not in web.get(listing).content.decode(), listing


def test_an_article_taken_down_by_a_moderator_is_404(web, author, reader):
    article = published_article(author=author, title="Taken down")
    moderator = User.objects.create_superuser("mod@example.org", "moderator-pass-91")
    article_services.article_take_down(article_id=article.pk, moderator=moderator, reason="spam")

    assert signed_in_web(reader).get(page_path(article)).status_code == 404
    assert signed_in_client(reader).get(f"/api/v1/articles/{article.pk}").status_code == 404


def test_an_unknown_author_is_404_and_browsers_get_an_html_page(web, settings):
    settings.DEBUG = False

    page = web.get("/u/987654/", headers={"Accept": "text/html,*/*;q=0.8"})
    api = web.get("/api/v1/users/987654", headers={"Accept": "text/html,*/*;q=0.8"})

    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "Page not found" in page.content.decode()
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"


def test_a_server_error_outside_the_api_is_an_html_page_for_browsers(rf):
    from scholarnet.api.views import server_error

    page = server_error(rf.get("/u/1/", headers={"Accept": "text/html"}))
    envelope = server_error(rf.get("/api/v1/articles/1", headers={"Accept": "text/html"}))

    assert page.status_code == envelope.status_code == 500
    assert "Something went wrong" in page.content.decode()
    assert envelope["Content-Type"] == "application/json"


# --- the same numbers as the API ---------------------------------------------------------------


def test_the_article_pages_counts_agree_with_the_api(author, reader):
    article = published_article(author=author, title="Counted")
    interaction_services.article_like(user=reader, article_id=article.pk)
    other = UserFactory()
    interaction_services.article_like(user=other, article_id=article.pk)

    api = signed_in_client(reader).get(f"/api/v1/articles/{article.pk}").json()
    html = signed_in_web(reader).get(page_path(article))

    assert html.context["article"]["like_count"] == api["like_count"] == 2
    for field in ("like_count", "collect_count", "comment_count", "read_count", "liked"):
        assert html.context["article"][field] == api[field], field


def _stream_events() -> list[Event]:
    emit_flush()
    entries = get_redis_connection("default").xrange(stream_key("article.read"))
    return [event for _id, fields in entries for event in decode_pack(fields[b"e"])]


def test_the_page_counts_a_read_once_per_reader_like_the_api(web, author):
    article = published_article(author=author, title="Read me")

    web.get(page_path(article))
    web.get(page_path(article))
    Client(HTTP_USER_AGENT=USER_AGENT).get(f"/api/v1/articles/{article.pk}")

    events = _stream_events()
    assert [event.payload["article_id"] for event in events] == [article.pk] * 3
    # One anonymous reader (same address and agent) on the page and on the API: one read.
    assert len({event.payload["reader"] for event in events}) == 1
    assert reads.reads_apply(events) == {article.pk: 1}


# --- the anonymous body cache ----------------------------------------------------------------


def test_a_republished_edit_shows_at_once_despite_the_cached_body(
    web, author, django_capture_on_commit_callbacks
):
    article = published_article(author=author, title="Cached", content="The first version.")
    assert "first version" in web.get(page_path(article)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the detail cache's invalidation
        article_services.article_draft_update(
            article_id=article.pk, author=author, data={"content": "The second version: $x^2$."}
        )
        article_services.article_publish(article_id=article.pk, author=author)

    html = web.get(page_path(article)).content.decode()
    assert "second version" in html
    assert "first version" not in html
    assert '<span class="math inline" data-tex="x^2"><math' in html


def test_the_converted_body_is_cached_between_anonymous_reads(web, author, monkeypatch):
    article = published_article(author=author, title="Cached twice")
    calls = []
    convert = reading.math_to_mathml
    monkeypatch.setattr(reading, "math_to_mathml", lambda html: calls.append(1) or convert(html))

    first = web.get(page_path(article)).content
    second = web.get(page_path(article)).content

    assert len(calls) == 1
    assert b"<math" in first
    assert b"<math" in second


def test_the_edit_page_path_is_not_taken_by_the_article_page():
    assert resolve("/a/5/some-title/").url_name == "article"
    assert resolve("/a/5/edit/").url_name != "article"


# --- queries do not grow with the page size ----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/u/{author}/", "/t/graphs/"])
def test_list_pages_cost_the_same_queries_for_one_or_many_articles(path, author, reader):
    client = signed_in_web(reader)
    published_article(author=author, title="First", tags=["graphs"])
    url = path.format(author=author.pk)
    client.get(url)  # warm the caches every page reads
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(6):
        published_article(author=UserFactory(), title=f"More {index}", tags=["graphs"])
    if "{author}" in path:
        for index in range(6):
            published_article(author=author, title=f"Mine {index}", tags=["graphs"])
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many.captured_queries) == len(one.captured_queries), [
        q["sql"] for q in many.captured_queries
    ]
