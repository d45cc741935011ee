from __future__ import annotations

import pytest

from apps.comments.services import comment_create, comment_delete
from apps.follows.services import user_follow
from apps.interactions.services import article_collect, article_like, article_unlike
from apps.notifications.models import Notification
from scholarnet.events.transports import LocalTransport
from tests.notifications.conftest import deliver, notifications
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_likes_of_one_article_aggregate_into_one_notification(author, article):
    fans = [UserFactory(nickname=f"fan{i}") for i in range(4)]
    for fan in fans:
        article_like(user=fan, article_id=article.pk)
    deliver("like.changed")

    [row] = Notification.objects.filter(recipient=author)
    assert (row.kind, row.actor_count, row.article_id) == ("like", 4, article.pk)
    assert row.actor_ids == [fans[3].pk, fans[2].pk, fans[1].pk]
    assert (row.title, row.preview) == ("Spectral notes", article.abstract)


def test_a_redelivered_event_makes_no_second_notification(author, reader, article):
    article_like(user=reader, article_id=article.pk)
    events = deliver("like.changed")
    LocalTransport().send(events)  # the relay sent it again

    assert notifications(author) == [("like", 1, [reader.pk])]


def test_unlike_and_like_again_counts_the_reader_once(author, reader, article):
    article_like(user=reader, article_id=article.pk)
    article_unlike(user=reader, article_id=article.pk)
    article_like(user=reader, article_id=article.pk)
    deliver("like.changed")

    assert notifications(author) == [("like", 1, [reader.pk])]


def test_ones_own_actions_notify_nobody(author, article):
    article_like(user=author, article_id=article.pk)
    article_collect(user=author, article_id=article.pk)
    comment_create(user=author, article_id=article.pk, content="Note to self")
    deliver("like.changed", "collect.changed", "comment.created")

    assert Notification.objects.count() == 0


def test_a_read_aggregate_is_closed_and_the_next_like_opens_a_new_one(author, reader, article):
    from apps.notifications.services import notifications_read

    article_like(user=reader, article_id=article.pk)
    deliver("like.changed")
    notifications_read(user=author)
    other = UserFactory()
    article_like(user=other, article_id=article.pk)
    deliver("like.changed")  # the first is skipped: already processed

    assert notifications(author) == [("like", 1, [reader.pk]), ("like", 1, [other.pk])]


def test_collects_aggregate_per_article(author, reader, article):
    article_collect(user=reader, article_id=article.pk)
    article_collect(user=UserFactory(), article_id=article.pk)
    deliver("collect.changed")

    [(kind, count, _)] = notifications(author)
    assert (kind, count) == ("collect", 2)


def test_a_comment_notifies_the_author_and_a_reply_the_parents_author(author, reader, article):
    root = comment_create(user=reader, article_id=article.pk, content="Nice **proof**")
    third = UserFactory()
    comment_create(user=third, article_id=article.pk, content="Agreed", parent_id=root.pk)
    deliver("comment.created")

    [comment] = Notification.objects.filter(recipient=author)
    assert (comment.kind, comment.comment_id, comment.preview) == ("comment", root.pk, "Nice proof")
    assert comment.title == "Spectral notes"
    [reply] = Notification.objects.filter(recipient=reader)
    assert (reply.kind, reply.actor_ids, reply.preview) == ("reply", [third.pk], "Agreed")


def test_comments_are_not_aggregated(author, reader, article):
    for text in ("one", "two"):
        comment_create(user=reader, article_id=article.pk, content=text)
    deliver("comment.created")

    assert [row[:2] for row in notifications(author)] == [("comment", 1), ("comment", 1)]


def test_a_deleted_comment_takes_its_notifications_along(author, reader, article):
    root = comment_create(user=reader, article_id=article.pk, content="Soon gone")
    deliver("comment.created")
    comment_delete(user=reader, comment_id=root.pk)
    deliver("comment.deleted")

    assert Notification.objects.count() == 0


def test_follows_aggregate_and_unfollows_notify_nobody(author, reader):
    from apps.follows.services import user_unfollow

    user_follow(follower=reader, followee_id=author.pk)
    user_unfollow(follower=reader, followee_id=author.pk)
    second = UserFactory()
    user_follow(follower=second, followee_id=author.pk)
    deliver("follow.changed")

    assert notifications(author) == [("follow", 2, [second.pk, reader.pk])]


def test_a_redelivered_comment_event_makes_no_second_notification(author, reader, article):
    comment_create(user=reader, article_id=article.pk, content="Once")
    events = deliver("comment.created")
    LocalTransport().send(events)

    assert notifications(author) == [("comment", 1, [reader.pk])]
