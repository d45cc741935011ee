from __future__ import annotations

import pytest

from apps.comments.services import comment_create
from apps.interactions.services import article_like
from apps.notifications.models import Notification
from tests.articles.factories import published_article
from tests.notifications.conftest import NOTIFICATIONS, READ, UNREAD, deliver
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(author, reader, article):
    """The author's: a like aggregate of two, and a comment by the reader."""
    article_like(user=reader, article_id=article.pk)
    article_like(user=UserFactory(nickname="Emmy"), article_id=article.pk)
    comment_create(user=reader, article_id=article.pk, content="A question")
    deliver("like.changed", "comment.created")
    return {row.kind: row.pk for row in Notification.objects.filter(recipient=author)}


def test_the_list_is_latest_first_with_actors_title_and_preview(author_client, inbox, reader):
    body = author_client.get(NOTIFICATIONS).json()

    assert [row["kind"] for row in body["results"]] == ["comment", "like"]
    like = body["results"][1]
    assert (like["actor_count"], like["title"], like["read"]) == (2, "Spectral notes", False)
    assert [actor["nickname"] for actor in like["actors"]] == ["Emmy", "Grace"]
    assert body["results"][0]["preview"] == "A question"
    assert body["next"] is None


def test_kind_and_unread_filters(author_client, inbox):
    liked = author_client.get(NOTIFICATIONS, {"kind": "like"}).json()["results"]
    assert [row["id"] for row in liked] == [inbox["like"]]
    author_client.post(READ, {"ids": [inbox["like"]]}, format="json")
    unread = author_client.get(NOTIFICATIONS, {"unread": "1"}).json()["results"]
    assert [row["id"] for row in unread] == [inbox["comment"]]
    response = author_client.get(NOTIFICATIONS, {"kind": "nope"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


@pytest.mark.parametrize("query", ["kind=", "unread=", "unread=maybe"])
def test_a_blank_or_bad_filter_is_a_400_not_ignored(author_client, inbox, query):
    response = author_client.get(f"{NOTIFICATIONS}?{query}")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")


@pytest.mark.parametrize("page_size", [2, 10])
def test_a_page_costs_the_same_queries_whatever_its_size(
    author, author_client, page_size, django_assert_num_queries
):
    for index in range(12):
        article = published_article(author=author, title=f"Paper {index}")
        comment_create(user=UserFactory(), article_id=article.pk, content="Hi")
    deliver("comment.created")
    with django_assert_num_queries(3):  # the user, the page, the actors' names
        body = author_client.get(NOTIFICATIONS, {"page_size": page_size}).json()
    assert len(body["results"]) == page_size


def test_unread_counts_per_kind_from_redis(author_client, inbox, django_assert_num_queries):
    expected = {
        "total": 2,
        "by_kind": {
            "like": 1,
            "collect": 0,
            "comment": 1,
            "reply": 0,
            "follow": 0,
            "moderation": 0,
            "reward": 0,
        },
    }
    assert author_client.get(UNREAD).json() == expected  # counted, then stored
    with django_assert_num_queries(0):  # the counts from Redis, the user from the process
        assert author_client.get(UNREAD).json() == expected


def test_marking_read_drops_the_counts(author_client, inbox, django_capture_on_commit_callbacks):
    author_client.get(UNREAD)
    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(READ, {"all": True}, format="json")

    assert response.json() == {"updated": 2}
    assert author_client.get(UNREAD).json()["total"] == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_others_ids_are_ignored(reader_client, inbox):
    response = reader_client.post(READ, {"ids": [inbox["like"], inbox["comment"]]}, format="json")

    assert response.json() == {"updated": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": [1], "all": True}, {"ids": ["x"]}])
def test_a_bad_read_request_is_400_and_changes_nothing(author_client, inbox, body):
    response = author_client.post(READ, body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_anonymous_is_401(anonymous_client):
    for response in (
        anonymous_client.get(NOTIFICATIONS),
        anonymous_client.get(UNREAD),
        anonymous_client.post(READ, {"all": True}, format="json"),
    ):
        assert response.status_code == 401
