import json

import pytest
from django.test import override_settings

from apps.articles.models import Article, PublishedArticle
from apps.tags.models import TagBinding
from scholarnet.events.models import OutboxEvent
from tests.articles.conftest import ARTICLES, ME_ARTICLES
from tests.articles.factories import ArticleFactory, published_article

pytestmark = pytest.mark.django_db


def draft_url(article_id: int) -> str:
    return f"{ARTICLES}/{article_id}/draft"


def snapshot(article_id: int) -> tuple:
    """Everything a denied request must leave as it was."""
    article = Article.objects.filter(pk=article_id).values().first()
    live = PublishedArticle.objects.filter(pk=article_id).values().first()
    tags = sorted(
        TagBinding.objects.filter(biz="article", biz_id=article_id).values_list("tag_id", flat=True)
    )
    return article, live, tags, OutboxEvent.objects.count()


def test_create_answers_201_with_the_draft(author_client, author):
    response = author_client.post(
        ARTICLES,
        {
            "title": "  Spectral methods  ",
            "content": "Let $x \\in \\mathbb{R}^n$.\n\nMore text.",
            "tags": ["Numerics", "linear algebra"],
        },
    )

    assert response.status_code == 201
    body = response.json()
    article = Article.objects.get()
    assert body == {
        "id": article.pk,
        "title": "Spectral methods",
        "content": "Let $x \\in \\mathbb{R}^n$.\n\nMore text.",
        "abstract": "Let x \\in \\mathbb{R}^n. More text.",
        "abstract_input": "",
        "status": "draft",
        "tags": ["linear algebra", "Numerics"],
        "doi": None,
        "author": {"id": author.pk, "nickname": "Ada", "avatar_url": ""},
        "version": 1,
        "has_unpublished_changes": True,
        "taken_down": False,
        "take_down_reason": "",
        "created_at": article.created_at.isoformat().replace("+00:00", "Z"),
        "published_at": None,
        "updated_at": article.updated_at.isoformat().replace("+00:00", "Z"),
    }
    assert article.author == author
    assert not PublishedArticle.objects.exists()
    assert not OutboxEvent.objects.filter(type__startswith="article.").exists()


def test_create_keeps_a_given_abstract(author_client):
    response = author_client.post(
        ARTICLES, {"title": "T", "content": "Body text.", "abstract": "  Short summary. "}
    )

    assert response.json()["abstract"] == "Short summary."
    assert response.json()["abstract_input"] == "Short summary."


