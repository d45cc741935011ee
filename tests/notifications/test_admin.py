"""The notifications admin: a read-only list."""

from __future__ import annotations

import pytest

from apps.notifications.models import Notification, NotificationKind
from tests.articles.conftest import moderator_client  # noqa: F401 - fixture
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/admin/notifications/notification/"


def test_notifications_are_listed_filtered_and_never_changed(
    moderator_client,  # noqa: F811 - the imported fixture
):
    alice, bob = UserFactory(), UserFactory()
    mine = Notification.objects.create(
        recipient=alice, kind=NotificationKind.LIKE, group_key="like:article:1", title="Optics"
    )
    Notification.objects.create(recipient=bob, kind=NotificationKind.FOLLOW, group_key="follow")

    listing = moderator_client.get(NOTIFICATIONS)
    likes = moderator_client.get(NOTIFICATIONS, {"kind__exact": "like"})
    alices = moderator_client.get(NOTIFICATIONS, {"q": str(alice.pk)})
    added = moderator_client.get(f"{NOTIFICATIONS}add/")
    changed = moderator_client.post(f"{NOTIFICATIONS}{mine.pk}/change/", {"title": "Edited"})
    deleted = moderator_client.post(f"{NOTIFICATIONS}{mine.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert [row.pk for row in likes.context["cl"].result_list] == [mine.pk]
    assert [row.pk for row in alices.context["cl"].result_list] == [mine.pk]
    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert Notification.objects.get(pk=mine.pk).title == "Optics"
    assert Notification.objects.count() == 2
