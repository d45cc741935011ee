from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from scholarnet.events.models import OutboxEvent
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient(HTTP_USER_AGENT=USER_AGENT)


@pytest.fixture
def user():
    return UserFactory(email="ada@example.org", nickname="Ada")


@pytest.fixture
def signed_in(api_client, user) -> APIClient:
    """``api_client`` carrying ``user``'s access token."""
    return bearer(api_client, login(api_client, user.email)["access"])


def tag_events() -> list[tuple[str, dict]]:
    """The ``search.any`` outbox rows about tags, oldest first: ``(key, payload)``."""
    rows = OutboxEvent.objects.filter(type="search.any").order_by("id")
    return [(row.key, row.payload) for row in rows if row.payload.get("doc_type") == "tag"]
