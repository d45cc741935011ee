from __future__ import annotations

import pytest
from django.utils import timezone

from tests.articles.conftest import (  # noqa: F401 - fixtures shared with the articles tests
    anonymous_client,
    author,
    reader,
    reader_client,
    signed_in_client,
)

FEED = "/api/v1/feed"


@pytest.fixture(autouse=True)
def _signed_in_recently(reader):  # noqa: F811 - the imported fixture, by name
    """The reader is active (signed in within FEED_ACTIVE_DAYS) unless a test says otherwise."""
    reader.last_login = timezone.now()
    reader.save(update_fields=["last_login"])


def relay() -> None:
    """Deliver the outbox to the in-process consumers (tasks run eagerly in tests)."""
    from scholarnet.events.relay import relay_once

    while relay_once():
        pass


def feed_ids(client, **query) -> list[int]:
    response = client.get(FEED, query)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture(autouse=True)
def _cards_cleared():
    """Each test starts without the previous test's cards (ids are reused after a rollback)."""
    from apps.feed.cards import card_tier

    card_tier.clear()
    yield
    card_tier.clear()
