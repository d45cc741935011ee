from __future__ import annotations

import pytest

from apps.articles import services
from apps.articles.models import ArticleRevision
from tests.articles.conftest import ARTICLES
from tests.articles.factories import published_article

pytestmark = pytest.mark.django_db


def revisions_of(client, article_id: int, query: str = ""):
    return client.get(f"{ARTICLES}/{article_id}/revisions{query}")


def edit_and_publish(author, article_id: int, **data):
    services.article_draft_update(article_id=article_id, author=author, data=data)
    return services.article_publish(article_id=article_id, author=author)


def test_every_publish_that_changes_the_article_keeps_a_revision(
    author, anonymous_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author, title="One", content="First.", tags=["a"])
    # Cached by the anonymous fast path; the next publish invalidates it.
    assert anonymous_client.get(f"{ARTICLES}/{article.pk}").json()["revision"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        edit_and_publish(author, article.pk, title="Two", content="Second.", tags=["b"])

    rows = list(ArticleRevision.objects.order_by("number").values_list("number", "title", "tags"))
    detail = anonymous_client.get(f"{ARTICLES}/{article.pk}").json()
    listed = revisions_of(anonymous_client, article.pk).json()

    assert rows == [(1, "One", ["a"]), (2, "Two", ["b"])]
    assert detail["revision"] == 2
    assert [item["number"] for item in listed["results"]] == [2, 1]
    assert listed["results"][0].keys() == {"number", "title", "tags", "doi", "created_at"}
    assert listed["next"] is None


def test_publishing_the_same_working_copy_again_keeps_its_revision(author):
    article = published_article(author=author)
    services.article_withdraw(article_id=article.pk, author=author)
    services.article_publish(article_id=article.pk, author=author)
    services.article_publish(article_id=article.pk, author=author)

    assert list(ArticleRevision.objects.values_list("number", flat=True)) == [1]


def test_an_edit_alone_makes_no_revision(author, anonymous_client):
    article = published_article(author=author, title="One")
    services.article_draft_update(article_id=article.pk, author=author, data={"title": "Draft"})

    assert ArticleRevision.objects.count() == 1
    assert anonymous_client.get(f"{ARTICLES}/{article.pk}").json()["revision"] == 1


def test_one_revision_carries_its_content(author, reader_client):
    article = published_article(author=author, title="One", content="Some *text*.", tags=["x"])

    response = reader_client.get(f"{ARTICLES}/{article.pk}/revisions/1")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == 1
    assert body["title"] == "One"
    assert body["content"] == "Some *text*."
    assert body["content_html"] == "<p>Some <em>text</em>.</p>\n"
    assert body["tags"] == ["x"]
    assert reader_client.get(f"{ARTICLES}/{article.pk}/revisions/2").json()["code"] == (
        "revision_not_found"
    )


def test_the_diff_of_two_revisions(author, anonymous_client):
    article = published_article(author=author, title="One", content="a\nb\nc\n", tags=["x"])
    edit_and_publish(author, article.pk, title="Two", content="a\nB\nc\n", tags=["x", "y"])

    response = anonymous_client.get(f"{ARTICLES}/{article.pk}/revisions/diff?from=1&to=2")

    assert response.status_code == 200
    body = response.json()
    assert (body["from_revision"], body["to_revision"], body["of"]) == (1, 2, "source")
    assert body["title"].splitlines() == [
        "--- r1/title",
        "+++ r2/title",
        "@@ -1 +1 @@",
        "-One",
        "+Two",
    ]
    assert "-b\n+B" in body["content"]
    assert "+y" in body["tags"]
    same = anonymous_client.get(f"{ARTICLES}/{article.pk}/revisions/diff?from=2&to=2").json()
    assert (same["title"], same["content"], same["tags"]) == ("", "", "")


def test_the_text_diff_compares_rendered_text(author, anonymous_client):
    article = published_article(author=author, content="Hello *world*.\n\nBye.")
    edit_and_publish(author, article.pk, content="Hello **world**.\n\nBye!")

    body = anonymous_client.get(
        f"{ARTICLES}/{article.pk}/revisions/diff?from=1&to=2&of=text"
    ).json()

    assert body["content"].splitlines()[2:] == [
        "@@ -1,2 +1,2 @@",
        " Hello world.",
        "-Bye.",
        "+Bye!",
    ]


@pytest.mark.parametrize(
    "query", ["", "?from=1", "?from=0&to=1", "?from=a&to=1", "?from=1&to=1&of=html"]
)
def test_a_malformed_diff_request_is_400(author, anonymous_client, query):
    article = published_article(author=author)

    response = anonymous_client.get(f"{ARTICLES}/{article.pk}/revisions/diff{query}")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_a_diff_of_a_missing_revision_is_404(author, anonymous_client):
    article = published_article(author=author)

    response = anonymous_client.get(f"{ARTICLES}/{article.pk}/revisions/diff?from=1&to=5")

    assert (response.status_code, response.json()["code"]) == (404, "revision_not_found")


def test_large_revisions_are_not_compared(author, anonymous_client, settings):
    settings.ARTICLE_REVISION_DIFF_MAX_BYTES = 10
    article = published_article(author=author, content="x" * 11)

    response = anonymous_client.get(f"{ARTICLES}/{article.pk}/revisions/diff?from=1&to=1")

    assert (response.status_code, response.json()["code"]) == (400, "revision_diff_too_large")


@pytest.mark.parametrize(
    "path", ["revisions", "revisions/1", "revisions/diff?from=1&to=1"], ids=["list", "one", "diff"]
)
def test_revisions_are_visible_exactly_as_the_detail(
    author, author_client, reader_client, anonymous_client, path, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    draft = services.article_create(author=author, title="Draft", content="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_withdraw(article_id=article.pk, author=author)

    assert reader_client.get(f"{ARTICLES}/{article.pk}/{path}").status_code == 404
    assert anonymous_client.get(f"{ARTICLES}/{article.pk}/{path}").status_code == 404
    assert author_client.get(f"{ARTICLES}/{article.pk}/{path}").status_code == 200
    assert author_client.get(f"{ARTICLES}/{draft.pk}/{path}").status_code == 404
    assert anonymous_client.get(f"{ARTICLES}/999999/{path}").status_code == 404


def test_revisions_have_no_write_path(author, author_client):
    article = published_article(author=author)

    for method in ("put", "patch", "delete", "post"):
        response = getattr(author_client, method)(f"{ARTICLES}/{article.pk}/revisions/1")
        assert response.status_code == 405, method
    assert author_client.post(f"{ARTICLES}/{article.pk}/revisions").status_code == 405


def test_deleting_the_article_deletes_its_revisions(author):
    article = published_article(author=author)

    services.article_delete(article_id=article.pk, author=author)

    assert not ArticleRevision.objects.exists()


def test_pages_walk_every_revision_once(author, anonymous_client):
    article = published_article(author=author, content="v0")
    for n in range(1, 5):
        edit_and_publish(author, article.pk, content=f"v{n}")

    seen, query = [], "?page_size=2"
    while query:
        page = revisions_of(anonymous_client, article.pk, query).json()
        seen += [item["number"] for item in page["results"]]
        query = page["next"] and f"?page_size=2&cursor={page['next']}"

    assert seen == [5, 4, 3, 2, 1]


@pytest.mark.parametrize("page_size", [2, 10])
def test_the_revisions_list_costs_the_same_whatever_its_size(
    author, anonymous_client, django_assert_num_queries, page_size
):
    article = published_article(author=author, content="v0")
    for n in range(1, 10):
        edit_and_publish(author, article.pk, content=f"v{n}")
    anonymous_client.get(f"{ARTICLES}/{article.pk}")  # the detail's cache: who may read it

    with django_assert_num_queries(1):  # the page's rows (visibility from the cache)
        response = revisions_of(anonymous_client, article.pk, f"?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


def test_articles_published_before_revisions_get_revision_one(author, anonymous_client):
    from importlib import import_module
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from apps.articles.models import PublishedArticle

    backfill = import_module("apps.articles.migrations.0005_backfill_first_revisions").backfill
    old = published_article(author=author, title="Old", content="Old text.", tags=["b", "A"])
    new = published_article(author=author, title="New")
    ArticleRevision.objects.filter(article_id=old.pk).delete()  # as before revisions existed
    PublishedArticle.objects.filter(pk=old.pk).update(revision=0)
    state = ("articles", "0005_backfill_first_revisions")
    historical = MigrationExecutor(connection).loader.project_state(state).apps
    editor = SimpleNamespace(connection=connection)

    backfill(historical, editor)
    backfill(historical, editor)  # again: nothing more

    kept = ArticleRevision.objects.get(article_id=old.pk)
    assert (kept.number, kept.title, kept.content, kept.tags) == (1, "Old", "Old text.", ["A", "b"])
    assert PublishedArticle.objects.get(pk=old.pk).revision == 1
    assert ArticleRevision.objects.filter(article_id=new.pk).count() == 1
    assert revisions_of(anonymous_client, old.pk).json()["results"][0]["number"] == 1
