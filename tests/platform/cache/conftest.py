from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django_redis import get_redis_connection

from scholarnet.cache import TwoLevelCache
from tests.platform.cache.support import UNREACHABLE_REDIS_URL, SpyRedis


@pytest.fixture
def redis_client() -> redis.Redis:
    return get_redis_connection("default")


@pytest.fixture
def spy_redis(redis_client: redis.Redis) -> SpyRedis:
    return SpyRedis(connection_pool=redis_client.connection_pool)


@pytest.fixture
def unreachable_redis() -> redis.Redis:
    return redis.Redis.from_url(UNREACHABLE_REDIS_URL, socket_connect_timeout=0.2)


@pytest.fixture
def make_cache() -> Iterator[Callable[..., TwoLevelCache]]:
    """Build caches with a name of their own (so metrics and keys start at zero); close them."""
    created: list[TwoLevelCache] = []
    test_id = uuid.uuid4().hex[:8]
    numbers = itertools.count()

    def make(**options: Any) -> TwoLevelCache:
        options.setdefault("name", f"test-{test_id}-{next(numbers)}")
        cache = TwoLevelCache(**options)
        created.append(cache)
        return cache

    yield make
    for cache in created:
        cache.close()
