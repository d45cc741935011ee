"""The anonymous pages' cache (apps.web.page_cache): the article page and the home page are
rendered once and filled per request, and every write that changes what they show drops them."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.articles import services as article_services
from apps.comments import services as comment_services
from apps.follows import services as follow_services
from apps.interactions import services as interaction_services
from apps.users import services as user_services
from apps.web.page_cache import HOLE, CachedPage, Holes
from apps.web.views import reading
from tests.articles.factories import published_article
from tests.users.conftest import USER_AGENT
from tests.users.factories import UserFactory
from tests.web.test_reading import page_path

pytestmark = pytest.mark.django_db


def anonymous(**extra) -> Client:
    return Client(HTTP_USER_AGENT=USER_AGENT, **extra)


def templates_rendered(response) -> list[str]:
    return [template.name for template in response.templates]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit hooks (cache invalidations) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def author():
    return UserFactory(nickname="Ada Lovelace")


@pytest.fixture
def article(author):
    return published_article(author=author, title="Notes on mass", tags=["physics"])


# --- served from the cache -------------------------------------------------------------------


def test_the_second_anonymous_read_renders_no_template_and_makes_no_query(article):
    path = page_path(article)
    first = anonymous().get(path)
    assert first.status_code == 200
    assert "web/reading/article.html" in templates_rendered(first)

    with CaptureQueriesContext(connection) as queries:
        second = anonymous().get(path)

    assert second.status_code == 200
    assert templates_rendered(second) == []
    assert len(queries) == 0
    assert second.content == first.content
    assert HOLE not in second.content.decode()


def test_the_cached_page_is_the_page_the_template_renders(article, settings):
    """Filled holes give exactly what rendering with the real values gives."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "scholarnet.example"]
    path = page_path(article)
    anonymous().get(path)  # cached
    cached = anonymous(HTTP_HOST="scholarnet.example").get(path).content.decode()

    # The same page rendered without the cache: a query string bypasses it.
    direct = anonymous(HTTP_HOST="scholarnet.example").get(path + "?from=direct")
    html = direct.content.decode()
    assert "web/reading/article.html" in templates_rendered(direct)
    # The forms' "next" carries the query string the direct request had; nothing else differs.
    html = html.replace(f"{path}?from=direct", path).replace(f"{path}%3Ffrom%3Ddirect", path)
    assert cached == html
    assert 'href="http://scholarnet.example/a/' in cached  # the canonical URL follows the host


def test_an_anonymous_page_holds_no_csrf_token_and_its_actions_lead_to_sign_in(article):
    path = page_path(article)
    for _ in range(2):  # rendered, then from the cache
        response = anonymous().get(path)
        html = response.content.decode()
        assert "csrfmiddlewaretoken" not in html
        assert "X-CSRFToken" not in html
        assert django_settings.CSRF_COOKIE_NAME not in response.cookies
        sign_in = f'href="/login/?next={quote(path)}"'
        assert html.count(sign_in) >= 3  # like, collect, follow (and "sign in to comment")


def test_a_form_on_an_anonymous_page_fails_instead_of_caching_a_token(article, monkeypatch):
    """A CSRF token rendered into an anonymous page would be one reader's, served to all."""
    original = reading.render_to_string

    def rendering_a_token(template_name, context, request):
        html = original(template_name, context, request)
        return html + Template("{% csrf_token %}").render(Context(context))

    monkeypatch.setattr(reading, "render_to_string", rendering_a_token)
    with pytest.raises(KeyError, match="csrf_token_on_an_anonymous_page"):
        anonymous().get(page_path(article))


# --- what changes per request is current -----------------------------------------------------


def test_counts_and_followers_are_current_on_a_cached_page(article, author, committed, settings):
    # Anonymous counts come from a process-local copy a few seconds old: off, to see them move.
    settings.ARTICLE_COUNTS_LOCAL_TTL = settings.USER_FOLLOW_COUNTS_LOCAL_TTL = 0
    path = page_path(article)
    anonymous().get(path)
    reader = UserFactory()
    with committed():
        interaction_services.article_like(user=reader, article_id=article.pk)
        follow_services.user_follow(follower=reader, followee_id=author.pk)

    html = anonymous().get(path).content.decode()

    assert '<span class="count" data-count="like">1</span>' in html
    assert '<span class="count" data-count="followers">1</span> follower</span>' in html
    with committed():
        follow_services.user_follow(follower=UserFactory(), followee_id=author.pk)
    html = anonymous().get(path).content.decode()
    assert '<span class="count" data-count="followers">2</span> followers</span>' in html


def test_a_comment_shows_at_once_and_a_deleted_one_is_gone_at_once(article, committed):
    path = page_path(article)
    anonymous().get(path)
    commenter = UserFactory(nickname="Grace")

    with committed():
        comment = comment_services.comment_create(
            user=commenter, article_id=article.pk, content="A fine *proof*."
        )
    html = anonymous().get(path).content.decode()
    assert "A fine <em>proof</em>." in html

    with committed():
        comment_services.comment_delete(user=commenter, comment_id=comment.pk)
    html = anonymous().get(path).content.decode()
    assert "A fine <em>proof</em>." not in html


