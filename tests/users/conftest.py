from __future__ import annotations

from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rest_framework.test import APIClient

from apps.users import revocation
from tests.users.factories import PASSWORD, UserFactory

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def unreachable_redis() -> redis.Redis:
    """A client of a Redis that is not there, failing fast (no retries)."""
    return redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )


@pytest.fixture(autouse=True)
def _fresh_session_breaker():
    """A test that breaks Redis must not leave the revocation check's breaker open."""
    revocation.reset_breaker()
    yield
    revocation.reset_breaker()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient(HTTP_USER_AGENT=USER_AGENT)


@pytest.fixture
def user():
    return UserFactory(email="ada@example.org", nickname="Ada")


def login(client: APIClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.json()
    return response.json()


def bearer(client: APIClient, access: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def signed_in(api_client, user) -> dict[str, Any]:
    """The user signed in on ``api_client``: the login body; the client sends the access token."""
    tokens = login(api_client, user.email)
    bearer(api_client, tokens["access"])
    return tokens
