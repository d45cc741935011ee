from __future__ import annotations

import pytest

from apps.comments import services
from apps.comments.models import Comment
from apps.interactions.models import ArticleStat
from tests.articles.conftest import signed_in_client
from tests.comments.conftest import COMMENT, comment_ids, events
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(reader, author, article):
    """root ← a ← b, root ← c, and another root; by the reader except a (the article's author)."""
    root = services.comment_create(user=reader, article_id=article.pk, content="root")
    a = services.comment_create(user=author, article_id=article.pk, content="a", parent_id=root.pk)
    b = services.comment_create(user=reader, article_id=article.pk, content="b", parent_id=a.pk)
    c = services.comment_create(user=reader, article_id=article.pk, content="c", parent_id=root.pk)
    other = services.comment_create(user=reader, article_id=article.pk, content="other")
    return {"root": root.pk, "a": a.pk, "b": b.pk, "c": c.pk, "other": other.pk}


def count(article) -> int:
    return ArticleStat.objects.get(pk=article.pk).comment_count


def test_a_reader_cannot_delete_someone_elses_reply(reader_client, article, tree):
    response = reader_client.delete(COMMENT.format(tree["a"]))  # the article's author wrote a

    assert response.status_code == 403  # the reader wrote b, not a
    assert len(comment_ids()) == 5


@pytest.mark.parametrize("who", ["comment_author", "article_author", "moderator"])
def test_the_allowed_delete_a_subtree(who, reader_client, author_client, article, tree):
    client = {
        "comment_author": reader_client,
        "article_author": author_client,
        "moderator": signed_in_client(UserFactory(is_staff=True)),
    }[who]

    response = client.delete(COMMENT.format(tree["root"]))

    assert response.status_code == 204
    assert comment_ids() == [tree["other"]]
    assert count(article) == 1
    [event] = events("comment.deleted")
    assert event["deleted_ids"] == sorted([tree["root"], tree["a"], tree["b"], tree["c"]])
    assert event["comment_count"] == 1


def test_deleting_a_mid_thread_reply_keeps_the_rest(author_client, article, tree):
    assert author_client.delete(COMMENT.format(tree["a"])).status_code == 204

    assert comment_ids() == [tree["root"], tree["c"], tree["other"]]
    assert Comment.objects.get(pk=tree["root"]).reply_count == 1
    assert count(article) == 3


def test_anyone_else_is_403_and_nothing_is_deleted(article, tree):
    stranger = signed_in_client(UserFactory())

    response = stranger.delete(COMMENT.format(tree["root"]))

    assert (response.status_code, response.json()["code"]) == (403, "comment_delete_denied")
    assert len(comment_ids()) == 5
    assert count(article) == 5
    assert events("comment.deleted") == []


def test_anonymous_is_401_and_a_missing_comment_404(anonymous_client, reader_client, article, tree):
    assert anonymous_client.delete(COMMENT.format(tree["root"])).status_code == 401
    response = reader_client.delete(COMMENT.format(999_999))
    assert (response.status_code, response.json()["code"]) == (404, "comment_not_found")
    assert len(comment_ids()) == 5


def test_on_a_hidden_article_only_moderators_may_delete(reader_client, author, article, tree):
    from apps.articles import services as article_services

    article_services.article_withdraw(article_id=article.pk, author=author)

    assert reader_client.delete(COMMENT.format(tree["c"])).status_code == 404
    assert len(comment_ids()) == 5
    moderator = signed_in_client(UserFactory(is_staff=True))
    assert moderator.delete(COMMENT.format(tree["c"])).status_code == 204
    assert len(comment_ids()) == 4
