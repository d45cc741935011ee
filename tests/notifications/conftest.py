from __future__ import annotations

import pytest

from apps.notifications.models import Notification
from scholarnet.events.envelope import Event
from scholarnet.events.models import OutboxEvent
from scholarnet.events.transports import LocalTransport
from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    author_client,
    reader,
    reader_client,
    signed_in_client,
)
from tests.articles.factories import published_article

NOTIFICATIONS = "/api/v1/notifications"
UNREAD = "/api/v1/notifications/unread-count"
READ = "/api/v1/notifications/read"


@pytest.fixture
def article(author):  # noqa: F811 - the imported fixture, by name
    return published_article(author=author, title="Spectral notes")


def deliver(*types: str) -> list[Event]:
    """Hand the outbox's events of ``types`` to every consumer group, as the relay does."""
    rows = OutboxEvent.objects.filter(type__in=types).order_by("id")
    events = [Event.from_outbox(row) for row in rows]
    LocalTransport().send(events)
    return events


def notifications(user) -> list[tuple[str, int, list[int]]]:
    rows = Notification.objects.filter(recipient=user).order_by("id")
    return [(row.kind, row.actor_count, row.actor_ids) for row in rows]
