from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from apps.comments.services import comment_create
from apps.interactions.services import article_like
from apps.notifications import digest, tasks
from apps.notifications.models import DigestSent
from apps.notifications.services import notifications_read
from tests.notifications.conftest import deliver
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

UNSUBSCRIBE = "/api/v1/notifications/unsubscribe"


@pytest.fixture
def unread(author, reader, article):
    article_like(user=reader, article_id=article.pk)
    article_like(user=UserFactory(nickname="Emmy"), article_id=article.pk)
    comment_create(user=reader, article_id=article.pk, content="A question")
    deliver("like.changed", "comment.created")


def test_the_digest_lists_unread_notifications_with_an_unsubscribe_link(author, unread):
    assert tasks.notifications_digest_send() == 1

    [email] = mail.outbox
    assert (email.to, email.subject) == ([author.email], "ScholarNet: 2 new notifications")
    assert "- Grace commented on “Spectral notes”: A question" in email.body
    assert "- Emmy and 1 others liked “Spectral notes”" in email.body
    token = digest.unsubscribe_token(user_id=author.pk)
    assert f"/api/v1/notifications/unsubscribe?token={token}" in email.body


def test_one_digest_a_day_at_most(author, reader, article, unread):
    with time_machine.travel("2026-12-01 08:00Z", tick=False):
        assert tasks.notifications_digest_send() == 1
        article_like(user=UserFactory(), article_id=article.pk)
        deliver("like.changed")
        assert tasks.notifications_digest_send() == 0
    with time_machine.travel("2026-12-02 08:00Z", tick=False):
        assert tasks.notifications_digest_send() == 1
    assert len(mail.outbox) == 2
    assert DigestSent.objects.filter(user=author).count() == 2


def test_nothing_unread_no_email(author, unread):
    notifications_read(user=author)
    assert tasks.notifications_digest_send() == 0
    assert mail.outbox == []


def test_the_link_unsubscribes_without_signing_in(anonymous_client, author, unread):
    token = digest.unsubscribe_token(user_id=author.pk)

    response = anonymous_client.get(UNSUBSCRIBE, {"token": token})

    assert (response.status_code, response.json()) == (200, {"email_digest": False})
    author.refresh_from_db()
    assert author.email_digest is False
    assert tasks.notifications_digest_send() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("token", ["nope", "1:forged:signature"])
def test_a_bad_token_is_400_and_changes_nothing(anonymous_client, author, unread, token):
    response = anonymous_client.get(UNSUBSCRIBE, {"token": token})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    author.refresh_from_db()
    assert author.email_digest is True


def test_a_token_of_another_purpose_is_refused(anonymous_client, author):
    from django.core import signing

    forged = signing.dumps(author.pk, salt="something.else")
    assert anonymous_client.get(UNSUBSCRIBE, {"token": forged}).status_code == 400
    author.refresh_from_db()
    assert author.email_digest is True


def test_the_job_runs_once_at_a_time(author, unread):
    from scholarnet.locks import RedisLock

    lock = RedisLock("apps.notifications.tasks.notifications_digest_send", ttl_seconds=30)
    assert lock.acquire()
    try:
        assert tasks.notifications_digest_send() is None  # another worker holds it
    finally:
        lock.release()
    assert mail.outbox == []


def test_opting_out_in_the_profile_stops_the_digest(author_client, author, unread):
    response = author_client.patch("/api/v1/users/me", {"email_digest": False}, format="json")

    assert (response.status_code, response.json()["email_digest"]) == (200, False)
    assert tasks.notifications_digest_send() == 0
    assert mail.outbox == []
    author_client.patch("/api/v1/users/me", {"email_digest": True}, format="json")
    assert tasks.notifications_digest_send() == 1
