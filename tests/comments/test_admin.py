"""The comments admin: moderators find comments and delete them through the service."""

from __future__ import annotations

import pytest

from apps.comments.models import Comment
from apps.comments.services import comment_create
from apps.interactions.models import ArticleStat
from tests.articles.conftest import moderator_client  # noqa: F401 - fixture
from tests.articles.factories import published_article
from tests.comments.conftest import comment_ids, events
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

COMMENTS = "/admin/comments/comment/"


@pytest.fixture
def thread(article, reader):
    root = comment_create(user=reader, article_id=article.pk, content="Root remark")
    reply = comment_create(
        user=UserFactory(), article_id=article.pk, content="A reply", parent_id=root.pk
    )
    other = comment_create(
        user=reader, article_id=published_article(author=reader).pk, content="Elsewhere"
    )
    return root, reply, other


def _listed(response) -> list[int]:
    return sorted(response.context["cl"].result_list.values_list("pk", flat=True))


def test_moderators_list_and_filter_by_article_author_and_text(
    moderator_client,  # noqa: F811 - the imported fixture
    thread,
    article,
    reader,
):
    root, reply, other = thread

    everything = moderator_client.get(COMMENTS)
    by_article = moderator_client.get(COMMENTS, {"article_id": article.pk})
    by_author = moderator_client.get(COMMENTS, {"author__id__exact": reader.pk})
    by_text = moderator_client.get(COMMENTS, {"q": "reply"})
    roots = moderator_client.get(COMMENTS, {"position": "root"})

    assert everything.status_code == 200
    assert _listed(everything) == [root.pk, reply.pk, other.pk]
    assert _listed(by_article) == [root.pk, reply.pk]
    assert _listed(by_author) == [root.pk, other.pk]
    assert _listed(by_text) == [reply.pk]
    assert _listed(roots) == [root.pk, other.pk]


def test_deleting_in_the_admin_goes_through_the_service(
    moderator_client,  # noqa: F811 - the imported fixture
    thread,
    article,
):
    root, reply, other = thread

    response = moderator_client.post(
        COMMENTS, {"action": "delete_with_replies", "_selected_action": [root.pk, reply.pk]}
    )

    assert response.status_code == 302
    assert comment_ids() == [other.pk]  # the root's subtree went, the reply inside it once
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 0
    deleted = events("comment.deleted")
    assert [(event["comment_id"], event["deleted_ids"]) for event in deleted] == [
        (root.pk, [root.pk, reply.pk])
    ]


def test_the_delete_page_of_one_comment_goes_through_the_service_too(
    moderator_client,  # noqa: F811 - the imported fixture
    thread,
    article,
):
    root, reply, _other = thread

    response = moderator_client.post(f"{COMMENTS}{reply.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=reply.pk).exists()
    assert Comment.objects.get(pk=root.pk).reply_count == 0
    assert ArticleStat.objects.get(pk=article.pk).comment_count == 1
    assert [event["deleted_ids"] for event in events("comment.deleted")] == [[reply.pk]]


def test_comments_are_not_added_or_edited_and_the_bare_bulk_delete_is_gone(
    moderator_client,  # noqa: F811 - the imported fixture
    thread,
):
    root, _reply, _other = thread

    assert moderator_client.get(f"{COMMENTS}add/").status_code == 403
    changed = moderator_client.post(f"{COMMENTS}{root.pk}/change/", {"content": "Edited"})
    bulk = moderator_client.post(
        COMMENTS, {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"}
    )

    assert changed.status_code == 403
    assert bulk.status_code == 302  # "no action selected": back to the list, nothing deleted
    assert Comment.objects.get(pk=root.pk).content == "Root remark"
    assert Comment.objects.count() == 3


def test_a_reader_cannot_open_the_admin(reader_client, thread):
    response = reader_client.get(COMMENTS)

    assert response.status_code in (302, 401, 403)
    assert Comment.objects.count() == 3
