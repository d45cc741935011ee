from __future__ import annotations

import pytest

from apps.comments import services
from apps.comments.models import Comment
from apps.interactions.models import ArticleStat
from tests.articles.factories import published_article
from tests.comments.conftest import COMMENTS, comment_ids, events

pytestmark = pytest.mark.django_db


def post(client, article_id, content="A *fine* point: $e^{i\\pi}+1=0$", **extra):
    return client.post(COMMENTS.format(article_id), {"content": content, **extra}, format="json")


def comment_count(client, article_id) -> int:
    return client.get(f"/api/v1/articles/{article_id}").json()["comment_count"]


def test_a_comment_is_rendered_counted_and_published(reader_client, reader, article):
    response = post(reader_client, article.pk)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["root_id"], body["parent_id"], body["reply_count"]) == (None, None, 0)
    assert body["author"] == {"id": reader.pk, "nickname": "Grace"}
    assert "<em>fine</em>" in body["content_html"]
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 1
    assert comment_count(reader_client, article.pk) == 1
    [event] = events("comment.created")
    assert (event["comment_id"], event["author_id"], event["article_author_id"]) == (
        body["id"],
        reader.pk,
        article.author_id,
    )
    assert (event["parent_id"], event["comment_count"]) == (None, 1)


def test_markup_is_sanitised(reader_client, article):
    body = post(reader_client, article.pk, "<script>alert(1)</script>hi").json()
    assert "<script" not in body["content_html"]


def test_a_reply_points_at_its_root_and_counts(reader_client, author_client, author, article):
    root = post(reader_client, article.pk).json()
    reply = post(author_client, article.pk, "Thanks", parent_id=root["id"]).json()
    nested = post(reader_client, article.pk, "Welcome", parent_id=reply["id"]).json()

    assert (reply["root_id"], reply["parent_id"]) == (root["id"], root["id"])
    assert (nested["root_id"], nested["parent_id"]) == (root["id"], reply["id"])
    assert Comment.objects.get(pk=root["id"]).reply_count == 2
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 3
    assert events("comment.created")[2]["parent_author_id"] == author.pk


@pytest.mark.parametrize("content", ["", "   ", "x" * 10_001])
def test_bad_content_is_400_and_writes_nothing(reader_client, article, content):
    response = post(reader_client, article.pk, content)
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert (comment_ids(), events("comment.created")) == ([], [])


def test_ten_thousand_characters_are_fine(reader_client, article):
    assert post(reader_client, article.pk, "x" * 10_000).status_code == 201


def test_a_parent_on_another_article_is_400(reader_client, author, article):
    other = published_article(author=author, title="Another")
    foreign = post(reader_client, other.pk).json()

    response = post(reader_client, article.pk, parent_id=foreign["id"])

    assert (response.status_code, response.json()["code"]) == (400, "invalid_parent")
    assert comment_ids() == [foreign["id"]]
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 0


def test_a_deleted_parent_is_400(reader_client, reader, article):
    parent = post(reader_client, article.pk).json()
    services.comment_delete(user=reader, comment_id=parent["id"])

    response = post(reader_client, article.pk, parent_id=parent["id"])

    assert (response.status_code, response.json()["code"]) == (400, "invalid_parent")
    assert comment_ids() == []
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 0


def test_only_public_articles_take_comments(reader_client, author, article):
    from apps.articles import services as article_services

    article_services.article_withdraw(article_id=article.pk, author=author)

    response = post(reader_client, article.pk)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert reader_client.get(COMMENTS.format(article.pk)).status_code == 404
    assert comment_ids() == []


def test_anonymous_cannot_comment(anonymous_client, article):
    assert post(anonymous_client, article.pk).status_code == 401
    assert comment_ids() == []


def test_comments_are_rate_limited_per_user(settings, reader_client, article):
    settings.RATELIMIT_COMMENT = "2/60s"
    assert [post(reader_client, article.pk).status_code for _ in range(3)] == [201, 201, 429]
    assert len(comment_ids()) == 2
