"""Read order, write-back, invalidation and TTLs of the two-level cache against real Redis."""

import time
from datetime import UTC, datetime

import pytest

from scholarnet.cache import invalidate_on_commit, two_level_cache
from tests.platform.cache.support import CountingLoader, metric


def _wait_until(condition, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_miss_calls_the_loader_once_and_fills_both_tiers(make_cache, spy_redis, redis_client):
    cache = make_cache(redis=spy_redis)
    loader = CountingLoader({"title": "Graphs"})

    assert cache.get_or_load("article:1", loader, ttl=60) == {"title": "Graphs"}

    assert loader.calls == 1
    assert cache.cached_locally("article:1")
    assert redis_client.exists(f"sntest:tlc:{cache.name}:v:article:1") == 1
    assert metric("misses", cache=cache.name) == 1
    assert metric("loads", cache=cache.name, path="normal") == 1


def test_local_hit_does_not_touch_redis(make_cache, spy_redis):
    cache = make_cache(redis=spy_redis)
    loader = CountingLoader()
    cache.get_or_load("k", loader, ttl=60)
    commands_after_miss = len(spy_redis.commands)

    assert cache.get_or_load("k", loader, ttl=60) == "value"

    assert len(spy_redis.commands) == commands_after_miss
    assert loader.calls == 1
    assert metric("hits", cache=cache.name, tier="local") == 1


def test_redis_hit_fills_the_local_tier(make_cache, spy_redis):
    writer = make_cache(name="shared", redis=spy_redis)
    reader = make_cache(name="shared", redis=spy_redis)
    loader = CountingLoader([1, 2, 3])
    writer.get_or_load("k", loader, ttl=60)

    spy_redis.commands.clear()
    assert reader.get_or_load("k", loader, ttl=60) == [1, 2, 3]
    assert spy_redis.commands == ["MGET"]

    spy_redis.commands.clear()
    assert reader.get_or_load("k", loader, ttl=60) == [1, 2, 3]
    assert spy_redis.commands == []
    assert loader.calls == 1
    assert metric("hits", cache="shared", tier="redis") >= 1


def test_none_is_cached_like_any_value(make_cache, spy_redis):
    cache = make_cache(name="negative", redis=spy_redis)
    other_process = make_cache(name="negative", redis=spy_redis)
    loader = CountingLoader(None)

    assert cache.get_or_load("user:404", loader, ttl=60) is None
    assert cache.get_or_load("user:404", loader, ttl=60) is None
    assert other_process.get_or_load("user:404", loader, ttl=60) is None

    assert loader.calls == 1


def test_callers_get_their_own_copy(make_cache):
    cache = make_cache()
    first = cache.get_or_load("k", lambda: {"tags": ["math"]}, ttl=60)
    first["tags"].append("mutated")

    assert cache.get_or_load("k", lambda: {"tags": []}, ttl=60) == {"tags": ["math"]}


def test_invalidate_clears_both_tiers(make_cache, redis_client):
    cache = make_cache()
    cache.get_or_load("k", CountingLoader("old"), ttl=60)

    cache.invalidate("k")

    assert not cache.cached_locally("k")
    assert redis_client.exists(f"sntest:tlc:{cache.name}:v:k") == 0
    assert cache.get_or_load("k", CountingLoader("new"), ttl=60) == "new"


def test_invalidate_reaches_the_local_tier_of_another_process(make_cache):
    writer = make_cache(name="pubsub")
    other_process = make_cache(name="pubsub")
    other_process.get_or_load("k", CountingLoader("old"), ttl=60)
    assert other_process.cached_locally("k")

    writer.invalidate("k")

    assert _wait_until(lambda: not other_process.cached_locally("k"))
    assert other_process.get_or_load("k", CountingLoader("new"), ttl=60) == "new"


def test_invalidate_many_clears_every_key(make_cache):
    cache = make_cache()
    for key in ("a", "b", "c"):
        cache.get_or_load(key, CountingLoader(key), ttl=60)

    cache.invalidate_many(["a", "c", "a"])

    assert [cache.cached_locally(key) for key in ("a", "b", "c")] == [False, True, False]
    assert metric("invalidations", cache=cache.name) == 2


def test_value_loaded_across_an_invalidation_is_not_cached(make_cache):
    """A writer invalidates while a reader is loading: the reader's value may be the old one."""
    cache = make_cache()

    def loader_racing_a_writer() -> str:
        cache.invalidate("k")  # the writer commits and invalidates mid-load
        return "old"

    assert cache.get_or_load("k", loader_racing_a_writer, ttl=60) == "old"

    assert not cache.cached_locally("k")
    assert cache.get_or_load("k", CountingLoader("new"), ttl=60) == "new"


def test_local_entry_expires_after_local_ttl_then_redis_answers(
    make_cache, spy_redis, time_machine
):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC), tick=False)
    cache = make_cache(redis=spy_redis, local_ttl=10)
    loader = CountingLoader()
    cache.get_or_load("k", loader, ttl=600)

    time_machine.shift(9)
    assert cache.cached_locally("k")
    time_machine.shift(2)
    assert not cache.cached_locally("k")

    spy_redis.commands.clear()
    assert cache.get_or_load("k", loader, ttl=600) == "value"
    assert spy_redis.commands == ["MGET"]
    assert loader.calls == 1


def test_local_ttl_never_exceeds_the_redis_ttl(make_cache, time_machine):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC), tick=False)
    cache = make_cache(local_ttl=30)
    cache.get_or_load("k", CountingLoader(), ttl=5)

    time_machine.shift(5.1)

    assert not cache.cached_locally("k")


def test_per_call_local_ttl_overrides_the_default(make_cache, time_machine):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=UTC), tick=False)
    cache = make_cache(local_ttl=30)
    cache.get_or_load("k", CountingLoader(), ttl=600, local_ttl=2)

    time_machine.shift(2.1)

    assert not cache.cached_locally("k")


def test_redis_entry_gets_the_requested_ttl(make_cache, redis_client):
    cache = make_cache()
    cache.get_or_load("k", CountingLoader(), ttl=120)

    remaining_ms = redis_client.pttl(f"sntest:tlc:{cache.name}:v:k")

    assert 119_000 < remaining_ms <= 120_000


def test_redis_entry_expires(make_cache):
    cache = make_cache(local_ttl=0)
    loader = CountingLoader()
    cache.get_or_load("k", loader, ttl=1)

    time.sleep(1.1)
    cache.get_or_load("k", loader, ttl=1)

    assert loader.calls == 2


def test_loader_error_propagates_and_caches_nothing(make_cache, redis_client):
    cache = make_cache()

    def failing_loader() -> str:
        raise LookupError("database said no")

    with pytest.raises(LookupError):
        cache.get_or_load("k", failing_loader, ttl=60)

    assert not cache.cached_locally("k")
    assert redis_client.exists(f"sntest:tlc:{cache.name}:l:k") == 0  # loading lock released
    assert cache.get_or_load("k", CountingLoader("ok"), ttl=60) == "ok"


@pytest.mark.django_db
def test_invalidate_on_commit_waits_for_the_transaction(django_capture_on_commit_callbacks):
    two_level_cache.get_or_load("article:7", CountingLoader("draft"), ttl=60)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invalidate_on_commit("article:7")
        assert two_level_cache.cached_locally("article:7")

    assert len(callbacks) == 1
    assert not two_level_cache.cached_locally("article:7")
    assert two_level_cache.get_or_load("article:7", CountingLoader("published"), ttl=60) == (
        "published"
    )
