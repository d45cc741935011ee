from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.users.models import User
from scholarnet.events.models import OutboxEvent
from tests.articles.crossref_stub import crossref  # noqa: F401 (a fixture of these tests)
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import UserFactory

ARTICLES = "/api/v1/articles"
ME_ARTICLES = "/api/v1/me/articles"


@pytest.fixture
def author() -> User:
    return UserFactory(email="ada@example.org", nickname="Ada")


@pytest.fixture
def reader() -> User:
    return UserFactory(email="grace@example.org", nickname="Grace")


def signed_in_client(user: User) -> APIClient:
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    return bearer(client, login(client, user.email)["access"])


@pytest.fixture
def author_client(author) -> APIClient:
    return signed_in_client(author)


@pytest.fixture
def reader_client(reader) -> APIClient:
    return signed_in_client(reader)


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient(HTTP_USER_AGENT=USER_AGENT)


@pytest.fixture
def moderator_client() -> Client:
    moderator = User.objects.create_superuser("mod@example.org", "moderator-pass-91")
    client = Client()
    client.force_login(moderator)
    return client


def article_events() -> list[tuple[str, str, dict[str, Any]]]:
    """The article outbox rows, oldest first: ``(type, key, payload)``."""
    rows = OutboxEvent.objects.filter(type__startswith="article.").order_by("id")
    return [(row.type, row.key, row.payload) for row in rows]
