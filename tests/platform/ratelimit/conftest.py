from __future__ import annotations

import pytest
import redis

from scholarnet.ratelimit import service

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _fresh_limiter_state():
    """The breaker and the outage-warning clock are process-wide; no test inherits them."""
    service.breaker.reset()
    service.reset_warning_interval()
    yield
    service.breaker.reset()


@pytest.fixture
def redis_down(monkeypatch) -> list[redis.Redis]:
    """Point every rate check at a Redis that refuses connections; lists the clients handed out."""
    handed_out: list[redis.Redis] = []

    def unreachable() -> redis.Redis:
        client = redis.Redis.from_url(UNREACHABLE_REDIS_URL, socket_connect_timeout=0.2)
        handed_out.append(client)
        return client

    monkeypatch.setattr(service, "redis_client", unreachable)
    return handed_out
