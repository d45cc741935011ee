"""Redis outages: stale local data, a bounded fallback to the loader, no Redis error escapes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from scholarnet.api.errors import ServiceUnavailable
from scholarnet.cache.breaker import CircuitBreaker
from tests.platform.cache.support import CountingLoader, metric


def test_no_redis_and_nothing_local_loads_through_the_fallback(make_cache, unreachable_redis):
    cache = make_cache(redis=unreachable_redis)
    loader = CountingLoader("from the database")

    assert cache.get_or_load("k", loader, ttl=60) == "from the database"
    assert cache.get_or_load("k", loader, ttl=60) == "from the database"

    assert loader.calls == 1  # the fallback result is kept locally
    assert metric("loads", cache=cache.name, path="fallback") == 1
    assert metric("redis_errors", cache=cache.name) >= 1


def test_expired_local_entry_is_served_while_redis_is_down(make_cache, spy_redis, time_machine):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC), tick=False)
    cache = make_cache(redis=spy_redis, local_ttl=10)
    loader = CountingLoader("cached")
    cache.get_or_load("k", loader, ttl=600)

    spy_redis.broken = True
    time_machine.shift(60)
    loader.value = "fresh but unreachable"

    assert cache.get_or_load("k", loader, ttl=600) == "cached"
    assert loader.calls == 1
    assert metric("hits", cache=cache.name, tier="stale") == 1


def test_fallback_runs_at_most_n_loaders_and_refuses_the_overflow(make_cache, unreachable_redis):
    cache = make_cache(
        redis=unreachable_redis, fallback_concurrency=2, fallback_timeout=0.1, listen=False
    )
    running = 0
    most_running = 0
    counter_lock = threading.Lock()
    release = threading.Event()
    refused: list[ServiceUnavailable] = []

    def loader() -> str:
        nonlocal running, most_running
        with counter_lock:
            running += 1
            most_running = max(most_running, running)
        release.wait(5)
        with counter_lock:
            running -= 1
        return "row"

    def read(number: int) -> str:
        try:
            return cache.get_or_load(f"row:{number}", loader, ttl=60)
        except ServiceUnavailable as error:
            refused.append(error)
            return "refused"

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(read, number) for number in range(6)]
        deadline = time.monotonic() + 5
        while len(refused) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        release.set()
        results = sorted(future.result() for future in futures)

    assert most_running == 2
    assert results == ["refused"] * 4 + ["row"] * 2
    assert refused[0].status_code == 503
    assert metric("fallback_rejected", cache=cache.name) == 4
    assert metric("loads", cache=cache.name, path="fallback") == 2


def test_redis_errors_never_escape(make_cache, spy_redis):
    cache = make_cache(redis=spy_redis, breaker=CircuitBreaker(backoff_seconds=0))
    spy_redis.broken = True

    assert cache.get_or_load("k", CountingLoader(), ttl=60) == "value"
    cache.invalidate("k")
    cache.invalidate_many(["a", "b"])

    assert spy_redis.failed_attempts >= 3


def test_breaker_skips_redis_after_a_failure(make_cache, spy_redis):
    cache = make_cache(redis=spy_redis, breaker=CircuitBreaker(backoff_seconds=60))
    spy_redis.broken = True

    cache.get_or_load("a", CountingLoader(), ttl=60)
    cache.get_or_load("b", CountingLoader(), ttl=60)
    cache.invalidate("c")

    assert spy_redis.failed_attempts == 1


def test_invalidation_during_an_outage_is_replayed_when_redis_returns(
    make_cache, spy_redis, redis_client
):
    cache = make_cache(redis=spy_redis, breaker=CircuitBreaker(backoff_seconds=0))
    cache.get_or_load("k", CountingLoader("old"), ttl=600)
    value_key = f"sntest:tlc:{cache.name}:v:k"

    spy_redis.broken = True
    cache.invalidate("k")  # the database was written; Redis could not be told
    assert redis_client.exists(value_key) == 1

    spy_redis.broken = False
    loader = CountingLoader("new")
    assert cache.get_or_load("k", loader, ttl=600) == "new"
    assert loader.calls == 1


def test_fallback_rejection_renders_as_503_envelope():
    from scholarnet.api.exception_handler import exception_handler

    response = exception_handler(ServiceUnavailable("The service is busy. Try again shortly."), {})

    assert response.status_code == 503
    assert response.data == {
        "detail": "The service is busy. Try again shortly.",
        "code": "service_unavailable",
        "extra": {},
    }


@pytest.mark.parametrize("broken_after", ["mget", "store"])
def test_failure_mid_read_still_returns_the_value(make_cache, spy_redis, broken_after):
    cache = make_cache(redis=spy_redis)
    loader = CountingLoader("row")
    if broken_after == "mget":
        spy_redis.broken = True
        assert cache.get_or_load("k", loader, ttl=60) == "row"
    else:

        def loader_then_outage() -> str:
            spy_redis.broken = True
            return loader()

        assert cache.get_or_load("k", loader_then_outage, ttl=60) == "row"
    assert loader.calls == 1
    assert cache.cached_locally("k")
