"""A take-down reaches every reader's view once it commits: list, detail, search, and the
author's notifications (the relay delivers the events in-process, as in embedded mode)."""

from __future__ import annotations

import pytest

from apps.articles import services as articles
from apps.moderation import services
from apps.moderation.models import ReportedTarget
from apps.notifications.models import Notification
from apps.search.backends import get_backend
from scholarnet.events.envelope import Event
from scholarnet.events.models import OutboxEvent
from scholarnet.events.transports import LocalTransport
from tests.moderation.conftest import action, moderator_make, report, signed_in_client
from tests.search.support import found
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _search_index(settings, tmp_path):
    settings.SEARCH_BACKEND = "tantivy"
    settings.SEARCH_TANTIVY_PATH = tmp_path / "search"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


@pytest.fixture
def live(committed):
    author = UserFactory(nickname="Ada")
    draft = committed(
        articles.article_create,
        author=author,
        title="Perpetual motion machines",
        content="A free energy device.",
    )
    return committed(articles.article_publish, article_id=draft.pk, author=author)


def _search(word: str) -> list[str]:
    return found(get_backend(), "article", word)


def test_take_down_from_the_queue_hides_the_article_from_list_detail_and_search(
    committed, live, anonymous_client, moderator_client, django_capture_on_commit_callbacks
):
    reporter = signed_in_client(UserFactory())
    assert report(reporter, "article", live.pk).status_code == 201
    assert _search("perpetual") == [str(live.pk)]
    assert anonymous_client.get(f"/api/v1/articles/{live.pk}").status_code == 200  # cached now
    target = ReportedTarget.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        action(moderator_client, "take_down", [target], reason="Violates thermodynamics")

    assert anonymous_client.get(f"/api/v1/articles/{live.pk}").status_code == 404
    listed = anonymous_client.get("/api/v1/articles").json()["results"]
    assert live.pk not in [row["id"] for row in listed]
    assert _search("perpetual") == []

    [notification] = Notification.objects.filter(recipient_id=live.author_id)
    assert notification.kind == "moderation"
    assert notification.title == "Perpetual motion machines"
    assert notification.preview == "take down: Violates thermodynamics"
    assert notification.article_id == live.pk

    with django_capture_on_commit_callbacks(execute=True):
        action(moderator_client, "restore", [target], reason="Reviewed again")

    assert anonymous_client.get(f"/api/v1/articles/{live.pk}").status_code == 200
    assert _search("perpetual") == [str(live.pk)]
    assert Notification.objects.filter(recipient_id=live.author_id).count() == 2


def test_a_redelivered_action_notifies_once_and_a_dismissal_nobody(committed, live):
    moderator = moderator_make()
    assert report(signed_in_client(UserFactory()), "article", live.pk).status_code == 201
    target = ReportedTarget.objects.get()
    committed(services.report_dismiss, moderator=moderator, target_id=target.pk)
    assert Notification.objects.count() == 0

    committed(services.target_take_down, moderator=moderator, target_id=target.pk, reason="x")
    [row] = OutboxEvent.objects.filter(type="moderation.action")
    LocalTransport().send([Event.from_outbox(row)])  # the relay sent it again

    assert Notification.objects.filter(recipient_id=live.author_id).count() == 1


@pytest.mark.parametrize("reversed_delivery", [False, True], ids=["in_order", "deletion_last"])
def test_a_comment_taken_down_from_the_admin_tells_its_author_why_in_any_delivery_order(
    committed, live, moderator_client, reversed_delivery
):
    from apps.comments import services as comments

    commenter = UserFactory(nickname="Bob")
    comment = committed(
        comments.comment_create, user=commenter, article_id=live.pk, content="Buy my pills"
    )
    assert report(signed_in_client(UserFactory()), "comment", comment.pk).status_code == 201
    target = ReportedTarget.objects.get()
    Notification.objects.all().delete()  # the comment's own notice to the article's author
    before = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    action(moderator_client, "take_down", [target], reason="Advertising")
    rows = list(OutboxEvent.objects.filter(id__gt=before).order_by("id"))
    if reversed_delivery:
        rows.reverse()  # another partition: the deletion may be handled after the action
    LocalTransport().send([Event.from_outbox(row) for row in rows])

    [notification] = Notification.objects.filter(recipient_id=commenter.pk)
    assert notification.kind == "moderation"
    assert notification.preview == "take down: Advertising"
    assert notification.article_id == live.pk
    # It names the article, not the deleted comment, and keeps none of the comment's text.
    assert notification.title == "Perpetual motion machines"
    assert notification.comment_id is None