def test_a_republished_edit_and_a_new_nickname_show_at_once(article, author, committed):
    path = page_path(article)
    anonymous().get(path)

    with committed():
        article_services.article_draft_update(
            article_id=article.pk, author=author, data={"content": "Entirely new text."}
        )
        article_services.article_publish(article_id=article.pk, author=author)
        user_services.user_profile_update(user=author, data={"nickname": "Countess Ada"})

    html = anonymous().get(path).content.decode()
    assert "Entirely new text." in html
    assert "Countess Ada" in html


def test_a_withdrawn_or_taken_down_article_is_not_served_from_the_cache(article, author, committed):
    path = page_path(article)
    assert anonymous().get(path).status_code == 200
    assert anonymous().get(path).status_code == 200  # from the cache

    with committed():
        article_services.article_withdraw(article_id=article.pk, author=author)
    assert anonymous().get(path).status_code == 404

    other = published_article(author=author, title="Second notes")
    other_path = page_path(other)
    anonymous().get(other_path)
    with committed():
        article_services.article_take_down(
            article_id=other.pk, moderator=UserFactory(is_staff=True), reason="spam"
        )
    assert anonymous().get(other_path).status_code == 404


def test_signed_in_readers_and_htmx_requests_are_never_served_the_anonymous_page(article):
    from tests.web.test_reading import signed_in_web

    path = page_path(article)
    anonymous().get(path)
    reader = UserFactory(nickname="Grace Hopper")

    response = signed_in_web(reader).get(path)
    assert "web/reading/article.html" in templates_rendered(response)
    assert "Grace Hopper" in response.content.decode()  # the header names the reader
    htmx = anonymous().get(path, HTTP_HX_REQUEST="true")
    assert "web/reading/article.html" in templates_rendered(htmx)


# --- the home page -----------------------------------------------------------------------------


def test_the_home_page_is_cached_and_a_publish_shows_at_once(author, committed):
    first_article = published_article(author=author, title="First notes")
    first = anonymous().get("/")
    assert "First notes" in first.content.decode()
    assert "web/reading/home.html" in templates_rendered(first)
    again = anonymous().get("/")
    assert templates_rendered(again) == []

    with committed():
        published_article(author=author, title="Brand new notes")
    html = anonymous().get("/").content.decode()
    assert "Brand new notes" in html

    with committed():
        interaction_services.article_like(user=UserFactory(), article_id=first_article.pk)
    html = anonymous().get("/").content.decode()
    assert "1 likes" in html  # the counts are read per request (test settings: no counts tier)

    with committed():
        article_services.article_withdraw(article_id=first_article.pk, author=author)
    assert "First notes" not in anonymous().get("/").content.decode()


def test_home_counts_are_kept_for_the_configured_seconds(author, settings, committed):
    settings.ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL = 60.0
    reading.home_counts.clear()
    try:
        article = published_article(author=author, title="Counted notes")
        assert "0 likes" in anonymous().get("/").content.decode()
        with committed():
            interaction_services.article_like(user=UserFactory(), article_id=article.pk)
        assert "0 likes" in anonymous().get("/").content.decode()  # within the tier's lifetime
        reading.home_counts.clear()
        assert "1 likes" in anonymous().get("/").content.decode()
    finally:
        reading.home_counts.clear()


# --- holes -------------------------------------------------------------------------------------


def test_a_hole_of_another_render_is_left_as_text():
    holes, foreign = Holes(), Holes()
    page = CachedPage.of(f"<p>{holes('n')} {foreign('n')} {holes('m')}</p>", holes=holes)
    assert page.fill({"n": "<7>", "m": 8}) == f"<p>&lt;7&gt; {foreign('n')} 8</p>"


def test_a_hole_without_a_value_is_an_error_not_a_page():
    holes = Holes()
    page = CachedPage.of(f"<p>{holes('n')}</p>", holes=holes)
    with pytest.raises(KeyError):
        page.fill({})


def test_text_that_imitates_a_hole_is_shown_as_written(author):
    imitation = f"{HOLE}0000000000000000:csrf_token{HOLE}"
    article = published_article(author=author, title="Odd characters", content=f"x {imitation} y")
    anonymous().get(page_path(article))
    html = anonymous().get(page_path(article)).content.decode()
    assert imitation in html


def test_a_release_that_changes_a_template_never_fills_an_older_releases_page(
    tmp_path, monkeypatch
):
    from apps.web import page_cache

    (tmp_path / "templates" / "web").mkdir(parents=True)
    template = tmp_path / "templates" / "web" / "page.html"
    template.write_text("<p>{{ like_count }}</p>")
    monkeypatch.setattr(page_cache, "_WEB", tmp_path)
    page_cache.rendering_fingerprint.cache_clear()
    try:
        before = page_cache.page_key("article:1")
        template.write_text("<p>{{ like_count }} likes</p>")
        page_cache.rendering_fingerprint.cache_clear()
        assert page_cache.page_key("article:1") != before
    finally:
        page_cache.rendering_fingerprint.cache_clear()
