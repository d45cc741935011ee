"""Writing pages: the articles app's services behind forms, scoped to the author."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.articles.models import Article, ArticleStatus
from apps.users import revocation
from apps.web.auth import sign_in_test_client
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
MATH = "Energy $E=mc^2$ and\n\n$$\\int_0^1 x\\,dx$$\n"


@pytest.fixture(autouse=True)
def _fresh_session_breaker():
    revocation.reset_breaker()
    yield
    revocation.reset_breaker()


@pytest.fixture
def author():
    return UserFactory(email="ada@example.org", nickname="Ada")


@pytest.fixture
def client(author) -> Client:
    browser = Client(HTTP_USER_AGENT=USER_AGENT)
    sign_in_test_client(browser, author)
    return browser


def _new(client: Client, **fields):
    data = {"title": "On integrals", "content": MATH, "tags": "math, physics", **fields}
    return client.post("/write/", data)


def test_writing_needs_a_signed_in_user():
    anonymous = Client()

    response = anonymous.get("/write/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/write/")
    assert anonymous.post("/write/preview", {"content": "x"}).status_code == 302


def test_the_editor_offers_htmx_preview_and_plain_buttons(client):
    body = client.get("/write/").content.decode()

    assert 'hx-post="/write/preview"' in body
    assert "delay:" in body
    assert 'name="action" value="preview"' in body
    assert 'name="action" value="save"' in body
    assert 'name="action" value="publish"' in body


def test_preview_renders_math_with_the_servers_renderer(client):
    response = client.post("/write/preview", {"content": MATH})

    assert response.status_code == 200
    body = response.content.decode()
    assert "<math" in body  # MathML from apps.web.math
    assert "<script" not in body


def test_preview_refuses_what_saving_would(client, settings):
    settings.ARTICLE_CONTENT_MAX_BYTES = 100

    response = client.post("/write/preview", {"content": "x" * 101})
    saved = client.post("/write/", {"title": "T", "content": "x" * 101, "action": "save"})

    assert response.status_code == 413
    assert saved.status_code == 413
    assert 'role="alert"' in response.content.decode()


def test_preview_escapes_raw_html(client):
    body = client.post("/write/preview", {"content": "<script>alert(1)</script>"}).content.decode()

    assert "<script>" not in body
    assert "&lt;script&gt;" in body


def test_the_no_javascript_preview_button_shows_the_preview_under_the_form(client):
    response = client.post("/write/", {"title": "T", "content": MATH, "action": "preview"})

    assert response.status_code == 200
    assert "<math" in response.content.decode()
    assert Article.objects.count() == 0  # previewing saves nothing


def test_draft_then_publish_then_withdraw_then_delete(
    client, author, django_capture_on_commit_callbacks
):
    saved = _new(client, action="save")
    article = Article.objects.get()
    assert saved.status_code == 303
    assert saved["Location"] == f"/a/{article.pk}/edit/"
    assert article.status == ArticleStatus.DRAFT

    edit = client.get(f"/a/{article.pk}/edit/").content.decode()
    assert "On integrals" in edit
    assert "math, physics" in edit

    updated = client.post(
        f"/a/{article.pk}/edit/",
        {"title": "On integrals, revised", "content": MATH, "tags": "math", "action": "save"},
    )
    assert updated.status_code == 303
    article.refresh_from_db()
    assert article.title == "On integrals, revised"

    mine = client.get("/me/articles/").content.decode()
    assert "On integrals, revised" in mine
    assert f'action="/a/{article.pk}/publish"' in mine

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/a/{article.pk}/publish").status_code == 303
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    mine = client.get("/me/articles/").content.decode()
    assert f'action="/a/{article.pk}/withdraw"' in mine
    edit = client.get(f"/a/{article.pk}/edit/").content.decode()
    assert f'href="/a/{article.pk}/on-integrals-revised/"' in edit
    api = Client().get(f"/api/v1/articles/{article.pk}")
    assert api.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):  # the cache invalidation
        assert client.post(f"/a/{article.pk}/withdraw").status_code == 303
    article.refresh_from_db()
    assert article.status == ArticleStatus.PRIVATE
    assert Client().get(f"/api/v1/articles/{article.pk}").status_code == 404

    assert client.post(f"/a/{article.pk}/delete").status_code == 303
    assert not Article.objects.filter(pk=article.pk).exists()


def test_publish_from_the_new_form_goes_to_the_article(client):
    response = _new(client, action="publish")

    article = Article.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/a/{article.pk}/on-integrals/"
    assert article.status == ArticleStatus.PUBLISHED


def test_the_apis_validation_errors_show_on_the_form(client):
    no_title = client.post("/write/", {"title": "", "content": "x", "action": "save"})
    too_many_tags = _new(client, tags=",".join(f"t{n}" for n in range(11)), action="save")

    assert no_title.status_code == 400
    assert "This field may not be blank." in no_title.content.decode()
    assert too_many_tags.status_code == 400
    assert 'class="field-error"' in too_many_tags.content.decode() or "tag" in (
        too_many_tags.content.decode().lower()
    )
    assert Article.objects.count() == 0


def test_withdrawing_a_never_published_draft_is_the_apis_conflict(client):
    _new(client, action="save")
    article = Article.objects.get()

    response = client.post(f"/a/{article.pk}/withdraw")

    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()


def test_another_users_article_is_404_everywhere(client):
    stranger = UserFactory()
    theirs = Client(HTTP_USER_AGENT=USER_AGENT)
    sign_in_test_client(theirs, stranger)
    theirs.post("/write/", {"title": "Private notes", "content": "x", "action": "save"})
    article = Article.objects.get(author=stranger)

    assert client.get(f"/a/{article.pk}/edit/").status_code == 404
    assert client.post(f"/a/{article.pk}/edit/", {"title": "Mine now"}).status_code == 404
    assert client.post(f"/a/{article.pk}/publish").status_code == 404
    assert client.post(f"/a/{article.pk}/withdraw").status_code == 404
    assert client.post(f"/a/{article.pk}/delete").status_code == 404
    assert "Private notes" not in client.get("/me/articles/").content.decode()
    article.refresh_from_db()
    assert article.title == "Private notes"
    assert article.status == ArticleStatus.DRAFT


def test_writes_need_the_csrf_token(author):
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=USER_AGENT)
    sign_in_test_client(browser, author)

    refused = browser.post("/write/", {"title": "T", "content": "x", "action": "save"})
    page = browser.get("/write/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    accepted = browser.post(
        "/write/", {"title": "T", "content": "x", "action": "save", "csrfmiddlewaretoken": token}
    )
    preview = browser.post("/write/preview", {"content": "x"})
    htmx_preview = browser.post("/write/preview", {"content": "x"}, HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 303
    assert preview.status_code == 403
    assert htmx_preview.status_code == 200
    assert Article.objects.count() == 1


def test_my_articles_lists_every_status_and_pages_by_id(client, monkeypatch):
    from apps.web.views import writing

    monkeypatch.setattr(writing, "MY_ARTICLES_PAGE", 2)
    for n in range(3):
        _new(client, title=f"Article {n}", action="publish" if n == 1 else "save")
    _oldest, middle, newest = Article.objects.order_by("id")

    first = client.get("/me/articles/").content.decode()
    assert "Article 2" in first
    assert "Article 1" in first
    assert "Article 0" not in first
    assert f"/me/articles/?before={middle.pk}" in first
    second = client.get(f"/me/articles/?before={middle.pk}").content.decode()
    assert "Article 0" in second
    assert "Article 1" not in second
    assert "?before=" not in second
    assert newest.status == ArticleStatus.DRAFT
    assert middle.status == ArticleStatus.PUBLISHED