def test_create_needs_authentication(anonymous_client):
    response = anonymous_client.post(ARTICLES, {"title": "T", "content": "x"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Article.objects.exists()


@pytest.mark.parametrize("title", ["", "   "])
def test_create_with_an_empty_title_is_400(author_client, title):
    response = author_client.post(ARTICLES, {"title": title, "content": "x"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["extra"]["fields"]) == ["title"]
    assert not Article.objects.exists()


def test_create_with_a_too_long_title_is_400(author_client):
    response = author_client.post(ARTICLES, {"title": "x" * 256, "content": "x"})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["title"]


def test_create_with_invalid_tags_is_400_and_writes_nothing(author_client):
    response = author_client.post(ARTICLES, {"title": "T", "content": "x", "tags": ["a/b"]})

    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["tags"]
    assert not Article.objects.exists()
    assert not TagBinding.objects.exists()


def test_content_of_exactly_one_mebibyte_is_accepted(author_client):
    content = "é" * (512 * 1024)  # two bytes each in UTF-8

    response = author_client.post(ARTICLES, {"title": "T", "content": content})

    assert response.status_code == 201
    assert len(Article.objects.get().content) == 512 * 1024


def test_one_mebibyte_fits_even_with_every_character_escaped_in_the_json(author_client):
    body = json.dumps({"title": "T", "content": "é" * (512 * 1024)}, ensure_ascii=True)
    assert len(body) > 3 * 1024 * 1024

    response = author_client.post(ARTICLES, body, content_type="application/json")

    assert response.status_code == 201


def test_content_over_one_mebibyte_is_413(author_client):
    content = "é" * (512 * 1024) + "x"  # 1 MiB + 1 byte, though only 524,289 characters

    response = author_client.post(ARTICLES, {"title": "T", "content": content})

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The content is larger than 1048576 bytes (UTF-8).",
        "code": "content_too_large",
        "extra": {"max_bytes": 1048576},
    }
    assert not Article.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_upload_limit_is_413_before_parsing(author_client):
    response = author_client.post(ARTICLES, {"title": "T", "content": "x" * 2000})

    assert response.status_code == 413
    assert response.json()["code"] == "content_too_large"
    assert not Article.objects.exists()


def test_patch_over_one_mebibyte_is_413_and_changes_nothing(author_client, author):
    article = ArticleFactory(author=author)
    before = snapshot(article.pk)

    response = author_client.patch(draft_url(article.pk), {"content": "x" * (1024 * 1024 + 1)})

    assert response.status_code == 413
    assert response.json()["code"] == "content_too_large"
    assert snapshot(article.pk) == before


def test_get_draft_shows_the_working_copy_to_its_author(author_client, author):
    article = ArticleFactory(author=author, title="Working title")

    response = author_client.get(draft_url(article.pk))

    assert response.status_code == 200
    assert response.json()["title"] == "Working title"
    assert response.json()["status"] == "draft"


def test_patch_edits_the_working_copy_and_bumps_the_version(author_client, author):
    response = author_client.post(ARTICLES, {"title": "T", "content": "Old.", "tags": ["a"]})
    article_id = response.json()["id"]

    response = author_client.patch(
        draft_url(article_id), {"title": "New title", "content": "New *text*.", "tags": ["b", "c"]}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["content"], body["abstract"]) == (
        "New title",
        "New *text*.",
        "New text.",
    )
    assert body["tags"] == ["b", "c"]
    assert body["version"] == 2
    article = Article.objects.get()
    assert (article.title, article.content, article.version) == ("New title", "New *text*.", 2)


def test_patch_without_changes_keeps_the_version(author_client, author):
    response = author_client.post(ARTICLES, {"title": "T", "content": "Same.", "tags": ["a"]})
    article_id = response.json()["id"]

    response = author_client.patch(
        draft_url(article_id), {"title": "T", "content": "Same.", "tags": ["A"]}
    )

    assert response.json()["version"] == 1


def test_patch_with_an_empty_title_is_400_and_changes_nothing(author_client, author):
    article = ArticleFactory(author=author)
    before = snapshot(article.pk)

    response = author_client.patch(draft_url(article.pk), {"title": " "})

    assert response.status_code == 400
    assert snapshot(article.pk) == before


def test_patch_with_invalid_tags_rolls_back_the_other_fields(author_client, author):
    article = ArticleFactory(author=author)
    before = snapshot(article.pk)

    response = author_client.patch(draft_url(article.pk), {"title": "Changed", "tags": ["x" * 40]})

    assert response.status_code == 400
    assert snapshot(article.pk) == before


def test_delete_removes_both_stores_and_the_tags(author_client, author):
    article = published_article(author=author, tags=["topology"])

    response = author_client.delete(draft_url(article.pk))

    assert response.status_code == 204
    assert not Article.objects.exists()
    assert not PublishedArticle.objects.exists()
    assert not TagBinding.objects.exists()
    assert author_client.get(draft_url(article.pk)).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "draft", None),
        ("patch", "draft", {"title": "Hijacked", "content": "pwned", "tags": ["x"]}),
        ("delete", "draft", None),
        ("post", "publish", None),
        ("post", "withdraw", None),
    ],
)
@pytest.mark.parametrize("published", [False, True])
def test_someone_elses_article_is_404_on_every_author_endpoint_and_unchanged(
    reader_client, author, method, path, body, published
):
    article = published_article(author=author) if published else ArticleFactory(author=author)
    before = snapshot(article.pk)

    response = getattr(reader_client, method)(f"{ARTICLES}/{article.pk}/{path}", body)

    assert response.status_code == 404
    assert response.json() == {"detail": "Article not found.", "code": "not_found", "extra": {}}
    assert snapshot(article.pk) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "draft"), ("patch", "draft"), ("delete", "draft"), ("post", "publish")],
)
def test_unknown_article_is_404_like_someone_elses(author_client, method, path):
    response = getattr(author_client, method)(f"{ARTICLES}/999999/{path}", {})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "draft"), ("patch", "draft"), ("delete", "draft"), ("post", "publish")],
)
def test_author_endpoints_need_authentication(anonymous_client, author, method, path):
    article = ArticleFactory(author=author)
    before = snapshot(article.pk)

    response = getattr(anonymous_client, method)(f"{ARTICLES}/{article.pk}/{path}", {})

    assert response.status_code == 401
    assert snapshot(article.pk) == before


def test_me_articles_needs_authentication(anonymous_client):
    assert anonymous_client.get(ME_ARTICLES).status_code == 401
